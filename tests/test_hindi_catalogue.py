"""The Hindi catalogue (locale/hi/LC_MESSAGES/django.po and its compiled .mo, both
committed: a machine without GNU gettext runs from the .mo). Every entry is
translated — not empty, not fuzzy, not the English again, no English words left —
and the .mo says what the .po says."""

import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "hi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")


def _unquote(lines: list[str]) -> str:
    text = "".join(line[line.index('"') + 1 : line.rindex('"')] for line in lines)
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def entries() -> list[dict]:
    """The .po's entries (the header left out): msgid, msgstr, flags."""
    found = []
    for block in PO.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = {f.strip() for line in lines if line.startswith("#,") for f in line[2:].split(",")}
        keys = [i for i, line in enumerate(lines) if re.match(r"msg(id|str)\b", line)]
        if len(keys) != 2:
            raise AssertionError(f"an entry this test cannot read (plural?):\n{block}")
        msgid = _unquote(lines[keys[0] : keys[1]])
        msgstr = _unquote(lines[keys[1] :])
        if msgid:
            found.append({"msgid": msgid, "msgstr": msgstr, "flags": flags})
    return found


ENTRIES = entries()


def test_the_catalogue_and_its_compiled_form_are_committed():
    assert PO.is_file() and MO.is_file()
    assert len(ENTRIES) >= 60


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["msgid"][:40])
def test_every_entry_is_translated_into_hindi(entry):
    msgid, msgstr = entry["msgid"], entry["msgstr"]
    assert "fuzzy" not in entry["flags"]
    assert msgstr.strip(), "empty"
    assert msgstr != msgid
    # The same placeholders, and no English words once they are taken out.
    assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(PLACEHOLDER.findall(msgid))
    words = PLACEHOLDER.sub("", msgstr)
    assert not re.search(r"[A-Za-z]", words), f"English left in {msgstr!r}"
    assert re.search(r"[\u0900-\u097F]", words), "no Devanagari"


def test_the_mo_file_is_compiled_from_this_po_file():
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = [e["msgid"] for e in ENTRIES if compiled.gettext(e["msgid"]) != e["msgstr"]]
    assert stale == [], "run: manage.py compilemessages -l hi"


@pytest.mark.parametrize(
    ("english", "hindi"),
    [
        ("Now serving", "अभी बारी"),
        ("Please wait", "कृपया प्रतीक्षा करें"),
        ("Room %(room)s", "कमरा %(room)s"),
        ("Estimated time", "अनुमानित समय"),
        ("Cancelled", "रद्द"),
        ("Doctor", "डॉक्टर"),
        ("Slot", "समय"),
        ("Your token", "आपका टोकन"),
        ("Token %(number)s, room %(room)s", "टोकन %(number)s, कमरा %(room)s"),
    ],
)
def test_key_words_read_as_an_opd_says_them(english, hindi):
    with translation.override("hi"):
        assert translation.gettext(english) == hindi
    with translation.override("en"):
        assert translation.gettext(english) == english


def test_the_patients_messages_have_their_hindi_too():
    """The SMS texts (notifications/messages.py) are in the catalogue: a changed text
    needs `makemessages -l hi`, its Hindi and `compilemessages` again."""
    messages = pytest.importorskip("notifications.messages")
    texts = list(getattr(messages, "TEXTS", {}).values())
    with translation.override("hi"):
        untranslated = [t for t in texts if translation.gettext(t) == t]
    assert untranslated == []

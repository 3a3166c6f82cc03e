"""The slip's QR code: the status page's absolute link, drawn by segno as inline SVG
(no script, no style, no file), the link printed under it; the slip in Hindi."""

import pytest
import segno

from tests.factories import issue
from tokens.public_codes import token_public_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked_segno(monkeypatch) -> list[str]:
    """What the slip asked segno to encode."""
    asked: list[str] = []
    real = segno.make

    def make(content, *args, **kwargs):
        asked.append(content)
        return real(content, *args, **kwargs)

    monkeypatch.setattr("tokens.pages.views_slip.segno.make", make)
    return asked


def test_the_slip_carries_the_status_link_as_a_qr_code(desk, day, settings, asked_segno):
    settings.OPD_PUBLIC_URL = "https://opd.hospital.example"
    token = issue(day, "online")
    html = desk.get(f"/tokens/{token.pk}/slip/").content.decode()
    link = f"https://opd.hospital.example/t/{token_public_code(token)}/"
    assert asked_segno == [link]
    assert f'<span class="slip-qr-link">{link}</span>' in html
    svg = html[html.index('<svg viewBox="') : html.index("</svg>") + len("</svg>")]
    # Exactly segno's drawing of that link (so the code encodes it), inline.
    expected = segno.make(link, error="m").svg_inline(
        scale=1, border=2, omitsize=True, title="Live status link"
    )
    assert svg == expected
    assert "style=" not in svg and "<script" not in svg  # the policy forbids inline styles


def test_without_a_public_address_the_link_is_on_the_desks_host(desk, day, settings, asked_segno):
    settings.OPD_PUBLIC_URL = ""
    token = issue(day, "online")
    desk.get(f"/tokens/{token.pk}/slip/")
    assert asked_segno == [f"http://testserver/t/{token_public_code(token)}/"]


def test_the_slip_is_english_by_default(desk, day):
    html = desk.get(f"/tokens/{issue(day, 'online').pk}/slip/").content.decode()
    assert '<article class="slip" aria-label="Token slip" lang="en">' in html
    assert "Scan to follow your token live" in html
    assert ">हिन्दी</a>" in html  # the desk may print it in Hindi


def test_the_slip_in_hindi(desk, day):
    token = issue(day, "online")
    html = desk.get(f"/tokens/{token.pk}/slip/?lang=hi").content.decode()
    assert '<article class="slip" aria-label="टोकन पर्ची" lang="hi">' in html
    assert "आपका टोकन" in html  # Your token
    assert "<dt>डॉक्टर</dt>" in html  # Doctor
    assert "<dt>कमरा</dt>" in html  # Room
    assert "लगभग 09:00 बजे" in html  # about 09:00
    assert "स्कैन करें" in html
    assert "ऑनलाइन" in html  # the source
    assert token.number in html and token.patient.name in html
    assert '<html lang="en">' in html  # the desk around the slip stays English
    assert ">Print</button>" in html and ">English</a>" in html


def test_the_patients_language_setting_prints_hindi(desk, day, settings):
    settings.OPD_PATIENT_LANGUAGE = "hi"
    html = desk.get(f"/tokens/{issue(day, 'online').pk}/slip/").content.decode()
    assert 'lang="hi"' in html and "आपका टोकन" in html
    html = desk.get(f"/tokens/{issue(day, 'online').pk}/slip/?lang=en").content.decode()
    assert "Your token" in html

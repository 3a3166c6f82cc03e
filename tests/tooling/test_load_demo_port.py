"""``make run PORT=8001``: the demo logins that load_demo prints name that port."""

from io import StringIO

from django.core.management import call_command


def test_the_printed_logins_name_the_servers_port(db):
    out = StringIO()
    call_command("load_demo", "--port", "8001", stdout=out)
    printed = out.getvalue()
    assert "http://127.0.0.1:8001/admin/" in printed
    assert "http://127.0.0.1:8001/desk/" in printed
    assert ":8000" not in printed


def test_without_a_port_they_name_8000(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "http://127.0.0.1:8000/doctor/" in out.getvalue()

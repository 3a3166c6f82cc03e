"""The outbox in the admin: read-only, filterable, and "Retry now" for failed and dead ones."""

from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django_tasks_db.models import DBTaskResult

from notifications import delivery
from notifications.delivery import DEAD, SENT
from notifications.models import WebhookEndpoint
from tests.factories import make_user
from tests.notifications.conftest import delivery_tasks
from tests.notifications.test_delivery import T0, recorded
from tokens.models import NoticeStatus, Notification

URL = "/admin/tokens/notification/"


def retry(client, notifications):
    return client.post(
        URL, {"action": "retry_now", "_selected_action": [n.pk for n in notifications]}
    )


def said(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def dead_one(day, http_sms, settings) -> Notification:
    settings.OPD_NOTIFY_MAX_ATTEMPTS = 1
    http_sms.status = 500
    [notice] = recorded(day)
    assert delivery.deliver(notice.pk, now=T0) == DEAD
    http_sms.status = 200
    return Notification.objects.get(pk=notice.pk)


def test_the_list_shows_the_outbox_with_its_filters(admin_client, day, http_sms, settings):
    dead = dead_one(day, http_sms, settings)
    response = admin_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Dead (gave up)", "HTTP 500", dead.token.number, "Retry now"):
        assert text in html
    assert admin_client.get(URL, {"status__exact": "dead"}).status_code == 200
    assert (
        admin_client.get(URL, {"channel__exact": "sms", "kind__exact": "issued"}).status_code == 200
    )
    assert admin_client.get(URL, {"q": dead.token.number}).status_code == 200


def test_a_notification_is_read_only(admin_client, day):
    [notice] = recorded(day)
    page = admin_client.get(f"{URL}{notice.pk}/change/")
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    assert admin_client.post(f"{URL}{notice.pk}/change/", {"status": "sent"}).status_code == 403
    assert admin_client.get(f"{URL}add/").status_code == 403
    assert admin_client.post(f"{URL}{notice.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Notification.objects.get(pk=notice.pk).status == NoticeStatus.PENDING


def test_retry_now_sends_a_dead_notification_once_more(admin_client, day, http_sms, settings):
    dead = dead_one(day, http_sms, settings)
    tasks_before = DBTaskResult.objects.count()
    response = retry(admin_client, [dead])
    assert response.status_code == 302
    assert said(response) == [("success", "1 notification(s) will be sent again now.")]
    row = Notification.objects.get(pk=dead.pk)
    assert row.status == NoticeStatus.PENDING and row.attempts == 1
    assert DBTaskResult.objects.count() == tasks_before + 1
    assert delivery_tasks()[-1] == [dead.pk]  # one task for the notifications retried
    assert delivery.deliver(dead.pk) == SENT
    row = Notification.objects.get(pk=dead.pk)
    assert (row.status, row.attempts) == (NoticeStatus.SENT, 2)
    assert [r.json()["idempotency_key"] for r in http_sms.received] == [
        f"{dead.delivery_id}:1",
        f"{dead.delivery_id}:2",
    ]


def test_retry_now_never_sends_a_sent_message_again(admin_client, day, http_sms):
    sent, pending = recorded(day, 2)
    assert delivery.deliver(sent.pk) == SENT
    tasks_before = DBTaskResult.objects.count()
    response = retry(admin_client, [sent, pending])
    assert said(response) == [
        (
            "warning",
            "2 left alone: only failed and dead notifications are retried "
            "(a sent message is never sent twice; a pending one is on its way).",
        )
    ]
    assert DBTaskResult.objects.count() == tasks_before
    assert Notification.objects.get(pk=sent.pk).status == NoticeStatus.SENT
    assert len(http_sms.received) == 1


def test_the_admin_group_may_view_and_retry(client, day, http_sms, settings):
    staff = make_user("anand", "admin", is_staff=True)
    client.force_login(staff)
    dead = dead_one(day, http_sms, settings)
    assert client.get(URL).status_code == 200
    retry(client, [dead])
    assert Notification.objects.get(pk=dead.pk).status == NoticeStatus.PENDING
    assert client.get("/admin/notifications/webhookendpoint/add/").status_code == 200


def test_a_staff_login_without_the_permission_cannot_retry(client, day, http_sms, settings):
    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_notification"))
    client.force_login(viewer)
    dead = dead_one(day, http_sms, settings)
    assert client.get(URL).status_code == 200
    retry(client, [dead])
    assert Notification.objects.get(pk=dead.pk).status == NoticeStatus.DEAD


def test_an_endpoint_is_added_in_the_admin(admin_client, portal_user):
    response = admin_client.post(
        "/admin/notifications/webhookendpoint/add/",
        {
            "client": portal_user.pk,
            "url": "https://portal.example/opd-hook",
            "secret": "a-secret-of-the-portal-1234",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.client, endpoint.url) == (portal_user, "https://portal.example/opd-hook")

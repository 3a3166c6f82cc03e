"""Staff pages (issue 5): sign-in, desk, doctor's queue, hall display, token slip; and
the patient's status page."""

from django.contrib.auth import views as auth_views
from django.urls import path

from tokens.pages import (
    views_auth,
    views_desk,
    views_display,
    views_doctor,
    views_patients,
    views_slip,
    views_status,
)
from tokens.pages.ratelimit import rate_limited
from tokens.pages.screens import (
    conditional_screen,
    desk_version,
    display_version,
    doctor_version,
)

urlpatterns = [
    path("", views_auth.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Reception desk.
    # The polled pages answer an unchanged region with 304 (tokens.pages.screens).
    path("desk/", conditional_screen(desk_version)(views_desk.desk), name="desk"),
    path("desk/days/<int:day_id>/issue/", views_desk.desk_issue, name="desk_issue"),
    path(
        "desk/tokens/<uuid:token_id>/check-in/",
        views_desk.desk_token_action,
        {"action": "check_in"},
        name="desk_check_in",
    ),
    path(
        "desk/tokens/<uuid:token_id>/cancel/",
        views_desk.desk_token_action,
        {"action": "cancel"},
        name="desk_cancel",
    ),
    path(
        "desk/tokens/<uuid:token_id>/no-show/",
        views_desk.desk_token_action,
        {"action": "no_show"},
        name="desk_no_show",
    ),
    path(
        "desk/tokens/<uuid:token_id>/reallocate/",
        views_desk.desk_token_reallocate,
        name="desk_reallocate",
    ),
    path("desk/phone-people/", views_patients.desk_phone_people, name="desk_phone_people"),
    # Doctor's queue.
    path("doctor/", conditional_screen(doctor_version)(views_doctor.doctor_queue), name="doctor"),
    path("doctor/call-next/", views_doctor.doctor_call_next, name="doctor_call_next"),
    path("doctor/delay/", views_doctor.doctor_delay, name="doctor_delay"),
    path(
        "doctor/tokens/<uuid:token_id>/complete/",
        views_doctor.doctor_complete,
        name="doctor_complete",
    ),
    path(
        "doctor/tokens/<uuid:token_id>/no-show/", views_doctor.doctor_no_show, name="doctor_no_show"
    ),
    # Waiting hall and slip.
    path("display/", conditional_screen(display_version)(views_display.display), name="display"),
    path("tokens/<uuid:token_id>/slip/", views_slip.token_slip, name="token_slip"),
    # The patient's own status page: public, by the token's public code (the slip's QR).
    # Rate-limited per client address; a poll answered 304 does not count.
    path(
        "t/<str:code>/",
        rate_limited("status", "OPD_STATUS_RATE", count_not_modified=False)(
            conditional_screen(views_status.status_version, shared=False)(views_status.token_status)
        ),
        name="token_status",
    ),
    path(
        "t/<str:code>/cancel/",
        rate_limited("status-cancel", "OPD_STATUS_CANCEL_RATE")(views_status.token_status_cancel),
        name="token_status_cancel",
    ),
]

"""URLs of the REST API (``/api/v1/``), its schema and docs, and ``/healthz``."""

from django.urls import path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tokens.api import health, index, schedule, views

v1 = "api/v1/"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (?script): no inline script (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    # Where everything is: the main endpoints, the docs and the schema (no sign-in).
    path(v1, index.ApiIndex.as_view(), name="api-index"),
    path("api/", RedirectView.as_view(pattern_name="api-index"), name="api-root"),
    path(f"{v1}auth/token/", views.AuthTokenApi.as_view(), name="api-auth-token"),
    # schedule
    path(f"{v1}departments/", schedule.DepartmentListCreateApi.as_view(), name="api-departments"),
    path(f"{v1}doctors/", schedule.DoctorListCreateApi.as_view(), name="api-doctors"),
    path(f"{v1}doctors/<int:pk>/", schedule.DoctorDetailApi.as_view(), name="api-doctor"),
    path(f"{v1}slots/", schedule.SlotListCreateApi.as_view(), name="api-slots"),
    path(f"{v1}slots/<int:pk>/", schedule.SlotDetailApi.as_view(), name="api-slot"),
    path(f"{v1}slots/<int:pk>/queue/", schedule.SlotQueueApi.as_view(), name="api-slot-queue"),
    path(f"{v1}slots/<int:pk>/close/", schedule.SlotCloseApi.as_view(), name="api-slot-close"),
    path(f"{v1}doctor-days/<int:pk>/", schedule.DayDetailApi.as_view(), name="api-day"),
    path(f"{v1}doctor-days/<int:pk>/delay/", schedule.DayDelayApi.as_view(), name="api-day-delay"),
    path(
        f"{v1}doctor-days/<int:pk>/cancel/", schedule.DayCancelApi.as_view(), name="api-day-cancel"
    ),
    # tokens
    path(f"{v1}tokens/", views.TokenListCreateApi.as_view(), name="api-tokens"),
    path(f"{v1}tokens/<uuid:token_id>/", views.TokenDetailApi.as_view(), name="api-token"),
    path(
        f"{v1}tokens/<uuid:token_id>/cancel/",
        views.TokenCancelApi.as_view(),
        name="api-token-cancel",
    ),
    path(
        f"{v1}tokens/<uuid:token_id>/check-in/",
        views.TokenCheckInApi.as_view(),
        name="api-token-check-in",
    ),
    path(
        f"{v1}tokens/<uuid:token_id>/no-show/",
        views.TokenNoShowApi.as_view(),
        name="api-token-no-show",
    ),
    path(f"{v1}tokens/<uuid:token_id>/call/", views.TokenCallApi.as_view(), name="api-token-call"),
    path(
        f"{v1}tokens/<uuid:token_id>/complete/",
        views.TokenCompleteApi.as_view(),
        name="api-token-complete",
    ),
    path(
        f"{v1}tokens/<uuid:token_id>/reallocate/",
        views.TokenReallocateApi.as_view(),
        name="api-token-reallocate",
    ),
    path(
        f"{v1}tokens/<uuid:token_id>/events/",
        views.TokenEventsApi.as_view(),
        name="api-token-events",
    ),
]

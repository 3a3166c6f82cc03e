from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # REST API, schema, Swagger UI and /healthz (issue 4).
    path("", include("tokens.api.urls")),
    # Staff pages: login, desk, doctor's queue, display, slip (issue 5).
    path("", include("tokens.pages.urls")),
    # Analytics page and API (issue 6).
    path("", include("analytics.urls")),
]

# JSON 404 for unknown /api/ paths (a malformed UUID, say); the HTML page elsewhere.
handler404 = "tokens.api.health.not_found"
# 503 with Retry-After when the database is away (nothing was saved); else the 500.
handler500 = "opd_project.server_errors.server_error"
handler400 = "opd_project.server_errors.bad_request"

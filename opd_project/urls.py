from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

# The admin's name in its header, its pages' titles and on its index page.
admin.site.site_header = "OPD Token administration"
admin.site.site_title = "OPD Token admin"
admin.site.index_title = "Administration"


class FaviconView(RedirectView):
    """``/favicon.ico``, which browsers ask for where a page names no icon (the API's
    JSON, a file): our SVG icon. Not permanent: its static name changes with it."""

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("img/favicon.svg")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
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

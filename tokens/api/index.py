"""``GET /api/v1/``: where the API's endpoints and documentation are (docs/api.md).

Open to anyone, like the schema and the docs it points to: it names endpoints, and
holds no data. Every endpoint it lists still asks for its own credentials."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# (key, URL name): the collections a client starts from; detail and action URLs hang
# below them and are in the schema.
ENDPOINTS = [
    ("auth_token", "api-auth-token"),
    ("departments", "api-departments"),
    ("doctors", "api-doctors"),
    ("slots", "api-slots"),
    ("tokens", "api-tokens"),
    ("analytics_summary", "api-analytics-summary"),
]


@extend_schema(exclude=True)  # the schema describes the endpoints; this points at it
class ApiIndex(APIView):
    authentication_classes = []  # nobody needs to sign in to read where things are
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        def url(name: str) -> str:
            return reverse(name, request=request)

        return Response(
            {
                "name": "OPD Token API",
                "version": "v1",
                "authentication": (
                    "Authorization: Token <key>. A portal client's key comes from "
                    "manage.py create_portal_client; staff may trade a username and "
                    "password for one at auth_token."
                ),
                "docs": url("api-docs"),
                "schema": url("api-schema"),
                "health": url("healthz"),
                "endpoints": {key: url(name) for key, name in ENDPOINTS},
            }
        )

"""Property-based API fuzzing: schemathesis generates requests from our OpenAPI
schema and checks that no input gives a 5xx and every response matches the schema."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token as ApiToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from opd_project.wsgi import application
from tests.api.conftest import issue_as

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=8,  # per operation and mode: about 300 requests per run
    deadline=None,
    database=None,
    derandomize=True,  # the same requests on every run: a failure is reproducible
    phases=[Phase.explicit, Phase.generate],  # no shrinking: keeps the suite fast
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def wsgi_app_in_test_transaction():
    """The real WSGI app; like Django's test client, keep it from closing the
    connection after each request, which would end the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_it_never_fails_or_breaks_its_schema_on_generated_requests(
    wsgi_app_in_test_transaction, superuser, day, mode
):
    issue_as(None, day.slots.first())  # something real for the reads to find
    headers = {"Authorization": f"Token {ApiToken.objects.create(user=superuser).key}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", wsgi_app_in_test_transaction
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()

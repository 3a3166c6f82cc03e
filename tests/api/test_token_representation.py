"""``TokenSerializer`` builds its dict directly (for speed); the declared fields are the
contract. The two must give the same JSON for staff and portal, with and without moves."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from tests.factories import issue, make_day, slots_of
from tokens.api.serializers import TokenSerializer, token_context
from tokens.models import Token
from tokens.services import token_issue

pytestmark = pytest.mark.django_db


def both(token, *, staff: bool, moved=None) -> tuple[dict, dict]:
    request = APIRequestFactory().get("/")
    request.user = AnonymousUser()
    context = {**token_context(request, moved=moved), "staff": staff}
    fast = TokenSerializer(token, context=context)
    walked = TokenSerializer(token, context=context)
    return fast.data, serializers.Serializer.to_representation(walked, token)


@pytest.mark.parametrize("staff", [True, False])
def test_it_gives_the_declared_fields_for_a_queued_token(staff):
    token = Token.objects.select_related("day", "slot", "patient").get(pk=issue(make_day(2)).pk)
    fast, walked = both(token, staff=staff)
    assert fast == walked and "position" in fast and ("patient" in fast) is staff


def test_it_gives_the_declared_fields_with_the_moves_of_a_displacement(patient):
    day = make_day(1, 1)
    first, _ = slots_of(day)
    issue(day, "walk_in", slot=first)
    result = token_issue(
        day=day, patient=patient, source="emergency", slot=first, now=timezone.now()
    )
    token = Token.objects.select_related("day", "slot", "patient").get(pk=result.token.pk)
    fast, walked = both(token, staff=True, moved=result.moved)
    assert fast == walked and fast["moved"][0]["kind"] == "displaced"

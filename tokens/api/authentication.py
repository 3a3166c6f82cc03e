"""How API clients prove who they are: ``Authorization: Token <key>`` (docs/api.md)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from tokens.statements import api_key_user


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's API-key check, with the client's roles read in the same query: every
    portal request starts here, and the roles are what it is asked next."""

    def authenticate_credentials(self, key: str):
        user = api_key_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (user, key)

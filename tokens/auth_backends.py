"""Signing in with a username and password, and finding the signed-in user again.

Django's ``ModelBackend`` reads the session's user in one query and their roles
(``tokens.roles``) in another. Every signed-in request pays that, and every screen
polls every 5 s (docs/pages.md, "Live refresh"), so ``RolesBackend`` reads both in
one (``tokens.statements.user_with_roles``). Signing in and permissions are
``ModelBackend``'s own.
"""

from django.contrib.auth.backends import ModelBackend

from tokens import statements


class RolesBackend(ModelBackend):
    def get_user(self, user_id):
        user = statements.user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

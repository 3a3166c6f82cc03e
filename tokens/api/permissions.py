"""Who may call what (docs/api.md): the API asks ``tokens.roles`` and nothing else."""

from rest_framework.permissions import BasePermission

from tokens import roles


class IsStaff(BasePermission):
    """Reception, doctors and administrators (a superuser counts as admin)."""

    message = "Only hospital staff may do this."

    def has_permission(self, request, view) -> bool:
        return roles.is_staff_member(request.user)


class IsPortalOrStaff(BasePermission):
    """Staff, and online booking portal clients."""

    message = "Only hospital staff and the booking portal may do this."

    def has_permission(self, request, view) -> bool:
        return roles.is_staff_member(request.user) or roles.has_role(request.user, roles.PORTAL)


class IsAdminRole(BasePermission):
    """The admin role: setting up departments, doctors and slots."""

    message = "Only administrators may change the schedule."

    def has_permission(self, request, view) -> bool:
        return roles.has_role(request.user, roles.ADMIN)

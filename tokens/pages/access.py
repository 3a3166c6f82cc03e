"""Who may open which page (roles are Django groups, see tokens.roles).

Reception and admin work the desk; a doctor works their own queue (an admin any
queue); portal clients are API-only and get 403 on every page."""

from django.core.exceptions import PermissionDenied

from tokens.roles import ADMIN, DOCTOR, RECEPTION, has_role, is_staff_member


def check_desk_user(user) -> None:
    if not has_role(user, RECEPTION, ADMIN):
        raise PermissionDenied("The reception desk is for reception and administrators.")


def check_doctor_user(user) -> None:
    if not has_role(user, DOCTOR, ADMIN):
        raise PermissionDenied("The queue page is for doctors and administrators.")


def check_staff_user(user) -> None:
    if not is_staff_member(user):
        raise PermissionDenied("This page is for hospital staff.")

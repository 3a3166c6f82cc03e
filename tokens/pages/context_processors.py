"""What the navigation bar may show: one dictionary of the signed-in user's roles."""

from django.http import HttpRequest

from tokens.roles import ADMIN, DOCTOR, RECEPTION, has_role, is_staff_member


def nav(request: HttpRequest) -> dict:
    """``nav.desk``, ``nav.doctor``, ``nav.staff``, ``nav.admin`` for base.html."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "desk": has_role(user, RECEPTION, ADMIN),
            "doctor": has_role(user, DOCTOR, ADMIN),
            "staff": is_staff_member(user),
            "admin": user.is_staff,  # Django admin itself asks for the is_staff flag
        }
    }

"""Who may do what (docs/allocation.md, "Who may issue what"; docs/api.md): roles are Django groups.

The one place that says which sources a role may issue and which roles count
as staff; the API, the pages and the admin all ask here.
"""

from tokens.models import Source

PORTAL = "portal"
RECEPTION = "reception"
DOCTOR = "doctor"
ADMIN = "admin"
ROLES = (PORTAL, RECEPTION, DOCTOR, ADMIN)
STAFF_ROLES = (RECEPTION, DOCTOR, ADMIN)

PORTAL_SOURCES = (Source.PAID, Source.FOLLOW_UP, Source.ONLINE)
STAFF_SOURCES = tuple(Source)


def user_roles(user) -> set[str]:
    """The roles of ``user``; a superuser holds every staff role (docs/api.md)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if getattr(user, "_opd_roles", None) is None:
        remember_roles(user, set(user.groups.values_list("name", flat=True)))
    return user._opd_roles


def remember_roles(user, groups: set[str]) -> None:
    """Keep ``user``'s roles, from the names of its groups, for this request."""
    user._opd_roles = groups | set(STAFF_ROLES) if user.is_superuser else set(groups)


def is_staff_member(user) -> bool:
    return bool(user_roles(user) & set(STAFF_ROLES))


def is_portal_client(user) -> bool:
    return PORTAL in user_roles(user) and not is_staff_member(user)


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def allowed_sources(user) -> tuple[str, ...]:
    """Sources ``user`` may issue: staff all five, the portal paid/follow-up/online.

    ``None`` is the system itself (management commands, the simulation), which
    acts for the desk; a request always has a user, anonymous or not."""
    if user is None:
        return STAFF_SOURCES
    if is_staff_member(user):
        return STAFF_SOURCES
    if PORTAL in user_roles(user):
        return PORTAL_SOURCES
    return ()

"""Patients, tokens and the append-only token event trail (docs/allocation.md)."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from scheduling.models import DoctorDay, Slot


class Source(models.TextChoices):
    EMERGENCY = "emergency", "Emergency"
    PAID = "paid", "Paid"
    FOLLOW_UP = "follow_up", "Follow-up"
    ONLINE = "online", "Online"
    WALK_IN = "walk_in", "Walk-in"


# Priority rank per source: 1 is the highest (docs/allocation.md, "Vocabulary").
RANK = {
    Source.EMERGENCY: 1,
    Source.PAID: 2,
    Source.FOLLOW_UP: 3,
    Source.ONLINE: 4,
    Source.WALK_IN: 5,
}


class Status(models.TextChoices):
    ALLOCATED = "allocated", "Allocated"
    WAITLISTED = "waitlisted", "Waitlisted"
    CHECKED_IN = "checked_in", "Checked in"
    IN_CONSULTATION = "in_consultation", "In consultation"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
    EXPIRED = "expired", "Expired"


# A seat is occupied by these states (docs/allocation.md).
SEAT_HOLDING = (Status.ALLOCATED, Status.CHECKED_IN, Status.IN_CONSULTATION, Status.COMPLETED)
# Still in play: the patient has a claim on this doctor-day.
ACTIVE = (Status.ALLOCATED, Status.WAITLISTED, Status.CHECKED_IN, Status.IN_CONSULTATION)
# May be bumped to a later slot by a higher-priority request (rule 3).
DISPLACEABLE = (Status.ALLOCATED, Status.CHECKED_IN)

# The shape of a stored phone (7–15 digits, optional +): what the admin's form
# checks. Everything that registers a patient normalises with
# tokens.patients.phone_normalise (E.164) instead.
phone_validator = RegexValidator(
    r"^\+?[0-9]{7,15}$", "Enter a phone number of 7 to 15 digits, optionally starting with +."
)


def patient_name_key(name: str) -> str:
    """How two spellings of a name compare: whitespace collapsed, case folded
    ("Asha  RAO" and "asha rao" are one person on one phone)."""
    return " ".join(name.split()).casefold()


class PatientQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # bulk_create skips save(): derive every name_key here as well.
        objs = list(objs)
        for obj in objs:
            obj.name_key = patient_name_key(obj.name)
        return super().bulk_create(objs, *args, **kwargs)


class Patient(models.Model):
    """A person: a phone plus a name (docs/allocation.md, "Patients: one phone,
    several people"). Several people may share a phone (a family); one person is
    one (phone, name_key). Register through ``tokens.patients.patient_register``."""

    name = models.CharField(max_length=120)
    # Derived from name on every save and bulk_create; casefold() may lengthen a
    # name (ß → ss), at most threefold.
    name_key = models.CharField(max_length=360, editable=False)
    phone = models.CharField(
        max_length=16,
        validators=[phone_validator],
        help_text="E.164, e.g. +919812345678 (tokens.patients.phone_normalise).",
    )
    external_id = models.CharField(
        max_length=64, blank=True, help_text="The hospital's own number for the patient, if any."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also the index for every lookup by phone (phone is its first column).
            models.UniqueConstraint(
                fields=["phone", "name_key"],
                name="patient_unique_phone_name",
                violation_error_message="This person is already registered on this phone.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    def save(self, *args, **kwargs) -> None:
        self.name_key = patient_name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None) -> None:
        # A form (the admin's) never shows name_key, which would skip the unique
        # check: check it whenever the name is checked, on the key of that name.
        self.name_key = patient_name_key(self.name)
        if exclude and "name" not in exclude:
            exclude = set(exclude) - {"name_key"}
        super().validate_constraints(exclude=exclude)


# Rule 9: emergencies first, then slot start, priority, arrival. The waitlist's
# promotion order (rule 6 / I4) is its tail: priority, then arrival.
CALLING_ORDER = ("urgency", "slot__start", "rank", "requested_at", "seq")
WAITLIST_ORDER = ("rank", "requested_at", "seq")


class TokenQuerySet(models.QuerySet):
    def for_day(self, day: DoctorDay) -> "TokenQuerySet":
        return self.filter(day=day)

    def seat_holding(self) -> "TokenQuerySet":
        return self.filter(status__in=SEAT_HOLDING)

    def active(self) -> "TokenQuerySet":
        return self.filter(status__in=ACTIVE)

    def waitlisted(self) -> "TokenQuerySet":
        # Promotion order of rule 6 / I4: priority, then request time.
        return self.filter(status=Status.WAITLISTED).order_by(*WAITLIST_ORDER)

    def with_urgency(self) -> "TokenQuerySet":
        # 0 for emergencies, 1 for everyone else: the first key of the calling order.
        return self.annotate(
            urgency=models.Case(
                models.When(source=Source.EMERGENCY, then=0),
                default=1,
                output_field=models.IntegerField(),
            )
        )

    def in_calling_order(self) -> "TokenQuerySet":
        return self.with_urgency().order_by(*CALLING_ORDER)


class Token(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    day = models.ForeignKey(DoctorDay, on_delete=models.PROTECT, related_name="tokens")
    seq = models.PositiveIntegerField(help_text="Arrival order within the doctor-day.")
    number = models.CharField(max_length=16)
    slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.PROTECT, related_name="tokens"
    )
    requested_slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.PROTECT, related_name="requested_tokens"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="tokens")
    source = models.CharField(max_length=16, choices=Source.choices)
    rank = models.PositiveSmallIntegerField(editable=False)
    status = models.CharField(max_length=16, choices=Status.choices)
    overbooked = models.BooleanField(
        default=False, help_text="Emergency seated beyond capacity (rule 5)."
    )
    displaced_count = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tokens_created",
        help_text="The staff member or portal client that issued the token.",
    )

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["day", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["day", "seq"], name="token_unique_seq_per_day"),
            models.UniqueConstraint(fields=["day", "number"], name="token_unique_number_per_day"),
            models.CheckConstraint(
                condition=Q(status="waitlisted", slot__isnull=True) | ~Q(status="waitlisted"),
                name="token_waitlisted_has_no_slot",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["allocated", "checked_in", "in_consultation", "completed"],
                    slot__isnull=False,
                )
                | ~Q(status__in=["allocated", "checked_in", "in_consultation", "completed"]),
                name="token_seat_holder_has_slot",
            ),
            models.CheckConstraint(
                condition=Q(overbooked=False) | Q(source="emergency"),
                name="token_only_emergency_overbooks",
            ),
        ]
        indexes = [
            models.Index(fields=["day", "status"], name="token_day_status_idx"),
            models.Index(fields=["slot", "status"], name="token_slot_status_idx"),
            # A booking's read: whom a request would displace (a lower priority, so a
            # higher rank). Mostly nobody, found without visiting the day's tokens.
            models.Index(
                fields=["day", "rank"],
                condition=Q(status__in=DISPLACEABLE),
                name="token_displaceable_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_emergency(self) -> bool:
        return self.source == Source.EMERGENCY

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class EventKind(models.TextChoices):
    ISSUED = "issued", "Issued"
    DISPLACED = "displaced", "Displaced"
    PROMOTED = "promoted", "Promoted from waitlist"
    REALLOCATED = "reallocated", "Reallocated"
    MOVED = "moved", "Moved (slot closed)"
    CHECKED_IN = "checked_in", "Checked in"
    CALLED = "called", "Called"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    DAY_CANCELLED = "day_cancelled", "Cancelled with the doctor's day"
    NO_SHOW = "no_show", "No-show"
    EXPIRED = "expired", "Expired"


class TokenEvent(models.Model):
    """Append-only audit trail: one row per change of a token, written in the
    same transaction as the change, so replaying it gives the current state (I6)."""

    token = models.ForeignKey(Token, on_delete=models.PROTECT, related_name="events")
    day = models.ForeignKey(DoctorDay, on_delete=models.PROTECT, related_name="token_events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    from_slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    caused_by = models.ForeignKey(
        Token,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a displacement: the token that took the seat.",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["day", "id"], name="tokenevent_day_idx")]

    def __str__(self) -> str:
        return f"{self.token.number} {self.kind}"


class IdempotencyRecord(models.Model):
    """The first response to a ``POST /tokens/`` carrying an ``Idempotency-Key``.

    The unique (client, key) index is what makes a retry safe: the row is inserted
    in the same transaction as the token, so a concurrent duplicate blocks on the
    index until the first commits and then replays the stored response.
    """

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_unique_client_key"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"


# --------------------------------------------------------------------------- the outbox
# What the patients (SMS) and the portal that issued a token (webhook) are owed when
# the engine changes a token (docs/notifications.md). Recorded by tokens.notices in
# the transaction of the change; delivered by the notifications app's worker.


class NoticeKind(models.TextChoices):
    ISSUED = "issued", "Token issued"
    DISPLACED = "displaced", "Displaced by a priority patient"
    MOVED = "moved", "Moved to another slot by staff"
    PROMOTED = "promoted", "Promoted from the waitlist"
    SLOT_CLOSED = "slot_closed", "Slot closed: moved"
    DAY_CANCELLED = "day_cancelled", "Doctor's day cancelled"
    DELAYED = "delayed", "Doctor running late"
    CALLED = "called", "Called in"
    NO_SHOW = "no_show", "Marked no-show"
    EXPIRED = "expired", "Expired at the day's close"


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    WEBHOOK = "webhook", "Portal webhook"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    HINDI = "hi", "Hindi"


class NoticeStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (will retry)"
    DEAD = "dead", "Dead (gave up)"


# A worker may claim a notification in these states once next_attempt_at has passed.
NOTICE_DUE = (NoticeStatus.PENDING, NoticeStatus.FAILED, NoticeStatus.SENDING)


class Notification(models.Model):
    """One message owed to a patient (SMS) or to the portal client that issued the
    token (webhook): part of the audit trail, written in the same transaction as
    the change that owes it (``tokens.notices.record``).

    ``next_attempt_at`` is when a worker may (re)try it; while ``sending`` it is the
    end of the worker's lease: a row still sending after it belongs to a worker that
    died, and is sent again as a new attempt (docs/notifications.md, "Retries")."""

    delivery_id = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Idempotency key towards gateways (with the attempt) and the webhook's event_id.",
    )
    token = models.ForeignKey(Token, on_delete=models.PROTECT, related_name="notifications")
    event = models.ForeignKey(
        TokenEvent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        help_text="The change that caused it (none for a delay).",
    )
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    data = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="What the message needs that the event does not hold (a delay's minutes).",
    )
    status = models.CharField(
        max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="notification_sent_has_sent_at",
            ),
        ]
        indexes = [
            # The sweep's and the admin's question: what is due, and since when.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed", "sending"]),
                name="notification_due_idx",
            ),
            models.Index(fields=["status", "created_at"], name="notification_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.channel}) #{self.pk}"

    @property
    def idempotency_key(self) -> str:
        """The key of the current attempt: a gateway sends at most once per key."""
        return f"{self.delivery_id}:{self.attempts}"

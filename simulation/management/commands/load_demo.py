"""Demo data for the quick start. Idempotent: running it again changes nothing
that is already there. The password is public: demo only."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from scheduling.models import Department, Doctor, DoctorDay, RosterSession
from scheduling.services import slots_generate
from tokens import errors
from tokens.models import Source, Token
from tokens.roles import DOCTOR, RECEPTION
from tokens.services import token_book

DEMO_PASSWORD = "opd-demo"
EVERY_DAY = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), True)

# (name, code, department, room, [(start, end, slot minutes, capacity), ...])
DOCTORS = [
    ("Dr Asha Sharma", "SHA", "General Medicine", "101",
     [("09:00", "13:00", 30, 4), ("16:00", "20:00", 60, 6)]),
    ("Dr Vikram Menon", "MEN", "General Medicine", "102", [("09:00", "14:00", 60, 6)]),
    ("Dr Priya Iyer", "IYE", "Paediatrics", "201", [("10:00", "16:00", 60, 5)]),
    ("Dr Rahul Khan", "KHA", "Orthopaedics", "301", [("08:00", "12:00", 60, 4)]),
]  # fmt: skip

PATIENTS = [
    ("Meera Pillai", "+919800000001", Source.ONLINE),
    ("Arjun Das", "+919800000002", Source.PAID),
    ("Kavya Reddy", "+919800000003", Source.FOLLOW_UP),
    ("Imran Sheikh", "+919800000004", Source.WALK_IN),
    ("Lakshmi Nair", "+919800000005", Source.ONLINE),
    ("Rohan Gupta", "+919800000006", Source.WALK_IN),
    ("Fatima Begum", "+919800000007", Source.EMERGENCY),
    ("Suresh Kumar", "+919800000008", Source.FOLLOW_UP),
]


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


class Command(BaseCommand):
    help = "Load demo departments, doctors, rosters, slots, tokens and logins. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="the port of the development server, for the printed links (make run PORT=…)",
        )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            doctors = self._doctors()
            self._users(doctors[0])
        today = timezone.localdate()
        slots_generate(date_from=today, date_to=today + dt.timedelta(days=1))
        issued = self._tokens(doctors, timezone.now())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({issued} new tokens)."))
        self.stdout.write("Demo logins (demo only; password for all: opd-demo):")
        for user, where in [
            ("admin", "/admin/  (administrator, may do everything)"),
            ("reception", "/desk/   (reception desk)"),
            ("doctor", "/doctor/ (Dr Asha Sharma's queue)"),
        ]:
            self.stdout.write(f"  {user:<10} → http://127.0.0.1:{options['port']}{where}")

    def _doctors(self) -> list[Doctor]:
        doctors = []
        for name, code, department, room, sessions in DOCTORS:
            dept, _ = Department.objects.get_or_create(name=department)
            doctor, created = Doctor.objects.get_or_create(
                code=code, defaults={"name": name, "department": dept, "room": room}
            )
            if created:
                for start, end, minutes, capacity in sessions:
                    RosterSession.objects.create(
                        doctor=doctor, start=_time(start), end=_time(end),
                        slot_minutes=minutes, capacity=capacity, **EVERY_DAY,
                    )  # fmt: skip
            doctors.append(doctor)
        return doctors

    def _users(self, first_doctor: Doctor) -> None:
        User = get_user_model()
        accounts = [
            ("admin", {"is_staff": True, "is_superuser": True}, None),
            ("reception", {"first_name": "Reena"}, RECEPTION),
            ("doctor", {"first_name": "Asha"}, DOCTOR),
        ]
        for username, defaults, group in accounts:
            user, created = User.objects.get_or_create(username=username, defaults=defaults)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if group:
                user.groups.add(Group.objects.get_or_create(name=group)[0])
        if first_doctor.user_id is None:
            first_doctor.user = User.objects.get(username="doctor")
            first_doctor.save(update_fields=["user"])

    def _tokens(self, doctors: list[Doctor], now: dt.datetime) -> int:
        issued = 0
        for doctor in doctors:
            for date in (timezone.localdate(now), timezone.localdate(now) + dt.timedelta(days=1)):
                day = DoctorDay.objects.filter(doctor=doctor, date=date).first()
                if day is None or Token.objects.for_day(day).exists():
                    continue
                for name, phone, source in PATIENTS:
                    try:
                        token_book(
                            day_id=day.pk,
                            source=source,
                            name=name,
                            phone=phone,
                            actor=None,
                            now=now,
                        )
                    except errors.NoOpenSlot:
                        break  # the day's sessions are over: tomorrow has tokens
                    issued += 1
        return issued

"""The /analytics/ page: a date across the hospital, or one doctor's day, with charts."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from analytics import charts
from analytics.selectors import DateSummary, DayStats, date_summary
from tokens.models import Source, Status
from tokens.roles import is_staff_member

SOURCE_COLOURS = {
    Source.EMERGENCY: "#dc2626",
    Source.PAID: "#d97706",
    Source.FOLLOW_UP: "#7c3aed",
    Source.ONLINE: "#2563eb",
    Source.WALK_IN: "#059669",
}


def _require_staff(request: HttpRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied("Analytics are for hospital staff.")


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _charts(summary: DateSummary, day: DayStats | None) -> dict:
    scope = day or summary
    if day is not None:
        utilization = charts.bar_chart(
            [(s.label + (" (closed)" if s.closed else ""), s.utilization) for s in day.slots],
            title=f"Utilization per slot, {day.doctor_code}",
            reference=1.0,
            value_label=_percent,
        )
        waits = day.wait_minutes
    else:
        utilization = charts.bar_chart(
            [(f"{d.doctor_code} · {d.doctor_name}", d.utilization or 0) for d in summary.days],
            title="Utilization per doctor",
            reference=1.0,
            value_label=_percent,
        )
        waits = summary.wait_minutes
    return {
        "utilization": utilization,
        "sources": charts.bar_chart(
            [(label, scope.by_source[value]) for value, label in Source.choices],
            title="Tokens by source",
            colours=[SOURCE_COLOURS[value] for value in Source.values],
        ),
        "statuses": charts.bar_chart(
            [(label, scope.by_status[value]) for value, label in Status.choices],
            title="Tokens by status",
        ),
        "waits": charts.histogram(
            waits,
            title="Wait from check-in to call",
            axis="minutes from check-in to call (bins of 10; tick = lower bound)",
        ),
    }


@login_required
def analytics_page(request: HttpRequest) -> HttpResponse:
    """Figures and charts for a date (``?date=``), optionally one doctor (``?doctor=``)."""
    _require_staff(request)
    error = ""
    raw_date = request.GET.get("date", "")
    try:
        date = dt.date.fromisoformat(raw_date) if raw_date else timezone.localdate()
    except ValueError:
        error = f"“{raw_date}” is not a date: showing today."
        date = timezone.localdate()
    summary = date_summary(date)
    doctor_id = request.GET.get("doctor", "")
    day = next((d for d in summary.days if str(d.doctor_id) == doctor_id), None)
    if doctor_id and day is None and not error:
        error = "That doctor has no slots on this date: showing every doctor."
    context = {
        "date": date,
        "summary": summary,
        "day": day,
        "scope": day or summary,
        "charts": _charts(summary, day),
        "error": error,
    }
    template = "analytics/analytics.html"
    if request.htmx:
        template += "#analytics-body"
    return render(request, template, context, status=400 if error and raw_date else 200)

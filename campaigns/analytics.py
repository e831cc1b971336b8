"""Numbers about a campaign: live progress, outcomes, calls over time and the key-press
funnel per step. Every figure is one aggregate query, so pages stay fast on a million
CDRs; campaigns.charts draws them as SVG.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncHour, TruncMinute
from django.utils import timezone

from .models import Call, Campaign, Cdr
from .models.campaigns import CallState, Outcome

RATE_WINDOW_MINUTES = 5
MAX_TIME_BUCKETS = 48


@dataclass
class Progress:
    total: int
    by_state: dict[str, int]
    settled: int
    calls_per_minute: float
    eta_seconds: int | None

    @property
    def percent(self) -> int:
        return round(100 * self.settled / self.total) if self.total else 100

    def state_rows(self) -> list[tuple[str, str, int]]:
        return [(s.value, s.label, self.by_state.get(s.value, 0)) for s in CallState]


def progress(campaign: Campaign, *, now: dt.datetime | None = None) -> Progress:
    now = now or timezone.now()
    by_state = dict(
        Call.objects.filter(campaign=campaign)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    recent = Call.objects.filter(
        campaign=campaign, sent_at__gte=now - dt.timedelta(minutes=RATE_WINDOW_MINUTES)
    ).count()
    rate = recent / RATE_WINDOW_MINUTES
    waiting = by_state.get(CallState.PENDING, 0) + by_state.get(CallState.SENDING, 0)
    eta = round(waiting / rate * 60) if rate and waiting else (0 if not waiting else None)
    settled = sum(
        by_state.get(s, 0)
        for s in (CallState.ACCEPTED, CallState.COMPLETED, CallState.FAILED, CallState.SKIPPED)
    )
    return Progress(campaign.total_calls, by_state, settled, round(rate, 1), eta)


def outcome_counts(campaign: Campaign) -> list[tuple[str, str, int]]:
    counts = dict(
        Cdr.objects.filter(campaign=campaign)
        .order_by()
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    return [(o.value, o.label, counts.get(o.value, 0)) for o in Outcome]


def hangup_cause_counts(campaign: Campaign) -> list[tuple[str, int]]:
    return list(
        Cdr.objects.filter(campaign=campaign)
        .order_by()
        .values_list("hangup_cause")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("hangup_cause", "n")
    )


def calls_over_time(campaign: Campaign) -> tuple[str, list[tuple[dt.datetime, int, int]]]:
    """(bucket unit, [(bucket start, calls, answered)]) by each CDR's start time."""
    cdrs = Cdr.objects.filter(campaign=campaign, start_time__isnull=False).order_by()
    span = cdrs.values_list("start_time", flat=True)
    first, last = span.order_by("start_time").first(), span.order_by("-start_time").first()
    if first is None:
        return "minute", []
    unit, trunc = (
        ("minute", TruncMinute)
        if last - first <= dt.timedelta(hours=3)
        else (
            "hour",
            TruncHour,
        )
    )
    rows = (
        cdrs.annotate(bucket=trunc("start_time"))
        .values("bucket")
        .annotate(calls=Count("pk"), answered=Count("pk", filter=Q(answered=True)))
        .order_by("bucket")
        .values_list("bucket", "calls", "answered")
    )
    return unit, list(rows)[-MAX_TIME_BUCKETS:]


def key_funnel(campaign: Campaign) -> list[tuple[str, list[tuple[str, int]]]]:
    """Per step (in the order callers reach them), how many pressed each key.

    The `keys` column holds the presses of one call (";menu:1;confirm:2;"), and a
    campaign has few distinct combinations, so grouping by it is cheap.
    """
    steps: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    order: dict[str, int] = {}
    combos = (
        Cdr.objects.filter(campaign=campaign)
        .exclude(keys="")
        .order_by()
        .values_list("keys")
        .annotate(n=Count("pk"))
        .values_list("keys", "n")
    )
    for keys, count in combos:
        for position, part in enumerate(p for p in keys.split(";") if p):
            step, _, key = part.rpartition(":")
            steps[step][key] += count
            order[step] = min(order.get(step, position), position)
    return [
        (step, sorted(steps[step].items(), key=lambda item: (-item[1], item[0])))
        for step in sorted(steps, key=lambda s: (order[s], s))
    ]


def summary(campaign: Campaign) -> dict:
    """The figures `campaign_run` prints and the API returns."""
    calls = Call.objects.filter(campaign=campaign)
    return {
        "campaign": campaign.pk,
        "state": campaign.state,
        "calls": calls.exclude(state=CallState.SKIPPED).count(),
        "answered": Cdr.objects.filter(campaign=campaign, answered=True).count(),
        "failed": calls.filter(state=CallState.FAILED).count(),
        "duplicates_at_provider": calls.filter(duplicate_at_provider=True).count(),
        "cdrs": Cdr.objects.filter(campaign=campaign).count(),
    }

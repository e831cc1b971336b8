"""Numbers about a campaign: live progress, outcomes, calls over time and the key-press
funnel per step. Every figure is one aggregate query, so pages stay fast on a million
CDRs; campaigns.charts draws them as SVG.
"""

import datetime as dt
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncHour, TruncMinute
from django.utils import timezone

from .models import Call, Campaign, CampaignEvent, Cdr
from .models.campaigns import CallState, CampaignState, Outcome

# The rate is read over the last few minutes, not averaged since the start: a campaign
# paused for an hour, or one that sent a burst a second ago, must not read as slow.
RATE_WINDOW_MINUTES = 5
MAX_TIME_BUCKETS = 48
WAITING_TO_SEND = (CallState.PENDING, CallState.SENDING)
PLACED = (CallState.ACCEPTED, CallState.COMPLETED, CallState.FAILED)


@dataclass(frozen=True)
class Progress:
    """Where a campaign is, from four aggregate queries whatever its size.

    The three versions let the live page ask "anything new?" cheaply: `figures` changes
    whenever anything shown in the progress card or the header would, `results` when a
    CDR arrives (charts and call records), `events` when the audit log grows.
    """

    state: str
    total: int
    by_state: dict[str, int]
    # Calls sent within the rate window, and how many minutes (1..window) they span.
    recent_calls: int
    recent_minutes: int
    cdrs: int
    last_cdr: int
    answered: int
    events: int

    def _count(self, *states: str) -> int:
        return sum(self.by_state.get(s, 0) for s in states)

    @property
    def to_send(self) -> int:
        return self._count(*WAITING_TO_SEND)

    @property
    def awaiting_results(self) -> int:
        """Placed calls the provider has not reported on yet."""
        return self._count(CallState.ACCEPTED)

    @property
    def placed(self) -> int:
        return self._count(*PLACED)

    @property
    def placed_and_settled(self) -> int:
        return self._count(CallState.COMPLETED, CallState.FAILED)

    @property
    def skipped(self) -> int:
        return self._count(CallState.SKIPPED)

    @property
    def never_sent(self) -> int:
        return self.skipped + self.to_send

    @property
    def settled(self) -> int:
        """Calls no longer waiting to be sent: placed, or skipped."""
        return self.total - self.to_send if self.total else 0

    @property
    def percent(self) -> int:
        """How far through the list: share of calls placed or skipped."""
        return round(100 * self.settled / self.total) if self.total else 100

    @property
    def placed_percent(self) -> int:
        return round(100 * self.placed / self.total) if self.total else 0

    @property
    def calls_per_minute(self) -> float:
        return round(self.recent_calls / self.recent_minutes, 1) if self.recent_minutes else 0.0

    @property
    def eta_seconds(self) -> int | None:
        """Until the last call is sent at the recent rate: 0 when none is left to send,
        None when nothing was sent lately (no rate to go by)."""
        if not self.to_send:
            return 0
        if not self.recent_calls:
            return None
        return round(self.to_send / (self.recent_calls / self.recent_minutes) * 60)

    @property
    def eta_minutes(self) -> int | None:
        seconds = self.eta_seconds
        return None if seconds is None else math.ceil(seconds / 60)

    @property
    def eta_hours(self) -> int | None:
        minutes = self.eta_minutes
        return None if minutes is None else round(minutes / 60)

    @property
    def bar_percent(self) -> int:
        """What the progress bar shows: a campaign stopped short shows what was placed,
        not the calls it will never send."""
        if self.state in (CampaignState.CANCELLED, CampaignState.FAILED):
            return self.placed_percent
        return self.percent

    def state_rows(self) -> list[tuple[str, str, int]]:
        return [(s.value, s.label, self.by_state.get(s.value, 0)) for s in CallState]

    @property
    def figures_version(self) -> str:
        shown = (
            self.state,
            sorted(self.by_state.items()),
            self.recent_calls,
            self.recent_minutes,
            self.eta_minutes,
            self.answered,
        )
        return hashlib.blake2s(repr(shown).encode(), digest_size=6).hexdigest()

    @property
    def results_version(self) -> str:
        return f"{self.cdrs}.{self.last_cdr}"

    @property
    def events_version(self) -> str:
        return str(self.events)


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
    ).aggregate(n=Count("pk"), first=Min("sent_at"))
    minutes = 0
    if recent["n"]:
        # A burst a second ago reads as that many calls in the last minute, not as
        # the burst spread over the whole window.
        span = max((now - recent["first"]).total_seconds(), 0)
        minutes = min(max(math.ceil(span / 60), 1), RATE_WINDOW_MINUTES)
    cdrs = Cdr.objects.filter(campaign=campaign).aggregate(
        n=Count("pk"), last=Max("pk"), answered=Count("pk", filter=Q(answered=True))
    )
    return Progress(
        state=campaign.state,
        total=campaign.total_calls,
        by_state=by_state,
        recent_calls=recent["n"],
        recent_minutes=minutes,
        cdrs=cdrs["n"],
        last_cdr=cdrs["last"] or 0,
        answered=cdrs["answered"],
        events=CampaignEvent.objects.filter(campaign=campaign).count(),
    )


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

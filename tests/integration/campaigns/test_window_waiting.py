"""A campaign outside its calling window waits alone (issue #14).

Two Paycall campaigns on one account, over real HTTP against the sandbox, with the real
task queue: the one whose window is closed keeps waiting, its dispatch tasks parked at
its window's next opening; the open one goes out and completes meanwhile. The pages say
what the waiting one waits for, in its time zone.
"""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaigns.checks import CampaignSettings
from campaigns.models import Call
from campaigns.models.campaigns import CallState, CampaignState
from campaigns.scheduling import (
    SCHEDULE_LEAD_SECONDS,
    CallingWindow,
    next_window_opening,
    waiting_for,
)
from campaigns.services import create_campaign, start_campaign
from sandbox.models import LedgerCall

from .conftest import make_phone_list, paycall_setup

TZ = "Asia/Jerusalem"
JLM = ZoneInfo(TZ)
DISPATCH = "campaigns.tasks.dispatch_campaign"


def work_for(seconds: float) -> None:
    """A worker that keeps taking due tasks for `seconds` (db_worker in batch mode,
    over and over): what a long-running worker does, without its process."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        call_command(
            "db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0
        )
        time.sleep(0.1)


def closed_window(now: dt.datetime, days_ahead: int = 3) -> CallingWindow:
    """A window open only on one weekday `days_ahead` from now, 09:00–10:00."""
    day = (now.astimezone(JLM) + dt.timedelta(days=days_ahead)).isoweekday()
    return CallingWindow(dt.time(9), dt.time(10), (day,))


@pytest.fixture
def short_slices(settings):
    # Slices as long as in production would make the test wait for nothing.
    settings.CAMPAIGN_DISPATCH_SLICE_SECONDS = 2.0


def test_a_campaign_outside_its_window_waits_alone(
    live_server, flow_version, manager, manager_client, short_slices
):
    sandbox, account = paycall_setup(live_server.url)
    now = timezone.now()
    window = closed_window(now)

    def campaign(name: str, start: int, **extra):
        return create_campaign(
            settings=CampaignSettings(
                name=name,
                flow_version=flow_version,
                account=account,
                phone_list=make_phone_list(2, name=f"{name} list", start=start),
                public_base_url=live_server.url,
                time_zone=TZ,
                **extra,
            ),
            created_by=manager,
        )

    waiting = campaign("Closed window", 0, window=window)
    open_one = campaign("Open window", 100)
    start_campaign(campaign=waiting, actor=manager)
    start_campaign(campaign=open_one, actor=manager)
    began = time.monotonic()
    work_for(8.0)

    open_one.refresh_from_db()
    waiting.refresh_from_db()
    assert open_one.state == CampaignState.COMPLETED, time.monotonic() - began
    assert LedgerCall.objects.filter(account=sandbox).count() == 2
    assert waiting.state == CampaignState.RUNNING
    assert set(Call.objects.filter(campaign=waiting).values_list("state", flat=True)) == {
        CallState.PENDING
    }

    # Its tasks wait in the queue for the opening, not on a worker, and not at the
    # "as soon as possible" sentinel (9999-01-01), which would sort behind every other.
    opening = next_window_opening(waiting, timezone.now())
    assert opening is not None
    assert opening.astimezone(JLM).time() == dt.time(9)
    assert opening.astimezone(JLM).isoweekday() == window.days[0]
    parked = DBTaskResult.objects.filter(
        task_path=DISPATCH, status="READY", args_kwargs__args__0=waiting.pk
    )
    assert parked.count() == 2
    lead = dt.timedelta(seconds=SCHEDULE_LEAD_SECONDS)
    assert set(parked.values_list("run_after", flat=True)) == {opening - lead}
    ran = DBTaskResult.objects.filter(
        task_path=DISPATCH, status="SUCCESSFUL", args_kwargs__args__0=waiting.pk
    )
    assert ran.exists()
    for task in ran:
        assert task.return_value == {"waiting_until": opening.isoformat()}
        assert (task.finished_at - task.started_at).total_seconds() < 1.0

    # The pages say so, in the campaign's zone: weekday and time.
    weekday = opening.astimezone(JLM).strftime("%a")
    words = f'Waiting for the calling window: opens <bdi dir="ltr">{weekday} 09:00</bdi>'
    detail = manager_client.get(reverse("campaigns:campaign-detail", args=[waiting.pk]))
    assert words in detail.content.decode()
    listing = manager_client.get(reverse("campaigns:campaign-list"))
    assert words in listing.content.decode()
    # The one that went out waits for nothing.
    other = manager_client.get(reverse("campaigns:campaign-detail", args=[open_one.pk]))
    assert "Waiting for the calling window" not in other.content.decode()


def test_a_future_start_says_when_it_starts(draft_campaign, manager, manager_client):
    local_now = timezone.now().astimezone(JLM)
    start = (local_now + dt.timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    far = start + dt.timedelta(days=7)
    draft_campaign.start_at, draft_campaign.time_zone = start, TZ
    draft_campaign.save(update_fields=["start_at", "time_zone"])
    scheduled = start_campaign(campaign=draft_campaign, actor=manager)
    assert scheduled.state == CampaignState.SCHEDULED

    page = manager_client.get(reverse("campaigns:campaign-detail", args=[scheduled.pk]))
    assert f'Starts <bdi dir="ltr">{start.strftime("%a")} 10:00</bdi>' in page.content.decode()

    # A week or more away, the date is said as well.
    scheduled.start_at = far
    scheduled.save(update_fields=["start_at"])
    listing = manager_client.get(reverse("campaigns:campaign-list"))
    expected = f'Starts <bdi dir="ltr">{far.strftime("%a %Y-%m-%d")} 10:00</bdi>'
    assert expected in listing.content.decode()


class Times:
    """A campaign's times, as scheduling reads them (any object shaped so)."""

    def __init__(self, *, start_at=None, window=None, time_zone=TZ):
        window = window or CallingWindow()
        self.start_at = start_at
        self.window_start, self.window_end = window.start, window.end
        self.window_days = list(window.days)
        self.time_zone = time_zone


MONDAY_NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=JLM)
WEEKDAYS_9_TO_5 = CallingWindow(dt.time(9), dt.time(17), (1, 2, 3, 4, 5))


@pytest.mark.parametrize(
    ("times", "now", "at", "starts", "with_date"),
    [
        # Open now: nothing to wait for.
        (Times(window=WEEKDAYS_9_TO_5), MONDAY_NOON, None, False, False),
        # Closed for the evening: tomorrow 09:00.
        (
            Times(window=WEEKDAYS_9_TO_5),
            MONDAY_NOON.replace(hour=18),
            dt.datetime(2026, 11, 24, 9, tzinfo=JLM),
            False,
            False,
        ),
        # Friday evening: Monday 09:00, across the weekend.
        (
            Times(window=WEEKDAYS_9_TO_5),
            dt.datetime(2026, 11, 27, 18, tzinfo=JLM),
            dt.datetime(2026, 11, 30, 9, tzinfo=JLM),
            False,
            False,
        ),
        # Opening within the lead: handed over now, the provider waits.
        (
            Times(window=WEEKDAYS_9_TO_5),
            MONDAY_NOON.replace(hour=8, minute=57),
            None,
            False,
            False,
        ),
        # A start time ahead, window open then.
        (
            Times(start_at=MONDAY_NOON + dt.timedelta(days=1, hours=-2)),
            MONDAY_NOON,
            MONDAY_NOON + dt.timedelta(days=1, hours=-2),
            True,
            False,
        ),
        # A start time ahead on a Saturday: the window's opening after it, Monday
        # next week (more than six days away: with its date).
        (
            Times(start_at=dt.datetime(2026, 11, 28, 10, tzinfo=JLM), window=WEEKDAYS_9_TO_5),
            MONDAY_NOON,
            dt.datetime(2026, 11, 30, 9, tzinfo=JLM),
            True,
            True,
        ),
        # More than six days away: the date is said too.
        (
            Times(start_at=MONDAY_NOON + dt.timedelta(days=7)),
            MONDAY_NOON,
            MONDAY_NOON + dt.timedelta(days=7),
            True,
            True,
        ),
    ],
)
def test_what_a_campaign_waits_for(times, now, at, starts, with_date):
    assert next_window_opening(times, now) == at
    wait = waiting_for(times, now)
    if at is None:
        assert wait is None
    else:
        assert wait is not None
        assert (wait.at, wait.starts, wait.with_date) == (at, starts, with_date)

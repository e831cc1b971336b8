"""Paycall's CDR file is fetched until every call has its row (issue #14).

Paycall writes a call's row in its CDR file some time after the call; the steps report
can come first. Here the sandbox is held back the same way: its calls are simulated and
their steps reports POSTed to our return_address over real HTTP, but their CDR rows are
written only later. The campaign completes on the reports; its CDR file is fetched
again, with backoff, until the rows come (filling times and billing), and no more after
the deadline.
"""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaigns import tasks
from campaigns.checks import CampaignSettings
from campaigns.models import Call, Campaign, CampaignEvent, Cdr
from campaigns.models.campaigns import CampaignState, DispatchMode
from campaigns.services import create_campaign, start_campaign
from campaigns.tasks import (
    CDR_FETCH_DEADLINE_SECONDS,
    CDR_FETCH_WAITS_SECONDS,
    CDR_TASK_PATH,
    next_cdr_fetch,
)
from flows.models import Flow, FlowVersion
from sandbox import tasks as sandbox_tasks
from sandbox.models import CalleeScript, LedgerCall

from .conftest import paycall_setup, run_queue

T0 = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("last_activity", "now", "expected"),
    [
        (T0, T0, T0 + 20 * SECOND),  # just sent: 20 s on (the simple dialer has no report)
        (T0, T0 + 20 * SECOND, T0 + MINUTE),  # then 40 s more
        (T0, T0 + MINUTE, T0 + 3 * MINUTE),  # then 2 minutes
        (T0, T0 + 3 * MINUTE, T0 + 8 * MINUTE),  # then 5
        (T0, T0 + 8 * MINUTE, T0 + 18 * MINUTE),  # then 10
        (T0, T0 + 18 * MINUTE, T0 + 48 * MINUTE),  # then 30
        (T0, T0 + 50 * MINUTE, T0 + 78 * MINUTE),  # and every 30 from then on
        # A report came in at T0 + 2 h: the waits start again from it.
        (T0 + 120 * MINUTE, T0 + 120 * MINUTE, T0 + 120 * MINUTE + 20 * SECOND),
        # Near the deadline: one last look at it, then none.
        (T0, T0 + dt.timedelta(hours=23, minutes=50), T0 + dt.timedelta(hours=24)),
        (T0, T0 + dt.timedelta(hours=24), None),
    ],
)
def test_when_the_next_fetch_is_due(last_activity, now, expected):
    assert CDR_FETCH_WAITS_SECONDS == (20, 40, 120, 300, 600, 1800)
    assert CDR_FETCH_DEADLINE_SECONDS == 24 * 3600
    assert next_cdr_fetch(last_activity=last_activity, last_sent=T0, now=now) == expected


class HeldRows:
    """Simulated sandbox calls whose CDR rows are not written yet."""

    def __init__(self, save):
        self.save, self.held = save, []

    def write(self) -> None:
        self.save(self.held)
        self.held = []


@pytest.fixture
def rows_written_later(monkeypatch):
    """The sandbox reports its calls but writes their CDR rows only when told."""
    rows = HeldRows(sandbox_tasks.save_simulated)
    monkeypatch.setattr(sandbox_tasks, "save_simulated", lambda calls: rows.held.extend(calls))
    return rows


@pytest.fixture
def fetched(monkeypatch):
    """The unique_ids whose CDR file was fetched (over real HTTP still)."""
    seen: list[str] = []
    real = tasks.cdr_file

    def spy(client, unique_id: str) -> bytes:
        seen.append(unique_id)
        return real(client, unique_id)

    monkeypatch.setattr(tasks, "cdr_file", spy)
    return seen


def pending_fetches(campaign: Campaign):
    return DBTaskResult.objects.filter(
        task_path=CDR_TASK_PATH, status="READY", args_kwargs__args__0=campaign.pk
    )


def run_due_fetch(campaign: Campaign) -> None:
    """Time passes: the fetch queued for later is due now."""
    pending_fetches(campaign).update(run_after=timezone.now())
    run_queue()


def per_contact_campaign(live_server, flow_version, phone_list, manager) -> Campaign:
    _, account = paycall_setup(live_server.url)
    CalleeScript.objects.create(number="+972500000001", keys=["2"])
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Per contact",
            flow_version=flow_version,
            account=account,
            phone_list=phone_list,
            public_base_url=live_server.url,
        ),
        created_by=manager,
    )
    assert campaign.mode == DispatchMode.PAYCALL_PER_CONTACT
    return campaign


def test_rows_that_come_after_the_reports_fill_the_cdrs(
    live_server, flow_version, phone_list, manager, rows_written_later, fetched
):
    campaign = per_contact_campaign(live_server, flow_version, phone_list, manager)
    start_campaign(campaign=campaign, actor=manager)
    run_queue()

    # Every steps report came; the campaign completed on them.
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    cdrs = Cdr.objects.filter(campaign=campaign)
    assert cdrs.count() == 6
    assert set(cdrs.values_list("source", flat=True)) == {"steps_report"}
    assert not cdrs.filter(start_time__isnull=False).exists()
    # The file was read (one per call: each is its own Paycall campaign), had no rows
    # yet, and another fetch is queued about a minute on.
    keys = set(Call.objects.filter(campaign=campaign).values_list("idempotency_key", flat=True))
    assert set(fetched) == keys
    assert campaign.cdr_fetch_attempts >= 1
    (queued,) = pending_fetches(campaign)
    wait = (queued.run_after - timezone.now()).total_seconds()
    assert 0 < wait <= CDR_FETCH_WAITS_SECONDS[0]

    # Paycall writes the rows; the next fetch fills every CDR.
    rows_written_later.write()
    attempts = campaign.cdr_fetch_attempts
    run_due_fetch(campaign)
    campaign.refresh_from_db()
    assert campaign.cdr_fetch_attempts == attempts + 1
    assert campaign.state == CampaignState.COMPLETED
    assert cdrs.count() == 6
    assert set(cdrs.values_list("source", flat=True)) == {"cdr_csv"}
    ledger = {c.number.lstrip("+"): c for c in LedgerCall.objects.all()}
    for cdr in cdrs:
        row = ledger[cdr.phone_number.lstrip("+")]
        # The file writes whole seconds.
        assert cdr.start_time == row.start_time.replace(microsecond=0)
        assert cdr.hangup_time == row.hangup_time.replace(microsecond=0)
        assert (cdr.duration, cdr.billsec, cdr.hangup_cause) == (
            row.duration,
            row.billsec,
            row.hangup_cause,
        )
        # One rule for both: answered exactly when the row has an answer time.
        assert cdr.answered == (row.answer_time is not None)
        assert (cdr.outcome == "answered") == cdr.answered
    # The steps report's keys stay.
    pressed_two = cdrs.get(phone_number="+972500000001")
    assert pressed_two.keys == ";menu:2;" and pressed_two.marked_remove
    # Every call has its row: nothing more is fetched.
    assert not pending_fetches(campaign).exists()


def shift_back(campaign: Campaign, by: dt.timedelta) -> None:
    """As if the calls were sent, and reported, `by` earlier."""
    for call in Call.objects.filter(campaign=campaign):
        Call.objects.filter(pk=call.pk).update(sent_at=call.sent_at - by)
    for cdr in Cdr.objects.filter(campaign=campaign):
        Cdr.objects.filter(pk=cdr.pk).update(received_at=cdr.received_at - by)


def test_fetching_stops_at_the_deadline(
    live_server, flow_version, phone_list, manager, rows_written_later, fetched
):
    campaign = per_contact_campaign(live_server, flow_version, phone_list, manager)
    start_campaign(campaign=campaign, actor=manager)
    run_queue()
    fetched.clear()

    # Half a minute before the deadline: the files are read, and read once more at
    # the deadline itself.
    deadline = dt.timedelta(seconds=CDR_FETCH_DEADLINE_SECONDS)
    shift_back(campaign, deadline - dt.timedelta(seconds=30))
    run_due_fetch(campaign)
    assert len(fetched) == 6
    (last_look,) = pending_fetches(campaign)
    last_sent = max(Call.objects.filter(campaign=campaign).values_list("sent_at", flat=True))
    assert last_look.run_after == last_sent + deadline

    # The rows never came: after that last look, nothing more is queued, and the
    # campaign's log says what is missing.
    shift_back(campaign, dt.timedelta(minutes=1))
    run_due_fetch(campaign)
    assert len(fetched) == 12
    assert not pending_fetches(campaign).exists()
    assert not Cdr.objects.filter(campaign=campaign, source="cdr_csv").exists()
    note = CampaignEvent.objects.filter(campaign=campaign).order_by("-pk").first()
    assert note is not None and "6 calls never got their rows" in note.reason

    # A fetch queued long ago (a recovery, a slow queue) does nothing past it.
    tasks.schedule_cdr_fetch(campaign.pk, timezone.now())
    shift_back(campaign, deadline)
    run_queue()
    assert len(fetched) == 12
    assert not pending_fetches(campaign).exists()


def test_a_queued_campaign_fetches_until_its_rows_come(
    live_server, plain_flow_version, phone_list, manager, rows_written_later, fetched
):
    _, account = paycall_setup(live_server.url)
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Queued",
            flow_version=plain_flow_version,
            account=account,
            phone_list=phone_list,
            public_base_url=live_server.url,
        ),
        created_by=manager,
    )
    assert campaign.mode == DispatchMode.PAYCALL_QUEUE
    start_campaign(campaign=campaign, actor=manager)
    run_queue()
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    assert set(fetched) == {campaign.paycall_unique_id}
    assert pending_fetches(campaign).count() == 1

    rows_written_later.write()
    run_due_fetch(campaign)
    cdrs = Cdr.objects.filter(campaign=campaign)
    assert cdrs.filter(source="cdr_csv", start_time__isnull=False).count() == 6
    assert not pending_fetches(campaign).exists()


def test_a_message_flow_on_the_simple_dialer_completes_from_its_cdr_file(
    live_server, phone_list, manager, rows_written_later
):
    message = {
        "schema_version": 1,
        "name": "Message",
        "count_steps": 1,
        "have_dependency": "false",
        "steps": [{"step_id": "message", "gender": "male", "prompt": "Your appointment is at 9."}],
        "variables": [],
    }
    version = FlowVersion.objects.create(
        flow=Flow.objects.create(name="Message"), number=1, definition=message
    )
    _, account = paycall_setup(live_server.url)
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Simple",
            flow_version=version,
            account=account,
            phone_list=phone_list,
            public_base_url=live_server.url,
        ),
        created_by=manager,
    )
    assert campaign.mode == DispatchMode.PAYCALL_SIMPLE
    start_campaign(campaign=campaign, actor=manager)
    run_queue()
    # No return_address: nothing is known until the file has the rows.
    assert pending_fetches(campaign).count() == 1
    assert not Cdr.objects.filter(campaign=campaign).exists()

    rows_written_later.write()
    run_due_fetch(campaign)
    campaign.refresh_from_db()
    assert Cdr.objects.filter(campaign=campaign, source="cdr_csv").count() == 6
    assert campaign.state == CampaignState.COMPLETED
    assert not pending_fetches(campaign).exists()


def test_a_broken_fetch_chain_is_resumed_by_the_recovery_sweep(
    live_server, flow_version, phone_list, manager, rows_written_later
):
    from dialer_site import recovery

    campaign = per_contact_campaign(live_server, flow_version, phone_list, manager)
    start_campaign(campaign=campaign, actor=manager)
    run_queue()
    # The queued fetch failed (its worker raised, say): no fetch is queued any more.
    pending_fetches(campaign).update(status="FAILED")
    assert recovery.lost_cdr_fetches(timezone.now()) == [campaign.pk]

    assert recovery.sweep()["cdr_fetches_resumed"] == 1
    assert pending_fetches(campaign).count() == 1
    # Once queued, another sweep leaves it alone.
    assert recovery.sweep()["cdr_fetches_resumed"] == 0

    rows_written_later.write()
    run_due_fetch(campaign)
    assert Cdr.objects.filter(campaign=campaign, source="cdr_csv").count() == 6
    assert recovery.lost_cdr_fetches(timezone.now()) == []

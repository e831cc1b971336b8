"""Background work of campaigns (Django tasks; worker: `manage.py db_worker`).

A running campaign is driven by a chain of `dispatch_campaign` tasks. Each task
enqueues its successor FIRST, then works for one slice: so when a worker is killed
mid-slice, the successor still runs (on whichever worker is alive, or after restart)
and reconciles what the dead one left in doubt. Pause/resume starts a new chain; tasks
of an older chain see that and stop. Several chains slots run side by side, so several
workers can share one campaign; the claims in campaigns.dispatch keep them apart.

Waiting is not work. A campaign that may not call yet (start time or calling window
ahead, campaigns.scheduling.next_window_opening) gets no slice: its task re-queues
itself for that moment and ends. django-tasks-db hands out the READY task with the
earliest run_after first and stores "as soon as possible" as 9999-01-01, so a chain
that slept through a closed window, slice after slice, each successor queued with a
real time, was always first in line: every campaign queued "as soon as possible"
behind it never ran. For the same reason every task here is queued with an explicit
time, now when it is due at once.

Paycall's CDR file (the only source of a call's times, duration and billing) is
fetched by a chain of `collect_final_cdrs` tasks, while the campaign runs and after it
completed, until every call sent has its row in the file or CDR_FETCH_DEADLINE_SECONDS
after the last call was sent: Paycall writes a row some time after the call ended, so
a file read too early, or between a call's steps report and its row, lacks it.
"""

import datetime as dt
import logging
import secrets
import time
from urllib.parse import quote

import requests
from django.conf import settings
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import ngettext
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from campaigns.cdrs_ingest import ingest_paycall_cdr_csv
from campaigns.dispatch import dispatch_finished, dispatch_round, start_if_due, waiting_for_window
from campaigns.lifecycle import TransitionError, record_note, transition
from campaigns.models import Call, Campaign, Cdr
from campaigns.models.campaigns import CallState, CampaignState, DispatchMode
from campaigns.scheduling import SCHEDULE_LEAD_SECONDS
from campaigns.settling import settle_no_report
from providers import ProviderError, get_client
from providers.paycall.cdrs import CdrFormatError
from providers.paycall.client import API_PREFIX as PAYCALL_API

logger = logging.getLogger(__name__)

# Each may be overridden by a setting of the same name prefixed CAMPAIGN_.
SLICE_SECONDS = 20.0
IDLE_POLL_SECONDS = 1.0
# Parallel task chains per campaign: how many workers can share one campaign.
DISPATCH_SLOTS = 2
# Waits between fetches of Paycall's CDR file, counted from the campaign's last sign
# of life (a call sent, a report or a CDR row received); the last wait repeats. The
# first is short: the simple dialer's results come only in this file.
CDR_FETCH_WAITS_SECONDS = (20, 40, 120, 300, 600, 1800)
# No fetch after this long past the last call sent: a row missing by then never comes.
CDR_FETCH_DEADLINE_SECONDS = 24 * 3600
# One fetch of a per-contact campaign (a file per call) stops taking files after this
# long, inside the task's lease (dialer_site.recovery.CAMPAIGN_CDR_LEASE_SECONDS); the
# rest wait for the next fetch, due at once.
CDR_FETCH_BUDGET_SECONDS = 300
# A dispatched campaign whose last reports never come completes after this long.
RESULT_WAIT_SECONDS = 6 * 3600
CDR_TASK_PATH = "campaigns.tasks.collect_final_cdrs"


def start_dispatch(
    campaign_id: int, *, run_after: dt.datetime | None = None, replacing: str | None = None
) -> str | None:
    """Begin a new chain (older chains stop) with DISPATCH_SLOTS parallel tasks.

    `replacing` (dialer_site.recovery, restarting a chain whose worker died) names the
    lost chain: the new one begins only if that is still the campaign's, so recovery
    sweeps on several workers start one chain, not one each. Returns None then."""
    chain = secrets.token_hex(8)
    campaigns = Campaign.objects.filter(pk=campaign_id)
    if replacing is not None:
        campaigns = campaigns.filter(dispatch_chain=replacing)
    if not campaigns.update(dispatch_chain=chain):
        return None
    for slot in range(int(getattr(settings, "CAMPAIGN_DISPATCH_SLOTS", DISPATCH_SLOTS))):
        _enqueue(campaign_id, chain, slot, run_after)
    return chain


def _enqueue(campaign_id: int, chain: str, slot: int, run_after: dt.datetime | None):
    if dispatch_campaign.get_backend().supports_defer:
        # An explicit time even when due at once: see the module's docstring.
        when = run_after or timezone.now()
        dispatch_campaign.using(run_after=when).enqueue(campaign_id, chain, slot)
    elif run_after is None:
        dispatch_campaign.enqueue(campaign_id, chain, slot)
    else:
        # A backend that cannot defer (the immediate one) runs each slice at once; a
        # chain would recurse, so the campaign moves on when it is resumed or re-run.
        logger.warning("Task backend cannot defer: campaign %s is not re-queued.", campaign_id)


# -- Paycall's CDR file ---------------------------------------------------------------


def cdr_file(client, unique_id: str) -> bytes:
    """Paycall's cdr_by_campaign CSV as it came (parsed by our streaming ingest, which
    keeps a million rows to seconds)."""
    response = client.request("GET", f"{PAYCALL_API}/cdr_by_campaign/{quote(unique_id, safe='')}")
    if response.status_code >= 300:
        raise client.error_from(response)
    return response.content


def sent_calls(campaign: Campaign):
    return Call.objects.filter(campaign=campaign, sent_at__isnull=False)


def calls_without_cdr_row(campaign: Campaign):
    """Calls handed to Paycall that have no row of its CDR file yet (a CDR made from a
    steps report alone has no times, duration or billing)."""
    from_file = Cdr.objects.filter(campaign=campaign, source="cdr_csv", call__isnull=False)
    return sent_calls(campaign).exclude(pk__in=from_file.values("call_id"))


def next_cdr_fetch(
    *, last_activity: dt.datetime, last_sent: dt.datetime, now: dt.datetime
) -> dt.datetime | None:
    """When to fetch the CDR file next: the first point of CDR_FETCH_WAITS_SECONDS,
    counted from the last activity, that is after `now`; at the latest the deadline
    (one last look), and None past it."""
    deadline = last_sent + dt.timedelta(seconds=CDR_FETCH_DEADLINE_SECONDS)
    if now >= deadline:
        return None
    at = last_activity
    for wait in CDR_FETCH_WAITS_SECONDS:
        at += dt.timedelta(seconds=wait)
        if at > now:
            return min(at, deadline)
    last = dt.timedelta(seconds=CDR_FETCH_WAITS_SECONDS[-1])
    at += last * ((now - at) // last + 1)
    return min(at, deadline)


def cdr_fetch_due(campaign: Campaign, now: dt.datetime) -> dt.datetime | None:
    """When the campaign's CDR file should next be fetched; None: every call sent has
    its row, or the deadline passed."""
    last_sent = sent_calls(campaign).aggregate(last=Max("sent_at"))["last"]
    if last_sent is None or not calls_without_cdr_row(campaign).exists():
        return None
    # The newest CDR by id is the one received last (index campaign, id).
    received = (
        Cdr.objects.filter(campaign=campaign).order_by("-pk").values_list("received_at", flat=True)
    ).first()
    last_activity = max(last_sent, received) if received else last_sent
    return next_cdr_fetch(last_activity=last_activity, last_sent=last_sent, now=now)


def _pending_cdr_fetches(campaign_id: int):
    return DBTaskResult.objects.filter(
        task_path=CDR_TASK_PATH, status="READY", args_kwargs__args__0=campaign_id
    )


def schedule_cdr_fetch(campaign_id: int, at: dt.datetime) -> bool:
    """Queue a fetch of the campaign's CDR file at `at`, unless one is queued by then
    already (so reports, slices and fetches calling this keep one chain going)."""
    if _pending_cdr_fetches(campaign_id).filter(run_after__lte=at).exists():
        return False
    if collect_final_cdrs.get_backend().supports_defer:
        collect_final_cdrs.using(run_after=at).enqueue(campaign_id)
    else:
        collect_final_cdrs.enqueue(campaign_id)
    return True


def _per_contact_files(campaign: Campaign, client, deadline: float) -> tuple[int, bool]:
    """Each per-contact call is its own Paycall campaign, its unique_id the call's
    key: one file per call still without its row. Returns (rows read, all tried)."""
    read = 0
    missing = calls_without_cdr_row(campaign).order_by("sent_at", "pk")
    for call_id, unique_id in missing.values_list("pk", "idempotency_key").iterator():
        if time.monotonic() > deadline:
            return read, False
        try:
            read += ingest_paycall_cdr_csv(campaign, cdr_file(client, unique_id), call_id=call_id)
        except (ProviderError, CdrFormatError) as error:
            logger.info("CDRs of %s not read: %s", unique_id, error)
    return read, True


def fetch_paycall_cdrs(campaign: Campaign, session: requests.Session | None = None) -> int:
    """Fetch and ingest the CDR file of a Paycall campaign (of each call still without
    its row, for a per-contact campaign); returns the rows read. ``session``: the
    demo's, which reaches the site in-process before it serves."""
    client = get_client(campaign.account, session=session)
    read, everything = 0, True
    try:
        if campaign.mode == DispatchMode.PAYCALL_PER_CONTACT:
            deadline = time.monotonic() + CDR_FETCH_BUDGET_SECONDS
            read, everything = _per_contact_files(campaign, client, deadline)
        else:
            try:
                read = ingest_paycall_cdr_csv(
                    campaign, cdr_file(client, campaign.paycall_unique_id)
                )
            except (ProviderError, CdrFormatError) as error:
                logger.info("CDRs of campaign %s not read: %s", campaign.pk, error)
    finally:
        client.close()
    Campaign.objects.filter(pk=campaign.pk).update(
        cdrs_fetched_at=timezone.now(), cdr_fetch_attempts=F("cdr_fetch_attempts") + 1
    )
    if read:
        campaign.refresh_from_db()
        complete_if_settled(campaign)
    if not everything:
        schedule_cdr_fetch(campaign.pk, timezone.now())
    return read


@task()
def collect_final_cdrs(campaign_id: int) -> dict:
    """One fetch of a Paycall campaign's CDR file, and the next one queued while a
    call sent lacks its row (running or completed campaign alike). The name stays
    from when this ran once at the end: recovery and its crash test know it by it."""
    campaign = Campaign.objects.select_related("account").get(pk=campaign_id)
    last_sent = sent_calls(campaign).aggregate(last=Max("sent_at"))["last"]
    # The last look is queued for the deadline itself and may start a little late.
    late = dt.timedelta(seconds=CDR_FETCH_DEADLINE_SECONDS + CDR_FETCH_WAITS_SECONDS[-1])
    if (
        last_sent is None
        or timezone.now() > last_sent + late
        or not calls_without_cdr_row(campaign).exists()
    ):
        # Every row came, or the deadline passed, since this fetch was queued.
        return {"read": 0, "next": None}
    read = fetch_paycall_cdrs(campaign)
    due = cdr_fetch_due(campaign, timezone.now())
    if due is not None:
        schedule_cdr_fetch(campaign_id, due)
        return {"read": read, "next": due.isoformat()}
    return {"read": read, "next": None, "missing": _note_missing(campaign)}


def _note_missing(campaign: Campaign) -> int:
    """Calls still without their CDR-file row when fetching stops, said in the
    campaign's log (once: the chain ends here)."""
    missing = calls_without_cdr_row(campaign).count()
    if missing:
        campaign.refresh_from_db()
        record_note(
            campaign=campaign,
            reason=ngettext(
                "%(count)d call never got its row in Paycall's CDR file; its times and "
                "billing are unknown.",
                "%(count)d calls never got their rows in Paycall's CDR file; their times "
                "and billing are unknown.",
                missing,
            )
            % {"count": missing},
        )
    return missing


def complete_if_settled(campaign: Campaign, *, now: dt.datetime | None = None) -> bool:
    """Complete a running campaign once every call is settled, or once the last
    reports are overdue. Called after each report and by the dispatch tasks."""
    now = now or timezone.now()
    if campaign.state != CampaignState.RUNNING or not dispatch_finished(campaign):
        return False
    reason = "Every call was placed and reported."
    if Call.objects.filter(campaign=campaign, state=CallState.ACCEPTED).exists():
        last_sent = (
            Call.objects.filter(campaign=campaign, sent_at__isnull=False)
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
        if not last_sent or (now - last_sent).total_seconds() <= RESULT_WAIT_SECONDS:
            return False
        reason = f"Waited {RESULT_WAIT_SECONDS // 3600} h for the last reports; completed."
    try:
        transition(campaign=campaign, to_state=CampaignState.COMPLETED, reason=reason)
    except TransitionError:
        return False
    if campaign.is_paycall:
        # At once: the last calls' rows are likely in the file by now.
        schedule_cdr_fetch(campaign.pk, now)
    return True


def slice_seconds() -> float:
    return float(getattr(settings, "CAMPAIGN_DISPATCH_SLICE_SECONDS", SLICE_SECONDS))


def run_slice(campaign_id: int, *, chain: str | None, seconds: float | None = None) -> dict:
    deadline = time.monotonic() + (seconds or slice_seconds())
    totals = {"sent": 0, "accepted": 0, "failed": 0, "duplicates": 0}
    # Once a slice, not every round: it scans the campaign's Accepted calls.
    settle_no_report(Campaign.objects.select_related("account").get(pk=campaign_id))
    campaign = None
    while time.monotonic() < deadline:
        campaign = Campaign.objects.select_related("account").get(pk=campaign_id)
        if chain is not None and campaign.dispatch_chain != chain:
            break
        report = dispatch_round(campaign_id)
        for name in totals:
            totals[name] += getattr(report, name)
        if report.stop:
            break
        now = timezone.now()
        campaign.refresh_from_db()
        if complete_if_settled(campaign, now=now):
            break
        if report.idle:
            left = dt.timedelta(seconds=deadline - time.monotonic())
            if dispatch_finished(campaign) or (report.wake_at and report.wake_at - now > left):
                # Only reports are awaited, or nothing is due within this slice: the
                # chain's next task looks again (and waits alone for a closed window).
                break
            time.sleep(IDLE_POLL_SECONDS)
    if campaign is not None and campaign.is_paycall:
        # After calls went out and as reports come in: the file follows them.
        due = cdr_fetch_due(campaign, timezone.now())
        if due is not None:
            schedule_cdr_fetch(campaign_id, due)
    return totals


@task()
def dispatch_campaign(campaign_id: int, chain: str, slot: int = 0) -> dict:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.dispatch_chain != chain or campaign.is_final:
        return {"stopped": "superseded or finished"}
    if campaign.state == CampaignState.PAUSED:
        return {"stopped": "paused"}
    now = timezone.now()
    campaign = start_if_due(campaign, now)
    wait = waiting_for_window(campaign, now)
    if wait is not None:
        # Nothing to do before then: this chain slot sleeps in the queue, not on a
        # worker, and every other campaign goes ahead.
        lead = dt.timedelta(seconds=SCHEDULE_LEAD_SECONDS)
        _enqueue(campaign_id, chain, slot, wait.at - lead)
        return {"waiting_until": wait.at.isoformat()}
    # The successor first: it carries on if this worker dies during the slice.
    wake = now + dt.timedelta(seconds=slice_seconds())
    _enqueue(campaign_id, chain, slot, wake)
    return run_slice(campaign_id, chain=chain)

"""Background work of campaigns (Django tasks; worker: `manage.py db_worker`).

A running campaign is driven by a chain of `dispatch_campaign` tasks. Each task
enqueues its successor FIRST, then works for one slice: so when a worker is killed
mid-slice, the successor still runs (on whichever worker is alive, or after restart)
and reconciles what the dead one left in doubt. Pause/resume starts a new chain; tasks
of an older chain see that and stop. Several chains slots run side by side, so several
workers can share one campaign; the claims in campaigns.dispatch keep them apart.
"""

import datetime as dt
import logging
import secrets
import time
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from campaigns.cdrs_ingest import ingest_paycall_cdr_csv
from campaigns.dispatch import dispatch_finished, dispatch_round
from campaigns.lifecycle import TransitionError, transition
from campaigns.models import Call, Campaign
from campaigns.models.campaigns import CallState, CampaignState, DispatchMode
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
# Paycall CDRs are fetched this often while a campaign runs, and once at the end.
CDR_FETCH_INTERVAL_SECONDS = 60
CDR_FETCH_PER_ROUND = 200
# A dispatched campaign whose last reports never come completes after this long.
RESULT_WAIT_SECONDS = 6 * 3600


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
    if run_after is None:
        dispatch_campaign.enqueue(campaign_id, chain, slot)
    elif dispatch_campaign.get_backend().supports_defer:
        dispatch_campaign.using(run_after=run_after).enqueue(campaign_id, chain, slot)
    else:
        # A backend that cannot defer (the immediate one) runs each slice at once; a
        # chain would recurse, so the campaign moves on when it is resumed or re-run.
        logger.warning("Task backend cannot defer: campaign %s is not re-queued.", campaign_id)


def cdr_file(client, unique_id: str) -> bytes:
    """Paycall's cdr_by_campaign CSV as it came (parsed by our streaming ingest, which
    keeps a million rows to seconds)."""
    response = client.request("GET", f"{PAYCALL_API}/cdr_by_campaign/{quote(unique_id, safe='')}")
    if response.status_code >= 300:
        raise client.error_from(response)
    return response.content


def fetch_paycall_cdrs(campaign: Campaign) -> int:
    """Fetch and ingest the CDR CSV of a Paycall campaign (each per-contact call is its
    own Paycall campaign, so those are fetched one by one while still open)."""
    client = get_client(campaign.account)
    read = 0
    try:
        if campaign.mode == DispatchMode.PAYCALL_PER_CONTACT:
            unique_ids = list(
                Call.objects.filter(campaign=campaign, state=CallState.ACCEPTED).values_list(
                    "idempotency_key", flat=True
                )[:CDR_FETCH_PER_ROUND]
            )
        else:
            unique_ids = [campaign.paycall_unique_id]
        for unique_id in unique_ids:
            try:
                read += ingest_paycall_cdr_csv(campaign, cdr_file(client, unique_id))
            except (ProviderError, CdrFormatError) as error:
                logger.info("CDRs of %s not read: %s", unique_id, error)
    finally:
        client.close()
    Campaign.objects.filter(pk=campaign.pk).update(cdrs_fetched_at=timezone.now())
    if read:
        campaign.refresh_from_db()
        complete_if_settled(campaign)
    return read


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
        collect_final_cdrs.enqueue(campaign.pk)
    return True


@task()
def collect_final_cdrs(campaign_id: int) -> int:
    """Paycall's CDR file once more after the end: times and billing of every call."""
    return fetch_paycall_cdrs(Campaign.objects.select_related("account").get(pk=campaign_id))


def slice_seconds() -> float:
    return float(getattr(settings, "CAMPAIGN_DISPATCH_SLICE_SECONDS", SLICE_SECONDS))


def run_slice(campaign_id: int, *, chain: str | None, seconds: float | None = None) -> dict:
    deadline = time.monotonic() + (seconds or slice_seconds())
    totals = {"sent": 0, "accepted": 0, "failed": 0, "duplicates": 0}
    # Once a slice, not every round: it scans the campaign's Accepted calls.
    settle_no_report(Campaign.objects.select_related("account").get(pk=campaign_id))
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
        if (
            campaign.is_paycall
            and (
                campaign.cdrs_fetched_at is None
                or (now - campaign.cdrs_fetched_at).total_seconds() > CDR_FETCH_INTERVAL_SECONDS
            )
            and Call.objects.filter(campaign=campaign, state=CallState.ACCEPTED).exists()
        ):
            fetch_paycall_cdrs(campaign)
        if complete_if_settled(campaign, now=now):
            break
        if report.idle:
            if dispatch_finished(campaign):
                # Only reports are awaited now; the chain's next task checks again.
                break
            time.sleep(IDLE_POLL_SECONDS)
    return totals


@task()
def dispatch_campaign(campaign_id: int, chain: str, slot: int = 0) -> dict:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.dispatch_chain != chain or campaign.is_final:
        return {"stopped": "superseded or finished"}
    if campaign.state == CampaignState.PAUSED:
        return {"stopped": "paused"}
    # The successor first: it carries on if this worker dies during the slice.
    wake = timezone.now() + dt.timedelta(seconds=slice_seconds())
    _enqueue(campaign_id, chain, slot, wake)
    return run_slice(campaign_id, chain=chain)

"""Sending a campaign's calls exactly once, with several workers and dying workers.

The rules that make "exactly once" hold:

1. A call's idempotency key exists from the snapshot on (each provider's builder
   writes it where its document allows, as `Contact.reference`).
2. A request is recorded (DispatchBatch: its exact payload, its calls, state SENDING,
   a claim token and time) in the same transaction that claims its calls, BEFORE it
   is sent. Claims use SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite every
   write transaction is IMMEDIATE (settings), so claims are serialised outright.
3. When the outcome is unknown (timeout, dropped connection, a worker killed between
   sending and recording, noticed when its lease expires) the batch is never rebuilt:
   the very same payload is replayed, and the provider recognises what it already has
   (`Provider.repeat_answers`). A provider without such an answer never gets a call
   in doubt again: its status callback settles it.
4. Outcomes are recorded only by the holder of the claim token, so a worker that
   wakes up after its lease expired cannot overwrite what another worker reconciled.
"""

import datetime as dt
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from campaigns.lifecycle import TransitionError, transition
from campaigns.models import Call, Campaign, DispatchBatch
from campaigns.models.campaigns import (
    BatchState,
    CallState,
    CampaignState,
    DispatchMode,
    PaycallStage,
)
from campaigns.outbound import CONTACT_FIELDS, QUEUED_MODES, build_batch_request, provider_of
from campaigns.paycall_queue import queue_round
from campaigns.rounds import (
    RoundReport,
    backoff,
    lease_seconds,
    replay_delay,
    setting,
    window_of,
)
from campaigns.scheduling import (
    SCHEDULE_LEAD_SECONDS,
    Wait,
    may_send_now,
    next_send_time,
    waiting_for,
)
from providers import OutboundRequest, ProviderError, SendResult, get_client
from providers.building import CompileError

logger = logging.getLogger(__name__)

# Requests one worker keeps in flight at once (1 suits a server that takes one
# request at a time).
PARALLEL_REQUESTS = 4
# A call in doubt at a provider that does not recognise repeats waits this long for
# its status callback before it is given up.
UNKNOWN_OUTCOME_SECONDS = 6 * 3600
OPEN_BATCH_STATES = (BatchState.SENDING, BatchState.RETRY, BatchState.UNCERTAIN)
# Modes whose calls go out in requests of their own; the others are queued campaigns
# (campaigns.paycall_queue): one request for all, the numbers as a list.
SENDING_MODES = tuple(mode for mode in DispatchMode if mode not in QUEUED_MODES)


@dataclass
class Claimed:
    batch: DispatchBatch
    token: str


def batch_size_for(campaign: Campaign) -> int:
    """Calls a request carries: the provider's limit, or CAMPAIGN_CALLS_PER_REQUEST
    when that is smaller."""
    limit = provider_of(campaign).calls_per_request
    size = int(setting("CAMPAIGN_CALLS_PER_REQUEST", limit))
    return max(1, min(limit, size))


# -- claiming ------------------------------------------------------------------------


def reclaim_stale(campaign: Campaign, now: dt.datetime) -> int:
    """Batches whose worker died mid-send become UNCERTAIN, to be reconciled; a batch
    that cannot be replayed and never got a report is given up as unknown."""
    cutoff = now - dt.timedelta(seconds=lease_seconds(campaign.account))
    stale = DispatchBatch.objects.filter(
        campaign=campaign, state=BatchState.SENDING, claimed_at__lt=cutoff
    )
    due = now if provider_of(campaign).recognises_repeats else None
    reclaimed = stale.update(state=BatchState.UNCERTAIN, claim_token="", next_attempt_at=due)
    unknown = DispatchBatch.objects.filter(
        campaign=campaign,
        state=BatchState.UNCERTAIN,
        next_attempt_at__isnull=True,
        claimed_at__lt=now - dt.timedelta(seconds=UNKNOWN_OUTCOME_SECONDS),
    )
    Call.objects.filter(batch__in=unknown, state=CallState.SENDING).update(
        state=CallState.FAILED,
        error_code="OUTCOME_UNKNOWN",
        error_message="The provider's answer was lost and no report came; it was not "
        "sent again, so that nobody is called twice.",
    )
    unknown.update(state=BatchState.REJECTED)
    return reclaimed


def _lock(queryset):
    # skip_locked lets PostgreSQL workers take different rows at once; SQLite ignores
    # FOR UPDATE, but its IMMEDIATE transactions already admit one writer at a time.
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


@transaction.atomic
def claim_replay(campaign: Campaign, now: dt.datetime) -> Claimed | None:
    batch = (
        _lock(
            DispatchBatch.objects.filter(
                campaign=campaign,
                state__in=(BatchState.RETRY, BatchState.UNCERTAIN),
                next_attempt_at__lte=now,
            ).order_by("next_attempt_at", "pk")
        )
        .only("pk")
        .first()
    )
    if batch is None:
        return None
    token = secrets.token_hex(8)
    updated = DispatchBatch.objects.filter(
        pk=batch.pk, state__in=(BatchState.RETRY, BatchState.UNCERTAIN)
    ).update(state=BatchState.SENDING, claim_token=token, claimed_at=now)
    if not updated:
        return None
    batch = DispatchBatch.objects.get(pk=batch.pk)
    batch.attempts += 1
    batch.save(update_fields=["attempts"])
    return Claimed(batch, token)


@transaction.atomic
def claim_new(campaign: Campaign, now: dt.datetime, due: dt.datetime) -> Claimed | None:
    """Claim the next pending calls and record their request before it is sent."""
    if not Campaign.objects.filter(pk=campaign.pk, state=CampaignState.RUNNING).exists():
        return None
    while True:
        ids = list(
            _lock(
                Call.objects.filter(campaign=campaign, state=CallState.PENDING).order_by("position")
            ).values_list("pk", flat=True)[: batch_size_for(campaign)]
        )
        calls = list(
            Call.objects.filter(pk__in=ids, state=CallState.PENDING)
            .only(*CONTACT_FIELDS)
            .order_by("position")
        )
        if not calls:
            return None
        built = build_batch_request(campaign, calls, now=now, due=due)
        refuse(built.refused)
        if built.request is not None:
            break
    token = secrets.token_hex(8)
    batch = DispatchBatch.objects.create(
        campaign=campaign,
        state=BatchState.SENDING,
        payload={"request": built.request.as_dict()},
        attempts=1,
        claim_token=token,
        claimed_at=now,
    )
    Call.objects.filter(pk__in=[c.pk for c in built.calls], state=CallState.PENDING).update(
        state=CallState.SENDING, batch=batch
    )
    return Claimed(batch, token)


def refuse(refused: list[tuple[Call, CompileError]]) -> None:
    """Calls whose request cannot be built fail at once, with the builder's reason."""
    for call, error in refused:
        call.state, call.error_code = CallState.FAILED, "CANNOT_BUILD"
        call.error_message = str(error)[:500]
    fields = ["state", "error_code", "error_message"]
    Call.objects.bulk_update([call for call, _ in refused], fields)


# -- sending -------------------------------------------------------------------------


def send(client, claimed: Claimed) -> SendResult | ProviderError:
    """One request over HTTP (no database work: this runs in a thread)."""
    try:
        return client.place_calls(OutboundRequest.from_dict(claimed.batch.payload["request"]))
    except ProviderError as error:
        return error


# -- recording -----------------------------------------------------------------------


def _answer(result) -> dict:
    if isinstance(result, ProviderError):
        return {"error": result.as_dict()}
    return {
        "request_id": result.request_id,
        "code": result.code,
        "message": result.message,
        "accepted": [[o.client_ref, o.provider_ref] for o in result.accepted],
        "rejected": [[o.client_ref, o.error.as_dict()] for o in result.rejected if o.error],
    }


@transaction.atomic
def record(campaign: Campaign, claimed: Claimed, result, now: dt.datetime) -> RoundReport:
    report = RoundReport(sent=1)
    batch = claimed.batch
    mine = DispatchBatch.objects.filter(
        pk=batch.pk, state=BatchState.SENDING, claim_token=claimed.token
    )
    if not mine.exists():
        report.notes.append(f"batch {batch.pk}: claim lost, outcome left to the reconciler")
        return report
    calls = list(
        Call.objects.filter(batch=batch, state=CallState.SENDING).only("pk", "idempotency_key")
    )
    if result is None:
        mine.update(state=BatchState.RETRY, next_attempt_at=now, claim_token="")
        report.sent = 0
        return report
    if isinstance(result, ProviderError):
        return _record_error(campaign, batch, mine, calls, result, now, report)
    if len(calls) == 1:
        by_ref = {outcome.client_ref: calls[0] for outcome in result.accepted + result.rejected}
    else:
        # A request of several calls is answered call by call, by our reference.
        by_ref = {call.idempotency_key: call for call in calls}
    failed = []
    for outcome in result.rejected:
        call = by_ref.get(outcome.client_ref)
        if call is None:
            continue
        error = outcome.error
        call.state, call.error_code = CallState.FAILED, error.name
        call.error_message = f"{error.message} {error.detail}".strip()
        failed.append(call)
    accepted_refs = {outcome.client_ref: outcome.provider_ref for outcome in result.accepted}
    accepted = [call for ref, call in by_ref.items() if ref in accepted_refs and call not in failed]
    Call.objects.bulk_update(failed, ["state", "error_code", "error_message"], batch_size=500)
    if len(accepted) == 1:
        (provider_ref,) = [accepted_refs[r] for r, c in by_ref.items() if c is accepted[0]][:1]
        Call.objects.filter(pk=accepted[0].pk).update(
            state=CallState.ACCEPTED, provider_ref=provider_ref[:100], sent_at=now
        )
    elif accepted:
        # One statement for the whole batch; each call's provider id stays in the
        # batch's stored answer (callbacks name calls by our reference).
        Call.objects.filter(pk__in=[c.pk for c in accepted]).update(
            state=CallState.ACCEPTED, sent_at=now
        )
    # A call the answer does not mention was not placed (answers list every one).
    mentioned = {c.pk for c in accepted} | {c.pk for c in failed}
    silent = [c.pk for c in calls if c.pk not in mentioned]
    if silent:
        Call.objects.filter(pk__in=silent).update(
            state=CallState.FAILED,
            error_code="NOT_IN_ANSWER",
            error_message="The provider's answer did not mention this call.",
        )
    mine.update(
        state=BatchState.ACCEPTED if accepted else BatchState.REJECTED,
        request_id=result.request_id[:100],
        answer=_answer(result),
        claim_token="",
    )
    report.accepted, report.failed = len(accepted), len(failed) + len(silent)
    return report


def _record_error(campaign, batch, mine, calls, error: ProviderError, now, report):
    ids = [c.pk for c in calls]
    if error.name in provider_of(campaign).repeat_answers:
        Call.objects.filter(pk__in=ids).update(
            state=CallState.ACCEPTED, duplicate_at_provider=True, sent_at=now
        )
        mine.update(state=BatchState.ACCEPTED, answer=_answer(error), claim_token="")
        report.accepted = report.duplicates = len(ids)
        return report
    uncertain = error.code in ("TIMEOUT", "CONNECTION")
    if uncertain and not provider_of(campaign).recognises_repeats:
        # Maybe placed, maybe not: resending could call twice; the callback decides.
        mine.update(
            state=BatchState.UNCERTAIN, next_attempt_at=None, answer=_answer(error), claim_token=""
        )
        report.notes.append(f"batch {batch.pk}: outcome unknown, waiting for the callback")
        return report
    if error.retryable:
        delay = replay_delay(campaign.account) if uncertain else backoff(batch.attempts)
        mine.update(
            state=BatchState.UNCERTAIN if uncertain else BatchState.RETRY,
            next_attempt_at=now + dt.timedelta(seconds=delay),
            answer=_answer(error),
            claim_token="",
        )
        return report
    Call.objects.filter(pk__in=ids).update(
        state=CallState.FAILED,
        error_code=error.name,
        error_message=f"{error.message} {error.detail}".strip(),
    )
    mine.update(state=BatchState.REJECTED, answer=_answer(error), claim_token="")
    report.failed = len(ids)
    return report


# -- one round -----------------------------------------------------------------------


def dispatch_finished(campaign: Campaign) -> bool:
    return not (
        Call.objects.filter(
            campaign=campaign, state__in=(CallState.PENDING, CallState.SENDING)
        ).exists()
        or DispatchBatch.objects.filter(campaign=campaign, state__in=OPEN_BATCH_STATES).exists()
    )


def left_to_send(campaign: Campaign) -> bool:
    """Whether anything of the campaign is still to be handed to its provider (what a
    closed calling window holds back)."""
    if campaign.mode not in SENDING_MODES:
        return campaign.paycall_stage != PaycallStage.STARTED
    return not dispatch_finished(campaign)


def waiting_for_window(campaign: Campaign, now: dt.datetime) -> Wait | None:
    """What a scheduled or running campaign with calls left to hand over waits for (its
    start time, or its calling window's next opening); None: it may send now."""
    if campaign.state not in (CampaignState.SCHEDULED, CampaignState.RUNNING):
        return None
    wait = waiting_for(campaign, now)
    return wait if wait is not None and left_to_send(campaign) else None


def start_if_due(campaign: Campaign, now: dt.datetime) -> Campaign:
    lead = dt.timedelta(seconds=SCHEDULE_LEAD_SECONDS)
    if campaign.state == CampaignState.SCHEDULED and (
        campaign.start_at is None or campaign.start_at - lead <= now
    ):
        try:
            return transition(
                campaign=campaign, to_state=CampaignState.RUNNING, reason="Start time reached."
            )
        except TransitionError:
            campaign.refresh_from_db()
    return campaign


def parallel_requests() -> int:
    return max(1, int(setting("CAMPAIGN_PARALLEL_REQUESTS", PARALLEL_REQUESTS)))


def dispatch_round(
    campaign_id: int, *, client=None, parallel: int | None = None, now=None
) -> RoundReport:
    """Claim up to `parallel` requests, send them at once, record the answers."""
    now = now or timezone.now()
    parallel = parallel or parallel_requests()
    campaign = Campaign.objects.select_related("account", "flow_version").get(pk=campaign_id)
    campaign = start_if_due(campaign, now)
    if campaign.state != CampaignState.RUNNING:
        return RoundReport(stop=True)
    if campaign.mode not in SENDING_MODES:
        return queue_round(campaign, client=client, now=now)
    reclaim_stale(campaign, now)
    due = next_send_time(
        now, start_at=campaign.start_at, window=window_of(campaign), time_zone=campaign.time_zone
    )
    if due is None or not may_send_now(now, due):
        return RoundReport(idle=True, wake_at=due)
    claims: list[Claimed] = []
    for _ in range(parallel):
        claimed = claim_replay(campaign, now) or claim_new(campaign, now, due)
        if claimed is None:
            break
        claims.append(claimed)
    if not claims:
        return RoundReport(idle=True, wake_at=next_wake(campaign))
    if not Campaign.objects.filter(pk=campaign.pk, state=CampaignState.RUNNING).exists():
        # Paused or cancelled since the claim: these requests wait, unsent.
        results = [None] * len(claims)
    else:
        results = send_all(client, campaign.account, claims)
    total = RoundReport()
    for claimed, result in zip(claims, results, strict=True):
        part = record(campaign, claimed, result, timezone.now())
        total.sent += part.sent
        total.accepted += part.accepted
        total.failed += part.failed
        total.duplicates += part.duplicates
        total.notes += part.notes
    return total


def send_all(client, account, claims: list[Claimed]) -> list:
    own_client = client is None
    client = client or get_client(account)
    try:
        if len(claims) == 1:
            return [send(client, claims[0])]
        with ThreadPoolExecutor(max_workers=len(claims)) as pool:
            return list(pool.map(lambda claimed: send(client, claimed), claims))
    finally:
        if own_client:
            client.close()


def next_wake(campaign: Campaign) -> dt.datetime | None:
    upcoming = (
        DispatchBatch.objects.filter(
            campaign=campaign,
            state__in=(BatchState.RETRY, BatchState.UNCERTAIN),
            next_attempt_at__isnull=False,
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return upcoming

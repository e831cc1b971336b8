"""The campaign lifecycle: create (checked, list snapshotted), start, pause, resume,
cancel; every state change goes through campaigns.lifecycle.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from campaigns.checks import CampaignSettings, campaign_problems, dispatch_mode_for
from campaigns.lifecycle import TransitionError, actor_or_none, transition
from campaigns.models import Call, Campaign, CampaignEvent, DispatchBatch
from campaigns.models.campaigns import BatchState, CallState, CampaignState
from campaigns.scheduling import SCHEDULE_LEAD_SECONDS
from campaigns.tasks import start_dispatch
from phonelists.models import Contact as ListContact
from phonelists.models import PhoneList
from phonelists.services import is_do_not_call

S = CampaignState
SNAPSHOT_CHUNK = 5000


@dataclass
class CampaignInvalid(Exception):
    """The campaign cannot be saved; `errors` maps a field to its messages."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())


def snapshot_contacts(campaign: Campaign, phone_list: PhoneList) -> int:
    """Copy the list's contacts into Call rows, leaving out do-not-call numbers.

    Each Call gets its idempotency key here, before anything can be sent.
    """
    contacts = (
        ListContact.objects.filter(phone_list=phone_list)
        .order_by("line_number")
        .values_list("number", "cli", "dtmf_originator", "alternates", "variables")
        .iterator(chunk_size=SNAPSHOT_CHUNK)
    )
    position = 0
    rows: list[tuple] = []

    def flush() -> None:
        nonlocal position
        blocked = is_do_not_call([row[0] for row in rows])
        calls = []
        for number, cli, dtmf, alternates, variables in rows:
            if number in blocked:
                continue
            position += 1
            calls.append(
                Call(
                    campaign=campaign,
                    position=position,
                    idempotency_key=f"ds-{campaign.key}-{position}",
                    number=number,
                    alternate_numbers=alternates or [],
                    cli=cli or "",
                    dtmf_originator=dtmf or "",
                    variables=variables or {},
                )
            )
        Call.objects.bulk_create(calls, batch_size=1000)
        rows.clear()

    for row in contacts:
        rows.append(row)
        if len(rows) >= SNAPSHOT_CHUNK:
            flush()
    if rows:
        flush()
    return position


@transaction.atomic
def create_campaign(*, settings: CampaignSettings, created_by=None) -> Campaign:
    """Check everything, then save the campaign and snapshot its phone list."""
    errors = campaign_problems(settings)
    if errors:
        raise CampaignInvalid(errors)
    definition = settings.flow_version.definition
    campaign = Campaign.objects.create(
        name=settings.name,
        flow_version=settings.flow_version,
        account=settings.account,
        phone_list_id=settings.phone_list.pk,
        phone_list_name=settings.phone_list.name,
        mode=dispatch_mode_for(definition, settings.account),
        cli=settings.cli,
        dtmf_originator=settings.dtmf_originator,
        max_retries=settings.max_retries,
        ring_timeout=settings.ring_timeout,
        retry_wait_time=settings.retry_wait_time,
        time_zone=settings.time_zone,
        start_at=settings.start_at,
        window_start=settings.window.start,
        window_end=settings.window.end,
        window_days=sorted(settings.window.days),
        phonon_flow_id=settings.phonon_flow_id,
        iovox_link_id=settings.iovox_link_id,
        public_base_url=settings.public_base_url,
        created_by=actor_or_none(created_by),
    )
    campaign.total_calls = snapshot_contacts(campaign, settings.phone_list)
    if not campaign.total_calls:
        raise CampaignInvalid(
            {"phone_list": ["Every number of this list is on the do-not-call list."]}
        )
    campaign.save(update_fields=["total_calls"])
    CampaignEvent.objects.create(
        campaign=campaign,
        to_state=S.DRAFT,
        actor=actor_or_none(created_by),
        reason=f"Created with {campaign.total_calls} contacts from {settings.phone_list.name}.",
    )
    return campaign


def _enqueue(campaign: Campaign, *, run_after: dt.datetime | None = None) -> None:
    transaction.on_commit(lambda: start_dispatch(campaign.pk, run_after=run_after))


@transaction.atomic
def start_campaign(*, campaign: Campaign, actor=None, reason: str = "") -> Campaign:
    now = timezone.now()
    if campaign.start_at and campaign.start_at > now:
        campaign = transition(
            campaign=campaign,
            to_state=S.SCHEDULED,
            actor=actor,
            reason=reason or f"Scheduled for {campaign.start_at.isoformat()}.",
        )
        lead = dt.timedelta(seconds=SCHEDULE_LEAD_SECONDS)
        _enqueue(campaign, run_after=campaign.start_at - lead)
        return campaign
    campaign = transition(
        campaign=campaign, to_state=S.RUNNING, actor=actor, reason=reason or "Started."
    )
    _enqueue(campaign)
    return campaign


@transaction.atomic
def pause_campaign(*, campaign: Campaign, actor=None, reason: str = "") -> Campaign:
    return transition(campaign=campaign, to_state=S.PAUSED, actor=actor, reason=reason or "Paused.")


@transaction.atomic
def resume_campaign(*, campaign: Campaign, actor=None, reason: str = "") -> Campaign:
    if campaign.state != S.PAUSED:
        raise TransitionError("Only a paused campaign can be resumed.")
    if campaign.started_at is None and campaign.start_at and campaign.start_at > timezone.now():
        return start_campaign(campaign=campaign, actor=actor, reason=reason or "Resumed.")
    campaign = transition(
        campaign=campaign, to_state=S.RUNNING, actor=actor, reason=reason or "Resumed."
    )
    _enqueue(campaign)
    return campaign


@transaction.atomic
def cancel_campaign(*, campaign: Campaign, actor=None, reason: str = "") -> Campaign:
    """Cancel: nothing more is sent. Calls never sent are skipped; a batch waiting for
    another try is dropped. Calls whose sending is in doubt keep waiting for their
    callback or CDR, since the provider may well have placed them."""
    campaign = transition(
        campaign=campaign, to_state=S.CANCELLED, actor=actor, reason=reason or "Cancelled."
    )
    retry_batches = DispatchBatch.objects.filter(campaign=campaign, state=BatchState.RETRY)
    Call.objects.filter(campaign=campaign, batch__in=retry_batches).update(
        state=CallState.SKIPPED, error_message="Campaign cancelled before this call was sent."
    )
    retry_batches.update(state=BatchState.REJECTED, answer={"cancelled": True})
    Call.objects.filter(campaign=campaign, state=CallState.PENDING).update(
        state=CallState.SKIPPED, error_message="Campaign cancelled before this call was sent."
    )
    return campaign

"""The campaign lifecycle: create (checked, list snapshotted), start, pause, resume,
cancel; every state change goes through campaigns.lifecycle.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from campaigns.checks import CampaignSettings, campaign_problems, dispatch_mode_for
from campaigns.left_out import LeftOut, classified_contacts, from_import_report
from campaigns.lifecycle import TransitionError, actor_or_none, transition
from campaigns.models import Call, Campaign, CampaignEvent, DispatchBatch
from campaigns.models.campaigns import BatchState, CallState, CampaignState
from campaigns.scheduling import SCHEDULE_LEAD_SECONDS
from campaigns.tasks import start_dispatch
from phonelists.models import PhoneList

S = CampaignState
SNAPSHOT_CHUNK = 5000


@dataclass
class CampaignInvalid(Exception):
    """The campaign cannot be saved; `errors` maps a field to its messages."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())


def snapshot_contacts(campaign: Campaign, phone_list: PhoneList, *, definition: dict) -> LeftOut:
    """Copy the list's contacts into Call rows, leaving out do-not-call numbers and
    contacts missing a value the flow needs (the check refused those unless the
    manager chose to leave them out). Returns whom it left out and why.

    Each Call gets its idempotency key here, before anything can be sent.
    """
    left_out = from_import_report(phone_list)
    calls: list[Call] = []
    for row, reason in classified_contacts(phone_list, definition, left_out):
        if reason is not None:
            continue
        _line, number, cli, dtmf, alternates, variables = row
        left_out.to_call += 1
        position = left_out.to_call
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
        if len(calls) >= SNAPSHOT_CHUNK:
            Call.objects.bulk_create(calls, batch_size=1000)
            calls.clear()
    Call.objects.bulk_create(calls, batch_size=1000)
    return left_out


def campaign_fields(settings: CampaignSettings, created_by) -> dict:
    """The Campaign columns the settings decide, for a campaign and a test call alike."""
    return {
        "name": settings.name,
        "flow_version": settings.flow_version,
        "account": settings.account,
        "mode": dispatch_mode_for(settings.flow_version.definition, settings.account),
        "cli": settings.cli,
        "dtmf_originator": settings.dtmf_originator,
        "max_retries": settings.max_retries,
        "ring_timeout": settings.ring_timeout,
        "retry_wait_time": settings.retry_wait_time,
        "time_zone": settings.time_zone,
        "start_at": settings.start_at,
        "window_start": settings.window.start,
        "window_end": settings.window.end,
        "window_days": sorted(settings.window.days),
        "phonon_flow_id": settings.phonon_flow_id,
        "iovox_link_id": settings.iovox_link_id,
        "public_base_url": settings.public_base_url,
        "created_by": actor_or_none(created_by),
    }


@transaction.atomic
def create_campaign(*, settings: CampaignSettings, created_by=None) -> Campaign:
    """Check everything, then save the campaign and snapshot its phone list; whom
    the list's contacts left out, and why, goes in left_out and the audit log."""
    errors = campaign_problems(settings)
    if errors:
        raise CampaignInvalid(errors)
    campaign = Campaign.objects.create(
        **campaign_fields(settings, created_by),
        phone_list_id=settings.phone_list.pk,
        phone_list_name=settings.phone_list.name,
    )
    left_out = snapshot_contacts(
        campaign, settings.phone_list, definition=settings.flow_version.definition
    )
    campaign.total_calls = left_out.to_call
    if not campaign.total_calls:
        raise CampaignInvalid(
            {
                "phone_list": [
                    gettext("No contact of this list is left to call: %(reasons)s.")
                    % {"reasons": ", ".join(left_out.reasons())}
                ]
            }
        )
    campaign.left_out = left_out.counts
    campaign.save(update_fields=["total_calls", "left_out"])
    CampaignEvent.objects.create(
        campaign=campaign,
        to_state=S.DRAFT,
        actor=actor_or_none(created_by),
        reason=left_out.sentence(settings.phone_list.name),
    )
    return campaign


@transaction.atomic
def create_test_call(
    *, settings: CampaignSettings, number: str, variables: dict[str, str], created_by
) -> Campaign:
    """A one-number campaign, flagged as a test call, then started: the chosen flow
    version, account and settings go through the same checks, builders and dispatch
    as the campaign will, so what is heard is what the campaign will send. The
    settings' phone list is not copied (a test call calls ``number`` alone)."""
    errors = campaign_problems(dataclasses.replace(settings, phone_list=None))
    if errors:
        raise CampaignInvalid(errors)
    campaign = Campaign.objects.create(
        **campaign_fields(settings, created_by),
        is_test_call=True,
        total_calls=1,
    )
    Call.objects.create(
        campaign=campaign,
        position=1,
        idempotency_key=f"ds-{campaign.key}-1",
        number=number,
        variables=variables,
    )
    CampaignEvent.objects.create(
        campaign=campaign,
        to_state=S.DRAFT,
        actor=actor_or_none(created_by),
        reason=f"Test call to {number}.",
    )
    return start_campaign(campaign=campaign, actor=created_by, reason="Test call started.")


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

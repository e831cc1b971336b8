"""A campaign's states: every change guarded by the state machine and written to the
audit log in the same transaction, under a row lock."""

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, CampaignEvent
from campaigns.models.campaigns import CampaignState

S = CampaignState
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.SCHEDULED, S.RUNNING, S.CANCELLED),
    S.SCHEDULED: (S.RUNNING, S.PAUSED, S.CANCELLED, S.FAILED),
    S.RUNNING: (S.PAUSED, S.COMPLETED, S.CANCELLED, S.FAILED),
    S.PAUSED: (S.RUNNING, S.SCHEDULED, S.CANCELLED),
}


class TransitionError(Exception):
    """A state change the state machine does not allow, in plain words."""


def allowed(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, ())


def actor_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@transaction.atomic
def transition(*, campaign: Campaign, to_state: str, actor=None, reason: str = "") -> Campaign:
    """Move the campaign to `to_state` if the state machine allows it from where it is
    now (read under a row lock, so two people pressing buttons cannot race)."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not allowed(locked.state, to_state):
        raise TransitionError(
            f"A {locked.get_state_display().lower()} campaign cannot become "
            f"{CampaignState(to_state).label.lower()}."
        )
    CampaignEvent.objects.create(
        campaign=locked,
        from_state=locked.state,
        to_state=to_state,
        actor=actor_or_none(actor),
        reason=reason,
    )
    locked.state = to_state
    fields = ["state"]
    now = timezone.now()
    if to_state == S.RUNNING and locked.started_at is None:
        locked.started_at = now
        fields.append("started_at")
    if locked.is_final:
        locked.finished_at = now
        fields.append("finished_at")
    locked.save(update_fields=fields)
    campaign.refresh_from_db()
    return locked


def record_note(*, campaign: Campaign, reason: str, actor=None) -> None:
    """An audit entry that is not a state change (e.g. a Paycall stage done)."""
    CampaignEvent.objects.create(
        campaign=campaign,
        from_state=campaign.state,
        to_state=campaign.state,
        actor=actor_or_none(actor),
        reason=reason,
    )

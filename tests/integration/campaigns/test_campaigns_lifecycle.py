"""The campaign state machine, its audit log, the snapshot and the creation checks."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.checks import CampaignSettings, campaign_problems
from campaigns.lifecycle import TransitionError
from campaigns.models import Call, CampaignEvent
from campaigns.models.campaigns import CallState, CampaignState
from campaigns.services import (
    cancel_campaign,
    create_campaign,
    pause_campaign,
    resume_campaign,
    start_campaign,
)
from flows.models import Flow, FlowVersion
from phonelists.models import DoNotCall

from .conftest import PHONON_FLOW_ID, make_phone_list


def settings_for(flow_version, phone_list, account, **changes):
    values = dict(
        name="Check",
        flow_version=flow_version,
        account=account,
        phone_list=phone_list,
        phonon_flow_id=PHONON_FLOW_ID,
    )
    values.update(changes)
    return CampaignSettings(**values)


def test_states_change_only_along_the_machine_and_each_change_is_logged(
    draft_campaign, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        start_campaign(campaign=draft_campaign, actor=manager, reason="Go")
    pause_campaign(campaign=draft_campaign, actor=manager, reason="Lunch")
    with pytest.raises(TransitionError, match="paused campaign cannot become paused"):
        pause_campaign(campaign=draft_campaign, actor=manager)
    with django_capture_on_commit_callbacks():
        resume_campaign(campaign=draft_campaign, actor=manager)
    cancel_campaign(campaign=draft_campaign, actor=manager, reason="Wrong list")
    with pytest.raises(TransitionError):
        start_campaign(campaign=draft_campaign, actor=manager)
    log = list(
        CampaignEvent.objects.filter(campaign=draft_campaign).values_list(
            "from_state", "to_state", "actor__username", "reason"
        )
    )
    assert log[1:] == [
        ("draft", "running", "max", "Go"),
        ("running", "paused", "max", "Lunch"),
        ("paused", "running", "max", "Resumed."),
        ("running", "cancelled", "max", "Wrong list"),
    ]
    draft_campaign.refresh_from_db()
    assert draft_campaign.finished_at is not None
    # Cancelled before anything was sent: nobody will be called.
    assert set(Call.objects.values_list("state", flat=True)) == {CallState.SKIPPED}


def test_a_future_start_schedules_the_campaign(draft_campaign, manager):
    draft_campaign.start_at = timezone.now() + dt.timedelta(hours=2)
    draft_campaign.save()
    start_campaign(campaign=draft_campaign, actor=manager)
    draft_campaign.refresh_from_db()
    assert draft_campaign.state == CampaignState.SCHEDULED


def test_the_snapshot_leaves_out_do_not_call_numbers_and_keys_each_call(
    flow_version, offline_phonon_account
):
    phone_list = make_phone_list(4)
    DoNotCall.objects.create(number="+972500000002")
    campaign = create_campaign(
        settings=settings_for(flow_version, phone_list, offline_phonon_account)
    )
    numbers = list(Call.objects.filter(campaign=campaign).values_list("number", flat=True))
    assert numbers == ["+972500000000", "+972500000001", "+972500000003"]
    keys = set(Call.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == 3 and all(key.startswith(f"ds-{campaign.key}-") for key in keys)
    assert campaign.total_calls == 3


def test_a_flow_with_lint_errors_cannot_be_used(phone_list, offline_phonon_account):
    flow = Flow.objects.create(name="Broken")
    broken = FlowVersion.objects.create(
        flow=flow,
        number=1,
        definition={"schema_version": 1, "count_steps": 0, "have_dependency": "true", "steps": []},
    )
    errors = campaign_problems(settings_for(broken, phone_list, offline_phonon_account))
    assert "flow_version" in errors


def test_the_account_must_suit_the_flow(flow_version, phone_list, offline_phonon_account):
    errors = campaign_problems(
        settings_for(flow_version, phone_list, offline_phonon_account, phonon_flow_id="ABCDEFGH")
    )
    assert errors["phonon_flow_id"] == [
        "The account has no security-id for flow ABCDEFGH; add it to the account."
    ]
    errors = campaign_problems(
        settings_for(flow_version, phone_list, offline_phonon_account, iovox_link_id="link1")
    )
    assert errors["iovox_link_id"] == ["A link id is only for iovox accounts."]


def test_values_are_checked(flow_version, phone_list, offline_phonon_account):
    errors = campaign_problems(
        settings_for(
            flow_version,
            phone_list,
            offline_phonon_account,
            cli="call me",
            dtmf_originator="12x",
            max_retries=10001,
            start_at=timezone.now() - dt.timedelta(minutes=1),
            time_zone="Mars/Olympus",
        )
    )
    assert set(errors) >= {"cli", "dtmf_originator", "max_retries", "start_at", "time_zone"}


def test_contacts_must_have_the_values_the_flow_needs(phone_list, offline_phonon_account):
    from .conftest import MENU_FLOW

    definition = {**MENU_FLOW, "variables": [{"name": "first_name", "description": ""}]}
    flow = Flow.objects.create(name="Needs names")
    version = FlowVersion.objects.create(flow=flow, number=1, definition=definition)
    phone_list.contacts.filter(line_number=2).update(variables={})
    errors = campaign_problems(settings_for(version, phone_list, offline_phonon_account))
    assert errors["phone_list"] == [
        "1 contact has no value for first_name, and the flow gives no default: "
        "line 2 (+972500000001). Fill the cells, give the variable a default in the "
        'flow, or tick "Leave those contacts out".'
    ]

"""Dispatch against the sandbox over real HTTP, one round at a time: retries with
backoff, refusals with the provider's reason, replays the provider recognises, iovox
calls in doubt never resent, dead workers' batches reconciled, pause within a batch."""

import datetime as dt

from django.utils import timezone

from campaigns.callback_urls import status_callback_url
from campaigns.checks import CampaignSettings
from campaigns.dispatch import claim_new, dispatch_round, replay_delay
from campaigns.lifecycle import transition
from campaigns.models import Call, DispatchBatch
from campaigns.models.campaigns import BatchState, CallState, CampaignState
from campaigns.services import create_campaign, pause_campaign
from sandbox.models import LedgerCall
from tests.integration.campaigns.conftest import (
    IOVOX_LINK,
    PHONON_FLOW_ID,
    iovox_setup,
    phonon_setup,
    run_queue,
)


def running(live_server, flow_version, phone_list, account, **extra):
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Dispatch",
            flow_version=flow_version,
            account=account,
            phone_list=phone_list,
            public_base_url=live_server.url,
            **extra,
        )
    )
    return transition(campaign=campaign, to_state=CampaignState.RUNNING, reason="test")


def states(campaign) -> set[str]:
    return set(Call.objects.filter(campaign=campaign).values_list("state", flat=True))


def later(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_a_server_error_is_retried_with_backoff(live_server, flow_version, phone_list):
    sandbox, account = phonon_setup(live_server.url, error_rates={"500": 1.0})
    campaign = running(
        live_server, flow_version, phone_list, account, phonon_flow_id=PHONON_FLOW_ID
    )
    dispatch_round(campaign.pk)
    batch = DispatchBatch.objects.get()
    assert batch.state == BatchState.RETRY and batch.answer["error"]["name"] == "FAILURE"
    assert states(campaign) == {CallState.SENDING}
    assert dispatch_round(campaign.pk).idle  # not due yet: backing off
    sandbox.error_rates = {}
    sandbox.save()
    dispatch_round(campaign.pk, now=later(5))
    assert states(campaign) == {CallState.ACCEPTED}
    assert LedgerCall.objects.count() == 6
    batch.refresh_from_db()
    assert (batch.state, batch.attempts) == (BatchState.ACCEPTED, 2)


def test_a_refusal_fails_the_calls_with_the_providers_reason(live_server, flow_version, phone_list):
    _, account = phonon_setup(live_server.url)
    account.credentials = {**account.credentials, "security_ids": {PHONON_FLOW_ID: "W" * 64}}
    account.save()
    campaign = running(
        live_server, flow_version, phone_list, account, phonon_flow_id=PHONON_FLOW_ID
    )
    dispatch_round(campaign.pk)
    call = Call.objects.filter(campaign=campaign).first()
    assert (call.state, call.error_code) == (CallState.FAILED, "INVALID_SECURITY_ID")
    assert "security-id" in call.error_message
    assert not LedgerCall.objects.exists()


def test_a_lost_answer_is_replayed_and_recognised_not_resent(live_server, flow_version, phone_list):
    sandbox, account = phonon_setup(live_server.url, drop_rate=1.0)
    campaign = running(
        live_server, flow_version, phone_list, account, phonon_flow_id=PHONON_FLOW_ID
    )
    dispatch_round(campaign.pk)
    batch = DispatchBatch.objects.get()
    assert batch.state == BatchState.UNCERTAIN
    assert LedgerCall.objects.count() == 6  # the sandbox took them; we never heard
    sandbox.drop_rate = 0
    sandbox.save()
    assert dispatch_round(campaign.pk).idle  # waits out the provider's processing time
    report = dispatch_round(campaign.pk, now=later(replay_delay(account) + 1))
    assert report.duplicates == 6
    assert states(campaign) == {CallState.ACCEPTED}
    assert Call.objects.filter(duplicate_at_provider=True).count() == 6
    assert LedgerCall.objects.count() == 6


def test_a_dead_workers_batch_is_reconciled_after_its_lease(live_server, flow_version, phone_list):
    _, account = phonon_setup(live_server.url)
    campaign = running(
        live_server, flow_version, phone_list, account, phonon_flow_id=PHONON_FLOW_ID
    )
    now = timezone.now()
    claimed = claim_new(campaign, now, now)  # recorded, then the worker "dies"
    assert claimed.batch.state == BatchState.SENDING
    assert dispatch_round(campaign.pk).idle  # the lease still runs: hands off
    dispatch_round(campaign.pk, now=later(60))
    assert states(campaign) == {CallState.ACCEPTED}
    assert LedgerCall.objects.count() == 6


def test_pause_stops_further_sends_within_one_batch(
    live_server, flow_version, phone_list, settings
):
    settings.CAMPAIGN_CALLS_PER_REQUEST = 2
    _, account = phonon_setup(live_server.url)
    campaign = running(
        live_server, flow_version, phone_list, account, phonon_flow_id=PHONON_FLOW_ID
    )
    dispatch_round(campaign.pk)
    pause_campaign(campaign=campaign)
    assert dispatch_round(campaign.pk).stop
    assert LedgerCall.objects.count() == 2
    assert Call.objects.filter(state=CallState.PENDING).count() == 4


def test_an_iovox_call_in_doubt_is_not_resent_and_its_callback_settles_it(
    live_server, flow_version, phone_list
):
    sandbox, account = iovox_setup(live_server.url, drop_rate=1.0)
    campaign = running(live_server, flow_version, phone_list, account, iovox_link_id=IOVOX_LINK)
    sandbox.callback_url = status_callback_url(campaign)
    sandbox.save()
    dispatch_round(campaign.pk)
    first = Call.objects.get(campaign=campaign, position=1)
    assert first.state == CallState.SENDING
    assert first.batch.state == BatchState.UNCERTAIN and first.batch.next_attempt_at is None
    sandbox.drop_rate = 0
    sandbox.save()
    for _ in range(6):
        dispatch_round(campaign.pk, now=later(3600))
    assert LedgerCall.objects.filter(number="972500000000").count() == 1  # never resent
    run_queue()  # the sandbox reports the call it did place
    first.refresh_from_db()
    assert first.state == CallState.COMPLETED
    assert first.batch.state == BatchState.ACCEPTED
    assert LedgerCall.objects.count() == 6

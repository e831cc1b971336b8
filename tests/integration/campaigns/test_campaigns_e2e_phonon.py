"""A Phonon campaign end to end over real HTTP: create, start, the real task queue,
the sandbox's ledger and simulated calls, signed status callbacks, CDRs."""

from campaigns.callback_urls import status_callback_url
from campaigns.checks import CampaignSettings
from campaigns.models import Call, Campaign, Cdr
from campaigns.models.campaigns import CallState, CampaignState
from campaigns.services import create_campaign, start_campaign
from sandbox.models import LedgerCall

from .conftest import PHONON_FLOW_ID, make_phone_list, phonon_setup, run_queue


def phonon_campaign(live_server, flow_version, phone_list, user, **knobs):
    sandbox, account = phonon_setup(live_server.url, **knobs)
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Reminders",
            flow_version=flow_version,
            account=account,
            phone_list=phone_list,
            phonon_flow_id=PHONON_FLOW_ID,
            public_base_url=live_server.url,
        ),
        created_by=user,
    )
    sandbox.callback_url = status_callback_url(campaign)
    sandbox.save()
    return sandbox, campaign


def test_every_contact_is_called_once_and_reported(live_server, flow_version, phone_list, manager):
    sandbox, campaign = phonon_campaign(live_server, flow_version, phone_list, manager)
    start_campaign(campaign=campaign, actor=manager)
    run_queue()

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    ledger = list(
        LedgerCall.objects.filter(account=sandbox).values_list("client_identifier", flat=True)
    )
    keys = set(Call.objects.filter(campaign=campaign).values_list("idempotency_key", flat=True))
    assert sorted(ledger) == sorted(keys)
    assert Cdr.objects.filter(campaign=campaign).count() == 6
    assert set(Call.objects.filter(campaign=campaign).values_list("state", flat=True)) == {
        CallState.COMPLETED
    }
    # The variable went to Phonon as a flow key.
    first = LedgerCall.objects.filter(account=sandbox).order_by("client_identifier").first()
    assert {"name": "$flow.key.first_name", "value": "Name0"} in first.variables["keys"]
    states = list(campaign.events.values_list("from_state", "to_state", "actor__username"))
    assert states[:2] == [("", "draft", "max"), ("draft", "running", "max")]
    assert states[-1][1] == "completed"


def test_a_repeated_callback_changes_nothing(live_server, flow_version, manager, client):
    phone_list = make_phone_list(1)
    sandbox, campaign = phonon_campaign(live_server, flow_version, phone_list, manager)
    start_campaign(campaign=campaign, actor=manager)
    run_queue()
    call = LedgerCall.objects.get(account=sandbox)
    from sandbox.callbacks import deliver

    before = list(Cdr.objects.values_list("pk", "hangup_cause", "received_at"))
    deliver([call])
    assert call.callback_status == "delivered: HTTP 200"
    assert list(Cdr.objects.values_list("pk", "hangup_cause", "received_at")) == before


def test_callbacks_need_the_right_token_and_signature(live_server, flow_version, manager, client):
    phone_list = make_phone_list(1)
    _, campaign = phonon_campaign(live_server, flow_version, phone_list, manager)
    url = status_callback_url(campaign).removeprefix(live_server.url)
    wrong = url.replace(campaign.webhook_token, "x" * len(campaign.webhook_token))
    assert client.post(wrong, b"{}", content_type="application/json").status_code == 404
    unsigned = client.post(url, b"{}", content_type="application/json")
    assert unsigned.status_code == 400
    assert "X-Dialer-Signature" in unsigned.json()["error"]
    assert Campaign.objects.get(pk=campaign.pk).cdrs.count() == 0

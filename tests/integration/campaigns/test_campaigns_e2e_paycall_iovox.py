"""Paycall (one dialer per contact, and one queued campaign) and iovox campaigns end to
end over real HTTP against the sandbox, with the real task queue."""

from campaigns.callback_urls import status_callback_url
from campaigns.checks import CampaignSettings
from campaigns.models import Call, Cdr
from campaigns.models.campaigns import CallState, CampaignState, DispatchMode, PaycallStage
from campaigns.services import create_campaign, start_campaign
from campaigns.tasks import fetch_paycall_cdrs
from flows.models import Flow, FlowVersion
from phonelists.models import DoNotCall
from sandbox.models import CalleeScript, LedgerCall, PaycallCampaign

from .conftest import IOVOX_LINK, iovox_setup, paycall_setup, run_queue


def test_paycall_per_contact_when_prompts_use_contact_variables(
    live_server, flow_version, phone_list, manager
):
    sandbox, account = paycall_setup(live_server.url)
    CalleeScript.objects.create(number="+972500000001", keys=["2"])
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Per contact",
            flow_version=flow_version,
            account=account,
            phone_list=phone_list,
            public_base_url=live_server.url,
            cli="031234567",
        ),
        created_by=manager,
    )
    assert campaign.mode == DispatchMode.PAYCALL_PER_CONTACT
    start_campaign(campaign=campaign, actor=manager)
    run_queue()

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    remote = PaycallCampaign.objects.filter(account=sandbox)
    assert remote.count() == 6
    first = remote.get(unique_id=Call.objects.get(campaign=campaign, position=1).idempotency_key)
    assert "Name0" in first.request["ivr"]["steps"][0]["prompt"]
    assert first.request["cli"] == "031234567"
    assert LedgerCall.objects.filter(account=sandbox).count() == 6
    assert Cdr.objects.filter(campaign=campaign).count() == 6
    # Contact 2 pressed 2, which marks the number remove: it is now do-not-call.
    assert DoNotCall.objects.filter(number="+972500000001").exists()


def test_paycall_queued_campaign_when_prompts_are_the_same(
    live_server, plain_flow_version, phone_list, manager
):
    sandbox, account = paycall_setup(live_server.url)
    removed = "+972500000003"
    CalleeScript.objects.create(number=removed, keys=["2"])
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
    assert campaign.paycall_stage == PaycallStage.STARTED
    assert campaign.state == CampaignState.COMPLETED
    remote = PaycallCampaign.objects.get(account=sandbox)
    assert remote.unique_id == campaign.paycall_unique_id
    assert remote.request["numbers_from_queue"] == "true"
    assert len(remote.numbers) == 6
    assert LedgerCall.objects.filter(account=sandbox).count() == 6
    cdrs = Cdr.objects.filter(campaign=campaign)
    assert cdrs.count() == 6
    pressed_two = cdrs.get(phone_number__endswith="0000003")
    assert pressed_two.keys == ";menu:2;", (pressed_two.source, pressed_two.steps)
    assert pressed_two.marked_remove
    assert DoNotCall.objects.filter(number=removed).exists()
    # The final CDR file fills the times the steps report lacks.
    assert cdrs.filter(start_time__isnull=False).count() == 6


def test_iovox_campaign(live_server, flow_version, phone_list, manager):
    sandbox, account = iovox_setup(live_server.url)
    campaign = create_campaign(
        settings=CampaignSettings(
            name="iovox",
            flow_version=flow_version,
            account=account,
            phone_list=phone_list,
            iovox_link_id=IOVOX_LINK,
            public_base_url=live_server.url,
            dtmf_originator="W1",
        ),
        created_by=manager,
    )
    sandbox.callback_url = status_callback_url(campaign)
    sandbox.save()
    start_campaign(campaign=campaign, actor=manager)
    run_queue()

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    ledger = LedgerCall.objects.filter(account=sandbox)
    assert ledger.count() == 6
    keys = sorted(row.variables["dialer_call_id"] for row in ledger)
    assert keys == sorted(Call.objects.values_list("idempotency_key", flat=True))
    assert {row.variables["call_destination"][-2:] for row in ledger} == {",1"}
    assert set(Call.objects.values_list("state", flat=True)) == {CallState.COMPLETED}


def test_paycall_simple_dialer_for_a_message_flow(live_server, phone_list, manager):
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
    sandbox, account = paycall_setup(live_server.url)
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
    # The simple dialer has no return_address: its results come from the CDR file,
    # fetched every minute while the campaign runs.
    fetch_paycall_cdrs(campaign)

    campaign.refresh_from_db()
    remote = PaycallCampaign.objects.get(account=sandbox)
    assert remote.kind == "simple" and remote.request["from_campaign"] == "true"
    assert remote.request["sound"] == "Your appointment is at 9."
    assert LedgerCall.objects.filter(account=sandbox).count() == 6
    assert campaign.state == CampaignState.COMPLETED
    assert Cdr.objects.filter(campaign=campaign).count() == 6

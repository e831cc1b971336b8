"""What a person previews is what is sent, for every provider and dispatch mode.

A small campaign runs against the sandbox over real HTTP; the bytes its client put on
the wire for one contact are compared with the text the flow's Preview tab shows for
that contact and campaign. The one allowed difference is named where it applies:
the account's secrets, masked in the preview, and Phonon's start-time, which is the
moment of sending.
"""

import html
import json
import re

import pytest
from cryptography.hazmat.primitives import serialization

from campaigns.checks import CampaignSettings
from campaigns.dispatch import dispatch_round
from campaigns.models import Call, ProviderAccount
from campaigns.models.campaigns import DispatchMode
from campaigns.services import create_campaign, start_campaign
from flows.models import Flow, FlowVersion
from providers import get_client
from providers.base import MASK
from providers.phonon.encryption import load_private_key, open_envelope
from sandbox import registry

from .conftest import (
    IOVOX_LINK,
    PHONON_FLOW_ID,
    PHONON_SECURITY_ID,
    iovox_setup,
    make_phone_list,
    paycall_setup,
    phonon_setup,
)

MESSAGE_FLOW = {
    "schema_version": 1,
    "name": "Clinic closed",
    "description": "",
    "count_steps": 1,
    "have_dependency": "false",
    "steps": [
        {"step_id": "message", "gender": "female", "prompt": "The clinic is closed on Friday."}
    ],
    "variables": [],
}
START_TIME = re.compile(r'"start-time": "[^"]*"')


def preview_text(client, campaign, call) -> str:
    """The text of the Preview tab's code block for this campaign and contact."""
    flow = campaign.flow_version.flow
    page = client.get(
        f"/flows/{flow.pk}/preview/", {"campaign": campaign.pk, "number": call.number}
    )
    assert page.status_code == 200
    block = re.search(
        rf'<pre class="code" id="code-campaign-{campaign.pk}"[^>]*><code>(.*?)</code></pre>',
        page.content.decode(),
        re.S,
    )
    assert block, "the Preview tab shows no request for this campaign"
    return html.unescape(re.sub(r"<[^>]+>", "", block.group(1)))


def run_with_wire(campaign) -> dict[str, list[bytes]]:
    """Dispatch every round with a client that notes each request body by path."""
    client = get_client(campaign.account)
    sent: dict[str, list[bytes]] = {}

    def note(response, *args, **kwargs):
        path = response.request.path_url.split("?")[0].split("/sandbox/", 1)[1]
        sent.setdefault(path, []).append(response.request.body or b"")

    client.session.hooks["response"].append(note)
    for _ in range(20):
        report = dispatch_round(campaign.pk, client=client, parallel=1)
        if report.idle or report.stop:
            break
    return sent


def campaign_for(account, flow_version, phone_list, manager, **extra):
    campaign = create_campaign(
        settings=CampaignSettings(
            name=f"Preview check {account.kind}",
            flow_version=flow_version,
            account=account,
            phone_list=phone_list,
            public_base_url="http://testserver",
            **extra,
        ),
        created_by=manager,
    )
    start_campaign(campaign=campaign, actor=manager)
    return campaign


@pytest.fixture
def small_list(db):
    return make_phone_list(2)


def test_paycall_per_contact(live_server, flow_version, small_list, manager, manager_client):
    _, account = paycall_setup(live_server.url)
    campaign = campaign_for(account, flow_version, small_list, manager, cli="031234567")
    assert campaign.mode == DispatchMode.PAYCALL_PER_CONTACT
    sent = run_with_wire(campaign)
    calls = Call.objects.filter(campaign=campaign).order_by("position")
    assert len(sent["paycall/v2/calls/dialer"]) == 2
    for call, body in zip(calls, sent["paycall/v2/calls/dialer"], strict=True):
        assert body == preview_text(manager_client, campaign, call).encode()


def test_paycall_queued(
    live_server, plain_flow_version, small_list, manager, manager_client, designer_client
):
    _, account = paycall_setup(live_server.url)
    campaign = campaign_for(account, plain_flow_version, small_list, manager)
    assert campaign.mode == DispatchMode.PAYCALL_QUEUE
    sent = run_with_wire(campaign)
    (body,) = sent["paycall/v2/calls/dialer"]
    call = Call.objects.filter(campaign=campaign).first()
    assert body == preview_text(manager_client, campaign, call).encode()
    # Who may not see the campaign's webhook addresses sees its token masked.
    shown = preview_text(designer_client, campaign, call)
    assert campaign.webhook_token not in shown
    assert shown.replace(MASK, campaign.webhook_token).encode() == body


def test_paycall_simple_dialer(live_server, small_list, manager, manager_client):
    flow = Flow.objects.create(name="Closed")
    version = FlowVersion.objects.create(flow=flow, number=1, definition=MESSAGE_FLOW)
    _, account = paycall_setup(live_server.url)
    campaign = campaign_for(account, version, small_list, manager)
    assert campaign.mode == DispatchMode.PAYCALL_SIMPLE
    sent = run_with_wire(campaign)
    (body,) = sent["paycall/v2/calls/simple_dialer"]
    call = Call.objects.filter(campaign=campaign).first()
    assert body == preview_text(manager_client, campaign, call).encode()


def same_but_start_time(sent: bytes, shown: str) -> None:
    """Equal once the masked security-id is the account's and the start-time is the
    moment of sending (the allowed difference)."""
    stamp = START_TIME.search(sent.decode()).group(0)
    expected = START_TIME.sub(stamp, shown).replace(MASK, PHONON_SECURITY_ID)
    assert sent == expected.encode()


def test_phonon_plain(live_server, flow_version, small_list, manager, manager_client, settings):
    settings.CAMPAIGN_CALLS_PER_REQUEST = 1
    _, account = phonon_setup(live_server.url)
    campaign = campaign_for(
        account, flow_version, small_list, manager, phonon_flow_id=PHONON_FLOW_ID
    )
    sent = run_with_wire(campaign)
    bodies = sent["phonon/kairos-apis/outbounddialer/create"]
    calls = Call.objects.filter(campaign=campaign).order_by("position")
    assert len(bodies) == 2
    for call, body in zip(calls, bodies, strict=True):
        same_but_start_time(body, preview_text(manager_client, campaign, call))


def test_phonon_encrypted(live_server, flow_version, small_list, manager, manager_client, settings):
    settings.CAMPAIGN_CALLS_PER_REQUEST = 1
    sandbox = registry.phonon_account(
        name="Phonon encrypted sandbox", flows={PHONON_FLOW_ID: PHONON_SECURITY_ID}, key_bits=2048
    )
    public = (
        load_private_key(sandbox.private_key_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    account = ProviderAccount.objects.create(
        kind="phonon_encrypted",
        name="Phonon encrypted test",
        base_url=f"{live_server.url}/sandbox/phonon",
        credentials={
            "security_ids": {PHONON_FLOW_ID: PHONON_SECURITY_ID},
            "public_key_pem": public.decode(),
        },
        encryption_scheme=sandbox.encryption_scheme,
        read_timeout=5,
        connect_timeout=2,
    )
    campaign = campaign_for(
        account, flow_version, small_list, manager, phonon_flow_id=PHONON_FLOW_ID
    )
    sent = run_with_wire(campaign)
    envelopes = sent["phonon/kairos-apis/enc/outbound/create"]
    calls = Call.objects.filter(campaign=campaign).order_by("position")
    assert len(envelopes) == 2
    for call, envelope in zip(calls, envelopes, strict=True):
        plaintext = open_envelope(
            json.loads(envelope),
            private_key_pem=sandbox.private_key_pem,
            scheme=sandbox.encryption_scheme,
        )
        same_but_start_time(plaintext, preview_text(manager_client, campaign, call))


def test_iovox(live_server, flow_version, small_list, manager, manager_client):
    _, account = iovox_setup(live_server.url)
    campaign = campaign_for(account, flow_version, small_list, manager, iovox_link_id=IOVOX_LINK)
    sent = run_with_wire(campaign)
    bodies = sent["iovox/Calling"]
    calls = Call.objects.filter(campaign=campaign).order_by("position")
    assert len(bodies) == 2
    for call, body in zip(calls, bodies, strict=True):
        assert body == preview_text(manager_client, campaign, call).encode()
        assert f"<dialer_call_id>{call.idempotency_key}</dialer_call_id>".encode() in body

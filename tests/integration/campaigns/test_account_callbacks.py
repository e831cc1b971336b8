"""One callback address per provider account: Phonon (plain and encrypted) and iovox
report every call there, as configured once in the provider's console, and each report
reaches its own campaign by the call's id. Real HTTP against the sandbox, the real
task queue; no campaign names an address of its own."""

import json

import pytest

from campaigns.callback_urls import account_status_callback_url
from campaigns.checks import CampaignSettings
from campaigns.models import Call, Cdr, ProviderAccount
from campaigns.models.campaigns import CallState, CampaignState
from campaigns.services import create_campaign, start_campaign
from providers.callbacks import SIGNATURE_HEADER, sign
from sandbox import registry
from sandbox.models import LedgerCall

from .conftest import (
    IOVOX_LINK,
    PHONON_FLOW_ID,
    PHONON_SECURITY_ID,
    iovox_setup,
    make_phone_list,
    phonon_setup,
    run_queue,
)

pytestmark = pytest.mark.django_db(transaction=True)


def phonon_encrypted_setup(base_url: str):
    sandbox = registry.phonon_account(
        name="Phonon encrypted sandbox", flows={PHONON_FLOW_ID: PHONON_SECURITY_ID}, key_bits=2048
    )
    account = ProviderAccount.objects.create(
        kind="phonon_encrypted",
        name="Phonon encrypted test",
        base_url=f"{base_url}/sandbox/phonon",
        credentials={
            "security_ids": {PHONON_FLOW_ID: PHONON_SECURITY_ID},
            "public_key_pem": registry.public_key_of(sandbox),
            "callback_secret": sandbox.callback_secret,
        },
        read_timeout=5,
        connect_timeout=2,
    )
    return sandbox, account


SETUPS = {"phonon": phonon_setup, "phonon_encrypted": phonon_encrypted_setup, "iovox": iovox_setup}


def account_reporting_to_itself(kind: str, base_url: str):
    """The sandbox account told the provider account's one address, as a person pastes
    it into the provider's console."""
    sandbox, account = SETUPS[kind](base_url)
    sandbox.callback_url = account_status_callback_url(account)
    sandbox.save()
    return sandbox, account


def campaign_on(account, flow_version, phone_list, user, name: str):
    at_provider = (
        {"iovox_link_id": IOVOX_LINK}
        if account.kind == "iovox"
        else {"phonon_flow_id": PHONON_FLOW_ID}
    )
    return create_campaign(
        settings=CampaignSettings(
            name=name, flow_version=flow_version, account=account, phone_list=phone_list,
            **at_provider,
        ),
        created_by=user,
    )  # fmt: skip


def assert_finished_with_results(campaign, count: int) -> None:
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    calls = Call.objects.filter(campaign=campaign)
    assert set(calls.values_list("state", flat=True)) == {CallState.COMPLETED}
    cdrs = Cdr.objects.filter(campaign=campaign)
    assert cdrs.count() == count
    # Each CDR is its own call's, from the provider's callback.
    assert set(cdrs.values_list("source", flat=True)) == {"callback"}
    assert all(cdr.call.campaign_id == campaign.pk for cdr in cdrs.select_related("call"))
    assert {cdr.call_id for cdr in cdrs} == set(calls.values_list("pk", flat=True))


@pytest.mark.parametrize("kind", ["phonon", "phonon_encrypted", "iovox"])
def test_a_campaign_ends_with_results_through_the_account_address(
    kind, live_server, flow_version, phone_list, manager
):
    sandbox, account = account_reporting_to_itself(kind, live_server.url)
    campaign = campaign_on(account, flow_version, phone_list, manager, "Reminders")
    start_campaign(campaign=campaign, actor=manager)
    run_queue()

    assert_finished_with_results(campaign, 6)
    ledger = LedgerCall.objects.filter(account=sandbox)
    assert ledger.count() == 6
    assert {call.callback_status for call in ledger} == {"delivered: HTTP 200"}
    # The requests carry no callback address: the provider's console holds it.
    assert not any((call.variables or {}).get("callback_url") for call in ledger)


@pytest.mark.parametrize("kind", ["phonon", "iovox"])
def test_two_campaigns_on_one_account_each_get_their_own_reports(
    kind, live_server, flow_version, manager
):
    _, account = account_reporting_to_itself(kind, live_server.url)
    # The same numbers in both: only the calls' ids tell the reports apart.
    first = campaign_on(account, flow_version, make_phone_list(3, name="A"), manager, "First")
    second = campaign_on(account, flow_version, make_phone_list(3, name="B"), manager, "Second")
    start_campaign(campaign=first, actor=manager)
    start_campaign(campaign=second, actor=manager)
    run_queue()

    assert_finished_with_results(first, 3)
    assert_finished_with_results(second, 3)


def post_signed(client, url: str, body: dict, secret: str):
    raw = json.dumps(body).encode()
    return client.post(
        url,
        raw,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(raw, secret)},
    )


def report(**changes) -> dict:
    return {
        "event": "call.completed",
        "provider": "iovox",
        "call_id": "unknown-call",
        "client_identifier": IOVOX_LINK,
        "request_id": "",
        "number": "972599999999",
        "status": "answered",
        "hangup_cause": "NORMAL_CLEARING",
        "start_time": "2026-11-23T18:30:00+00:00",
        "answer_time": "2026-11-23T18:30:07+00:00",
        "hangup_time": "2026-11-23T18:30:41+00:00",
        "duration": 41,
        "billsec": 34,
        "keys_pressed": [],
        "steps": {},
    } | changes


@pytest.fixture
def iovox_account(live_server):
    return iovox_setup(live_server.url)[1]


def path_of(account, live_server) -> str:
    return account_status_callback_url(account).removeprefix(live_server.url)


def test_a_wrong_token_is_404_and_a_bad_signature_400(client, iovox_account, live_server):
    url = path_of(iovox_account, live_server)
    secret = iovox_account.credentials["callback_secret"]
    token = iovox_account.callback_token
    wrong = url.replace(token, "x" * len(token))
    assert post_signed(client, wrong, report(), secret).status_code == 404
    unknown_account = url.replace(f"/{iovox_account.pk}/", f"/{iovox_account.pk + 100}/")
    assert post_signed(client, unknown_account, report(), secret).status_code == 404
    assert client.get(url).status_code == 405
    bad = post_signed(client, url, report(), "not-the-secret")
    assert bad.status_code == 400
    assert "signature" in bad.json()["error"]
    assert not Cdr.objects.exists()


def test_a_report_on_no_known_call_is_answered_200_unmatched(client, iovox_account, live_server):
    answer = post_signed(
        client,
        path_of(iovox_account, live_server),
        report(),
        iovox_account.credentials["callback_secret"],
    )
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "matched": False, "duplicate": False}
    assert not Cdr.objects.exists()


def test_a_call_in_doubt_is_found_by_its_number_in_the_oldest_running_campaign(
    client, iovox_account, live_server, flow_version, manager
):
    """An iovox call whose answer was lost never learned its call_id."""
    older = campaign_on(iovox_account, flow_version, make_phone_list(2, name="A"), manager, "1")
    newer = campaign_on(iovox_account, flow_version, make_phone_list(2, name="B"), manager, "2")
    for campaign in (older, newer):
        campaign.state = CampaignState.RUNNING
        campaign.save()
        Call.objects.filter(campaign=campaign).update(state=CallState.SENDING)
    number = Call.objects.get(campaign=older, position=2).number
    answer = post_signed(
        client,
        path_of(iovox_account, live_server),
        report(number=number.lstrip("+")),
        iovox_account.credentials["callback_secret"],
    )
    assert answer.json()["matched"] is True
    cdr = Cdr.objects.get()
    assert (cdr.campaign_id, cdr.call.position, cdr.call.state) == (older.pk, 2, "completed")
    assert cdr.call.provider_ref == "unknown-call"


def test_the_per_campaign_address_still_works(live_server, flow_version, phone_list, manager):
    from campaigns.callback_urls import status_callback_url

    sandbox, account = phonon_setup(live_server.url)
    campaign = campaign_on(account, flow_version, phone_list, manager, "Own address")
    campaign.public_base_url = live_server.url
    campaign.save()
    sandbox.callback_url = status_callback_url(campaign)
    sandbox.save()
    start_campaign(campaign=campaign, actor=manager)
    run_queue()
    assert_finished_with_results(campaign, 6)


# -- the account's pages -----------------------------------------------------------


SECRET_VALUES = ("io-key", "iouser")


def test_a_manager_sees_the_address_and_where_to_paste_it_never_the_credentials(
    manager_client, iovox_account
):
    page = manager_client.get(f"/campaigns/accounts/{iovox_account.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert account_status_callback_url(iovox_account) in html
    assert "data-copy-address" in html
    assert "provider's console" in html
    for secret in (*SECRET_VALUES, iovox_account.credentials["callback_secret"]):
        assert secret not in html
    # The Admin-only pages stay Admin-only.
    assert manager_client.get("/campaigns/accounts/").status_code == 403
    assert manager_client.get(f"/campaigns/accounts/{iovox_account.pk}/edit/").status_code == 403


def test_an_admin_sees_the_address_on_the_list_and_the_edit_page(admin_client_role, iovox_account):
    address = account_status_callback_url(iovox_account)
    for url in ("/campaigns/accounts/", f"/campaigns/accounts/{iovox_account.pk}/edit/"):
        html = admin_client_role.get(url).content.decode()
        assert address in html
        for secret in (*SECRET_VALUES, iovox_account.credentials["callback_secret"]):
            assert secret not in html


def test_a_viewer_does_not_see_the_account_page(viewer_client, iovox_account):
    assert viewer_client.get(f"/campaigns/accounts/{iovox_account.pk}/").status_code == 403

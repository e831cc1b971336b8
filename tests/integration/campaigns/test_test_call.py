""" "Call my number" on the campaign form: a real one-number campaign flagged as a
test call, made and started by the same services and dispatch as the campaign, its
result polled on the form; hidden from the campaign list, throttled, run permission."""

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse

from campaigns.models import Call, Campaign, Cdr
from campaigns.models.campaigns import CampaignState, DispatchMode
from flows.models import FlowVersion
from sandbox.models import LedgerCall, PaycallCampaign

from .conftest import MENU_FLOW, PHONON_FLOW_ID, paycall_setup, run_queue

TEST_CALL = reverse("campaigns:test-call")


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


def form_data(flow_version, account, **extra):
    return {
        "flow_version": flow_version.pk,
        "account": account.pk,
        "time_zone": "Asia/Jerusalem",
        "cli": "031234567",
        **extra,
    }


def test_a_test_call_rings_through_the_sandbox_and_shows_its_cdr(
    live_server, flow_version, phone_list, manager_client
):
    sandbox, account = paycall_setup(live_server.url)
    host = urlsplit(live_server.url).netloc
    response = manager_client.post(
        TEST_CALL,
        form_data(flow_version, account, phone_list=phone_list.pk, test_number="0525555555"),
        HTTP_HX_REQUEST="true",
        HTTP_HOST=host,
    )
    assert response.status_code == 200, response.content.decode()
    campaign = Campaign.objects.get(is_test_call=True)
    assert "Sent; waiting for the result" in response.content.decode()
    assert campaign.state == CampaignState.RUNNING
    assert campaign.mode == DispatchMode.PAYCALL_PER_CONTACT
    (call,) = Call.objects.filter(campaign=campaign)
    # Local to the list's country (none: Israel); the first contact lends its values.
    assert call.number == "+972525555555"
    assert call.variables == {"first_name": "Name0"}

    run_queue()

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    remote = PaycallCampaign.objects.get(account=sandbox)
    assert "Hello Name0." in remote.request["ivr"]["steps"][0]["prompt"]
    assert remote.request["cli"] == "031234567"
    assert LedgerCall.objects.filter(account=sandbox).count() == 1
    cdr = Cdr.objects.get(campaign=campaign)

    result = manager_client.get(reverse("campaigns:test-call-result", args=[campaign.pk]))
    assert result.status_code == 286  # the form stops polling: nothing more will change
    html = result.content.decode()
    assert cdr.get_outcome_display() in html and f"<bdi>{cdr.duration}</bdi>" in html
    assert "Keys pressed" in html

    # Reachable, but not listed among the campaigns.
    listing = manager_client.get(reverse("campaigns:campaign-list")).content.decode()
    assert campaign.name not in listing
    api_list = manager_client.get("/api/campaigns/").json()
    assert campaign.pk not in [item["id"] for item in api_list["results"]]
    assert manager_client.get(f"/api/campaigns/{campaign.pk}/").status_code == 200
    page = manager_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    assert page.status_code == 200 and "Test call" in page.content.decode()


def test_test_calls_need_the_run_permission(
    viewer_client, designer_client, flow_version, offline_phonon_account
):
    data = form_data(
        flow_version,
        offline_phonon_account,
        test_number="+972525555555",
        phonon_flow_id=PHONON_FLOW_ID,
    )
    for client in (viewer_client, designer_client):
        assert client.post(TEST_CALL, data).status_code == 403
    assert not Campaign.objects.exists()


def test_one_test_call_per_person_every_few_seconds(
    manager_client, flow_version, offline_phonon_account, django_capture_on_commit_callbacks
):
    data = form_data(
        flow_version,
        offline_phonon_account,
        test_number="+972525555555",
        phonon_flow_id=PHONON_FLOW_ID,
    )
    # The dispatch task is not run here: only that it was made and started matters.
    with django_capture_on_commit_callbacks():
        first = manager_client.post(TEST_CALL, data, HTTP_HX_REQUEST="true")
        assert first.status_code == 200, first.content.decode()
    again = manager_client.post(TEST_CALL, data, HTTP_HX_REQUEST="true")
    assert again.status_code == 422
    assert "One test call every 10 seconds" in again.content.decode()
    assert Campaign.objects.filter(is_test_call=True).count() == 1


@pytest.mark.parametrize(
    ("number", "message"),
    [("", "This field is required."), ("call me", "not a phone number we can call")],
)
def test_a_bad_number_is_refused_beside_the_button(
    manager_client, flow_version, offline_phonon_account, number, message
):
    data = form_data(
        flow_version, offline_phonon_account, test_number=number, phonon_flow_id=PHONON_FLOW_ID
    )
    response = manager_client.post(TEST_CALL, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_needed_value_without_default_or_list_is_refused(
    manager_client, flow_version, offline_phonon_account
):
    flow_version = FlowVersion.objects.create(
        flow=flow_version.flow,
        number=2,
        definition={**MENU_FLOW, "variables": [{"name": "first_name", "default": ""}]},
    )
    data = form_data(
        flow_version,
        offline_phonon_account,
        test_number="+972525555555",
        phonon_flow_id=PHONON_FLOW_ID,
    )
    response = manager_client.post(TEST_CALL, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "needs a value for first_name" in response.content.decode()

"""The REST API: create (checked like the form), lifecycle, progress, CDRs with a
keyset cursor, CSV, calls, the audit log, permissions and the OpenAPI document."""

import pytest
from rest_framework.test import APIClient

from campaigns.models import Campaign
from campaigns.models.campaigns import CampaignState

from .conftest import PHONON_FLOW_ID, add_cdrs
from .test_campaigns_pages import cdr


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def body(flow_version, phone_list, offline_phonon_account):
    return {
        "name": "API campaign",
        "flow_version": flow_version.pk,
        "account": offline_phonon_account.pk,
        "phone_list": phone_list.pk,
        "phonon_flow_id": PHONON_FLOW_ID,
        "window_start": "09:00",
        "window_end": "20:00",
        "window_days": [1, 2, 3, 4, 5],
    }


def test_create_checks_everything_and_answers_by_field(manager, body):
    response = api(manager).post(
        "/api/campaigns/", {**body, "phonon_flow_id": "ABCDEFGH", "cli": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"phonon_flow_id", "cli"}
    response = api(manager).post("/api/campaigns/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["state"], data["mode"], data["total_calls"]) == ("draft", "phonon", 6)
    assert data["window_days"] == [1, 2, 3, 4, 5]


def test_viewers_read_but_cannot_create_or_run(viewer, draft_campaign, body):
    client = api(viewer)
    assert client.get("/api/campaigns/").status_code == 200
    assert client.get(f"/api/campaigns/{draft_campaign.pk}/progress/").status_code == 200
    assert client.post("/api/campaigns/", body, format="json").status_code == 403
    assert client.post(f"/api/campaigns/{draft_campaign.pk}/start/").status_code == 403
    assert APIClient().get("/api/campaigns/").status_code in (401, 403)


def test_lifecycle_and_audit_log(manager, draft_campaign, django_capture_on_commit_callbacks):
    client = api(manager)
    with django_capture_on_commit_callbacks():
        response = client.post(f"/api/campaigns/{draft_campaign.pk}/start/", {"reason": "API go"})
    assert response.status_code == 200 and response.json()["state"] == "running"
    assert client.post(f"/api/campaigns/{draft_campaign.pk}/resume/").status_code == 409
    assert client.post(f"/api/campaigns/{draft_campaign.pk}/cancel/").json()["state"] == (
        "cancelled"
    )
    events = client.get(f"/api/campaigns/{draft_campaign.pk}/events/").json()
    assert [(e["to_state"], e["actor"]) for e in events] == [
        ("draft", "max"),
        ("running", "max"),
        ("cancelled", "max"),
    ]
    assert events[1]["reason"] == "API go"
    assert Campaign.objects.get().state == CampaignState.CANCELLED


def test_cdrs_with_filters_cursor_csv_and_charts(viewer, manager, draft_campaign):
    add_cdrs(
        draft_campaign,
        [cdr("+972500000000"), cdr("+972500000001", keys=("2",)), cdr("+97250002", "USER_BUSY")],
    )
    client = api(viewer)
    first = client.get(f"/api/campaigns/{draft_campaign.pk}/cdrs/", {"size": 2}).json()
    assert len(first["results"]) == 2 and first["next_cursor"]
    rest = client.get(
        f"/api/campaigns/{draft_campaign.pk}/cdrs/", {"size": 2, "after": first["next_cursor"]}
    ).json()
    assert len(rest["results"]) == 1 and rest["next_cursor"] is None
    answered = client.get(f"/api/campaigns/{draft_campaign.pk}/cdrs/", {"answered": "yes"}).json()
    assert {r["phone_number"] for r in answered["results"]} == {"+972500000000", "+972500000001"}
    assert answered["results"][0]["cause_description"]
    bad = client.get(f"/api/campaigns/{draft_campaign.pk}/cdrs/", {"outcome": "nope"})
    assert bad.status_code == 400 and "outcome" in bad.json()
    # Exporting needs the export permission, which viewers lack (test_production_defaults).
    csv = api(manager).get(f"/api/campaigns/{draft_campaign.pk}/cdrs-csv/")
    assert b"".join(csv.streaming_content).count(b"\n") == 4
    charts = client.get(f"/api/campaigns/{draft_campaign.pk}/charts/").json()
    assert charts["outcomes"]["answered"] == 2 and charts["outcomes"]["busy"] == 1
    assert charts["key_funnel"] == [{"step": "menu", "keys": {"1": 1, "2": 1}}]
    calls = client.get(f"/api/campaigns/{draft_campaign.pk}/calls/").json()
    assert calls["count"] == 6
    one = client.get(f"/api/campaigns/{draft_campaign.pk}/calls/{calls['results'][0]['id']}/")
    assert one.json()["cdr"]["phone_number"] == "+972500000000"


def test_the_api_is_in_the_openapi_document(admin_user):
    schema = api(admin_user).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/campaigns/",
        "/api/campaigns/{id}/start/",
        "/api/campaigns/{id}/cdrs/",
        "/api/campaigns/{id}/cdrs-csv/",
        "/api/campaigns/{id}/progress/",
    ):
        assert path in paths

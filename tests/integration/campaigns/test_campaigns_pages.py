"""Campaign pages: who may see and do what, the checked form (422 beside the fields),
live progress, the CDR table (filters, keyset pages, safe CSV), charts, one contact."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Call, Campaign, DispatchBatch
from campaigns.models.campaigns import BatchState, CallState, CampaignState
from campaigns.outbound import build_batch_request

from .conftest import PHONON_FLOW_ID, PHONON_SECURITY_ID, add_cdrs

START = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=30)


def cdr(number, cause="NORMAL_CLEARING", keys=("1",), minute=0):
    answered = cause == "NORMAL_CLEARING"
    start = START + dt.timedelta(minutes=minute)
    return dict(
        phone_number=number,
        start_time=start,
        answer_time=start + dt.timedelta(seconds=5) if answered else None,
        hangup_time=start + dt.timedelta(seconds=20),
        duration=20,
        billsec=15 if answered else 0,
        hangup_cause=cause,
        steps={"steps": [{"step_name": "menu", "dtmf": k} for k in keys]} if answered else {},
    )


@pytest.fixture
def reported_campaign(draft_campaign):
    add_cdrs(
        draft_campaign,
        [
            cdr("+972500000000", keys=("1",)),
            cdr("+972500000001", keys=("2",), minute=1),
            cdr("+972500000002", "USER_BUSY", minute=2),
            cdr("=cmd|' /C calc'!A0", "NO_ANSWER", minute=3),
        ],
    )
    return draft_campaign


def url(name, campaign, *args):
    return reverse(f"campaigns:{name}", args=[campaign.pk, *args])


def test_every_role_can_read_but_only_managers_create_and_run(
    draft_campaign, viewer_client, designer_client, manager_client
):
    for client in (viewer_client, designer_client, manager_client):
        assert client.get(reverse("campaigns:campaign-list")).status_code == 200
        assert client.get(url("campaign-detail", draft_campaign)).status_code == 200
    for client in (viewer_client, designer_client):
        assert client.get(reverse("campaigns:campaign-create")).status_code == 403
        assert client.post(reverse("campaigns:campaign-create"), {}).status_code == 403
        assert client.post(url("campaign-action", draft_campaign, "start")).status_code == 403
    assert Campaign.objects.get(pk=draft_campaign.pk).state == CampaignState.DRAFT
    page = viewer_client.get(reverse("campaigns:campaign-list")).content.decode()
    assert 'href="/campaigns/"' in page and "Draft" in page


def test_a_manager_starts_pauses_and_cancels_from_the_page(
    draft_campaign, manager_client, django_capture_on_commit_callbacks
):
    page = manager_client.get(url("campaign-detail", draft_campaign)).content.decode()
    assert url("campaign-action", draft_campaign, "start") in page
    with django_capture_on_commit_callbacks():
        response = manager_client.post(url("campaign-action", draft_campaign, "start"))
    assert response.status_code == 302
    assert Campaign.objects.get(pk=draft_campaign.pk).state == CampaignState.RUNNING
    manager_client.post(url("campaign-action", draft_campaign, "pause"), HTTP_HX_REQUEST="true")
    assert Campaign.objects.get(pk=draft_campaign.pk).state == CampaignState.PAUSED
    response = manager_client.post(url("campaign-action", draft_campaign, "pause"), follow=True)
    assert "cannot become paused" in response.content.decode()


def test_the_form_reports_problems_beside_the_fields(
    manager_client, flow_version, phone_list, offline_phonon_account
):
    response = manager_client.post(
        reverse("campaigns:campaign-create"),
        {
            "name": "Bad",
            "flow_version": flow_version.pk,
            "account": offline_phonon_account.pk,
            "phone_list": phone_list.pk,
            "phonon_flow_id": "nope",
            "cli": "call me",
            "time_zone": "Asia/Jerusalem",
            "window_start": "09:00",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="campaign-form"' in html and "<html" not in html
    assert "8-letter flow-id" in html
    assert "must be a phone number" in html
    assert "Give both the start and the end of the calling window" in html
    assert not Campaign.objects.exists()


def test_a_valid_form_creates_a_draft(
    manager_client, flow_version, phone_list, offline_phonon_account
):
    response = manager_client.post(
        reverse("campaigns:campaign-create"),
        {
            "name": "Reminders",
            "flow_version": flow_version.pk,
            "account": offline_phonon_account.pk,
            "phone_list": phone_list.pk,
            "phonon_flow_id": PHONON_FLOW_ID,
            "time_zone": "Asia/Jerusalem",
            "window_start": "09:00",
            "window_end": "20:00",
            "window_days": ["1", "2", "3", "4", "5"],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    campaign = Campaign.objects.get()
    assert response["HX-Redirect"] == url("campaign-detail", campaign)
    assert (campaign.window_days, campaign.total_calls) == ([1, 2, 3, 4, 5], 6)
    assert campaign.public_base_url == "http://testserver/"


def test_progress_polls_while_running_and_stops_after(draft_campaign, viewer_client):
    response = viewer_client.get(url("campaign-progress", draft_campaign))
    assert response.status_code == 286  # a draft does not change by itself
    Campaign.objects.filter(pk=draft_campaign.pk).update(state=CampaignState.RUNNING)
    Call.objects.filter(campaign=draft_campaign, position__lte=2).update(
        state=CallState.ACCEPTED, sent_at=timezone.now()
    )
    response = viewer_client.get(url("campaign-progress", draft_campaign))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in html
    assert "<strong><bdi>2</bdi></strong> of <bdi>6</bdi> calls placed" in html
    # Just sent: two calls in the last minute, not averaged over the whole window.
    assert "<bdi>2</bdi> calls sent in the last minute" in html


def test_cdr_table_filters_and_pages(reported_campaign, viewer_client):
    table = url("campaign-cdrs", reported_campaign)
    html = viewer_client.get(table, {"outcome": "answered"}).content.decode()
    assert "+972500000000" in html and "+972500000002" not in html
    html = viewer_client.get(table, {"step": "menu", "key": "2"}).content.decode()
    assert "+972500000001" in html and "+972500000000" not in html
    html = viewer_client.get(table, {"hangup_cause": "USER_BUSY"}).content.decode()
    assert "+972500000002" in html and "+972500000001" not in html
    html = viewer_client.get(table, {"answered": "no", "number": "97250000000"}).content.decode()
    assert "+972500000002" in html and "+972500000000" not in html
    first = viewer_client.get(table, {"size": "2"}).content.decode()
    assert "Older records" in first
    cursor = first.split("after=")[1].split('"')[0]
    second = viewer_client.get(table, {"size": "2", "after": cursor}).content.decode()
    assert "+972500000001" in second and "Older records" not in second
    bad = viewer_client.get(table, {"outcome": "maybe"})
    assert bad.status_code == 422 and "Choose one of" in bad.content.decode()


def test_csv_export_is_safe_against_formula_injection(reported_campaign, manager_client):
    response = manager_client.get(url("campaign-cdrs-csv", reported_campaign))
    body = b"".join(response.streaming_content).decode()
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Phone number,Caller ID,")
    assert len(lines) == 5
    assert all(not line.startswith(("=", "@", "+=")) for line in lines)
    assert "'+=cmd|' /C calc'!A0" in body  # kept, but as text
    assert "\n+972500000000," in body  # a phone number is not a formula: no "'"


def test_charts_draw_outcomes_time_and_the_key_funnel(reported_campaign, viewer_client):
    html = viewer_client.get(url("campaign-charts", reported_campaign)).content.decode()
    assert html.count("<svg") == 3
    assert "Answered: 2" in html
    assert "menu: key 1 pressed by 1" in html and "menu: key 2 pressed by 1" in html


def test_contact_page_shows_the_payload_with_secrets_masked(reported_campaign, viewer_client):
    call, other = Call.objects.filter(campaign=reported_campaign).order_by("position")[:2]
    built = build_batch_request(reported_campaign, [call, other], now=timezone.now(), due=None)
    batch = DispatchBatch.objects.create(
        campaign=reported_campaign,
        state=BatchState.ACCEPTED,
        payload={"request": built.request.as_dict()},
        answer={"code": "200", "accepted": [[call.idempotency_key, "uuid-1"]]},
    )
    Call.objects.filter(pk=call.pk).update(batch=batch, provider_ref="uuid-1")
    html = viewer_client.get(url("campaign-call", reported_campaign, call.pk)).content.decode()
    assert PHONON_SECURITY_ID not in html
    assert "security-id" in html and "••••••" in html
    # Of the batch, this contact's call alone, as its preview shows it.
    assert call.idempotency_key in html and other.idempotency_key not in html
    assert "uuid-1" in html
    assert "NORMAL_CLEARING" in html and "The call was answered" in html

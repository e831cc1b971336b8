"""The live campaign page (issue #14): the progress poll brings the header badge, the
actions and the audit log with it, tells the charts and the call records when new
records arrived, reads its rate over the recent minutes, words a campaign that stopped
short by what was placed against what was never sent, and costs the same number of
queries for six calls or sixty."""

import datetime as dt
import html as html_lib
import json
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from campaigns import analytics
from campaigns.analytics import RATE_WINDOW_MINUTES, Progress
from campaigns.checks import CampaignSettings
from campaigns.lifecycle import transition
from campaigns.models import Call, Campaign
from campaigns.models.campaigns import CallState, CampaignState
from campaigns.services import cancel_campaign, create_campaign

from .conftest import PHONON_FLOW_ID, add_cdrs, make_phone_list

NOW = timezone.now().replace(microsecond=0)


def text(markup: str) -> str:
    """What a reader sees: tags dropped, spaces collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def progress_url(campaign) -> str:
    return reverse("campaigns:campaign-progress", args=[campaign.pk])


def poll(client, campaign, **seen):
    return client.get(progress_url(campaign), seen)


def seen_versions(response) -> dict:
    """The versions the poller sends back on its next poll (its hx-vals)."""
    match = re.search(r"hx-vals='(\{[^']*\})'", response.content.decode())
    assert match, "the poller carries the versions it has seen"
    return json.loads(match.group(1))


def running(campaign) -> Campaign:
    transition(campaign=campaign, to_state=CampaignState.RUNNING, reason="Started.")
    return Campaign.objects.get(pk=campaign.pk)


def cdr(i: int, *, answered: bool = True) -> dict:
    start = NOW - dt.timedelta(minutes=1)
    return dict(
        phone_number=f"+97250{i:07d}",
        start_time=start,
        answer_time=start + dt.timedelta(seconds=3) if answered else None,
        hangup_time=start + dt.timedelta(seconds=20),
        duration=20,
        billsec=17 if answered else 0,
        hangup_cause="NORMAL_CLEARING" if answered else "NO_ANSWER",
    )


def test_the_poll_carries_the_badge_and_actions_and_follows_completion(
    draft_campaign, manager_client
):
    campaign = running(draft_campaign)
    Call.objects.filter(campaign=campaign).update(state=CallState.ACCEPTED, sent_at=NOW)
    response = poll(manager_client, campaign)
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<span id="campaign-state"[^>]*hx-swap-oob="outerHTML"[^>]*>Running<', page)
    assert re.search(r'<div id="campaign-actions"[^>]*hx-swap-oob="outerHTML"', page)
    assert ">Pause</button>" in page and ">Cancel</button>" in page
    assert 'hx-trigger="every 2s"' in page
    seen = seen_versions(response)

    # Nothing new: the answer is the poller alone, no swap, nothing refetched.
    quiet = poll(manager_client, campaign, **seen)
    assert "hx-swap-oob" not in quiet.content.decode()
    assert "HX-Trigger" not in quiet.headers
    assert len(quiet.content) < 400

    # The provider reports every call and the campaign completes by itself.
    add_cdrs(campaign, [cdr(i, answered=i % 2 == 0) for i in range(6)])
    Call.objects.filter(campaign=campaign).update(state=CallState.COMPLETED, completed_at=NOW)
    transition(campaign=campaign, to_state=CampaignState.COMPLETED, reason="Every call was placed.")
    final = poll(manager_client, campaign, **seen)
    page = final.content.decode()
    assert final.status_code == 286  # htmx stops polling after this last answer
    assert "hx-trigger" not in page
    assert re.search(r'<span id="campaign-state"[^>]*>Completed<', page)
    assert re.search(r'<span id="progress-state"[^>]*>Completed<', page)
    assert "Pause" not in page and "Cancel</button>" not in page
    assert final.headers["HX-Trigger"] == "campaign-results-changed"
    assert re.search(r'<ol id="audit-log"[^>]*hx-swap-oob="outerHTML"', page)
    assert "running → completed" in page and "Every call was placed." in page
    assert "Completed: 6 calls, 3 answered." in text(page)


def test_a_viewer_gets_the_badge_but_no_buttons(draft_campaign, viewer_client):
    page = poll(viewer_client, running(draft_campaign)).content.decode()
    assert re.search(r'<span id="campaign-state"[^>]*>Running<', page)
    assert re.search(r'<div id="campaign-actions"[^>]*hx-swap-oob="outerHTML">\s*</div>', page)


def test_the_audit_log_comes_only_when_it_grew(draft_campaign, manager_client):
    campaign = running(draft_campaign)
    seen = seen_versions(poll(manager_client, campaign))
    assert "audit-log" not in poll(manager_client, campaign, **seen).content.decode()
    transition(campaign=campaign, to_state=CampaignState.PAUSED, reason="Lunch break.")
    page = poll(manager_client, campaign, **seen).content.decode()
    assert "Lunch break." in page and ">Resume</button>" in page
    assert 'hx-trigger="every 10s"' in page  # paused: results may still arrive


@pytest.mark.parametrize(
    "sent_seconds_ago, expected",
    [
        # A burst within a second: three calls in the last minute, not 0.6 a minute.
        ((0, 0, 1), "3 calls sent in the last minute."),
        ((10,), "1 call sent in the last minute."),
        # Spread over four minutes: the rate over those minutes.
        ((30, 90, 150, 210), "Sending 1.0 calls a minute (last 4 minutes)."),
        # Older than the window: no rate, no made-up ETA.
        ((RATE_WINDOW_MINUTES * 60 + 5,), "No calls sent in the last 5 minutes."),
    ],
)
def test_the_rate_is_read_over_the_recent_minutes(
    draft_campaign, manager_client, sent_seconds_ago, expected
):
    campaign = running(draft_campaign)
    now = timezone.now()
    calls = list(Call.objects.filter(campaign=campaign).order_by("position"))
    for call, ago in zip(calls, sent_seconds_ago, strict=False):
        Call.objects.filter(pk=call.pk).update(
            state=CallState.ACCEPTED, sent_at=now - dt.timedelta(seconds=ago)
        )
    shown = text(poll(manager_client, campaign).content.decode())
    assert expected in shown
    assert "0.6" not in shown
    if "No calls sent" in expected:
        assert "about" not in shown and "calls left to send" in shown


def test_a_burst_reads_as_its_own_rate_and_gives_an_eta():
    burst = Progress(
        state=CampaignState.RUNNING,
        total=10,
        by_state={CallState.ACCEPTED: 3, CallState.PENDING: 7},
        recent_calls=3,
        recent_minutes=1,
        cdrs=0,
        last_cdr=0,
        answered=0,
        events=2,
    )
    assert burst.calls_per_minute == 3.0
    assert burst.eta_seconds == 140 and burst.eta_minutes == 3


def test_progress_reads_the_window_from_sent_at(draft_campaign):
    campaign = running(draft_campaign)
    now = timezone.now()
    Call.objects.filter(campaign=campaign, position__lte=3).update(
        state=CallState.ACCEPTED, sent_at=now - dt.timedelta(milliseconds=300)
    )
    live = analytics.progress(campaign, now=now)
    assert (live.recent_calls, live.recent_minutes, live.calls_per_minute) == (3, 1, 3.0)


def summary(**counts) -> str:
    """The progress card's summary for a campaign of 1,198 calls."""
    state = counts.pop("state")
    answered = counts.pop("answered", 0)
    progress = Progress(
        state=state,
        total=1198,
        by_state=counts,
        recent_calls=0,
        recent_minutes=0,
        cdrs=0,
        last_cdr=0,
        answered=answered,
        events=1,
    )
    request = RequestFactory().get("/")
    return render_to_string(
        "campaigns/campaigns/detail.html#progress-summary",
        {"progress": progress, "rate_window": RATE_WINDOW_MINUTES},
        request=request,
    )


def test_a_cancelled_campaign_shows_what_was_placed_against_what_was_never_sent():
    shown = text(summary(state=CampaignState.CANCELLED, completed=100, failed=20, skipped=1078))
    assert shown == "Cancelled: 120 calls placed and settled, 1,078 never sent."
    assert "1198 of 1198" not in shown and "100 %" not in shown
    in_doubt = summary(state=CampaignState.CANCELLED, completed=117, accepted=3, skipped=1078)
    assert "3 calls placed and still waiting for their results." in text(in_doubt)
    failed = summary(state=CampaignState.FAILED, failed=1, skipped=1197)
    assert text(failed) == "Failed: 1 call placed and settled, 1,197 never sent."


def test_a_completed_campaign_counts_calls_and_answers():
    shown = summary(state=CampaignState.COMPLETED, completed=1198, answered=1020)
    assert text(shown) == "Completed: 1,198 calls, 1,020 answered."
    assert "<bdi>1,198</bdi>" in shown and "<bdi>1,020</bdi>" in shown


def test_nothing_left_to_send_says_results_are_awaited():
    shown = text(summary(state=CampaignState.RUNNING, completed=1000, accepted=198))
    assert "All calls sent; waiting for results (198)." in shown
    assert "ETA" not in shown and "none left" not in shown


def test_a_cancelled_page_and_its_progress_bar(draft_campaign, manager_client):
    campaign = running(draft_campaign)
    Call.objects.filter(campaign=campaign, position__lte=2).update(
        state=CallState.COMPLETED, sent_at=NOW
    )
    cancel_campaign(campaign=campaign)
    page = manager_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    shown = page.content.decode()
    assert "Cancelled: 2 calls placed and settled, 4 never sent." in text(shown)
    assert 'value="33"' in shown  # the bar shows what was placed, not 100 %
    assert 'hx-trigger="every' not in shown


def test_call_records_refresh_with_the_readers_filters_on_the_first_page_only(
    draft_campaign, viewer_client
):
    add_cdrs(draft_campaign, [cdr(i, answered=i % 2 == 0) for i in range(4)])
    detail = reverse("campaigns:campaign-detail", args=[draft_campaign.pk])
    table = re.search(
        r'<div id="cdr-table"[^>]*>',
        viewer_client.get(detail, {"answered": "yes"}).content.decode(),
    )
    assert table and "answered=yes" in table.group(0)
    assert 'hx-trigger="campaign-results-changed from:body"' in table.group(0)
    cdrs = reverse("campaigns:campaign-cdrs", args=[draft_campaign.pk])
    older = viewer_client.get(cdrs, {"size": "1", "after": "999999"}).content.decode()
    assert "campaign-results-changed" not in re.search(r'<div id="cdr-table"[^>]*>', older).group(0)


def campaign_of(size: int, flow_version, account, manager) -> Campaign:
    campaign = create_campaign(
        settings=CampaignSettings(
            name=f"Campaign of {size}",
            flow_version=flow_version,
            account=account,
            phone_list=make_phone_list(size, name=f"List of {size}", start=size),
            phonon_flow_id=PHONON_FLOW_ID,
            public_base_url="http://testserver",
        ),
        created_by=manager,
    )
    campaign = running(campaign)
    Call.objects.filter(campaign=campaign).update(state=CallState.COMPLETED, sent_at=NOW)
    add_cdrs(campaign, [cdr(size + i) for i in range(size)])
    return campaign


def test_queries_do_not_grow_with_the_calls(
    flow_version, offline_phonon_account, manager, manager_client, django_assert_max_num_queries
):
    counts: dict[str, set[int]] = {}
    for size in (6, 60):
        campaign = campaign_of(size, flow_version, offline_phonon_account, manager)
        with django_assert_max_num_queries(11) as captured:
            response = poll(manager_client, campaign)
        counts.setdefault("progress", set()).add(len(captured))
        assert len(response.content) < 6000  # a full answer; a quiet one is the poller alone
        for name in ("campaign-detail", "campaign-charts", "campaign-cdrs"):
            with django_assert_max_num_queries(16) as captured:
                manager_client.get(reverse(f"campaigns:{name}", args=[campaign.pk]))
            counts.setdefault(name, set()).add(len(captured))
    assert all(len(sizes) == 1 for sizes in counts.values()), counts

"""Calls the provider never reports on are settled as "no report from the provider"
after the account's no_report_minutes, so the campaign ends, and the campaign page
says why; a real report that comes later replaces the settled CDR."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.callback_urls import account_status_callback_url
from campaigns.checks import CampaignSettings
from campaigns.models import Call, Campaign, CampaignEvent, Cdr, ProviderAccount
from campaigns.models.campaigns import CallState, CampaignState, DispatchMode, Outcome
from campaigns.services import create_campaign, pause_campaign, start_campaign
from campaigns.settling import settle_cutoff, settle_no_report, settle_overdue
from campaigns.tasks import complete_if_settled
from sandbox.callbacks import deliver
from sandbox.models import LedgerCall

from .conftest import PHONON_FLOW_ID, phonon_setup, run_queue

pytestmark = pytest.mark.django_db(transaction=True)


def unreported_campaign(live_server, flow_version, phone_list, user):
    """A Phonon campaign whose provider was never told where to report: the sandbox
    places and ends every call, and nobody hears of it."""
    sandbox, account = phonon_setup(live_server.url)
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Unreported",
            flow_version=flow_version,
            account=account,
            phone_list=phone_list,
            phonon_flow_id=PHONON_FLOW_ID,
        ),
        created_by=user,
    )
    start_campaign(campaign=campaign, actor=user)
    run_queue()
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.RUNNING
    assert set(Call.objects.filter(campaign=campaign).values_list("state", flat=True)) == {
        CallState.ACCEPTED
    }
    assert {c.callback_status for c in LedgerCall.objects.filter(account=sandbox)} == {"no URL"}
    return sandbox, campaign


def last_sent(campaign) -> dt.datetime:
    return max(Call.objects.filter(campaign=campaign).values_list("sent_at", flat=True))


def test_calls_with_no_report_are_settled_and_the_campaign_completes(
    live_server, flow_version, phone_list, manager, manager_client
):
    sandbox, campaign = unreported_campaign(live_server, flow_version, phone_list, manager)
    sent = last_sent(campaign)

    # Before the deadline nothing is settled.
    assert settle_no_report(campaign, now=sent + dt.timedelta(minutes=119)) == 0
    # Waiting: the page says why, and where the address goes.
    Call.objects.filter(campaign=campaign).update(sent_at=timezone.now() - dt.timedelta(minutes=10))
    html = manager_client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "The provider has not reported on 6 calls." in html
    assert account_status_callback_url(campaign.account) in html
    assert f"/campaigns/accounts/{campaign.account.pk}/" in html

    now = timezone.now() + dt.timedelta(minutes=111)
    assert settle_no_report(campaign, now=now) == 6
    assert settle_no_report(campaign, now=now) == 0
    cdrs = Cdr.objects.filter(campaign=campaign)
    assert cdrs.count() == 6
    assert set(cdrs.values_list("outcome", "source", "answered")) == {
        (Outcome.NO_REPORT, "settled", False)
    }
    assert "120 minutes" in cdrs.first().cause_description
    assert set(Call.objects.filter(campaign=campaign).values_list("state", flat=True)) == {
        CallState.COMPLETED
    }
    assert complete_if_settled(campaign, now=now)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    assert CampaignEvent.objects.filter(campaign=campaign, reason__contains="6 calls had no report")

    html = manager_client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "6 calls were settled as “no report from the provider” after 120 minutes." in html
    assert "has not reported" not in html

    # The provider's reports come after all: real data replaces the settled CDRs.
    sandbox.callback_url = account_status_callback_url(campaign.account)
    sandbox.save()
    ledger = list(LedgerCall.objects.filter(account=sandbox).select_related("account"))
    deliver(ledger)
    assert {call.callback_status for call in ledger} == {"delivered: HTTP 200"}
    assert cdrs.count() == 6
    assert not cdrs.filter(outcome=Outcome.NO_REPORT).exists()
    assert set(cdrs.values_list("source", flat=True)) == {"callback"}
    by_number = {c.number.lstrip("+"): c.hangup_cause for c in ledger}
    for cdr in cdrs:
        assert cdr.hangup_cause == by_number[cdr.phone_number.lstrip("+")]
    html = manager_client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "no-report-banner" not in html


def test_the_deadline_is_the_accounts_minutes(live_server, flow_version, phone_list, manager):
    _, campaign = unreported_campaign(live_server, flow_version, phone_list, manager)
    ProviderAccount.objects.filter(pk=campaign.account_id).update(no_report_minutes=5)
    campaign = Campaign.objects.select_related("account").get(pk=campaign.pk)
    sent = last_sent(campaign)
    assert settle_no_report(campaign, now=sent + dt.timedelta(minutes=4)) == 0
    assert settle_no_report(campaign, now=sent + dt.timedelta(minutes=5)) == 6


def test_a_dispatch_slice_settles_and_completes(live_server, flow_version, phone_list, manager):
    """The hook in the dispatch chain: no per-test call to settle."""
    from campaigns.tasks import run_slice

    _, campaign = unreported_campaign(live_server, flow_version, phone_list, manager)
    ProviderAccount.objects.filter(pk=campaign.account_id).update(no_report_minutes=1)
    Call.objects.filter(campaign=campaign).update(sent_at=timezone.now() - dt.timedelta(minutes=2))
    run_slice(campaign.pk, chain=None, seconds=1)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    assert campaign.cdrs.filter(outcome=Outcome.NO_REPORT).count() == 6


def test_the_recovery_sweep_settles_paused_campaigns(
    live_server, flow_version, phone_list, manager
):
    from dialer_site.recovery import sweep

    _, campaign = unreported_campaign(live_server, flow_version, phone_list, manager)
    pause_campaign(campaign=campaign, actor=manager)
    later = last_sent(campaign) + dt.timedelta(minutes=121)
    assert settle_overdue(later - dt.timedelta(minutes=2)) == 0
    assert sweep(later)["calls_settled"] == 6
    assert campaign.cdrs.filter(outcome=Outcome.NO_REPORT).count() == 6


def test_paycall_calls_wait_for_a_cdr_file_read_after_the_deadline(db):
    account = ProviderAccount(kind="paycall", name="P", no_report_minutes=60)
    campaign = Campaign(account=account, mode=DispatchMode.PAYCALL_QUEUE)
    now = timezone.now()
    assert settle_cutoff(campaign, now) is None
    campaign.cdrs_fetched_at = now - dt.timedelta(minutes=10)
    # Only calls sent an hour before the last file was read, which still lacked them.
    assert settle_cutoff(campaign, now) == now - dt.timedelta(minutes=70)
    phonon = Campaign(account=ProviderAccount(kind="phonon", name="Ph"), mode=DispatchMode.PHONON)
    assert settle_cutoff(phonon, now) == now - dt.timedelta(minutes=120)


def test_a_late_paycall_cdr_file_replaces_settled_cdrs(draft_campaign, monkeypatch):
    from campaigns import cdrs_ingest

    monkeypatch.setattr(cdrs_ingest, "INGEST_CHUNK", 2)  # the replacement in every chunk
    sent = timezone.now() - dt.timedelta(hours=3)
    Call.objects.filter(campaign=draft_campaign).update(state=CallState.ACCEPTED, sent_at=sent)
    campaign = Campaign.objects.select_related("account").get(pk=draft_campaign.pk)
    assert settle_no_report(campaign) == 6
    numbers = list(Call.objects.filter(campaign=campaign).values_list("number", flat=True))
    header = (
        "cli,phone number,start_time,answer_time,hangup_time,duration,billsec,"
        "hangup_cause,unique_campaign_id,steps"
    )
    start = "2026-03-30 14:00:00+03"
    rows = [
        f"031234567,{number.lstrip('+')},{start},{start},{start},16,11,NORMAL_CLEARING,u-1,"
        for number in numbers[:3]
    ]
    assert cdrs_ingest.ingest_paycall_cdr_csv(campaign, "\n".join([header, *rows])) == 3
    cdrs = Cdr.objects.filter(campaign=campaign)
    assert cdrs.count() == 6
    assert sorted(cdrs.values_list("source", flat=True)) == ["cdr_csv"] * 3 + ["settled"] * 3
    assert set(cdrs.filter(source="cdr_csv").values_list("call__number", flat=True)) == set(
        numbers[:3]
    )
    assert not cdrs.filter(source="cdr_csv", outcome=Outcome.NO_REPORT).exists()

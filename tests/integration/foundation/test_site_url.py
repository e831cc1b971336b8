"""SITE_URL: the one address the demo, webhook URLs and campaign_run build on, so that
`make run PORT=8055` works end to end."""

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from campaigns.callback_urls import status_callback_url, steps_report_url
from campaigns.management.commands.campaign_run import Command as CampaignRun
from campaigns.models import Campaign, ProviderAccount
from campaigns.models.accounts import ProviderKind
from campaigns.models.campaigns import CampaignState, DispatchMode
from sandbox.models import LedgerCall

SITE = "http://127.0.0.1:8055"


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = SITE
    return SITE


@pytest.mark.django_db
def test_the_demo_points_its_accounts_and_campaign_at_site_url(site_url, monkeypatch):
    monkeypatch.setenv("DIALER_ADMIN_PASSWORD", "a demo password for this test")
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    assert f"Open {SITE} and sign in." in out.getvalue()
    accounts = ProviderAccount.objects.all()
    assert accounts.count() == 5
    for account in accounts:
        assert account.base_url.startswith(f"{SITE}/sandbox/"), account.name
    campaigns = Campaign.objects.select_related("account")
    # A finished campaign for every mode, Phonon plain and encrypted among them.
    assert {c.mode for c in campaigns} == set(DispatchMode.values)
    assert {c.account.kind for c in campaigns} == set(ProviderKind.values)
    for campaign in campaigns:
        assert campaign.public_base_url == SITE
        assert campaign.state == CampaignState.COMPLETED, campaign.name
        assert campaign.cdrs.count() == campaign.total_calls > 0, campaign.name
        assert steps_report_url(campaign).startswith(f"{SITE}/webhooks/")
    # Every report of the emulators reached its webhook (none failed, none sent nowhere
    # but the simple dialer's, whose document names no return address).
    undelivered = LedgerCall.objects.exclude(callback_status__startswith="delivered")
    assert not undelivered.exclude(account__provider="paycall", callback_status="no URL").exists()


def test_webhook_urls_of_a_campaign_without_an_address_use_site_url(site_url):
    campaign = SimpleNamespace(key="abc123", webhook_token="tok", public_base_url="")
    assert status_callback_url(campaign) == f"{SITE}/webhooks/campaigns/abc123/tok/status"


def test_campaign_run_gives_site_url_to_providers_by_default(site_url):
    parser = CampaignRun().create_parser("manage.py", "campaign_run")
    options = parser.parse_args(["--flow=1", "--list=1", "--account=1"])
    assert options.public_url == SITE

"""The campaign page shows the one address its provider is given, and none where the
provider's document has no such address (the simple dialer)."""

import pytest
from django.urls import reverse

from campaigns.callback_urls import account_status_callback_url, steps_report_url
from campaigns.models import Campaign, ProviderAccount
from campaigns.models.campaigns import DispatchMode

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "mode", "shown"),
    [
        ("paycall", DispatchMode.PAYCALL_QUEUE, "return_address"),
        ("paycall", DispatchMode.PAYCALL_PER_CONTACT, "return_address"),
        ("paycall", DispatchMode.PAYCALL_SIMPLE, None),
        ("phonon", DispatchMode.PHONON, "account"),
        ("iovox", DispatchMode.IOVOX, "account"),
    ],
)
def test_the_address_the_provider_is_given(manager_client, flow_version, kind, mode, shown):
    account = ProviderAccount.objects.create(kind=kind, name=f"{kind} account")
    campaign = Campaign.objects.create(
        name="Reminders", flow_version=flow_version, account=account, mode=mode
    )
    page = manager_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert ("webhooks-heading" in html) == (shown is not None)
    assert (steps_report_url(campaign) in html) == (shown == "return_address")
    assert (account_status_callback_url(account) in html) == (shown == "account")

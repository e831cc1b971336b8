"""The addresses a campaign gives its provider for reports: absolute URLs with the
campaign's secret token in the path.

campaigns.webhook_urls is mounted at the site's root prefix WEBHOOK_PREFIX (outside
the login-protected pages), so the paths are written out here rather than reversed:
a page that shows them must work even where the webhooks are served by another host.
A campaign made without an address of its own (public_base_url blank) uses the site's,
settings.SITE_URL.
"""

from django.conf import settings

WEBHOOK_PREFIX = "/webhooks/"


def _absolute(campaign, endpoint: str) -> str:
    path = f"{WEBHOOK_PREFIX}campaigns/{campaign.key}/{campaign.webhook_token}/{endpoint}"
    return (campaign.public_base_url or settings.SITE_URL).rstrip("/") + path


def steps_report_url(campaign) -> str:
    """Paycall's return_address."""
    return _absolute(campaign, "paycall")


def status_callback_url(campaign) -> str:
    """Where a provider that reports by status callback POSTs each call's."""
    return _absolute(campaign, "status")


def account_status_callback_url(account) -> str:
    """The one address a Phonon or iovox account is given in the provider's console:
    every call of every campaign on the account is reported there and routed by its id."""
    path = f"{WEBHOOK_PREFIX}accounts/{account.pk}/{account.callback_token}/status"
    return settings.SITE_URL.rstrip("/") + path

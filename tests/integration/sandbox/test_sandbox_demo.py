"""The demo loader: idempotent, and its accounts on both sides fit together."""

import pytest

from campaigns.models import ProviderAccount
from providers import get_client
from sandbox import demo
from sandbox.models import LedgerCall, SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_accounts_connect_to_the_sandbox(live_server):
    summary = demo.load()
    demo.load()
    assert "Sandbox" in summary
    assert SandboxAccount.objects.count() == 3 and ProviderAccount.objects.count() == 4
    for account in ProviderAccount.objects.all():
        # SITE_URL is the live server's here (tests/conftest.py).
        assert account.base_url.startswith(f"{live_server.url}/sandbox/")
        report = get_client(account).test_connection()
        assert report.ok, (account.name, report.message)
    assert not LedgerCall.objects.exists()

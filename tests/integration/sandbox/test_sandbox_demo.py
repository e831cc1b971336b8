"""The demo loader: idempotent, and its accounts on both sides fit together."""

import pytest

from campaigns.callback_urls import account_status_callback_url
from campaigns.models import ProviderAccount
from providers import get_client
from sandbox import demo
from sandbox.models import LedgerCall, SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_accounts_connect_to_the_sandbox(live_server):
    summary = demo.load()
    demo.load()
    assert "Sandbox" in summary
    assert SandboxAccount.objects.count() == 4 and ProviderAccount.objects.count() == 4
    # Phonon (each kind on its own sandbox account) and iovox report each call to
    # their provider account's one callback address, signed with its secret.
    for name, kind in (
        ("Demo Phonon", "phonon"),
        ("Demo Phonon encrypted", "phonon_encrypted"),
        ("Demo iovox", "iovox"),
    ):
        sandbox = SandboxAccount.objects.get(name=name)
        account = ProviderAccount.objects.get(kind=kind)
        assert sandbox.callback_url == account_status_callback_url(account)
        assert sandbox.callback_secret == account.credentials["callback_secret"]
    for account in ProviderAccount.objects.all():
        # SITE_URL is the live server's here (tests/conftest.py).
        assert account.base_url.startswith(f"{live_server.url}/sandbox/")
        report = get_client(account).test_connection()
        assert report.ok, (account.name, report.message)
    assert not LedgerCall.objects.exists()

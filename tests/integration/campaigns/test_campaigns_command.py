"""`manage.py campaign_run`: create, start and follow a campaign to its summary."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from campaigns.callback_urls import status_callback_url
from campaigns.models import Campaign

from .conftest import PHONON_FLOW_ID, phonon_setup, run_queue


def test_campaign_run_sends_follows_and_summarises(live_server, flow_version, phone_list):
    sandbox, account = phonon_setup(live_server.url)
    # The status callbacks go to the campaign the command is about to create.
    args = [
        f"--flow={flow_version.flow_id}",
        f"--list={phone_list.pk}",
        f"--account={account.pk}",
        f"--phonon-flow-id={PHONON_FLOW_ID}",
        f"--public-url={live_server.url}",
        "--json",
    ]
    out = StringIO()
    call_command("campaign_run", *args, stdout=out)
    campaign = Campaign.objects.get()
    assert json.loads(out.getvalue())["state"] == "running"
    sandbox.callback_url = status_callback_url(campaign)
    sandbox.save()
    run_queue()
    campaign.refresh_from_db()
    assert campaign.state == "completed"

    out = StringIO()
    call_command("campaign_run", *args, "--inline", "--timeout=60", stdout=out)
    summary = json.loads(out.getvalue())
    assert set(summary) >= {"calls", "answered", "failed", "duplicates_at_provider"}
    assert (summary["calls"], summary["failed"], summary["duplicates_at_provider"]) == (6, 0, 0)
    second = Campaign.objects.exclude(pk=campaign.pk).get()
    assert not second.calls.filter(state__in=("pending", "sending")).exists()


def test_campaign_run_wait_says_when_no_worker_finishes_it(
    flow_version, phone_list, offline_phonon_account
):
    with pytest.raises(CommandError, match="is a worker running"):
        call_command(
            "campaign_run",
            f"--flow={flow_version.flow_id}",
            f"--list={phone_list.pk}",
            f"--account={offline_phonon_account.pk}",
            f"--phonon-flow-id={PHONON_FLOW_ID}",
            "--wait",
            "--timeout=1.5",
            stdout=StringIO(),
        )


def test_campaign_run_explains_what_is_missing(flow_version, phone_list):
    with pytest.raises(CommandError, match="no provider account 999"):
        call_command(
            "campaign_run",
            f"--flow={flow_version.flow_id}",
            f"--list={phone_list.pk}",
            "--account=999",
        )
    with pytest.raises(CommandError, match="has no published version"):
        call_command("campaign_run", "--flow=999", f"--list={phone_list.pk}", "--account=1")

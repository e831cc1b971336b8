"""A campaign manager creates a Phonon campaign in the browser (the form refuses bad
input beside the fields), starts it, and reads progress, charts, CDRs and a contact,
with the calls really sent to the sandbox over HTTP by the task queue."""

import re

from django.core.management import call_command
from playwright.sync_api import expect

from campaigns.callback_urls import status_callback_url
from campaigns.checks import CampaignSettings
from campaigns.models import Campaign
from campaigns.models.campaigns import CampaignState
from campaigns.services import create_campaign, start_campaign
from campaigns.tasks import run_slice
from flows.models import Flow, FlowVersion
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.integration.campaigns.conftest import (
    MENU_FLOW,
    PHONON_FLOW_ID,
    make_phone_list,
    phonon_setup,
    run_queue,
)


def test_a_manager_runs_a_campaign_and_reads_its_results(
    page, live_server, manager, settings, screenshot
):
    settings.CAMPAIGN_PARALLEL_REQUESTS = 1
    flow = Flow.objects.create(name="Reminder")
    FlowVersion.objects.create(flow=flow, number=1, definition=MENU_FLOW)
    make_phone_list(8)
    sandbox, account = phonon_setup(live_server.url)

    sign_in(page, live_server, "max", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill("Browser reminders")
    page.get_by_label("Flow version").select_option(label="Reminder v1")
    page.get_by_label("Provider account").select_option(label=str(account))
    page.get_by_label("Phone list").select_option(label="Patients")
    page.get_by_label("Phonon flow-id").fill("short")
    page.get_by_role("button", name="Check and create").click()
    expect(page.get_by_text("Phonon needs the 8-letter flow-id")).to_be_visible()
    assert not Campaign.objects.exists()

    page.get_by_label("Phonon flow-id").fill(PHONON_FLOW_ID)
    page.get_by_role("button", name="Check and create").click()
    expect(page.get_by_role("heading", name="Browser reminders")).to_be_visible()
    campaign = Campaign.objects.get()
    sandbox.callback_url = status_callback_url(campaign)
    sandbox.save()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Campaign started.")).to_be_visible()

    # The worker and the live server share one in-memory database: the browser
    # waits on a blank page while the queue runs.
    page.goto("about:blank")
    run_queue()
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    progress = page.locator("#progress")
    expect(progress.get_by_role("heading", name="Progress Completed")).to_be_visible()
    expect(progress.get_by_text("Completed: 8 calls")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(3)
    rows = page.locator("#cdr-table tbody tr")
    expect(rows).to_have_count(8)
    page.locator("select[name=answered]").select_option("yes")
    expect(page.locator("#cdr-table")).not_to_contain_text("No answer")
    screenshot(page, "campaign-detail")
    page.locator("#cdr-table tbody tr a").first.click()
    expect(page.get_by_role("heading", name="What was sent (secrets masked)")).to_be_visible()
    expect(page.locator("pre.payload").first).to_contain_text("client-identifier")
    expect(page.locator("pre.payload").first).not_to_contain_text("S" * 64)


def test_the_campaign_page_follows_a_running_campaign_without_a_reload(
    page, live_server, manager, screenshot
):
    flow = Flow.objects.create(name="Reminder")
    version = FlowVersion.objects.create(flow=flow, number=1, definition=MENU_FLOW)
    sandbox, account = phonon_setup(live_server.url)
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Live reminders",
            flow_version=version,
            account=account,
            phone_list=make_phone_list(5),
            phonon_flow_id=PHONON_FLOW_ID,
            public_base_url=live_server.url,
        ),
        created_by=manager,
    )
    sandbox.callback_url = status_callback_url(campaign)
    sandbox.save()
    start_campaign(campaign=campaign, actor=manager)
    # Send the calls now; the sandbox accepts them and waits for its sweep, which
    # nobody runs here: the calls stay placed without a result until we complete them.
    run_slice(campaign.pk, chain=None, seconds=5)
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.RUNNING

    sign_in(page, live_server, "max", PASSWORD)
    # The live server and this thread share one in-memory database: while the test
    # writes to it, the page's requests wait in the browser (a route is only served
    # when Playwright runs, i.e. between the test's ORM calls).
    page.route(re.compile(r".*/campaigns/.*"), lambda route: route.continue_())
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    badge = page.locator("#campaign-state")
    expect(badge).to_have_text("Running")
    expect(page.locator("#campaign-actions").get_by_role("button", name="Pause")).to_be_visible()
    expect(page.locator("#progress-summary")).to_contain_text("All calls sent; waiting for results")
    expect(page.locator("#cdr-table")).to_contain_text("No call detail records yet.")
    expect(page.locator("#campaign-charts")).to_contain_text("No calls yet")
    page.locator("#cdr-number").focus()

    call_command("sandbox_complete_calls", verbosity=0)

    # No reload: the poll brings the badge, the actions and the audit log, and the
    # charts and call records fetch themselves once the records are there.
    expect(badge).to_have_text("Completed", timeout=15_000)
    expect(page.locator("#progress-state")).to_have_text("Completed")
    expect(page.locator("#campaign-actions").get_by_role("button")).to_have_count(0)
    expect(page.locator("#progress-summary")).to_contain_text("Completed: 5 calls")
    expect(page.locator("#cdr-table tbody tr")).to_have_count(5)
    expect(page.locator("#campaign-charts svg.chart")).to_have_count(3)
    expect(page.locator("#campaign-charts")).not_to_contain_text("No calls yet")
    expect(page.locator("#audit-log")).to_contain_text("running → completed")
    expect(page.locator("#cdr-number")).to_be_focused()  # the refresh left focus alone
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    screenshot(page, "campaign-live")

"""Under the Content-Security-Policy the pages still work in a browser, and the browser
reports nothing refused: the flow editor, the campaign pages (their filter, confirmation
and progress bar now in static files) and Swagger UI."""

from playwright.sync_api import expect

from campaigns.checks import CampaignSettings
from campaigns.models import ProviderAccount
from campaigns.services import create_campaign
from flows.definition import save_definition
from flows.models import Flow, FlowVersion
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.integration.campaigns.conftest import (
    MENU_FLOW,
    PHONON_FLOW_ID,
    PHONON_SECURITY_ID,
    make_phone_list,
)


def watch_for_refusals(page) -> list[str]:
    """Console messages and page errors that mention the policy."""
    refused: list[str] = []

    def note(text: str) -> None:
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            refused.append(text)

    page.on("console", lambda message: note(message.text))
    page.on("pageerror", lambda error: note(str(error)))
    return refused


def test_pages_run_under_the_policy_without_a_refusal(page, live_server, admin_user, screenshot):
    flow = Flow.objects.create(name="Reminder")
    save_definition(flow=flow, definition=MENU_FLOW, user=admin_user)
    version = FlowVersion.objects.create(flow=flow, number=1, definition=MENU_FLOW)
    account = ProviderAccount.objects.create(
        kind="phonon",
        name="Phonon offline",
        base_url="http://127.0.0.1:9/sandbox/phonon",
        credentials={"security_ids": {PHONON_FLOW_ID: PHONON_SECURITY_ID}},
    )
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Draft",
            flow_version=version,
            account=account,
            phone_list=make_phone_list(2),
            phonon_flow_id=PHONON_FLOW_ID,
            public_base_url=live_server.url,
        ),
        created_by=admin_user,
    )
    refused = watch_for_refusals(page)
    sign_in(page, live_server, admin_user.username, PASSWORD)

    # The flow editor: its map and panels are htmx swaps and static scripts.
    page.goto(f"{live_server.url}/flows/{flow.pk}/")
    expect(page.locator("#flow-map svg")).to_be_visible()
    page.locator("#flow-map svg").get_by_text("menu").first.click()
    expect(page.locator("#step-form")).to_be_visible()

    # The campaign list: the state filter submits itself on change (static/js/app.js).
    page.goto(f"{live_server.url}/campaigns/")
    page.get_by_label("State").select_option(label="Draft")
    page.wait_for_url("**/campaigns/?state=draft")
    expect(page.get_by_role("link", name="Draft")).to_be_visible()

    # The campaign page: the progress bar has no inline style; cancelling asks first.
    page.get_by_role("link", name="Draft").click()
    expect(page.locator("progress.progress-bar")).to_be_visible()
    asked: list[str] = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.get_by_role("button", name="Cancel").click()
    assert asked and "Cancel this campaign?" in asked[0]
    campaign.refresh_from_db()
    assert campaign.state == "draft"

    # Swagger UI draws the API from the schema.
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("Dialer Studio API").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    screenshot(page, "csp-swagger-ui")

    assert refused == []

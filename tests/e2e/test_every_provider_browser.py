"""Issue #14, "Done when": for every provider and mode a campaign manager, in the
browser, uploads a phone list, creates a campaign on it, starts it and watches its
results arrive on the open campaign page (no reload), then downloads the CSV and .xlsx
exports and opens them with csv and openpyxl.

Everything is real except the clock: the sandbox answers over HTTP on the live server,
the task queue (django-tasks-db) runs in this thread, the sandbox's calls are completed
by its management command, and Paycall's CDR file fetches queued for later are made
due now. Phonon and iovox report every call to the account's one address (as pasted
once in the provider's console), never to one of the campaign's own.
"""

import csv
import dataclasses
import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from campaigns.callback_urls import account_status_callback_url
from campaigns.models import Campaign, Cdr
from campaigns.models.campaigns import CampaignState
from campaigns.tasks import CDR_TASK_PATH
from flows.models import Flow, FlowVersion
from sandbox import registry
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.integration.campaigns.conftest import (
    IOVOX_LINK,
    MENU_FLOW,
    PHONON_FLOW_ID,
    iovox_setup,
    paycall_setup,
    phonon_setup,
    run_queue,
    same_for_everyone,
)

CONTACTS = [
    ("+972500000011", "Dana"),
    ("+972500000012", "Moshe"),
    ("+972500000013", "נועה"),
    ("+972500000014", "Oleg"),
    ("+972500000015", "Rina"),
]
MESSAGE_FLOW = {
    "schema_version": 1,
    "name": "Message",
    "count_steps": 1,
    "have_dependency": "false",
    "steps": [{"step_id": "message", "gender": "male", "prompt": "Your appointment is at 9."}],
    "variables": [],
}
PROVIDER_FLOW_NAME = "Appointment line"


def phonon_encrypted_setup(base_url: str):
    """The Phonon sandbox account, reached by a Phonon encrypted account with its key."""
    sandbox, account = phonon_setup(base_url)
    account.kind = "phonon_encrypted"
    account.name = "Phonon encrypted test"
    account.credentials = {**account.credentials, "public_key_pem": registry.public_key_of(sandbox)}
    account.save()
    return sandbox, account


@dataclasses.dataclass(frozen=True)
class Case:
    mode: str
    setup: Callable
    flow: dict
    target_label: str = ""  # the campaign field naming the flow at the provider
    target_id: str = ""


CASES = [
    Case("paycall_queue", paycall_setup, same_for_everyone(MENU_FLOW)),
    Case("paycall_per_contact", paycall_setup, MENU_FLOW),
    Case("paycall_simple", paycall_setup, MESSAGE_FLOW),
    Case("phonon", phonon_setup, MENU_FLOW, "Phonon flow-id", PHONON_FLOW_ID),
    Case("phonon_encrypted", phonon_encrypted_setup, MENU_FLOW, "Phonon flow-id", PHONON_FLOW_ID),
    Case("iovox", iovox_setup, MENU_FLOW, "iovox link id", IOVOX_LINK),
]


@pytest.fixture(autouse=True)
def one_request_at_a_time(settings, tmp_path):
    # The live server shares one in-memory SQLite connection between its threads.
    settings.CAMPAIGN_PARALLEL_REQUESTS = 1
    settings.MEDIA_ROOT = tmp_path / "media"


def provider_account(case: Case, base_url: str):
    """The provider account, against the sandbox; Phonon and iovox keep their flows
    by name and report to the account's one address."""
    sandbox, account = case.setup(base_url)
    if case.target_id:
        account.flow_choices = [{"id": case.target_id, "name": PROVIDER_FLOW_NAME}]
        account.save()
        sandbox.callback_url = account_status_callback_url(account)
        sandbox.save()
    return account


def upload_phone_list(page, live_server, tmp_path: Path) -> None:
    """Upload the contacts on the Phone lists page; the import runs in the queue."""
    csv_file = tmp_path / "patients.csv"
    csv_file.write_text(
        "number,first_name\n" + "".join(f"{n},{name}\n" for n, name in CONTACTS), encoding="utf-8"
    )
    page.goto(f"{live_server.url}/phonelists/upload/")
    page.get_by_label("Name").fill("Patients")
    page.get_by_label("Default country").select_option("IL")
    page.locator("input[type=file]").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/phonelists/\d+/$"))
    run_queue(horizon=0)
    imported = page.locator(".pl-counts div").filter(has_text="Imported").locator("dd")
    expect(imported).to_have_text(str(len(CONTACTS)))


def create_campaign_on_the_form(page, live_server, case: Case, account) -> Campaign:
    page.goto(f"{live_server.url}/campaigns/new/")
    page.get_by_label("Name").fill(f"Every provider: {case.mode}")
    page.get_by_label("Flow version").select_option(label="Reminder v1")
    page.get_by_label("Phone list").select_option(label="Patients")
    page.get_by_label("Provider account").select_option(label=str(account))
    if case.target_id:
        # The account's flows come as a select (swapped in for the text field once the
        # account is chosen): the manager picks one by its name.
        page.get_by_role("combobox", name=case.target_label).select_option(
            label=f"{PROVIDER_FLOW_NAME} ({case.target_id})"
        )
    else:
        expect(page.locator("#provider-fields")).to_contain_text("Paycall is sent the whole flow")
    page.get_by_role("button", name="Check and create").click()
    expect(page.get_by_role("heading", name=f"Every provider: {case.mode}")).to_be_visible()
    campaign = Campaign.objects.get()
    assert campaign.mode == case.mode.removesuffix("_encrypted")
    return campaign


def run_due_cdr_fetches(campaign: Campaign) -> None:
    """Time passes for Paycall's CDR file: the fetches queued for later are due now."""
    DBTaskResult.objects.filter(
        task_path=CDR_TASK_PATH, status="READY", args_kwargs__args__0=campaign.pk
    ).update(run_after=timezone.now())
    run_queue(horizon=0)


def send_and_complete_the_calls(campaign: Campaign) -> None:
    """The queue sends the calls; the sandbox completes them and reports (over HTTP);
    Paycall's CDR file is fetched until every call has its record."""
    run_queue(horizon=0)
    call_command("sandbox_complete_calls", stdout=io.StringIO())
    run_queue(horizon=0)
    for _ in range(5):
        campaign.refresh_from_db()
        complete = Cdr.objects.filter(campaign=campaign, start_time__isnull=False).count()
        if campaign.state == CampaignState.COMPLETED and complete == len(CONTACTS):
            return
        run_due_cdr_fetches(campaign)


def download(page, link_name: str, folder: Path, suffix: str) -> Path:
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name).click()
    file = download_info.value
    assert file.suggested_filename.endswith(suffix), file.suggested_filename
    target = folder / file.suggested_filename
    file.save_as(target)
    return target


def read_exports(page, folder: Path) -> tuple[list[list[str]], list[list]]:
    raw = download(page, "Download CSV", folder, ".csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Hebrew
    csv_rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    workbook = openpyxl.load_workbook(
        download(page, "Download Excel (.xlsx)", folder, ".xlsx"), read_only=True
    )
    xlsx_rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    return csv_rows, xlsx_rows


def check_exports(csv_rows: list[list[str]], xlsx_rows: list[list]) -> None:
    header, *rows = csv_rows
    assert xlsx_rows[0] == header
    assert len(rows) == len(xlsx_rows) - 1 == len(CONTACTS)
    number, name, outcome = (
        header.index("Phone number"),
        header.index("first_name"),
        header.index("Outcome"),
    )
    expected = sorted(CONTACTS)
    assert sorted((row[number], row[name]) for row in rows) == expected
    assert sorted((row[number], row[name]) for row in xlsx_rows[1:]) == expected
    assert all(row[outcome] for row in rows)
    assert sorted(row[outcome] for row in rows) == sorted(row[outcome] for row in xlsx_rows[1:])


@pytest.mark.parametrize("case", CASES, ids=[case.mode for case in CASES])
def test_upload_to_results_and_exports(case, page, live_server, manager, tmp_path, screenshot):
    FlowVersion.objects.create(
        flow=Flow.objects.create(name="Reminder"), number=1, definition=case.flow
    )
    account = provider_account(case, live_server.url)
    # The live server and this thread share one in-memory database: the page's
    # requests wait in the browser while this thread writes (a route is only served
    # when Playwright runs, between the test's ORM calls).
    page.route(re.compile(r".*/(campaigns|phonelists)/.*"), lambda route: route.continue_())
    sign_in(page, live_server, "max", PASSWORD)
    upload_phone_list(page, live_server, tmp_path)
    campaign = create_campaign_on_the_form(page, live_server, case, account)

    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Campaign started.")).to_be_visible()
    badge = page.locator("#campaign-state")
    expect(badge).to_have_text("Running")
    expect(page.locator("#cdr-table")).to_contain_text("No call detail records yet.")
    expect(page.locator("#campaign-charts")).to_contain_text("No calls yet")
    page.evaluate("window.keptOpen = true")

    send_and_complete_the_calls(campaign)

    # No reload: the page's poll brings the badge, then the records and the charts.
    expect(badge).to_have_text("Completed", timeout=10_000)
    expect(page.locator("#progress-summary")).to_contain_text(f"Completed: {len(CONTACTS)} calls")
    expect(page.locator("#cdr-table tbody tr")).to_have_count(len(CONTACTS))
    expect(page.locator("#campaign-charts svg.chart")).to_have_count(3)
    expect(page.locator("#cdr-table")).to_contain_text(CONTACTS[0][0])
    assert page.evaluate("window.keptOpen") is True
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    screenshot(page, f"every-provider-{case.mode}")

    check_exports(*read_exports(page, tmp_path))

"""A campaign manager uploads the Paycall document's example list in the browser."""

import os
import re

import pytest
from playwright.sync_api import expect

from phonelists import services
from phonelists.models import PhoneList
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

DOC_EXAMPLE = "tests/fixtures/paycall/upload_numbers.csv"
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings


def upload_through_the_page(page, live_server, name: str) -> None:
    page.goto(f"{live_server.url}/phonelists/")
    page.get_by_role("link", name="Upload a list").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Default country").select_option("IL")
    page.locator("input[type=file]").set_input_files(DOC_EXAMPLE)
    expect(page.locator("[data-filename]")).to_have_text("upload_numbers.csv")
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/phonelists/\d+/$"))


def test_a_manager_uploads_the_example_and_sees_the_report(page, live_server, manager, screenshot):
    sign_in(page, live_server, "max", PASSWORD)
    upload_through_the_page(page, live_server, "Doc example")

    report = page.get_by_test_id("report")
    expect(report).to_contain_text("Imported")
    expect(page.locator(".pl-counts div").filter(has_text="Rows").locator("dd")).to_have_text("4")
    expect(page.locator(".pl-counts div").filter(has_text="Imported").locator("dd")).to_have_text(
        "2"
    )
    expect(page.locator(".pl-reasons")).to_contain_text("not a valid number for its region")
    expect(page.locator(".pl-preview")).to_contain_text("+14155552671")
    expect(page.locator(".pl-preview")).to_contain_text("w1#113")
    link = page.get_by_role("link", name="Download rejected lines (CSV)")
    with page.expect_download() as download_info:
        link.click()
    content = download_info.value.path().read_text(encoding="utf-8")
    assert content.splitlines()[1] == "1,not a valid number for its region,'+972540000000"
    screenshot(page, "phonelists-report")


def test_a_refused_file_shows_its_reason_beside_the_field(page, live_server, manager, tmp_path):
    sign_in(page, live_server, "max", PASSWORD)
    page.goto(f"{live_server.url}/phonelists/upload/")
    tarball = tmp_path / "numbers.tar.gz"
    tarball.write_bytes(b"not really")
    page.get_by_label("Name").fill("Tarball")
    page.locator("input[type=file]").set_input_files(str(tarball))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#id_file_error")).to_contain_text(
        "Tarballs (.tar.gz, .tgz) are not supported"
    )
    expect(page).to_have_url(f"{live_server.url}/phonelists/upload/")


def test_the_progress_updates_until_the_report_appears(page, live_server, manager, media):
    media.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    sign_in(page, live_server, "max", PASSWORD)
    upload_through_the_page(page, live_server, "Waiting")
    expect(page.locator("#import-progress")).to_be_visible()
    # A worker picks the import up; the page, polling each second, shows the report.
    services.run_phone_list_import(PhoneList.objects.get(name="Waiting").pk)
    expect(page.get_by_test_id("report")).to_be_visible(timeout=5000)
    expect(page.locator("#import-progress")).to_have_count(0)


def test_an_xlsx_with_the_e164_policy_and_an_all_invalid_list(page, live_server, manager, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in (["טלפון", "name"], [972540000000, "Dana"], [972212345678, "Moshe"]):
        workbook.active.append(row)
    xlsx = tmp_path / "doc-numbers.xlsx"
    workbook.save(xlsx)
    sign_in(page, live_server, "max", PASSWORD)
    page.goto(f"{live_server.url}/phonelists/upload/")
    page.get_by_label("Name").fill("Excel, E.164")
    page.get_by_label("Default country").select_option("IL")
    page.get_by_label("Numbers accepted").select_option("e164")
    page.locator("input[type=file]").set_input_files(str(xlsx))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/phonelists/\d+/$"))
    expect(page.locator(".pl-counts div").filter(has_text="Imported").locator("dd")).to_have_text(
        "2"
    )
    expect(page.get_by_test_id("report-policy")).to_contain_text("well-formed E.164")
    expect(page.locator(".pl-preview")).to_contain_text("name=Dana")

    # The same numbers, checked as valid for their region: none is usable.
    page.goto(f"{live_server.url}/phonelists/upload/")
    page.get_by_label("Name").fill("Excel, E.164")
    page.get_by_label("Default country").select_option("IL")
    page.locator("input[type=file]").set_input_files(str(xlsx))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#id_name_error")).to_contain_text("already a phone list called")
    page.get_by_label("Name").fill("Excel, by region")
    page.locator("input[type=file]").set_input_files(str(xlsx))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/phonelists/\d+/$"))
    expect(page.get_by_test_id("list-warning")).to_be_visible()
    expect(page.get_by_test_id("no-usable-numbers")).to_have_text("Imported, but no usable numbers")

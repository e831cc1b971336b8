"""CDR helpers: the keys column, mark remove, CSV cells safe from formula injection,
filters from query parameters, and the SVG charts' escaping."""

import csv
import io
from zoneinfo import ZoneInfo

import pytest

from campaigns.cdr_table import parse_filters
from campaigns.cdrs_ingest import e164, keys_column, marked_remove
from campaigns.charts import bar_chart, funnel_chart
from campaigns.exports import csv_text


def test_keys_column_from_a_paycall_steps_report():
    steps = {"steps": [{"dtmf": "12", "step_name": "foo"}, {"dtmf": "1", "step_name": "bar"}]}
    assert keys_column(steps) == ";foo:12;bar:1;"


def test_keys_column_from_a_status_callback_without_steps():
    assert keys_column({}, ["1", "3"]) == ";#1:1;#2:3;"
    assert keys_column({}, []) == ""


def test_mark_remove_in_a_step_entry_or_a_marks_list():
    assert marked_remove({"steps": [{"step_name": "menu", "dtmf": "2", "mark": "remove"}]})
    assert marked_remove({}, [{"type": "remove"}])
    assert not marked_remove({"steps": [{"step_name": "menu", "mark": "custom", "value": "x"}]})


def test_numbers_are_kept_with_the_plus():
    assert e164("972501234567") == e164("+972501234567") == "+972501234567"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ('+HYPERLINK("http://evil")', '\'+HYPERLINK("http://evil")'),
        ("+972-50-1234567", "'+972-50-1234567"),
        ("-1+2", "'-1+2"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("NORMAL_CLEARING", "NORMAL_CLEARING"),
        (16, "16"),
        (None, ""),
    ],
)
def test_csv_cells_never_start_a_formula(value, cell):
    text = csv_text(value, ZoneInfo("Asia/Jerusalem"))
    assert text == cell
    parsed = next(csv.reader(io.StringIO(_line(text))))
    assert not parsed[0].startswith(("=", "+", "-", "@", "\t"))


@pytest.mark.parametrize("number", ["+972501234567", "-5", "+1.5"])
def test_csv_keeps_a_signed_number_as_it_is(number):
    # A sign and digits runs nothing in a spreadsheet; E.164 numbers keep their "+".
    assert csv_text(number, ZoneInfo("Asia/Jerusalem")) == number


def _line(cell: str) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([cell])
    return out.getvalue()


def test_filters_are_checked_and_reported_by_parameter():
    filters, errors = parse_filters(
        {"outcome": "answered", "answered": "yes", "step": "menu", "key": "1", "number": "+97250"}
    )
    assert errors == {}
    assert (filters.outcome, filters.answered, filters.key, filters.number) == (
        "answered",
        "yes",
        "1",
        "+97250",
    )
    _, errors = parse_filters(
        {"outcome": "maybe", "answered": "perhaps", "key": "x", "number": "abc", "after": "z"}
    )
    assert set(errors) == {"outcome", "answered", "key", "number", "after"}
    _, errors = parse_filters({"size": "100000"})
    assert "size" in errors


def test_charts_escape_every_text():
    svg = bar_chart("Outcomes <b>", [("<script>alert(1)</script>", 3)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    funnel = funnel_chart([("step<1>", [("1", 5), ("2", 3)])])
    assert "step&lt;1&gt;" in funnel and 'role="img"' in funnel


def test_webhook_addresses_match_the_webhook_routes():
    from types import SimpleNamespace

    from django.urls import resolve

    from campaigns.callback_urls import WEBHOOK_PREFIX, status_callback_url, steps_report_url

    campaign = SimpleNamespace(key="abc123", webhook_token="tok-en_1", public_base_url="http://x/")
    assert steps_report_url(campaign) == "http://x/webhooks/campaigns/abc123/tok-en_1/paycall"
    for address in (steps_report_url(campaign), status_callback_url(campaign)):
        path = address.removeprefix("http://x" + WEBHOOK_PREFIX)
        match = resolve("/" + path, urlconf="campaigns.webhook_urls")
        assert match.kwargs == {"key": "abc123", "token": "tok-en_1"}

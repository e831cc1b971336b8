"""Call-record exports a manager can use: CSV and Excel (.xlsx) with the same columns.

One function, `export_table`, turns a campaign's CDRs (with the CDR table's filters)
into a header row and a lazy iterator of rows of plain values (str, int, bool, aware
datetime, None); `csv_response` and `xlsx_response` only encode those rows. The page's
export and the REST API's call `export_response`, so both give the same file.

The rules the rows keep:
- One row per CDR, newest first (the table's order), read in keyset chunks joined to
  the call: the query count grows with the chunks, never with the rows.
- Times are in the campaign's time zone, the one its page shows. CSV cells carry the
  offset (2026-12-01T18:53:36+02:00); Excel has no time zones, so .xlsx cells are real
  Excel datetimes, naive in the campaign's zone (sortable and filterable), and every
  time column's header names the zone.
- The caller id is the CDR's, else the call's, else the campaign's.
- Every contact variable gets a column, across all the campaign's calls (not only the
  filtered ones, so the columns do not move with the filters): the flow's declared
  variables in the flow's order, then any other name alphabetically.
- Keys pressed are one cell, "step: key | step: key" in the order pressed: a loop
  through a step shows each visit, and Excel's "contains" filter finds "menu: 1".
- Outcome and answered come from one function over the same evidence (`call_result`),
  so a row never says outcome=answered beside answered=False.
- Text never runs as a formula: see `csv_text` and `_xlsx_text`.
"""

import csv
import datetime as dt
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext

# openpyxl ships no type information and the lock has no stubs for it.
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

from .cdr_table import CdrFilters, filtered
from .models import Call, Campaign, DispatchBatch
from .models.campaigns import Outcome

Value = str | int | bool | dt.datetime | None

EXPORT_CHUNK = 2000
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's last row is 1,048,576; a longer export goes on to a second sheet.
XLSX_MAX_DATA_ROWS = 1_048_575

# What a CDR row is read as: the CDR joined to its call (a LEFT JOIN, one query a chunk).
FIELDS = (
    "pk",
    "phone_number",
    "cli",
    "start_time",
    "answer_time",
    "hangup_time",
    "duration",
    "billsec",
    "hangup_cause",
    "q850",
    "cause_description",
    "outcome",
    "answered",
    "keys",
    "marked_remove",
    "provider_campaign_id",
    "source",
    "call__cli",
    "call__variables",
    "call__idempotency_key",
    "call__provider_ref",
    "call__batch_id",
    "call__state",
    "call__sent_at",
    "call__error_code",
    "call__error_message",
)

# A CSV cell starting with one of these is a formula (or, for tab/CR/LF, shifts the
# cell) in Excel, LibreOffice and Sheets.
FORMULA_PREFIXES = ("=", "@", "\t", "\r", "\n")
# "+" and "-" start formulas too, but an E.164 number is "+" and digits: Excel reads
# "+972541234567" as the number it is, which runs nothing. So a value that is a sign
# and a plain number stays as it is (no "'" in front of every phone number, which the
# issue asked for, and which other programs would keep as part of the number); a sign
# followed by anything else ("+cmd|...", "-2+3", "+HYPERLINK(...)") gets the "'".
# Excel users who need the "+" kept visible take the .xlsx, whose numbers are text cells.
SIGNED_NUMBER_RE = re.compile(r"^[+-][0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True)
class ExportTable:
    headers: list[str]
    rows: Iterator[list[Value]]
    zone: ZoneInfo


def campaign_zone(campaign: Campaign) -> ZoneInfo:
    try:
        return ZoneInfo(campaign.time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def call_result(
    *,
    outcome: str,
    answered: bool,
    answer_time: dt.datetime | None,
    billsec: int,
    keys: str,
    start_time: dt.datetime | None,
) -> tuple[str, bool]:
    """(outcome, answered) from one reading of the record's evidence.

    Stored rows can disagree: the outcome comes from the hangup cause (NORMAL_CLEARING
    reads "answered") while `answered` comes from the answer time, and a CDR CSV that
    refreshes a steps-report row resets `answered` but keeps the outcome. Here an
    answer time, billed seconds, a key pressed or a provider's own "answered" status
    (the stored flag) mean answered. A record with the provider's times and none of
    that evidence was not answered, whatever its cause (Paycall: answer_time is
    "empty if there was no answer"); one without times (a steps report alone) has only
    its cause to go by.
    """
    timed = start_time is not None
    was_answered = (
        answered
        or answer_time is not None
        or billsec > 0
        or bool(keys.strip(";"))
        or (not timed and outcome == Outcome.ANSWERED)
    )
    if was_answered:
        return Outcome.ANSWERED.value, True
    if outcome == Outcome.ANSWERED:
        return Outcome.NO_ANSWER.value, False
    return outcome, False


def keys_text(keys: str) -> str:
    """';menu:1;confirm:2;' -> 'menu: 1 | confirm: 2'."""
    parts = []
    for part in keys.split(";"):
        if part:
            step, _, key = part.rpartition(":")
            parts.append(f"{step}: {key}" if step else key)
    return " | ".join(parts)


def variable_names(campaign: Campaign) -> list[str]:
    """The flow's declared variables in its order, then every other contact variable
    of the campaign's calls alphabetically (a stable order on every database: JSONB
    does not keep key order)."""
    definition = campaign.flow_version.definition if campaign.flow_version_id else {}
    declared = [
        str(variable["name"])
        for variable in (definition or {}).get("variables") or []
        if isinstance(variable, dict) and variable.get("name")
    ]
    seen: set[str] = set()
    for variables in (
        Call.objects.filter(campaign=campaign)
        .values_list("variables", flat=True)
        .iterator(chunk_size=EXPORT_CHUNK)
    ):
        if isinstance(variables, dict):
            seen.update(variables)
    return declared + sorted(seen.difference(declared))


def headers(zone: ZoneInfo, variables: list[str]) -> list[str]:
    zone_name = str(zone)
    fixed_start = [gettext("Phone number"), gettext("Caller ID")]
    fixed_rest = [
        gettext("Start time (%(zone)s)") % {"zone": zone_name},
        gettext("Answer time (%(zone)s)") % {"zone": zone_name},
        gettext("Hangup time (%(zone)s)") % {"zone": zone_name},
        gettext("Duration (s)"),
        gettext("Talk time (s)"),
        gettext("Outcome"),
        gettext("Answered"),
        gettext("Keys pressed (step: key)"),
        gettext("Hangup cause"),
        gettext("Q.850 code"),
        gettext("Hangup cause description"),
        gettext("Asked to be removed"),
        gettext("Call state"),
        gettext("Sent at (%(zone)s)") % {"zone": zone_name},
        gettext("Send attempts"),
        gettext("Error"),
        gettext("Our call reference"),
        gettext("Provider call id"),
        gettext("Provider campaign id"),
        gettext("Record source"),
    ]
    taken = set(fixed_start + fixed_rest)
    # A contact variable named like a fixed column keeps its data, under a marked name.
    named = [
        gettext("%(name)s (contact)") % {"name": name} if name in taken else name
        for name in variables
    ]
    return fixed_start + named + fixed_rest


@dataclass(frozen=True)
class BatchFacts:
    attempts: int
    refs: Mapping[str, str]


def batch_facts(answers: Iterable[tuple[int, int, Any]]) -> dict[int, BatchFacts]:
    """Send attempts and provider call ids (idempotency key -> id) per batch: batched
    calls keep their provider id in the batch's answer (see the contact page)."""
    facts = {}
    for pk, attempts, answer in answers:
        accepted = answer.get("accepted") if isinstance(answer, dict) else None
        refs = {
            str(pair[0]): str(pair[1])
            for pair in accepted or []
            if isinstance(pair, (list, tuple)) and len(pair) == 2
        }
        facts[pk] = BatchFacts(attempts=attempts, refs=refs)
    return facts


def build_row(
    record: Mapping[str, Any],
    *,
    variables: list[str],
    campaign_cli: str,
    batches: Mapping[int, BatchFacts],
) -> list[Value]:
    """One CDR (a FIELDS mapping) as the export's row of values, in `headers` order."""
    outcome, answered = call_result(
        outcome=record["outcome"],
        answered=record["answered"],
        answer_time=record["answer_time"],
        billsec=record["billsec"],
        keys=record["keys"] or "",
        start_time=record["start_time"],
    )
    contact = record["call__variables"] if isinstance(record["call__variables"], dict) else {}
    batch = batches.get(record["call__batch_id"]) if record["call__batch_id"] else None
    key = record["call__idempotency_key"] or ""
    provider_ref = record["call__provider_ref"] or (batch.refs.get(key, "") if batch else "")
    error = " ".join(
        part for part in (record["call__error_code"], record["call__error_message"]) if part
    )
    return [
        record["phone_number"],
        record["cli"] or record["call__cli"] or campaign_cli,
        *[_variable(contact.get(name)) for name in variables],
        record["start_time"],
        record["answer_time"],
        record["hangup_time"],
        record["duration"],
        record["billsec"],
        outcome,
        answered,
        keys_text(record["keys"] or ""),
        record["hangup_cause"],
        record["q850"] or None,
        record["cause_description"],
        record["marked_remove"],
        record["call__state"] or "",
        record["call__sent_at"],
        batch.attempts if batch else None,
        error,
        key,
        provider_ref,
        record["provider_campaign_id"],
        record["source"],
    ]


def _variable(value: Any) -> Value:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _records(campaign: Campaign, filters: CdrFilters) -> Iterator[list[dict[str, Any]]]:
    """Chunks of matching CDRs joined to their calls, newest first. Keyset chunks, not
    one long cursor: a slow download holds no transaction or server-side cursor open."""
    qs = filtered(campaign, filters).order_by("-pk").values(*FIELDS)
    cursor = None
    while True:
        chunk = list((qs if cursor is None else qs.filter(pk__lt=cursor))[:EXPORT_CHUNK])
        if not chunk:
            return
        yield chunk
        cursor = chunk[-1]["pk"]


def _rows(campaign: Campaign, filters: CdrFilters, variables: list[str]) -> Iterator[list[Value]]:
    for chunk in _records(campaign, filters):
        batch_ids = {record["call__batch_id"] for record in chunk if record["call__batch_id"]}
        batches = batch_facts(
            DispatchBatch.objects.filter(pk__in=batch_ids).values_list("pk", "attempts", "answer")
            if batch_ids
            else ()
        )
        for record in chunk:
            yield build_row(record, variables=variables, campaign_cli=campaign.cli, batches=batches)


def export_table(campaign: Campaign, filters: CdrFilters) -> ExportTable:
    """The header now (in the request's language), the rows as they are read."""
    zone = campaign_zone(campaign)
    variables = variable_names(campaign)
    return ExportTable(
        headers=headers(zone, variables), rows=_rows(campaign, filters, variables), zone=zone
    )


# CSV


def csv_text(value: Value, zone: ZoneInfo) -> str:
    """A value as CSV text that a spreadsheet shows and never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).isoformat(timespec="seconds")
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) or (
        text.startswith(("+", "-")) and not SIGNED_NUMBER_RE.match(text)
    ):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(table: ExportTable) -> Iterator[str]:
    """UTF-8 text with a byte order mark, without which Excel reads Hebrew and Russian
    as Windows-1255 or -1252 mojibake."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([csv_text(name, table.zone) for name in table.headers])
    for row in table.rows:
        yield writer.writerow([csv_text(value, table.zone) for value in row])


def csv_response(table: ExportTable, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(table), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Excel


def _xlsx_text(sheet: Any, text: str) -> Any:
    """Text as a text cell. openpyxl would store "=..." as a formula and "#N/A" as an
    error; those become string cells explicitly, shown exactly as they are (no "'").
    Control characters XML cannot carry are dropped rather than failing the file."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith("=") or text in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text


def _xlsx_value(sheet: Any, value: Value, zone: ZoneInfo) -> Any:
    if isinstance(value, dt.datetime):
        # openpyxl gives a datetime cell its date format (yyyy-mm-dd h:mm:ss) itself;
        # a styled cell per time would cost a third of the writing time.
        return value.astimezone(zone).replace(tzinfo=None)
    if isinstance(value, str):
        return _xlsx_text(sheet, value)
    return value


def _new_sheet(workbook: Any, table: ExportTable, number: int) -> Any:
    title = gettext("Calls") if number == 1 else f"{gettext('Calls')} {number}"
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in table.headers:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", name))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def write_xlsx(table: ExportTable, target: Any) -> None:
    """The table as an .xlsx workbook written to `target` (a path or binary file),
    in openpyxl's write-only mode: rows go to disk as they come, memory stays flat."""
    workbook = Workbook(write_only=True)
    number = 1
    sheet = _new_sheet(workbook, table, number)
    written = 0
    for row in table.rows:
        if written == XLSX_MAX_DATA_ROWS:
            number += 1
            sheet = _new_sheet(workbook, table, number)
            written = 0
        sheet.append([_xlsx_value(sheet, value, table.zone) for value in row])
        written += 1
    workbook.save(target)


def xlsx_response(table: ExportTable, filename: str) -> FileResponse:
    # A zip's directory is written last, so the workbook cannot be streamed as it is
    # built: it goes to an anonymous temporary file, removed when the response closes it.
    target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(table, target)
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )


def export_response(
    campaign: Campaign, filters: CdrFilters, fmt: str
) -> StreamingHttpResponse | FileResponse:
    """The campaign's call records as a download in `fmt` ("csv" or "xlsx")."""
    table = export_table(campaign, filters)
    filename = f"campaign-{campaign.pk}-cdrs.{fmt}"
    if fmt == "xlsx":
        return xlsx_response(table, filename)
    return csv_response(table, filename)

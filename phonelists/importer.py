"""The import itself: stored file -> validated rows -> contacts in chunks, with a report.

One pass over the file in bounded memory (apart from the set of numbers seen, kept as
integers for dedupe). Blocks of validated lines come from `pipeline` (a worker process
on big files); here they are deduped, checked against the do-not-call list and
written in chunks (PostgreSQL COPY, SQLite executemany), each chunk in its own
transaction; between chunks the progress is saved and the cancel flag is read.
"""

import csv
import heapq
import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import connection, transaction

from dialer_site.db import analyze_after_load

from . import columns
from .dedupe import NumberSet
from .limits import current_limits
from .models import Contact, DoNotCall, NumberPolicy, PhoneList
from .pipeline import FileSpec, validated_blocks, validated_blocks_in_worker
from .rows import ListRules

PREVIEW_ROWS = 10
REASON_DUPLICATE = "duplicate"
REASON_DNC = "do not call"
# Spreadsheets run cells that start with these as formulas (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class Cancelled(Exception):
    pass


@dataclass
class Tally:
    total: int = 0
    imported: int = 0
    rejected: int = 0
    duplicates: int = 0
    dnc: int = 0
    dtmf_chars_dropped: int = 0
    reasons: Counter = field(default_factory=Counter)
    preview: list = field(default_factory=list)

    def as_fields(self) -> dict:
        return {
            "total": self.total,
            "imported": self.imported,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "dnc": self.dnc,
            "dtmf_chars_dropped": self.dtmf_chars_dropped,
            "reasons": dict(self.reasons.most_common()),
            "preview": self.preview,
        }


class ContactWriter:
    """Bulk inserts of contact rows: COPY on PostgreSQL, executemany elsewhere."""

    COLUMNS = (
        "phone_list_id",
        "line_number",
        "number",
        "cli",
        "dtmf_originator",
        "alternates",
        "variables",
    )

    def __init__(self, phone_list_id: int):
        self.phone_list_id = phone_list_id
        self.table = Contact._meta.db_table
        self.postgres = connection.vendor == "postgresql"
        if connection.vendor == "sqlite":
            # The (list, line) index is updated on every insert; SQLite's default 2 MB
            # page cache makes that cost more than the row itself; 16 MB is enough.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -16384")

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        columns = ", ".join(self.COLUMNS)
        with transaction.atomic(), connection.cursor() as cursor:
            if self.postgres:
                # COPY text format: tab-separated with backslash escapes. Numbers, caller
                # IDs and DTMF are plain characters after validation; the JSON columns
                # never hold a raw tab or newline but may hold backslashes.
                prefix = f"{self.phone_list_id}\t"
                data = "".join(
                    f"{prefix}{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t"
                    f"{r[5].replace(chr(92), chr(92) * 2)}\n"
                    for r in rows
                )
                with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    copy.write(data)
            else:
                list_id = self.phone_list_id
                cursor.executemany(
                    f"INSERT INTO {self.table} ({columns}) "  # noqa: S608
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [(list_id, *r) for r in rows],
                )


def do_not_call_keys() -> set[int]:
    return {int(n[1:]) for n in DoNotCall.objects.values_list("number", flat=True).iterator()}


def file_spec(phone_list: PhoneList) -> FileSpec:
    mapping = ()
    # A file without a header follows the document's column order, unless the uploader
    # gave a mapping of their own.
    given = phone_list.mapping != columns.positional_mapping(len(phone_list.mapping))
    if phone_list.has_header or given:
        mapping = tuple((entry["role"], entry.get("name", "")) for entry in phone_list.mapping)
    limits = current_limits()
    return FileSpec(
        path=default_storage.path(phone_list.source_file),
        file_format=phone_list.file_format,
        file_size=phone_list.file_size,
        encoding=phone_list.encoding,
        has_header=phone_list.has_header,
        rules=ListRules(
            default_region=phone_list.default_country or None,
            mapping=mapping,
            max_columns=limits["PHONELIST_MAX_COLUMNS"],
            well_formed=phone_list.number_policy == NumberPolicy.E164,
        ),
        limits=limits,
    )


def run_import(
    phone_list: PhoneList,
    *,
    on_chunk: Callable[[Tally, int], None] | None = None,
) -> Tally:
    """Import the list's stored file into contacts and return the tally.

    `on_chunk(tally, bytes_read)` runs after each chunk is written; it may raise
    Cancelled. Raises reading.FileRefused when the file breaks a limit.
    """
    tally = Tally()
    reasons = tally.reasons
    dnc = do_not_call_keys()
    seen = NumberSet(expected=_expected_rows(phone_list))
    writer = ContactWriter(phone_list.pk)
    spec = file_spec(phone_list)
    parallel = phone_list.file_size >= spec.limits["PHONELIST_PARALLEL_MIN_BYTES"]
    results = validated_blocks_in_worker(spec) if parallel else validated_blocks(spec)

    rejected_path = default_storage.path(phone_list.rejected_path)
    os.makedirs(os.path.dirname(rejected_path), exist_ok=True)
    with open(rejected_path, "w", newline="", encoding="utf-8") as rejected_file:
        rejected_csv = csv.writer(rejected_file)
        rejected_csv.writerow(["line", "reason", "content"])

        def reject(line_number: int, reason: str, content: str) -> None:
            # content: the line as it was in the file (an Excel row as CSV).
            rejected_csv.writerow([line_number, reason, spreadsheet_safe(content)])

        try:
            for result, bytes_read in results:
                tally.total += len(result.accepted) + len(result.rejected)
                tally.dtmf_chars_dropped += result.dtmf_chars_dropped
                for _line_number, reason, _content in result.rejected:
                    tally.rejected += 1
                    reasons[reason] += 1
                left_out = []
                rows = []
                for row, line in zip(result.accepted, result.accepted_lines, strict=True):
                    key = int(row[1][1:])
                    if not seen.add(key):
                        tally.duplicates += 1
                        left_out.append((row[0], REASON_DUPLICATE, line))
                        continue
                    if key in dnc:
                        tally.dnc += 1
                        left_out.append((row[0], REASON_DNC, line))
                        continue
                    rows.append(row)
                # The rejected-lines file in file order (both lists are in line order).
                for line_number, reason, content in heapq.merge(
                    result.rejected, left_out, key=_line_of
                ):
                    reject(line_number, reason, content)
                _add_preview(tally, rows)
                writer.write(rows)
                tally.imported += len(rows)
                if on_chunk:
                    on_chunk(tally, bytes_read)
        finally:
            results.close()
    analyze_after_load(tally.imported, Contact)
    return tally


def _line_of(entry: tuple) -> int:
    return entry[0]


def _expected_rows(phone_list: PhoneList) -> int:
    """A guess of the row count, so the dedupe table rarely has to grow: a list line
    is 15-60 bytes, and compressed files shrink about four times."""
    compressed = phone_list.file_format in ("zip", "gz")
    return phone_list.file_size * (4 if compressed else 1) // 24


def _add_preview(tally: Tally, rows: list[tuple]) -> None:
    for line_number, number, cli, dtmf, alternates, variables in rows:
        if len(tally.preview) >= PREVIEW_ROWS:
            return
        tally.preview.append(
            {
                "line": line_number,
                "number": number,
                "cli": cli,
                "dtmf_originator": dtmf,
                "alternates": json.loads(alternates),
                "variables": json.loads(variables),
            }
        )

"""Writes to phone lists and the do-not-call list. Views, the API, the command and the
tasks call these; campaigns call `is_do_not_call` / `add_do_not_call` at dispatch and
when the IVR's `mark` action with type `remove` reports a number.

The import runs in a task (`phonelists.tasks`), which calls `run_phone_list_import`
here; so a service that queues it is handed the task's `enqueue` by its caller
rather than importing the task module, which imports this one."""

import contextlib
import io
import os
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext

from . import columns
from .importer import Cancelled, Tally, run_import
from .limits import limit
from .models import DoNotCall, NumberPolicy, PhoneList
from .numbers import normalise_number
from .reading import (
    SAMPLE_BYTES,
    XLSX,
    FileRefused,
    RowProblem,
    check_filename,
    detect_encoding,
    detect_format,
    iter_rows,
    iter_xlsx_rows,
    open_decompressed,
    open_text,
)

SAMPLE_ROWS = 5
# An import that has not finished a chunk for this long is taken to be dead: far
# longer than a chunk takes, so a live import is never started a second time.
IMPORT_LEASE_SECONDS = 300


def import_lease() -> timedelta:
    return timedelta(
        seconds=float(getattr(settings, "PHONELIST_IMPORT_LEASE_SECONDS", IMPORT_LEASE_SECONDS))
    )


class MappingInvalid(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(" ".join(errors))
        self.errors = errors


def _sample_text_rows(source, file_format: str, size: int) -> tuple[str, list[list[str]]]:
    """(encoding, the first rows) of a text list, from its first 64 KB."""
    binary = open_decompressed(source, file_format, size)
    sample = binary.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileRefused("The file is empty.")
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="replace").replace("\x00", "")
    if "\n" in text[:-1] and len(sample) == SAMPLE_BYTES:
        # Drop the last, probably cut, line of a sample taken from a longer file.
        text = text[: text.rstrip("\r\n").rfind("\n") + 1] or text
    rows = []
    for _line, cells in iter_rows(io.StringIO(text.lstrip("\ufeff"), newline="")):
        if not isinstance(cells, RowProblem):
            rows.append(cells)
        if len(rows) > SAMPLE_ROWS:
            break
    return encoding, rows


def _sample_xlsx_rows(source, size: int) -> list[list[str]]:
    rows = []
    for _row, cells, _count in iter_xlsx_rows(source, size):
        rows.append(cells)
        if len(rows) > SAMPLE_ROWS:
            break
    return rows


def inspect_file(source, filename: str, size: int, default_region: str | None = None) -> dict:
    """Format, encoding, header, the first rows and a column mapping of a list file,
    without reading it all. `mapping_complete` says whether the number column is
    clear (then the import needs no mapping step). Raises FileRefused for what
    cannot be imported."""
    if size == 0:
        raise FileRefused("The file is empty.")
    head = source.read(8)
    source.seek(0)
    file_format = detect_format(filename, head, source)
    if file_format == XLSX:
        encoding, rows = "", _sample_xlsx_rows(source, size)
    else:
        encoding, rows = _sample_text_rows(source, file_format, size)
    if not rows:
        raise FileRefused("The file holds no rows.")
    has_header = columns.looks_like_header(rows[0])
    if has_header and len(rows) == 1:
        raise FileRefused("The file has a header row but no numbers.")
    headers = rows[0] if has_header else []
    data = rows[1:] if has_header else rows
    column_count = max(len(r) for r in rows)
    if has_header:

        def is_number(value: str) -> bool:
            return normalise_number(value, default_region).e164 is not None

        mapping, complete = columns.guess_mapping(headers, data[:SAMPLE_ROWS], is_number)
    else:
        mapping, complete = columns.positional_mapping(max(column_count, 3)), True
    return {
        "file_format": file_format,
        "encoding": encoding,
        "has_header": has_header,
        "headers": headers,
        "sample_rows": data[:SAMPLE_ROWS],
        "mapping": mapping,
        "mapping_complete": complete,
    }


def _store(upload) -> str:
    name = get_valid_filename(os.path.basename(upload.name)) or "list.csv"
    return default_storage.save(f"phonelists/uploads/{uuid.uuid4().hex}/{name}", upload)


class NameTaken(Exception):
    """Another list has this name (a campaign form could not tell the two apart)."""

    def __init__(self, name: str):
        super().__init__(name_taken_message(name))


def name_taken_message(name: str) -> str:
    return gettext('There is already a phone list called "%(name)s": choose another name.') % {
        "name": name
    }


def name_is_taken(name: str) -> bool:
    return PhoneList.objects.filter(name=name).exists()


def upload_phone_list(
    *,
    name: str,
    upload,
    default_country: str = "",
    number_policy: str = NumberPolicy.REGION,
    created_by=None,
    mapping: list[dict] | None = None,
    enqueue: Callable[[int], object] | None = None,
) -> PhoneList:
    """Store the file, look at it, and queue its import with `enqueue(phone_list_id)`
    (or wait for a column mapping when the number column is not clear and no mapping
    was given: extra columns alone do not ask for one, they become variables). The
    pages and the API pass the import task's `enqueue`; a script that runs the import
    itself passes none. Raises NameTaken, FileRefused or MappingInvalid.
    """
    if upload.size > limit("PHONELIST_MAX_UPLOAD_BYTES"):
        maximum = limit("PHONELIST_MAX_UPLOAD_BYTES")
        raise FileRefused(f"The file is larger than the {maximum} bytes allowed.")
    if name_is_taken(name):
        raise NameTaken(name)
    check_filename(upload.name)
    stored = _store(upload)
    try:
        with default_storage.open(stored, "rb") as source:
            facts = inspect_file(source, upload.name, upload.size, default_country or None)
    except FileRefused:
        default_storage.delete(stored)
        raise
    column_count = max([len(facts["headers"])] + [len(r) for r in facts["sample_rows"]])
    if mapping is not None:
        errors = columns.mapping_errors(mapping, column_count)
        if errors:
            default_storage.delete(stored)
            raise MappingInvalid(errors)
        ready = True
    else:
        mapping = facts["mapping"]
        ready = facts["mapping_complete"]
    try:
        # A savepoint: another upload may have taken the name since the check above.
        with transaction.atomic():
            phone_list = PhoneList.objects.create(
                name=name,
                default_country=default_country or "",
                number_policy=number_policy,
                status=PhoneList.Status.QUEUED if ready else PhoneList.Status.NEEDS_MAPPING,
                source_file=stored,
                original_filename=upload.name.replace("\x00", "")[:255],
                file_size=upload.size,
                file_format=facts["file_format"],
                encoding=facts["encoding"],
                has_header=facts["has_header"],
                headers=facts["headers"],
                mapping=mapping,
                sample_rows=facts["sample_rows"],
                created_by=created_by,
            )
    except IntegrityError as error:
        default_storage.delete(stored)
        if name_is_taken(name):
            raise NameTaken(name) from error
        raise
    if ready and enqueue is not None:
        enqueue(phone_list.pk)
    return phone_list


def set_mapping(
    *, phone_list: PhoneList, mapping: list[dict], enqueue: Callable[[int], object]
) -> PhoneList:
    """Take the column mapping of a list that waits for one, and queue its import."""
    if phone_list.status != PhoneList.Status.NEEDS_MAPPING:
        raise MappingInvalid(["The list's columns are already mapped."])
    column_count = max([len(phone_list.headers)] + [len(r) for r in phone_list.sample_rows])
    errors = columns.mapping_errors(mapping, column_count)
    if errors:
        raise MappingInvalid(errors)
    phone_list.mapping = mapping
    phone_list.status = PhoneList.Status.QUEUED
    phone_list.save(update_fields=["mapping", "status"])
    enqueue(phone_list.pk)
    return phone_list


def cancel_import(*, phone_list: PhoneList) -> PhoneList:
    """Ask the import to stop; a list that has not started yet stops at once."""
    if phone_list.is_finished:
        return phone_list
    PhoneList.objects.filter(pk=phone_list.pk).update(cancel_requested=True)
    PhoneList.objects.filter(
        pk=phone_list.pk, status__in=[PhoneList.Status.QUEUED, PhoneList.Status.NEEDS_MAPPING]
    ).update(status=PhoneList.Status.CANCELLED, finished_at=timezone.now())
    phone_list.refresh_from_db()
    return phone_list


class ListBusy(Exception):
    pass


class Superseded(Exception):
    """This run's claim was taken over: its heartbeat stopped long enough for the list
    to be imported again, by a run that owns it now."""


def delete_phone_list(*, phone_list: PhoneList) -> None:
    """Delete a list, its contacts and its files; not while it is being imported."""
    if phone_list.status == PhoneList.Status.IMPORTING:
        raise ListBusy("The list is being imported: cancel the import first.")
    for path in (phone_list.source_file, phone_list.rejected_path):
        if path and default_storage.exists(path):
            folder = os.path.dirname(default_storage.path(path))
            default_storage.delete(path)
            # Each file has a folder of its own; remove it once it is empty.
            with contextlib.suppress(OSError):
                os.rmdir(folder)
    phone_list.delete()


def run_phone_list_import(phone_list_id: int) -> dict:
    """The background import. Safe to run twice: a finished list is left alone, and an
    interrupted one starts again from a clean slate (its contacts so far are deleted,
    so none is saved twice)."""
    now = timezone.now()
    # Claim the list: queued, or importing with a stopped heartbeat (its worker died).
    # A second run while the first is alive finds nothing to claim and leaves it be.
    stale = Q(status=PhoneList.Status.IMPORTING) & (
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - import_lease())
    )
    claimed = PhoneList.objects.filter(
        Q(status=PhoneList.Status.QUEUED) | stale, pk=phone_list_id
    ).update(status=PhoneList.Status.IMPORTING, started_at=now, heartbeat_at=now)
    phone_list = PhoneList.objects.filter(pk=phone_list_id).first()
    if phone_list is None:
        return {}
    if not claimed:
        return phone_list.report()
    phone_list.contacts.all().delete()

    def on_chunk(tally: Tally, bytes_read: int) -> None:
        # The claim's start time is its token: only the run that holds it beats.
        beat = PhoneList.objects.filter(pk=phone_list_id, started_at=now).update(
            bytes_read=bytes_read, heartbeat_at=timezone.now(), **_counts(tally)
        )
        if not beat:
            raise Superseded
        if PhoneList.objects.filter(pk=phone_list_id, cancel_requested=True).exists():
            raise Cancelled

    finished = {"finished_at": timezone.now}
    try:
        tally = run_import(phone_list, on_chunk=on_chunk)
    except Superseded:
        # The run that took over owns the list, its contacts and its report.
        return {}
    except Cancelled:
        phone_list.contacts.all().delete()
        _finish(phone_list_id, PhoneList.Status.CANCELLED, imported=0, **finished)
    except FileRefused as refusal:
        phone_list.contacts.all().delete()
        _finish(phone_list_id, PhoneList.Status.FAILED, error=str(refusal), imported=0, **finished)
    except Exception:
        phone_list.contacts.all().delete()
        _finish(
            phone_list_id,
            PhoneList.Status.FAILED,
            error="The import stopped because of an internal error; it has been logged.",
            imported=0,
            **finished,
        )
        raise
    else:
        _finish(
            phone_list_id,
            PhoneList.Status.DONE,
            bytes_read=phone_list.file_size,
            **_counts(tally),
            preview=tally.preview,
            **finished,
        )
    phone_list.refresh_from_db()
    return phone_list.report()


def _counts(tally: Tally) -> dict:
    fields = tally.as_fields()
    fields.pop("preview")
    return fields


def _finish(phone_list_id: int, status: str, **fields) -> None:
    values = {k: (v() if callable(v) else v) for k, v in fields.items()}
    PhoneList.objects.filter(pk=phone_list_id).update(status=status, **values)


# --- Do not call -----------------------------------------------------------------


def _e164(numbers: Iterable[str], default_country: str | None = None):
    for raw in numbers:
        yield raw, normalise_number(str(raw), default_country or None)


def is_do_not_call(numbers: Iterable[str]) -> set[str]:
    """The given numbers (as given) that are on the do-not-call list."""
    by_e164: dict[str, list[str]] = {}
    for raw, verdict in _e164(numbers):
        if verdict.e164:
            by_e164.setdefault(verdict.e164, []).append(raw)
    found: set[str] = set()
    keys = list(by_e164)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for number in DoNotCall.objects.filter(number__in=chunk).values_list("number", flat=True):
            found.update(by_e164[number])
    return found


@transaction.atomic
def add_do_not_call(
    numbers: Iterable[str],
    *,
    source: str,
    reason: str = "",
    created_by=None,
    default_country: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Put numbers on the do-not-call list. Returns (E.164 numbers now on the list,
    {refused input: reason}). Numbers already there stay as they were."""
    added: list[str] = []
    invalid: dict[str, str] = {}
    for raw, verdict in _e164(numbers, default_country):
        if verdict.e164 is None:
            invalid[str(raw)] = verdict.reason
        elif verdict.e164 not in added:
            added.append(verdict.e164)
    for start in range(0, len(added), 1000):
        DoNotCall.objects.bulk_create(
            [
                DoNotCall(number=n, source=source, reason=reason[:300], created_by=created_by)
                for n in added[start : start + 1000]
            ],
            ignore_conflicts=True,
        )
    return added, invalid


def remove_do_not_call(*, numbers: Iterable[str]) -> int:
    e164 = [v.e164 or str(raw) for raw, v in _e164(numbers)]
    deleted, _ = DoNotCall.objects.filter(number__in=e164).delete()
    return deleted


def upload_do_not_call(*, upload, default_country: str = "", created_by=None) -> dict:
    """Add the numbers in the first column of an uploaded file (same formats as lists)."""
    if upload.size > limit("PHONELIST_MAX_UPLOAD_BYTES"):
        raise FileRefused("The file is larger than the allowed size.")
    upload.seek(0)
    inspect = inspect_file(upload, upload.name, upload.size)
    upload.seek(0)
    rows: Iterable[tuple[int, list[str] | RowProblem]]
    if inspect["file_format"] == XLSX:
        rows = ((row, cells) for row, cells, _count in iter_xlsx_rows(upload, upload.size))
    else:
        binary = open_decompressed(upload, inspect["file_format"], upload.size)
        rows = iter_rows(open_text(binary, inspect["encoding"]))
    numbers, rejected = [], 0
    for index, (_line, cells) in enumerate(rows):
        if index == 0 and inspect["has_header"]:
            continue
        if isinstance(cells, RowProblem):
            rejected += 1
            continue
        numbers.append(cells[0])
    added, invalid = add_do_not_call(
        numbers,
        source=DoNotCall.Source.UPLOAD,
        reason=f"Uploaded in {os.path.basename(upload.name)}",
        created_by=created_by,
        default_country=default_country,
    )
    return {"added": len(added), "rejected": rejected + len(invalid), "invalid": invalid}

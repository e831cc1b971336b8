"""Turning provider reports into CDR rows: signed status callbacks, Paycall's
steps reports (return_address) and Paycall's CDR CSV (cdr_by_campaign).

Every path is idempotent: a CDR belongs to one call (one-to-one), so the same report
twice finds the row it made the first time and changes nothing.
"""

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from campaigns.models import Call, Campaign, CampaignEvent, Cdr, DispatchBatch, ProviderAccount
from campaigns.models.campaigns import BatchState, CallState, CampaignState, Outcome
from dialer_site.db import analyze_after_load
from phonelists.services import add_do_not_call
from providers.callbacks import CallbackEvent
from providers.hangup_causes import describe
from providers.paycall.cdrs import (
    ANSWERED,
    PAYCALL_CDR_COLUMNS,
    UNANSWERED,
    CdrFormatError,
    file_row_outcome,
    hangup_time_left_out,
    read_steps,
    steps_left_out,
)

INGEST_CHUNK = 5000
# Log entries for cells left out, at most, per CDR file read.
LOGGED_LEFT_OUT = 50
OPEN_CALL_STATES = (CallState.SENDING, CallState.ACCEPTED)
# The source of a CDR we made for a call the provider never reported on
# (campaigns.settling); any real report on that call replaces it.
SETTLED_SOURCE = "settled"


def digits(number: str) -> str:
    return (number or "").lstrip("+")


def e164(number: str) -> str:
    """Providers write numbers with or without the plus; CDRs keep one form."""
    return "+" + digits(number) if number else ""


def keys_column(steps: dict, keys_pressed: Iterable[str] = ()) -> str:
    """';step:key;' for every key pressed, so SQL can filter and group by it."""
    parts = []
    for entry in (steps or {}).get("steps") or []:
        if isinstance(entry, dict) and entry.get("dtmf") not in (None, ""):
            parts.append(f"{entry.get('step_name') or entry.get('step_id') or '?'}:{entry['dtmf']}")
    if not parts:
        parts = [f"#{i}:{key}" for i, key in enumerate(keys_pressed or (), start=1) if key]
    return f";{';'.join(parts)};" if parts else ""


def marked_remove(steps: dict, marks: Iterable = ()) -> bool:
    """Whether the callee reached a `mark remove` action. Paycall returns a step's mark
    in that step's entry ({"step_name", "dtmf", "mark": "remove"}); a separate marks
    list is accepted as well."""
    found = list(marks or ()) + list((steps or {}).get("marks") or [])
    found += [
        entry.get("mark") for entry in (steps or {}).get("steps") or [] if isinstance(entry, dict)
    ]
    return any(
        mark == "remove" or (isinstance(mark, dict) and mark.get("type") == "remove")
        for mark in found
    )


def _outcome(hangup_cause: str, status: str | None = None) -> str:
    if status in Outcome.values:
        return status
    return describe(hangup_cause).outcome


def cdr_row(campaign: Campaign, call: Call | None, *, source: str, **values) -> Cdr:
    cause = describe(values.get("hangup_cause", ""))
    steps = values.pop("steps", None) or {}
    keys_pressed = values.pop("keys_pressed", ())
    marks = values.pop("marks", ())
    status = values.pop("status", None)
    values["phone_number"] = e164(values.get("phone_number", ""))
    return Cdr(
        campaign=campaign,
        call=call,
        source=source,
        q850=cause.q850,
        cause_description=cause.description[:300],
        outcome=_outcome(cause.name, status),
        answered=values.get("answer_time") is not None or status == Outcome.ANSWERED,
        steps=steps,
        keys=keys_column(steps, keys_pressed)[:500],
        marked_remove=marked_remove(steps, marks),
        **values,
    )


def _complete(call: Call, now: dt.datetime) -> None:
    Call.objects.filter(pk=call.pk).update(state=CallState.COMPLETED, completed_at=now)
    if call.batch_id:
        # A report about a call in a batch in doubt proves the provider took it.
        DispatchBatch.objects.filter(pk=call.batch_id, state=BatchState.UNCERTAIN).update(
            state=BatchState.ACCEPTED
        )


def _remove_numbers(cdrs: list[Cdr], campaign: Campaign) -> None:
    numbers = sorted({"+" + digits(c.phone_number) for c in cdrs if c.marked_remove})
    if numbers:
        add_do_not_call(numbers, source="ivr", reason=f"Marked remove in campaign {campaign.name}")


def _scope(
    campaign: Campaign | None, account: ProviderAccount | None
) -> tuple[QuerySet[Call], QuerySet[Call]]:
    """(every call a report may be about, the open calls a bare number may name).

    A campaign's own address knows its campaign. The account's one address knows only
    the account: a bare number then names an open call of its running campaigns, the
    oldest campaign first, since a report is more likely late than early.
    """
    if campaign is not None:
        calls = Call.objects.filter(campaign=campaign)
        return calls, calls.filter(state__in=OPEN_CALL_STATES).order_by("position")
    if account is None:
        raise ValueError("A report is routed within a campaign or within an account.")
    calls = Call.objects.filter(campaign__account=account).select_related("campaign")
    open_calls = calls.filter(
        campaign__state=CampaignState.RUNNING, state__in=OPEN_CALL_STATES
    ).order_by("campaign_id", "position")
    return calls, open_calls


def find_call_for_event(
    event: CallbackEvent,
    *,
    campaign: Campaign | None = None,
    account: ProviderAccount | None = None,
) -> Call | None:
    """The call a status callback is about, by the call's own ids first: our
    client_identifier (the idempotency key, unique), then the provider's call_id."""
    calls, open_calls = _scope(campaign, account)
    if event.client_identifier:
        call = calls.filter(idempotency_key=event.client_identifier).first()
        if call:
            return call
    wanted = digits(event.number)
    numbers = (wanted, "+" + wanted)
    if event.call_id:
        by_ref = calls.filter(provider_ref=event.call_id)
        # provider_ref has no index of its own; the number narrows the search to the
        # (campaign, number) index, and only a provider that rewrote the number costs
        # the wider scan.
        call = by_ref.filter(number__in=numbers).first() or by_ref.first()
        if call:
            return call
    # iovox calls in doubt never learned their call_id: the number identifies them.
    return open_calls.filter(number__in=numbers).first()


@transaction.atomic
def ingest_status_callback(
    event: CallbackEvent,
    *,
    campaign: Campaign | None = None,
    account: ProviderAccount | None = None,
) -> tuple[Cdr | None, bool]:
    """(the CDR, created?) for a status callback sent to a campaign's address or to an
    account's. A report on a call settled as "no report" replaces that CDR: the
    provider's data wins over our guess.

    A campaign's address keeps a report on a call it cannot find as a CDR of no call;
    an account's has no campaign to keep it in, so it returns (None, False).
    """
    call = find_call_for_event(event, campaign=campaign, account=account)
    if call is not None:
        campaign = call.campaign
    if campaign is None:
        return None, False
    existing = Cdr.objects.filter(call=call).first() if call is not None else None
    if existing is not None and existing.source != SETTLED_SOURCE:
        return existing, False
    if existing is not None:
        existing.delete()
    if call is not None and not call.provider_ref and event.call_id:
        Call.objects.filter(pk=call.pk).update(provider_ref=event.call_id)
    row = cdr_row(
        campaign,
        call,
        source="callback",
        phone_number=event.number,
        start_time=event.start_time,
        answer_time=event.answer_time,
        hangup_time=event.hangup_time,
        duration=event.duration,
        billsec=event.billsec,
        hangup_cause=event.hangup_cause,
        provider_campaign_id=event.request_id[:100],
        steps=event.steps,
        keys_pressed=event.keys_pressed,
        status=event.status,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return Cdr.objects.filter(campaign=campaign, call=call).first(), False
    if call is not None:
        _complete(call, timezone.now())
    _remove_numbers([row], campaign)
    return row, True


def _call_for_report(campaign: Campaign, unique_id: str, phone_number: str) -> Call | None:
    calls = Call.objects.filter(campaign=campaign)
    call = calls.filter(idempotency_key=unique_id).first()
    if call is not None:
        return call
    wanted = digits(phone_number)
    return calls.filter(number__in=(wanted, "+" + wanted)).order_by("position").first()


@transaction.atomic
def ingest_steps_report(campaign: Campaign, report) -> tuple[Call | None, bool]:
    """Paycall's steps report: kept on the call, merged into its CDR (made if none)."""
    call = _call_for_report(campaign, report.unique_id, report.phone_number)
    steps = {"steps": report.steps, "invalid": report.invalid, "unique_id": report.unique_id}
    if report.marks:
        steps["marks"] = report.marks
    if call is not None and call.steps_report == steps:
        return call, False
    if call is not None:
        Call.objects.filter(pk=call.pk).update(steps_report=steps)
    existing = Cdr.objects.filter(call=call).first() if call is not None else None
    if existing is not None and existing.source == SETTLED_SOURCE:
        # The report Paycall never sent in time came after all: it replaces our guess.
        existing.delete()
        existing = None
    if existing is not None:
        existing.steps = steps
        existing.keys = keys_column(steps)[:500]
        existing.marked_remove = marked_remove(steps)
        existing.save(update_fields=["steps", "keys", "marked_remove"])
        row = existing
    else:
        # No answer time in a steps report: its cause alone says the outcome, and
        # answered follows it, until the call's CDR-file row brings both.
        row = cdr_row(
            campaign,
            call,
            source="steps_report",
            phone_number=report.phone_number,
            hangup_cause=report.hangup_cause,
            provider_campaign_id=report.unique_id[:100],
            steps=steps,
            status=describe(report.hangup_cause).outcome,
        )
        row.save()
    if call is not None:
        _complete(call, timezone.now())
    _remove_numbers([row], campaign)
    return call, True


def _when(value: str, cache: dict, line: int, column: str) -> tuple:
    """(aware datetime, its database form) of a CDR time; calls of one campaign share
    their seconds, so each distinct text is converted once."""
    text = value.strip()
    if not text:
        cache[value] = (None, None)
        return (None, None)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CdrFormatError(f"Line {line}: {column} {text!r} is not a date and time.") from None
    if timezone.is_naive(moment):
        raise CdrFormatError(f"Line {line}: {column} {text!r} has no UTC offset.")
    found = cache[value] = (moment, connection.ops.adapt_datetimefield_value(moment))
    return found


def _seconds(value: str, line: int, column: str) -> int:
    try:
        return max(0, int(value.strip() or 0))
    except ValueError:
        raise CdrFormatError(f"Line {line}: {column} {value!r} is not a whole number.") from None


class _CellsLeftOut:
    """Cells of a CDR file that could not be read, each row kept without its cell,
    for the campaign's log.

    Paycall's file grows while the campaign runs and is fetched again and again, so a
    line already in the log is not logged twice; a file whose every cell is broken
    gets LOGGED_LEFT_OUT entries and a count, not an entry per row.
    """

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.logged = set(
            CampaignEvent.objects.filter(campaign=campaign).values_list("reason", flat=True)
        )
        self.new: list[str] = []
        self.unlisted = 0

    def add(self, message: str) -> None:
        if message in self.logged:
            return
        self.logged.add(message)
        if len(self.new) < LOGGED_LEFT_OUT:
            self.new.append(message)
        else:
            self.unlisted += 1

    def hangup_time(self, value: str, cache: dict, line: int, phone_number: str) -> tuple:
        """_when for the hangup time, which a CDR can do without: one that cannot be
        read is left out. It is not cached, so every line with it is logged."""
        try:
            return _when(value, cache, line, "hangup_time")
        except CdrFormatError:
            self.add(
                hangup_time_left_out(line=line, phone_number=phone_number, value=value.strip())
            )
            return (None, None)

    def record(self) -> None:
        """Notes in the campaign's log (no change of state), in one INSERT."""
        messages = list(self.new)
        if self.unlisted:
            messages.append(
                ngettext(
                    "Paycall CDR file: %(count)s more line had a cell that could not be "
                    "read; its CDR is kept without it.",
                    "Paycall CDR file: %(count)s more lines had a cell that could not be "
                    "read; their CDRs are kept without it.",
                    self.unlisted,
                )
                % {"count": self.unlisted}
            )
        state = self.campaign.state
        CampaignEvent.objects.bulk_create(
            CampaignEvent(campaign=self.campaign, from_state=state, to_state=state, reason=text)
            for text in messages
        )


class _Staging:
    """Temporary tables that carry a CDR file into the CDR table.

    Each file row is staged with only what varies (12 short values); one INSERT ...
    SELECT per chunk then joins it to the few distinct hangup causes and steps cells
    of the file. Binding twenty parameters per row from Python, a long steps JSON
    among them, cost more than SQLite's whole insert; staged, a million rows take
    half the time. PostgreSQL fills the stage with COPY.
    """

    STAGE, CAUSES, STEPS = "cdr_ingest_stage", "cdr_ingest_causes", "cdr_ingest_steps"
    # Column, type; "moment" is a time: timestamptz on PostgreSQL, ISO text on SQLite.
    STAGE_COLUMNS = (
        ("line", "integer"),
        ("call_id", "bigint"),
        ("cli", "text"),
        ("phone_number", "text"),
        ("start_time", "moment"),
        ("answer_time", "moment"),
        ("hangup_time", "moment"),
        ("duration", "integer"),
        ("billsec", "integer"),
        ("hangup_cause", "text"),
        ("provider_campaign_id", "text"),
        ("steps_id", "integer"),
    )

    def __init__(self, campaign: Campaign):
        self.postgres = connection.vendor == "postgresql"
        moment, json = ("timestamptz", "jsonb") if self.postgres else ("text", "text")
        self.stage_columns = ", ".join(name for name, _ in self.STAGE_COLUMNS)
        self.tables = {
            self.STAGE: ", ".join(
                f"{name} {moment if kind == 'moment' else kind}"
                for name, kind in self.STAGE_COLUMNS
            ),
            self.CAUSES: "name text PRIMARY KEY, q850 integer, description text, outcome text",
            self.STEPS: f"id integer PRIMARY KEY, steps {json}, keys text, remove boolean",
        }
        self.causes: set[str] = set()  # the cause texts staged
        self.steps: dict[str, int] = {}  # steps cell -> its id
        self.removals: dict[int, bool] = {}  # steps id -> whether it marks "remove"
        self.new_causes: list[tuple] = []
        self.new_steps: list[tuple] = []
        self.move_sql, self.move_params = self._move_sql(campaign)
        self.complete_sql, self.complete_params = self._complete_sql()

    def _move_sql(self, campaign: Campaign) -> tuple[str, tuple]:
        quote = connection.ops.quote_name
        target = ", ".join(
            quote(c)
            for c in (
                "campaign_id", "call_id", "source", "cli", "phone_number", "start_time",
                "answer_time", "hangup_time", "duration", "billsec", "hangup_cause", "q850",
                "cause_description", "outcome", "answered", "provider_campaign_id", "steps",
                "keys", "marked_remove", "received_at",
            )
        )  # fmt: skip
        # A row already stored (same campaign, number and start) is left as it was.
        # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON. Every name
        # is ours; the values go as parameters.
        sql = (
            f"INSERT INTO {quote(Cdr._meta.db_table)} ({target}) "  # noqa: S608
            "SELECT %s, s.call_id, 'cdr_csv', s.cli, s.phone_number, s.start_time, "
            "s.answer_time, s.hangup_time, s.duration, s.billsec, s.hangup_cause, c.q850, "
            # providers.paycall.cdrs.file_row_outcome, in SQL.
            "c.description, CASE WHEN s.answer_time IS NOT NULL THEN %s "
            "WHEN c.outcome = %s THEN %s ELSE c.outcome END, "
            "s.answer_time IS NOT NULL, s.provider_campaign_id, t.steps, t.keys, t.remove, %s "
            f"FROM {self.STAGE} s JOIN {self.CAUSES} c ON c.name = s.hangup_cause "
            f"JOIN {self.STEPS} t ON t.id = s.steps_id WHERE true ORDER BY s.line "
            "ON CONFLICT DO NOTHING"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        return sql, (campaign.pk, ANSWERED, ANSWERED, UNANSWERED, now)

    def _complete_sql(self) -> tuple[str, tuple]:
        """Every staged call now has its CDR, so it is complete."""
        quote = connection.ops.quote_name
        sql = (
            f"UPDATE {quote(Call._meta.db_table)} SET state = %s, completed_at = %s "  # noqa: S608
            f"WHERE id IN (SELECT call_id FROM {self.STAGE} WHERE call_id IS NOT NULL) "
            "AND state IN (%s, %s)"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        return sql, (CallState.COMPLETED, now, *OPEN_CALL_STATES)

    def __enter__(self):
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                # SQLite's default 2 MB page cache is smaller than the CDR indexes it
                # updates; a file database pays for that on every insert.
                cursor.execute("PRAGMA cache_size = -65536")
            for name, columns in self.tables.items():
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
                cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
        # Chunks are written by a second thread on this same connection, one thread at
        # a time, while this one parses the next chunk: SQLite and psycopg let go of
        # the GIL while a statement runs, so parsing and writing overlap.
        self.shared = connections[DEFAULT_DB_ALIAS]
        self.shared.inc_thread_sharing()
        self.writer = ThreadPoolExecutor(1, initializer=self._use_shared_connection)
        self.pending: Future | None = None
        return self

    def _use_shared_connection(self):
        connections[DEFAULT_DB_ALIAS] = self.shared

    def __exit__(self, *exc):
        self.writer.shutdown(wait=True)  # a chunk in flight is finished, not cut off
        self.shared.dec_thread_sharing()
        # After a database error PostgreSQL refuses every statement until rollback; the
        # temporary tables then go with the connection, and the first error is the one
        # worth raising.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            for name in self.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")

    def write(self, rows: list[tuple], updates: list[tuple], replaced: list[int]) -> None:
        """Stage a chunk here, then have the writer thread move it into the CDR table.

        Staging binds every value from Python, so it holds the GIL and runs while this
        thread waits; moving is SQL alone, so it overlaps with parsing the next chunk.
        """
        self.wait()
        # One transaction for the chunk: SQLite would otherwise commit every row.
        with transaction.atomic(), connection.cursor() as cursor:
            if self.new_causes:
                cursor.executemany(self.insert_sql(self.CAUSES, 4), self.new_causes)
                self.new_causes.clear()
            if self.new_steps:
                cursor.executemany(self.insert_sql(self.STEPS, 4), self.new_steps)
                self.new_steps.clear()
            if self.postgres:
                copy_sql = f"COPY {self.STAGE} ({self.stage_columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql(self.STAGE, len(self.STAGE_COLUMNS)), rows)
        self.pending = self.writer.submit(self._move, updates, replaced)

    def wait(self) -> None:
        """Wait for the chunk being moved; its error, if any, is raised here."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    @staticmethod
    def insert_sql(table: str, width: int) -> str:
        return f"INSERT INTO {table} VALUES ({', '.join(['%s'] * width)})"  # noqa: S608

    def _move(self, updates: list[tuple], replaced: list[int]) -> None:
        """The staged rows into the CDR table, their calls completed (writer thread).
        `replaced`: CDRs settled as "no report" whose calls the file does have; they
        go first, since a call has one CDR."""
        with transaction.atomic(), connection.cursor() as cursor:
            if replaced:
                Cdr.objects.filter(pk__in=replaced, source=SETTLED_SOURCE).delete()
            cursor.execute(self.move_sql, self.move_params)
            cursor.execute(self.complete_sql, self.complete_params)
            # TRUNCATE: on PostgreSQL, DELETE leaves dead rows that every later chunk
            # scans again; SQLite has no TRUNCATE but empties a table the same way.
            empty = "TRUNCATE" if self.postgres else "DELETE FROM"
            cursor.execute(f"{empty} {self.STAGE}")
            for pk, values in updates:
                # Only a CDR made from a steps report takes the file's row: its steps
                # and keys stay, everything the report lacks comes from the file.
                Cdr.objects.filter(pk=pk, source="steps_report").update(**values)

    def add_cause(self, text: str) -> None:
        """Stage a hangup cause with its Q.850 number, words and outcome."""
        cause = describe(text)
        self.causes.add(text)
        self.new_causes.append((text, cause.q850, cause.description[:300], cause.outcome))

    def steps_id(self, text: str, line: int, phone_number: str, left_out: _CellsLeftOut) -> int:
        """The id of a steps cell; the same few key combinations repeat across a
        campaign, so each is parsed and staged once. A cell that cannot be read is
        left out: its row gets the id of no steps, and the cell is not cached, so every
        line with it is logged."""
        try:
            steps = read_steps(text)
        except CdrFormatError as error:
            left_out.add(steps_left_out(line=line, phone_number=phone_number, reason=str(error)))
            return self.steps.get("") or self.steps_id("", line, phone_number, left_out)
        stored = Cdr._meta.get_field("steps").get_db_prep_value(steps, connection)
        found = self.steps[text] = len(self.steps) + 1
        remove = self.removals[found] = marked_remove(steps)
        self.new_steps.append((found, stored, keys_column(steps)[:500], remove))
        return found


def _file_row_values(cli: str, start, answer, hangup, duration, billsec, cause, uid) -> dict:
    """What a CDR-file row gives a CDR made from a steps report: everything but the
    steps, outcome and answered read from the same row."""
    described = describe(cause)
    return {
        "cli": cli,
        "start_time": start,
        "answer_time": answer,
        "hangup_time": hangup,
        "duration": duration,
        "billsec": billsec,
        "hangup_cause": cause,
        "q850": described.q850,
        "cause_description": described.description[:300],
        "outcome": file_row_outcome(cause, answered=answer is not None),
        "answered": answer is not None,
        "provider_campaign_id": uid,
        "source": "cdr_csv",
    }


def ingest_paycall_cdr_csv(
    campaign: Campaign, data: str | bytes, *, call_id: int | None = None
) -> int:
    """Paycall's CDR CSV (cdr_by_campaign) into CDR rows; returns the rows read.

    Built for a million rows in seconds: one pass of csv.reader, each distinct steps
    cell, hangup cause and time worked out once, rows moved through a staging table in
    chunks (see _Staging). A call that already has a CDR from its steps report gets
    the CSV's times and billing instead. Header names are matched with spaces read as
    underscores, since the document's own sample writes "phone number".

    A steps cell or hangup time that cannot be read costs only that cell: the row is
    stored without it and the campaign's log names the line. Any other cell that
    cannot be read stops the file there (the chunks before it are kept): a start time
    is part of what identifies a CDR, and an answer time, duration or billsec left out
    would be stored as "not answered" or 0 seconds, a falsehood rather than a gap.

    `call_id`: the file is that one call's own Paycall campaign (per-contact), so its
    rows are that call's, and the campaign's other calls are not read at all.
    """
    # Decoded as read: a StringIO of the whole text would copy it to four bytes a
    # character first (a second on a million rows).
    binary = io.BytesIO(data if isinstance(data, bytes) else data.encode())
    reader = csv.reader(
        io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""), skipinitialspace=True
    )
    header = next(reader, None)
    if header is None:
        return 0
    names = [cell.strip().replace(" ", "_").lower() for cell in header]
    missing = [name for name in PAYCALL_CDR_COLUMNS if name not in names]
    if missing:
        raise CdrFormatError(f"The CDR file has no {', '.join(missing)} column.")
    at = {name: names.index(name) for name in PAYCALL_CDR_COLUMNS}
    width = len(names)
    calls = {}
    own_calls = Call.objects.filter(campaign=campaign)
    own_cdrs = Cdr.objects.filter(campaign=campaign, call__isnull=False)
    if call_id is not None:
        own_calls, own_cdrs = own_calls.filter(pk=call_id), own_cdrs.filter(call_id=call_id)
    for pk, number in own_calls.values_list("pk", "number").iterator(chunk_size=INGEST_CHUNK):
        calls.setdefault(digits(number), pk)
    # Calls with a CDR: its id when made from a steps report (the file's row fills it),
    # None when it has its file row already (the file is read again until every call
    # has one, and those rows must cost nothing then). Settled ones are replaced.
    with_cdr = {
        call: pk if source == "steps_report" else None
        for call, pk, source in own_cdrs.exclude(source=SETTLED_SOURCE).values_list(
            "call_id", "pk", "source"
        )
    }
    settled = dict(own_cdrs.filter(source=SETTLED_SOURCE).values_list("call_id", "pk"))
    times = {}
    rows, updates, replaced, removed = [], [], [], set()
    left_out = _CellsLeftOut(campaign)
    read = written = 0

    with _Staging(campaign) as staging:
        # Column positions and caches as locals, cache hits inline: this loop runs a
        # million times.
        causes, steps = staging.causes, staging.steps
        (
            i_cli,
            i_number,
            i_start,
            i_answer,
            i_hangup,
            i_duration,
            i_billsec,
            i_cause,
            i_uid,
            i_steps,
        ) = (at[name] for name in PAYCALL_CDR_COLUMNS)
        for line, row in enumerate(reader, start=2):
            if not row or not any(row):
                continue
            if len(row) < width:
                raise CdrFormatError(f"Line {line}: {len(row)} fields, the header has {width}.")
            read += 1
            bare = row[i_number].strip().lstrip("+")
            number = ("+" + bare)[:32] if bare else ""
            cause = row[i_cause].strip()[:40]
            if cause not in causes:
                staging.add_cause(cause)
            cell = row[i_steps]
            steps_id = steps.get(cell) or staging.steps_id(cell, line, number, left_out)
            cell = row[i_start]
            start, start_db = times.get(cell) or _when(cell, times, line, "start_time")
            cell = row[i_answer]
            answer, answer_db = times.get(cell) or _when(cell, times, line, "answer_time")
            cell = row[i_hangup]
            hangup, hangup_db = times.get(cell) or left_out.hangup_time(cell, times, line, number)
            try:
                duration, billsec = max(0, int(row[i_duration])), max(0, int(row[i_billsec]))
            except ValueError:
                duration = _seconds(row[i_duration], line, "duration")
                billsec = _seconds(row[i_billsec], line, "billsec")
            row_call = calls.get(bare)
            if staging.removals[steps_id]:
                removed.add(number)
            if row_call is not None and row_call in with_cdr:
                if with_cdr[row_call] is not None:
                    values = _file_row_values(
                        row[i_cli].strip()[:32],
                        start,
                        answer,
                        hangup,
                        duration,
                        billsec,
                        cause,
                        row[i_uid].strip()[:100],
                    )
                    updates.append((with_cdr[row_call], values))
                continue
            if row_call is not None:
                with_cdr[row_call] = None
                if row_call in settled:
                    replaced.append(settled.pop(row_call))
            rows.append(
                (
                    line,
                    row_call,
                    row[i_cli].strip()[:32],
                    number,
                    start_db,
                    answer_db,
                    hangup_db,
                    duration,
                    billsec,
                    cause,
                    row[i_uid].strip()[:100],
                    steps_id,
                )
            )
            if len(rows) >= INGEST_CHUNK:
                written += len(rows) + len(updates)
                staging.write(rows, updates, replaced)
                rows, updates, replaced = [], [], []
        written += len(rows) + len(updates)
        staging.write(rows, updates, replaced)
        staging.wait()
    # The rows inserted, and as many calls marked completed.
    analyze_after_load(written, Cdr, Call)
    left_out.record()
    if removed:
        add_do_not_call(
            sorted(removed), source="ivr", reason=f"Marked remove in campaign {campaign.name}"
        )
    return read

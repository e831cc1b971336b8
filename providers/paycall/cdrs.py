"""Call detail records as typed values, and the parser of Paycall's CDR CSV."""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from providers.hangup_causes import HangupCause, describe

ANSWERED = "answered"
# A cause that says "answered" on a row without an answer time: nobody picked up.
UNANSWERED = "no_answer"

PAYCALL_CDR_COLUMNS = (
    "cli",
    "phone_number",
    "start_time",
    "answer_time",
    "hangup_time",
    "duration",
    "billsec",
    "hangup_cause",
    "unique_campaign_id",
    "steps",
)


class CdrFormatError(ValueError):
    pass


@dataclass
class Cdr:
    cli: str
    phone_number: str
    start_time: datetime | None
    answer_time: datetime | None
    hangup_time: datetime | None
    duration: int
    billsec: int
    hangup_cause: str
    unique_campaign_id: str
    steps: dict = field(default_factory=dict)
    # What of this row could not be read and was left out, in words naming its line.
    problems: list[str] = field(default_factory=list)

    @property
    def cause(self) -> HangupCause:
        return describe(self.hangup_cause)

    @property
    def answered(self) -> bool:
        return self.answer_time is not None

    @property
    def outcome(self) -> str:
        return file_row_outcome(self.hangup_cause, answered=self.answered)


def file_row_outcome(hangup_cause: str, *, answered: bool) -> str:
    """The outcome of a CDR-file row, consistent with its answered flag by construction.

    The answer time decides whether the call was answered (the document: "Or empty if
    there was no answer"); the hangup cause then says how an unanswered call ended.
    Reading each from its own field gave rows "answered" beside answered=False.
    campaigns.cdrs_ingest writes the same rule in SQL.
    """
    if answered:
        return ANSWERED
    outcome = describe(hangup_cause).outcome
    return UNANSWERED if outcome == ANSWERED else outcome


def _time(value: str, line: int, column: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise CdrFormatError(f"Line {line}: {column} {value!r} is not a date and time.") from None


def _seconds(value: str, line: int, column: str) -> int:
    try:
        return int(value.strip() or 0)
    except ValueError:
        raise CdrFormatError(f"Line {line}: {column} {value!r} is not a whole number.") from None


# A JSON string, or a comma between the end of a value and a closing bracket. Strings
# are matched first so that a comma inside one ("1,]" typed at a prompt) is left as is.
_STRING_OR_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|(?<=[\]}"\w])\s*,\s*(?=[\]}])')


def read_steps(cell: str) -> dict:
    """The steps JSON of a CDR cell ({} when empty).

    The document's own CDR example ends its steps lists with "},]": a comma before a
    closing bracket or brace is read as if it were not there. Anything else that is
    not JSON raises CdrFormatError, its message the reason alone (no line).
    """
    if not cell.strip():
        return {}
    try:
        steps = json.loads(cell)
    except json.JSONDecodeError as error:
        # Only a cell that failed pays for the second reading.
        without_commas = _STRING_OR_TRAILING_COMMA.sub(lambda found: found[1] or "", cell)
        try:
            steps = json.loads(without_commas)
        except json.JSONDecodeError:
            raise CdrFormatError(f"{error.msg} at character {error.pos}") from None
    return steps if isinstance(steps, dict) else {"steps": steps}


def steps_left_out(*, line: int, phone_number: str, reason: str) -> str:
    """The words for a steps cell that could not be read (its row is kept)."""
    return _(
        "Paycall CDR file, line %(line)s (%(phone_number)s): the steps cell is not JSON "
        "(%(reason)s); the CDR is kept without steps."
    ) % {"line": line, "phone_number": phone_number, "reason": reason}


def hangup_time_left_out(*, line: int, phone_number: str, value: str) -> str:
    """The words for a hangup time that could not be read (its row is kept)."""
    return _(
        'Paycall CDR file, line %(line)s (%(phone_number)s): the hangup time "%(value)s" '
        "is not a date and time with a UTC offset; the CDR is kept without it."
    ) % {"line": line, "phone_number": phone_number, "value": value}


def parse_paycall_cdr_csv(text: str | bytes) -> list[Cdr]:
    """Paycall's CDR CSV (quoted fields, CRLF lines, a header row) as typed CDRs.

    Header names are matched with spaces read as underscores, because the document's
    own sample writes "phone number" for phone_number. A row whose hangup time or steps
    cannot be read is kept without them, its `problems` saying so; any other cell that
    cannot be read fails the file (see ingest_paycall_cdr_csv for why).
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip().replace(" ", "_").lower() for cell in rows[0]]
    missing = [name for name in PAYCALL_CDR_COLUMNS if name not in header]
    if missing:
        raise CdrFormatError(f"The CDR file has no {', '.join(missing)} column.")
    index = {name: header.index(name) for name in PAYCALL_CDR_COLUMNS}
    cdrs = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) < len(header):
            raise CdrFormatError(f"Line {line}: {len(row)} fields, the header has {len(header)}.")
        value = {name: row[i] for name, i in index.items()}
        phone_number = value["phone_number"].strip()
        # The hangup time and the steps are the row's optional details: without them it
        # still says who was called, when, for how long and how it ended.
        problems = []
        try:
            hangup_time = _time(value["hangup_time"], line, "hangup_time")
        except CdrFormatError:
            hangup_time = None
            problems.append(
                hangup_time_left_out(
                    line=line, phone_number=phone_number, value=value["hangup_time"].strip()
                )
            )
        try:
            steps = read_steps(value["steps"])
        except CdrFormatError as error:
            steps = {}
            problems.append(steps_left_out(line=line, phone_number=phone_number, reason=str(error)))
        cdrs.append(
            Cdr(
                cli=value["cli"].strip(),
                phone_number=phone_number,
                start_time=_time(value["start_time"], line, "start_time"),
                answer_time=_time(value["answer_time"], line, "answer_time"),
                hangup_time=hangup_time,
                duration=_seconds(value["duration"], line, "duration"),
                billsec=_seconds(value["billsec"], line, "billsec"),
                hangup_cause=value["hangup_cause"].strip(),
                unique_campaign_id=value["unique_campaign_id"].strip(),
                steps=steps,
                problems=problems,
            )
        )
    return cdrs

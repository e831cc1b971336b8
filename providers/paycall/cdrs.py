"""Call detail records as typed values, and the parser of Paycall's CDR CSV."""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime

from providers.hangup_causes import HangupCause, describe

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

    @property
    def cause(self) -> HangupCause:
        return describe(self.hangup_cause)

    @property
    def answered(self) -> bool:
        return self.answer_time is not None


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


def _steps(value: str, line: int) -> dict:
    if not value.strip():
        return {}
    try:
        steps = json.loads(value)
    except json.JSONDecodeError as exc:
        raise CdrFormatError(f"Line {line}: the steps column is not JSON ({exc.msg}).") from None
    return steps if isinstance(steps, dict) else {"steps": steps}


def parse_paycall_cdr_csv(text: str | bytes) -> list[Cdr]:
    """Paycall's CDR CSV (quoted fields, CRLF lines, a header row) as typed CDRs.

    Header names are matched with spaces read as underscores, because the document's
    own sample writes "phone number" for phone_number.
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
        cdrs.append(
            Cdr(
                cli=value["cli"].strip(),
                phone_number=value["phone_number"].strip(),
                start_time=_time(value["start_time"], line, "start_time"),
                answer_time=_time(value["answer_time"], line, "answer_time"),
                hangup_time=_time(value["hangup_time"], line, "hangup_time"),
                duration=_seconds(value["duration"], line, "duration"),
                billsec=_seconds(value["billsec"], line, "billsec"),
                hangup_cause=value["hangup_cause"].strip(),
                unique_campaign_id=value["unique_campaign_id"].strip(),
                steps=_steps(value["steps"], line),
            )
        )
    return cdrs

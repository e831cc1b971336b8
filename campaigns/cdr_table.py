"""The CDR table: filters and keyset pagination (the exports, in campaigns.exports,
read through the same filters).

Keyset pagination (WHERE id < cursor ORDER BY id DESC LIMIT n) costs the same on the
first page and on the ten-thousandth, where OFFSET would scan everything before it.
"""

import re
from dataclasses import dataclass

from .models import Cdr
from .models.campaigns import Outcome

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
NUMBER_SEARCH_RE = re.compile(r"^\+?[0-9]{1,20}$")
KEY_RE = re.compile(r"^[0-9#*]{1,20}$")


@dataclass
class CdrFilters:
    outcome: str = ""
    hangup_cause: str = ""
    answered: str = ""  # "", "yes", "no"
    step: str = ""
    key: str = ""
    number: str = ""
    after: int | None = None
    size: int = PAGE_SIZE

    def query_string(self, **changes) -> str:
        from urllib.parse import urlencode

        values = {
            "outcome": self.outcome,
            "hangup_cause": self.hangup_cause,
            "answered": self.answered,
            "step": self.step,
            "key": self.key,
            "number": self.number,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def parse_filters(data) -> tuple[CdrFilters, dict[str, str]]:
    """Filters from query parameters, with a message per parameter that is wrong."""
    errors: dict[str, str] = {}
    filters = CdrFilters()
    outcome = data.get("outcome", "").strip()
    if outcome and outcome not in Outcome.values:
        errors["outcome"] = f"Choose one of: {', '.join(Outcome.values)}."
    filters.outcome = outcome if "outcome" not in errors else ""
    filters.hangup_cause = data.get("hangup_cause", "").strip().upper()[:40]
    answered = data.get("answered", "").strip()
    if answered not in ("", "yes", "no"):
        errors["answered"] = "Answered is yes or no."
    else:
        filters.answered = answered
    filters.step = data.get("step", "").strip()[:100]
    key = data.get("key", "").strip()
    if key and not KEY_RE.match(key):
        errors["key"] = "A key is digits, * or #."
    else:
        filters.key = key
    number = data.get("number", "").strip().replace(" ", "")
    if number and not NUMBER_SEARCH_RE.match(number):
        errors["number"] = "Search by the start of the number: digits, with an optional +."
    else:
        filters.number = number
    after = data.get("after", "").strip()
    if after:
        if after.isdigit():
            filters.after = int(after)
        else:
            errors["after"] = "The page cursor is not valid."
    size = data.get("size", "").strip()
    if size:
        if size.isdigit() and 1 <= int(size) <= MAX_PAGE_SIZE:
            filters.size = int(size)
        else:
            errors["size"] = f"A page holds 1 to {MAX_PAGE_SIZE} rows."
    return filters, errors


def filtered(campaign, filters: CdrFilters):
    qs = Cdr.objects.filter(campaign=campaign)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.hangup_cause:
        qs = qs.filter(hangup_cause=filters.hangup_cause)
    if filters.answered:
        qs = qs.filter(answered=filters.answered == "yes")
    if filters.key:
        if filters.step:
            qs = qs.filter(keys__contains=f";{filters.step}:{filters.key};")
        else:
            qs = qs.filter(keys__regex=rf":{re.escape(filters.key)};")
    elif filters.step:
        qs = qs.filter(keys__contains=f";{filters.step}:")
    if filters.number:
        # CDR numbers are stored as +digits. A range, not LIKE (which SQLite cannot
        # serve from an index), keeps the prefix search on the (campaign, number) index:
        # ":" sorts right after "9".
        prefix = "+" + filters.number.lstrip("+")
        qs = qs.filter(phone_number__gte=prefix, phone_number__lt=prefix + ":")
    return qs


def page(campaign, filters: CdrFilters) -> tuple[list[Cdr], int | None]:
    """One page of rows (newest first) and the cursor of the next page, if any."""
    qs = filtered(campaign, filters).order_by("-pk")
    if filters.after is not None:
        qs = qs.filter(pk__lt=filters.after)
    rows = list(
        qs.only(
            "pk",
            "call_id",
            "phone_number",
            "start_time",
            "duration",
            "billsec",
            "hangup_cause",
            "cause_description",
            "outcome",
            "answered",
            "keys",
        )[: filters.size + 1]
    )
    more = len(rows) > filters.size
    rows = rows[: filters.size]
    return rows, (rows[-1].pk if more else None)

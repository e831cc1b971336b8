"""Who of a phone list a campaign leaves out, and why.

The same classification serves the create page (counted before the campaign
exists), the check that refuses contacts with missing values, and the snapshot
that makes Call rows, so what the page promised is what the campaign holds:

- ``invalid`` and ``duplicate``: lines the list's import already refused (its report);
- ``do_not_call``: numbers the import found on the do-not-call list, plus contacts
  whose number has been put on it since;
- ``missing_variable``: contacts with no value (an empty cell is none) for a
  variable the flow gives no default; refused unless the manager leaves them out.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext, ngettext

from flows.canonical import variable_names
from phonelists.models import Contact as ListContact
from phonelists.models import PhoneList
from phonelists.services import is_do_not_call
from providers.building import missing_variables, usable_defaults

CHUNK = 5000
# Contacts named in a refusal; the rest are counted.
LISTED_CONTACTS = 10
DO_NOT_CALL = "do_not_call"
INVALID = "invalid"
DUPLICATE = "duplicate"
MISSING_VARIABLE = "missing_variable"
REASONS = (DO_NOT_CALL, INVALID, DUPLICATE, MISSING_VARIABLE)

# (line_number, number, cli, dtmf_originator, alternates, variables)
ContactRow = tuple[int, str, str, str, list, dict]


@dataclass
class LeftOut:
    """What a campaign from this list would call and leave out."""

    to_call: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    # Of contacts missing values: the variables lacking, and the first few contacts.
    missing_names: list[str] = field(default_factory=list)
    missing_contacts: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def note_missing(self, line_number: int, number: str, names: list[str]) -> None:
        self.counts[MISSING_VARIABLE] += 1
        for name in names:
            if name not in self.missing_names:
                self.missing_names.append(name)
        if len(self.missing_contacts) < LISTED_CONTACTS:
            self.missing_contacts.append((line_number, number))

    def refusal(self) -> str:
        """Why the campaign is refused, naming the contacts and the variables."""
        count = self.counts[MISSING_VARIABLE]
        listed = ", ".join(
            gettext("line %(line)d (%(number)s)") % {"line": line, "number": number}
            for line, number in self.missing_contacts
        )
        if count > len(self.missing_contacts):
            listed += " " + gettext("and %(more)d more") % {
                "more": count - len(self.missing_contacts)
            }
        return ngettext(
            "%(count)d contact has no value for %(names)s, and the flow gives no default: "
            "%(listed)s. Fill the cells, give the variable a default in the flow, or tick "
            '"Leave those contacts out".',
            "%(count)d contacts have no value for %(names)s, and the flow gives no default: "
            "%(listed)s. Fill the cells, give the variable a default in the flow, or tick "
            '"Leave those contacts out".',
            count,
        ) % {"count": count, "names": ", ".join(self.missing_names), "listed": listed}

    def sentence(self, list_name: str) -> str:
        """One plain sentence for the campaign's audit log: whom it calls, whom not."""
        created = ngettext(
            "Created with %(n)d contact from %(list)s",
            "Created with %(n)d contacts from %(list)s",
            self.to_call,
        ) % {"n": self.to_call, "list": list_name}
        parts = self.reasons()
        if not parts:
            return gettext("%(created)s; none left out.") % {"created": created}
        return gettext("%(created)s; left out: %(parts)s.") % {
            "created": created,
            "parts": ", ".join(parts),
        }

    def reasons(self) -> list[str]:
        """Each reason some were left out for, with its count, in words."""
        return [
            text % {"n": self.counts[reason]}
            for reason, text in (
                (DO_NOT_CALL, gettext("%(n)d on the do-not-call list")),
                (INVALID, gettext("%(n)d invalid")),
                (DUPLICATE, gettext("%(n)d duplicates")),
                (MISSING_VARIABLE, gettext("%(n)d missing a value the flow needs")),
            )
            if self.counts[reason]
        ]


def needed_variables(definition: dict) -> list[str]:
    """Variables a contact must give a value for: those without a usable default."""
    defaults = usable_defaults(definition)
    return [name for name in variable_names(definition) if name not in defaults]


def classified_contacts(
    phone_list: PhoneList, definition: dict, left_out: LeftOut
) -> Iterator[tuple[ContactRow, str | None]]:
    """Each contact of the list in file order with why it would be left out (None:
    it is called), counting do-not-call and missing values into ``left_out``."""
    check_values = bool(needed_variables(definition))
    rows = (
        ListContact.objects.filter(phone_list=phone_list)
        .order_by("line_number")
        .values_list("line_number", "number", "cli", "dtmf_originator", "alternates", "variables")
        .iterator(chunk_size=CHUNK)
    )
    chunk: list[ContactRow] = []

    def judged() -> Iterator[tuple[ContactRow, str | None]]:
        blocked = is_do_not_call([row[1] for row in chunk])
        for row in chunk:
            if row[1] in blocked:
                left_out.counts[DO_NOT_CALL] += 1
                yield row, DO_NOT_CALL
                continue
            missing = missing_variables(definition, row[5]) if check_values else []
            if missing:
                left_out.note_missing(row[0], row[1], missing)
                yield row, MISSING_VARIABLE
                continue
            yield row, None

    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield from judged()
            chunk.clear()
    if chunk:
        yield from judged()


def from_import_report(phone_list: PhoneList) -> LeftOut:
    """The counts the list's import already knows."""
    left_out = LeftOut()
    left_out.counts[INVALID] = phone_list.rejected
    left_out.counts[DUPLICATE] = phone_list.duplicates
    left_out.counts[DO_NOT_CALL] = phone_list.dnc
    return left_out


def count_left_out(phone_list: PhoneList, definition: dict | None) -> LeftOut:
    """Before creation: whom a campaign of this flow would call of this list, with
    contacts missing values counted as left out (they are refused otherwise)."""
    left_out = from_import_report(phone_list)
    for _row, reason in classified_contacts(phone_list, definition or {}, left_out):
        if reason is None:
            left_out.to_call += 1
    return left_out

"""Which column is what: the doc's fixed order (number, cli, dtmf_originator, then
optional columns) for files without a header, and a mapping for files with one.

A mapping is a list with one entry per column: {"role": ROLE, "name": str}. Roles:
number (exactly one), cli, dtmf_originator (at most one each), alternate (numbers
fed to Phonon's `contact-numbers`), variable (named contact data: Phonon flow keys,
iovox call variables, Paycall placeholders) and ignore.
"""

import re

NUMBER = "number"
CLI = "cli"
DTMF = "dtmf_originator"
ALTERNATE = "alternate"
VARIABLE = "variable"
IGNORE = "ignore"
ROLES = (NUMBER, CLI, DTMF, ALTERNATE, VARIABLE, IGNORE)
SINGLE_ROLES = (NUMBER, CLI, DTMF)

_ALIASES = {
    NUMBER: {
        "number",
        "phone",
        "phone_number",
        "phonenumber",
        "phone number",
        "msisdn",
        "mobile",
        "tel",
        "telephone",
        "destination",
        "מספר",
        "טלפון",
        "מספר טלפון",
        "נייד",
        "номер",
        "телефон",
        "номер телефона",
    },
    CLI: {"cli", "caller_id", "callerid", "caller id", "cid", "מזהה מתקשר", "מספר מזוהה"},
    DTMF: {"dtmf_originator", "dtmf", "dtmf originator"},
}
_ALTERNATE_RE = re.compile(
    r"^(?:alt|alternate|other|additional|contact[-_ ]numbers?)(?:[-_ ]?(?:number|phone))?"
    r"[-_ ]?\d*$|^(?:number|phone|mobile|tel)[-_ ]?\d+$"
)
_VARIABLE_NAME_RE = re.compile(r"[^\w]+", re.UNICODE)


def _key(header: str) -> str:
    return header.strip().lower().lstrip("\ufeff")


def known_role(header: str) -> str | None:
    key = _key(header)
    for role, names in _ALIASES.items():
        if key in names:
            return role
    if _ALTERNATE_RE.match(key):
        return ALTERNATE
    return None


def looks_like_header(cells: list[str]) -> bool:
    """A first row is a header when a cell is a known column name, or when it has
    letters and no cell looks like a phone number."""
    if any(known_role(cell) for cell in cells):
        return True
    has_letters = any(any(ch.isalpha() for ch in cell) for cell in cells)
    looks_numeric = any(sum(ch.isdigit() for ch in cell) >= 6 for cell in cells)
    return has_letters and not looks_numeric


def variable_name(header: str, index: int) -> str:
    name = _VARIABLE_NAME_RE.sub("_", header.strip()).strip("_")
    return name or f"column_{index + 1}"


def positional_mapping(column_count: int) -> list[dict]:
    """The doc's order for a file without a header; extra columns are variables named
    by their position among the extras from 0, matching Paycall's `$0$` placeholders."""
    mapping = []
    for index in range(column_count):
        if index < len(SINGLE_ROLES):
            mapping.append({"role": SINGLE_ROLES[index], "name": SINGLE_ROLES[index]})
        else:
            mapping.append({"role": VARIABLE, "name": str(index - len(SINGLE_ROLES))})
    return mapping


def guess_mapping(headers: list[str]) -> tuple[list[dict], bool]:
    """A mapping from header names, and whether every header was recognised."""
    mapping, seen, all_known = [], set(), True
    for index, header in enumerate(headers):
        role = known_role(header)
        if role in SINGLE_ROLES and role in seen:
            role = None
        if role is None:
            all_known = False
            mapping.append({"role": VARIABLE, "name": variable_name(header, index)})
        else:
            seen.add(role)
            mapping.append({"role": role, "name": variable_name(header, index)})
    if NUMBER not in seen:
        all_known = False
    return mapping, all_known


def mapping_errors(mapping: list[dict], column_count: int) -> list[str]:
    """What is wrong with a mapping, in words; empty when it can be used."""
    errors = []
    if len(mapping) != column_count:
        errors.append(f"The mapping must name a role for each of the {column_count} columns.")
    roles = [entry.get("role") for entry in mapping]
    for role in roles:
        if role not in ROLES:
            errors.append(f"Unknown column role {role!r}.")
    if roles.count(NUMBER) != 1:
        errors.append("Choose exactly one column as the phone number.")
    for role in (CLI, DTMF):
        if roles.count(role) > 1:
            errors.append(f"Choose at most one {role} column.")
    names = [entry.get("name", "") for entry in mapping if entry.get("role") == VARIABLE]
    if any(not name for name in names):
        errors.append("Every variable column needs a name.")
    if len(set(names)) != len(names):
        errors.append("Variable names must be different from each other.")
    return errors


class RowShape:
    """Positions of each role, computed once per list so the per-row work is indexing."""

    def __init__(self, mapping: list[dict]):
        def positions(role):
            return [i for i, entry in enumerate(mapping) if entry["role"] == role]

        self.number = positions(NUMBER)[0]
        cli, dtmf = positions(CLI), positions(DTMF)
        self.cli = cli[0] if cli else None
        self.dtmf = dtmf[0] if dtmf else None
        self.alternates = positions(ALTERNATE)
        self.variables = [(i, mapping[i]["name"]) for i in positions(VARIABLE)]

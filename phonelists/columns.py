"""Which column is what: the doc's fixed order (number, cli, dtmf_originator, then
optional columns) for files without a header, and a mapping for files with one.

A mapping is a list with one entry per column: {"role": ROLE, "name": str}. Roles:
number (exactly one), cli, dtmf_originator (at most one each), alternate (numbers
fed to Phonon's `contact-numbers`), variable (named contact data: Phonon flow keys,
iovox call variables, Paycall placeholders) and ignore.
"""

import re
from collections.abc import Callable

from django.utils.translation import gettext as _

NUMBER = "number"
CLI = "cli"
DTMF = "dtmf_originator"
ALTERNATE = "alternate"
VARIABLE = "variable"
IGNORE = "ignore"
ROLES = (NUMBER, CLI, DTMF, ALTERNATE, VARIABLE, IGNORE)
SINGLE_ROLES = (NUMBER, CLI, DTMF)

# Header names people write, in English, Hebrew and Russian, in their matching form
# (see `header_key`: lower case, punctuation and separators as single spaces).
_ALIASES = {
    NUMBER: {
        "number",
        "numbers",
        "phone",
        "phones",
        "phone number",
        "phonenumber",
        "phone no",
        "msisdn",
        "mobile",
        "mobile number",
        "mobile phone",
        "cell",
        "cellphone",
        "cell phone",
        "tel",
        "telephone",
        "destination",
        "מספר",
        "טלפון",
        "טל",
        "מספר טלפון",
        "מס טלפון",
        "נייד",
        "מספר נייד",
        "טלפון נייד",
        "פלאפון",
        "номер",
        "телефон",
        "тел",
        "номер телефона",
        "мобильный",
        "мобильный телефон",
        "мобильный номер",
        "сотовый",
    },
    CLI: {
        "cli",
        "caller id",
        "callerid",
        "cid",
        "caller",
        "sender",
        "מזהה מתקשר",
        "מספר מזוהה",
        "שולח",
        "מספר שולח",
        "номер отправителя",
        "отправитель",
        "определитель номера",
    },
    DTMF: {
        "dtmf originator",
        "dtmf",
        "keys",
        "keys after answer",
        "מקשים",
        "הקשות",
        "клавиши",
        "нажатия",
    },
    ALTERNATE: {
        "alternate",
        "alternate number",
        "alternate phone",
        "alternative number",
        "other number",
        "other phone",
        "additional number",
        "additional phone",
        "second phone",
        "contact numbers",
        "טלפון נוסף",
        "מספר נוסף",
        "מספר חלופי",
        "טלפון חלופי",
        "נייד נוסף",
        "доп телефон",
        "доп номер",
        "дополнительный телефон",
        "дополнительный номер",
        "альтернативный номер",
        "альтернативный телефон",
        "второй телефон",
    },
}
_NUMBERED_PHONE = (
    "number|phone|mobile|tel|telephone|alt|alternate|other|additional|"
    "מספר|טלפון|נייד|номер|телефон|тел"
)
# "phone 2", "mobile2", "alt phone", "alternate number 3", "טלפון 2", "телефон2".
_ALTERNATE_RE = re.compile(
    rf"^(?:{_NUMBERED_PHONE}) ?\d+$"
    r"|^(?:alt|alternate|other|additional)(?: (?:number|phone|mobile|tel))?(?: ?\d+)?$"
)
_SEPARATORS_RE = re.compile(r"[\W_]+", re.UNICODE)
_NOT_IN_A_NAME_RE = re.compile(r"[^A-Za-z0-9_]+")
# Contact variables are what flows read, so their names follow the flows' rule
# (flows.canonical.VARIABLE_NAME_RE; a unit test keeps the two the same).
VARIABLE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# Without a header, extra columns are named 0, 1, ... like Paycall's $0$ placeholders.
POSITIONAL_NAME_RE = re.compile(r"^[0-9]{1,3}$")
VARIABLE_NAME_MAX = 64


def header_key(header: str) -> str:
    """A header in its matching form: trimmed, lower case, ё as е, and every run of
    punctuation, spaces, dashes and underscores as one space ("Phone-Number" and
    "phone_number" are "phone number"; "доп. телефон" is "доп телефон")."""
    text = header.lstrip("\ufeff").casefold().replace("ё", "е")
    return _SEPARATORS_RE.sub(" ", text).strip()


_KEYS = {role: {header_key(name) for name in names} for role, names in _ALIASES.items()}
_KEYS[DTMF].add(header_key("dtmf_originator"))


def known_role(header: str) -> str | None:
    key = header_key(header)
    if not key:
        return None
    for role, names in _KEYS.items():
        if key in names or key.replace(" ", "") in names:
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
    """A flow variable name made of the header: letters, digits and underscores, not
    starting with a digit, at most 64 characters. A header with no Latin letter or
    digit (Hebrew, Russian) becomes column_<its position from 1>."""
    name = _NOT_IN_A_NAME_RE.sub("_", header.strip().lstrip("\ufeff")).strip("_")
    if not name:
        return f"column_{index + 1}"
    if name[0].isdigit():
        name = "_" + name
    return name[:VARIABLE_NAME_MAX]


def valid_variable_name(name: str) -> bool:
    """A flow variable name, or a positional one (0, 1, ... like Paycall's $0$)."""
    return bool(VARIABLE_NAME_RE.match(name) or POSITIONAL_NAME_RE.match(name))


def _unique_names(mapping: list[dict]) -> None:
    """Make variable names unique in place: a second "first_name" is "first_name_2"."""
    taken: set[str] = set()
    for entry in mapping:
        if entry["role"] != VARIABLE:
            continue
        name, counter = entry["name"], 2
        while name in taken:
            suffix = f"_{counter}"
            name = entry["name"][: VARIABLE_NAME_MAX - len(suffix)] + suffix
            counter += 1
        entry["name"] = name
        taken.add(name)


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


def _first_of_numbered(header: str) -> bool:
    """ "phone 1", "טלפון1", "номер 1": the first of numbered phone columns."""
    key = header_key(header)
    digits = re.search(r"\d+$", key)
    return _ALTERNATE_RE.match(key) is not None and digits is not None and digits[0] == "1"


def guess_mapping(
    headers: list[str],
    sample_rows: list[list[str]] | None = None,
    is_number: Callable[[str], bool] | None = None,
) -> tuple[list[dict], bool]:
    """A mapping from header names, and whether the number column is clear.

    The number column is the one header that names a number ("phone", "טלפון",
    "номер"...), else the first of numbered phone columns ("phone 1" beside
    "phone 2"), else the one column with an unknown header whose sample values all
    pass `is_number`. Two candidates, or none, are not clear: the uploader maps the
    columns. Recognised columns take their roles; every other column becomes a
    variable named after its header (unique, valid as a flow variable name).
    """
    mapping: list[dict] = []
    seen: set[str] = set()
    number_headers = 0
    for index, header in enumerate(headers):
        role = known_role(header)
        if role == NUMBER:
            number_headers += 1
        if role in SINGLE_ROLES and role in seen:
            role = None
        if role is None:
            mapping.append({"role": VARIABLE, "name": variable_name(header, index)})
        else:
            seen.add(role)
            mapping.append({"role": role, "name": variable_name(header, index)})
    clear = number_headers == 1
    if number_headers == 0:
        numbered = [i for i, h in enumerate(headers) if mapping[i]["role"] == ALTERNATE]
        firsts = [i for i in numbered if _first_of_numbered(headers[i])]
        by_content = _number_columns_by_content(mapping, sample_rows or [], is_number)
        if len(firsts) == 1:
            mapping[firsts[0]]["role"] = NUMBER
            clear = True
        elif not numbered and len(by_content) == 1:
            mapping[by_content[0]]["role"] = NUMBER
            clear = True
    _unique_names(mapping)
    return mapping, clear


def _number_columns_by_content(
    mapping: list[dict], rows: list[list[str]], is_number: Callable[[str], bool] | None
) -> list[int]:
    """Columns of unknown headers whose sample values are all phone numbers."""
    if is_number is None or not rows:
        return []
    found = []
    for index, entry in enumerate(mapping):
        if entry["role"] != VARIABLE:
            continue
        values = [row[index].strip() for row in rows if index < len(row) and row[index].strip()]
        if values and all(is_number(value) for value in values):
            found.append(index)
    return found


def mapping_errors(mapping: list[dict], column_count: int) -> list[str]:
    """What is wrong with a mapping, in words; empty when it can be used."""
    errors = []
    if len(mapping) != column_count:
        errors.append(
            _("The mapping must name a role for each of the %(count)d columns.")
            % {"count": column_count}
        )
    roles = [entry.get("role") for entry in mapping]
    for role in roles:
        if role not in ROLES:
            errors.append(_("Unknown column role %(role)r.") % {"role": role})
    if roles.count(NUMBER) != 1:
        errors.append(_("Choose exactly one column as the phone number."))
    for role in (CLI, DTMF):
        if roles.count(role) > 1:
            errors.append(_("Choose at most one %(role)s column.") % {"role": role})
    names = [entry.get("name", "") for entry in mapping if entry.get("role") == VARIABLE]
    if any(not name for name in names):
        errors.append(_("Every variable column needs a name."))
    if len(set(names)) != len(names):
        errors.append(_("Variable names must be different from each other."))
    bad = [n for n in names if n and not valid_variable_name(n)]
    if bad:
        errors.append(
            _(
                "Variable names are Latin letters, digits and underscores, not starting "
                "with a digit, at most %(max)d characters: %(names)s."
            )
            % {"max": VARIABLE_NAME_MAX, "names": ", ".join(bad[:5])}
        )
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

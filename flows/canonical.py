"""The canonical flow definition: one plain dict every other part is a view of.

Shape (``flows/schemas/flow_definition.schema.json`` is the authority)::

    {
      "schema_version": 1,
      "name": "Appointment reminder",          # metadata, optional
      "description": "",                       # metadata, optional
      "count_steps": 2,                        # always derived: len(steps)
      "have_dependency": "true",               # Paycall's string boolean
      "steps": [ <Paycall step>, ... ],        # exactly the Paycall Steps API
      "variables": [                           # per-contact values
        {"name": "first_name", "default": "there", "description": "..."}
      ]
    }

``count_steps``, ``have_dependency`` and ``steps`` are the Paycall ``ivr``
object, field for field (string booleans, ``dtmf_ivr`` as a string or an array,
prompts as string / array / placeholder object, keys as strings or
``{"min", "max"}`` ranges). Optional Paycall fields that are absent mean "the
provider's default" (``PAYCALL_DEFAULTS``) and stay absent, so a definition
imported from Paycall JSON exports back to the same JSON.

Variables are filled per contact: in prompt texts and play texts a placeholder
``$name$`` whose name is a declared variable takes the contact's value (or the
variable's default). Inside a prompt object, keys other than ``text`` and
``fields`` are fixed placeholder values, as in the Paycall document.

Everything here is pure: no Django, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

SCHEMA_VERSION = 1

TRUE = "true"
FALSE = "false"

ACTION_TYPES = ("hangup", "call", "goto", "mark", "play", "wait")
MARK_TYPES = ("remove", "custom")
GENDERS = ("male", "female")

#: Defaults the Paycall document states for fields that may be left out.
PAYCALL_DEFAULTS: dict[str, Any] = {
    # Dialer (general) fields
    "schedule_type": "seconds",
    "schedule": None,
    "max_retries": 3,
    "ring_timeout": 10,
    "retry_wait_time": 0,
    "numbers_from_queue": FALSE,
    # IVR
    "have_dependency": FALSE,
    # Steps
    "gender": "female",
    "prompt_is_file": FALSE,
    "dtmf_ivr_timeout": 3,
    "dtmf_invalid_text_is_file": FALSE,
    # Actions
    "play.gender": "female",
    "play.is_recording": FALSE,
}

MAX_RETRIES_LIMIT = 10000
MAX_TEXT_LENGTH = 4000
MAX_STEP_ID_LENGTH = 100

#: Field order of a step, as in the Paycall document; used to normalise output.
STEP_FIELDS = (
    "step_id",
    "gender",
    "prompt_is_file",
    "prompt",
    "dtmf_ivr",
    "dtmf_ivr_timeout",
    "dtmf_invalid_text_is_file",
    "dtmf_ivr_invalid_text",
    "dtmf_ivr_retries",
    "actions",
)
ACTION_PARAMS = {
    "hangup": (),
    "call": ("number", "cli", "dtmf_keys"),
    "goto": ("step_id",),
    "mark": ("type", "value"),
    "play": ("text", "gender", "is_recording"),
    "wait": ("sleep",),
}
DEFINITION_FIELDS = (
    "schema_version",
    "name",
    "description",
    "count_steps",
    "have_dependency",
    "steps",
    "variables",
)
VARIABLE_FIELDS = ("name", "default", "description")

DTMF_KEY_CHARS = frozenset("0123456789*#")
VARIABLE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: ``$0$``, ``$first_name$``: a Paycall placeholder.
PLACEHOLDER_RE = re.compile(r"\$([A-Za-z0-9_]+)\$")


def is_true(value: Any) -> bool:
    """Paycall's string booleans: "true" (any case) or a real True."""
    return value is True or (isinstance(value, str) and value.strip().lower() == TRUE)


def string_bool(value: bool) -> str:
    return TRUE if value else FALSE


def new_definition(name: str = "", *, linear: bool = False) -> dict:
    """An empty draft (it has no steps yet, so it does not validate)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "count_steps": 0,
        "have_dependency": string_bool(not linear),
        "steps": [],
        "variables": [],
    }


def is_linear(definition: dict) -> bool:
    """Linear mode: steps run one after the other, goto is ignored."""
    return not is_true(definition.get("have_dependency", FALSE))


def steps(definition: dict) -> list[dict]:
    value = definition.get("steps")
    return [s for s in value if isinstance(s, dict)] if isinstance(value, list) else []


def step_routes(step: dict) -> list[dict]:
    value = step.get("actions")
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def route_actions(route: dict) -> list[dict]:
    value = route.get("actions")
    return [a for a in value if isinstance(a, dict)] if isinstance(value, list) else []


def accepted_keys(step: dict) -> list[str]:
    """``dtmf_ivr`` as a list (it may be one string or an array of strings)."""
    value = step.get("dtmf_ivr")
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def step_ids(definition: dict) -> dict[str, int]:
    """step_id -> index of its first occurrence."""
    out: dict[str, int] = {}
    for i, step in enumerate(steps(definition)):
        sid = step.get("step_id")
        if isinstance(sid, str) and sid not in out:
            out[sid] = i
    return out


def variables(definition: dict) -> list[dict]:
    value = definition.get("variables")
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def variable_names(definition: dict) -> list[str]:
    return [v["name"] for v in variables(definition) if isinstance(v.get("name"), str)]


def variable_defaults(definition: dict) -> dict[str, str]:
    return {
        str(v.get("name")): str(v["default"])
        for v in variables(definition)
        if v.get("default") is not None
    }


def variable_values(
    definition: dict, values: Mapping[str, object] | None
) -> tuple[dict[str, str], list[str]]:
    """The value of every declared variable (the contact's, else the default), and
    the names that have neither."""
    values = values or {}
    defaults = variable_defaults(definition)
    out: dict[str, str] = {}
    missing: list[str] = []
    for name in variable_names(definition):
        if values.get(name) is not None:
            out[name] = str(values[name])
        elif name in defaults:
            out[name] = defaults[name]
        else:
            missing.append(name)
    return out, missing


@dataclass(frozen=True, slots=True)
class KeyRange:
    """A route key given as ``{"min": "10", "max": "12"}`` (both inclusive)."""

    min: str
    max: str

    @property
    def is_numeric(self) -> bool:
        return self.min.isdigit() and self.max.isdigit()

    def bounds(self) -> tuple[int, int] | None:
        if not self.is_numeric:
            return None
        return int(self.min), int(self.max)

    def contains(self, key: str) -> bool:
        bounds = self.bounds()
        if bounds is None or not key.isdigit():
            return False
        return bounds[0] <= int(key) <= bounds[1]

    def label(self) -> str:
        return f"{self.min}–{self.max}"


def parse_key(key: Any) -> str | KeyRange | None:
    """A route's ``key``: a DTMF string, a :class:`KeyRange`, or None if unusable."""
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    if isinstance(key, dict) and "min" in key and "max" in key:
        return KeyRange(str(key["min"]), str(key["max"]))
    return None


def key_label(key: Any) -> str:
    parsed = parse_key(key)
    if isinstance(parsed, KeyRange):
        return f"keys {parsed.label()}"
    if parsed is None:
        return "a route without a key"
    return f"key {parsed}"


def placeholders_in(text: Any) -> tuple[str, ...]:
    """Placeholder names in order of first appearance (``$0$`` -> ``"0"``)."""
    if not isinstance(text, str) or "$" not in text:
        return ()
    return _placeholders(text)


@lru_cache(maxsize=4096)
def _placeholders(text: str) -> tuple[str, ...]:
    # Cached: flows repeat the same texts across steps, and lint and the
    # provider builders ask for every text's placeholders.
    return tuple(dict.fromkeys(m.group(1) for m in PLACEHOLDER_RE.finditer(text)))


def prompt_placeholder_values(prompt: Any) -> dict[str, str]:
    """The fixed values of a prompt object (every key but text and fields)."""
    if not isinstance(prompt, dict):
        return {}
    return {str(k): str(v) for k, v in prompt.items() if k not in ("text", "fields")}


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace ``$name$`` by ``values[name]``; unknown placeholders stay as written
    (that is what Paycall does with a placeholder that has no value)."""
    if "$" not in text:
        return text
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def render_prompt(prompt: Any, values: dict[str, str] | None = None) -> str:
    """The words a caller hears for a prompt in any of the three forms."""
    values = values or {}
    if isinstance(prompt, str):
        return fill_placeholders(prompt, values)
    if isinstance(prompt, list):
        return " ".join(fill_placeholders(str(p), values) for p in prompt)
    if isinstance(prompt, dict):
        merged = {**values, **prompt_placeholder_values(prompt)}
        return fill_placeholders(str(prompt.get("text", "")), merged)
    return ""


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (several times faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def _ordered(obj: dict, order: tuple[str, ...], special: dict | None = None) -> dict:
    """A deep copy of ``obj`` with the ``order`` fields first; ``special`` maps a
    field to the function that copies its value."""
    out = {}
    for key in (*order, *obj):
        if key in obj and key not in out:
            convert = special.get(key) if special else None
            out[key] = convert(obj[key]) if convert else copy_json(obj[key])
    return out


def _each(convert: Callable[[dict], dict]) -> Callable[[Any], Any]:
    """Copy a list item by item with ``convert`` for dicts (other values as-is)."""

    def copy_list(value: Any) -> Any:
        if not isinstance(value, list):
            return copy_json(value)
        return [convert(v) if isinstance(v, dict) else copy_json(v) for v in value]

    return copy_list


def normalize_action(action: dict) -> dict:
    order = ACTION_PARAMS.get(str(action.get("action")), ())

    def params(value: Any) -> Any:
        return _ordered(value, order) if isinstance(value, dict) else copy_json(value)

    return _ordered(action, ("action", "params"), {"params": params})


_ROUTE_FIELDS = {"actions": _each(normalize_action)}


def normalize_route(route: dict) -> dict:
    return _ordered(route, ("key", "actions"), _ROUTE_FIELDS)


_STEP_FIELDS = {"actions": _each(normalize_route)}


def normalize_step(step: dict) -> dict:
    """A copy of ``step`` with fields in the document's order."""
    return _ordered(step, STEP_FIELDS, _STEP_FIELDS)


def normalize(definition: dict) -> dict:
    """A copy in canonical form: schema_version set, count_steps derived,
    variables present, fields in the document's order. Values are not changed."""
    out = {k: v for k, v in definition.items() if k not in ("steps", "variables")}
    out = _ordered(out, DEFINITION_FIELDS)
    out["schema_version"] = SCHEMA_VERSION
    raw_steps = definition.get("steps")
    if not isinstance(raw_steps, list):
        raw_steps = []
    out["steps"] = [normalize_step(s) if isinstance(s, dict) else copy_json(s) for s in raw_steps]
    out["count_steps"] = len(out["steps"])
    out.setdefault("have_dependency", FALSE)
    raw_vars = definition.get("variables")
    out["variables"] = [
        _ordered(v, VARIABLE_FIELDS) if isinstance(v, dict) else copy_json(v)
        for v in (raw_vars if isinstance(raw_vars, list) else [])
    ]
    return _ordered(out, DEFINITION_FIELDS)


def ivr_object(definition: dict) -> dict:
    """The Paycall ``ivr`` object of a definition (a deep copy, count derived)."""
    norm = normalize(definition)
    return {
        "count_steps": norm["count_steps"],
        "have_dependency": norm["have_dependency"],
        "steps": norm["steps"],
    }


def match_route(step: dict, digits: str) -> tuple[int, dict] | None:
    """The route a caller's digits take: an exact key first, then a range."""
    ranged = None
    for index, route in enumerate(step_routes(step)):
        key = parse_key(route.get("key"))
        if key == digits:
            return index, route
        if ranged is None and isinstance(key, KeyRange) and key.contains(digits):
            ranged = (index, route)
    return ranged


#: How a route's actions end: the call ends (hangup, call, or, in branching mode,
#: nothing left to do), it goes to a step (goto, branching mode only: Paycall
#: ignores goto in linear mode), or the next step runs (linear mode).
END = "end"
GOTO = "goto"
CONTINUE = "continue"

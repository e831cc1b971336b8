"""Import Paycall JSON into a canonical definition (pure: no ORM, no I/O).

The flow itself travels in Paycall's requests (the canonical definition is its
``ivr`` with our metadata), so this is how flows come in from files. Accepted
inputs, as a JSON string/bytes or the parsed value:

- a whole dialer request (``{"return_address": ..., "ivr": {...}}``);
- just its ``ivr`` object (``{"count_steps": ..., "steps": [...]}``);
- just a steps array (``[{"step_id": ...}, ...]``);
- a simple dialer request (``{"tts": ..., "sound": ...}``).

:func:`export_paycall` writes an import back in the shape it came in; for
well-formed input the result equals the input (up to key order). Field names
mangled into words (``"dtmf ivr timeout"``) are repaired, unknown fields are
dropped, each with a finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, Unpack

from flows.canonical import ACTION_PARAMS, FALSE, STEP_FIELDS, new_definition, normalize
from flows.dtmf import DtmfSequence, invalid_paycall_chars
from flows.findings import ERROR, INFO, WARNING, Finding, Place, StepLocation
from providers.building import Contact, Schedule
from providers.paycall.dialer import PaycallOptions, compile_dialer, compile_ivr
from providers.paycall.simple_dialer import PaycallSimpleOptions, compile_simple_dialer

Kind = Literal["dialer", "ivr", "steps", "simple_dialer"]

DIALER_FIELDS = (
    "schedule_type",
    "schedule",
    "unique_id",
    "return_address",
    "max_retries",
    "ivr",
    "ring_timeout",
    "retry_wait_time",
    "numbers_from_queue",
    "number",
    "cli",
    "dtmf_originator",
)
IVR_FIELDS = ("count_steps", "have_dependency", "steps")
SIMPLE_FIELDS = (
    "unique_id",
    "dial_at",
    "from_campaign",
    "leg_a",
    "cid_a",
    "dtmf_a",
    "tts",
    "sound",
    "gender",
    "answer_delay",
    "ring_timeout",
    "max_retries",
    "retry_wait_time",
    "leg_b",
    "cid_b",
    "dtmf_b",
)
SIMPLE_STEP_ID = "message"


class PaycallImportError(ValueError):
    """The input is not a provider request we can read (the name is historical:
    Phonon and iovox imports raise it too)."""


@dataclass
class PaycallImport:
    """What an import found: the flow, and the request's other fields."""

    kind: Kind
    definition: dict
    options: PaycallOptions | PaycallSimpleOptions | None = None
    contact: Contact | None = None
    findings: list[Finding] = field(default_factory=list)


def parsed_json(data: Any) -> Any:
    """`data`, decoded first if it is still JSON text."""
    if not isinstance(data, bytes | str):
        return data
    try:
        return json.loads(data)
    except ValueError as exc:
        raise PaycallImportError(f"This is not valid JSON: {exc}") from exc


def import_paycall(data: Any, *, name: str = "") -> PaycallImport:
    """Read Paycall JSON (see the module doc for the accepted shapes)."""
    data = parsed_json(data)
    findings: list[Finding] = []
    if isinstance(data, list):
        kind: Kind = "steps"
        ivr: dict = {"steps": data}
    elif isinstance(data, dict):
        data = _repair_keys(data, DIALER_FIELDS + IVR_FIELDS + SIMPLE_FIELDS, findings, "")
        if "ivr" in data:
            kind = "dialer"
            ivr = data["ivr"] if isinstance(data["ivr"], dict) else {}
        elif "steps" in data:
            kind, ivr = "ivr", data
        elif "sound" in data or "leg_a" in data or "tts" in data:
            return _import_simple(data, findings, name)
        else:
            raise PaycallImportError(
                "This JSON is not a Paycall dialer request, IVR or list of steps: "
                "it has no 'ivr', 'steps' or 'sound'."
            )
    else:
        raise PaycallImportError("Paycall JSON is an object or a list of steps.")

    definition = _definition_from_ivr(ivr, kind, findings, name)
    result = PaycallImport(kind, definition, findings=findings)
    if kind == "dialer":
        _drop_unknown(data, DIALER_FIELDS, findings, "")
        result.options, result.contact = _dialer_options(data, findings)
    return result


def export_paycall(imported: PaycallImport) -> Any:
    """The import written back in its original shape."""
    if imported.kind == "simple_dialer":
        assert isinstance(imported.options, PaycallSimpleOptions), "an import of its kind has them"
        return compile_simple_dialer(imported.definition, imported.options, imported.contact)
    if imported.kind == "dialer":
        assert isinstance(imported.options, PaycallOptions), "an import of its kind has them"
        return compile_dialer(imported.definition, imported.options, imported.contact)
    ivr = compile_ivr(imported.definition)
    return ivr["steps"] if imported.kind == "steps" else ivr


def _definition_from_ivr(ivr: dict, kind: Kind, findings: list[Finding], name: str) -> dict:
    ivr = _repair_keys(ivr, IVR_FIELDS, findings, "ivr")
    if kind != "steps":
        _drop_unknown(ivr, IVR_FIELDS, findings, "ivr")
    raw_steps = ivr.get("steps")
    if not isinstance(raw_steps, list):
        raise PaycallImportError("The IVR has no list of steps.")
    definition = new_definition(name or "Imported from Paycall")
    definition["have_dependency"] = ivr.get("have_dependency", FALSE)
    if "have_dependency" not in ivr and kind == "ivr":
        findings.append(
            Finding(
                INFO,
                "import-mode-default",
                "The IVR does not say whether steps depend on each other, so it runs "
                "in Paycall's default: one step after the other.",
                field="have_dependency",
            )
        )
    definition["steps"] = [
        _import_step(s, i, findings) if isinstance(s, dict) else s for i, s in enumerate(raw_steps)
    ]
    count = ivr.get("count_steps")
    if count is not None and count != len(raw_steps):
        findings.append(
            Finding(
                WARNING,
                "import-count-steps-mismatch",
                f"The IVR said it has {count} steps but lists {len(raw_steps)}. Paycall "
                f"would stop after {min(count, len(raw_steps)) if isinstance(count, int) else 0};"
                f" all {len(raw_steps)} steps were kept and the count now follows them.",
                field="count_steps",
            )
        )
    return normalize(definition)


def _import_step(step: dict, index: int, findings: list[Finding]) -> dict:
    loc: StepLocation = {"step_index": index, "step": step.get("step_id")}
    step = _repair_keys(step, STEP_FIELDS, findings, "step", **loc)
    _drop_unknown(step, STEP_FIELDS, findings, "step", **loc)
    if isinstance(step.get("dtmf_ivr"), int | list):
        value = step["dtmf_ivr"]
        step["dtmf_ivr"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    routes = step.get("actions")
    if isinstance(routes, list):
        step["actions"] = [
            _import_route(r, index, ri, findings, loc) if isinstance(r, dict) else r
            for ri, r in enumerate(routes)
        ]
    return step


def _import_route(
    route: dict, si: int, ri: int, findings: list[Finding], loc: StepLocation
) -> dict:
    route = _repair_keys(route, ("key", "actions"), findings, "route", route=ri, **loc)
    _drop_unknown(route, ("key", "actions"), findings, "route", route=ri, **loc)
    if isinstance(route.get("key"), int) and not isinstance(route.get("key"), bool):
        route["key"] = str(route["key"])
    actions = route.get("actions")
    if isinstance(actions, list):
        fixed = []
        for ai, action in enumerate(actions):
            if isinstance(action, dict):
                where: Place = {"route": ri, "action": ai, **loc}
                action = _repair_keys(action, ("action", "params"), findings, "action", **where)
                params = action.get("params")
                allowed = ACTION_PARAMS.get(str(action.get("action")), ())
                if isinstance(params, dict):
                    params = _repair_keys(params, allowed, findings, "params", **where)
                    if allowed:
                        _drop_unknown(params, allowed, findings, "params", **where)
                    action["params"] = params
            fixed.append(action)
        route["actions"] = fixed
    return route


def _repair_keys(
    obj: dict, known: tuple[str, ...], findings: list[Finding], where: str, **loc: Unpack[Place]
) -> dict:
    """``"dtmf ivr timeout"`` -> ``"dtmf_ivr_timeout"`` when that is a known field."""
    if not any(" " in k for k in obj):
        return dict(obj)
    out = {}
    for key, value in obj.items():
        fixed = "_".join(key.split()) if isinstance(key, str) else key
        if fixed != key and fixed in known and fixed not in obj:
            findings.append(
                Finding(
                    INFO,
                    "import-field-renamed",
                    f'The field "{key}" was read as "{fixed}".',
                    field=fixed,
                    **loc,
                )
            )
            key = fixed
        out[key] = value
    return out


def _drop_unknown(
    obj: dict, known: tuple[str, ...], findings: list[Finding], where: str, **loc: Unpack[Place]
) -> None:
    for key in [k for k in obj if k not in known]:
        del obj[key]
        findings.append(
            Finding(
                WARNING,
                "import-field-unknown",
                f'The field "{key}" is not part of the Paycall {where} and was left out.',
                field=str(key),
                **loc,
            )
        )


def _dialer_options(data: dict, findings: list[Finding]) -> tuple[PaycallOptions, Contact | None]:
    if not data.get("return_address"):
        findings.append(
            Finding(
                ERROR,
                "paycall-return-address-missing",
                "The request has no return address; Paycall refuses such requests. "
                "Set one before sending.",
                field="return_address",
            )
        )
    schedule = None
    if "schedule" in data or "schedule_type" in data:
        schedule = Schedule(data.get("schedule"), data.get("schedule_type"))
    queue = data.get("numbers_from_queue")
    options = PaycallOptions(
        return_address=data.get("return_address") or "",
        unique_id=data.get("unique_id"),
        schedule=schedule,
        max_retries=data.get("max_retries"),
        ring_timeout=data.get("ring_timeout"),
        retry_wait_time=data.get("retry_wait_time"),
        numbers_from_queue=None if queue is None else queue == "true",
        cli=data.get("cli"),
        dtmf_originator=_dtmf(data.get("dtmf_originator"), "dtmf_originator", findings),
    )
    number = data.get("number")
    contact = Contact(number=str(number)) if number is not None and queue != "true" else None
    return options, contact


def _dtmf(value: Any, field_name: str, findings: list[Finding]) -> DtmfSequence | None:
    if value is None:
        return None
    value = str(value)
    bad = invalid_paycall_chars(value)
    if bad:
        findings.append(
            Finding(
                WARNING,
                "dtmf-invalid-chars",
                f"The keys to send ({value}) contain {' '.join(bad)}, which Paycall "
                "ignores; they were left out.",
                field=field_name,
            )
        )
    return DtmfSequence.parse_paycall(value)


def _import_simple(data: dict, findings: list[Finding], name: str) -> PaycallImport:
    _drop_unknown(data, SIMPLE_FIELDS, findings, "simple dialer")
    step: dict = {"step_id": SIMPLE_STEP_ID}
    if "gender" in data:
        step["gender"] = data["gender"]
    if data.get("tts") == "false":
        step["prompt_is_file"] = "true"
    step["prompt"] = data.get("sound", "")
    definition = new_definition(name or "Imported simple dialer message", linear=True)
    definition["steps"] = [step]
    from_campaign = data.get("from_campaign")
    options = PaycallSimpleOptions(
        unique_id=data.get("unique_id"),
        dial_at=data.get("dial_at"),
        from_campaign=None if from_campaign is None else from_campaign == "true",
        answer_delay=data.get("answer_delay"),
        ring_timeout=data.get("ring_timeout"),
        max_retries=data.get("max_retries"),
        retry_wait_time=data.get("retry_wait_time"),
        leg_b=data.get("leg_b"),
        cid_b=data.get("cid_b"),
        dtmf_b=_dtmf(data.get("dtmf_b"), "dtmf_b", findings),
    )
    contact = None
    if from_campaign != "true" and "leg_a" in data:
        contact = Contact(
            number=str(data["leg_a"]),
            cli=data.get("cid_a"),
            dtmf_originator=_dtmf(data.get("dtmf_a"), "dtmf_a", findings),
        )
    return PaycallImport("simple_dialer", normalize(definition), options, contact, findings)

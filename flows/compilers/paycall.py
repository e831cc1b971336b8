"""Paycall Dynamic Dialer v2.1: the dialer request (POST /v2/calls/dialer).

The ``ivr`` object is the canonical definition's own (steps, routes, actions
are already in Paycall's shape); compiling fills ``$name$`` placeholders from
the contact's variables, derives ``count_steps`` and writes the general
fields. Optional fields left unset are left out, so the provider's documented
default applies, unless ``PaycallOptions.explicit_defaults`` asks to write them.
"""

from __future__ import annotations

from flows.canonical import (
    FALSE,
    PAYCALL_DEFAULTS,
    fill_placeholders,
    is_true,
    ivr_object,
    placeholders_in,
    route_actions,
    step_routes,
    string_bool,
)
from flows.compilers import CompileError, Contact, PaycallOptions, resolve_variables
from flows.compilers.dtmf import DtmfSequence
from flows.findings import ERROR, WARNING, Finding
from flows.phones import check_e164, check_phone


def contact_values(definition: dict, contact: Contact | None) -> dict[str, str]:
    """Variable values for one call: the contact's (all required) or, for calls
    taken from Paycall's queue, the variables' defaults only."""
    if contact is None:
        return resolve_variables(definition, None, required=False)
    return resolve_variables(definition, contact.variables)


def compile_ivr(
    definition: dict, values: dict[str, str] | None = None, *, explicit_defaults: bool = False
) -> dict:
    """The ``ivr`` object with placeholders of declared variables filled."""
    ivr = ivr_object(definition)
    values = values or {}
    for step in ivr["steps"]:
        _fill_step(step, values)
        if explicit_defaults:
            _with_step_defaults(step)
    return ivr


def _fill_step(step: dict, values: dict[str, str]) -> None:
    if not values:
        return
    prompt = step.get("prompt")
    if not is_true(step.get("prompt_is_file")):
        if isinstance(prompt, str):
            step["prompt"] = fill_placeholders(prompt, values)
        elif isinstance(prompt, list):
            step["prompt"] = [fill_placeholders(p, values) for p in prompt]
        elif isinstance(prompt, dict):
            step["prompt"] = _fill_prompt_object(prompt, values)
    text = step.get("dtmf_ivr_invalid_text")
    if isinstance(text, str) and not is_true(step.get("dtmf_invalid_text_is_file")):
        step["dtmf_ivr_invalid_text"] = fill_placeholders(text, values)
    for route in step_routes(step):
        for action in route_actions(route):
            params = action.get("params")
            if (
                action.get("action") == "play"
                and isinstance(params, dict)
                and isinstance(params.get("text"), str)
                and not is_true(params.get("is_recording"))
            ):
                params["text"] = fill_placeholders(params["text"], values)


def _fill_prompt_object(prompt: dict, values: dict[str, str]) -> dict:
    """Paycall fills an object prompt itself: add the variables' values as
    placeholder keys (fixed values written in the prompt win)."""
    out = dict(prompt)
    added = False
    for name in placeholders_in(prompt.get("text")):
        if name not in out and name in values:
            out[name] = values[name]
            added = True
    if added and "fields" in out:
        out["fields"] = sum(1 for k in out if k not in ("text", "fields"))
    return out


def _with_step_defaults(step: dict) -> None:
    for name in ("gender", "prompt_is_file", "dtmf_ivr_timeout", "dtmf_invalid_text_is_file"):
        step.setdefault(name, PAYCALL_DEFAULTS[name])
    for route in step_routes(step):
        for action in route_actions(route):
            params = action.get("params")
            if action.get("action") == "play" and isinstance(params, dict):
                params.setdefault("gender", PAYCALL_DEFAULTS["play.gender"])
                params.setdefault("is_recording", PAYCALL_DEFAULTS["play.is_recording"])


def compile_dialer(
    definition: dict, options: PaycallOptions, contact: Contact | None = None
) -> dict:
    """The dialer request body for one contact, or for the uploaded phone list
    (``options.numbers_from_queue``, no contact)."""
    from_queue = bool(options.numbers_from_queue)
    if not from_queue and contact is None:
        raise CompileError(
            [
                Finding(
                    ERROR,
                    "paycall-number-missing",
                    "Paycall needs a number to call: choose a contact, or take the "
                    "numbers from the uploaded phone list.",
                    field="number",
                )
            ]
        )
    values = contact_values(definition, None if from_queue else contact)
    explicit = options.explicit_defaults
    payload: dict = {}
    schedule = options.schedule
    if schedule is not None and schedule.kind is not None:
        payload["schedule_type"] = schedule.kind
    elif explicit:
        payload["schedule_type"] = PAYCALL_DEFAULTS["schedule_type"]
    if schedule is not None:
        payload["schedule"] = schedule.value
    if options.unique_id is not None:
        payload["unique_id"] = options.unique_id
    payload["return_address"] = options.return_address
    _put(payload, "max_retries", options.max_retries, explicit)
    _put(payload, "ring_timeout", options.ring_timeout, explicit)
    _put(payload, "retry_wait_time", options.retry_wait_time, explicit)
    if options.numbers_from_queue is not None:
        payload["numbers_from_queue"] = string_bool(from_queue)
    elif explicit:
        payload["numbers_from_queue"] = FALSE
    if not from_queue:
        payload["number"] = contact.number
    cli = (contact.cli if contact and contact.cli is not None else None) or options.cli
    if cli is not None:
        payload["cli"] = cli
    dtmf = _dtmf_for(contact, options)
    if dtmf is not None:
        payload["dtmf_originator"] = dtmf.to_paycall("dtmf_originator").text
    payload["ivr"] = compile_ivr(definition, values, explicit_defaults=explicit)
    return payload


def _put(payload: dict, name: str, value, explicit: bool) -> None:
    if value is not None:
        payload[name] = value
    elif explicit:
        payload[name] = PAYCALL_DEFAULTS[name]


def _dtmf_for(contact: Contact | None, options: PaycallOptions) -> DtmfSequence | None:
    if contact is not None and contact.dtmf_originator is not None:
        return contact.dtmf_originator
    return options.dtmf_originator


def check_options(options: PaycallOptions, contact: Contact | None = None) -> list[Finding]:
    """What Paycall would reject or silently change in these options."""
    findings: list[Finding] = []
    if not options.return_address:
        findings.append(
            Finding(
                ERROR,
                "paycall-return-address-missing",
                "Paycall needs a return address to report the results to; without "
                "it the request is refused.",
                field="return_address",
            )
        )
    if options.max_retries is not None and not 0 <= options.max_retries <= 10000:
        findings.append(
            Finding(
                ERROR,
                "retries-out-of-range",
                f"Retries must be between 0 and 10000 (it is {options.max_retries}).",
                field="max_retries",
            )
        )
    if options.ring_timeout is not None and options.ring_timeout <= 0:
        findings.append(
            Finding(
                ERROR,
                "timeout-not-positive",
                "The ring time must be at least 1 second.",
                field="ring_timeout",
            )
        )
    schedule = options.schedule
    if schedule is not None and schedule.value is not None and schedule.value < 0:
        findings.append(
            Finding(
                ERROR,
                "schedule-negative",
                "The start time cannot be negative.",
                field="schedule",
            )
        )
    if options.numbers_from_queue and contact is not None:
        findings.append(
            Finding(
                WARNING,
                "paycall-number-ignored",
                "Numbers come from the uploaded phone list, so this contact's number is not sent.",
                field="number",
            )
        )
    if contact is not None and not options.numbers_from_queue:
        findings.extend(check_e164(contact.number, field="number", what="The number to call"))
    cli = (contact.cli if contact else None) or options.cli
    if cli:
        findings.extend(check_phone(cli, field="cli", what="The caller id"))
    dtmf = _dtmf_for(contact, options)
    if dtmf is not None:
        findings.extend(dtmf.to_paycall("dtmf_originator").findings)
    return findings

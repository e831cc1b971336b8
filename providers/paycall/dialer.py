"""Paycall Dynamic Dialer v2.1: the dialer request (POST /v2/calls/dialer).

The ``ivr`` object is the canonical definition's own (steps, routes, actions
are already in Paycall's shape); compiling fills ``$name$`` placeholders from
the contact's variables, derives ``count_steps`` and writes the general
fields. Optional fields left unset are left out, so the provider's documented
default applies, unless ``PaycallOptions.explicit_defaults`` asks to write them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flows.canonical import (
    FALSE,
    PAYCALL_DEFAULTS,
    fill_placeholders,
    is_true,
    placeholders_in,
    string_bool,
)
from flows.dtmf import DtmfSequence
from flows.findings import ERROR, WARNING, Finding
from flows.phones import check_e164, check_phone
from providers.base import OutboundRequest, encode_json
from providers.building import CompileError, Contact, Schedule, SendSettings, resolve_variables

API_PREFIX = "/v2/calls"
DIALER_PATH = f"{API_PREFIX}/dialer"
# Paycall refuses a timestamp that is "now or in the past"; closer than this, start at once.
MIN_SCHEDULE_SECONDS = 5


@dataclass(frozen=True)
class PaycallOptions:
    """General fields of the Paycall dialer request (POST /v2/calls/dialer).

    - ``return_address``: where Paycall reports the steps (the document says
      a request without it fails);
    - ``unique_id``: our campaign id, returned as-is;
    - ``schedule``: :class:`Schedule`, None = start at once;
    - ``max_retries`` (0..10000, default 3), ``ring_timeout`` (s, default 10),
      ``retry_wait_time`` (s, default 0);
    - ``numbers_from_queue``: True = numbers from the uploaded phone list (no
      ``number``); False/None = call the contact's number;
    - ``cli``, ``dtmf_originator``: campaign-wide defaults a contact may override;
    - ``explicit_defaults``: write every documented default instead of leaving
      absent fields to the provider.
    """

    return_address: str
    unique_id: str | None = None
    schedule: Schedule | None = None
    max_retries: int | None = None
    ring_timeout: int | None = None
    retry_wait_time: int | None = None
    numbers_from_queue: bool | None = None
    cli: str | None = None
    dtmf_originator: DtmfSequence | None = None
    explicit_defaults: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtmf_originator", DtmfSequence.coerce(self.dtmf_originator))


def contact_values(definition: dict, contact: Contact | None) -> dict[str, str]:
    """Variable values for one call: the contact's (all required) or, for calls
    taken from Paycall's queue, the variables' defaults only."""
    if contact is None:
        return resolve_variables(definition, None, required=False)
    return resolve_variables(definition, contact.variables)


def compile_ivr(
    definition: dict, values: dict[str, str] | None = None, *, explicit_defaults: bool = False
) -> dict:
    """The ``ivr`` object with placeholders of declared variables filled.

    For speed the result shares every part that needs no change with
    ``definition`` (copy-on-write): serialize it, do not mutate it.
    """
    raw = definition.get("steps")
    steps = [
        _compile_step(step, values or {}, explicit_defaults) if isinstance(step, dict) else step
        for step in (raw if isinstance(raw, list) else [])
    ]
    return {
        "count_steps": len(steps),
        "have_dependency": definition.get("have_dependency", FALSE),
        "steps": steps,
    }


def _compile_step(step: dict, values: dict[str, str], explicit: bool) -> dict:
    out = step
    if explicit:
        out = {**step}
        for name in STEP_DEFAULTS:
            out.setdefault(name, PAYCALL_DEFAULTS[name])
    if values and not is_true(step.get("prompt_is_file")) and "prompt" in step:
        prompt = _fill_prompt(step["prompt"], values)
        if prompt is not step["prompt"]:
            out = out if out is not step else {**step}
            out["prompt"] = prompt
    text = step.get("dtmf_ivr_invalid_text")
    if (
        values
        and isinstance(text, str)
        and "$" in text
        and not is_true(step.get("dtmf_invalid_text_is_file"))
    ):
        out = out if out is not step else {**step}
        out["dtmf_ivr_invalid_text"] = fill_placeholders(text, values)
    routes = step.get("actions")
    if isinstance(routes, list) and (values or explicit):
        new_routes = _map_changed(routes, _compile_route, values, explicit)
        if new_routes is not routes:
            out = out if out is not step else {**step}
            out["actions"] = new_routes
    return out


def _map_changed(
    items: list,
    convert: Callable[[Any, dict[str, str], bool], Any],
    values: dict[str, str],
    explicit: bool,
) -> list:
    """``[convert(i) for i in items]``, or ``items`` itself when nothing changed."""
    changed = None
    for index, item in enumerate(items):
        new = convert(item, values, explicit)
        if new is not item:
            if changed is None:
                changed = list(items)
            changed[index] = new
    return items if changed is None else changed


def _compile_route(route: Any, values: dict[str, str], explicit: bool) -> Any:
    actions = route.get("actions") if isinstance(route, dict) else None
    if not isinstance(actions, list):
        return route
    new_actions = _map_changed(actions, _compile_action, values, explicit)
    return route if new_actions is actions else {**route, "actions": new_actions}


def _compile_action(action: Any, values: dict[str, str], explicit: bool) -> Any:
    if not isinstance(action, dict) or action.get("action") != "play":
        return action
    params = action.get("params")
    if not isinstance(params, dict):
        return action
    new = params
    if explicit:
        new = {**params}
        new.setdefault("gender", PAYCALL_DEFAULTS["play.gender"])
        new.setdefault("is_recording", PAYCALL_DEFAULTS["play.is_recording"])
    text = params.get("text")
    if values and isinstance(text, str) and "$" in text and not is_true(params.get("is_recording")):
        new = new if new is not params else {**params}
        new["text"] = fill_placeholders(text, values)
    return action if new is params else {**action, "params": new}


def _fill_prompt(prompt: Any, values: dict[str, str]) -> Any:
    """The prompt with variables filled, or the same object when nothing changes."""
    if isinstance(prompt, str):
        return fill_placeholders(prompt, values) if "$" in prompt else prompt
    if isinstance(prompt, list):
        if not any(isinstance(p, str) and "$" in p for p in prompt):
            return prompt
        return [fill_placeholders(p, values) if isinstance(p, str) else p for p in prompt]
    if isinstance(prompt, dict):
        return _fill_prompt_object(prompt, values)
    return prompt


def _fill_prompt_object(prompt: dict, values: dict[str, str]) -> dict:
    """Paycall fills an object prompt itself: add the variables' values as
    placeholder keys (fixed values written in the prompt win)."""
    missing = [
        name
        for name in placeholders_in(prompt.get("text"))
        if name not in prompt and name in values
    ]
    if not missing:
        return prompt
    out = {**prompt, **{name: values[name] for name in missing}}
    if "fields" in out:
        out["fields"] = sum(1 for k in out if k not in ("text", "fields"))
    return out


STEP_DEFAULTS = ("gender", "prompt_is_file", "dtmf_ivr_timeout", "dtmf_invalid_text_is_file")


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
        assert contact is not None, "refused above"
        payload["number"] = contact.number
    cli = (contact.cli if contact and contact.cli is not None else None) or options.cli
    if cli is not None:
        payload["cli"] = cli
    dtmf = _dtmf_for(contact, options)
    if dtmf is not None:
        payload["dtmf_originator"] = dtmf.to_paycall("dtmf_originator").text
    payload["ivr"] = compile_ivr(definition, values, explicit_defaults=explicit)
    return payload


def build_calls(
    definition: dict, contacts: list[Contact], settings: SendSettings
) -> OutboundRequest:
    """One contact's own dialer campaign; its unique_id is the contact's reference."""
    (contact,) = contacts
    return dialer_request(
        definition, dialer_options(settings, unique_id=contact.reference), contact
    )


def dialer_options(
    settings: SendSettings, *, unique_id: str | None, numbers_from_queue: bool | None = None
) -> PaycallOptions:
    return PaycallOptions(
        return_address=settings.return_address,
        unique_id=unique_id,
        schedule=schedule_for(settings.now, settings.due),
        max_retries=settings.max_retries,
        ring_timeout=settings.ring_timeout,
        retry_wait_time=settings.retry_wait_time,
        numbers_from_queue=numbers_from_queue,
        cli=settings.cli or None,
        dtmf_originator=DtmfSequence.coerce(settings.dtmf_originator or None),
    )


def schedule_for(now: dt.datetime, due: dt.datetime | None) -> Schedule | None:
    """Paycall's schedule as a Unix timestamp, or None to dial at once."""
    if due is None or (due - now).total_seconds() < MIN_SCHEDULE_SECONDS:
        return None
    return Schedule.at(due)


def dialer_request(
    definition: dict, options: PaycallOptions, contact: Contact | None = None
) -> OutboundRequest:
    """The dialer request as it goes out."""
    return OutboundRequest(DIALER_PATH, encode_json(compile_dialer(definition, options, contact)))


def _put(payload: dict, name: str, value: Any, explicit: bool) -> None:
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

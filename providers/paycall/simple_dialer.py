"""Paycall simple dialer (POST /v2/calls/simple_dialer) for message-shaped flows.

A flow has the message shape when it is one step that only speaks: a text or
a recording, no keys to press, no routes. The simple dialer plays it, then
hangs up, or bridges the callee to ``leg_b`` when the options name one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flows.canonical import accepted_keys, is_true, render_prompt, step_routes, steps, string_bool
from flows.dtmf import DtmfSequence
from flows.findings import ERROR, WARNING, Finding, StepLocation, has_errors
from flows.phones import check_e164, check_phone
from providers.base import OutboundRequest, encode_json
from providers.building import CompileError, Contact
from providers.paycall.dialer import API_PREFIX, contact_values, schedule_for

CODE = "simple-dialer-shape"
SIMPLE_DIALER_PATH = f"{API_PREFIX}/simple_dialer"


@dataclass(frozen=True)
class PaycallSimpleOptions:
    """Fields of the Paycall simple dialer (POST /v2/calls/simple_dialer).

    The message comes from the flow (one step that only speaks); leg_a, cid_a
    and dtmf_a come from the contact. ``leg_b`` set = bridge the callee to it
    after the message; unset = hang up. ``dial_at``: Unix time, 0/""/None = as
    soon as the campaign starts. Numeric fields are the document's
    Integer/String (defaults: answer_delay 1, ring_timeout 10, max_retries 1,
    retry_wait_time 3).
    """

    unique_id: str | None = None
    dial_at: int | str | None = None
    from_campaign: bool | None = None
    answer_delay: int | str | None = None
    ring_timeout: int | str | None = None
    max_retries: int | str | None = None
    retry_wait_time: int | str | None = None
    leg_b: str | None = None
    cid_b: str | None = None
    dtmf_b: DtmfSequence | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtmf_b", DtmfSequence.coerce(self.dtmf_b))


def message_shape_findings(definition: dict) -> list[Finding]:
    """Why this flow cannot go to the simple dialer (empty: it can)."""
    all_steps = steps(definition)
    if len(all_steps) != 1:
        return [
            Finding(
                ERROR,
                CODE,
                f"The simple dialer plays one message; this flow has {len(all_steps)} "
                "steps. Use the full dialer, or keep a single step.",
                field="steps",
            )
        ]
    step = all_steps[0]
    loc: StepLocation = {"step_index": 0, "step": step.get("step_id")}
    findings = []
    if accepted_keys(step):
        findings.append(
            Finding(
                ERROR,
                CODE,
                "The simple dialer does not listen for keys; remove the accepted keys "
                "or use the full dialer.",
                field="dtmf_ivr",
                **loc,
            )
        )
    if step_routes(step):
        findings.append(
            Finding(
                ERROR,
                CODE,
                "The simple dialer cannot act on key presses; remove the routes or use "
                "the full dialer. (To connect the callee to someone after the message, "
                "set the 'connect to' number of the campaign.)",
                field="actions",
                **loc,
            )
        )
    prompt = step.get("prompt")
    if not prompt:
        findings.append(Finding(ERROR, CODE, "The message is empty.", field="prompt", **loc))
    elif is_true(step.get("prompt_is_file")) and not isinstance(prompt, str):
        findings.append(
            Finding(
                ERROR,
                CODE,
                "A recording message must name one recording.",
                field="prompt",
                **loc,
            )
        )
    return findings


def has_message_shape(definition: dict) -> bool:
    return not has_errors(message_shape_findings(definition))


def compile_simple_dialer(
    definition: dict, options: PaycallSimpleOptions, contact: Contact | None = None
) -> dict:
    """The simple dialer body. ``contact`` gives leg_a/cid_a/dtmf_a and the
    variable values; with ``options.from_campaign`` numbers come from the list."""
    shape = message_shape_findings(definition)
    if has_errors(shape):
        raise CompileError(shape)
    from_campaign = bool(options.from_campaign)
    if not from_campaign and contact is None:
        raise CompileError(
            [
                Finding(
                    ERROR,
                    "paycall-number-missing",
                    "The simple dialer needs a number to call: choose a contact, or "
                    "take the numbers from the uploaded phone list.",
                    field="leg_a",
                )
            ]
        )
    step = steps(definition)[0]
    is_file = is_true(step.get("prompt_is_file"))
    values = contact_values(definition, None if from_campaign else contact)
    sound = step["prompt"] if is_file else render_prompt(step["prompt"], values)

    payload: dict = {}
    if options.unique_id is not None:
        payload["unique_id"] = options.unique_id
    if options.from_campaign is not None:
        payload["from_campaign"] = string_bool(from_campaign)
    if not from_campaign:
        assert contact is not None, "refused above"
        payload["leg_a"] = contact.number
        if contact.cli is not None:
            payload["cid_a"] = contact.cli
        if contact.dtmf_originator is not None:
            payload["dtmf_a"] = contact.dtmf_originator.to_paycall("dtmf_a").text
    payload["tts"] = string_bool(not is_file)
    if "gender" in step:
        payload["gender"] = step["gender"]
    payload["sound"] = sound
    if options.answer_delay is not None:
        payload["answer_delay"] = options.answer_delay
    if options.leg_b is not None:
        payload["leg_b"] = options.leg_b
    if options.cid_b is not None:
        payload["cid_b"] = options.cid_b
    if options.dtmf_b is not None:
        payload["dtmf_b"] = options.dtmf_b.to_paycall("dtmf_b").text
    for name in ("dial_at", "max_retries", "retry_wait_time", "ring_timeout"):
        value = getattr(options, name)
        if value is not None:
            payload[name] = value
    return payload


def dial_at(now: dt.datetime, due: dt.datetime | None) -> int | None:
    """The simple dialer's dial_at (Unix time), or None for as soon as it is started."""
    schedule = schedule_for(now, due)
    return schedule.value if schedule else None


def simple_dialer_request(
    definition: dict, options: PaycallSimpleOptions, contact: Contact | None = None
) -> OutboundRequest:
    """The simple dialer request as it goes out."""
    body = compile_simple_dialer(definition, options, contact)
    return OutboundRequest(SIMPLE_DIALER_PATH, encode_json(body))


def check_options(options: PaycallSimpleOptions, contact: Contact | None = None) -> list[Finding]:
    """leg_a and leg_b must be E.164 (the document says so); caller ids are
    checked as phone numbers; DTMF pauses that must round are reported."""
    findings: list[Finding] = []
    if contact is not None and not options.from_campaign:
        findings.extend(check_e164(contact.number, what="The number to call", field="leg_a"))
        if contact.cli:
            findings.extend(check_phone(contact.cli, what="The caller id", field="cid_a"))
        if contact.dtmf_originator is not None:
            findings.extend(contact.dtmf_originator.to_paycall("dtmf_a").findings)
    if options.leg_b:
        findings.extend(check_e164(options.leg_b, what="The number to connect to", field="leg_b"))
        if options.cid_b:
            findings.extend(check_phone(options.cid_b, what="Its caller id", field="cid_b"))
        if options.dtmf_b is not None:
            findings.extend(options.dtmf_b.to_paycall("dtmf_b").findings)
    elif options.cid_b or options.dtmf_b:
        findings.append(
            Finding(
                WARNING,
                "simple-dialer-leg-b-missing",
                "A caller id or keys are set for the second call, but there is no "
                "number to connect to, so they are not used.",
                field="leg_b",
            )
        )
    return findings


def phone_list_line(
    number: str, cli: str, dtmf: str, *, campaign_cli: str = "", campaign_dtmf: str = ""
) -> tuple[str, str, str]:
    """One ``upload_phones`` line (number, cli, dtmf_originator) of a simple-dialer
    campaign. With ``from_campaign`` "true" the document ignores ``cid_a`` and
    ``dtmf_a``, and the simple dialer has no campaign-wide caller id or keys of its
    own, so the campaign's reach each call only through its line. A contact's own
    value wins over the campaign's."""
    return number, cli or campaign_cli, dtmf or campaign_dtmf

"""iovox initiateCall: the XML request (POST Calling?v=3&method=initiateCall).

The call follows the Calling Rules of ``link_id`` at iovox; we send the
destination (the number, then ``,`` pauses of 2 s and keypresses), the flow's
variables as custom call variables (element names must be XML names), and an
optional ``delay`` in minutes. Built with lxml, so values are escaped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace

from lxml import etree

from flows.canonical import variable_names
from flows.dtmf import DtmfSequence
from flows.findings import ERROR, Finding
from flows.phones import check_e164
from providers.base import XML, OutboundRequest
from providers.building import CompileError, Contact, SendSettings, resolve_variables

INITIATE_CALL_PATH = "/Calling?v=3&method=initiateCall"
# The custom call variable that carries our call id (idempotency key) to the Calling
# Rules, so the call can be told apart from any other to the same number.
REFERENCE_VARIABLE = "dialer_call_id"
# Names a flow variable may not take: iovox's own elements, and ours.
RESERVED = frozenset({"call_destination", "delay", REFERENCE_VARIABLE})
# XML 1.0 names without ':' (a custom variable is a plain element name).
_XML_NAME = re.compile(
    r"^[A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF]"
    r"[A-Za-z0-9_.\-\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u203F-\u2040]*$"
)


@dataclass(frozen=True)
class IovoxOptions:
    """Fields of the iovox initiateCall request: the Link ID whose Calling Rules
    the call follows, and an optional delay in whole minutes."""

    link_id: str
    delay_minutes: int | None = None


def is_xml_name(name: str) -> bool:
    """A valid element name that does not start with "xml" (reserved by XML)."""
    return bool(_XML_NAME.match(name)) and not name.lower().startswith("xml")


def call_destination(contact: Contact) -> tuple[str, list[Finding]]:
    """The number plus the contact's keys to press after answer, in iovox's form."""
    dtmf = contact.dtmf_originator
    if not dtmf:
        return contact.number, []
    conversion = dtmf.to_iovox()
    return contact.number + conversion.text, list(conversion.findings)


def iovox_request(definition: dict, contact: Contact, options: IovoxOptions) -> OutboundRequest:
    """The initiateCall request for one contact, as it goes out."""
    body = compile_iovox_request(definition, contact, options).decode("utf-8")
    return OutboundRequest(INITIATE_CALL_PATH, body, XML)


def build_calls(
    definition: dict, contacts: list[Contact], settings: SendSettings
) -> OutboundRequest:
    """One call (iovox takes one a request); a later start becomes the ``delay``."""
    (contact,) = contacts
    if contact.dtmf_originator is None and settings.dtmf_originator:
        contact = replace(contact, dtmf_originator=DtmfSequence.coerce(settings.dtmf_originator))
    options = IovoxOptions(
        link_id=settings.flow_at_provider,
        delay_minutes=delay_minutes(settings.now, settings.due),
    )
    return iovox_request(definition, contact, options)


def delay_minutes(now: dt.datetime, due: dt.datetime | None) -> int | None:
    """iovox delay in whole minutes (rounded up, so never early), or None."""
    if due is None or due <= now:
        return None
    return math.ceil((due - now).total_seconds() / 60) or None


def compile_iovox_request(definition: dict, contact: Contact, options: IovoxOptions) -> bytes:
    """The request body as UTF-8 bytes, one element per line as in the document.

    The number is written as the document's examples are: no ``+``. The contact's
    reference, when it has one, goes along as the ``dialer_call_id`` variable."""
    problems = check_options(options) + reserved_name_findings(definition)
    if problems:
        raise CompileError(problems)
    values = resolve_variables(definition, contact.variables)
    if contact.reference:
        values[REFERENCE_VARIABLE] = contact.reference
    destination = call_destination(contact)[0].lstrip("+")
    try:
        return _build(options, destination, values)
    except ValueError as exc:  # lxml refuses control characters in text
        raise CompileError(
            [
                Finding(
                    ERROR,
                    "iovox-value-invalid",
                    f"A value cannot be written into the iovox request: {exc}.",
                    field="variables",
                )
            ]
        ) from exc


def _build(options: IovoxOptions, destination: str, values: dict[str, str]) -> bytes:
    root = etree.Element("request")
    _child(root, "link_id", options.link_id)
    variables = _child(root, "call_variables", None)
    _child(variables, "call_destination", destination)
    for name, value in values.items():
        _child(variables, name, value)
    if options.delay_minutes is not None:
        _child(variables, "delay", str(options.delay_minutes))
    root.text = variables.text = "\n"
    body = etree.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def _child(parent: etree._Element, tag: str, text: str | None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = text
    element.tail = "\n"
    return element


def reserved_name_findings(definition: dict) -> list[Finding]:
    """Variables whose names iovox cannot take as custom call variables."""
    findings = []
    for name in variable_names(definition):
        if name in RESERVED or not is_xml_name(name):
            findings.append(
                Finding(
                    ERROR,
                    "iovox-variable-name",
                    f'The variable "{name}" cannot be sent to iovox: '
                    + (
                        "the request uses that name itself (for the number to call, the "
                        "delay, or our call id). Rename the variable."
                        if name in RESERVED
                        else 'its name must start with a letter or _ and not with "xml".'
                    ),
                    field="variables",
                )
            )
    return findings


def check_options(options: IovoxOptions) -> list[Finding]:
    findings = []
    if not (options.link_id or "").strip():
        findings.append(
            Finding(
                ERROR,
                "iovox-link-id-missing",
                "iovox needs the Link ID whose Calling Rules the call follows.",
                field="link_id",
            )
        )
    delay = options.delay_minutes
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int) or delay < 0):
        findings.append(
            Finding(
                ERROR,
                "iovox-delay-invalid",
                "The delay is a whole number of minutes (0 or more).",
                field="delay_minutes",
            )
        )
    return findings


def check_contact(contact: Contact) -> list[Finding]:
    findings = check_e164(contact.number, what="The number to call", field="call_destination")
    return findings + call_destination(contact)[1]


def parse_call_destination(text: str) -> tuple[str, DtmfSequence | None]:
    """``449789123123,,1,,2`` -> ("449789123123", pause 4 s, 1, pause 4 s, 2)."""
    number, sep, suffix = text.partition(",")
    return number, DtmfSequence.parse_iovox(sep + suffix) if sep else None

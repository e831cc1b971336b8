"""Phonon outbound dialer: the create request (POST kairos-apis/outbounddialer/create).

The flow itself lives at Phonon (``flow-id``); what we send per call is the
contact's numbers, a start time and the flow's variables as
``$flow.key.<name>`` keys. One request holds at most 500 calls, so
:func:`compile_phonon_requests` yields batches.

The ``security-id`` is written masked: the client puts the account's own in at the
moment of sending, so that a built request (shown, stored, logged) holds no secret.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Literal
from zoneinfo import ZoneInfo

from flows.findings import ERROR, Finding
from flows.phones import check_e164
from providers.base import MASK, OutboundRequest, encode_json
from providers.building import CompileError, Contact, SendSettings, resolve_variables

PLAIN_PATH = "/kairos-apis/outbounddialer/create"
ENCRYPTED_PATH = "/kairos-apis/enc/outbound/create"
MAX_CALLS_PER_REQUEST = 500
KEY_PREFIX = "$flow.key."
API_VERSIONS = ("1.0", "TEST")
API_VERSION_CHOICES = [("1.0", "1.0 (in production)"), ("TEST", "TEST (in testing)")]
_SECURITY_ID = re.compile(r"^[A-Za-z0-9]{64}$")
_FLOW_ID = re.compile(r"^[A-Za-z0-9]{8}$")
_START_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{3})Z([+-])(\d{2}):(\d{2})$")

#: Phonon's example offset (India Standard Time).
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


@dataclass(frozen=True)
class PhononOptions:
    """Fields of the Phonon create request.

    - ``flow_id``: 8 letters/digits;
    - ``security_id``: 64 letters/digits from the flow's 'Edit Flow' page, checked
      when given; the request carries it masked either way (see above);
    - ``api_version``: "1.0" (production flow) or "TEST";
    - ``time_zone``: the zone ``start-time`` is written in;
    - ``batch_size``: calls per request (the API takes at most 500).
    """

    flow_id: str
    security_id: str = ""
    api_version: Literal["1.0", "TEST"] = "1.0"
    time_zone: dt.tzinfo = IST
    batch_size: int = 500


def format_start_time(when: dt.datetime, time_zone: dt.tzinfo) -> str:
    """The document's form: wall time in ``time_zone``, milliseconds, "Z", then
    the zone's offset: ``2021-04-28T03:48:07.111Z+05:30``."""
    if when.tzinfo is None:
        raise ValueError("start time must be timezone-aware")
    local = when.astimezone(time_zone)
    offset = local.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return (
        f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond // 1000:03d}Z"
        f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    )


def parse_start_time(text: str) -> dt.datetime:
    """Inverse of :func:`format_start_time` (the wall time is in the given offset)."""
    m = _START_TIME.match(text)
    if not m:
        raise ValueError(f"not a Phonon start-time: {text!r}")
    base, millis, sign, hours, minutes = m.groups()
    offset = dt.timedelta(hours=int(hours), minutes=int(minutes))
    tz = dt.timezone(-offset if sign == "-" else offset)
    return dt.datetime.fromisoformat(base).replace(microsecond=int(millis) * 1000, tzinfo=tz)


def flow_keys(definition: dict, contact: Contact) -> list[dict]:
    """``[{"name": "$flow.key.<name>", "value": ...}]`` for every declared variable."""
    values = resolve_variables(definition, contact.variables)
    return [{"name": f"{KEY_PREFIX}{name}", "value": value} for name, value in values.items()]


def phonon_call(
    definition: dict, contact: Contact, *, start_time: dt.datetime, options: PhononOptions
) -> dict:
    """One element of ``calls``. ``client-identifier`` is the contact's reference
    (our call id), or its number when it has none. Numbers are written as the
    document's examples are: country code and number, no ``+``."""
    return {
        "client-identifier": contact.reference or contact.number,
        "start-time": format_start_time(start_time, options.time_zone),
        "contact-numbers": [n.lstrip("+") for n in (contact.number, *contact.alternate_numbers)],
        "keys": flow_keys(definition, contact),
    }


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """Lists of at most ``size`` items, in order."""
    if size < 1:
        raise ValueError("size must be at least 1")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def compile_phonon_requests(
    definition: dict,
    contacts: Iterable[Contact],
    options: PhononOptions,
    *,
    start_time: dt.datetime,
) -> Iterator[dict]:
    """Create requests of at most ``options.batch_size`` (<= 500) calls each."""
    problems = check_options(options)
    if problems:
        raise CompileError(problems)
    size = min(options.batch_size, MAX_CALLS_PER_REQUEST)
    for batch in chunked(contacts, size):
        yield _request(
            options,
            [phonon_call(definition, c, start_time=start_time, options=options) for c in batch],
        )


def compile_phonon_request(
    definition: dict,
    contacts: Iterable[Contact],
    options: PhononOptions,
    *,
    start_time: dt.datetime,
) -> dict:
    """One create request; more than one batch's worth of contacts is an error."""
    requests = list(compile_phonon_requests(definition, contacts, options, start_time=start_time))
    if len(requests) != 1:
        raise CompileError(
            [
                Finding(
                    ERROR,
                    "phonon-batch-size",
                    "Phonon takes between 1 and 500 calls in one request; use "
                    "compile_phonon_requests to send them in batches.",
                    field="calls",
                )
            ]
        )
    return requests[0]


def phonon_request(
    definition: dict,
    contacts: Iterable[Contact],
    options: PhononOptions,
    *,
    start_time: dt.datetime,
) -> OutboundRequest:
    """The create request for one batch, as it goes out."""
    request = compile_phonon_request(definition, contacts, options, start_time=start_time)
    return OutboundRequest(PLAIN_PATH, encode_json(request))


def build_calls(
    definition: dict, contacts: list[Contact], settings: SendSettings
) -> OutboundRequest:
    """A campaign's batch of calls (at most 500), started at ``settings.start`` as the
    account's zone writes it."""
    options = PhononOptions(
        flow_id=settings.flow_at_provider,
        api_version=settings.api_version,  # type: ignore[arg-type]  # checked by check_options
        time_zone=ZoneInfo(settings.time_zone),
    )
    return phonon_request(definition, contacts, options, start_time=settings.start)


def _request(options: PhononOptions, calls: list[dict]) -> dict:
    return {
        "api-version": options.api_version,
        "security-id": MASK,
        "flow-id": options.flow_id,
        "calls": calls,
    }


def is_flow_id(text: str) -> bool:
    return bool(_FLOW_ID.match(text or ""))


def is_security_id(text: str) -> bool:
    return bool(_SECURITY_ID.match(text or ""))


def check_options(options: PhononOptions) -> list[Finding]:
    findings = []
    if options.api_version not in API_VERSIONS:
        findings.append(
            Finding(
                ERROR,
                "phonon-api-version",
                'The Phonon API version is "1.0" (the live flow) or "TEST" (the flow '
                f"being tested), not {options.api_version!r}.",
                field="api_version",
            )
        )
    if options.security_id and not is_security_id(options.security_id):
        findings.append(
            Finding(
                ERROR,
                "phonon-security-id",
                "The Phonon security id is 64 letters and digits; copy it from the "
                "'Edit Flow' page of the flow at Phonon.",
                field="security_id",
            )
        )
    if not is_flow_id(options.flow_id):
        findings.append(
            Finding(
                ERROR,
                "phonon-flow-id",
                "The Phonon flow id is 8 letters and digits; copy it from the "
                "'Edit Flow' page of the flow at Phonon.",
                field="flow_id",
            )
        )
    if not 1 <= options.batch_size <= MAX_CALLS_PER_REQUEST:
        findings.append(
            Finding(
                ERROR,
                "phonon-batch-size",
                f"Phonon takes 1 to {MAX_CALLS_PER_REQUEST} calls in one request.",
                field="batch_size",
            )
        )
    return findings


def check_contact(contact: Contact) -> list[Finding]:
    """Phonon dials mobile numbers in international form (918000000001)."""
    findings = check_e164(contact.number, what="The number to call", field="contact-numbers")
    for alternate in contact.alternate_numbers:
        findings += check_e164(alternate, what="An alternate number", field="contact-numbers")
    return findings

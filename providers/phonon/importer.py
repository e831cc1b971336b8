"""Read a Phonon create request back into a definition (its variables), its options
and its contacts: for round trips of the builder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flows.canonical import new_definition, normalize
from providers.building import Contact
from providers.paycall.importer import PaycallImportError, parsed_json
from providers.phonon.builder import KEY_PREFIX, PhononOptions, parse_start_time


@dataclass
class PhononImport:
    """A Phonon create request read back: the variables become the flow's."""

    definition: dict
    options: PhononOptions
    contacts: list[Contact]
    start_time: dt.datetime


def import_phonon_request(data: Any) -> PhononImport:
    """Read a Phonon create request; every call must share one start time."""
    data = parsed_json(data)
    if not isinstance(data, dict):
        raise PaycallImportError("A Phonon request is a JSON object.")
    calls = data.get("calls") or []
    starts = {c.get("start-time") for c in calls}
    if len(starts) != 1:
        raise PaycallImportError("The calls of a Phonon request must share one start time.")
    start_time = parse_start_time(starts.pop())
    assert start_time.tzinfo is not None, "parse_start_time reads the offset"
    contacts: list[Contact] = []
    names: dict[str, None] = {}
    for c in calls:
        values = {}
        for key in c.get("keys") or []:
            name = str(key.get("name", "")).removeprefix(KEY_PREFIX)
            names.setdefault(name, None)
            values[name] = key.get("value")
        numbers = c.get("contact-numbers") or [""]
        contacts.append(
            Contact(
                number=numbers[0],
                alternate_numbers=tuple(numbers[1:]),
                variables=values,
                reference=c.get("client-identifier"),
            )
        )
    definition = new_definition("Imported from Phonon")
    definition["variables"] = [{"name": n} for n in names]
    options = PhononOptions(
        security_id=data.get("security-id", ""),
        flow_id=data.get("flow-id", ""),
        api_version=data.get("api-version", "1.0"),
        time_zone=start_time.tzinfo,
    )
    return PhononImport(normalize(definition), options, contacts, start_time)

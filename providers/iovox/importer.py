"""Read an iovox initiateCall request back into a definition (its variables), its
options and its contact: for round trips of the builder."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from flows.canonical import new_definition, normalize
from providers.building import Contact
from providers.iovox.builder import REFERENCE_VARIABLE, IovoxOptions, parse_call_destination
from providers.paycall.importer import PaycallImportError


@dataclass
class IovoxImport:
    """An iovox initiateCall request read back."""

    definition: dict
    options: IovoxOptions
    contact: Contact


def import_iovox_request(xml: bytes) -> IovoxImport:
    """Read an iovox request safely (no entities, no network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise PaycallImportError(f"This is not well-formed XML: {exc}") from exc
    variables = root.find("call_variables")
    values: dict[str, str] = {}
    destination, delay, reference = "", None, None
    for element in variables if variables is not None else []:
        if element.tag == "call_destination":
            destination = element.text or ""
        elif element.tag == REFERENCE_VARIABLE:
            reference = element.text or None
        elif element.tag == "delay":
            text = (element.text or "").strip()
            if not text.isdigit():
                raise PaycallImportError("The iovox delay must be a whole number of minutes.")
            delay = int(text)
        else:
            values[element.tag] = element.text or ""
    number, dtmf = parse_call_destination(destination)
    definition = new_definition("Imported from iovox")
    definition["variables"] = [{"name": n} for n in values]
    return IovoxImport(
        normalize(definition),
        IovoxOptions(link_id=root.findtext("link_id") or "", delay_minutes=delay),
        Contact(number=number, dtmf_originator=dtmf, variables=values, reference=reference),
    )

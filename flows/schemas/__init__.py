"""The JSON Schemas (Draft 2020-12) and the iovox XSD, loaded once and cached.

``validate(name, instance)`` returns the schema errors as plain
``SchemaError`` tuples (path + message); it never raises for invalid data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from lxml import etree
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parent

FLOW_DEFINITION = "flow_definition"
PAYCALL_IVR = "paycall_ivr"
PAYCALL_DIALER_REQUEST = "paycall_dialer_request"
PAYCALL_SIMPLE_DIALER_REQUEST = "paycall_simple_dialer_request"
PHONON_CREATE_REQUEST = "phonon_create_request"
JSON_SCHEMAS = (
    FLOW_DEFINITION,
    PAYCALL_IVR,
    PAYCALL_DIALER_REQUEST,
    PAYCALL_SIMPLE_DIALER_REQUEST,
    PHONON_CREATE_REQUEST,
)
IOVOX_XSD = "iovox_initiate_call.xsd"


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema violation: where (a JSON path as a tuple) and what."""

    path: tuple
    message: str
    validator: str


@cache
def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    resources = [
        (load_schema(n)["$id"], Resource.from_contents(load_schema(n))) for n in JSON_SCHEMAS
    ]
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


def validate(name: str, instance) -> list[SchemaError]:
    """All violations of schema ``name`` by ``instance``, most specific first."""
    errors = []
    for err in validator(name).iter_errors(instance):
        # For if/then/else and $ref the useful message is in the leaf errors.
        leaves = _leaves(err)
        for leaf in leaves:
            errors.append(SchemaError(tuple(leaf.absolute_path), leaf.message, leaf.validator))
    return errors


def _leaves(err):
    if not err.context:
        return [err]
    out = []
    for sub in err.context:
        out.extend(_leaves(sub))
    return out


def is_valid(name: str, instance) -> bool:
    return validator(name).is_valid(instance)


@cache
def iovox_xsd() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.parse(str(SCHEMA_DIR / IOVOX_XSD), parser)
    return etree.XMLSchema(doc)


def validate_iovox_xml(xml: bytes) -> list[str]:
    """Messages of every XSD violation (and of a parse failure) of an iovox body."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        doc = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    schema = iovox_xsd()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]

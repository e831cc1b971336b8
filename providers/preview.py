"""A compile preview: the payload one provider would get for one sample contact.

Reads plain option and contact dicts (as the API and the CLI receive them), calls
the provider's pure compiler and masks secrets, so that a preview can be shown
and logged without leaking the Phonon security id.
"""

import datetime as dt
from dataclasses import fields

from django.core.exceptions import ValidationError
from django.utils import timezone

from flows.findings import Finding
from providers.building import Contact
from providers.iovox import builder as iovox
from providers.iovox.builder import IovoxOptions
from providers.paycall import dialer as paycall
from providers.paycall import simple_dialer as paycall_simple
from providers.paycall.dialer import PaycallOptions
from providers.paycall.simple_dialer import PaycallSimpleOptions
from providers.phonon import builder as phonon
from providers.phonon.builder import PhononOptions

PROVIDERS = ("paycall", "paycall_simple", "phonon", "iovox")
OPTION_TYPES = {
    "paycall": PaycallOptions,
    "paycall_simple": PaycallSimpleOptions,
    "phonon": PhononOptions,
    "iovox": IovoxOptions,
}
# Options a preview does not take from a request (set in code, or not data).
INTERNAL_OPTIONS = {"time_zone", "batch_size", "explicit_defaults", "schedule"}
SECRET_OPTIONS = {"phonon": ("security-id",)}
VISIBLE_SECRET_CHARACTERS = 4
# Dialled when the preview names no contact (an Israeli mobile in E.164).
SAMPLE_NUMBER = "972501234567"


def mask(secret: str) -> str:
    """All but the last few characters hidden: enough to tell two ids apart."""
    secret = str(secret)
    if len(secret) <= VISIBLE_SECRET_CHARACTERS * 2:
        return "*" * len(secret)
    return "*" * (len(secret) - VISIBLE_SECRET_CHARACTERS) + secret[-VISIBLE_SECRET_CHARACTERS:]


def contact_from(data: dict | None) -> Contact:
    data = dict(data or {"number": SAMPLE_NUMBER})
    try:
        return Contact(
            number=data["number"],
            alternate_numbers=tuple(data.get("alternate_numbers") or ()),
            cli=data.get("cli") or None,
            dtmf_originator=data.get("dtmf_originator") or None,
            variables=data.get("variables") or {},
            reference=data.get("reference"),
        )
    except KeyError as error:
        raise ValidationError("The contact needs a number.") from error
    except (TypeError, ValueError) as error:
        raise ValidationError(f"Invalid contact: {error}") from error


def options_from(provider: str, data: dict, *, defaults: dict):
    """The provider's options object; unknown names and bad values -> ValidationError."""
    option_type = OPTION_TYPES[provider]
    allowed = {f.name for f in fields(option_type)} - INTERNAL_OPTIONS
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError(
            f"Unknown {provider} option(s): {', '.join(unknown)}. "
            f"Known: {', '.join(sorted(allowed))}."
        )
    values = {k: v for k, v in defaults.items() if k in allowed}
    values.update(data)
    try:
        return option_type(**values)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"Invalid {provider} options: {error}") from error


def compile_preview(
    definition: dict,
    *,
    provider: str,
    contact: dict | None,
    options: dict,
    metadata: dict | None = None,
    default_return_address: str = "http://127.0.0.1/",
) -> dict:
    """{provider, content_type, payload | xml, findings}; CompileError if it cannot
    be built, ValidationError for unusable options."""
    if provider not in PROVIDERS:
        raise ValidationError(f"Choose a provider: {', '.join(PROVIDERS)}.")
    metadata = metadata or {}
    defaults = {
        "return_address": default_return_address,
        "max_retries": metadata.get("max_retries"),
        "security_id": "",
        "flow_id": "",
        "link_id": "",
    }
    chosen = options_from(provider, options, defaults=defaults)
    person = contact_from(contact)
    result = {"provider": provider, "content_type": "application/json", "payload": None}
    result["xml"] = None
    findings: list[Finding] = []
    if provider == "paycall":
        findings = paycall.check_options(chosen, person)
        result["payload"] = paycall.compile_dialer(
            definition, chosen, None if chosen.numbers_from_queue else person
        )
    elif provider == "paycall_simple":
        findings = paycall_simple.check_options(chosen, person)
        result["payload"] = paycall_simple.compile_simple_dialer(
            definition, chosen, None if chosen.from_campaign else person
        )
    elif provider == "phonon":
        findings = phonon.check_contact(person)
        request = phonon.compile_phonon_request(
            definition, [person], chosen, start_time=timezone.now() + dt.timedelta(minutes=5)
        )
        for secret in SECRET_OPTIONS["phonon"]:
            request[secret] = mask(request[secret])
        result["payload"] = request
    else:
        findings = iovox.check_contact(person)
        result["content_type"] = "application/xml"
        result["xml"] = iovox.compile_iovox_request(definition, person, chosen).decode("utf-8")
    result["findings"] = [f.as_dict() for f in findings]
    return result

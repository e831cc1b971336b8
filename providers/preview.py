"""A compile preview: the payload one provider would get for one sample contact.

Reads plain option and contact dicts (as the API and the CLI receive them) and calls
the provider's request builder, the one campaign dispatch calls; the builder writes
secrets masked, so a preview can be shown and logged without leaking them.
"""

import datetime as dt
from dataclasses import fields

from django.core.exceptions import ValidationError
from django.utils import timezone

from providers.base import JSON
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
ProviderOptions = PaycallOptions | PaycallSimpleOptions | PhononOptions | IovoxOptions
OPTION_TYPES: dict[str, type[ProviderOptions]] = {
    "paycall": PaycallOptions,
    "paycall_simple": PaycallSimpleOptions,
    "phonon": PhononOptions,
    "iovox": IovoxOptions,
}
# Options a preview does not take from a request (set in code, or not data).
INTERNAL_OPTIONS = {"time_zone", "batch_size", "explicit_defaults", "schedule"}
# A Phonon preview starts its call this far ahead (start-time must not be past).
PHONON_START_MINUTES = 5
# Dialled when the preview names no contact (an Israeli mobile in E.164).
SAMPLE_NUMBER = "972501234567"


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


def options_from(provider: str, data: dict, *, defaults: dict) -> ProviderOptions:
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
    """{provider, content_type, path, body, payload | xml, findings}: ``body`` is the
    request's text as the provider's one builder writes it (what dispatch sends, the
    account's secrets masked). CompileError if it cannot be built, ValidationError
    for unusable options."""
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
    if isinstance(chosen, PaycallOptions):
        findings = paycall.check_options(chosen, person)
        request = paycall.dialer_request(
            definition, chosen, None if chosen.numbers_from_queue else person
        )
    elif isinstance(chosen, PaycallSimpleOptions):
        findings = paycall_simple.check_options(chosen, person)
        request = paycall_simple.simple_dialer_request(
            definition, chosen, None if chosen.from_campaign else person
        )
    elif isinstance(chosen, PhononOptions):
        findings = phonon.check_contact(person)
        start = timezone.now() + dt.timedelta(minutes=PHONON_START_MINUTES)
        request = phonon.phonon_request(definition, [person], chosen, start_time=start)
    else:
        findings = iovox.check_contact(person)
        request = iovox.iovox_request(definition, person, chosen)
    is_json = request.content_type == JSON
    return {
        "provider": provider,
        "content_type": request.content_type,
        "path": request.path,
        "body": request.body,
        "payload": request.json() if is_json else None,
        "xml": None if is_json else request.body,
        "findings": [f.as_dict() for f in findings],
    }

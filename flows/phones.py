"""Phone numbers as the providers' documents want them.

E.164 here is the Paycall document's reading: ``[+]<country code><number>``,
the plus sign optional. A number is accepted when ``phonenumbers`` knows its
country code and finds the length possible; full validity (allocated ranges)
is not demanded because the documents' own examples (``97272000000``) fail it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Unpack

import phonenumbers

from flows.findings import ERROR, WARNING, Finding, Location

_E164_SHAPE = re.compile(r"^\+?[1-9][0-9]{6,14}$")
_LOCAL_SHAPE = re.compile(r"^0[0-9]{5,13}$")
_DIGITS = re.compile(r"^\+?[0-9]+$")


@lru_cache(maxsize=4096)
def is_e164(number: str) -> bool:
    if not isinstance(number, str) or not _E164_SHAPE.match(number):
        return False
    try:
        parsed = phonenumbers.parse("+" + number.lstrip("+"), None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(parsed)


def is_local(number: str) -> bool:
    """A national number written with its trunk prefix, e.g. ``030000000``."""
    return isinstance(number, str) and bool(_LOCAL_SHAPE.match(number))


def check_e164(number: Any, *, what: str, **location: Unpack[Location]) -> list[Finding]:
    """Error unless ``number`` is E.164 (where the document demands it)."""
    if isinstance(number, str) and is_e164(number):
        return []
    if not number:
        message = f"{what} is empty. Enter a phone number such as 972501234567."
    elif is_local(number):
        message = (
            f"{what} ({number}) is a local number. Here the provider needs the "
            "international format: country code first, without the leading 0 "
            "(for example 97230000000 instead of 030000000)."
        )
    else:
        message = (
            f"{what} ({number}) is not a valid phone number. Use the international "
            "format: country code, then the number, digits only (a leading + is fine)."
        )
    return [Finding(ERROR, "phone-not-e164", message, **location)]


def check_phone(number: Any, *, what: str, **location: Unpack[Location]) -> list[Finding]:
    """Where the document asks for no format: an error for something that is
    not a phone number at all, a warning for a local number."""
    if isinstance(number, str) and is_e164(number):
        return []
    if isinstance(number, str) and is_local(number):
        return [
            Finding(
                WARNING,
                "phone-not-international",
                f"{what} ({number}) is not in international format. It works only if "
                "the provider dials it as a local number; to be safe write it with the "
                "country code (for example 97230000000 instead of 030000000).",
                **location,
            )
        ]
    if isinstance(number, str) and _DIGITS.match(number) and 3 <= len(number.lstrip("+")) <= 6:
        return [
            Finding(
                WARNING,
                "phone-short",
                f"{what} ({number}) is very short. Check that it is a real number "
                "(short service numbers work only in their own country).",
                **location,
            )
        ]
    return [
        Finding(
            ERROR,
            "phone-invalid",
            f"{what} ({number or 'empty'}) is not a phone number. Use digits only, "
            "with the country code first (a leading + is fine).",
            **location,
        )
    ]

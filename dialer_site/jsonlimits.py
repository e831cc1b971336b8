"""How deeply nested a JSON document we read may be.

json.loads recurses once per nested array or object, so a body of 100,000 '[' ends
in RecursionError (a 500) before any of our checks sees it. Every place that reads
JSON from a request checks the depth first, with a scan that does not recurse.
"""

import json
import re
from typing import Any

from django.utils.translation import gettext

# Far deeper than any flow, phone-list mapping or provider report nests.
MAX_JSON_DEPTH = 64

# A string (its closing quote optional, so an unterminated one is consumed in one
# step and the scan stays linear) or a bracket. Brackets inside strings do not count.
_TOKENS = {
    str: re.compile(r'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL),
    bytes: re.compile(rb'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL),
}
_OPENING = {"[", "{", b"[", b"{"}


class JsonTooDeep(ValueError):
    """A ValueError, so code that refuses malformed JSON refuses this too."""

    def __init__(self) -> None:
        super().__init__(too_deep_message())


def too_deep_message() -> str:
    return gettext("The JSON is nested more than %(limit)d levels deep.") % {
        "limit": MAX_JSON_DEPTH
    }


def json_depth_exceeds(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the arrays and objects in `text` nest more than `limit` deep."""
    depth = 0
    for match in _TOKENS[type(text)].finditer(text):
        token = match.group()
        if token in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}", "]", "}"):
            depth -= 1
    return False


def check_json_depth(text: str | bytes) -> None:
    if json_depth_exceeds(text):
        raise JsonTooDeep()


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """json.loads, refusing too deep a document with JsonTooDeep (a ValueError)."""
    check_json_depth(text)
    return json.loads(text, **kwargs)

"""A tiny server-side syntax highlighter for the payload preview: JSON and XML
text in, HTML with <span class="tok-…"> out (everything escaped)."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

JSON_TOKENS = re.compile(
    r'(?P<key>"(?:[^"\\]|\\.)*"(?=\s*:))'
    r'|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>\btrue\b|\bfalse\b|\bnull\b)"
    r"|(?P<punct>[{}\[\],:])"
)
XML_TOKENS = re.compile(
    r"(?P<comment><!--.*?-->)"
    r"|(?P<decl><\?.*?\?>)"
    r"|(?P<tag></?[\w:.-]+)"
    r"|(?P<attr>\s[\w:.-]+=)(?P<value>\"[^\"]*\"|'[^']*')"
    r"|(?P<end>/?>)",
    re.S,
)


def _spans(text: str, pattern: re.Pattern) -> str:
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        for kind, value in match.groupdict().items():
            if value is not None:
                out.append(f'<span class="tok-{kind}">{escape(value)}</span>')
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def highlight_json(text: str) -> SafeString:
    return mark_safe(_spans(text, JSON_TOKENS))  # noqa: S308 - _spans escapes every piece


def highlight_xml(text: str) -> SafeString:
    return mark_safe(_spans(text, XML_TOKENS))  # noqa: S308 - _spans escapes every piece

"""iovox initiateCall (API v3): one call per request, XML in, HTTP 201 out.

Credentials travel as the `username` and `secureKey` request headers. Every answer
that is XML is parsed with lxml with entity resolution, DTD loading and network
access off, so a hostile answer cannot read files or reach other hosts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree

from providers.base import (
    XML,
    CallOutcome,
    ConnectionReport,
    OutboundRequest,
    ProviderClient,
    ProviderError,
    Scope,
    SendResult,
    connection_failure_words,
)
from providers.iovox.builder import INITIATE_CALL_PATH

if TYPE_CHECKING:
    from campaigns.models import ProviderAccount

SUCCESS_STATUS = 201
USERNAME_HEADER = "username"
SECURE_KEY_HEADER = "secureKey"
MAX_ANSWER_BYTES = 1_000_000


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(data: bytes) -> etree._Element:
    if len(data) > MAX_ANSWER_BYTES:
        raise ValueError("XML answer too large")
    return etree.fromstring(data, parser=safe_parser())


@dataclass(frozen=True)
class IovoxError:
    pattern: str  # a regular expression over the error string of the documented table
    name: str
    plain_words: str
    retryable: bool = False
    scope: Scope = "request"


IOVOX_ERRORS: tuple[IovoxError, ...] = (
    IovoxError(r"API Version Empty", "API_VERSION_EMPTY", "The v parameter is missing."),
    IovoxError(r"API Version Invalid", "API_VERSION_INVALID", "The v parameter is not valid."),
    IovoxError(
        r"Request Method must be POST\. (?P<x>.+) attempted",
        "METHOD_NOT_POST",
        "initiateCall must be sent with POST.",
    ),
    IovoxError(r"XML Empty", "XML_EMPTY", "The request has no XML body."),
    IovoxError(
        r"XML parse error\. (?P<x>.*) at line (?P<y>\d+), column (?P<z>\d+)",
        "XML_PARSE_ERROR",
        "iovox could not parse the XML.",
    ),
    IovoxError(r"Request Empty", "REQUEST_EMPTY", "The XML has no link_id or call variables."),
    IovoxError(r"Link ID Empty", "LINK_ID_EMPTY", "The XML has an empty link_id."),
    IovoxError(r"Link ID does not exist", "LINK_ID_NOT_FOUND", "iovox does not know this link_id."),
    IovoxError(
        r"Link ID has no Calling Rules",
        "LINK_ID_NO_CALLING_RULES",
        "The link has no Calling Rules attached at iovox.",
    ),
    IovoxError(
        r"Call Variable (?P<x>.+) Empty",
        "CALL_VARIABLE_EMPTY",
        "A call variable the Calling Rules need has no value.",
        scope="call",
    ),
    IovoxError(
        r"The number of calls allowed has been exceeded",
        "CALL_LIMIT_EXCEEDED",
        "iovox's call limit was reached; back off and try again later.",
        retryable=True,
    ),
    IovoxError(
        r"Internal Server Error",
        "INTERNAL_SERVER_ERROR",
        "iovox failed on its side; try again later.",
        retryable=True,
    ),
)


def error_string_of(content: bytes) -> str:
    """The error string of an answer: the <error> element of XML, else the text."""
    text = content.strip()
    if text.startswith(b"<"):
        try:
            root = parse_xml(text)
        except (etree.XMLSyntaxError, ValueError):
            return text.decode("utf-8", "replace")
        element = root if root.tag == "error" else root.find(".//error")
        if element is not None and element.text:
            return element.text.strip()
        return "".join(root.itertext()).strip()  # type: ignore[arg-type]  # lxml-stubs: str from a parsed tree, not bytes
    return text.decode("utf-8", "replace")


def iovox_error(status: int, error_string: str) -> ProviderError:
    if status == 401:
        return ProviderError(
            str(status),
            "AUTHENTICATION_FAILED",
            "iovox refused the username or secure key of this account.",
            http_status=status,
            detail=error_string,
        )
    if status == 403:
        return ProviderError(
            str(status),
            "IP_NOT_ALLOWED",
            "iovox does not accept requests from this server's address.",
            http_status=status,
            detail=error_string,
        )
    for known in IOVOX_ERRORS:
        match = re.fullmatch(known.pattern, error_string)
        if match:
            words = known.plain_words
            if known.name == "CALL_VARIABLE_EMPTY":
                words = f"The call variable {match['x']} needs a value."
            elif known.name == "XML_PARSE_ERROR":
                words = (
                    f"iovox could not parse the XML: {match['x']} at line {match['y']}, "
                    f"column {match['z']}."
                )
            return ProviderError(
                str(status),
                known.name,
                words,
                retryable=known.retryable or status >= 500,
                scope=known.scope,
                http_status=status,
                detail=error_string,
            )
    return ProviderError(
        str(status),
        "UNKNOWN",
        f"iovox answered HTTP {status}: {error_string or 'no explanation'}.",
        retryable=status >= 500,
        http_status=status,
        detail=error_string,
    )


def call_destination_of(xml: bytes) -> str:
    try:
        root = parse_xml(xml)
    except (etree.XMLSyntaxError, ValueError):
        return ""
    return (root.findtext("call_variables/call_destination") or "").strip()


def link_id_problems(credentials: dict, link_id: str) -> list[str]:
    if not link_id:
        return ["iovox needs the Link ID whose Calling Rules to follow."]
    return []


class IovoxClient(ProviderClient):
    provider_name = "iovox"

    def __init__(self, account: ProviderAccount, **kwargs: Any) -> None:
        super().__init__(account, **kwargs)
        credentials = self.credentials
        self.session.headers[USERNAME_HEADER] = credentials.get("username", "")
        self.session.headers[SECURE_KEY_HEADER] = credentials.get("secure_key", "")

    def send(self, request: OutboundRequest) -> SendResult:
        """POST one initiateCall request (one call)."""
        response = self.post(request)
        client_ref = call_destination_of(request.body.encode("utf-8"))
        if response.status_code == SUCCESS_STATUS:
            call_id = ""
            if response.content.strip().startswith(b"<"):
                try:
                    call_id = parse_xml(response.content).findtext(".//call_id") or ""
                except (etree.XMLSyntaxError, ValueError):
                    call_id = ""
            return SendResult([CallOutcome(client_ref, call_id)], [], call_id, "201")
        error = iovox_error(response.status_code, error_string_of(response.content))
        if error.scope == "call":
            return SendResult([], [CallOutcome(client_ref, error=error)], "", error.code)
        raise error

    def test_connection(self) -> ConnectionReport:
        probe = OutboundRequest(
            INITIATE_CALL_PATH, '<?xml version="1.0" encoding="utf-8"?>\n<request/>', XML
        )
        try:
            response = self.post(probe)
        except ProviderError as failure:
            return ConnectionReport(False, connection_failure_words("iovox", failure, {}))
        error = iovox_error(response.status_code, error_string_of(response.content))
        if error.name == "REQUEST_EMPTY":
            return ConnectionReport(True, "Connected: iovox accepted the username and secure key.")
        # Our words for each documented error: an error's own message may quote the answer.
        known = {known.name: known.plain_words for known in IOVOX_ERRORS}
        known |= {
            refused.name: refused.message
            for refused in (iovox_error(401, ""), iovox_error(403, ""))
        }
        return ConnectionReport(False, connection_failure_words("iovox", error, known))

"""iovox initiateCall emulator: POST /sandbox/iovox/Calling?v=3&method=initiateCall.

Credentials come in the `username` and `secureKey` headers (iovox's document does not
name them; this is the sandbox's choice, README "Sandbox"). Answers are XML:
`<response><call_id>…</call_id></response>` with 201, or
`<response><error>…</error></response>` carrying the documented error string.
"""

import hmac
import re
from collections import Counter
from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

from ..models import IovoxLink, LedgerCall, Provider, SandboxAccount
from .common import delay_or_timeout, finish, forced_error, ip_allowed, record_calls
from .registry_cache import cached

API_VERSION = "3"
CALL_LIMIT_WINDOW = timedelta(minutes=1)
MAX_XML_BYTES = 100_000
CALL_LIMIT_ERROR = "The number of calls allowed has been exceeded"
INTERNAL_ERROR = "Internal Server Error"
# "This will delay the call N minutes into the future" and "must be an integer": N is
# written in ASCII digits (str.isdigit would take "٥" too).
DELAY = re.compile(r"[0-9]+")
# libxml names the line of an unclosed tag in its text ("... request line 1"); the
# answer states the position once, in the document's "at line y, column z".
LIBXML_POSITION = re.compile(r",? line \d+(, column \d+)?")
# Repeated elements are refused: the document gives each one value, and the last of
# two call_destination elements would dial a number the caller did not mean.
DUPLICATE_ERRORS = {"link_id": "Link ID Duplicated", "call_variables": "Call Variables Duplicated"}


class IovoxRefusal(Exception):
    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status = status
        self.error = error


def xml_answer(status: int, **elements: str) -> HttpResponse:
    root = etree.Element("response")
    for tag, text in elements.items():
        etree.SubElement(root, tag).text = text
    body = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")


def authenticate(request) -> SandboxAccount:
    username = request.headers.get("username", "")
    secure_key = request.headers.get("secureKey", "")
    account = cached(
        ("iovox-account", username),
        lambda: SandboxAccount.objects.filter(provider=Provider.IOVOX, username=username).first(),
    )
    if (
        account is None
        or not secure_key
        or not hmac.compare_digest(account.secret.encode(), secure_key.encode())
    ):
        raise IovoxRefusal(401, "Authentication failed: check the username and secureKey headers")
    if not ip_allowed(account, request):
        raise IovoxRefusal(403, "IP address not allowed")
    return account


def parse_request(body: bytes):
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (0, 0)
        message = LIBXML_POSITION.sub("", exc.msg or "").strip() or "syntax error"
        raise IovoxRefusal(
            400, f"XML parse error. {message} at line {line}, column {column}"
        ) from None


def elements(node) -> list:
    """The child elements, without the comments and processing instructions."""
    return [child for child in node if isinstance(child.tag, str)]


def duplicates(node) -> list[str]:
    counts = Counter(child.tag for child in elements(node))
    return [tag for tag, count in counts.items() if count > 1]


def check_call_limit(account: SandboxAccount) -> None:
    if not account.calls_per_minute:
        return
    since = timezone.now() - CALL_LIMIT_WINDOW
    recent = LedgerCall.objects.filter(account=account, accepted_at__gte=since).count()
    if recent >= account.calls_per_minute:
        raise IovoxRefusal(400, CALL_LIMIT_ERROR)


def initiate_call(request, account: SandboxAccount) -> HttpResponse:
    version = request.GET.get("v", "")
    if not version:
        raise IovoxRefusal(400, "API Version Empty")
    if version != API_VERSION or request.GET.get("method") != "initiateCall":
        raise IovoxRefusal(400, "API Version Invalid")
    if request.method != "POST":
        raise IovoxRefusal(400, f"Request Method must be POST. {request.method} attempted")
    body = request.body
    if not body.strip():
        raise IovoxRefusal(400, "XML Empty")
    if len(body) > MAX_XML_BYTES:
        raise IovoxRefusal(400, "XML parse error. Document too large at line 1, column 1")
    root = parse_request(body)
    for tag in duplicates(root):
        if tag in DUPLICATE_ERRORS:
            raise IovoxRefusal(400, DUPLICATE_ERRORS[tag])
    link_node = root.find("link_id")
    variables_node = root.find("call_variables")
    if link_node is None and (variables_node is None or not elements(variables_node)):
        raise IovoxRefusal(400, "Request Empty")
    link_id = (link_node.text or "").strip() if link_node is not None else ""
    if not link_id:
        raise IovoxRefusal(400, "Link ID Empty")
    link = cached(
        ("iovox-link", account.pk, link_id),
        lambda: IovoxLink.objects.filter(account=account, link_id=link_id).first(),
    )
    if link is None:
        raise IovoxRefusal(400, "Link ID does not exist")
    if not link.has_calling_rules:
        raise IovoxRefusal(400, "Link ID has no Calling Rules")
    variables = {}
    if variables_node is not None:
        repeated = duplicates(variables_node)
        if repeated:
            raise IovoxRefusal(400, f"Call Variable {repeated[0]} Duplicated")
        variables = {child.tag: (child.text or "").strip() for child in elements(variables_node)}
    for name in ["call_destination", *link.required_variables]:
        if not variables.get(name):
            raise IovoxRefusal(400, f"Call Variable {name} Empty")
    delay = variables.get("delay")
    if delay == "":
        raise IovoxRefusal(400, "Call Variable delay Empty")
    if delay is not None and not DELAY.fullmatch(delay):
        raise IovoxRefusal(400, "Call Variable delay Invalid")
    forced = forced_error(account)
    if forced == "500":
        raise IovoxRefusal(500, INTERNAL_ERROR)
    if forced:
        raise IovoxRefusal(400, CALL_LIMIT_ERROR)
    check_call_limit(account)
    destination, _, keypresses = variables["call_destination"].partition(",")
    _, (call_id,) = record_calls(
        account=account,
        endpoint="iovox.initiateCall",
        calls=[
            {
                "client_identifier": link_id,
                "number": destination,
                "variables": {"link_id": link_id, "keypresses": keypresses, **variables},
            }
        ],
    )
    return xml_answer(201, call_id=call_id)


@login_not_required
@csrf_exempt
def calling(request):
    try:
        account = authenticate(request)
    except IovoxRefusal as refusal:
        return xml_answer(refusal.status, error=refusal.error)
    delay_or_timeout(account)
    try:
        response = initiate_call(request, account)
    except IovoxRefusal as refusal:
        response = xml_answer(refusal.status, error=refusal.error)
    return finish(account, request, response, "application/xml")

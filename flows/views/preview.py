"""The payload preview: what each provider would receive for a sample contact,
syntax-highlighted, copyable, and as a curl command, with secrets masked."""

from __future__ import annotations

import datetime as dt
import json
import shlex

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dialer_site.permissions import permission_for
from flows.definition import definition_from_flow, split_definition
from flows.findings import has_errors
from flows.views.common import flow_or_404
from flows.views.editor import tab_page
from flows.views.highlight import highlight_json, highlight_xml
from providers.building import CompileError, Contact
from providers.iovox.builder import IovoxOptions, compile_iovox_request
from providers.paycall.dialer import PaycallOptions, compile_dialer
from providers.paycall.simple_dialer import (
    PaycallSimpleOptions,
    compile_simple_dialer,
    message_shape_findings,
)
from providers.phonon.builder import PhononOptions, compile_phonon_request
from providers.preview import SAMPLE_NUMBER

MASK = "••••••••"
# Stand-ins for the secrets a provider account holds; they are masked when shown.
SAMPLE_PHONON_SECURITY_ID = "S" * 64
SAMPLE_PHONON_FLOW_ID = "FLOW0001"
SAMPLE_IOVOX_LINK_ID = "link123"
RETURN_ADDRESS = "https://dialer.example.com/paycall/report"
PAYCALL_URL = "http://{user}:{password}@api.dialer.co.il/v2/calls/"
PHONON_URL = "https://central.phonon.in/kairos-apis/outbounddialer/create"
IOVOX_URL = "https://api.iovox.com:444/Calling?v=3&method=initiateCall"


def variable_values(request, definition: dict) -> dict[str, str]:
    """The sample value of each flow variable: `?var_<name>=`, else its default."""
    values = {}
    for variable in definition.get("variables") or []:
        name = variable.get("name")
        given = request.GET.get(f"var_{name}")
        values[name] = given if given is not None else (variable.get("default") or "")
    return values


def sample_contact(request, definition: dict) -> tuple[Contact, dict]:
    values = variable_values(request, definition)
    number = request.GET.get("number", "").strip() or SAMPLE_NUMBER
    return Contact(number=number, variables=values, reference="preview-1"), values


def _json_block(payload) -> tuple[str, str]:
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return text, highlight_json(text)


def _curl_json(url: str, text: str) -> str:
    return (
        f"curl -X POST {shlex.quote(url)} \\\n  -H 'Content-Type: application/json' \\\n"
        f"  --data-binary {shlex.quote(text)}"
    )


def provider_previews(strict: dict, contact: Contact) -> list[dict]:
    previews = []

    def add(key, title, build, describe):
        entry = {"key": key, "title": title}
        try:
            entry.update(build())
        except CompileError as error:
            entry["errors"] = [finding.message for finding in error.findings]
        entry["describe"] = describe
        previews.append(entry)

    def paycall():
        options = PaycallOptions(return_address=RETURN_ADDRESS, unique_id="preview")
        text, html = _json_block(compile_dialer(strict, options, contact))
        url = PAYCALL_URL.format(user=MASK, password=MASK) + "dialer"
        return {"text": text, "html": html, "curl": _curl_json(url, text)}

    add("paycall", "Paycall dialer", paycall, "The whole IVR, sent with each call.")

    shape = message_shape_findings(strict)
    if has_errors(shape):
        previews.append(
            {
                "key": "paycall-simple",
                "title": "Paycall simple dialer",
                "unavailable": " ".join(f.message for f in shape if f.is_error),
                "describe": "For a single spoken message without keys.",
            }
        )
    else:

        def simple():
            payload = compile_simple_dialer(
                strict, PaycallSimpleOptions(unique_id="preview"), contact
            )
            text, html = _json_block(payload)
            url = PAYCALL_URL.format(user=MASK, password=MASK) + "simple_dialer"
            return {"text": text, "html": html, "curl": _curl_json(url, text)}

        add("paycall-simple", "Paycall simple dialer", simple, "A single spoken message.")

    def phonon():
        options = PhononOptions(
            security_id=SAMPLE_PHONON_SECURITY_ID, flow_id=SAMPLE_PHONON_FLOW_ID
        )
        start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
        payload = compile_phonon_request(strict, [contact], options, start_time=start)
        payload["security-id"] = MASK
        text, html = _json_block(payload)
        return {"text": text, "html": html, "curl": _curl_json(PHONON_URL, text)}

    add(
        "phonon",
        "Phonon",
        phonon,
        "The flow itself lives at Phonon; we send the numbers and the flow keys.",
    )

    def iovox():
        body = compile_iovox_request(strict, contact, IovoxOptions(link_id=SAMPLE_IOVOX_LINK_ID))
        text = body.decode("utf-8")
        curl = (
            f"curl -X POST {shlex.quote(IOVOX_URL)} \\\n  -H 'Content-Type: application/xml' \\\n"
            f"  --data-binary {shlex.quote(text)}"
        )
        return {"text": text, "html": highlight_xml(text), "curl": curl}

    add("iovox", "iovox", iovox, "The call follows the Calling Rules of a Link ID at iovox.")
    return previews


@require_GET
@permission_for("flows.view_flow")
def preview(request, pk: int):
    flow = flow_or_404(pk)
    definition = definition_from_flow(flow)
    strict, _ = split_definition(definition)
    contact, values = sample_contact(request, definition)
    context = {
        "flow": flow,
        "previews": provider_previews(strict, contact),
        "number": contact.number,
        "values": values,
        "tab": "preview",
    }
    if request.htmx and request.htmx.target == "preview-results":
        return render(request, "flows/preview.html#results", context)
    return tab_page(request, flow, definition, "preview", context)

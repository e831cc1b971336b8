"""The payload preview: what each provider would receive for a sample contact, or
what one campaign of this flow will send to one of its contacts, syntax-highlighted,
copyable, and as a curl command, with secrets masked.

Every entry is built by the provider's one builder (`providers.registry`), the very
function campaign dispatch calls: the text shown is the text sent, but for the
masks that the client fills with the account's secrets when it sends.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from campaigns.models import Campaign
from campaigns.outbound import campaign_contact, preview_request
from dialer_site.permissions import permission_for
from flows.definition import definition_from_flow, split_definition
from flows.findings import has_errors
from flows.views.common import flow_or_404
from flows.views.editor import tab_page
from flows.views.highlight import highlight_json, highlight_xml
from providers.base import JSON, MASK, OutboundRequest
from providers.building import CompileError, Contact, SendSettings
from providers.paycall.simple_dialer import (
    PaycallSimpleOptions,
    message_shape_findings,
    simple_dialer_request,
)
from providers.phonon.builder import ENCRYPTED_PATH
from providers.preview import SAMPLE_NUMBER
from providers.registry import provider_for

# Stand-ins for what a campaign and its provider account would give.
SAMPLE_PHONON_FLOW_ID = "FLOW0001"
SAMPLE_IOVOX_LINK_ID = "link123"
SAMPLE_REFERENCE = "preview-1"
RETURN_ADDRESS = "https://dialer.example.com/webhooks/campaigns/…/paycall"
SAMPLE_HOSTS = {
    "paycall": f"https://{MASK}:{MASK}@api.dialer.co.il",
    "phonon": "https://central.phonon.in",
    "iovox": "https://api.iovox.com:444",
}
# Campaigns of this flow offered in the preview's list, newest first.
CAMPAIGN_CHOICES = 20


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
    return Contact(number=number, variables=values, reference=SAMPLE_REFERENCE), values


def shown(request: OutboundRequest, url: str) -> dict:
    """The request's text as sent, highlighted, and as a curl command."""
    is_json = request.content_type == JSON
    html = highlight_json(request.body) if is_json else highlight_xml(request.body)
    curl = (
        f"curl -X POST {shlex.quote(url)} \\\n"
        f"  -H {shlex.quote('Content-Type: ' + request.content_type)} \\\n"
        f"  --data-binary {shlex.quote(request.body)}"
    )
    return {"text": request.body, "html": html, "curl": curl}


def entry(key: str, title: str, describe: str, build: Callable[[], dict]) -> dict:
    item = {"key": key, "title": title, "describe": describe}
    try:
        item.update(build())
    except CompileError as error:
        item["errors"] = [finding.message for finding in error.findings]
    return item


def sample_previews(strict: dict, contact: Contact) -> list[dict]:
    """Each provider's request for a sample contact, with sample campaign settings."""
    now = timezone.now().replace(microsecond=0)

    def built(kind: str, target: str = "") -> Callable[[], dict]:
        def build() -> dict:
            settings = SendSettings(now=now, flow_at_provider=target, return_address=RETURN_ADDRESS)
            request = provider_for(kind).build_calls(strict, [contact], settings)
            return shown(request, SAMPLE_HOSTS[kind] + request.path)

        return build

    previews = [
        entry(
            "paycall",
            _("Paycall dialer"),
            _("The whole IVR, sent with each call."),
            built("paycall"),
        )
    ]
    shape = message_shape_findings(strict)
    if has_errors(shape):
        previews.append(
            {
                "key": "paycall-simple",
                "title": _("Paycall simple dialer"),
                "unavailable": " ".join(f.message for f in shape if f.is_error),
                "describe": _("For a single spoken message without keys."),
            }
        )
    else:

        def simple() -> dict:
            options = PaycallSimpleOptions(unique_id=SAMPLE_REFERENCE)
            request = simple_dialer_request(strict, options, contact)
            return shown(request, SAMPLE_HOSTS["paycall"] + request.path)

        previews.append(
            entry(
                "paycall-simple",
                _("Paycall simple dialer"),
                _("A single spoken message."),
                simple,
            )
        )
    previews.append(
        entry(
            "phonon",
            _("Phonon"),
            _("The flow itself lives at Phonon; we send the numbers and the flow keys."),
            built("phonon", SAMPLE_PHONON_FLOW_ID),
        )
    )
    previews.append(
        entry(
            "iovox",
            _("iovox"),
            _("The call follows the Calling Rules of a Link ID at iovox."),
            built("iovox", SAMPLE_IOVOX_LINK_ID),
        )
    )
    return previews


ENCRYPTED_NOTE = gettext_lazy(
    "This account sends the request encrypted: the text below is what the envelope "
    "holds, sealed with a new AES key that is wrapped with the account's public key."
)


def campaign_preview(campaign: Campaign, contact: Contact, *, sees_webhooks: bool) -> dict:
    """What this campaign will send for this contact, as dispatch will build it. The
    campaign's webhook token (in Paycall's return_address) is a secret shown only to
    those who may see the campaign's webhook addresses; others see it masked."""
    account = campaign.account

    def build() -> dict:
        request = preview_request(campaign, contact, now=timezone.now())
        if not sees_webhooks:
            request = replace(request, body=request.body.replace(campaign.webhook_token, MASK))
        base = account.effective_base_url
        if account.kind == "paycall":
            parts = urlsplit(base)
            base = f"{parts.scheme}://{MASK}:{MASK}@{parts.netloc}{parts.path}"
        path = ENCRYPTED_PATH if account.kind == "phonon_encrypted" else request.path
        return shown(request, base + path)

    describe = _("As the campaign “%(name)s” will send it: flow version %(version)s, %(mode)s.") % {
        "name": campaign.name,
        "version": campaign.flow_version.number,
        "mode": campaign.get_mode_display(),
    }
    item = entry(f"campaign-{campaign.pk}", account.name, describe, build)
    if account.kind == "phonon_encrypted":
        item["note"] = ENCRYPTED_NOTE
    return item


def campaigns_of(flow) -> list[Campaign]:
    return list(
        Campaign.objects.filter(flow_version__flow=flow)
        .select_related("account", "flow_version")
        .order_by("-pk")[:CAMPAIGN_CHOICES]
    )


@require_GET
@permission_for("flows.view_flow")
def preview(request, pk: int):
    flow = flow_or_404(pk)
    definition = definition_from_flow(flow)
    strict, _findings = split_definition(definition)
    campaigns = campaigns_of(flow)
    chosen = next((c for c in campaigns if str(c.pk) == request.GET.get("campaign")), None)
    if chosen is None:
        contact, values = sample_contact(request, definition)
        previews = sample_previews(strict, contact)
    else:
        contact, values = sample_contact(request, chosen.flow_version.definition)
        contact = campaign_contact(chosen, contact.number) or contact
        values = {**values, **contact.variables}
        sees_webhooks = request.user.has_perm("campaigns.run_campaign")
        previews = [campaign_preview(chosen, contact, sees_webhooks=sees_webhooks)]
    context = {
        "flow": flow,
        "previews": previews,
        "number": contact.number,
        "values": values,
        "campaigns": campaigns,
        "chosen": chosen,
        "tab": "preview",
    }
    if request.htmx and request.htmx.target == "preview-results":
        return render(request, "flows/preview.html#results", context)
    return tab_page(request, flow, definition, "preview", context)

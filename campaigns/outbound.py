"""The request of one dispatch batch, and of one contact's preview.

Both come from the provider's one builder (`providers.registry`), fed from the
campaign's pinned flow version, its settings and its snapshotted calls. A batch's
request is stored before it is sent and sent from what was stored alone: a replay
must be byte for byte the request that may already have been accepted.
"""

import datetime as dt
from dataclasses import dataclass

from campaigns.callback_urls import steps_report_url
from campaigns.models import Call, Campaign
from campaigns.models.campaigns import DispatchMode
from campaigns.rounds import window_of
from campaigns.scheduling import next_send_time
from flows.dtmf import DtmfSequence
from providers import OutboundRequest, Provider, provider_for
from providers.base import JSON, encode_json
from providers.building import CompileError, Contact, SendSettings, given_values
from providers.paycall.dialer import dialer_options, dialer_request
from providers.paycall.simple_dialer import PaycallSimpleOptions, dial_at, simple_dialer_request

# Paycall campaigns whose numbers go up as one phone list after one dialer request.
QUEUED_MODES = (DispatchMode.PAYCALL_QUEUE, DispatchMode.PAYCALL_SIMPLE)
# What a call's request is built from.
CONTACT_FIELDS = (
    "pk",
    "position",
    "idempotency_key",
    "number",
    "alternate_numbers",
    "cli",
    "dtmf_originator",
    "variables",
)


@dataclass
class BatchRequest:
    """The request for the calls that could be built, and why the others could not."""

    request: OutboundRequest | None
    calls: list[Call]
    refused: list[tuple[Call, CompileError]]


def provider_of(campaign: Campaign) -> Provider:
    return provider_for(campaign.account.kind)


def contact_of(call: Call) -> Contact:
    """The call as its builder sees it. Blank cells are dropped here too, so that no
    builder can mistake an empty cell for a value: the flow's default applies."""
    return Contact(
        number=call.number,
        alternate_numbers=tuple(call.alternate_numbers or ()),
        cli=call.cli or None,
        dtmf_originator=DtmfSequence.coerce(call.dtmf_originator or None),
        variables={k: str(v) for k, v in given_values(call.variables).items()},
        reference=call.idempotency_key,
    )


def send_settings(campaign: Campaign, *, now: dt.datetime, due: dt.datetime | None) -> SendSettings:
    account = campaign.account
    return SendSettings(
        now=now,
        due=due,
        flow_at_provider=campaign.flow_at_provider,
        time_zone=account.time_zone,
        api_version=account.api_version,
        return_address=steps_report_url(campaign),
        max_retries=campaign.max_retries,
        ring_timeout=campaign.ring_timeout,
        retry_wait_time=campaign.retry_wait_time,
        cli=campaign.cli,
        dtmf_originator=campaign.dtmf_originator,
    )


def build_batch_request(
    campaign: Campaign, calls: list[Call], *, now: dt.datetime, due: dt.datetime | None
) -> BatchRequest:
    """The one request for these calls. A contact the builder refuses (a value the
    flow needs and does not have, say) is left out with its reason, so that one
    contact never holds up the others of its batch."""
    build = provider_of(campaign).build_calls
    definition = campaign.flow_version.definition
    settings = send_settings(campaign, now=now, due=due)
    try:
        request: OutboundRequest | None = build(
            definition, [contact_of(call) for call in calls], settings
        )
        return BatchRequest(request, calls, [])
    except CompileError as error:
        if len(calls) == 1:
            return BatchRequest(None, [], [(calls[0], error)])
    good, refused = [], []
    for call in calls:
        try:
            build(definition, [contact_of(call)], settings)
            good.append(call)
        except CompileError as error:
            refused.append((call, error))
    request = build(definition, [contact_of(c) for c in good], settings) if good else None
    return BatchRequest(request, good, refused)


def dialer_stage_request(
    campaign: Campaign, now: dt.datetime, due: dt.datetime | None
) -> OutboundRequest:
    """The campaign's one dialer (or simple dialer) request; its numbers follow as the
    uploaded phone list."""
    definition = campaign.flow_version.definition
    settings = send_settings(campaign, now=now, due=due)
    if campaign.mode == DispatchMode.PAYCALL_SIMPLE:
        simple = PaycallSimpleOptions(
            unique_id=campaign.paycall_unique_id,
            from_campaign=True,
            dial_at=dial_at(now, due),
            max_retries=campaign.max_retries,
            ring_timeout=campaign.ring_timeout,
            retry_wait_time=campaign.retry_wait_time,
        )
        return simple_dialer_request(definition, simple)
    options = dialer_options(
        settings, unique_id=campaign.paycall_unique_id, numbers_from_queue=True
    )
    return dialer_request(definition, options)


def preview_request(campaign: Campaign, contact: Contact, *, now: dt.datetime) -> OutboundRequest:
    """What the campaign will send for this contact, built as dispatch builds it: the
    pinned flow version, the campaign's settings, its next send time. Paycall's queued
    campaigns send one dialer request for all; their numbers go as the phone list."""
    due = next_send_time(
        now, start_at=campaign.start_at, window=window_of(campaign), time_zone=campaign.time_zone
    )
    if campaign.mode in QUEUED_MODES:
        return dialer_stage_request(campaign, now, due)
    settings = send_settings(campaign, now=now, due=due)
    return provider_of(campaign).build_calls(campaign.flow_version.definition, [contact], settings)


def campaign_contact(campaign: Campaign, number: str) -> Contact | None:
    """The contact of the campaign's call to this number, as dispatch sees it."""
    wanted = number.strip().lstrip("+")
    call = (
        Call.objects.filter(campaign=campaign, number__in=(wanted, "+" + wanted))
        .only(*CONTACT_FIELDS)
        .order_by("position")
        .first()
    )
    return contact_of(call) if call else None


def call_request_text(batch_payload: dict, call: Call) -> str:
    """What was sent for one call, secrets masked: of a batch of several calls, the
    request as it would have been for this call alone (what its preview shows)."""
    if "request" not in batch_payload:
        return ""
    request = OutboundRequest.from_dict(batch_payload["request"])
    if request.content_type != JSON:
        return request.body
    data = request.json()
    calls = data.get("calls") if isinstance(data, dict) else None
    if not isinstance(calls, list) or len(calls) < 2:
        return request.body
    mine = [c for c in calls if c.get("client-identifier") == call.idempotency_key]
    return encode_json({**data, "calls": mine})

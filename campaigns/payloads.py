"""The request of one dispatch batch: compiled from the pinned flow version and the
snapshotted calls, stored as JSON before it is sent, and sent from that JSON alone
(a replay must be byte-for-byte the request that may already have been accepted).
"""

import datetime as dt

from lxml import etree

from campaigns.callback_urls import steps_report_url
from campaigns.models.campaigns import DispatchMode
from campaigns.scheduling import iovox_delay_minutes, paycall_schedule, phonon_start_time
from flows.dtmf import DtmfSequence
from providers import CallOutcome, ProviderError, SendResult
from providers.building import Contact, resolve_variables
from providers.paycall.dialer import PaycallOptions, compile_dialer

# The iovox call variable that carries our idempotency key to the Calling Rules.
IOVOX_KEY_VARIABLE = "dialer_call_id"
# Modes whose requests the provider recognises when they come again.
REPLAYABLE_MODES = (DispatchMode.PHONON, DispatchMode.PAYCALL_PER_CONTACT)


def replayable(mode: str) -> bool:
    return mode in REPLAYABLE_MODES


def contact_of(campaign, call) -> Contact:
    return Contact(
        number=call.number,
        alternate_numbers=tuple(call.alternate_numbers or ()),
        cli=call.cli or None,
        dtmf_originator=call.dtmf_originator or None,
        variables=call.variables or {},
        reference=call.idempotency_key,
    )


def phonon_time(moment: dt.datetime) -> str:
    """Phonon's own notation: milliseconds, a literal Z, then the real offset
    (the document's example "2021-04-28T03:48:07.111Z+05:30")."""
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z{offset[:3]}:{offset[3:]}"


def phonon_calls(campaign, calls, start: dt.datetime) -> list[dict]:
    definition = campaign.flow_version.definition
    stamp = phonon_time(start)
    out = []
    for call in calls:
        values = resolve_variables(definition, call.variables, required=False)
        out.append(
            {
                "client-identifier": call.idempotency_key,
                "start-time": stamp,
                "contact-numbers": [call.number.lstrip("+")]
                + [n.lstrip("+") for n in call.alternate_numbers or ()],
                "keys": [{"name": f"$flow.key.{k}", "value": v} for k, v in values.items()],
            }
        )
    return out


def iovox_xml(campaign, call, delay: int | None) -> str:
    definition = campaign.flow_version.definition
    root = etree.Element("request")
    etree.SubElement(root, "link_id").text = campaign.iovox_link_id
    variables = etree.SubElement(root, "call_variables")
    destination = call.number.lstrip("+")
    dtmf = DtmfSequence.coerce(call.dtmf_originator or campaign.dtmf_originator or None)
    if dtmf:
        destination += dtmf.to_iovox("call_destination").text
    etree.SubElement(variables, "call_destination").text = destination
    for name, value in resolve_variables(definition, call.variables, required=False).items():
        etree.SubElement(variables, name).text = value
    etree.SubElement(variables, IOVOX_KEY_VARIABLE).text = call.idempotency_key
    if delay:
        etree.SubElement(variables, "delay").text = str(delay)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8").decode()


def paycall_options(campaign, *, now, due, unique_id: str, from_queue: bool | None):
    return PaycallOptions(
        return_address=steps_report_url(campaign),
        unique_id=unique_id,
        schedule=paycall_schedule(now, due),
        max_retries=campaign.max_retries,
        ring_timeout=campaign.ring_timeout,
        retry_wait_time=campaign.retry_wait_time,
        numbers_from_queue=from_queue,
        cli=campaign.cli or None,
        dtmf_originator=campaign.dtmf_originator or None,
    )


def build_batch_payload(campaign, calls, *, now: dt.datetime, due: dt.datetime) -> dict:
    """The JSON stored on the batch: what to send, to which endpoint."""
    if campaign.mode == DispatchMode.PHONON:
        start = phonon_start_time(now, due, campaign.account.time_zone)
        return {
            "endpoint": "phonon",
            "body": {
                "flow-id": campaign.phonon_flow_id,
                "calls": phonon_calls(campaign, calls, start),
            },
        }
    (call,) = calls
    if campaign.mode == DispatchMode.IOVOX:
        return {
            "endpoint": "iovox",
            "xml": iovox_xml(campaign, call, iovox_delay_minutes(now, due)),
        }
    options = paycall_options(
        campaign, now=now, due=due, unique_id=call.idempotency_key, from_queue=None
    )
    body = compile_dialer(campaign.flow_version.definition, options, contact_of(campaign, call))
    return {"endpoint": "paycall_dialer", "body": body}


def send_payload(client, payload: dict) -> SendResult:
    endpoint = payload["endpoint"]
    if endpoint == "iovox":
        return client.send_calls(payload["xml"].encode("utf-8"))
    if endpoint == "paycall_dialer":
        return send_paycall_call(client, payload["body"])
    return client.send_calls(payload["body"])


def send_paycall_call(client, body: dict) -> SendResult:
    """Paycall places a dialer's call only once it is started: dialer, then start.

    Both steps are idempotent by unique_id, so a replay resumes where the first try
    stopped; only when Paycall had both already is the call a duplicate at the provider.
    """
    unique_id = body["unique_id"]
    duplicate_error = None
    try:
        result = client.send_calls(body)
    except ProviderError as error:
        if error.name != "DUPLICATE_UNIQUE_ID":
            raise
        duplicate_error = error
        result = SendResult(
            accepted=[CallOutcome(body.get("number", ""), unique_id)], request_id=unique_id
        )
    if result.rejected:
        return result
    try:
        client.start_campaign(unique_id)
    except ProviderError as error:
        if error.name != "ALREADY_STARTED":
            raise
        if duplicate_error is not None:
            raise duplicate_error from None
    return result


def calls_of_answer(mode: str, calls) -> dict:
    """Our calls by the reference the provider's answer names them with."""
    if mode == DispatchMode.PHONON:
        return {call.idempotency_key: call for call in calls}
    return {}


def masked_call_payload(batch_payload: dict, call, client) -> dict | str:
    """What was sent for one call, secrets masked (for the per-contact page)."""
    if batch_payload.get("endpoint") == "iovox":
        return batch_payload["xml"]
    body = batch_payload.get("body", {})
    if batch_payload.get("endpoint") == "phonon":
        mine = [
            c for c in body.get("calls", []) if c.get("client-identifier") == call.idempotency_key
        ]
        body = {**body, "calls": mine}
    return client.preview(body) if client else body

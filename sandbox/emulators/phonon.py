"""Phonon outbound dialer emulator, plain and encrypted.

/sandbox/phonon/kairos-apis/outbounddialer/create and
/sandbox/phonon/kairos-apis/enc/outbound/create. Every code of Phonon's table can be
answered; the checks run in the order a caller would fix them: readable request,
address, api-version, flow, security-id, account state, the call list, then each call.
Codes about one call (205, 210, 213, 402) reject that call only: when others pass, the
answer is 209 Partial Success listing both (the `failed-calls` list is this sandbox's
addition; README, "Sandbox").
"""

import json
from datetime import UTC, datetime

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dialer_site import jsonlimits
from providers.phonon.encryption import EnvelopeError, decrypt_envelope
from sandbox.emulators.common import (
    RepeatedRequest,
    checksum,
    delay_or_timeout,
    finish,
    forced_error,
    ip_allowed,
    record_calls,
    valid_number,
)
from sandbox.models import PhononFlow, Provider, ReceivedRequest, SandboxAccount

MAX_CALLS = 500
# keys: ""name": "$flow.key.<variable>": Name of flow variable."
KEY_PREFIX = "$flow.key."
API_VERSIONS = ("1.0", "TEST")
CODES = {
    400: ("Invalid Format", "INVALID_FORMAT"),
    201: ("Checksum Repeated", "CHECKSUM_REPEATED"),
    302: ("Empty Call List", "EMPTY_CALL_LIST"),
    500: ("Failure", "FAILURE"),
    301: ("Invalid Flow ID", "INVALID_FLOW_ID"),
    401: ("IP Not Whitelisted", "IP_NOT_WHITELISTED"),
    402: ("Phone Not Whitelisted", "PHONE_NOT_WHITELISTED"),
    202: ("Invalid Security ID", "INVALID_SECURITY_ID"),
    200: ("Success", "SUCCESS"),
    203: ("API Version not Supported", "INVALID_API_VERSION"),
    204: ("Invalid SMS Gateway", "INVALID_GATEWAY_ID"),
    205: ("Invalid Contact Number", "INVALID_CONTACT_NUMBER"),
    206: ("Failure from Gateway", "FAILURE_FROM_GATEWAY"),
    207: ("DID Not Mapped", "DID_NOT_MAPPED"),
    208: ("No Mask Available", "NO_MASK_AVAILABLE"),
    209: ("Partial Success", "PARTIAL_SUCCESS"),
    210: ("Invalid Mandatory Parameters", "INVALID_MANDATORY_PARAMETERS"),
    303: ("Max Data List Size Exceeded", "MAX_DATA_LIST_SIZE_EXCEEDED"),
    211: ("Validity Expired", "VALIDITY_EXPIRED"),
    212: ("Insufficient Balance", "INSUFFICIENT_BALANCE"),
    304: ("Invalid Flow Version", "INVALID_FLOW_VERSION"),
    213: ("No Data Available", "NO_DATA_AVAILABLE"),
}


class Refusal(Exception):
    def __init__(self, code: int, account: SandboxAccount | None = None, failed=None):
        super().__init__(code)
        self.code = code
        self.account = account
        self.failed = failed or []


def answer(code: int, **extra) -> JsonResponse:
    body = {"api-response-code": code, "api-response-message": CODES[code][0], **extra}
    return JsonResponse(body, status=500 if code == 500 else 200)


def read_object(request) -> dict:
    try:
        payload = jsonlimits.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise Refusal(400) from None
    if not isinstance(payload, dict):
        raise Refusal(400)
    return payload


def flow_for(request, flow_id) -> PhononFlow:
    """The flow, after the address check (an unknown flow from an unknown address is 401)."""
    if not isinstance(flow_id, str) or not flow_id:
        raise Refusal(301)
    flow = PhononFlow.objects.select_related("account").filter(flow_id=flow_id).first()
    if flow is None:
        whitelisted = any(
            ip_allowed(account, request)
            for account in SandboxAccount.objects.filter(provider=Provider.PHONON)
        )
        raise Refusal(301 if whitelisted else 401)
    if not ip_allowed(flow.account, request):
        raise Refusal(401, flow.account)
    return flow


def start_time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    # Phonon's own example writes "...111Z+05:30": a Z followed by the real offset.
    if "Z+" in text or "Z-" in text:
        text = text.replace("Z", "", 1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def flow_key(key) -> bool:
    name = key.get("name") if isinstance(key, dict) else None
    return isinstance(name, str) and name.startswith(KEY_PREFIX) and len(name) > len(KEY_PREFIX)


def call_problem(call, flow: PhononFlow, api_version: str) -> int | None:
    """The code that refuses this one call, or None if it is accepted."""
    if not isinstance(call, dict):
        return 210
    numbers = call.get("contact-numbers")
    moment = start_time(call.get("start-time"))
    if not call.get("client-identifier") or not isinstance(numbers, list) or not numbers:
        return 210
    if moment is None or moment.date() < timezone.now().astimezone(moment.tzinfo).date():
        return 210
    if not all(valid_number(number) for number in numbers):
        return 205
    if api_version == "TEST" and not all(number in flow.test_phones for number in numbers):
        return 402
    keys = call.get("keys") or []
    if not isinstance(keys, list) or not all(flow_key(key) for key in keys):
        return 210
    given = {key.get("name"): key.get("value") for key in keys}
    for required in flow.required_keys:
        if given.get(required) in (None, ""):
            return 213
    return None


def accept(request, payload: dict, endpoint: str) -> JsonResponse:
    flow = flow_for(request, payload.get("flow-id"))
    account = flow.account
    delay_or_timeout(account)
    api_version = payload.get("api-version")
    if api_version not in API_VERSIONS:
        raise Refusal(203, account)
    if payload.get("security-id") != flow.security_id:
        raise Refusal(202, account)
    if api_version == "1.0" and not flow.published:
        raise Refusal(304, account)
    if account.valid_until and account.valid_until < timezone.localdate():
        raise Refusal(211, account)
    if not account.gateway_valid:
        raise Refusal(204, account)
    if not account.did_mapped:
        raise Refusal(207, account)
    calls = payload.get("calls")
    if calls is None or calls == []:
        raise Refusal(302, account)
    if not isinstance(calls, list):
        raise Refusal(400, account)
    if len(calls) > MAX_CALLS:
        raise Refusal(303, account)
    forced = forced_error(account)
    if forced:
        raise Refusal(int(forced), account)
    body_checksum = checksum(json.dumps(payload, sort_keys=True).encode())
    if ReceivedRequest.objects.filter(account=account, checksum=body_checksum).exists():
        raise Refusal(201, account)
    if account.gateway_failing:
        raise Refusal(206, account)
    if not account.mask_available:
        raise Refusal(208, account)
    if account.balance_calls is not None and account.balance_calls < len(calls):
        raise Refusal(212, account)
    accepted, failed = [], []
    for call in calls:
        problem = call_problem(call, flow, api_version)
        identifier = call.get("client-identifier", "") if isinstance(call, dict) else ""
        if problem is None:
            accepted.append(call)
        else:
            failed.append(
                {
                    "client-identifier": identifier,
                    "api-response-code": problem,
                    "api-response-message": CODES[problem][0],
                }
            )
    if not accepted:
        raise Refusal(failed[0]["api-response-code"], account, failed)
    try:
        received, call_ids = record_calls(
            account=account,
            endpoint=endpoint,
            body_checksum=body_checksum,
            calls=[
                {
                    "client_identifier": str(call["client-identifier"]),
                    "number": call["contact-numbers"][0],
                    "variables": {
                        "flow_id": flow.flow_id,
                        "contact_numbers": call["contact-numbers"],
                        "keys": call.get("keys") or [],
                        "callback_url": call.get("callback-url", ""),
                    },
                }
                for call in accepted
            ],
        )
    except RepeatedRequest:
        raise Refusal(201, account) from None

    if account.balance_calls is not None:
        account.balance_calls -= len(call_ids)
        account.save(update_fields=["balance_calls"])
    details = [
        {"client-identifier": str(call["client-identifier"]), "phonon-uuid": call_id}
        for call, call_id in zip(accepted, call_ids, strict=True)
    ]
    extra = {"request-id": received.request_id, "call-details": details}
    response = answer(209, **extra, **{"failed-calls": failed}) if failed else answer(200, **extra)
    return finish(account, request, response, "application/json")


def refused(request, refusal: Refusal) -> JsonResponse:
    extra = {"failed-calls": refusal.failed} if refusal.failed else {}
    response = answer(refusal.code, **extra)
    if refusal.account is None:
        return response
    return finish(refusal.account, request, response, "application/json")


@login_not_required
@csrf_exempt
@require_POST
def create(request):
    try:
        return accept(request, read_object(request), "phonon.create")
    except Refusal as refusal:
        return refused(request, refusal)


@login_not_required
@csrf_exempt
@require_POST
def create_encrypted(request):
    try:
        envelope = read_object(request)
        fields = ("requestEncryptedValue", "requestDigitalSignatureValue", "flow-id")
        if not all(isinstance(envelope.get(field), str) for field in fields):
            raise Refusal(400)
        flow = flow_for(request, envelope["flow-id"])
        try:
            payload = decrypt_envelope(
                envelope,
                private_key_pem=flow.account.private_key_pem,
                scheme=flow.account.encryption_scheme,
            )
        except EnvelopeError:
            raise Refusal(400, flow.account) from None
        if payload.get("flow-id") != envelope["flow-id"]:
            raise Refusal(301, flow.account)
        return accept(request, payload, "phonon.enc.create")
    except Refusal as refusal:
        return refused(request, refusal)

"""The reports the emulators send back when a call is done.

Paycall: the steps report POSTed as JSON to the campaign's return_address.
Phonon and iovox: a signed status callback to the account's callback URL, in the
shape CALLBACKS.md documents.
"""

import hashlib
import hmac
import json
import time

import requests

from providers import outbound

from .models import LedgerCall, PaycallCampaign, Provider
from .simulation import status_of

SIGNATURE_HEADER = "X-Dialer-Signature"
CALLBACK_TIMEOUT = (3.05, 10)
CALLBACK_STATUS_LENGTH = LedgerCall._meta.get_field("callback_status").max_length


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def status_callback(call: LedgerCall) -> dict:
    return {
        "event": "call.completed",
        "provider": call.account.provider,
        "call_id": call.call_id,
        "client_identifier": call.client_identifier,
        "request_id": call.request.request_id if call.request_id else "",
        "number": call.number,
        "status": status_of(call.hangup_cause),
        "hangup_cause": call.hangup_cause,
        "start_time": _iso(call.start_time),
        "answer_time": _iso(call.answer_time),
        "hangup_time": _iso(call.hangup_time),
        "duration": call.duration,
        "billsec": call.billsec,
        "keys_pressed": call.keys_pressed,
        "steps": call.steps,
    }


def steps_report(call: LedgerCall) -> dict:
    return {
        **call.steps,
        "unique_id": call.campaign_unique_id,
        "phone_number": call.number,
        "hangup_cause": call.hangup_cause,
    }


def _post(session: requests.Session, url: str, body: bytes, headers: dict) -> str:
    try:
        response = session.post(url, data=body, headers=headers, timeout=CALLBACK_TIMEOUT)
    except outbound.OutboundRefused as refused:
        return f"refused: {refused.message}"[:CALLBACK_STATUS_LENGTH]
    except requests.RequestException as exc:
        return f"failed: {type(exc).__name__}"
    return f"delivered: HTTP {response.status_code}"


def deliver(calls: list[LedgerCall], session: requests.Session | None = None) -> None:
    """POST each call's report; the outcome is kept on the call (not saved here).
    ``session``: the demo's, which reaches the site in-process before it serves."""
    return_addresses = {
        (c.account_id, c.unique_id): c.request.get("return_address", "")
        for c in PaycallCampaign.objects.filter(
            unique_id__in={call.campaign_unique_id for call in calls if call.campaign_unique_id}
        )
    }
    # The same rule as the product's provider accounts: a callback URL is typed by a
    # person, so it may reach only public addresses or this site (providers.outbound).
    with outbound.guard(session or requests.Session()) as session:
        session.trust_env = False
        for call in calls:
            if call.account.provider == Provider.PAYCALL:
                url = return_addresses.get((call.account_id, call.campaign_unique_id), "")
                body = json.dumps(steps_report(call), ensure_ascii=False).encode()
                headers = {"Content-Type": "application/json"}
            else:
                url = (call.variables or {}).get("callback_url") or call.account.callback_url
                body = json.dumps(status_callback(call), ensure_ascii=False).encode()
                headers = {
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(body, call.account.callback_secret),
                }
            call.callback_status = _post(session, url, body, headers) if url else "no URL"

"""Status callbacks of Phonon and iovox calls (the shape sandbox/CALLBACKS.md defines).

A callback is a JSON POST signed with the account's callback secret:
`X-Dialer-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.
The timestamp bounds replays; the HMAC proves the sender knows the secret.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from providers.base import ProviderError

SIGNATURE_HEADER = "X-Dialer-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
CALL_STATUSES = ("answered", "no_answer", "busy", "rejected", "invalid_number", "failed")


@dataclass
class CallbackEvent:
    provider: str
    call_id: str
    client_identifier: str
    request_id: str
    number: str
    status: str
    hangup_cause: str
    start_time: datetime | None
    answer_time: datetime | None
    hangup_time: datetime | None
    duration: int
    billsec: int
    keys_pressed: list[str] = field(default_factory=list)
    steps: dict = field(default_factory=dict)


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _bad(message: str) -> ProviderError:
    return ProviderError("CALLBACK", "INVALID_CALLBACK", message)


def verify_signature(
    body: bytes, header: str | None, secret: str, *, now: float | None = None
) -> None:
    if not secret:
        raise _bad("No callback secret is stored for this account, so callbacks are refused.")
    if not header:
        raise _bad(f"The callback has no {SIGNATURE_HEADER} header.")
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise _bad("The callback signature header is malformed.") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise _bad("The callback signature is too old (or from the future): possible replay.")
    expected = sign(body, secret, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise _bad("The callback signature does not match: wrong secret or altered body.")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def parse_status_callback(body: bytes, headers: Mapping[str, str], secret: str) -> CallbackEvent:
    verify_signature(body, headers.get(SIGNATURE_HEADER), secret)
    try:
        data = json.loads(body)
        return CallbackEvent(
            provider=data["provider"],
            call_id=data["call_id"],
            client_identifier=data.get("client_identifier") or "",
            request_id=data.get("request_id") or "",
            number=data["number"],
            status=data["status"],
            hangup_cause=data["hangup_cause"],
            start_time=_time(data.get("start_time")),
            answer_time=_time(data.get("answer_time")),
            hangup_time=_time(data.get("hangup_time")),
            duration=int(data.get("duration") or 0),
            billsec=int(data.get("billsec") or 0),
            keys_pressed=list(data.get("keys_pressed") or []),
            steps=data.get("steps") or {},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise _bad(f"The callback body is not a valid status callback ({exc}).") from None

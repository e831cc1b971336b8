"""What the three emulators share: client addresses, fault knobs, the ledger."""

import contextlib
import hashlib
import random
import re
import socket
import time
import uuid

from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from sandbox.models import CallState, LedgerCall, ReceivedRequest, SandboxAccount
from sandbox.tasks import schedule_sweep

# Digits with an optional "+", lenient enough for the local numbers the providers' own
# examples dial ("030000000"). ASCII digits only: \d would let "٥" through.
PHONE_NUMBER = re.compile(r"\+?[0-9]{7,15}")
# E.164 as Paycall's appendix reads it, [+]<country code><number>: a country code
# never starts with 0, and E.164 allows 15 digits at most.
E164_NUMBER = re.compile(r"\+?[1-9][0-9]{6,14}")

_faults = random.SystemRandom()


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def ip_allowed(account: SandboxAccount, request) -> bool:
    return client_ip(request) in (account.ip_whitelist or [])


def valid_number(value) -> bool:
    return isinstance(value, str) and bool(PHONE_NUMBER.fullmatch(value.strip()))


def valid_e164(value) -> bool:
    return isinstance(value, str) and bool(E164_NUMBER.fullmatch(value.strip()))


def checksum(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def forced_error(account: SandboxAccount) -> str | None:
    """The error code a fault knob picks for this request, if any."""
    for code, rate in (account.error_rates or {}).items():
        if _faults.random() < float(rate):
            return str(code)
    return None


def delay_or_timeout(account: SandboxAccount) -> None:
    """Latency knob, then the timeout knob (sleeping past the client's read timeout)."""
    if account.latency_ms:
        time.sleep(account.latency_ms / 1000)
    if account.timeout_rate and _faults.random() < account.timeout_rate:
        time.sleep(account.timeout_seconds)


def should_drop(account: SandboxAccount) -> bool:
    return bool(account.drop_rate) and _faults.random() < account.drop_rate


def client_socket(request) -> socket.socket | None:
    """The connection's socket: gunicorn hands it over; under runserver it sits below
    the request body stream (LimitedStream -> BufferedReader -> SocketIO)."""
    sock = request.META.get("gunicorn.socket")
    stream = request.META.get("wsgi.input")
    for _ in range(5):
        if sock is not None or stream is None:
            break
        sock = getattr(stream, "_sock", None)
        reader = getattr(stream, "_read", None)
        stream = getattr(stream, "raw", None) or getattr(reader, "__self__", None)
    return sock if isinstance(sock, socket.socket) else None


def dropped_connection(request, content_type: str) -> HttpResponse:
    """Close the connection before answering, as a provider's crash or a cut line does.
    Without access to the socket, answer with a body that breaks off instead."""
    sock = client_socket(request)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        return HttpResponse(status=499)

    def body():
        yield b"{"
        raise ConnectionAbortedError("sandbox fault knob: connection dropped")

    response = StreamingHttpResponse(body(), content_type=content_type)
    response["Content-Length"] = "4096"
    return response


def finish(account: SandboxAccount, request, response: HttpResponse, content_type: str):
    """Apply the drop knob to an answer about to leave."""
    if should_drop(account):
        return dropped_connection(request, content_type)
    return response


def new_id() -> str:
    return str(uuid.uuid4())


# The ledger columns written when a call is accepted; the rest keep their defaults
# until the simulation fills them.
LEDGER_COLUMNS = (
    "account_id", "request_id", "call_id", "client_identifier", "campaign_unique_id",
    "number", "cli", "variables", "accepted_at", "state", "hangup_cause", "duration",
    "billsec", "keys_pressed", "steps", "callback_status", "claim",
)  # fmt: skip


def insert_ledger_rows(account: SandboxAccount, request_pk: int | None, calls: list[dict]):
    """One multi-row INSERT for a request's calls: the ORM's bulk_create costs more per
    row than the emulator's whole validation, and benchmarks send 100,000 calls."""
    meta = LedgerCall._meta
    prep = {
        name: meta.get_field(name).get_db_prep_save
        for name in ("variables", "keys_pressed", "steps", "accepted_at")
    }
    accepted_at = prep["accepted_at"](timezone.now(), connection)
    empty_list, empty_dict = prep["keys_pressed"]([], connection), prep["steps"]({}, connection)
    rows, call_ids = [], []
    for call in calls:
        call_id = new_id()
        call_ids.append(call_id)
        rows.append(
            (
                account.pk, request_pk, call_id, call.get("client_identifier", ""),
                call.get("campaign_unique_id", ""), call["number"], call.get("cli", ""),
                prep["variables"](call.get("variables") or {}, connection), accepted_at,
                CallState.ACCEPTED, "", 0, 0, empty_list, empty_dict, "", "",
            )
        )  # fmt: skip
    placeholders = ", ".join(["%s"] * len(LEDGER_COLUMNS))
    quote = connection.ops.quote_name
    # Table and column names come from the model, never from the request.
    columns = ", ".join(map(quote, LEDGER_COLUMNS))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return call_ids


class RepeatedRequest(Exception):
    """A request with the checksum of one already taken (it may have raced it)."""


@transaction.atomic
def record_calls(
    *,
    account: SandboxAccount,
    endpoint: str,
    calls: list[dict],
    body_checksum: str | None = None,
) -> tuple[ReceivedRequest | None, list[str]]:
    """Write the calls (and, for a checksum, the request) to the ledger, then make sure
    a simulation sweep of the account runs shortly after the commit."""
    received = None
    if body_checksum is not None:
        try:
            with transaction.atomic():
                received = ReceivedRequest.objects.create(
                    account=account,
                    endpoint=endpoint,
                    checksum=body_checksum,
                    request_id=new_id(),
                    call_count=len(calls),
                )
        except IntegrityError:
            raise RepeatedRequest from None
    call_ids = insert_ledger_rows(account, received.pk if received else None, calls)
    if call_ids:
        transaction.on_commit(lambda: schedule_sweep(account.pk))
    return received, call_ids

"""What every provider client shares: the HTTP session, the typed results and errors.

Retries are deliberately absent here: whether and when to try again is the
dispatcher's decision, informed by `ProviderError.retryable`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import orjson
import requests
from django.utils.translation import gettext

from providers.outbound import OutboundRefused, guard

if TYPE_CHECKING:
    from campaigns.models import ProviderAccount

POOL_CONNECTIONS = 4
POOL_MAXSIZE = 32
MASK = "••••••"
JSON = "application/json"
XML = "application/xml; charset=utf-8"

Scope = Literal["request", "call"]


@dataclass
class ProviderError(Exception):
    """A provider's documented answer that is not success (or a transport failure).

    code: the provider's code (Phonon's number, iovox's HTTP status, Paycall's error key);
    name: its symbolic name; scope: about the whole request or one call.
    """

    code: str
    name: str
    message: str
    retryable: bool = False
    scope: Scope = "request"
    http_status: int | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.name} ({self.code}): {self.message}"

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "retryable": self.retryable,
            "scope": self.scope,
            "http_status": self.http_status,
            "detail": self.detail,
        }


class UnsupportedOperation(ProviderError):
    def __init__(self, provider: str, operation: str):
        super().__init__(
            code="UNSUPPORTED",
            name="UNSUPPORTED_OPERATION",
            message=f"{provider} has no API to {operation}.",
        )


@dataclass
class CallOutcome:
    """One call of a batch: accepted (provider_ref set) or rejected (error set)."""

    client_ref: str
    provider_ref: str = ""
    error: ProviderError | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None


@dataclass
class SendResult:
    accepted: list[CallOutcome] = field(default_factory=list)
    rejected: list[CallOutcome] = field(default_factory=list)
    request_id: str = ""
    code: str = ""
    message: str = ""

    @property
    def partial(self) -> bool:
        return bool(self.accepted) and bool(self.rejected)


@dataclass
class ConnectionReport:
    ok: bool
    message: str


# Errors our side raises, in our own words: none quotes what the other end sent.
OWN_WORDS = frozenset(
    {"TIMEOUT", "CONNECTION_FAILED", "ADDRESS_NOT_ALLOWED", "UNSUPPORTED_OPERATION"}
)


def connection_failure_words(provider: str, error: ProviderError, known: Mapping[str, str]) -> str:
    """Why a connection test failed: our own words and the HTTP status, nothing more.

    `known` holds our words for each error name the provider documents. What the other
    end sent (its body, its error text) is neither shown nor stored: the address tested
    may not be the provider's at all (issue #16).
    """
    if error.name in OWN_WORDS:
        return error.message
    words = known.get(error.name)
    if error.http_status is None:
        return words or gettext(
            "%(provider)s answered something that is not one of its documented answers."
        ) % {"provider": provider}
    if words is None:
        return gettext(
            "%(provider)s answered HTTP %(status)s, which is not one of its documented answers."
        ) % {"provider": provider, "status": error.http_status}
    return gettext("%(provider)s answered HTTP %(status)s: %(words)s") % {
        "provider": provider,
        "status": error.http_status,
        "words": words,
    }


@dataclass
class Upload:
    """One file to upload: its name at the provider, its bytes, its mime type."""

    name: str
    content: bytes
    content_type: str = "application/octet-stream"


def encode_json(data: Any) -> str:
    """The one JSON form we send: readable as it is, so a preview can show the very
    text that goes out (indented by 2, UTF-8 kept, keys in the builder's order; the
    same text as json.dumps(indent=2, ensure_ascii=False), which falls back to pure
    Python when it indents and takes several times as long on a 300-step IVR)."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8")


@dataclass(frozen=True)
class OutboundRequest:
    """One request as it goes out, with the account's secrets still masked.

    It is what the Preview tab shows, what a dispatch batch stores before sending and
    replays unchanged, and, once the client has put the account's secrets in place
    of the masks, the bytes the provider receives.
    """

    path: str
    body: str
    content_type: str = JSON

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "content_type": self.content_type, "body": self.body}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> OutboundRequest:
        return cls(data["path"], data["body"], data.get("content_type", JSON))

    def json(self) -> Any:
        return orjson.loads(self.body)


class Throttle:
    """At most `rate` requests a second across the client's threads (None: no limit)."""

    def __init__(self, rate: float | None):
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


def make_session(pool_maxsize: int = POOL_MAXSIZE) -> requests.Session:
    session = guard(
        requests.Session(),
        pool_connections=POOL_CONNECTIONS,
        pool_maxsize=pool_maxsize,
        max_retries=0,
    )
    session.trust_env = False
    return session


def transport_error(exc: requests.RequestException) -> ProviderError:
    """Network failures in plain words; all but a refused address are worth another
    try later (that address stays refused until the account's base URL changes)."""
    if isinstance(exc, OutboundRefused):
        return ProviderError(
            "ADDRESS_NOT_ALLOWED",
            "ADDRESS_NOT_ALLOWED",
            gettext("Not connected: %(reason)s") % {"reason": exc.message},
        )
    if isinstance(exc, requests.Timeout):
        return ProviderError(
            "TIMEOUT",
            "TIMEOUT",
            "The provider did not answer in time; the request may or may not have been accepted.",
            retryable=True,
            detail=type(exc).__name__,
        )
    return ProviderError(
        "CONNECTION",
        "CONNECTION_FAILED",
        "Could not reach the provider, or the connection dropped before it answered.",
        retryable=True,
        detail=type(exc).__name__,
    )


class ProviderClient:
    """One provider account's client. Subclasses implement what their API offers."""

    provider_name = "provider"

    def __init__(self, account: ProviderAccount, *, session: requests.Session | None = None):
        self.account = account
        self.base_url = account.effective_base_url
        self.timeout = (account.connect_timeout, account.read_timeout)
        # A session given (the demo's, with its in-process site) is guarded all the same.
        self.session = guard(session) if session else make_session()
        self.throttle = Throttle(account.calls_per_second)

    @property
    def credentials(self) -> dict[str, Any]:
        """The account's credentials, a JSON object (``{}`` when none are stored)."""
        return self.account.credentials or {}  # type: ignore[return-value]  # EncryptedJSONField holds JSON; the stubs see its TextField base (str)

    # -- transport -------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        self.throttle.wait()
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        try:
            return self.session.request(method, self.base_url + path, **kwargs)
        except requests.RequestException as exc:
            raise transport_error(exc) from None

    def close(self) -> None:
        self.session.close()

    def post(self, request: OutboundRequest, **kwargs: Any) -> requests.Response:
        return self.request(
            "POST",
            request.path,
            data=self.wire_body(request),
            headers={"Content-Type": request.content_type},
            **kwargs,
        )

    def wire_body(self, request: OutboundRequest) -> bytes:
        """The bytes sent: the request's text with the account's secrets in place."""
        return request.body.encode("utf-8")

    # -- the interface ---------------------------------------------------------
    def send(self, request: OutboundRequest) -> SendResult:
        """Send one request a builder made (calls for Phonon, one call elsewhere)."""
        raise UnsupportedOperation(self.provider_name, "send calls")

    def place_calls(self, request: OutboundRequest) -> SendResult:
        """Send a campaign's request so that its calls ring (Paycall needs a start too)."""
        return self.send(request)

    def upload_recordings(self, files: list[Upload]) -> dict:
        raise UnsupportedOperation(self.provider_name, "upload recordings")

    def upload_phone_list(self, unique_id: str, file: Upload) -> dict:
        raise UnsupportedOperation(self.provider_name, "upload a phone list")

    def start_campaign(self, unique_id: str) -> dict:
        raise UnsupportedOperation(self.provider_name, "start a campaign")

    def fetch_cdrs(self, unique_id: str, phone_number: str | None = None) -> list:
        raise UnsupportedOperation(self.provider_name, "fetch CDRs")

    def parse_callback(self, body: bytes, headers: Mapping[str, str] | None) -> Any:
        raise UnsupportedOperation(self.provider_name, "send callbacks")

    def test_connection(self) -> ConnectionReport:
        raise UnsupportedOperation(self.provider_name, "test the connection")

    def send_many(
        self, requests_: Iterable[OutboundRequest], *, max_workers: int = 8
    ) -> list[SendResult]:
        """Send requests with at most `max_workers` in flight, results in order.

        A request-scoped error does not stop the others: it comes back as a SendResult
        whose every call is rejected with that error.
        """
        return list(bounded_map(self._send_one_safely, requests_, max_workers=max_workers))

    def _send_one_safely(self, request: OutboundRequest) -> SendResult:
        try:
            return self.send(request)
        except ProviderError as error:
            return SendResult(rejected=[CallOutcome(client_ref="", error=error)], code=error.code)


_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


def bounded_map(
    function: Callable[[_Item], _Result], items: Iterable[_Item], *, max_workers: int
) -> Iterator[_Result]:
    """map() over a thread pool that never holds more than 2×max_workers pending items."""
    window = max_workers * 2
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        pending = []
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= window:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()

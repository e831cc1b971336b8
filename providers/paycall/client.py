"""Paycall Dynamic Dialer v2.1: all eight endpoints under /v2/calls/.

Paycall authenticates with HTTP Basic whose user name and password are URI-escaped
first (the document's rule of thumb), answers JSON with `status` and, on a problem,
`error`; the error keys below are those the sandbox emulator answers (the document
names no codes), each mapped to plain words and a retry decision.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from providers.base import (
    CallOutcome,
    ConnectionReport,
    OutboundRequest,
    ProviderClient,
    ProviderError,
    Scope,
    SendResult,
    Upload,
    connection_failure_words,
)
from providers.paycall.cdrs import Cdr, CdrFormatError, parse_paycall_cdr_csv
from providers.paycall.dialer import API_PREFIX

if TYPE_CHECKING:
    from campaigns.models import ProviderAccount

# Phone list formats and the mime type the document requires for each.
PHONE_LIST_MIME_TYPES = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".zip": "application/zip",
    ".gz": "application/gzip",
}
RECORDING_MIME_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg"}


@dataclass(frozen=True)
class PaycallErrorKind:
    name: str
    message: str
    retryable: bool = False
    scope: Scope = "request"


PAYCALL_ERRORS: dict[str, PaycallErrorKind] = {
    kind.name: kind
    for kind in (
        PaycallErrorKind(
            "AUTHENTICATION_FAILED", "Paycall refused the user name or password of this account."
        ),
        PaycallErrorKind("IP_NOT_ALLOWED", "Paycall does not accept requests from this address."),
        PaycallErrorKind("INVALID_JSON", "The request body is not valid JSON."),
        PaycallErrorKind("INVALID_REQUEST", "A field of the request has the wrong form."),
        PaycallErrorKind(
            "RETURN_ADDRESS_MISSING", "The request has no return_address to report back to."
        ),
        PaycallErrorKind("INVALID_SCHEDULE", "schedule_type or schedule is not valid."),
        PaycallErrorKind("SCHEDULE_IN_PAST", "The start time is now or in the past."),
        PaycallErrorKind("INVALID_MAX_RETRIES", "max_retries must be between 0 and 10000."),
        PaycallErrorKind("NUMBER_MISSING", "The phone number to call is empty.", scope="call"),
        PaycallErrorKind(
            "INVALID_NUMBER", "The phone number is not a valid E.164 number.", scope="call"
        ),
        PaycallErrorKind("INVALID_IVR", "The ivr object is missing or has no steps."),
        PaycallErrorKind(
            "INVALID_KEY_RANGE",
            "A key range of the IVR runs backwards or includes a key that has its own route.",
        ),
        PaycallErrorKind(
            "RECORDING_NOT_FOUND", "A recording the call plays was not uploaded to Paycall."
        ),
        PaycallErrorKind(
            "DUPLICATE_UNIQUE_ID", "Paycall already has a campaign with this unique_id."
        ),
        PaycallErrorKind("NO_FILES", "The upload has no files in the recs[] field."),
        PaycallErrorKind("UNSUPPORTED_RECORDING", "A recording is not a .wav or .mp3 sound file."),
        PaycallErrorKind("NUMBERS_FILE_MISSING", "The upload has no file in the numbers field."),
        PaycallErrorKind(
            "UNSUPPORTED_FILE_TYPE",
            "The phone list is not .csv, .txt, .zip or .gz with the matching mime type "
            "(tarballs are not supported).",
        ),
        PaycallErrorKind("INVALID_NUMBERS_FILE", "The phone list has a line Paycall cannot read."),
        PaycallErrorKind("CAMPAIGN_NOT_FOUND", "Paycall has no campaign with this unique_id."),
        PaycallErrorKind("NO_NUMBERS", "The campaign has no phone numbers to call yet."),
        PaycallErrorKind("ALREADY_STARTED", "The campaign was already started."),
        PaycallErrorKind("NUMBER_NOT_FOUND", "The campaign has no CDR for this phone number."),
        PaycallErrorKind("METHOD_NOT_ALLOWED", "This endpoint does not accept that HTTP method."),
        PaycallErrorKind(
            "SERVER_ERROR", "Paycall failed on its side; try again later.", retryable=True
        ),
        PaycallErrorKind(
            "SERVICE_UNAVAILABLE", "Paycall is busy or down; try again later.", retryable=True
        ),
    )
}


def basic_auth_header(username: str, password: str) -> str:
    """HTTP Basic with URI-escaped credentials, as Paycall's rule of thumb requires."""
    token = f"{quote(username, safe='')}:{quote(password, safe='')}".encode()
    return "Basic " + base64.b64encode(token).decode("ascii")


def phone_list_upload(filename: str, content: bytes) -> Upload:
    """A phone list file with the mime type Paycall requires for its extension."""
    name = filename.lower()
    if name.endswith((".tar.gz", ".tgz")):
        raise ValueError("Paycall does not accept tarballs (.tar.gz, .tgz); send a single .gz.")
    suffix = PurePosixPath(name).suffix
    if suffix not in PHONE_LIST_MIME_TYPES:
        raise ValueError(
            f"Paycall takes phone lists as {', '.join(PHONE_LIST_MIME_TYPES)}, "
            f"not {suffix or name}."
        )
    return Upload(filename, content, PHONE_LIST_MIME_TYPES[suffix])


def recording_upload(filename: str, content: bytes) -> Upload:
    suffix = PurePosixPath(filename.lower()).suffix
    return Upload(filename, content, RECORDING_MIME_TYPES.get(suffix, "application/octet-stream"))


@dataclass
class StepsReport:
    """What Paycall POSTs to return_address when a call is done."""

    unique_id: str
    phone_number: str
    hangup_cause: str
    steps: list = field(default_factory=list)
    invalid: list = field(default_factory=list)
    marks: list = field(default_factory=list)


class PaycallClient(ProviderClient):
    provider_name = "Paycall"

    def __init__(self, account: ProviderAccount, **kwargs: Any) -> None:
        super().__init__(account, **kwargs)
        credentials = self.credentials
        self.session.headers["Authorization"] = basic_auth_header(
            credentials.get("username", ""), credentials.get("password", "")
        )

    # -- answers ----------------------------------------------------------------
    def error_from(self, response: requests.Response) -> ProviderError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        name = body.get("error") if isinstance(body, dict) else None
        if name is None:
            name = "SERVER_ERROR" if response.status_code >= 500 else "INVALID_REQUEST"
            if response.status_code == 401:
                name = "AUTHENTICATION_FAILED"
            elif response.status_code == 503:
                name = "SERVICE_UNAVAILABLE"
        kind = PAYCALL_ERRORS.get(name)
        detail = body.get("message", "") if isinstance(body, dict) else ""
        if kind is None:
            return ProviderError(
                name,
                name,
                f"Paycall answered {name}: {detail or 'no explanation given'}.",
                retryable=response.status_code >= 500,
                http_status=response.status_code,
            )
        return ProviderError(
            name,
            kind.name,
            kind.message,
            retryable=kind.retryable or response.status_code >= 500,
            scope=kind.scope,
            http_status=response.status_code,
            detail=detail,
        )

    def _json(self, response: requests.Response) -> dict:
        if response.status_code >= 300:
            raise self.error_from(response)
        try:
            return response.json()
        except ValueError:
            raise ProviderError(
                "INVALID_ANSWER",
                "INVALID_ANSWER",
                "Paycall answered something that is not JSON.",
                retryable=True,
                http_status=response.status_code,
            ) from None

    # -- the interface ------------------------------------------------------------
    def send(self, request: OutboundRequest) -> SendResult:
        """POST a dialer or simple dialer request a builder made."""
        response = self.post(request)
        payload = request.json()
        client_ref = str(payload.get("number") or payload.get("leg_a") or payload.get("unique_id"))
        try:
            body = self._json(response)
        except ProviderError as error:
            if error.scope == "call":
                return SendResult(rejected=[CallOutcome(client_ref, error=error)], code=error.code)
            raise
        unique_id = body.get("unique_id") or payload.get("unique_id", "")
        return SendResult(
            accepted=[CallOutcome(client_ref, provider_ref=unique_id)],
            request_id=unique_id,
            code=body.get("status", ""),
            message=body.get("message", ""),
        )

    def place_calls(self, request: OutboundRequest) -> SendResult:
        """Paycall places a dialer's call only once it is started: dialer, then start.

        Both steps are idempotent by unique_id, so a replay resumes where the first try
        stopped; only when Paycall had both already is the call a duplicate there.
        """
        payload = request.json()
        unique_id = payload["unique_id"]
        duplicate_error = None
        try:
            result = self.send(request)
        except ProviderError as error:
            if error.name != "DUPLICATE_UNIQUE_ID":
                raise
            duplicate_error = error
            result = SendResult(
                accepted=[CallOutcome(payload.get("number", ""), unique_id)], request_id=unique_id
            )
        if result.rejected:
            return result
        try:
            self.start_campaign(unique_id)
        except ProviderError as error:
            if error.name != "ALREADY_STARTED":
                raise
            if duplicate_error is not None:
                raise duplicate_error from None
        return result

    def upload_recordings(self, files: list[Upload]) -> dict:
        response = self.request(
            "POST",
            f"{API_PREFIX}/upload",
            files=[("recs[]", (f.name, f.content, f.content_type)) for f in files],
        )
        return self._json(response)

    def upload_phone_list(self, unique_id: str, file: Upload) -> dict:
        response = self.request(
            "POST",
            f"{API_PREFIX}/upload_phones/{quote(unique_id, safe='')}",
            files={"numbers": (file.name, file.content, file.content_type)},
        )
        return self._json(response)

    def start_campaign(self, unique_id: str) -> dict:
        response = self.request("POST", f"{API_PREFIX}/start_campaign/{quote(unique_id, safe='')}")
        return self._json(response)

    def fetch_cdrs(self, unique_id: str, phone_number: str | None = None) -> list[Cdr]:
        path = f"{API_PREFIX}/cdr_by_campaign/{quote(unique_id, safe='')}"
        if phone_number is not None:
            path = (
                f"{API_PREFIX}/cdr_by_number/{quote(unique_id, safe='')}/"
                f"{quote(phone_number, safe='')}"
            )
        response = self.request("GET", path)
        if response.status_code >= 300:
            raise self.error_from(response)
        try:
            return parse_paycall_cdr_csv(response.content)
        except CdrFormatError as exc:
            raise ProviderError(
                "INVALID_ANSWER", "INVALID_ANSWER", f"Paycall's CDR file cannot be read: {exc}"
            ) from None

    def parse_callback(self, body: bytes, headers: Mapping[str, str] | None = None) -> StepsReport:
        """The steps report Paycall POSTs to return_address."""
        try:
            data = json.loads(body)
            return StepsReport(
                unique_id=data["unique_id"],
                phone_number=data.get("phone_number", ""),
                hangup_cause=data.get("hangup_cause", ""),
                steps=list(data.get("steps") or []),
                invalid=list(data.get("invalid") or []),
                marks=list(data.get("marks") or []),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                "CALLBACK", "INVALID_CALLBACK", f"Not a Paycall steps report ({exc})."
            ) from None

    def test_connection(self) -> ConnectionReport:
        probe = f"connection-test-{secrets.token_hex(8)}"
        try:
            self.fetch_cdrs(probe)
        except ProviderError as error:
            if error.code == "CAMPAIGN_NOT_FOUND":
                return ConnectionReport(
                    True, "Connected: Paycall accepted the user name and password."
                )
            # Our words for each known error, never the answer's message (error.detail).
            known = {name: kind.message for name, kind in PAYCALL_ERRORS.items()}
            return ConnectionReport(False, connection_failure_words("Paycall", error, known))
        return ConnectionReport(True, "Connected: Paycall accepted the user name and password.")

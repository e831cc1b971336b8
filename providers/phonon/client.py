"""Phonon outbound dialer: `outbounddialer/create` (plain) and `enc/outbound/create`.

Phonon answers with `api-response-code`; all 22 codes of its table are below. The
flow's security-id and the api-version come from the account, so compiled requests
carry no secret until the moment they are sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import requests

from providers.base import (
    CallOutcome,
    ConnectionReport,
    OutboundRequest,
    ProviderClient,
    ProviderError,
    Scope,
    SendResult,
    connection_failure_words,
    encode_json,
)
from providers.phonon.builder import ENCRYPTED_PATH, MAX_CALLS_PER_REQUEST, PLAIN_PATH, is_flow_id
from providers.phonon.encryption import EnvelopeError, encrypt_envelope


@dataclass(frozen=True)
class PhononCode:
    code: int
    message: str
    name: str
    plain_words: str
    retryable: bool = False
    scope: Scope = "request"


PHONON_CODES: dict[int, PhononCode] = {
    c.code: c
    for c in (
        PhononCode(400, "Invalid Format", "INVALID_FORMAT", "Phonon could not read the request."),
        PhononCode(
            201,
            "Checksum Repeated",
            "CHECKSUM_REPEATED",
            "Phonon already received this exact request; change at least one parameter "
            "(start time, client-identifier) to send it again.",
        ),
        PhononCode(302, "Empty Call List", "EMPTY_CALL_LIST", "The request has no calls."),
        PhononCode(500, "Failure", "FAILURE", "Phonon failed; try again later.", retryable=True),
        PhononCode(301, "Invalid Flow ID", "INVALID_FLOW_ID", "Phonon does not know this flow-id."),
        PhononCode(
            401,
            "IP Not Whitelisted",
            "IP_NOT_WHITELISTED",
            "This server's IP address is not in the account's whitelist at Phonon.",
        ),
        PhononCode(
            402,
            "Phone Not Whitelisted",
            "PHONE_NOT_WHITELISTED",
            "In TEST mode Phonon only calls whitelisted phones; this one is not.",
            scope="call",
        ),
        PhononCode(
            202,
            "Invalid Security ID",
            "INVALID_SECURITY_ID",
            "The security-id does not match the flow; copy it from the flow's Edit page.",
        ),
        PhononCode(200, "Success", "SUCCESS", "Every call was accepted."),
        PhononCode(
            203,
            "API Version not Supported",
            "INVALID_API_VERSION",
            "The api-version must be 1.0 or TEST.",
        ),
        PhononCode(
            204, "Invalid SMS Gateway", "INVALID_GATEWAY_ID", "The flow's gateway is not valid."
        ),
        PhononCode(
            205,
            "Invalid Contact Number",
            "INVALID_CONTACT_NUMBER",
            "The contact number is not a valid phone number.",
            scope="call",
        ),
        PhononCode(
            206,
            "Failure from Gateway",
            "FAILURE_FROM_GATEWAY",
            "Phonon's gateway failed; try again later.",
            retryable=True,
        ),
        PhononCode(
            207, "DID Not Mapped", "DID_NOT_MAPPED", "No caller number (DID) is mapped to the flow."
        ),
        PhononCode(
            208,
            "No Mask Available",
            "NO_MASK_AVAILABLE",
            "No caller-number mask is free right now; try again later.",
            retryable=True,
        ),
        PhononCode(
            209,
            "Partial Success",
            "PARTIAL_SUCCESS",
            "Some calls were accepted and some were refused.",
        ),
        PhononCode(
            210,
            "Invalid Mandatory Parameters",
            "INVALID_MANDATORY_PARAMETERS",
            "A call lacks a mandatory field (client-identifier, start-time, contact-numbers) "
            "or has a start date in the past.",
            scope="call",
        ),
        PhononCode(
            303,
            "Max Data List Size Exceeded",
            "MAX_DATA_LIST_SIZE_EXCEEDED",
            f"A request may carry at most {MAX_CALLS_PER_REQUEST} calls.",
        ),
        PhononCode(
            211, "Validity Expired", "VALIDITY_EXPIRED", "The Phonon account's validity expired."
        ),
        PhononCode(
            212,
            "Insufficient Balance",
            "INSUFFICIENT_BALANCE",
            "The Phonon account has no balance left for these calls.",
        ),
        PhononCode(
            304,
            "Invalid Flow Version",
            "INVALID_FLOW_VERSION",
            "The flow has no version for this api-version (publish it, or use TEST).",
        ),
        PhononCode(
            213,
            "No Data Available",
            "NO_DATA_AVAILABLE",
            "A call lacks the value of a flow variable ($flow.key.…) the flow needs.",
            scope="call",
        ),
    )
}
SUCCESS_CODES = (200, 209)


def phonon_error(code: int, message: str = "", *, http_status: int | None = None) -> ProviderError:
    known = PHONON_CODES.get(code)
    if known is None:
        return ProviderError(
            str(code),
            "UNKNOWN",
            f"Phonon answered code {code}: {message or 'no message'}.",
            retryable=code >= 500,
            http_status=http_status,
        )
    return ProviderError(
        str(code),
        known.name,
        known.plain_words,
        retryable=known.retryable,
        scope=known.scope,
        http_status=http_status,
        detail=message,
    )


def security_id_for(credentials: dict, flow_id: str) -> str | None:
    """An account keeps one security-id per flow-id (each flow's Edit Flow page)."""
    return (credentials.get("security_ids") or {}).get(flow_id)


def flow_id_problems(credentials: dict, flow_id: str) -> list[str]:
    if not is_flow_id(flow_id):
        return ["Phonon needs the 8-letter flow-id from the flow's Edit Flow page."]
    if not security_id_for(credentials, flow_id):
        return [f"The account has no security-id for flow {flow_id}; add it to the account."]
    return []


class PhononClient(ProviderClient):
    provider_name = "Phonon"

    def with_secrets(self, request: OutboundRequest) -> dict:
        """The create request with the flow's security-id in place of its mask."""
        data = request.json()
        security_id = security_id_for(self.credentials, data.get("flow-id", ""))
        if security_id:
            data["security-id"] = security_id
        return data

    def wire_body(self, request: OutboundRequest) -> bytes:
        return encode_json(self.with_secrets(request)).encode("utf-8")

    def send(self, request: OutboundRequest) -> SendResult:
        response = self.post(request)
        return self.result_from(response, request.json())

    def result_from(self, response: requests.Response, request: dict) -> SendResult:
        try:
            answer = response.json()
            code = int(answer["api-response-code"])
        except (ValueError, KeyError, TypeError):
            raise ProviderError(
                "INVALID_ANSWER",
                "INVALID_ANSWER",
                f"Phonon answered HTTP {response.status_code} without an api-response-code.",
                retryable=response.status_code >= 500,
                http_status=response.status_code,
            ) from None
        message = answer.get("api-response-message", "")
        failed = answer.get("failed-calls") or []
        rejected = [
            CallOutcome(
                str(item.get("client-identifier", "")),
                error=phonon_error(
                    int(item.get("api-response-code", code)),
                    item.get("api-response-message", ""),
                    http_status=response.status_code,
                ),
            )
            for item in failed
        ]
        if code in SUCCESS_CODES:
            accepted = [
                CallOutcome(str(item.get("client-identifier", "")), str(item.get("phonon-uuid")))
                for item in answer.get("call-details") or []
            ]
            return SendResult(accepted, rejected, answer.get("request-id", ""), str(code), message)
        error = phonon_error(code, message, http_status=response.status_code)
        if error.scope != "call":
            raise error
        if not rejected:
            rejected = [
                CallOutcome(str(call.get("client-identifier", "")), error=error)
                for call in request.get("calls") or []
            ]
        return SendResult([], rejected, answer.get("request-id", ""), str(code), message)

    def test_connection(self) -> ConnectionReport:
        bindings = self.credentials.get("security_ids") or {}
        if not bindings:
            return ConnectionReport(False, "No flow-id with its security-id is stored yet.")
        lines, ok = [], True
        for flow_id in bindings:
            probe = {"api-version": self.account.api_version, "flow-id": flow_id, "calls": []}
            try:
                self.send(OutboundRequest(PLAIN_PATH, encode_json(probe)))
                lines.append(f"Flow {flow_id}: Phonon accepted an empty request (unexpected).")
            except ProviderError as error:
                if error.name == "EMPTY_CALL_LIST":
                    lines.append(
                        f"Flow {flow_id}: connected; the IP address, flow-id and security-id "
                        "are accepted."
                    )
                else:
                    ok = False
                    # Our words for the code, never the answer's message (UNKNOWN quotes it).
                    known = {code.name: code.plain_words for code in PHONON_CODES.values()}
                    known["ENCRYPTION_FAILED"] = error.message
                    words = connection_failure_words("Phonon", error, known)
                    lines.append(f"Flow {flow_id}: {words}")
        return ConnectionReport(ok, " ".join(lines))


class PhononEncryptedClient(PhononClient):
    """The same request, sent as the encrypted API's envelope to its own path."""

    def post(self, request: OutboundRequest, **kwargs: Any) -> requests.Response:
        return super().post(replace(request, path=ENCRYPTED_PATH), **kwargs)

    def wire_body(self, request: OutboundRequest) -> bytes:
        public_key = self.credentials.get("public_key_pem", "")
        try:
            envelope = encrypt_envelope(
                self.with_secrets(request),
                public_key_pem=public_key,
                scheme=self.account.encryption_scheme,
            )
        except EnvelopeError as exc:
            raise ProviderError("ENCRYPTION", "ENCRYPTION_FAILED", str(exc)) from None
        return encode_json(envelope).encode("utf-8")

"""The iovox client against the emulator: 201, every error string of the table.

The document's example and the product builder's requests go through the client;
requests no builder would write go raw, through the client or straight over HTTP."""

import datetime as dt

import pytest

from flows.canonical import normalize
from flows.schemas import validate_iovox_xml
from providers import OutboundRequest, ProviderError, get_client
from providers.base import XML
from providers.building import Contact
from providers.iovox.builder import INITIATE_CALL_PATH, REFERENCE_VARIABLE
from providers.iovox.client import IOVOX_ERRORS
from sandbox.models import IovoxLink, LedgerCall
from tests.integration.providers.sandbox_setup import (
    FLOW,
    build_calls,
    fixture_bytes,
    raw_request,
)

pytestmark = pytest.mark.django_db(transaction=True)
CALL = Contact(number="+449789123123", dtmf_originator="WWWW1WWWW2", reference="call-1")


def iovox_xml(
    destination: str = "449789123123,,1,,2", link_id: str = "link123", **variables
) -> bytes:
    """A hand-written initiateCall body, for the answers to what no builder writes."""
    extra = "".join(f"<{name}>{value}</{name}>" for name, value in variables.items())
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<request>'
        f"<link_id>{link_id}</link_id><call_variables>"
        f"<call_destination>{destination}</call_destination>{extra}"
        "</call_variables></request>"
    ).encode()


def raw(xml: bytes) -> OutboundRequest:
    return raw_request(INITIATE_CALL_PATH, xml.decode("utf-8"), XML)


def test_the_documents_payload_is_valid_and_accepted_with_201(iovox):
    _, account = iovox
    payload = fixture_bytes("iovox", "initiate_call.xml")
    assert validate_iovox_xml(payload) == []
    result = get_client(account).send(raw(payload))
    (outcome,) = result.accepted
    assert result.code == "201" and outcome.client_ref == "449789123123,,1,,2"
    call = LedgerCall.objects.get()
    assert call.call_id == outcome.provider_ref
    assert call.number == "449789123123" and call.variables["keypresses"] == ",1,,2"
    assert call.variables["my_custom_var"] == "Bob" and call.variables["delay"] == "30"


def test_requests_sent_validate_against_the_xsd(iovox):
    _, account = iovox
    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    requests_ = [
        build_calls(account, [Contact(number="449789123123")], now=now),
        build_calls(account, [CALL], now=now, due=now + dt.timedelta(minutes=30)),
    ]
    for request in requests_:
        assert request.path == INITIATE_CALL_PATH
        assert validate_iovox_xml(request.body.encode("utf-8")) == []
    assert f"<{REFERENCE_VARIABLE}>call-1</{REFERENCE_VARIABLE}>" in requests_[1].body
    assert "<delay>30</delay>" in requests_[1].body


def test_a_built_request_is_accepted_as_the_document_describes(iovox):
    _, account = iovox
    result = get_client(account).send(build_calls(account, [CALL]))
    (outcome,) = result.accepted
    assert result.code == "201" and outcome.client_ref == "449789123123,,1,,2"
    call = LedgerCall.objects.get()
    assert call.call_id == outcome.provider_ref
    assert call.number == "449789123123" and call.variables["keypresses"] == ",1,,2"
    assert call.variables[REFERENCE_VARIABLE] == "call-1"
    assert call.variables["Name"] == "Ankit Parihar"


def post(client, body=b"", method="POST", params=None):
    """Straight over HTTP, for what the client never sends (no v, GET, no body)."""
    response = client.request(
        method,
        "/Calling",
        params={"v": "3", "method": "initiateCall"} if params is None else params,
        data=body,
    )
    return response


ERRORS = {
    "API_VERSION_EMPTY": lambda c: post(c, iovox_xml(), params={"method": "initiateCall"}),
    "API_VERSION_INVALID": lambda c: post(
        c, iovox_xml(), params={"v": "2", "method": "initiateCall"}
    ),
    "METHOD_NOT_POST": lambda c: post(c, method="GET"),
    "XML_EMPTY": lambda c: post(c, b"  "),
    "XML_PARSE_ERROR": lambda c: post(c, b"<request>\n<link_id>x</request>"),
    "REQUEST_EMPTY": lambda c: post(c, b"<request/>"),
    "LINK_ID_EMPTY": lambda c: post(c, iovox_xml(link_id="")),
    "LINK_ID_NOT_FOUND": lambda c: post(c, iovox_xml(link_id="nope")),
    "LINK_ID_NO_CALLING_RULES": "no_rules",
    "CALL_VARIABLE_EMPTY": lambda c: post(c, iovox_xml(link_id="link-vars")),
    "CALL_LIMIT_EXCEEDED": "limit",
    "INTERNAL_SERVER_ERROR": "error_rates",
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_every_documented_error_string(iovox, name):
    sandbox, account = iovox
    client = get_client(account)
    action = ERRORS[name]
    if action == "no_rules":
        IovoxLink.objects.filter(link_id="link123").update(has_calling_rules=False)
    elif action == "limit":
        sandbox.calls_per_minute = 2
    elif action == "error_rates":
        sandbox.error_rates = {"500": 1}
    sandbox.save()
    if isinstance(action, str):
        if action == "limit":
            client.send(build_calls(account, [CALL]))
            client.send(build_calls(account, [CALL]))
        try:
            result = client.send(build_calls(account, [CALL]))
        except ProviderError as error:
            found = error
        else:
            found = result.rejected[0].error
    else:
        from providers.iovox.client import error_string_of, iovox_error

        response = action(client)
        found = iovox_error(response.status_code, error_string_of(response.content))
    assert found.name == name
    assert found.http_status == (500 if name == "INTERNAL_SERVER_ERROR" else 400)
    assert found.retryable == (name in ("CALL_LIMIT_EXCEEDED", "INTERNAL_SERVER_ERROR"))
    assert found.scope == ("call" if name == "CALL_VARIABLE_EMPTY" else "request")


def test_every_row_of_the_error_table_is_exercised():
    assert set(ERRORS) == {error.name for error in IOVOX_ERRORS}


def test_parse_error_names_line_and_column(iovox):
    _, account = iovox
    client = get_client(account)
    with pytest.raises(ProviderError) as caught:
        client.send(raw(b"<request>\n<link_id>x</request>"))
    assert caught.value.name == "XML_PARSE_ERROR"
    assert "at line 2, column" in caught.value.message


def test_missing_call_variable_rejects_the_call_with_its_name(iovox):
    _, account = iovox
    client = get_client(account)
    result = client.send(build_calls(account, [CALL], flow_at_provider="link-vars"))
    assert result.rejected[0].error.message == "The call variable my_custom_var needs a value."
    with_it = normalize({**FLOW, "variables": [{"name": "my_custom_var"}]})
    contact = Contact(number=CALL.number, variables={"my_custom_var": "Bob"})
    request = build_calls(account, [contact], definition=with_it, flow_at_provider="link-vars")
    assert client.send(request).accepted


def test_credentials_travel_as_headers_and_are_checked(iovox):
    _, account = iovox
    assert get_client(account).test_connection().ok
    account.credentials = {"username": "acme", "secure_key": "wrong"}
    with pytest.raises(ProviderError) as caught:
        get_client(account).send(build_calls(account, [CALL]))
    assert caught.value.name == "AUTHENTICATION_FAILED"
    assert not get_client(account).test_connection().ok


def test_addresses_outside_the_whitelist_are_refused(iovox):
    sandbox, account = iovox
    sandbox.ip_whitelist = ["10.1.1.1"]
    sandbox.save()
    with pytest.raises(ProviderError) as caught:
        get_client(account).send(build_calls(account, [CALL]))
    assert caught.value.name == "IP_NOT_ALLOWED" and caught.value.http_status == 403

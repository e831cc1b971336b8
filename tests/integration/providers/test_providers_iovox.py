"""The iovox client against the emulator: 201, every error string of the table."""

import pytest

from flows.schemas import validate_iovox_xml
from providers import ProviderError, get_client
from providers.iovox.client import INITIATE_CALL_PATH, IOVOX_ERRORS
from sandbox.models import IovoxLink, LedgerCall
from tests.integration.providers.sandbox_setup import fixture_bytes, iovox_xml

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_documents_payload_is_valid_and_accepted_with_201(iovox):
    _, account = iovox
    payload = fixture_bytes("iovox", "initiate_call.xml")
    assert validate_iovox_xml(payload) == []
    result = get_client(account).send_calls(payload)
    (outcome,) = result.accepted
    assert result.code == "201" and outcome.client_ref == "449789123123,,1,,2"
    call = LedgerCall.objects.get()
    assert call.call_id == outcome.provider_ref
    assert call.number == "449789123123" and call.variables["keypresses"] == ",1,,2"
    assert call.variables["my_custom_var"] == "Bob" and call.variables["delay"] == "30"


def test_requests_sent_validate_against_the_xsd():
    for payload in (iovox_xml(), iovox_xml("449789123123,1", my_custom_var="Bob", delay="30")):
        assert validate_iovox_xml(payload) == []


def post(client, body=b"", method="POST", params=None):
    response = client.request(
        method,
        INITIATE_CALL_PATH,
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
            client.send_calls(iovox_xml())
            client.send_calls(iovox_xml())
        try:
            result = client.send_calls(iovox_xml(link_id="link123"))
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
        client.send_calls(b"<request>\n<link_id>x</request>")
    assert caught.value.name == "XML_PARSE_ERROR"
    assert "at line 2, column" in caught.value.message


def test_missing_call_variable_rejects_the_call_with_its_name(iovox):
    _, account = iovox
    result = get_client(account).send_calls(iovox_xml(link_id="link-vars"))
    assert result.rejected[0].error.message == "The call variable my_custom_var needs a value."
    assert (
        get_client(account).send_calls(iovox_xml(link_id="link-vars", my_custom_var="Bob")).accepted
    )


def test_credentials_travel_as_headers_and_are_checked(iovox):
    _, account = iovox
    assert get_client(account).test_connection().ok
    account.credentials = {"username": "acme", "secure_key": "wrong"}
    with pytest.raises(ProviderError) as caught:
        get_client(account).send_calls(iovox_xml())
    assert caught.value.name == "AUTHENTICATION_FAILED"
    assert not get_client(account).test_connection().ok


def test_addresses_outside_the_whitelist_are_refused(iovox):
    sandbox, account = iovox
    sandbox.ip_whitelist = ["10.1.1.1"]
    sandbox.save()
    with pytest.raises(ProviderError) as caught:
        get_client(account).send_calls(iovox_xml())
    assert caught.value.name == "IP_NOT_ALLOWED" and caught.value.http_status == 403

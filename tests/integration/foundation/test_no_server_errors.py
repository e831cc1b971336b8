"""Inputs that used to answer 500, each now a plain 4xx (or a 503 for the database)."""

import json
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign, ProviderAccount
from dialer_site.converters import MAX_ID_DIGITS
from dialer_site.jsonlimits import MAX_JSON_DEPTH, json_depth_exceeds
from dialer_site.middleware import RETRY_AFTER_SECONDS
from dialer_site.pagination import MAX_PAGE_SIZE
from flows.models import Flow, FlowVersion
from phonelists.models import DoNotCall
from providers.phonon.encryption import (
    EnvelopeError,
    decrypt_envelope,
    encrypt_envelope,
    generate_key_pair,
)
from tests.conftest import PASSWORD

HUGE = "9" * 30
DEEP_JSON = "[" * 100_000
# The list endpoints with a row (an empty list never reaches the query's LIMIT).
LIST_ENDPOINTS = ["/api/flows/", "/api/do-not-call/", "/api/provider-accounts/", "/api/campaigns/"]


@pytest.fixture
def flow(db):
    return Flow.objects.create(name="Reminder")


@pytest.fixture
def account_in_use(flow):
    account = ProviderAccount.objects.create(
        kind="paycall", name="Paycall main", base_url="https://paycall.example.com"
    )
    version = FlowVersion.objects.create(flow=flow, number=1, definition={})
    Campaign.objects.create(
        name="Spring reminders", flow_version=version, account=account, mode="paycall_dialer"
    )
    return account


# -- pagination ----------------------------------------------------------------------
@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_a_huge_limit_is_served_as_the_largest_page(admin_client_role, account_in_use, path):
    DoNotCall.objects.create(number="+972501234567")
    response = admin_client_role.get(path, {"limit": HUGE})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    assert admin_client_role.get(path, {"limit": HUGE, "offset": HUGE}).status_code == 200


def test_the_largest_page_is_a_named_limit(admin_client_role):
    for number in range(MAX_PAGE_SIZE + 1):
        admin_client_role.post(
            "/api/do-not-call/",
            {"numbers": [f"+9725{number:08d}"], "default_country": "IL"},
            content_type="application/json",
        )
    body = admin_client_role.get("/api/do-not-call/", {"limit": HUGE}).json()
    assert body["count"] == MAX_PAGE_SIZE + 1
    assert len(body["results"]) == MAX_PAGE_SIZE


# -- ids in paths --------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        f"/api/flows/{HUGE}/",
        f"/api/flows/{HUGE}/variables/",
        f"/api/flows/1/variables/{HUGE}/",
        f"/api/flows/1/versions/{HUGE}/",
        f"/api/campaigns/1/calls/{HUGE}/",
        f"/api/provider-accounts/{HUGE}/",
        f"/api/phonelists/{HUGE}/contacts/",
        f"/flows/{HUGE}/",
        f"/flows/1/steps/{HUGE}/",
        f"/campaigns/{HUGE}/calls/1/",
        f"/phonelists/{HUGE}/",
    ],
)
def test_a_huge_id_in_a_path_is_not_found(admin_client_role, flow, path):
    response = admin_client_role.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        # A path no route matches answers JSON too, like the API's views.
        assert "detail" in response.json()


def test_the_longest_id_still_reaches_the_view(admin_client_role):
    largest = "9" * MAX_ID_DIGITS
    assert int(largest) < 2**63
    response = admin_client_role.get(f"/api/flows/{largest}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Flow matches the given query."}


# -- a provider account a campaign uses ----------------------------------------------
def test_deleting_an_account_in_use_over_the_api_is_a_conflict(admin_client_role, account_in_use):
    response = admin_client_role.delete(f"/api/provider-accounts/{account_in_use.pk}/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": 'It cannot be deleted: the campaign "Spring reminders" uses it.'
    }
    assert ProviderAccount.objects.filter(pk=account_in_use.pk).exists()


def test_deleting_an_account_in_use_on_the_page_says_why(admin_client_role, account_in_use):
    url = reverse("campaigns:account-delete", args=[account_in_use.pk])
    response = admin_client_role.post(url)
    assert response.status_code == 409
    assert "It cannot be deleted: the campaign &quot;Spring reminders&quot; uses it." in (
        response.content.decode()
    )
    assert ProviderAccount.objects.filter(pk=account_in_use.pk).exists()


# -- deeply nested JSON --------------------------------------------------------------
def test_the_depth_limit_is_named_and_exact():
    assert not json_depth_exceeds("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert json_depth_exceeds("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    # Brackets inside strings, escaped quotes included, are text.
    assert not json_depth_exceeds(json.dumps(["[" * 1000 + '"' + "{" * 1000]))


def test_deep_json_to_validate_is_refused(admin_client_role, flow):
    response = admin_client_role.post(
        f"/api/flows/{flow.pk}/validate/", DEEP_JSON, content_type="application/json"
    )
    assert response.status_code == 400
    assert str(MAX_JSON_DEPTH) in response.json()["detail"]


def test_deep_json_to_import_is_refused_as_body_and_as_file(admin_client_role):
    response = admin_client_role.post(
        "/api/flows/import/", DEEP_JSON, content_type="application/json"
    )
    assert response.status_code == 400
    upload = SimpleUploadedFile("deep.json", DEEP_JSON.encode(), "application/json")
    response = admin_client_role.post("/api/flows/import/", {"file": upload})
    assert response.status_code == 400
    assert str(MAX_JSON_DEPTH) in response.json()["file"][0]


def test_deep_json_in_the_pages_is_refused_in_plain_words(admin_client_role, flow):
    upload = SimpleUploadedFile("deep.json", DEEP_JSON.encode(), "application/json")
    page = admin_client_role.post("/flows/import/", {"import-file": upload})
    assert page.status_code < 500
    assert f"nested more than {MAX_JSON_DEPTH} levels" in page.content.decode()
    simulator = admin_client_role.get(f"/flows/{flow.pk}/simulator/", {"inputs": DEEP_JSON})
    assert simulator.status_code == 200


def test_a_deep_json_inside_a_phonon_envelope_is_refused():
    private, public = generate_key_pair(2048)
    # The envelope's own JSON is shallow; what it seals is not.
    plaintext = DEEP_JSON.encode()
    with mock.patch("providers.phonon.encryption.encode_json", return_value=DEEP_JSON):
        envelope = encrypt_envelope({"flow-id": "F"}, public_key_pem=public)
    with pytest.raises(EnvelopeError, match="not JSON"):
        decrypt_envelope(envelope, private_key_pem=private)
    assert json_depth_exceeds(plaintext)


def test_deep_json_to_the_paycall_webhook_is_refused(account_in_use):
    campaign = Campaign.objects.get()
    url = reverse("webhooks:paycall-steps", args=[campaign.key, campaign.webhook_token])
    response = Client().post(url, DEEP_JSON, content_type="application/json")
    assert response.status_code == 400
    assert str(MAX_JSON_DEPTH) in response.json()["error"]


@pytest.mark.parametrize("name", ["sandbox:phonon-create", "sandbox:phonon-enc-create"])
def test_deep_json_to_the_phonon_sandbox_without_login_is_refused(db, name):
    response = Client().post(reverse(name), DEEP_JSON, content_type="application/json")
    assert response.status_code < 500
    assert response.json()["api-response-code"] == 400


# -- the database down or read-only --------------------------------------------------
@pytest.fixture
def read_only_database(db):
    # Inside a savepoint: rolling it back makes PostgreSQL's transaction writable again
    # for the test's own teardown.
    savepoint = transaction.savepoint()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET TRANSACTION READ ONLY")
    yield
    transaction.savepoint_rollback(savepoint)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")


def test_signing_in_to_a_read_only_database_is_a_503(admin_user, read_only_database):
    response = Client().post(
        reverse("login"), {"username": admin_user.username, "password": PASSWORD}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "The database cannot be reached or is read-only right now" in response.content.decode()


def test_an_unreachable_database_is_a_503_on_pages_and_the_api(admin_client_role):
    unreachable = OperationalError("connection refused")
    # The signed-in user is looked up in middleware, before any view.
    admin_client_role.raise_request_exception = False
    with mock.patch.object(connection, "ensure_connection", side_effect=unreachable):
        page = admin_client_role.get("/")
        api = admin_client_role.get("/api/flows/")
    assert page.status_code == 503
    assert "<p>The database cannot be reached" in page.content.decode()
    assert api.status_code == 503
    assert api.json()["detail"].startswith("The database cannot be reached")


def test_a_bug_in_a_query_is_still_a_500(admin_client_role):
    admin_client_role.raise_request_exception = False
    with mock.patch.object(
        connection, "ensure_connection", side_effect=IntegrityError("datatype mismatch")
    ):
        assert admin_client_role.get("/").status_code == 500

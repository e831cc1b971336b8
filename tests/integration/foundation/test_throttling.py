"""Sign-in lock-outs (django-axes) and request rates (DRF throttles) on the API and on
the provider accounts' connection test."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from campaigns.models import ProviderAccount
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCKED = "Sign-in is locked for 15 minutes"
API = "/api/flows/"
HERE = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


def sign_in(client: Client, username: str, password: str, address: str = HERE):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def lock_out(username: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), username, "wrong password")


def test_the_lockout_limits_are_the_documented_defaults():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_five_wrong_passwords_then_the_right_one_is_refused_with_a_plain_message(admin_user):
    client = Client()
    for _ in range(4):
        response = sign_in(client, "ada", "wrong password")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    assert sign_in(client, "ada", "wrong password").status_code == 429

    response = sign_in(client, "ada", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in page and "ask an administrator to unlock it" in page
    assert '<form method="post"' in page and 'value="ada"' in page  # the login page itself
    assert response["Retry-After"] == "900"
    assert not signed_in(client)


def test_another_user_at_that_address_and_that_user_elsewhere_still_sign_in(admin_user, viewer):
    lock_out("ada")
    assert sign_in(Client(), "ada", PASSWORD).status_code == 429

    other_user = Client()
    assert sign_in(other_user, "viv", PASSWORD).status_code == 302
    assert signed_in(other_user)
    other_address = Client()
    assert sign_in(other_address, "ada", PASSWORD, address=ELSEWHERE).status_code == 302
    assert signed_in(other_address)


def test_an_admin_unlocks_by_deleting_the_attempts_in_the_django_admin(admin_user, viewer):
    lock_out("viv")
    attempt = AccessAttempt.objects.get(username="viv")
    admin = Client()
    admin.force_login(admin_user)
    deleted = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302 and not AccessAttempt.objects.exists()

    client = Client()
    assert sign_in(client, "viv", PASSWORD).status_code == 302 and signed_in(client)


def test_an_admin_unlocks_with_the_management_command(viewer):
    lock_out("viv")
    call_command("axes_reset_username", "viv")
    client = Client()
    assert sign_in(client, "viv", PASSWORD).status_code == 302 and signed_in(client)


def test_test_clients_sign_in_directly(viewer):
    forced = Client()
    forced.force_login(viewer)
    assert forced.get("/").status_code == 200
    # The lock-out backend needs the request it judges; the test client has none.
    logged_in = Client()
    request = RequestFactory().post(LOGIN)
    assert logged_in.login(request=request, username="viv", password=PASSWORD)
    assert logged_in.get("/").status_code == 200


def token_client(key: str, address: str = HERE) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=address)


def test_a_bad_or_missing_token_answers_401_with_www_authenticate():
    for client in (token_client("not-a-key"), Client()):
        response = client.get(API)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["detail"]


def test_a_session_still_reads_the_api_and_its_docs(viewer_client):
    assert viewer_client.get(API).status_code == 200
    assert viewer_client.get("/api/docs/").status_code == 200
    assert viewer_client.get("/api/schema/").status_code == 200


def test_repeated_bad_tokens_get_429_for_any_token_from_that_address(settings, viewer):
    settings.API_TOKEN_FAILURE_RATE = "3/minute"
    good = Token.objects.create(user=viewer).key
    assert token_client(good).get(API).status_code == 200
    for _ in range(3):
        assert token_client("guessed-key").get(API).status_code == 401

    refused = token_client("guessed-key").get(API)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"]
    assert token_client(good).get(API).status_code == 429
    assert token_client(good, address=ELSEWHERE).get(API).status_code == 200


def test_signed_in_callers_are_throttled_per_user(settings, viewer_client, designer_client):
    settings.API_USER_RATE = "2/minute"
    assert [viewer_client.get(API).status_code for _ in range(3)] == [200, 200, 429]
    assert designer_client.get(API).status_code == 200


@pytest.fixture
def account(db):
    """An account without credentials: its test answers at once, without a provider."""
    return ProviderAccount.objects.create(kind="paycall", name="Paycall main")


def test_the_api_connection_test_gets_429_after_its_limit(settings, admin_client_role, account):
    settings.TEST_CONNECTION_RATE = "2/minute"
    url = f"/api/provider-accounts/{account.pk}/test-connection/"
    for _ in range(2):
        assert admin_client_role.post(url).status_code == 200
    refused = admin_client_role.post(url)
    assert refused.status_code == 429
    assert refused["Retry-After"].isdigit()
    assert refused.json()["detail"]
    assert admin_client_role.get(f"/api/provider-accounts/{account.pk}/").status_code == 200


def test_the_page_connection_test_gets_429_after_its_limit(settings, admin_client_role, account):
    settings.TEST_CONNECTION_RATE = "2/minute"
    url = reverse("campaigns:account-test", args=[account.pk])
    for _ in range(2):
        assert admin_client_role.post(url, HTTP_HX_REQUEST="true").status_code == 200
    refused = admin_client_role.post(url, HTTP_HX_REQUEST="true")
    assert refused.status_code == 429
    assert refused["Retry-After"].isdigit()
    assert refused["HX-Refresh"] == "true"  # the reloaded page shows the message
    page = admin_client_role.get(reverse("campaigns:account-list")).content.decode()
    assert "Too many requests. Try again in" in page
    # The page and the API share one count per user.
    api = admin_client_role.post(f"/api/provider-accounts/{account.pk}/test-connection/")
    assert api.status_code == 429

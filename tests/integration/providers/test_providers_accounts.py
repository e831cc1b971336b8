"""Provider account pages and API: Admin only, credentials write-only, test connection."""

import pytest
from django.urls import reverse

from campaigns.models import ProviderAccount
from campaigns.models.accounts import DEFAULT_NO_REPORT_MINUTES
from providers import get_client
from providers.base import MASK
from providers.building import Contact

from .sandbox_setup import FLOW_ID, PAYCALL_PASSWORD, PAYCALL_USER, SECURITY_ID, build_calls

pytestmark = pytest.mark.django_db

PAYCALL_FORM = {
    "kind": "paycall",
    "name": "Paycall main",
    "base_url": "",
    "api_version": "1.0",
    "time_zone": "Asia/Kolkata",
    "encryption_scheme": "aes-ecb+rsa-pkcs1v15",
    "connect_timeout": "5",
    "read_timeout": "30",
    "calls_per_second": "",
    "username": "acme",
    "password": "Sup3r-secret!",
}


@pytest.mark.parametrize("role_client", ["viewer_client", "designer_client", "manager_client"])
def test_only_admins_see_or_change_accounts(request, role_client):
    client = request.getfixturevalue(role_client)
    assert client.get(reverse("campaigns:account-list")).status_code == 403
    assert client.post(reverse("campaigns:account-create"), PAYCALL_FORM).status_code == 403
    assert client.get("/api/provider-accounts/").status_code == 403
    assert not ProviderAccount.objects.exists()


def test_admin_creates_an_account_whose_secrets_are_never_shown(admin_client_role):
    response = admin_client_role.post(reverse("campaigns:account-create"), PAYCALL_FORM)
    assert response.status_code == 302
    account = ProviderAccount.objects.get()
    assert account.credentials == {"username": "acme", "password": "Sup3r-secret!"}
    assert account.effective_base_url == "http://api.dialer.co.il"
    for url in (
        reverse("campaigns:account-list"),
        reverse("campaigns:account-edit", args=[account.pk]),
    ):
        page = admin_client_role.get(url).content.decode()
        assert "Sup3r-secret!" not in page
    assert (
        "password: stored"
        in admin_client_role.get(reverse("campaigns:account-list")).content.decode()
    )


def test_htmx_save_redirects_the_browser(admin_client_role):
    response = admin_client_role.post(
        reverse("campaigns:account-create"), PAYCALL_FORM, HTTP_HX_REQUEST="true"
    )
    assert response.headers["HX-Redirect"] == reverse("campaigns:account-list")


def test_stored_credentials_are_encrypted_at_rest(admin_client_role):
    from django.db import connection

    admin_client_role.post(reverse("campaigns:account-create"), PAYCALL_FORM)
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM campaigns_provideraccount")
        (raw,) = cursor.fetchone()
    assert "Sup3r-secret!" not in raw and "acme" not in raw


def test_blank_secret_on_edit_keeps_the_stored_one(admin_client_role):
    admin_client_role.post(reverse("campaigns:account-create"), PAYCALL_FORM)
    account = ProviderAccount.objects.get()
    edit = {**PAYCALL_FORM, "name": "Renamed", "password": "", "username": ""}
    response = admin_client_role.post(reverse("campaigns:account-edit", args=[account.pk]), edit)
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "Renamed" and account.credentials["password"] == "Sup3r-secret!"


def test_no_report_minutes_are_set_on_the_form_and_kept_when_left_blank(admin_client_role):
    admin_client_role.post(reverse("campaigns:account-create"), PAYCALL_FORM)
    account = ProviderAccount.objects.get()
    assert account.no_report_minutes == DEFAULT_NO_REPORT_MINUTES
    edit_url = reverse("campaigns:account-edit", args=[account.pk])
    admin_client_role.post(edit_url, {**PAYCALL_FORM, "no_report_minutes": "45"})
    account.refresh_from_db()
    assert account.no_report_minutes == 45
    admin_client_role.post(edit_url, {**PAYCALL_FORM, "no_report_minutes": ""})
    account.refresh_from_db()
    assert account.no_report_minutes == 45


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": ""}, "password", "This provider needs it."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "not a time zone"),
        ({"connect_timeout": "60", "read_timeout": "10"}, "connect_timeout", "cannot be longer"),
        ({"kind": "phonon", "security_ids": "short abc"}, "security_ids", "8 letters or digits"),
        ({"kind": "phonon_encrypted", "public_key_pem": "nope"}, "public_key_pem", "PEM"),
        ({"calls_per_second": "0"}, "calls_per_second", "greater than or equal"),
        ({"no_report_minutes": "0"}, "no_report_minutes", "greater than or equal"),
        ({"no_report_minutes": "20000"}, "no_report_minutes", "less than or equal"),
    ],
)
def test_bad_input_is_explained_beside_the_field_with_422(
    admin_client_role, changes, field, message
):
    response = admin_client_role.post(
        reverse("campaigns:account-create"), {**PAYCALL_FORM, **changes}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert not ProviderAccount.objects.exists()


def test_phonon_security_ids_are_read_per_flow(admin_client_role):
    form = {**PAYCALL_FORM, "kind": "phonon", "security_ids": f"{FLOW_ID} {SECURITY_ID}\n"}
    assert admin_client_role.post(reverse("campaigns:account-create"), form).status_code == 302
    account = ProviderAccount.objects.get()
    assert account.credentials == {"security_ids": {FLOW_ID: SECURITY_ID}}
    # The flow's request goes out with that flow's security-id in place of the mask.
    request = build_calls(account, [Contact("918000000001")])
    assert get_client(account).with_secrets(request)["security-id"] == SECURITY_ID
    other = build_calls(account, [Contact("918000000001")], flow_at_provider="Other001")
    assert get_client(account).with_secrets(other)["security-id"] == MASK


def test_delete(admin_client_role):
    admin_client_role.post(reverse("campaigns:account-create"), PAYCALL_FORM)
    account = ProviderAccount.objects.get()
    url = reverse("campaigns:account-delete", args=[account.pk])
    assert admin_client_role.get(url).status_code == 200
    assert admin_client_role.post(url).status_code == 302
    assert not ProviderAccount.objects.exists()


def test_api_credentials_are_write_only(admin_client_role):
    body = {
        "kind": "iovox",
        "name": "iovox",
        "credentials": {"username": "acme", "secure_key": "k3y"},
    }
    response = admin_client_role.post(
        "/api/provider-accounts/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert "credentials" not in data
    assert data["credentials_stored"] == {
        "username": True,
        "secure_key": True,
        "callback_secret": False,
    }
    listed = admin_client_role.get("/api/provider-accounts/").content.decode()
    assert "k3y" not in listed
    pk = data["id"]
    response = admin_client_role.patch(
        f"/api/provider-accounts/{pk}/", {"name": "iovox 2"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert ProviderAccount.objects.get().credentials["secure_key"] == "k3y"
    missing = admin_client_role.post(
        "/api/provider-accounts/",
        {"kind": "paycall", "name": "p", "credentials": {"username": "x"}},
        content_type="application/json",
    )
    assert missing.status_code == 400 and "password" in missing.json()["credentials"][0]


def test_openapi_document_lists_the_accounts_api(admin_client_role):
    schema = admin_client_role.get("/api/schema/?format=json").json()
    assert "/api/provider-accounts/{id}/test-connection/" in schema["paths"]
    props = schema["components"]["schemas"]["ProviderAccount"]["properties"]
    assert props["credentials"]["writeOnly"] is True
    assert props["credentials_stored"]["readOnly"] is True


@pytest.mark.django_db(transaction=True)
def test_test_connection_reports_in_plain_words(admin_client_role, paycall):
    _, account = paycall
    url = reverse("campaigns:account-test", args=[account.pk])
    response = admin_client_role.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "accepted the user name and password" in response.content.decode()
    account.credentials = {"username": PAYCALL_USER, "password": PAYCALL_PASSWORD + "x"}
    account.save()
    html = admin_client_role.post(url).content.decode()
    assert "Failed" in html and "refused the user name or password" in html
    api = admin_client_role.post(f"/api/provider-accounts/{account.pk}/test-connection/")
    assert api.json()["ok"] is False


def test_viewer_cannot_test_a_connection(viewer_client, admin_client_role):
    admin_client_role.post(reverse("campaigns:account-create"), PAYCALL_FORM)
    account = ProviderAccount.objects.get()
    assert (
        viewer_client.post(reverse("campaigns:account-test", args=[account.pk])).status_code == 403
    )
    assert (
        viewer_client.post(f"/api/provider-accounts/{account.pk}/test-connection/").status_code
        == 403
    )


def test_the_menu_shows_provider_accounts_to_admins_only(admin_client_role, manager_client):
    link = 'href="/campaigns/accounts/"'
    assert link in admin_client_role.get("/").content.decode()
    assert link not in manager_client.get("/").content.decode()

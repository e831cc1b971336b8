"""The outbound guard (issue #16): provider accounts and sandbox callbacks reach only
public addresses, or this site's own origin while the sandbox is enabled; checked when
an account is saved and again, on the very address connected to, at connect time."""

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.urls import reverse

from campaigns.models import ProviderAccount
from campaigns.views.accounts import run_connection_test
from providers import ProviderError, get_client, outbound
from providers.base import make_session
from providers.building import Contact
from providers.paycall.dialer import API_PREFIX
from sandbox.models import LedgerCall
from sandbox.tasks import complete_calls

from .sandbox_setup import (
    FLOW_ID,
    IOVOX_KEY,
    IOVOX_USER,
    PAYCALL_PASSWORD,
    PAYCALL_USER,
    SECURITY_ID,
    build_calls,
    fixture_bytes,
    fixture_json,
)

SECRET = "internal-service-secret-4f9a"
PUBLIC_IP = "93.184.215.14"
CREDENTIALS = {
    "paycall": {"username": PAYCALL_USER, "password": PAYCALL_PASSWORD},
    "phonon": {"security_ids": {FLOW_ID: SECURITY_ID}},
    "iovox": {"username": IOVOX_USER, "secure_key": IOVOX_KEY},
}
PATHS = {"paycall": "/sandbox/paycall", "phonon": "/sandbox/phonon", "iovox": "/sandbox/iovox"}

# Each refused range, and a word of the reason given beside the field.
REFUSED = [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://10.0.0.1:6379/", "private network"),
    ("http://192.168.1.10/", "private network"),
    ("http://172.16.0.1/", "private network"),
    ("http://100.64.0.1/", "private network"),
    ("http://224.0.0.1/", "private network"),
    ("http://240.0.0.1/", "private network"),
    ("http://[fd00::1]/", "private network"),
    ("http://localhost/", "this server itself"),
    ("http://[::1]/", "this server itself"),
    ("http://0.0.0.0:8000/", "this server itself"),
    ("http://[::ffff:127.0.0.1]/", "this server itself"),
    ("http://[::ffff:169.254.169.254]/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://127.0.0.1:8001/sandbox/paycall", "this server itself"),  # not the sandbox origin
    ("http://intranet.example/", "this server itself"),  # resolves to 127.0.0.1 (dns below)
    ("ftp://provider.example/", "http:// or https://"),
]


@pytest.fixture
def dns(monkeypatch):
    """Names resolved as the test says (each a list of addresses); others as usual."""
    names = {"intranet.example": ["127.0.0.1"], "provider.example": [PUBLIC_IP]}
    lookups = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in names:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port),
            )
            for address in names[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    names["lookups"] = lookups
    return names


@pytest.fixture
def site(settings):
    """This site at its default address, its sandbox enabled."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.SANDBOX_ENABLED = True
    return settings


class Internal:
    """A tiny HTTP service on 127.0.0.1 standing in for an internal one: it answers
    every request with a secret and keeps what it was sent."""

    def __init__(
        self,
        body: bytes,
        status: int = 200,
        content_type: str = "text/plain",
        headers: dict[str, str] | None = None,
    ):
        self.received: list[tuple[str, dict]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                received.append((self.path, dict(self.headers)))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def internal():
    services = []

    def start(*args, **kwargs) -> Internal:
        services.append(Internal(*args, **kwargs))
        return services[-1]

    yield start
    for service in services:
        service.close()


def account_at(kind: str, base_url: str) -> ProviderAccount:
    """An account saved without the save-time check, as an old row or a shell would."""
    return ProviderAccount.objects.create(
        kind=kind, name=f"{kind} at {base_url}", base_url=base_url, credentials=CREDENTIALS[kind]
    )


# -- which addresses are public ---------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        (PUBLIC_IP, True),
        ("2606:4700:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("127.0.0.1", False),
        ("127.8.8.8", False),
        ("10.1.2.3", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("100.127.255.254", False),
        ("0.0.0.0", False),  # noqa: S104  (an address judged, not bound)
        ("224.0.0.251", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:127.0.0.1", False),
    ],
)
def test_which_addresses_are_public(address, public):
    assert (outbound.address_refusal(ipaddress.ip_address(address)) is None) is public


# -- at save ----------------------------------------------------------------------------


def form_data(base_url: str) -> dict:
    return {
        "kind": "paycall",
        "name": "Paycall main",
        "base_url": base_url,
        "api_version": "1.0",
        "time_zone": "Asia/Kolkata",
        "encryption_scheme": "aes-ecb+rsa-pkcs1v15",
        "connect_timeout": "5",
        "read_timeout": "30",
        "calls_per_second": "",
        "username": "acme",
        "password": "Sup3r-secret!",
    }


def api_data(base_url: str) -> dict:
    return {
        "kind": "paycall",
        "name": "Paycall main",
        "base_url": base_url,
        "credentials": {"username": "acme", "password": "Sup3r-secret!"},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refused_at_save_in_the_form(admin_client_role, site, dns, url, reason):
    response = admin_client_role.post(reverse("campaigns:account-create"), form_data(url))
    assert response.status_code == 422
    (message,) = response.context["form"].errors["base_url"]
    assert reason in message
    assert not ProviderAccount.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refused_at_save_in_the_api(admin_client_role, site, dns, url, reason):
    response = admin_client_role.post(
        "/api/provider-accounts/", api_data(url), content_type="application/json"
    )
    assert response.status_code == 400
    (message,) = response.json()["base_url"]
    assert reason in message
    assert not ProviderAccount.objects.exists()


ALLOWED = [
    "",  # the provider's documented production address
    "https://provider.example/v2",  # resolves to a public address
    "https://not-resolvable.invalid/",  # checked when connecting, when it must resolve
    "http://127.0.0.1:8000/sandbox/paycall",  # the sandbox's own origin (SITE_URL)
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ALLOWED)
def test_public_addresses_and_the_sandbox_are_saved(admin_client_role, site, dns, url):
    form = admin_client_role.post(reverse("campaigns:account-create"), form_data(url))
    assert form.status_code == 302
    api = admin_client_role.post(
        "/api/provider-accounts/",
        {**api_data(url), "name": "Through the API"},
        content_type="application/json",
    )
    assert api.status_code == 201, api.json()


@pytest.mark.django_db
def test_the_sandbox_origin_only_while_the_sandbox_is_enabled(admin_client_role, site):
    site.SANDBOX_ENABLED = False
    url = "http://127.0.0.1:8000/sandbox/paycall"
    response = admin_client_role.post(reverse("campaigns:account-create"), form_data(url))
    assert response.status_code == 422
    assert "this server itself" in response.context["form"].errors["base_url"][0]


# -- at connect time --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["paycall", "phonon", "iovox"])
def test_a_name_that_resolves_inside_later_is_refused_at_connect_time(site, dns, internal, kind):
    service = internal(b"{}", content_type="application/json")
    form_url = f"http://provider.example:{service.port}{PATHS[kind]}"
    assert outbound.refusal(form_url) is None  # public when saved
    account = ProviderAccount.objects.create(
        kind=kind, name="Rebound", base_url=form_url, credentials=CREDENTIALS[kind]
    )
    dns["provider.example"] = ["127.0.0.1"]  # DNS rebinding: now it points inside
    with pytest.raises(ProviderError) as caught:
        get_client(account).send(build_calls(account, [Contact(number="+972501234567")]))
    assert caught.value.name == "ADDRESS_NOT_ALLOWED" and not caught.value.retryable
    assert "this server itself" in caught.value.message
    assert service.received == []


@pytest.mark.django_db
def test_every_address_of_a_name_must_be_public(site, dns, internal):
    service = internal(b"{}")
    dns["provider.example"] = [PUBLIC_IP, "10.0.0.1"]
    assert "private network" in outbound.refusal("https://provider.example/")
    account = account_at("paycall", f"http://provider.example:{service.port}/sandbox/paycall")
    ok, message = run_connection_test(account)
    assert not ok and "private network" in message
    assert service.received == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["paycall", "phonon", "iovox"])
def test_test_connection_to_an_internal_service_never_shows_its_body(
    admin_client_role, site, internal, kind
):
    service = internal(SECRET.encode())
    account = account_at(kind, f"{service.url}{PATHS[kind]}")
    page = admin_client_role.post(reverse("campaigns:account-test", args=[account.pk]))
    api = admin_client_role.post(f"/api/provider-accounts/{account.pk}/test-connection/")
    account.refresh_from_db()
    assert SECRET not in page.content.decode() and SECRET not in api.content.decode()
    assert api.json()["ok"] is False and "this server itself" in api.json()["message"]
    assert account.last_test_ok is False and SECRET not in account.last_test_message
    assert account.last_test_message == api.json()["message"]
    assert service.received == []  # refused before any request was made


# What an answer that is not the provider's may hold: every client once quoted it.
LEAKY_ANSWERS = [
    ("paycall", 200, "text/csv", f"not,a\nCDR {SECRET}".encode()),
    ("paycall", 418, "application/json", json.dumps({"error": SECRET, "message": SECRET})),
    ("paycall", 401, "application/json", json.dumps({"message": SECRET})),
    ("phonon", 200, "application/json", json.dumps({"api-response-code": 999, SECRET: SECRET})),
    (
        "phonon",
        200,
        "application/json",
        json.dumps({"api-response-code": 999, "api-response-message": SECRET}),
    ),
    ("phonon", 500, "text/html", f"<h1>{SECRET}</h1>".encode()),
    ("iovox", 200, "text/plain", SECRET.encode()),
    ("iovox", 400, "application/xml", f"<error>Call Variable {SECRET} Empty</error>".encode()),
    ("iovox", 401, "application/xml", f"<error>{SECRET}</error>".encode()),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "status", "content_type", "body"), LEAKY_ANSWERS)
def test_test_connection_shows_our_words_and_the_status_only(
    settings, internal, kind, status, content_type, body
):
    """Even where the address may be called (here the sandbox's own origin), what it
    answers is summed up in our words, never quoted."""
    service = internal(body if isinstance(body, bytes) else body.encode(), status, content_type)
    settings.SITE_URL, settings.SANDBOX_ENABLED = service.url, True
    account = account_at(kind, f"{service.url}{PATHS[kind]}")
    ok, message = run_connection_test(account)
    assert service.received, "the sandbox origin was not called"
    assert not ok and SECRET not in message and len(message) < 200
    assert f"HTTP {status}" in message or kind == "paycall"


@pytest.mark.django_db
@pytest.mark.parametrize("base_url", ["{internal}", "http://provider.example:{port}"])
def test_paycall_credentials_never_go_to_a_refused_host(site, dns, internal, base_url):
    service = internal(b"{}", content_type="application/json")
    dns["provider.example"] = ["127.0.0.1"]
    account = account_at(
        "paycall", base_url.format(internal=service.url, port=service.port) + "/sandbox/paycall"
    )
    client = get_client(account)
    with pytest.raises(ProviderError) as caught:
        client.place_calls(build_calls(account, [Contact("+972501234567", reference="c-1")]))
    assert caught.value.name == "ADDRESS_NOT_ALLOWED"
    for operation in (lambda: client.start_campaign("c-1"), lambda: client.fetch_cdrs("c-1")):
        with pytest.raises(ProviderError):
            operation()
    assert not client.test_connection().ok
    assert service.received == []  # no request, so no Authorization header, ever


# -- the connection goes to the address that was vetted ----------------------------------


def certificate_for(name: str, tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_service(tmp_path):
    """An HTTPS service on 127.0.0.1 whose certificate names provider.example; it keeps
    the TLS server names (SNI) and Host headers it was sent."""
    cert_file, key_file = certificate_for("provider.example", tmp_path)
    seen = {"sni": [], "host": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen["host"].append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port, cert_file, seen, tmp_path
    server.shutdown()
    server.server_close()


def test_https_connects_to_the_vetted_address_and_verifies_the_name(monkeypatch, dns, tls_service):
    port, cert_file, seen, tmp_path = tls_service
    # 127.0.0.1 stands in for a public address here: this test is about the pinning.
    monkeypatch.setattr(outbound, "address_refusal", lambda address: None)
    dns["provider.example"] = ["127.0.0.1"]
    dns["other.example"] = ["127.0.0.1"]
    session = make_session()
    answer = session.get(f"https://provider.example:{port}/", verify=cert_file, timeout=5)
    assert answer.status_code == 200
    assert seen["sni"] == ["provider.example"]
    assert seen["host"] == [f"provider.example:{port}"]
    # Resolved once, by the guard; urllib3 was handed the address it vetted.
    assert dns["lookups"] == ["provider.example"]
    # The certificate is still checked against the name in the URL.
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"https://other.example:{port}/", verify=cert_file, timeout=5)
    other_cert, _ = certificate_for("other.example", tmp_path)
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"https://provider.example:{port}/", verify=other_cert, timeout=5)


def test_a_redirect_is_vetted_again(settings, dns, internal):
    inside = internal(b"inside")
    dns["provider.example"] = ["127.0.0.1"]
    for target in (inside.url, f"http://provider.example:{inside.port}/"):
        sandbox = internal(b"", 302, headers={"Location": target})
        settings.SITE_URL, settings.SANDBOX_ENABLED = sandbox.url, True
        with pytest.raises(outbound.OutboundRefused):
            make_session().get(sandbox.url, timeout=5)
        assert sandbox.received
    assert inside.received == []


# -- sandbox callbacks --------------------------------------------------------------------

CALLBACK_REFUSED = ["http://169.254.169.254/latest", "http://10.0.0.1:6379/", "{internal}/hook"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", CALLBACK_REFUSED)
def test_sandbox_status_callbacks_go_to_allowed_addresses_only(live_server, iovox, internal, url):
    service = internal(b"")
    sandbox, _ = iovox
    sandbox.callback_url = url.format(internal=service.url)
    sandbox.save()
    answer = requests.post(
        f"{live_server.url}/sandbox/iovox/Calling?v=3&method=initiateCall",
        data=fixture_bytes("iovox", "initiate_call.xml"),
        headers={"username": IOVOX_USER, "secureKey": IOVOX_KEY},
        timeout=10,
    )
    assert answer.status_code == 201
    complete_calls(LedgerCall.objects.all())
    call = LedgerCall.objects.get()
    assert call.callback_status.startswith("refused: ")
    assert service.received == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", CALLBACK_REFUSED)
def test_sandbox_paycall_reports_go_to_allowed_addresses_only(paycall, internal, url):
    service = internal(b"")
    _, account = paycall
    client = get_client(account)  # at the live server: the sandbox's own origin
    dialer = fixture_json("paycall", "dialer_test.json")
    dialer["return_address"] = url.format(internal=service.url)
    answer = client.request("POST", f"{API_PREFIX}/dialer", json=dialer)
    assert answer.status_code == 200, answer.text
    client.start_campaign(dialer["unique_id"])
    complete_calls(LedgerCall.objects.all())
    call = LedgerCall.objects.get()
    assert call.callback_status.startswith("refused: ")
    assert service.received == []

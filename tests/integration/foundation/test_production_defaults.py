"""Production defaults (issue #16): the sandbox only when enabled, a strict
Content-Security-Policy on every page, the proxy's HTTPS header only when named, no
webhook token in the logs, and exporting call records as a permission of its own."""

import importlib
import io
import logging
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from campaigns.checks import CampaignSettings
from campaigns.models import ProviderAccount
from campaigns.services import create_campaign
from dialer_site.logging import RedactWebhookTokens, redact_webhook_tokens
from flows.models import Flow, FlowVersion
from tests.integration.campaigns.conftest import (
    MENU_FLOW,
    PHONON_FLOW_ID,
    PHONON_SECURITY_ID,
    make_phone_list,
)

ROOT = Path(__file__).resolve().parents[3]
COMMENT = re.compile(r"{% comment %}.*?{% endcomment %}", re.S)


def reload_urlconf():
    with warnings.catch_warnings():
        # The URLconf registers its path converters again: the same ones.
        warnings.filterwarnings("ignore", "Converter .* is already registered")
        importlib.reload(sys.modules["dialer_site.urls"])
    clear_url_caches()


@pytest.fixture
def sandbox_off():
    with override_settings(SANDBOX_ENABLED=False):
        reload_urlconf()
        yield
    reload_urlconf()


@pytest.fixture
def campaign(db, manager):
    flow = Flow.objects.create(name="Reminder")
    version = FlowVersion.objects.create(flow=flow, number=1, definition=MENU_FLOW)
    account = ProviderAccount.objects.create(
        kind="phonon",
        name="Phonon offline",
        base_url="http://127.0.0.1:9/sandbox/phonon",
        credentials={"security_ids": {PHONON_FLOW_ID: PHONON_SECURITY_ID}},
    )
    return create_campaign(
        settings=CampaignSettings(
            name="Draft",
            flow_version=version,
            account=account,
            phone_list=make_phone_list(2),
            phonon_flow_id=PHONON_FLOW_ID,
            public_base_url="http://testserver",
        ),
        created_by=manager,
    )


# ------------------------------------------------------------------------ the sandbox


def test_the_sandbox_answers_404_when_it_is_off(client, sandbox_off):
    assert client.post("/sandbox/paycall/v2/calls/dialer").status_code == 404
    assert client.get("/sandbox/phonon/").status_code == 404


def test_the_sandbox_is_served_when_it_is_on(client, db):
    # Mounted: it answers as the provider would (here: no credentials), not 404.
    assert client.post("/sandbox/paycall/v2/calls/dialer").status_code != 404


def test_the_demo_says_it_needs_the_sandbox(db, sandbox_off):
    with pytest.raises(CommandError, match="needs the provider sandbox"):
        call_command("setup_demo", stdout=io.StringIO())


def settings_in_a_fresh_process(names: list[str], **environment: str) -> list[str]:
    """The settings as a process started with `environment` reads them."""
    code = "import django; django.setup(); from django.conf import settings; " + "; ".join(
        f"print(repr(getattr(settings, {name!r}, None)))" for name in names
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dialer_site.settings", **environment}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()[-len(names) :]


def test_production_leaves_the_sandbox_and_the_proxy_header_off():
    production = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "CREDENTIALS_KEY": "k" * 43 + "="}
    assert settings_in_a_fresh_process(
        ["SANDBOX_ENABLED", "SECURE_PROXY_SSL_HEADER"], **production
    ) == ["False", "None"]
    assert settings_in_a_fresh_process(
        ["SANDBOX_ENABLED", "SECURE_PROXY_SSL_HEADER"],
        SANDBOX_ENABLED="1",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        **production,
    ) == ["True", "('HTTP_X_FORWARDED_PROTO', 'https')"]


# ---------------------------------------------------------- Content-Security-Policy


def test_every_page_type_sends_the_content_security_policy(admin_client_role, campaign):
    flow = campaign.flow_version.flow
    pages = [
        reverse("home"),
        reverse("flows:list"),
        reverse("flows:editor", args=[flow.pk]),
        reverse("flows:recordings"),
        reverse("phonelists:list"),
        reverse("phonelists:upload"),
        reverse("campaigns:campaign-list"),
        reverse("campaigns:campaign-detail", args=[campaign.pk]),
        reverse("api:docs"),
        "/api/campaigns/",
        "/admin/",
    ]
    for page in pages:
        response = admin_client_role.get(page)
        assert response.status_code == 200, page
        policy = response.headers.get("Content-Security-Policy", "")
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ):
            assert directive in policy, (page, policy)


def test_no_page_template_holds_inline_script_or_style():
    for template in (ROOT / "templates").rglob("*.html"):
        text = COMMENT.sub("", template.read_text(encoding="utf-8"))
        assert "<script>" not in text and "<style" not in text, template
        assert " style=" not in text, template
        for attribute in (" onclick=", " onchange=", " onsubmit=", " onload=", " oninput="):
            assert attribute not in text, (template, attribute)


def test_swagger_ui_loads_its_start_up_script_from_a_url(admin_client_role):
    page = admin_client_role.get(reverse("api:docs")).content.decode()
    assert "<script>" not in page and "<style>" not in page
    script = admin_client_role.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")


# ------------------------------------------------------------------- webhook tokens


def test_webhook_tokens_are_cut_out_of_request_and_access_logs(client, db, caplog):
    path = "/webhooks/campaigns/abc123/s3cr3t-token/status"
    with caplog.at_level(logging.INFO):
        client.get(path)  # GET is not allowed: django.request logs the path
        logging.getLogger("django.server").info('"%s" %s %s', f"GET {path} HTTP/1.1", "405", "0")
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("django.")]
    assert len(logged) == 2
    assert all("s3cr3t-token" not in line and "/abc123/…/status" in line for line in logged)


def test_the_filter_leaves_other_lines_alone():
    record = logging.LogRecord("x", logging.INFO, "", 0, "GET %s", ("/campaigns/1/",), None)
    assert RedactWebhookTokens().filter(record)
    assert record.getMessage() == "GET /campaigns/1/"
    assert redact_webhook_tokens("/webhooks/campaigns/k/t/paycall?x=1") == (
        "/webhooks/campaigns/k/…/paycall?x=1"
    )


def test_gunicorn_logs_access_lines_without_the_token():
    from gunicorn.config import Config

    namespace: dict = {"__file__": str(ROOT / "gunicorn.conf.py")}
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), namespace)  # noqa: S102
    config = Config()
    config.set("logger_class", namespace["logger_class"])
    logger = config.logger_class(config)
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    logger.access_log.addHandler(Keep())
    logger.access_log.setLevel(logging.INFO)
    logger.access_log.info('"%(r)s" %(s)s', {"r": "GET /webhooks/campaigns/k/tok/status", "s": 405})
    assert seen == ['"GET /webhooks/campaigns/k/…/status" 405']


# ---------------------------------------------------------------- exporting call records


def test_exporting_call_records_needs_its_own_permission(
    campaign, viewer_client, manager_client, admin_client_role
):
    page = reverse("campaigns:campaign-cdrs-csv", args=[campaign.pk])
    api = f"/api/campaigns/{campaign.pk}/cdrs-csv/"
    assert viewer_client.get(page).status_code == 403
    assert viewer_client.get(api).status_code == 403
    for client in (manager_client, admin_client_role):
        assert client.get(page).status_code == 200
        assert client.get(api).status_code == 200
    # Viewers still read the records, and are not offered the export.
    detail = viewer_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    assert detail.status_code == 200 and "Download CSV" not in detail.content.decode()


def test_only_managers_and_admins_hold_the_export_permission(viewer, designer, manager, admin_user):
    export = "campaigns.export_cdrs"
    assert manager.has_perm(export) and admin_user.has_perm(export)
    assert not viewer.has_perm(export) and not designer.has_perm(export)

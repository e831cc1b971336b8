"""A flow variable named like an element iovox's request has itself (call_destination,
delay) or like our call id (dialer_call_id) would be sent beside the real one, and
iovox keeps the last: the number dialled could be the variable's value. Every path
refuses it: lint warns, the builder refuses, so the compile API, `flow_compile`, the
Preview tab, campaign creation and dispatch all do."""

import copy
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.checks import CampaignSettings, campaign_problems
from campaigns.models import Call
from campaigns.models.campaigns import CallState
from campaigns.outbound import build_batch_request
from flows import services
from flows.lint import lint
from flows.models import Flow, FlowVersion
from providers.iovox.builder import RESERVED

from .conftest import IOVOX_LINK, MENU_FLOW, iovox_setup


def flow_with_variable(name: str) -> dict:
    definition = copy.deepcopy(MENU_FLOW)
    definition["variables"].append({"name": name, "default": "972599999999", "description": ""})
    definition["steps"][0]["prompt"] += f" ${name}$"
    return definition


@pytest.mark.parametrize("name", sorted(RESERVED))
def test_lint_warns(name):
    codes = {f.code: f.severity for f in lint(flow_with_variable(name))}
    assert codes.get("variable-name-reserved") == "warning"


@pytest.fixture
def reserved_flow(db, designer):
    flow, _ = services.import_flow(data=flow_with_variable("call_destination"), user=designer)
    return flow


def test_compile_api_and_flow_compile_refuse(reserved_flow, designer):
    api = APIClient()
    api.force_authenticate(designer)
    response = api.post(
        f"/api/flows/{reserved_flow.pk}/compile/",
        {"provider": "iovox", "options": {"link_id": IOVOX_LINK}},
        format="json",
    )
    assert response.status_code == 400
    assert [f["code"] for f in response.json()["findings"]] == ["iovox-variable-name"]
    with pytest.raises(CommandError, match="call_destination"):
        call_command(
            "flow_compile",
            str(reserved_flow.pk),
            "--provider=iovox",
            f"--options={json.dumps({'link_id': IOVOX_LINK})}",
            stdout=StringIO(),
            stderr=StringIO(),
        )


def test_preview_tab_shows_why(reserved_flow, designer_client):
    html = designer_client.get(f"/flows/{reserved_flow.pk}/preview/").content.decode()
    assert "The variable &quot;call_destination&quot; cannot be sent to iovox" in html


def test_campaign_creation_refuses(db, phone_list, live_server):
    _, account = iovox_setup(live_server.url)
    flow = Flow.objects.create(name="Reserved")
    version = FlowVersion.objects.create(
        flow=flow, number=1, definition=flow_with_variable("delay")
    )
    settings = CampaignSettings(
        name="Reserved",
        flow_version=version,
        account=account,
        phone_list=phone_list,
        iovox_link_id=IOVOX_LINK,
        public_base_url=live_server.url,
    )
    problems = campaign_problems(settings)
    assert any('"delay" cannot be sent to iovox' in m for m in problems["flow_version"])


def test_dispatch_fails_such_a_call_with_the_reason(draft_campaign, live_server):
    _, account = iovox_setup(live_server.url)
    version = FlowVersion.objects.create(
        flow=draft_campaign.flow_version.flow, number=2, definition=flow_with_variable("delay")
    )
    draft_campaign.account, draft_campaign.flow_version = account, version
    draft_campaign.iovox_link_id = IOVOX_LINK
    draft_campaign.save()
    call = Call.objects.filter(campaign=draft_campaign).first()
    built = build_batch_request(draft_campaign, [call], now=timezone.now(), due=None)
    assert built.request is None
    ((refused, error),) = built.refused
    assert refused == call and '"delay" cannot be sent to iovox' in str(error)
    assert Call.objects.get(pk=call.pk).state == CallState.PENDING

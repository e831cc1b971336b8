"""The campaign form of issue #14: contacts missing values refused with their lines
(or left out when the manager says so), who is left out before and after creation,
flow pickers from the account, and the campaign's keys after answer reaching the
simple dialer's lines and the campaign page."""

import gzip

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.checks import CampaignSettings
from campaigns.models import Call, Campaign, CampaignEvent, ProviderAccount
from campaigns.models.campaigns import DispatchMode
from campaigns.paycall_queue import phone_list_file
from campaigns.services import create_campaign
from flows.models import Flow, FlowVersion
from phonelists.models import DoNotCall

from .conftest import MENU_FLOW, PHONON_FLOW_ID, PHONON_SECURITY_ID, make_phone_list

CREATE = reverse("campaigns:campaign-create")
NEEDS_NAME = {**MENU_FLOW, "variables": [{"name": "first_name", "default": ""}]}
MESSAGE_FLOW = {
    "schema_version": 1,
    "name": "Message",
    "count_steps": 1,
    "have_dependency": "false",
    "steps": [{"step_id": "message", "gender": "male", "prompt": "Your appointment is at 9."}],
    "variables": [],
}


def version_of(definition: dict, name: str = "Needs names") -> FlowVersion:
    return FlowVersion.objects.create(
        flow=Flow.objects.create(name=name), number=1, definition=definition
    )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def gappy_list(db):
    """Twelve contacts, of which lines 2, 4, … have an empty or blank name cell."""
    phone_list = make_phone_list(12, name="Gappy")
    for contact in phone_list.contacts.all():
        if contact.line_number % 2 == 0:
            value = "" if contact.line_number % 4 else "   "
            phone_list.contacts.filter(pk=contact.pk).update(variables={"first_name": value})
    return phone_list


def create_form(version, phone_list, account, **extra):
    return {
        "name": "Reminders",
        "flow_version": version.pk,
        "account": account.pk,
        "phone_list": phone_list.pk,
        "phonon_flow_id": PHONON_FLOW_ID,
        "time_zone": "Asia/Jerusalem",
        **extra,
    }


def test_contacts_missing_values_are_refused_with_their_lines(
    manager_client, gappy_list, offline_phonon_account
):
    version = version_of(NEEDS_NAME)
    response = manager_client.post(
        CREATE, create_form(version, gappy_list, offline_phonon_account), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "6 contacts have no value for first_name" in html
    assert "line 2 (+972500000001)" in html and "line 12 (+972500000011)" in html
    assert "Leave those contacts out" in html
    assert not Campaign.objects.exists()


def test_the_api_refuses_them_too(manager, gappy_list, offline_phonon_account):
    version = version_of(NEEDS_NAME)
    body = {**create_form(version, gappy_list, offline_phonon_account)}
    response = api(manager).post("/api/campaigns/", body, format="json")
    assert response.status_code == 400
    (message,) = response.json()["phone_list"]
    assert message.startswith("6 contacts have no value for first_name")
    assert "line 4 (+972500000003)" in message


def test_more_than_ten_are_counted_not_listed(manager, offline_phonon_account):
    phone_list = make_phone_list(14, name="Nameless")
    phone_list.contacts.update(variables={})
    version = version_of(NEEDS_NAME)
    with pytest.raises(Exception) as refused:
        create_campaign(
            settings=CampaignSettings(
                name="x",
                flow_version=version,
                account=offline_phonon_account,
                phone_list=phone_list,
                phonon_flow_id=PHONON_FLOW_ID,
            ),
            created_by=manager,
        )
    text = str(refused.value)
    assert "line 10 (+972500000009)" in text and "and 4 more" in text
    assert "line 11" not in text


def test_leaving_them_out_creates_the_campaign_and_counts_them(
    manager_client, gappy_list, offline_phonon_account
):
    version = version_of(NEEDS_NAME)
    form = create_form(version, gappy_list, offline_phonon_account, leave_out_missing="on")
    response = manager_client.post(CREATE, form, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    campaign = Campaign.objects.get()
    assert campaign.total_calls == 6
    assert campaign.left_out["missing_variable"] == 6
    assert all(c.variables["first_name"].strip() for c in Call.objects.filter(campaign=campaign))


def test_left_out_counts_before_and_after_creation(
    manager_client, offline_phonon_account, flow_version
):
    phone_list = make_phone_list(10, name="Half blocked")
    # The import refused 2 invalid lines and 1 duplicate; since then 5 went do-not-call.
    phone_list.rejected, phone_list.duplicates, phone_list.total = 2, 1, 13
    phone_list.save()
    DoNotCall.objects.bulk_create([DoNotCall(number=f"+97250{i:07d}") for i in range(0, 10, 2)])
    counts = manager_client.get(
        reverse("campaigns:campaign-left-out"),
        {"phone_list": phone_list.pk, "flow_version": flow_version.pk},
    )
    html = counts.content.decode()
    assert counts.status_code == 200
    for label, value in (
        ("Contacts to call", 5),
        ("on the do-not-call list", 5),
        ("invalid numbers", 2),
        ("duplicates", 1),
        ("Missing a value the flow needs", 0),
    ):
        assert f"{label}</dt><dd><bdi>{value}</bdi>" in html

    response = manager_client.post(
        CREATE, create_form(flow_version, phone_list, offline_phonon_account)
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.total_calls == 5
    assert campaign.left_out == {
        "do_not_call": 5,
        "invalid": 2,
        "duplicate": 1,
        "missing_variable": 0,
    }
    log = CampaignEvent.objects.filter(campaign=campaign).values_list("reason", flat=True)
    assert (
        "Created with 5 contacts from Half blocked; left out: 5 on the do-not-call list, "
        "2 invalid, 1 duplicates." in log
    )
    page = manager_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    assert "5 on the do-not-call list, 2 invalid, 1 duplicates" in page.content.decode()


def test_admins_keep_flow_choices_on_the_account(admin_client_role):
    account = ProviderAccount.objects.create(
        kind="phonon",
        name="Phonon",
        credentials={"security_ids": {PHONON_FLOW_ID: PHONON_SECURITY_ID}},
    )
    edit = reverse("campaigns:account-edit", args=[account.pk])
    base = {
        "kind": "phonon",
        "name": "Phonon",
        "api_version": "1.0",
        "time_zone": "Asia/Kolkata",
        "encryption_scheme": "aes-ecb+rsa-pkcs1v15",
        "connect_timeout": "5",
        "read_timeout": "30",
    }
    bad = {
        **base,
        "flow_choice_id": ["toolongid9", PHONON_FLOW_ID, PHONON_FLOW_ID],
        "flow_choice_name": ["x", "Reminder", "Again"],
    }
    response = admin_client_role.post(edit, bad, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Row 1: the flow-id toolongid9 must be 8 letters or digits." in html
    assert f"Row 3: {PHONON_FLOW_ID} is listed twice." in html

    good = {**base, "flow_choice_id": [PHONON_FLOW_ID, ""], "flow_choice_name": ["Reminder", ""]}
    assert admin_client_role.post(edit, good).status_code == 302
    account.refresh_from_db()
    assert account.flow_choices == [{"id": PHONON_FLOW_ID, "name": "Reminder"}]
    assert 'value="Reminder"' in admin_client_role.get(edit).content.decode()


def test_the_account_api_reads_and_writes_flow_choices(admin_user):
    account = ProviderAccount.objects.create(
        kind="iovox", name="io", credentials={"username": "u", "secure_key": "k"}
    )
    client = api(admin_user)
    url = f"/api/provider-accounts/{account.pk}/"
    refused = client.patch(url, {"flow_choices": [{"id": "a"}, {"id": "a"}]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["flow_choices"] == ["Row 2: a is listed twice."]
    saved = client.patch(url, {"flow_choices": [{"id": "link123", "name": "Sales"}]}, format="json")
    assert saved.status_code == 200
    assert client.get(url).json()["flow_choices"] == [{"id": "link123", "name": "Sales"}]


def test_the_campaign_form_offers_the_accounts_flows_by_name(
    manager_client, offline_phonon_account, flow_version, phone_list
):
    fields = reverse("campaigns:campaign-provider-fields")
    typed = manager_client.get(fields, {"account": offline_phonon_account.pk}).content.decode()
    assert 'type="text" name="phonon_flow_id"' in typed and "iovox_link_id" not in typed

    offline_phonon_account.flow_choices = [{"id": PHONON_FLOW_ID, "name": "Reminder"}]
    offline_phonon_account.save()
    picked = manager_client.get(fields, {"account": offline_phonon_account.pk}).content.decode()
    assert '<select name="phonon_flow_id"' in picked
    assert f'<option value="{PHONON_FLOW_ID}">Reminder ({PHONON_FLOW_ID})</option>' in picked

    response = manager_client.post(
        CREATE, create_form(flow_version, phone_list, offline_phonon_account)
    )
    campaign = Campaign.objects.get()
    page = manager_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    assert response.status_code == 302
    assert f"Reminder ({PHONON_FLOW_ID})" in page.content.decode()


def test_simple_dialer_lines_carry_the_campaigns_keys(manager, phone_list, manager_client):
    phone_list.contacts.filter(line_number=2).update(cli="039999999", dtmf_originator="9#")
    account = ProviderAccount.objects.create(
        kind="paycall", name="Paycall", credentials={"username": "u", "password": "p"}
    )
    campaign = create_campaign(
        settings=CampaignSettings(
            name="Simple",
            flow_version=version_of(MESSAGE_FLOW, "Message"),
            account=account,
            phone_list=phone_list,
            cli="031234567",
            dtmf_originator="W1#",
        ),
        created_by=manager,
    )
    assert campaign.mode == DispatchMode.PAYCALL_SIMPLE
    lines = gzip.decompress(phone_list_file(campaign)).decode().splitlines()
    assert lines[0] == "+972500000000,031234567,W1#"
    # The contact's own caller id and keys win over the campaign's.
    assert lines[1] == "+972500000001,039999999,9#"
    page = manager_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    html = page.content.decode()
    assert 'Keys after answer</dt><dd><bdi dir="ltr">W1#</bdi>' in html
    assert "Paycall simple dialer" in html


def test_the_api_leaves_them_out_when_asked(manager, gappy_list, offline_phonon_account):
    version = version_of(NEEDS_NAME)
    body = {**create_form(version, gappy_list, offline_phonon_account), "leave_out_missing": True}
    response = api(manager).post("/api/campaigns/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["total_calls"] == 6
    assert response.json()["left_out"]["missing_variable"] == 6

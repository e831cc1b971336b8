"""Everything a campaign is checked for before it is saved, in plain words per field.

The form, the REST API and the `campaign_run` command all call `campaign_problems`,
so each of them refuses exactly the same campaigns.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from django.utils import timezone

from campaigns.left_out import MISSING_VARIABLE, count_left_out, needed_variables
from campaigns.models.accounts import ProviderAccount, ProviderKind
from campaigns.models.campaigns import DispatchMode
from campaigns.scheduling import CallingWindow, window_problems, zone
from flows.canonical import variable_names
from flows.lint import lint
from providers import provider_for
from providers.building import CompileError, Contact, SendSettings
from providers.paycall.simple_dialer import has_message_shape

MAX_RETRIES_LIMIT = 10000
MAX_RING_TIMEOUT_SECONDS = 300
MAX_RETRY_WAIT_SECONDS = 86400
PHONE_RE = re.compile(r"^\+?[0-9]{3,20}$")
DTMF_RE = re.compile(r"^[0-9#*Ww]*$")
# Dialled in the trial build of a campaign's request (see builder_problems).
TRIAL_NUMBER = "972500000000"
# A phone list is usable once its import has finished well.
USABLE_LIST_STATUS = "done"


@dataclass
class CampaignSettings:
    name: str
    flow_version: object
    account: ProviderAccount
    phone_list: object
    cli: str = ""
    dtmf_originator: str = ""
    max_retries: int | None = None
    ring_timeout: int | None = None
    retry_wait_time: int | None = None
    time_zone: str = "Asia/Jerusalem"
    start_at: dt.datetime | None = None
    window: CallingWindow = field(default_factory=CallingWindow)
    phonon_flow_id: str = ""
    iovox_link_id: str = ""
    public_base_url: str = ""
    # Contacts with no value for a variable the flow gives no default: refused unless
    # the manager chose to leave them out (counted in Campaign.left_out).
    leave_out_missing: bool = False


def uses_contact_variables(definition: dict) -> bool:
    """Whether any prompt of the flow names a declared variable ($name$)."""
    names = variable_names(definition)
    if not names:
        return False
    text = json.dumps(definition.get("steps", []), ensure_ascii=False)
    return any(f"${name}$" in text for name in names)


def dispatch_mode_for(definition: dict, account: ProviderAccount) -> str:
    if account.kind == ProviderKind.IOVOX:
        return DispatchMode.IOVOX
    if account.is_phonon:
        return DispatchMode.PHONON
    if uses_contact_variables(definition):
        return DispatchMode.PAYCALL_PER_CONTACT
    if has_message_shape(definition):
        return DispatchMode.PAYCALL_SIMPLE
    return DispatchMode.PAYCALL_QUEUE


def flow_problems(definition: dict) -> list[str]:
    return [
        f"The flow has errors and cannot be used: {finding.message}"
        for finding in lint(definition)
        if finding.is_error
    ]


def account_problems(settings: CampaignSettings) -> dict[str, list[str]]:
    account = settings.account
    errors: dict[str, list[str]] = {}
    missing = account.missing_credentials()
    if missing:
        errors["account"] = [f"This account has no {', '.join(missing)} stored; complete it first."]
    target_field = TARGET_FIELDS.get(account.kind)
    if target_field:
        target = getattr(settings, target_field).strip()
        problems = provider_for(account.kind).target_problems(account.credentials or {}, target)
        if problems:
            errors[target_field] = problems
    for name, message in ONLY_FOR.items():
        if name != target_field and getattr(settings, name):
            errors[name] = [message]
    return errors


# The campaign field that names the flow at the provider, by account kind.
TARGET_FIELDS = {
    ProviderKind.PHONON: "phonon_flow_id",
    ProviderKind.PHONON_ENCRYPTED: "phonon_flow_id",
    ProviderKind.IOVOX: "iovox_link_id",
}
ONLY_FOR = {
    "phonon_flow_id": "A flow-id is only for Phonon accounts.",
    "iovox_link_id": "A link id is only for iovox accounts.",
}
# The campaign field a builder finding is about, by the finding's field.
FIELD_OF_FINDING = {"flow_id": "phonon_flow_id", "link_id": "iovox_link_id"}


def builder_problems(settings: CampaignSettings, now: dt.datetime) -> dict[str, list[str]]:
    """What the provider's own builder refuses in this flow and these settings (a
    variable name iovox keeps for itself, a flow-id of the wrong shape), tried on a
    contact that has every value: so a campaign is refused before it starts rather
    than each of its calls when it is sent."""
    definition = settings.flow_version.definition
    contact = Contact(
        number=TRIAL_NUMBER, variables={name: name for name in variable_names(definition)}
    )
    trial = SendSettings(
        now=now,
        flow_at_provider=(settings.phonon_flow_id or settings.iovox_link_id).strip(),
        api_version=settings.account.api_version,
        return_address=settings.public_base_url or "https://example.com/",
    )
    errors: dict[str, list[str]] = {}
    try:
        provider_for(settings.account.kind).build_calls(definition, [contact], trial)
    except CompileError as error:
        for finding in error.findings:
            name = FIELD_OF_FINDING.get(finding.field or "", "flow_version")
            errors.setdefault(name, []).append(finding.message)
    return errors


def list_problems(settings: CampaignSettings) -> list[str]:
    phone_list = settings.phone_list
    if phone_list.status != USABLE_LIST_STATUS:
        return [
            f"The list {phone_list.name} is not imported yet ({phone_list.get_status_display()})."
        ]
    if not phone_list.imported:
        return ["The list has no contacts."]
    definition = settings.flow_version.definition
    if settings.leave_out_missing or not needed_variables(definition):
        return []
    left_out = count_left_out(phone_list, definition)
    return [left_out.refusal()] if left_out.counts[MISSING_VARIABLE] else []


def value_problems(settings: CampaignSettings, now: dt.datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not settings.name.strip():
        errors["name"] = ["Give the campaign a name."]
    if settings.cli and not PHONE_RE.match(settings.cli):
        errors["cli"] = ["The caller id must be a phone number (digits, an optional +)."]
    if settings.dtmf_originator and not DTMF_RE.match(settings.dtmf_originator):
        errors["dtmf_originator"] = ["Use only 0-9, # and *, and W (1 s) or w (½ s) to wait."]
    limits = (
        ("max_retries", settings.max_retries, MAX_RETRIES_LIMIT),
        ("ring_timeout", settings.ring_timeout, MAX_RING_TIMEOUT_SECONDS),
        ("retry_wait_time", settings.retry_wait_time, MAX_RETRY_WAIT_SECONDS),
    )
    for name, value, limit in limits:
        if value is not None and not 0 <= value <= limit:
            errors[name] = [f"Between 0 and {limit}."]
    try:
        zone(settings.time_zone)
    except ValueError as exc:
        errors["time_zone"] = [str(exc)]
    if settings.start_at is not None and settings.start_at <= now:
        errors["start_at"] = ["The start time is in the past; leave it empty to start now."]
    for name, message in window_problems(settings.window).items():
        errors[name] = [message]
    return errors


def campaign_problems(settings: CampaignSettings, *, now: dt.datetime | None = None):
    """All reasons the campaign cannot be saved, by field; empty when it can."""
    now = now or timezone.now()
    errors = value_problems(settings, now)
    flow = flow_problems(settings.flow_version.definition)
    if flow:
        errors["flow_version"] = flow
    for name, messages in account_problems(settings).items():
        errors.setdefault(name, []).extend(messages)
    if not errors.get("flow_version"):
        # A field already refused is not refused twice in the builder's words.
        for name, messages in builder_problems(settings, now).items():
            errors.setdefault(name, messages)
    # A test call has no list: it calls one number (services.create_test_call).
    listed = list_problems(settings) if settings.phone_list is not None else []
    if listed:
        errors["phone_list"] = listed
    return errors

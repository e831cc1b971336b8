"""The flows an account names at its provider (Phonon flow-ids, iovox link ids), kept
on the account as ``[{"id": "...", "name": "..."}]`` so that managers pick a flow by
its name instead of recalling its id. The account form and the account API check
them with the same function, by the rules a campaign's own id is checked by."""

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext

from campaigns.models.accounts import ProviderKind
from providers.phonon.builder import is_flow_id

# Campaign.iovox_link_id's length: a longer id could not be saved on a campaign.
MAX_LINK_ID_LENGTH = 100
MAX_NAME_LENGTH = 100
KINDS_WITH_CHOICES = (ProviderKind.PHONON, ProviderKind.PHONON_ENCRYPTED, ProviderKind.IOVOX)


def clean_flow_choices(
    kind: str, rows: Iterable[Mapping[str, object]]
) -> tuple[list[dict[str, str]], list[str]]:
    """The choices as stored (blank rows dropped, a missing name = the id) and what
    is wrong with them, one message per problem, numbered by row."""
    choices: list[dict[str, str]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        flow_id = str(row.get("id") or "").strip()
        name = str(row.get("name") or "").strip()
        if not flow_id and not name:
            continue
        where = {"row": number, "id": flow_id}
        if kind not in KINDS_WITH_CHOICES:
            problems.append(
                gettext("Paycall is sent the whole flow: it has no flows to choose from.")
            )
            break
        if not flow_id:
            problems.append(gettext("Row %(row)d: give the id as well as the name.") % where)
            continue
        if kind == ProviderKind.IOVOX:
            if len(flow_id) > MAX_LINK_ID_LENGTH:
                problems.append(
                    gettext("Row %(row)d: a link id is at most %(max)d characters.")
                    % {**where, "max": MAX_LINK_ID_LENGTH}
                )
        elif not is_flow_id(flow_id):
            problems.append(
                gettext("Row %(row)d: the flow-id %(id)s must be 8 letters or digits.") % where
            )
        if flow_id in seen:
            problems.append(gettext("Row %(row)d: %(id)s is listed twice.") % where)
        if len(name) > MAX_NAME_LENGTH:
            problems.append(
                gettext("Row %(row)d: a name is at most %(max)d characters.")
                % {**where, "max": MAX_NAME_LENGTH}
            )
        seen.add(flow_id)
        choices.append({"id": flow_id, "name": name or flow_id})
    return choices, problems


def choice_name(choices: Iterable[Mapping[str, str]] | None, flow_id: str) -> str:
    """The name an account gives this id, or "" when it has none."""
    for choice in choices or ():
        if choice.get("id") == flow_id:
            return str(choice.get("name") or "")
    return ""

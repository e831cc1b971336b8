"""What every request builder shares: the contact, the schedule, the errors.

Builders are pure functions over plain dicts (no ORM, no HTTP): canonical flow
definition + contacts + a provider's options -> the request. The types below are
shared by every provider's builder and by the campaign code that calls them.
``None`` in an option means "leave the field out": the provider's documented
default applies (see ``flows.canonical.PAYCALL_DEFAULTS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from flows.canonical import variable_defaults, variable_names
from flows.dtmf import DtmfSequence
from flows.findings import ERROR, Finding


class CompileError(ValueError):
    """The payload cannot be built; ``findings`` says why in plain words."""

    def __init__(self, findings: list[Finding]):
        self.findings = list(findings)
        super().__init__("; ".join(f.message for f in self.findings))


class MissingVariablesError(CompileError):
    """A contact has no value (and the variable no default) for some variables."""

    def __init__(self, names: list[str]):
        self.names = list(names)
        listed = ", ".join(f'"{n}"' for n in names)
        super().__init__(
            [
                Finding(
                    ERROR,
                    "variable-missing-value",
                    f"This contact has no value for {listed}, and the flow gives no "
                    "default. Add the value to the contact or a default to the variable.",
                    field="variables",
                )
            ]
        )


@dataclass(frozen=True)
class Contact:
    """One person to call.

    - ``number``: the number dialled (E.164, with or without ``+``);
    - ``alternate_numbers``: tried in turn by providers that support it (Phonon);
    - ``cli``: caller id shown to this contact (overrides the campaign's);
    - ``dtmf_originator``: keys to send once this contact answers, a
      :class:`DtmfSequence` or a string in Paycall's ``W``/``w`` notation;
    - ``variables``: values for the flow's variables (``$name$`` placeholders,
      Phonon ``$flow.key.<name>``, iovox custom variables);
    - ``reference``: our identifier for this call (Phonon ``client-identifier``).
    """

    number: str
    alternate_numbers: tuple[str, ...] = ()
    cli: str | None = None
    dtmf_originator: DtmfSequence | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    reference: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "alternate_numbers", tuple(self.alternate_numbers))
        object.__setattr__(self, "dtmf_originator", DtmfSequence.coerce(self.dtmf_originator))


@dataclass(frozen=True)
class Schedule:
    """When a Paycall campaign starts (``schedule`` / ``schedule_type``).

    ``kind=None`` leaves ``schedule_type`` out (Paycall then reads seconds).
    """

    value: int | None = None
    kind: Literal["seconds", "timestamp"] | None = None

    @classmethod
    def in_seconds(cls, seconds: int) -> Schedule:
        return cls(int(seconds), "seconds")

    @classmethod
    def at(cls, when: dt.datetime) -> Schedule:
        """A Unix timestamp; ``when`` must be timezone-aware and in the future."""
        if when.tzinfo is None:
            raise ValueError("Schedule.at needs a timezone-aware datetime")
        return cls(int(when.timestamp()), "timestamp")


@dataclass(frozen=True)
class SendSettings:
    """What a campaign (or a preview standing in for one) decides about its requests,
    in no provider's words; each provider's builder reads what its document has.

    - ``now``: the moment of building; ``due``: when the calls are to begin (None or
      not later than ``now``: at once);
    - ``flow_at_provider``: the flow as the provider names it (Phonon's flow-id,
      iovox's Link ID); unused by Paycall, which is sent the whole IVR;
    - ``time_zone``: the account's zone, in which Phonon writes start-time;
    - ``api_version``: Phonon's "1.0" or "TEST";
    - ``return_address``: where Paycall reports each call's steps;
    - ``max_retries``, ``ring_timeout``, ``retry_wait_time``: Paycall's own redials;
    - ``cli``, ``dtmf_originator``: defaults a contact's own values override.
    """

    now: dt.datetime
    due: dt.datetime | None = None
    flow_at_provider: str = ""
    time_zone: str = "UTC"
    api_version: str = "1.0"
    return_address: str = ""
    max_retries: int | None = None
    ring_timeout: int | None = None
    retry_wait_time: int | None = None
    cli: str = ""
    dtmf_originator: str = ""

    @property
    def start(self) -> dt.datetime:
        """When the first call may ring: ``due`` when it is still ahead, else now."""
        return self.due if self.due is not None and self.due > self.now else self.now


def is_blank(value: object) -> bool:
    """An empty or whitespace-only cell is no value: "שלום John מ." and iovox's
    ``<city></city>`` (answered 400 "Call Variable x Empty") are what came of
    sending one as if it were."""
    return value is None or not str(value).strip()


def given_values(values: Mapping[str, object] | None) -> dict[str, object]:
    """The contact's values that count (blank cells dropped)."""
    return {name: value for name, value in (values or {}).items() if not is_blank(value)}


def usable_defaults(definition: dict) -> dict[str, str]:
    """The flow's defaults that say something: the flow editor writes "" for a
    variable without one, so a blank default is no default."""
    return {
        name: value for name, value in variable_defaults(definition).items() if not is_blank(value)
    }


def missing_variables(definition: dict, values: Mapping[str, object] | None) -> list[str]:
    """The declared variables this contact has no value for and the flow no default."""
    given = given_values(values)
    defaults = usable_defaults(definition)
    return [
        name for name in variable_names(definition) if name not in given and name not in defaults
    ]


def resolve_variables(
    definition: dict, values: Mapping[str, object] | None, *, required: bool = True
) -> dict[str, str]:
    """The value of every declared variable: the contact's, else the default; an
    empty or blank cell counts as no value.

    With ``required`` a variable with neither raises :class:`MissingVariablesError`;
    without, it is left out (its placeholders stay as written).
    """
    given = given_values(values)
    defaults = usable_defaults(definition)
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for name in variable_names(definition):
        if name in given:
            resolved[name] = str(given[name])
        elif name in defaults:
            resolved[name] = defaults[name]
        else:
            missing.append(name)
    if missing and required:
        raise MissingVariablesError(missing)
    return resolved

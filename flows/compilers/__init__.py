"""Compilers: canonical flow definition + contact + options -> provider payload.

Pure functions over plain dicts (no ORM, no HTTP). The option and contact
types below are shared by every compiler and by the campaign code that calls
them. ``None`` in an option means "leave the field out": the provider's
documented default applies (see ``flows.canonical.PAYCALL_DEFAULTS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from flows.canonical import variable_defaults, variable_names
from flows.compilers.dtmf import DtmfSequence
from flows.findings import ERROR, Finding

__all__ = [
    "CompileError",
    "Contact",
    "DtmfSequence",
    "IovoxOptions",
    "MissingVariablesError",
    "PaycallOptions",
    "PaycallSimpleOptions",
    "PhononOptions",
    "Schedule",
    "resolve_variables",
]


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
    dtmf_originator: DtmfSequence | str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    reference: str | None = None

    def __post_init__(self):
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
class PaycallOptions:
    """General fields of the Paycall dialer request (POST /v2/calls/dialer).

    - ``return_address``: where Paycall reports the steps (the document says
      a request without it fails);
    - ``unique_id``: our campaign id, returned as-is;
    - ``schedule``: :class:`Schedule`, None = start at once;
    - ``max_retries`` (0..10000, default 3), ``ring_timeout`` (s, default 10),
      ``retry_wait_time`` (s, default 0);
    - ``numbers_from_queue``: True = numbers from the uploaded phone list (no
      ``number``); False/None = call the contact's number;
    - ``cli``, ``dtmf_originator``: campaign-wide defaults a contact may override;
    - ``explicit_defaults``: write every documented default instead of leaving
      absent fields to the provider.
    """

    return_address: str
    unique_id: str | None = None
    schedule: Schedule | None = None
    max_retries: int | None = None
    ring_timeout: int | None = None
    retry_wait_time: int | None = None
    numbers_from_queue: bool | None = None
    cli: str | None = None
    dtmf_originator: DtmfSequence | str | None = None
    explicit_defaults: bool = False

    def __post_init__(self):
        object.__setattr__(self, "dtmf_originator", DtmfSequence.coerce(self.dtmf_originator))


@dataclass(frozen=True)
class PaycallSimpleOptions:
    """Fields of the Paycall simple dialer (POST /v2/calls/simple_dialer).

    The message comes from the flow (one step that only speaks); leg_a, cid_a
    and dtmf_a come from the contact. ``leg_b`` set = bridge the callee to it
    after the message; unset = hang up. ``dial_at``: Unix time, 0/""/None = as
    soon as the campaign starts. Numeric fields are the document's
    Integer/String (defaults: answer_delay 1, ring_timeout 10, max_retries 1,
    retry_wait_time 3).
    """

    unique_id: str | None = None
    dial_at: int | str | None = None
    from_campaign: bool | None = None
    answer_delay: int | str | None = None
    ring_timeout: int | str | None = None
    max_retries: int | str | None = None
    retry_wait_time: int | str | None = None
    leg_b: str | None = None
    cid_b: str | None = None
    dtmf_b: DtmfSequence | str | None = None

    def __post_init__(self):
        object.__setattr__(self, "dtmf_b", DtmfSequence.coerce(self.dtmf_b))


#: Phonon's example offset (India Standard Time).
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


@dataclass(frozen=True)
class PhononOptions:
    """Fields of the Phonon create request.

    - ``security_id``: 64 letters/digits from the flow's 'Edit Flow' page;
    - ``flow_id``: 8 letters/digits;
    - ``api_version``: "1.0" (production flow) or "TEST";
    - ``time_zone``: the zone ``start-time`` is written in;
    - ``batch_size``: calls per request (the API takes at most 500).
    """

    security_id: str
    flow_id: str
    api_version: Literal["1.0", "TEST"] = "1.0"
    time_zone: dt.tzinfo = IST
    batch_size: int = 500


@dataclass(frozen=True)
class IovoxOptions:
    """Fields of the iovox initiateCall request: the Link ID whose Calling Rules
    the call follows, and an optional delay in whole minutes."""

    link_id: str
    delay_minutes: int | None = None


def resolve_variables(
    definition: dict, values: Mapping[str, object] | None, *, required: bool = True
) -> dict[str, str]:
    """The value of every declared variable: the contact's, else the default.

    With ``required`` a variable with neither raises :class:`MissingVariablesError`;
    without, it is left out (its placeholders stay as written).
    """
    values = values or {}
    defaults = variable_defaults(definition)
    out: dict[str, str] = {}
    missing: list[str] = []
    for name in variable_names(definition):
        if values.get(name) is not None:
            out[name] = str(values[name])
        elif name in defaults:
            out[name] = defaults[name]
        else:
            missing.append(name)
    if missing and required:
        raise MissingVariablesError(missing)
    return out

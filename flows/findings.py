"""A finding: one thing lint, an importer or a compiler wants a person to know.

Findings carry a stable ``code`` (for tests, filters and translations), a
``severity`` and a message written for the office staff who design IVRs, plus
the location it belongs to, so the editor can show it next to the field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, TypedDict

Severity = Literal["error", "warning", "info"]

ERROR: Severity = "error"
WARNING: Severity = "warning"
INFO: Severity = "info"

_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


class Place(TypedDict, total=False):
    """Where in the flow a finding points, short of the field (see :class:`Finding`)."""

    step_index: int | None
    step: str | None
    route: int | None
    action: int | None


class Location(Place, total=False):
    """A finding's location fields, as keyword arguments (see :class:`Finding`)."""

    field: str | None


class StepLocation(TypedDict):
    """A step's part of a finding's location."""

    step_index: int
    step: str | None


@dataclass(slots=True)
class Finding:
    """One lint/import/compile finding (treat it as read-only; not frozen only
    because frozen dataclasses are slow to create and lint makes thousands).

    Location fields are all optional; the more of them are set, the closer to
    the field the page can show the message:

    - ``step_index`` / ``step``: position and ``step_id`` of the step;
    - ``route``: position of the route in the step's ``actions`` list;
    - ``action``: position of the action in that route's ``actions`` list;
    - ``field``: the field inside that object, e.g. ``"dtmf_ivr"``,
      ``"params.number"``, ``"key.min"``; for flow-wide or option findings a
      top-level name such as ``"have_dependency"`` or ``"number"``.
    """

    severity: Severity
    code: str
    message: str
    step_index: int | None = None
    step: str | None = None
    route: int | None = None
    action: int | None = None
    field: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def location(self) -> tuple:
        return (self.step_index, self.route, self.action, self.field)

    def as_dict(self) -> dict:
        return asdict(self)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then by position in the flow (stable for equal places)."""

    def key(f: Finding) -> tuple[int, int, int, int]:
        return (
            _SEVERITY_ORDER.get(f.severity, 3),
            -1 if f.step_index is None else f.step_index,
            -1 if f.route is None else f.route,
            -1 if f.action is None else f.action,
        )

    return sorted(findings, key=key)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)

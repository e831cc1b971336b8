"""What every lint rule needs: the definition, lookups, and a place for findings."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Unpack

from flows.canonical import is_linear, key_label, step_ids, steps, variable_names
from flows.findings import Finding, Location, Severity, StepLocation


@dataclass
class LintContext:
    definition: dict
    known_recordings: Collection[str] | None = None
    steps: list[dict] = field(init=False)
    ids: dict[str, int] = field(init=False)
    linear: bool = field(init=False)
    variables: set[str] = field(init=False)
    findings: list[Finding] = field(default_factory=list)
    used_placeholders: set[str] = field(default_factory=set)
    #: step index -> (indexes of routes a caller can take, some accepted key has none)
    routing: dict[int, tuple[list[int], bool]] = field(default_factory=dict)
    #: (step index, route index) -> how the route ends: (END|GOTO|CONTINUE, detail)
    effects: dict[tuple[int, int], tuple[str, str | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.steps = steps(self.definition)
        self.ids = step_ids(self.definition)
        self.linear = is_linear(self.definition)
        self.variables = set(variable_names(self.definition))
        if self.known_recordings is not None:
            self.known_recordings = frozenset(self.known_recordings)

    def add(
        self, severity: Severity, code: str, message: str, **location: Unpack[Location]
    ) -> None:
        self.findings.append(Finding(severity, code, message, **location))


def step_loc(step: dict, index: int) -> StepLocation:
    sid = step.get("step_id")
    return {"step_index": index, "step": sid if isinstance(sid, str) else None}


def step_name(step: dict, index: int) -> str:
    """'Step "foo"' or, for a step without a usable id, 'Step 3'."""
    sid = step.get("step_id")
    if isinstance(sid, str) and sid.strip():
        return f'Step "{sid}"'
    return f"Step {index + 1}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Spot:
    """Where a route or action sits. Its description ("Step "foo", key 1") and
    location are built only when a finding needs them: lint visits thousands of
    actions and finds problems in few."""

    __slots__ = ("ctx", "step_index", "route", "action", "_route_obj", "_where")

    def __init__(
        self, ctx: LintContext, step_index: int, route: int, action: int | None, obj: dict
    ) -> None:
        self.ctx = ctx
        self.step_index = step_index
        self.route = route
        self.action = action
        self._route_obj = obj
        self._where: str | None = None

    @property
    def where(self) -> str:
        if self._where is None:
            step = self.ctx.steps[self.step_index]
            self._where = (
                f"{step_name(step, self.step_index)}, {key_label(self._route_obj.get('key'))}"
            )
        return self._where

    def loc(self, field: str | None = None) -> Location:
        sid = self.ctx.steps[self.step_index].get("step_id")
        return {
            "step_index": self.step_index,
            "step": sid if isinstance(sid, str) else None,
            "route": self.route,
            "action": self.action,
            "field": field,
        }

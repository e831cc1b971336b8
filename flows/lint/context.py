"""What every lint rule needs: the definition, lookups, and a place for findings."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from flows.canonical import is_linear, step_ids, steps, variable_names
from flows.findings import Finding, Severity


@dataclass
class LintContext:
    definition: dict
    known_recordings: Collection[str] | None = None
    steps: list[dict] = field(init=False)
    ids: dict[str, int] = field(init=False)
    linear: bool = field(init=False)
    variables: set[str] = field(init=False)
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self):
        self.steps = steps(self.definition)
        self.ids = step_ids(self.definition)
        self.linear = is_linear(self.definition)
        self.variables = set(variable_names(self.definition))
        if self.known_recordings is not None:
            self.known_recordings = frozenset(self.known_recordings)

    def add(self, severity: Severity, code: str, message: str, **location) -> None:
        self.findings.append(Finding(severity, code, message, **location))


def step_loc(step: dict, index: int) -> dict:
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

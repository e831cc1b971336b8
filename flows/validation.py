"""Validate a canonical flow: lint (plain words, located) plus the JSON Schema.

``validate_definition`` is what pages, the API and publishing call. Lint
explains problems in words an IVR designer understands; schema violations lint
already explains at the same place are not repeated, the rest are reported as
``schema-invalid`` with their location.
"""

from __future__ import annotations

from collections.abc import Collection

from flows import schemas
from flows.findings import ERROR, Finding, has_errors, sort_findings
from flows.lint import CODES, lint

__all__ = ["CODES", "Finding", "has_errors", "lint", "schema_findings", "validate_definition"]


def schema_findings(definition: dict) -> list[Finding]:
    """The canonical schema's violations as located findings."""
    return [_locate(e, definition) for e in schemas.validate(schemas.FLOW_DEFINITION, definition)]


def validate_definition(
    definition: dict, known_recordings: Collection[str] | None = None
) -> list[Finding]:
    found = lint(definition, known_recordings)
    explained = {_place(f) for f in found if f.is_error}
    extra = [f for f in schema_findings(definition) if _place(f) not in explained]
    return sort_findings(found + extra)


def _place(finding: Finding) -> tuple:
    """Inside a step: the step/route/action; outside: the top-level field."""
    if finding.step_index is None:
        return (None, (finding.field or "").split(".")[0])
    return (finding.step_index, finding.route, finding.action)


def _locate(error: schemas.SchemaError, definition: dict) -> Finding:
    """Turn a JSON path such as ('steps', 0, 'actions', 1, 'actions', 0, 'params',
    'number') into step/route/action/field."""
    path = list(error.path)
    loc: dict = {}
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        loc["step_index"] = path[1]
        step = definition["steps"][path[1]]
        sid = step.get("step_id") if isinstance(step, dict) else None
        loc["step"] = sid if isinstance(sid, str) else None
        path = path[2:]
        if len(path) >= 2 and path[0] == "actions" and isinstance(path[1], int):
            loc["route"] = path[1]
            path = path[2:]
            if len(path) >= 2 and path[0] == "actions" and isinstance(path[1], int):
                loc["action"] = path[1]
                path = path[2:]
    field = ".".join(str(p) for p in path) or None
    return Finding(
        ERROR,
        "schema-invalid",
        f"{'Field ' + repr(field) + ': ' if field else ''}{error.message}",
        field=field,
        **loc,
    )

"""Lint a canonical flow definition: what would go wrong on a real call.

``lint(definition, known_recordings=None)`` returns :class:`~flows.findings.Finding`
objects, errors first. It never raises on malformed input (it skips what it
cannot read; the JSON Schema reports the shape). Each finding has a stable
``code``; the codes are listed in ``CODES`` with their severity.
"""

from __future__ import annotations

from collections.abc import Collection

from flows.canonical import (
    MAX_RETRIES_LIMIT,
    MAX_STEP_ID_LENGTH,
    VARIABLE_NAME_RE,
    is_true,
    step_routes,
)
from flows.editing import STEP_ID_RE
from flows.findings import ERROR, INFO, WARNING, Finding, Location, StepLocation, sort_findings
from flows.lint.actions import check_route_actions
from flows.lint.context import LintContext, step_loc, step_name
from flows.lint.graph import check_graph
from flows.lint.keys import check_accepted_keys, check_routes
from flows.lint.texts import check_flag, check_gender, check_prompt, check_recording, check_text
from providers.iovox.builder import RESERVED as IOVOX_RESERVED

__all__ = ["CODES", "Finding", "lint"]

#: Every code lint can report, with its severity.
CODES = {
    "no-steps": ERROR,
    "mode-invalid": ERROR,
    "count-steps-mismatch": WARNING,
    "variable-name-invalid": ERROR,
    "variable-duplicate": ERROR,
    "variable-name-reserved": WARNING,
    "variable-unused": INFO,
    "step-id-empty": ERROR,
    "step-id-duplicate": ERROR,
    "step-id-too-long": ERROR,
    "step-id-invalid": ERROR,
    "prompt-missing": WARNING,
    "text-invalid": ERROR,
    "text-too-long": ERROR,
    "placeholder-missing": ERROR,
    "placeholder-unknown": WARNING,
    "placeholder-count-mismatch": WARNING,
    "placeholder-unused": INFO,
    "recording-missing": ERROR,
    "flag-invalid": ERROR,
    "gender-invalid": ERROR,
    "timeout-not-positive": ERROR,
    "retries-out-of-range": ERROR,
    "key-empty": ERROR,
    "key-invalid": ERROR,
    "key-duplicate": WARNING,
    "route-key-missing": ERROR,
    "route-key-duplicate": ERROR,
    "route-key-not-accepted": WARNING,
    "accepted-key-no-route": WARNING,
    "range-special-key": ERROR,
    "range-not-numeric": ERROR,
    "range-reversed": ERROR,
    "range-overlap": ERROR,
    "range-contains-key": ERROR,
    "range-partly-accepted": INFO,
    "route-actions-missing": ERROR,
    "route-actions-empty": WARNING,
    "action-unknown": ERROR,
    "action-after-end": WARNING,
    "call-number-missing": ERROR,
    "call-cli-missing": ERROR,
    "phone-not-e164": ERROR,
    "phone-not-international": WARNING,
    "phone-short": WARNING,
    "phone-invalid": ERROR,
    "dtmf-invalid-chars": ERROR,
    "goto-ignored-linear": WARNING,
    "goto-target-missing": ERROR,
    "goto-missing-step": ERROR,
    "mark-type-invalid": ERROR,
    "mark-custom-no-value": ERROR,
    "mark-value-ignored": INFO,
    "play-text-missing": ERROR,
    "wait-invalid": ERROR,
    "wait-rounded": INFO,
    "wait-too-long": WARNING,
    "step-unreachable": WARNING,
    "endless-loop": ERROR,
}


def lint(definition: dict, known_recordings: Collection[str] | None = None) -> list[Finding]:
    """All findings for ``definition``. ``known_recordings``: names of uploaded
    recordings; when given, a prompt or play naming another one is an error."""
    ctx = LintContext(definition if isinstance(definition, dict) else {}, known_recordings)
    _check_flow(ctx)
    _check_variables(ctx)
    seen: dict[str, int] = {}
    for index, step in enumerate(ctx.steps):
        _check_step(ctx, step, index, seen)
    check_graph(ctx)
    _check_variable_use(ctx)
    return sort_findings(ctx.findings)


def _check_flow(ctx: LintContext) -> None:
    definition = ctx.definition
    if not ctx.steps:
        ctx.add(
            ERROR,
            "no-steps",
            "The flow has no steps yet. Add a first step: what callers hear when they answer.",
            field="steps",
        )
    mode = definition.get("have_dependency")
    if mode not in (None, "true", "false"):
        ctx.add(
            ERROR,
            "mode-invalid",
            f'The flow mode must be "true" (branching) or "false" (one step after the '
            f"other), not {mode!r}.",
            field="have_dependency",
        )
    count = definition.get("count_steps")
    if count is not None and count != len(ctx.steps):
        ctx.add(
            WARNING,
            "count-steps-mismatch",
            f"The step count says {count} but the flow has {len(ctx.steps)} steps; Paycall "
            "would stop at the smaller number. Save the flow again to update it.",
            field="count_steps",
        )


def _check_variables(ctx: LintContext) -> None:
    seen: set[str] = set()
    raw = ctx.definition.get("variables")
    for vi, var in enumerate(raw if isinstance(raw, list) else []):
        name = var.get("name") if isinstance(var, dict) else None
        if not isinstance(name, str) or not VARIABLE_NAME_RE.match(name):
            ctx.add(
                ERROR,
                "variable-name-invalid",
                f"Variable {vi + 1} ({name!r}) needs a name of letters, digits and _ that "
                "does not start with a digit, such as first_name.",
                field=f"variables.{vi}.name",
            )
        elif name in seen:
            ctx.add(
                ERROR,
                "variable-duplicate",
                f'There are two variables named "{name}". Rename or remove one.',
                field=f"variables.{vi}.name",
            )
        else:
            seen.add(name)
            if name in IOVOX_RESERVED:
                ctx.add(
                    WARNING,
                    "variable-name-reserved",
                    f'The variable "{name}" cannot be sent to iovox: the request uses that '
                    "name itself (for the number to call, the delay, or our call id). Rename "
                    "it if this flow may run on iovox.",
                    field=f"variables.{vi}.name",
                )


def _check_variable_use(ctx: LintContext) -> None:
    for name in sorted(ctx.variables - ctx.used_placeholders):
        ctx.add(
            INFO,
            "variable-unused",
            f'The variable "{name}" is not used in any message. (It is still sent to '
            "providers that keep the flow on their side, such as Phonon and iovox.)",
            field="variables",
        )


def _check_step(ctx: LintContext, step: dict, index: int, seen: dict[str, int]) -> None:
    loc = step_loc(step, index)
    name = step_name(step, index)
    sid = step.get("step_id")
    if not isinstance(sid, str) or not sid.strip():
        ctx.add(
            ERROR,
            "step-id-empty",
            f"Step {index + 1} has no name. Give it a short name, such as main_menu, so "
            "other steps can go to it.",
            **loc,
            field="step_id",
        )
    elif sid in seen:
        ctx.add(
            ERROR,
            "step-id-duplicate",
            f'Steps {seen[sid] + 1} and {index + 1} are both called "{sid}". Step names '
            "must be unique: rename one of them.",
            **loc,
            field="step_id",
        )
    else:
        seen[sid] = index
        if len(sid) > MAX_STEP_ID_LENGTH:
            ctx.add(
                ERROR,
                "step-id-too-long",
                f"{name}: the name is {len(sid)} characters long; keep it under "
                f"{MAX_STEP_ID_LENGTH}.",
                **loc,
                field="step_id",
            )
        # The editor's rule: a name goes into URLs, provider requests and reports.
        if not STEP_ID_RE.match(sid):
            ctx.add(
                ERROR,
                "step-id-invalid",
                f"{name}: use only letters, digits, dashes and underscores in a step's "
                "name, without spaces.",
                **loc,
                field="step_id",
            )
    check_gender(ctx, step.get("gender"), name, **loc, field="gender")
    check_flag(
        ctx,
        step.get("prompt_is_file"),
        "message is a recording",
        name,
        **loc,
        field="prompt_is_file",
    )
    check_flag(
        ctx,
        step.get("dtmf_invalid_text_is_file"),
        "invalid-key message is a recording",
        name,
        **loc,
        field="dtmf_invalid_text_is_file",
    )
    check_prompt(ctx, step, name, loc)
    _check_invalid_text(ctx, step, name, loc)
    _check_limits(ctx, step, name, loc)
    accepted = check_accepted_keys(ctx, step, name, loc)
    check_routes(ctx, step, name, loc, accepted)
    for ri, route in enumerate(step_routes(step)):
        check_route_actions(ctx, route, index, ri)


def _check_invalid_text(ctx: LintContext, step: dict, name: str, loc: StepLocation) -> None:
    if "dtmf_ivr_invalid_text" not in step:
        return
    text = step["dtmf_ivr_invalid_text"]
    here: Location = {**loc, "field": "dtmf_ivr_invalid_text"}
    if is_true(step.get("dtmf_invalid_text_is_file")):
        check_recording(ctx, text, name, "the invalid-key message", **here)
    elif text:
        check_text(ctx, text, name, "the invalid-key message", **here)


def _check_limits(ctx: LintContext, step: dict, name: str, loc: StepLocation) -> None:
    timeout = step.get("dtmf_ivr_timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    ):
        ctx.add(
            ERROR,
            "timeout-not-positive",
            f"{name}: the time to wait for a key must be more than 0 seconds (it is {timeout!r}).",
            **loc,
            field="dtmf_ivr_timeout",
        )
    retries = step.get("dtmf_ivr_retries")
    if retries is not None and (
        isinstance(retries, bool)
        or not isinstance(retries, int)
        or not 0 <= retries <= MAX_RETRIES_LIMIT
    ):
        ctx.add(
            ERROR,
            "retries-out-of-range",
            f"{name}: the number of retries must be a whole number from 0 to "
            f"{MAX_RETRIES_LIMIT} (it is {retries!r}).",
            **loc,
            field="dtmf_ivr_retries",
        )

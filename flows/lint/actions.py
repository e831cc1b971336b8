"""Rules for actions: call, goto, mark, play, wait, hangup."""

from __future__ import annotations

import math

from flows.canonical import ACTION_TYPES, MARK_TYPES, is_true, key_label, route_actions
from flows.compilers.dtmf import invalid_paycall_chars
from flows.findings import ERROR, INFO, WARNING
from flows.lint.context import LintContext
from flows.lint.texts import check_flag, check_gender, check_recording, check_text
from flows.phones import check_phone

LONG_WAIT_SECONDS = 3600


def check_route_actions(ctx: LintContext, route: dict, ri: int, name: str, loc: dict) -> None:
    where = f"{name}, {key_label(route.get('key'))}"
    actions = route.get("actions")
    if not isinstance(actions, list):
        ctx.add(
            ERROR,
            "route-actions-missing",
            f"{where}: the route has no list of actions.",
            **loc,
            route=ri,
            field="actions",
        )
        return
    if not actions:
        ctx.add(
            WARNING,
            "route-actions-empty",
            f"{where}: nothing happens, so the call "
            f"{'moves on to the next step' if ctx.linear else 'ends'}. Add an action.",
            **loc,
            route=ri,
            field="actions",
        )
    ended_by = None
    for ai, action in enumerate(route_actions(route)):
        here = {**loc, "route": ri, "action": ai}
        kind = action.get("action")
        if ended_by is not None:
            ctx.add(
                WARNING,
                "action-after-end",
                f"{where}: the {kind} after the {ended_by} never happens, because the "
                f"{ended_by} {'leaves this step' if ended_by == 'goto' else 'ends the call'}"
                ". Move it before, or remove it.",
                **here,
            )
            continue
        if kind not in ACTION_TYPES:
            ctx.add(
                ERROR,
                "action-unknown",
                f"{where}: {kind!r} is not an action. Use hangup, call, goto, mark, play or wait.",
                **here,
                field="action",
            )
            continue
        params = action.get("params")
        if kind != "hangup" and not isinstance(params, dict):
            params = {}
        CHECKS[kind](ctx, params, where, here)
        if kind in ("hangup", "call") or (kind == "goto" and not ctx.linear):
            ended_by = kind


def _call(ctx: LintContext, params: dict, where: str, here: dict) -> None:
    number = params.get("number")
    if not number:
        ctx.add(
            ERROR,
            "call-number-missing",
            f"{where}: the call has no number to connect to. Enter a phone number.",
            **here,
            field="params.number",
        )
    else:
        ctx.findings.extend(
            check_phone(
                str(number),
                what=f"{where}: the number to connect to",
                **here,
                field="params.number",
            )
        )
    cli = params.get("cli")
    if cli is None:
        ctx.add(
            ERROR,
            "call-cli-missing",
            f"{where}: the call has no caller id (the number the other side sees). "
            "Paycall requires one.",
            **here,
            field="params.cli",
        )
    elif cli != "":
        ctx.findings.extend(
            check_phone(str(cli), what=f"{where}: the caller id", **here, field="params.cli")
        )
    keys = params.get("dtmf_keys")
    if isinstance(keys, str) and invalid_paycall_chars(keys):
        ctx.add(
            WARNING,
            "dtmf-invalid-chars",
            f'{where}: the keys to press on answer ("{keys}") contain '
            f"{' '.join(invalid_paycall_chars(keys))}, which Paycall ignores. Use only "
            "0-9, * and #, with W for a 1-second pause and w for half a second.",
            **here,
            field="params.dtmf_keys",
        )


def _goto(ctx: LintContext, params: dict, where: str, here: dict) -> None:
    target = params.get("step_id")
    here = {**here, "field": "params.step_id"}
    if ctx.linear:
        ctx.add(
            WARNING,
            "goto-ignored-linear",
            f'{where}: "go to step" is ignored because the flow runs its steps one '
            "after the other. Switch the flow to branching mode, or remove the go-to.",
            **here,
        )
    if not isinstance(target, str) or not target:
        ctx.add(
            ERROR,
            "goto-target-missing",
            f'{where}: "go to step" does not say which step. Pick a step.',
            **here,
        )
    elif target not in ctx.ids:
        ctx.add(
            ERROR,
            "goto-missing-step",
            f'{where} goes to step "{target}", which does not exist. Pick another step '
            f'or create "{target}".',
            **here,
        )


def _mark(ctx: LintContext, params: dict, where: str, here: dict) -> None:
    kind = params.get("type")
    value = params.get("value")
    if kind not in MARK_TYPES:
        ctx.add(
            ERROR,
            "mark-type-invalid",
            f'{where}: a mark is either "remove" (take the number off the list) or '
            f'"custom" (record a value), not {kind!r}.',
            **here,
            field="params.type",
        )
    elif kind == "custom" and (not isinstance(value, str) or not value.strip()):
        ctx.add(
            ERROR,
            "mark-custom-no-value",
            f"{where}: a custom mark needs a value to record in the report (for example "
            '"interested"). Enter the value.',
            **here,
            field="params.value",
        )
    elif kind == "remove" and value not in (None, ""):
        ctx.add(
            INFO,
            "mark-value-ignored",
            f'{where}: the value {value!r} is not reported for a "remove" mark; only '
            "custom marks report a value.",
            **here,
            field="params.value",
        )


def _play(ctx: LintContext, params: dict, where: str, here: dict) -> None:
    text = params.get("text")
    check_gender(ctx, params.get("gender"), where, **here, field="params.gender")
    check_flag(
        ctx, params.get("is_recording"), "recording", where, **here, field="params.is_recording"
    )
    if is_true(params.get("is_recording")):
        check_recording(ctx, text, where, "the play action", **here, field="params.text")
    elif not text:
        ctx.add(
            ERROR,
            "play-text-missing",
            f"{where}: the play action has nothing to say. Enter the text or choose a recording.",
            **here,
            field="params.text",
        )
    else:
        check_text(ctx, text, where, "the played text", **here, field="params.text")


def _wait(ctx: LintContext, params: dict, where: str, here: dict) -> None:
    sleep = params.get("sleep")
    here = {**here, "field": "params.sleep"}
    if isinstance(sleep, bool) or not isinstance(sleep, int | float) or not math.isfinite(sleep):
        ctx.add(
            ERROR,
            "wait-invalid",
            f"{where}: the wait needs a number of seconds.",
            **here,
        )
    elif sleep < 0:
        ctx.add(ERROR, "wait-invalid", f"{where}: a wait cannot be negative.", **here)
    else:
        if sleep != math.ceil(sleep):
            ctx.add(
                INFO,
                "wait-rounded",
                f"{where}: Paycall rounds waits up to whole seconds, so {sleep:g} seconds "
                f"become {math.ceil(sleep)}.",
                **here,
            )
        if sleep > LONG_WAIT_SECONDS:
            ctx.add(
                WARNING,
                "wait-too-long",
                f"{where}: a wait of {sleep:g} seconds is over an hour of silence. Check "
                "the number.",
                **here,
            )


def _hangup(ctx: LintContext, params, where: str, here: dict) -> None:
    return None


CHECKS = {
    "call": _call,
    "goto": _goto,
    "mark": _mark,
    "play": _play,
    "wait": _wait,
    "hangup": _hangup,
}

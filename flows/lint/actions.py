"""Rules for actions: call, goto, mark, play, wait, hangup."""

from __future__ import annotations

import math

from flows.canonical import CONTINUE, END, GENDERS, GOTO, MARK_TYPES, is_true
from flows.dtmf import invalid_paycall_chars
from flows.findings import ERROR, INFO, WARNING
from flows.lint.context import LintContext, Spot
from flows.lint.texts import check_flag, check_gender, check_recording, check_text, text_needs_check
from flows.phones import check_phone, is_e164

LONG_WAIT_SECONDS = 3600


def check_route_actions(ctx: LintContext, route: dict, si: int, ri: int) -> None:
    actions = route.get("actions")
    ctx.effects[si, ri] = (CONTINUE, None) if ctx.linear else (END, None)
    if not isinstance(actions, list) or not actions:
        spot = Spot(ctx, si, ri, None, route)
        if not isinstance(actions, list):
            ctx.add(
                ERROR,
                "route-actions-missing",
                f"{spot.where}: the route has no list of actions.",
                **spot.loc("actions"),
            )
            return
        ctx.add(
            WARNING,
            "route-actions-empty",
            f"{spot.where}: nothing happens, so the call "
            f"{'moves on to the next step' if ctx.linear else 'ends'}. Add an action.",
            **spot.loc("actions"),
        )
    ended_by = None
    spot = Spot(ctx, si, ri, None, route)
    for ai, action in enumerate(actions):
        if not isinstance(action, dict):
            continue
        kind = action.get("action")
        check = CHECKS.get(kind) if isinstance(kind, str) else None
        spot.action = ai  # findings copy the location, so one spot serves the route
        if ended_by is not None:
            ctx.add(
                WARNING,
                "action-after-end",
                f"{spot.where}: the {kind} after the {ended_by} never happens, because the "
                f"{ended_by} {'leaves this step' if ended_by == 'goto' else 'ends the call'}"
                ". Move it before, or remove it.",
                **spot.loc(),
            )
            continue
        if check is None:
            ctx.add(
                ERROR,
                "action-unknown",
                f"{spot.where}: {kind!r} is not an action. Use hangup, call, goto, mark, play "
                "or wait.",
                **spot.loc("action"),
            )
            continue
        params = action.get("params")
        if kind == "goto" and not ctx.linear and isinstance(params, dict):
            target = params.get("step_id")
            if isinstance(target, str) and target in ctx.ids:  # the common, valid case
                ended_by = kind
                ctx.effects[si, ri] = (GOTO, target)
                continue
        if kind != "hangup":
            check(ctx, params if isinstance(params, dict) else {}, spot)
        if kind in ("hangup", "call"):
            ended_by = kind
            ctx.effects[si, ri] = (END, kind)
        elif kind == "goto" and not ctx.linear:
            ended_by = kind
            target = params.get("step_id") if isinstance(params, dict) else None
            ctx.effects[si, ri] = (GOTO, target if isinstance(target, str) else None)


def _call(ctx: LintContext, params: dict, spot: Spot) -> None:
    number = params.get("number")
    if not number:
        ctx.add(
            ERROR,
            "call-number-missing",
            f"{spot.where}: the call has no number to connect to. Enter a phone number.",
            **spot.loc("params.number"),
        )
    elif not is_e164(str(number)):
        ctx.findings.extend(
            check_phone(
                str(number),
                what=f"{spot.where}: the number to connect to",
                **spot.loc("params.number"),
            )
        )
    cli = params.get("cli")
    if cli is None:
        ctx.add(
            ERROR,
            "call-cli-missing",
            f"{spot.where}: the call has no caller id (the number the other side sees). "
            "Paycall requires one.",
            **spot.loc("params.cli"),
        )
    elif cli != "" and not is_e164(str(cli)):
        ctx.findings.extend(
            check_phone(
                str(cli),
                what=f"{spot.where}: the caller id",
                **spot.loc("params.cli"),
            )
        )
    keys = params.get("dtmf_keys")
    if isinstance(keys, str) and invalid_paycall_chars(keys):
        ctx.add(
            ERROR,
            "dtmf-invalid-chars",
            f'{spot.where}: the keys to press on answer ("{keys}") contain '
            f"{' '.join(invalid_paycall_chars(keys))}, which are not keys. Use only "
            "0-9, * and #, with W for a 1-second pause and w for half a second.",
            **spot.loc("params.dtmf_keys"),
        )


def _goto(ctx: LintContext, params: dict, spot: Spot) -> None:
    target = params.get("step_id")
    if ctx.linear:
        ctx.add(
            WARNING,
            "goto-ignored-linear",
            f'{spot.where}: "go to step" is ignored because the flow runs its steps one '
            "after the other. Switch the flow to branching mode, or remove the go-to.",
            **spot.loc("params.step_id"),
        )
    if not isinstance(target, str) or not target:
        ctx.add(
            ERROR,
            "goto-target-missing",
            f'{spot.where}: "go to step" does not say which step. Pick a step.',
            **spot.loc("params.step_id"),
        )
    elif target not in ctx.ids:
        ctx.add(
            ERROR,
            "goto-missing-step",
            f'{spot.where} goes to step "{target}", which does not exist. Pick another step '
            f'or create "{target}".',
            **spot.loc("params.step_id"),
        )


def _mark(ctx: LintContext, params: dict, spot: Spot) -> None:
    kind = params.get("type")
    value = params.get("value")
    if kind not in MARK_TYPES:
        ctx.add(
            ERROR,
            "mark-type-invalid",
            f'{spot.where}: a mark is either "remove" (take the number off the list) or '
            f'"custom" (record a value), not {kind!r}.',
            **spot.loc("params.type"),
        )
    elif kind == "custom" and (not isinstance(value, str) or not value.strip()):
        ctx.add(
            ERROR,
            "mark-custom-no-value",
            f"{spot.where}: a custom mark needs a value to record in the report (for example "
            '"interested"). Enter the value.',
            **spot.loc("params.value"),
        )
    elif kind == "remove" and value not in (None, ""):
        ctx.add(
            INFO,
            "mark-value-ignored",
            f'{spot.where}: the value {value!r} is not reported for a "remove" mark; only '
            "custom marks report a value.",
            **spot.loc("params.value"),
        )


def _play(ctx: LintContext, params: dict, spot: Spot) -> None:
    text = params.get("text")
    gender = params.get("gender")
    if gender is not None and gender not in GENDERS:
        check_gender(ctx, gender, spot.where, **spot.loc("params.gender"))
    recording = params.get("is_recording")
    if recording is not None and recording not in ("true", "false"):
        check_flag(ctx, recording, "recording", spot.where, **spot.loc("params.is_recording"))
    if is_true(recording):
        check_recording(ctx, text, spot.where, "the play action", **spot.loc("params.text"))
    elif not text:
        ctx.add(
            ERROR,
            "play-text-missing",
            f"{spot.where}: the play action has nothing to say. Enter the text or choose a "
            "recording.",
            **spot.loc("params.text"),
        )
    elif text_needs_check(ctx, text):
        check_text(ctx, text, spot.where, "the played text", **spot.loc("params.text"))


def _wait(ctx: LintContext, params: dict, spot: Spot) -> None:
    sleep = params.get("sleep")
    if type(sleep) is int and 0 <= sleep <= LONG_WAIT_SECONDS:
        return
    if isinstance(sleep, bool) or not isinstance(sleep, int | float) or not math.isfinite(sleep):
        ctx.add(
            ERROR,
            "wait-invalid",
            f"{spot.where}: the wait needs a number of seconds.",
            **spot.loc("params.sleep"),
        )
    elif sleep < 0:
        ctx.add(
            ERROR,
            "wait-invalid",
            f"{spot.where}: a wait cannot be negative.",
            **spot.loc("params.sleep"),
        )
    else:
        if sleep != math.ceil(sleep):
            ctx.add(
                INFO,
                "wait-rounded",
                f"{spot.where}: Paycall rounds waits up to whole seconds, so {sleep:g} seconds "
                f"become {math.ceil(sleep)}.",
                **spot.loc("params.sleep"),
            )
        if sleep > LONG_WAIT_SECONDS:
            ctx.add(
                WARNING,
                "wait-too-long",
                f"{spot.where}: a wait of {sleep:g} seconds is over an hour of silence. Check "
                "the number.",
                **spot.loc("params.sleep"),
            )


def _hangup(ctx: LintContext, params: dict, spot: Spot) -> None:
    return None


CHECKS = {
    "call": _call,
    "goto": _goto,
    "mark": _mark,
    "play": _play,
    "wait": _wait,
    "hangup": _hangup,
}

"""Rules for what callers hear: prompts, texts, recordings, placeholders, voices."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Unpack

from flows.canonical import (
    GENDERS,
    MAX_TEXT_LENGTH,
    is_true,
    placeholders_in,
    prompt_placeholder_values,
)
from flows.findings import ERROR, INFO, WARNING, Location, StepLocation
from flows.lint.context import LintContext

FLAG_VALUES = ("true", "false")


def check_flag(ctx: LintContext, value: Any, what: str, name: str, **loc: Unpack[Location]) -> None:
    if value is not None and value not in FLAG_VALUES:
        ctx.add(
            ERROR,
            "flag-invalid",
            f'{name}: "{what}" must be yes or no (written "true" or "false"), not {value!r}.',
            **loc,
        )


def check_gender(ctx: LintContext, value: Any, name: str, **loc: Unpack[Location]) -> None:
    if value is not None and value not in GENDERS:
        ctx.add(
            ERROR,
            "gender-invalid",
            f"{name}: the voice must be male or female, not {value!r}.",
            **loc,
        )


def check_recording(
    ctx: LintContext, value: Any, name: str, what: str, **loc: Unpack[Location]
) -> None:
    if not isinstance(value, str) or not value.strip():
        ctx.add(
            ERROR,
            "recording-missing",
            f"{name}: {what} is set to play a recording, but no recording is chosen. "
            "Pick a recording, or switch to spoken text.",
            **loc,
        )
        return
    if ctx.known_recordings is not None and value not in ctx.known_recordings:
        ctx.add(
            ERROR,
            "recording-missing",
            f'{name}: {what} plays the recording "{value}", which has not been uploaded. '
            "Upload it, or pick another recording.",
            **loc,
        )


def text_needs_check(ctx: LintContext, text: Any) -> bool:
    """False for a text lint has nothing to say about (its placeholders are
    recorded as used): a cheap test before building the finding's location."""
    if not isinstance(text, str) or len(text) > MAX_TEXT_LENGTH:
        return True
    if "$" not in text:
        return False
    names = placeholders_in(text)
    ctx.used_placeholders.update(names)
    return not ctx.variables.issuperset(names)


def check_text(
    ctx: LintContext,
    value: Any,
    name: str,
    what: str,
    *,
    fixed: Collection[str] | None = None,
    **loc: Unpack[Location],
) -> None:
    """A spoken text: its length and its placeholders.

    ``fixed`` are the placeholder values of a prompt object; when given, a
    placeholder with neither a value nor a variable is an error (Paycall would
    read "$4$" aloud), otherwise only a warning (it may be a literal "$").
    """
    if not isinstance(value, str):
        ctx.add(ERROR, "text-invalid", f"{name}: {what} must be text.", **loc)
        return
    if len(value) > MAX_TEXT_LENGTH:
        ctx.add(
            ERROR,
            "text-too-long",
            f"{name}: {what} is {len(value)} characters long; the limit is "
            f"{MAX_TEXT_LENGTH}. Shorten it or split it over several steps.",
            **loc,
        )
    if "$" not in value:
        return
    for placeholder in placeholders_in(value):
        ctx.used_placeholders.add(placeholder)
        if placeholder in ctx.variables or (fixed is not None and placeholder in fixed):
            continue
        if fixed is not None:
            ctx.add(
                ERROR,
                "placeholder-missing",
                f"{name}: {what} uses ${placeholder}$, but it has no value and there is "
                f'no variable "{placeholder}". Callers would hear "${placeholder}$". '
                "Give it a value or add the variable.",
                **loc,
            )
        else:
            ctx.add(
                WARNING,
                "placeholder-unknown",
                f"{name}: {what} contains ${placeholder}$, but there is no variable "
                f'"{placeholder}", so it is read out as written. Add the variable if it '
                "should be filled in for each contact.",
                **loc,
            )


def check_prompt(ctx: LintContext, step: dict, name: str, loc: StepLocation) -> None:
    prompt = step.get("prompt")
    here: Location = {**loc, "field": "prompt"}
    if prompt is None or prompt == "" or prompt == []:
        ctx.add(
            WARNING,
            "prompt-missing",
            f"{name} says nothing: it has no message. Callers will hear silence.",
            **here,
        )
        return
    if is_true(step.get("prompt_is_file")):
        check_recording(ctx, prompt, name, "the message", **here)
        return
    if isinstance(prompt, list):
        for part in prompt:
            check_text(ctx, part, name, "the message", **here)
        return
    if isinstance(prompt, dict):
        fixed = prompt_placeholder_values(prompt)
        check_text(ctx, prompt.get("text"), name, "the message", fixed=fixed, **here)
        fields = prompt.get("fields")
        if fields is not None and fields != len(fixed):
            ctx.add(
                WARNING,
                "placeholder-count-mismatch",
                f'{name}: the message says it has {fields} placeholder values ("fields") '
                f"but gives {len(fixed)}. Set it to {len(fixed)}.",
                **here,
            )
        used = set(placeholders_in(prompt.get("text")))
        for unused in sorted(set(fixed) - used):
            ctx.add(
                INFO,
                "placeholder-unused",
                f"{name}: the value for ${unused}$ is never used in the message text.",
                **here,
            )
        return
    check_text(ctx, prompt, name, "the message", **here)

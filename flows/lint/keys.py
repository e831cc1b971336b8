"""Rules for keys: accepted keys, route keys, key ranges."""

from __future__ import annotations

import re

from flows.canonical import DTMF_KEY_CHARS, KeyRange, accepted_keys, parse_key, step_routes
from flows.findings import ERROR, INFO, WARNING, Location, StepLocation
from flows.lint.context import LintContext, plural

_KEY = re.compile(r"[0-9*#]+")
#: (route index, its key range, the range's bounds)
_Range = tuple[int, KeyRange, tuple[int, int]]


def _bad_chars(key: str) -> str:
    """The characters of ``key`` a keypad does not have ("" when it is fine)."""
    if _KEY.fullmatch(key):
        return ""
    return " ".join(sorted({c for c in key if c not in DTMF_KEY_CHARS}))


def check_accepted_keys(ctx: LintContext, step: dict, name: str, loc: StepLocation) -> list[str]:
    """Checks ``dtmf_ivr`` and returns its usable keys."""
    here: Location = {**loc, "field": "dtmf_ivr"}
    raw = step.get("dtmf_ivr")
    if raw is not None and not isinstance(raw, str | list):
        ctx.add(ERROR, "key-invalid", f"{name}: the accepted keys must be a list of keys.", **here)
        return []
    usable: list[str] = []
    for key in accepted_keys(step):
        if key == "":
            ctx.add(ERROR, "key-empty", f"{name}: one of the accepted keys is empty.", **here)
        elif _bad_chars(key):
            ctx.add(
                ERROR,
                "key-invalid",
                f'{name}: the accepted key "{key}" contains {_bad_chars(key)}. A phone '
                "keypad has only 0-9, * and #.",
                **here,
            )
        elif key in usable:
            ctx.add(
                WARNING,
                "key-duplicate",
                f"{name}: key {key} is listed twice among the accepted keys.",
                **here,
            )
        else:
            usable.append(key)
    return usable


def check_routes(
    ctx: LintContext, step: dict, name: str, loc: StepLocation, accepted: list[str]
) -> None:
    singles: dict[str, int] = {}
    ranges: list[_Range] = []
    for ri, route in enumerate(step_routes(step)):
        key = parse_key(route.get("key"))
        if key is None:
            ctx.add(
                ERROR,
                "route-key-missing",
                f"{name}: route {ri + 1} has no key. Choose the key (or range of keys) "
                "that leads to it.",
                **loc,
                route=ri,
                field="key",
            )
        elif isinstance(key, KeyRange):
            bounds = _check_range(ctx, key, name, {**loc, "route": ri, "field": "key"})
            if bounds is not None:
                ranges.append((ri, key, bounds))
        elif key == "" or _bad_chars(key):
            ctx.add(
                ERROR,
                "key-invalid",
                f'{name}: the route key "{key}" is not a key. A phone keypad has only '
                "0-9, * and #.",
                **loc,
                route=ri,
                field="key",
            )
        elif key in singles:
            ctx.add(
                ERROR,
                "route-key-duplicate",
                f"{name}: key {key} has two routes (routes {singles[key] + 1} and {ri + 1}); "
                "only the first is used. Remove or change one of them.",
                **loc,
                route=ri,
                field="key",
            )
        else:
            singles[key] = ri
            if key not in accepted:
                ctx.add(
                    WARNING,
                    "route-key-not-accepted",
                    f"{name}: there is a route for key {key}, but the step does not "
                    f"accept key {key}, so callers can never reach it. Add {key} to the "
                    "accepted keys or remove the route.",
                    **loc,
                    route=ri,
                    field="key",
                )
    _check_range_overlaps(ctx, ranges, singles, name, loc)
    _check_range_acceptance(ctx, ranges, accepted, name, loc)
    covered = _record_routing(ctx, loc["step_index"], singles, ranges, accepted)
    if not ctx.linear:
        for key in accepted:
            if key in covered:
                continue
            ctx.add(
                WARNING,
                "accepted-key-no-route",
                f"{name}: callers may press {key}, but nothing is set to happen then, "
                f"so the call simply ends. Add a route for key {key} or stop accepting it.",
                **loc,
                field="dtmf_ivr",
            )


def _record_routing(
    ctx: LintContext, si: int, singles: dict[str, int], ranges: list[_Range], accepted: list[str]
) -> set[str]:
    """Record which routes a caller can take (an exact key wins over a range, the
    first route for a key over later ones) and whether an accepted key has none;
    return the accepted keys that have a route."""
    taken = [ri for key, ri in singles.items() if key in accepted]
    covered = {key for key in singles if key in accepted}
    for ri, _key, (low, high) in ranges:
        hits = {k for k in accepted if k.isdigit() and low <= int(k) <= high} - covered
        if hits:
            taken.append(ri)
            covered |= hits
    ctx.routing[si] = (sorted(taken), len(covered) < len(accepted))
    return covered


def _check_range(
    ctx: LintContext, key: KeyRange, name: str, here: Location
) -> tuple[int, int] | None:
    for bound, value in (("min", key.min), ("max", key.max)):
        where: Location = {**here, "field": f"key.{bound}"}
        if "#" in value or "*" in value:
            ctx.add(
                ERROR,
                "range-special-key",
                f"{name}: a key range can only use numbers; {value} contains # or *. "
                "Give # and * routes of their own.",
                **where,
            )
            return None
        if not value.isdigit():
            ctx.add(
                ERROR,
                "range-not-numeric",
                f'{name}: the key range needs numbers at both ends; "{value}" is not a number.',
                **where,
            )
            return None
    bounds = key.bounds()
    assert bounds is not None, "both ends were found to be numbers above"
    low, high = bounds
    if low > high:
        ctx.add(
            ERROR,
            "range-reversed",
            f"{name}: the key range {key.min}–{key.max} runs backwards. Swap the two "
            f"ends: {key.max}–{key.min}.",
            **here,
        )
        return None
    return low, high


def _check_range_overlaps(
    ctx: LintContext,
    ranges: list[_Range],
    singles: dict[str, int],
    name: str,
    loc: StepLocation,
) -> None:
    for i, (ri, key, (low, high)) in enumerate(ranges):
        for _rj, other, (olow, ohigh) in ranges[:i]:
            if low <= ohigh and olow <= high:
                ctx.add(
                    ERROR,
                    "range-overlap",
                    f"{name}: the key ranges {other.label()} and {key.label()} overlap "
                    f"({max(low, olow)}–{min(high, ohigh)} are in both). Make them "
                    "separate.",
                    **loc,
                    route=ri,
                    field="key",
                )
        for single, si in singles.items():
            if single.isdigit() and low <= int(single) <= high:
                ctx.add(
                    ERROR,
                    "range-contains-key",
                    f"{name}: key {single} has a route of its own but is also inside the "
                    f"range {key.label()}. Split the range so that it leaves {single} out "
                    f"(for example {_split_hint(key, int(single))}).",
                    **loc,
                    route=si,
                    field="key",
                )


def _split_hint(key: KeyRange, single: int) -> str:
    bounds = key.bounds()
    assert bounds is not None, "only ranges with numeric bounds get here"
    low, high = bounds
    parts = []
    if low <= single - 1:
        parts.append(f"{low}–{single - 1}")
    if single + 1 <= high:
        parts.append(f"{single + 1}–{high}")
    return " and ".join(parts) if parts else "remove the range"


def _check_range_acceptance(
    ctx: LintContext, ranges: list[_Range], accepted: list[str], name: str, loc: StepLocation
) -> None:
    if not ranges:
        return
    numeric = [int(k) for k in accepted if k.isdigit()]
    for ri, key, (low, high) in ranges:
        inside = sum(1 for k in numeric if low <= k <= high)
        here: Location = {**loc, "route": ri, "field": "key"}
        if inside == 0:
            ctx.add(
                WARNING,
                "route-key-not-accepted",
                f"{name}: the step accepts none of the keys {key.label()}, so this route "
                "can never be reached. Add them to the accepted keys.",
                **here,
            )
        elif inside < high - low + 1:
            ctx.add(
                INFO,
                "range-partly-accepted",
                f"{name}: only {plural(inside, 'key')} of the range {key.label()} "
                f"{'is' if inside == 1 else 'are'} among the accepted keys; callers who "
                "press the others hear the invalid-key message.",
                **here,
            )

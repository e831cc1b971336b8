"""Rules about the flow as a whole: steps never played, loops that never end.

Runs after the step rules, from what they recorded: which routes a caller can
take (``ctx.routing``) and how each route ends (``ctx.effects``)."""

from __future__ import annotations

from collections import deque

from flows.canonical import END, GOTO
from flows.findings import ERROR, WARNING
from flows.lint.context import LintContext, step_loc, step_name


def check_graph(ctx: LintContext) -> None:
    if not ctx.steps:
        return
    if ctx.linear:
        _check_linear(ctx)
    else:
        _check_branching(ctx)


def _check_linear(ctx: LintContext) -> None:
    for index, step in enumerate(ctx.steps):
        taken, unrouted = ctx.routing.get(index, ([], False))
        if not taken or unrouted:
            continue
        if all(ctx.effects[index, ri][0] == END for ri in taken):
            for later_index in range(index + 1, len(ctx.steps)):
                later = ctx.steps[later_index]
                ctx.add(
                    WARNING,
                    "step-unreachable",
                    f"{step_name(later, later_index)} is never played: "
                    f"{step_name(step, index).lower()} before it ends the call whatever "
                    "callers press.",
                    **step_loc(later, later_index),
                )
            return


def _check_branching(ctx: LintContext) -> None:
    n = len(ctx.steps)
    edges: list[set[int]] = [set() for _ in range(n)]
    exits = [False] * n
    for index in range(n):
        taken, unrouted = ctx.routing.get(index, ([], False))
        exits[index] = unrouted or not taken
        for ri in taken:
            effect, target = ctx.effects[index, ri]
            if effect == GOTO and target in ctx.ids:
                edges[index].add(ctx.ids[target])
            else:
                exits[index] = True

    reached = _reach([0], edges)
    for index, step in enumerate(ctx.steps):
        if index not in reached:
            ctx.add(
                WARNING,
                "step-unreachable",
                f"{step_name(step, index)} is never played: no key leads to it, and in "
                'branching mode only the first step plays by itself. Add a "go to" to '
                "it from another step, or delete it.",
                **step_loc(step, index),
            )

    reverse: list[set[int]] = [set() for _ in range(n)]
    for source, targets in enumerate(edges):
        for later in targets:
            reverse[later].add(source)
    can_end = _reach([i for i in range(n) if exits[i]], reverse)
    for index in sorted(reached - can_end):
        step = ctx.steps[index]
        onward = ", ".join(f'"{ctx.steps[t].get("step_id")}"' for t in sorted(edges[index]))
        ctx.add(
            ERROR,
            "endless-loop",
            f"{step_name(step, index)} never lets the call end: every key leads on to "
            f"{onward}, and from there only back round, with no hang-up. Callers go in "
            "circles until they hang up. Make one of the keys hang up or end the call.",
            **step_loc(step, index),
            field="actions",
        )


def _reach(starts: list[int], edges: list[set[int]]) -> set[int]:
    seen = set(starts)
    queue = deque(starts)
    while queue:
        node = queue.popleft()
        for nxt in edges[node]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen

"""Write one editor change to the draft rows: only the steps it touched.

`flows.definition.save_definition` replaces every row of a flow, which is right
for an import but makes a one-key edit cost O(steps) rows (and, with SQLite's
999-parameter batches, a number of queries that grows with the flow). The editor
knows the definition before and after its change, so it rewrites only the steps
whose dicts differ, with a fixed number of queries whatever the flow's size.
The rows built are those of `save_definition` (the same row builders), so a
re-read gives back exactly the definition the editor computed.
"""

from __future__ import annotations

from django.db import transaction

from .definition import (
    STEP_COLUMNS,
    VARIABLE_COLUMNS,
    _action_row,
    _actions_form,
    _route_row,
    _step_row,
    split_definition,
)
from .models import Action, Flow, Route, Step, Variable

FLOW_FIELDS = ("name", "description", "have_dependency", "language", "max_retries")


@transaction.atomic
def write_changes(*, flow: Flow, before: dict, after: dict, user=None) -> Flow:
    """Store `after` over the rows that hold `before` (both editable definitions)."""
    old, old_meta = split_definition(before)
    new, new_meta = split_definition(after)
    _write_flow(flow, new, new_meta, user)
    if old.get("variables") != new.get("variables") or old_meta.get(
        "variable_labels"
    ) != new_meta.get("variable_labels"):
        _write_variables(flow, new.get("variables") or [], new_meta.get("variable_labels") or {})
    old_steps = old.get("steps") or []
    new_steps = new.get("steps") or []
    if old_steps != new_steps or old_meta.get("layout") != new_meta.get("layout"):
        _write_steps(flow, old_steps, new_steps, new_meta.get("layout") or {})
    return flow


def _write_flow(flow: Flow, canonical: dict, metadata: dict, user) -> None:
    flow.name = canonical.get("name") or flow.name or "Untitled flow"
    flow.description = canonical.get("description") or ""
    flow.have_dependency = canonical.get("have_dependency") or Flow.Mode.LINEAR
    flow.language = metadata.get("language") or flow.language
    flow.max_retries = metadata.get("max_retries")
    flow.draft_revision += 1
    if user is not None and user.is_authenticated:
        flow.updated_by = user
    flow.save()


def _write_variables(flow: Flow, variables: list[dict], labels: dict) -> None:
    Variable.objects.filter(flow=flow).delete()
    Variable.objects.bulk_create(
        Variable(
            flow=flow,
            order=index,
            name=item["name"],
            label=labels.get(item["name"]),
            **{column: item.get(column) for column in VARIABLE_COLUMNS},
        )
        for index, item in enumerate(variables)
    )


def _write_steps(flow: Flow, old_steps: list[dict], new_steps: list[dict], layout: dict) -> None:
    rows = {
        step_id: (pk, order, x, y)
        for pk, step_id, order, x, y in Step.objects.filter(flow=flow).values_list(
            "pk", "step_id", "order", "x", "y"
        )
    }
    old_ids = [step["step_id"] for step in old_steps]
    new_ids = [step["step_id"] for step in new_steps]
    renames = _renames(old_ids, new_ids)
    for old_id, new_id in renames.items():
        pk = rows[old_id][0]
        Step.objects.filter(pk=pk).update(step_id=new_id)
        # A goto remembers its target's name for when the target is deleted.
        Action.objects.filter(goto_step_id=pk).update(goto_step_name=new_id)
        rows[new_id] = rows.pop(old_id)
    old_by_id = {renames.get(step["step_id"], step["step_id"]): step for step in old_steps}

    removed = [step_id for step_id in old_by_id if step_id not in set(new_ids)]
    if removed:
        Step.objects.filter(pk__in=[rows[step_id][0] for step_id in removed]).delete()

    added = [step for step in new_steps if step["step_id"] not in old_by_id]
    changed = [
        step
        for step in new_steps
        if step["step_id"] in old_by_id and old_by_id[step["step_id"]] != step
    ]
    orders = _orders(new_ids, {step_id: row[1] for step_id, row in rows.items()})
    new_rows = Step.objects.bulk_create(
        _step_row(flow, orders[step["step_id"]], step, layout.get(step["step_id"]) or {})
        for step in added
    )
    pks = {step_id: row[0] for step_id, row in rows.items() if step_id not in removed}
    pks.update({row.step_id: row.pk for row in new_rows})

    for step in changed:
        Step.objects.filter(pk=pks[step["step_id"]]).update(
            actions_form=_actions_form(step),
            **{column: step.get(column) for column in STEP_COLUMNS},
        )
    _replace_routes(added + changed, pks)
    _link_gotos(flow, [step["step_id"] for step in added], pks)
    _update_places(flow, new_ids, rows, orders, layout, pks)


def _renames(old_ids: list[str], new_ids: list[str]) -> dict[str, str]:
    """A step renamed in place: same position, the old name gone, the new one new."""
    if len(old_ids) != len(new_ids):
        return {}
    return {
        old: new
        for old, new in zip(old_ids, new_ids, strict=True)
        if old != new and old not in new_ids and new not in old_ids
    }


def _orders(new_ids: list[str], current: dict[str, int]) -> dict[str, int]:
    """Keep the stored order numbers while they still increase; else renumber."""
    kept = [current[step_id] for step_id in new_ids if step_id in current]
    if all(a < b for a, b in zip(kept, kept[1:], strict=False)):
        orders, last = {}, -1
        for step_id in new_ids:
            last = current[step_id] if step_id in current else last + 1
            orders[step_id] = last
        if all(a < b for a, b in zip(orders.values(), list(orders.values())[1:], strict=False)):
            return orders
    return {step_id: index for index, step_id in enumerate(new_ids)}


def _replace_routes(steps: list[dict], pks: dict[str, int]) -> None:
    if not steps:
        return
    step_pks = [pks[step["step_id"]] for step in steps]
    Action.objects.filter(route__step_id__in=step_pks).delete()
    Route.objects.filter(step_id__in=step_pks).delete()
    targets = {step_id: Step(pk=pk, step_id=step_id) for step_id, pk in pks.items()}
    routes: list[Route] = []
    route_actions: list[list[dict]] = []
    for step in steps:
        holder = targets[step["step_id"]]
        for index, route in enumerate(step.get("actions") or []):
            routes.append(_route_row(holder, index, route))
            route_actions.append(route.get("actions") or [])
    routes = Route.objects.bulk_create(routes)
    Action.objects.bulk_create(
        _action_row(route, index, action, targets)
        for route, actions in zip(routes, route_actions, strict=True)
        for index, action in enumerate(actions)
    )


def _link_gotos(flow: Flow, added_ids: list[str], pks: dict[str, int]) -> None:
    """Gotos elsewhere that named a step before it existed now reach it."""
    for step_id in added_ids:
        Action.objects.filter(
            route__step__flow=flow,
            type=Action.Type.GOTO,
            goto_step__isnull=True,
            goto_step_name=step_id,
        ).update(goto_step_id=pks[step_id])


def _update_places(flow, new_ids, rows, orders, layout, pks) -> None:
    """Order numbers and canvas positions of the steps that kept their row."""
    stale = []
    for step_id in new_ids:
        if step_id not in rows:
            continue
        _, order, x, y = rows[step_id]
        position = layout.get(step_id) or {}
        if (order, x, y) != (orders[step_id], position.get("x"), position.get("y")):
            stale.append(
                Step(
                    pk=pks[step_id],
                    order=orders[step_id],
                    x=position.get("x"),
                    y=position.get("y"),
                )
            )
    if stale:
        Step.objects.bulk_update(stale, ["order", "x", "y"], batch_size=len(stale))

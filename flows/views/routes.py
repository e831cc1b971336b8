"""Routes of a step: add a key or a range, reorder, delete."""

from __future__ import annotations

from django.views.decorators.http import require_POST

from dialer_site.permissions import permission_for

from .. import editing, services
from ..forms import RouteForm
from .common import flow_or_404, offset_of, run_form_edit
from .steps import READ, WRITE, routes_edit, step_update

# A route change also changes the accepted keys, so the keypad is swapped too.
ROUTE_PARTS = ("keys-oob", "map", "problems", "revision")


@require_POST
@permission_for(READ, WRITE)
def add_route(request, pk: int, index: int):
    flow = flow_or_404(pk)

    def bind(definition):
        taken = [
            route.get("key") for route in editing.step_at(definition, index).get("actions") or []
        ]
        return RouteForm(request.POST, prefix="route", taken=taken)

    def apply(definition, form):
        return editing.insert_route(definition, index=index, key=form.route_key)

    def saved(result):
        return step_update(
            request, result.flow, result.definition, index, "step-routes", parts=ROUTE_PARTS
        )

    def refused(form, definition):
        if form is None:
            return step_update(request, flow, definition, index)
        return step_update(request, flow, definition, index, "step-routes", 422, route_form=form)

    return run_form_edit(request, flow, bind=bind, apply=apply, saved=saved, refused=refused)


@require_POST
@permission_for(READ, WRITE)
def delete_route(request, pk: int, index: int, route: int):
    return routes_edit(request, flow_or_404(pk), index, services.delete_route, route=route)


@require_POST
@permission_for(READ, WRITE)
def move_route(request, pk: int, index: int, route: int):
    return routes_edit(
        request, flow_or_404(pk), index, services.move_route, route=route, offset=offset_of(request)
    )

"""The editing services: each change is stored so that a re-read gives exactly the
definition the editor computed, touching only what changed."""

import json

import pytest
from django.core.exceptions import ValidationError

from flows import editing, services
from flows.definition import definition_from_flow, save_definition
from flows.models import Action, Flow, Step

from .conftest import make_big_flow


def edit(change):
    """The edit a form view makes: the pure `change`, applied with `apply_edit`."""

    def service(*, flow, revision, user, **kwargs):
        return services.apply_edit(
            flow=flow, revision=revision, user=user, change=lambda d: change(d, **kwargs)
        )

    service.__name__ = change.__name__
    return service


CHANGES = [
    (services.add_step, {}),
    (services.add_step, {"step_id": "extra"}),
    (
        edit(editing.change_step),
        {"index": 0, "fields": {"step_id": "start", "dtmf_ivr_timeout": None}},
    ),
    (edit(editing.change_step), {"index": 1, "fields": {"prompt": ["one", "two"]}}),
    (services.toggle_step_key, {"index": 1, "key": "9"}),
    (services.toggle_step_key, {"index": 0, "key": "11"}),
    (edit(editing.insert_route), {"index": 1, "key": {"min": "10", "max": "19"}}),
    (edit(editing.insert_route), {"index": 1, "key": "9"}),
    (
        edit(editing.put_action),
        {"index": 1, "route": 0, "action": None, "value": {"action": "hangup"}},
    ),
    (
        edit(editing.put_action),
        {
            "index": 1,
            "route": 1,
            "action": None,
            "value": {"action": "goto", "params": {"step_id": "baz"}},
            "new_step": "baz",
        },
    ),
    (services.move_action, {"index": 0, "route": 0, "action": 0, "offset": 1}),
    (
        edit(editing.put_action),
        {"index": 0, "route": 1, "action": 0, "value": {"action": "hangup"}},
    ),
    (services.delete_action, {"index": 0, "route": 3, "action": 2}),
    (services.move_route, {"index": 0, "route": 0, "offset": 1}),
    (services.delete_route, {"index": 0, "route": 2}),
    (services.move_step, {"index": 1, "offset": -1}),
    (services.delete_step, {"index": 0}),
    (services.place_node, {"index": 0, "x": 15.5, "y": 300.0}),
    (services.tidy_layout, {}),
    (
        services.save_variable,
        {
            "position": None,
            "variable": {
                "name": "first_name",
                "label": "First name",
                "default": "Dana",
                "description": "",
            },
        },
    ),
    (services.delete_variable, {"position": 0}),
    (
        services.update_settings,
        {
            "fields": {
                "name": "Renamed",
                "description": "d",
                "language": "en",
                "have_dependency": "false",
                "max_retries": 4,
            }
        },
    ),
]


def test_each_change_is_stored_as_computed(foo_bar, designer):
    flow = foo_bar
    for service, kwargs in CHANGES:
        result = service(flow=flow, revision=flow.draft_revision, user=designer, **kwargs)
        flow = Flow.objects.get(pk=flow.pk)
        assert definition_from_flow(flow) == result.definition, service.__name__
        assert flow.draft_revision == result.flow.draft_revision


def test_a_renamed_step_keeps_its_gotos(foo_bar, designer):
    edit(editing.change_step)(
        flow=foo_bar, revision=None, user=designer, index=1, fields={"step_id": "baz"}
    )
    steps = definition_from_flow(foo_bar)["steps"]
    assert steps[0]["actions"][1]["actions"] == [{"action": "goto", "params": {"step_id": "baz"}}]
    goto = Action.objects.get(type="goto", route__step__flow=foo_bar)
    assert goto.goto_step.step_id == "baz"


def test_a_goto_to_a_deleted_step_remembers_its_target_and_relinks(foo_bar, designer):
    services.delete_step(flow=foo_bar, revision=None, user=designer, index=1)
    goto = Action.objects.get(type="goto", route__step__flow=foo_bar)
    assert goto.goto_step is None and goto.goto_step_name == "bar"
    services.add_step(flow=foo_bar, revision=None, user=designer, step_id="bar")
    goto.refresh_from_db()
    assert goto.goto_step == Step.objects.get(flow=foo_bar, step_id="bar")


def test_a_stale_revision_is_refused(foo_bar, designer):
    with pytest.raises(services.DraftConflict, match="changed by someone else"):
        services.add_step(flow=foo_bar, revision=foo_bar.draft_revision - 1, user=designer)


@pytest.mark.parametrize(
    ("service", "kwargs", "message"),
    [
        (services.add_step, {"step_id": "foo"}, "already called"),
        (edit(editing.change_step), {"index": 7, "fields": {}}, "no longer exists"),
        (edit(editing.insert_route), {"index": 5, "key": "1"}, "no longer exists"),
        (services.delete_action, {"index": 0, "route": 0, "action": 9}, "no longer exists"),
        (services.save_variable, {"position": 3, "variable": {"name": "x"}}, "no longer exists"),
    ],
)
def test_impossible_changes_are_refused_in_plain_words(foo_bar, designer, service, kwargs, message):
    before = definition_from_flow(foo_bar)
    with pytest.raises(ValidationError, match=message):
        service(flow=foo_bar, revision=None, user=designer, **kwargs)
    assert definition_from_flow(Flow.objects.get(pk=foo_bar.pk)) == before


def test_limits_are_enforced(designer):
    flow = make_big_flow(3, designer)
    definition = definition_from_flow(flow)
    step = definition["steps"][0]
    step["actions"] = [{"key": str(n), "actions": []} for n in range(editing.MAX_ROUTES_PER_STEP)]
    with pytest.raises(ValidationError, match=f"at most {editing.MAX_ROUTES_PER_STEP} routes"):
        editing.insert_route(definition, index=0, key="x")
    route = {"key": "1", "actions": [{"action": "hangup"}] * editing.MAX_ACTIONS_PER_ROUTE}
    step["actions"] = [route]
    with pytest.raises(ValidationError, match=f"at most {editing.MAX_ACTIONS_PER_ROUTE} actions"):
        editing.insert_action(definition, index=0, route=0, action={"action": "hangup"})
    definition["steps"] = [{"step_id": f"s{n}"} for n in range(editing.MAX_STEPS)]
    with pytest.raises(ValidationError, match=f"at most {editing.MAX_STEPS} steps"):
        editing.insert_step(definition)


def test_the_editor_reads_back_exactly_what_it_saved(designer):
    from .conftest import FIXTURES

    flows = [make_big_flow(12, designer)]
    for name in ("dialer_test.json", "key_ranges_steps.json", "simple_test.json"):
        data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        flows.append(services.import_flow(data=data, user=designer, name=name)[0])
    services.save_variable(
        flow=flows[1],
        revision=None,
        user=designer,
        position=None,
        variable={"name": "first_name", "label": "First name", "default": "", "description": ""},
    )
    edited = services.delete_step(flow=flows[1], revision=None, user=designer, index=1)
    # Only the touched rows were rewritten, yet the draft reads as the edit computed it
    # and as a whole save of that definition would store it.
    assert definition_from_flow(flows[1]) == edited.definition
    for flow in flows:
        flow.refresh_from_db()
        definition = definition_from_flow(flow)
        save_definition(flow=flow, definition=definition)
        assert definition_from_flow(flow) == definition

"""The flow map's picture of a definition: nodes, connectors, end caps, marks."""

import time

from flows import flowmap
from flows.findings import ERROR, WARNING, Finding
from flows.flowmap_svg import to_svg

from .conftest import big_definition, dialer_test


def foo_bar() -> dict:
    ivr = dialer_test()["ivr"]
    return {"name": "x", "variables": [], **ivr}


def urls(index):
    return f"/s/{index}/"


def test_an_unarranged_flow_gets_a_layered_layout_with_the_start_on_top():
    positions = flowmap.node_positions(foo_bar())
    assert positions["foo"]["y"] < positions["bar"]["y"]
    assert positions["bar"]["y"] - positions["foo"]["y"] >= flowmap.NODE_HEIGHT


def test_stored_places_are_kept_and_new_steps_go_below():
    definition = foo_bar()
    definition["layout"] = {"foo": {"x": 500.0, "y": 40.0}}
    positions = flowmap.node_positions(definition)
    assert positions["foo"] == {"x": 500.0, "y": 40.0}
    assert positions["bar"]["y"] > 40.0 + flowmap.NODE_HEIGHT


def test_nodes_edges_and_end_caps():
    flow_map = flowmap.build_map(foo_bar())
    foo, bar = flow_map.nodes
    assert (foo.step_id, foo.is_start, bar.is_start) == ("foo", True, False)
    assert [chip.label for chip in foo.chips] == ["1", "11", "0", "4"]
    assert foo.prompt.startswith("לחץ על אחד") and foo.right_to_left
    gotos = [c for c in flow_map.connectors if c.kind == "goto"]
    assert [c.label for c in gotos] == ["1"]
    assert {cap.label for cap in flow_map.caps} == {
        "1: call 053000000",
        "11, 0: hang up",
        "2: hang up",
    }


def test_errors_warnings_and_unreachable_steps_are_marked():
    definition = foo_bar()
    definition["steps"].append({"step_id": "lonely", "prompt": "nobody comes here"})
    definition["steps"][0]["actions"][1]["actions"][0]["params"]["step_id"] = "gone"
    findings = [
        Finding(ERROR, "goto-missing-step", "x", step_index=0, step="foo", route=1, action=0),
        Finding(WARNING, "w", "y", step_index=2, step="lonely"),
    ]
    nodes = {n.step_id: n for n in flowmap.build_map(definition, findings).nodes}
    assert nodes["foo"].has_error and "node-error" in nodes["foo"].css_class
    assert nodes["lonely"].has_warning and nodes["lonely"].unreachable
    assert nodes["bar"].unreachable  # its only way in was the broken goto
    caps = flowmap.build_map(definition, findings).caps
    assert any(cap.kind == "missing" and "gone" in cap.label for cap in caps)


def test_linear_flows_chain_their_steps():
    definition = foo_bar()
    definition["have_dependency"] = "false"
    flow_map = flowmap.build_map(definition)
    assert [c.label for c in flow_map.connectors if c.kind == "next"] == ["then"]
    assert not any(node.unreachable for node in flow_map.nodes)


def test_many_keys_end_with_a_count_chip_inside_the_node():
    definition = foo_bar()
    definition["steps"][0]["dtmf_ivr"] = [str(n) for n in range(10, 30)]
    chips = flowmap.build_map(definition).nodes[0].chips
    assert chips[-1].label.startswith("+")
    assert chips[-1].x + chips[-1].width <= flowmap.NODE_WIDTH


def test_the_svg_carries_step_ids_and_escapes_texts():
    definition = foo_bar()
    definition["steps"][1]["prompt"] = "<script>alert(1)</script>"
    svg = to_svg(flowmap.build_map(definition), step_url=urls, move_url=None)
    assert 'data-step-id="foo"' in svg and 'data-step-id="bar"' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'hx-get="/s/1/"' in svg and "data-move-url" not in svg
    moving = to_svg(flowmap.build_map(definition), step_url=urls, move_url=urls)
    assert 'data-move-url="/s/0/"' in moving


def test_a_100_step_map_is_built_quickly():
    definition = big_definition(100)
    start = time.perf_counter()
    flow_map = flowmap.build_map(definition)
    to_svg(flow_map, step_url=urls, move_url=urls)
    assert len(flow_map.nodes) == 100
    assert time.perf_counter() - start < 0.5

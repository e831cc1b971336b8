"""The flow map: where each step's node goes and what the SVG draws, from the
canonical definition (pure; no ORM).

Positions come from the definition's `layout` (where people dragged the nodes);
a flow nobody has arranged yet gets a layered (Sugiyama) layout from grandalf,
with the start step on the top layer. Drawing a connector between two placed
nodes is plain geometry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

from . import canonical
from .canonical import accepted_keys

NODE_WIDTH = 220
NODE_HEIGHT = 96
LAYER_GAP = 110
# End caps hang at a node's right side; the gap between nodes leaves them room.
CAP_WIDTH = 140
CAP_HEIGHT = 26
CAP_OFFSET = 26
CAP_CHARS = 20
NODE_GAP = CAP_WIDTH + CAP_OFFSET + 30
MARGIN = 40
PROMPT_WORDS = 7
PROMPT_CHARS = 28
CHIP_WIDTH = 26


@dataclass
class Chip:
    label: str
    x: float
    width: float


@dataclass
class Node:
    index: int
    step_id: str
    x: float
    y: float
    title: str
    prompt: str
    chips: list[Chip]
    is_start: bool = False
    has_error: bool = False
    has_warning: bool = False
    unreachable: bool = False

    @property
    def width(self) -> int:
        return NODE_WIDTH

    @property
    def height(self) -> int:
        return NODE_HEIGHT

    @property
    def right_to_left(self) -> bool:
        return any("\u0590" <= char <= "\u06ff" for char in self.prompt)

    @property
    def css_class(self) -> str:
        classes = ["node"]
        if self.is_start:
            classes.append("node-start")
        if self.has_error:
            classes.append("node-error")
        elif self.has_warning:
            classes.append("node-warning")
        if self.unreachable:
            classes.append("node-unreachable")
        return " ".join(classes)


@dataclass
class Connector:
    path: str
    label: str
    label_x: float
    label_y: float
    kind: str  # goto | next | cap | missing

    @property
    def label_width(self) -> int:
        return 12 + 7 * len(self.label)


@dataclass
class Cap:
    kind: str  # hangup | call | missing
    label: str
    x: float
    y: float
    width: int = CAP_WIDTH
    height: int = CAP_HEIGHT


@dataclass
class FlowMap:
    nodes: list[Node] = field(default_factory=list)
    connectors: list[Connector] = field(default_factory=list)
    caps: list[Cap] = field(default_factory=list)
    view_box: str = "0 0 600 300"
    width: float = 600
    height: float = 300


# ---------------------------------------------------------------------------------
# layout


def flat(definition: dict) -> dict:
    """The definition with the ivr fields on top, however it nests them."""
    ivr = definition.get("ivr")
    return {**definition, **ivr} if isinstance(ivr, dict) else definition


def steps_of(definition: dict) -> list[dict]:
    return canonical.steps(flat(definition))


def is_graph(definition: dict) -> bool:
    return not canonical.is_linear(flat(definition))


def goto_targets(step: dict) -> list[tuple[str, str]]:
    """(key label, target step id) for every goto of a step, in route order."""
    out = []
    for route in step.get("actions") or []:
        if not isinstance(route, dict):
            continue
        for action in route.get("actions") or []:
            params = action.get("params") or {}
            if action.get("action") == "goto" and params.get("step_id"):
                out.append((key_text(route.get("key")), str(params["step_id"])))
    return out


def key_text(key) -> str:
    if isinstance(key, dict):
        return f"{key.get('min')}–{key.get('max')}"
    return "" if key is None else str(key)


def automatic_layout(definition: dict) -> dict[str, dict[str, float]]:
    """Top-left corner of every node from a layered layout (grandalf's Sugiyama)."""
    steps = steps_of(definition)
    ids = [step.get("step_id") for step in steps]
    if not ids:
        return {}

    class View:
        w = NODE_WIDTH + NODE_GAP
        h = NODE_HEIGHT + LAYER_GAP
        xy = (0.0, 0.0)

    vertices = {step_id: Vertex(step_id) for step_id in ids}
    for vertex in vertices.values():
        vertex.view = View()
    edges = []
    for index, step in enumerate(steps):
        targets = [target for _, target in goto_targets(step) if target in vertices]
        if not is_graph(definition) and index + 1 < len(ids):
            targets = [ids[index + 1]]
        for target in dict.fromkeys(targets):
            if target != step.get("step_id"):
                edges.append(Edge(vertices[step.get("step_id")], vertices[target]))
    graph = Graph(list(vertices.values()), edges)
    offset_x = 0.0
    positions: dict[str, dict[str, float]] = {}
    # Each connected part is laid out on its own, side by side, the start's first.
    for component in graph.C:
        layout = SugiyamaLayout(component)
        layout.xspace = 0
        layout.yspace = 0
        roots = [v for v in component.sV if v.data == ids[0]]
        layout.init_all(roots=roots or None)
        layout.draw(N=1)
        xs = [v.view.xy[0] for v in component.sV]
        left = min(xs)
        for vertex in component.sV:
            x, y = vertex.view.xy
            positions[vertex.data] = {
                "x": round(x - left + offset_x, 1),
                "y": round(y - View.h / 2, 1),
            }
        offset_x += max(xs) - left + View.w
    return positions


def node_positions(definition: dict) -> dict[str, dict[str, float]]:
    """Stored positions; steps without one go under the others (or, when nothing is
    placed yet, everything comes from the automatic layout)."""
    stored = {
        step_id: {"x": float(p["x"]), "y": float(p["y"])}
        for step_id, p in (definition.get("layout") or {}).items()
        if isinstance(p, dict) and p.get("x") is not None and p.get("y") is not None
    }
    ids = [step.get("step_id") for step in steps_of(definition)]
    stored = {step_id: stored[step_id] for step_id in ids if step_id in stored}
    missing = [step_id for step_id in ids if step_id not in stored]
    if not missing:
        return stored
    if not stored:
        return automatic_layout(definition)
    lowest = max(p["y"] for p in stored.values()) + NODE_HEIGHT + LAYER_GAP
    left = min(p["x"] for p in stored.values())
    for number, step_id in enumerate(missing):
        stored[step_id] = {"x": left + number * (NODE_WIDTH + NODE_GAP), "y": lowest}
    return stored


# ---------------------------------------------------------------------------------
# drawing


def prompt_snippet(step: dict) -> str:
    prompt = step.get("prompt")
    if str(step.get("prompt_is_file", "")).lower() == "true":
        name = prompt[0] if isinstance(prompt, list) and prompt else prompt
        return f"♪ {name}" if name else "(no recording chosen)"
    if isinstance(prompt, dict):
        text = str(prompt.get("text", ""))
    elif isinstance(prompt, list):
        text = " ".join(str(p) for p in prompt)
    else:
        text = str(prompt or "")
    if not text.strip():
        return "(no prompt yet)"
    words = text.split()
    snippet = " ".join(words[:PROMPT_WORDS])
    if len(snippet) > PROMPT_CHARS:
        snippet = snippet[: PROMPT_CHARS - 1].rstrip()
        return snippet + "…"
    return snippet + ("…" if len(words) > PROMPT_WORDS else "")


def _chips(step: dict) -> list[Chip]:
    """The accepted keys as chips, as many as fit; then "+N" for the rest."""
    keys = accepted_keys(step)
    chips, x = [], 12.0
    room = NODE_WIDTH - 12 - (CHIP_WIDTH + 8)  # keep space for a "+N" chip
    for number, label in enumerate(keys):
        width = CHIP_WIDTH + 8 * max(0, len(label) - 1)
        last = number == len(keys) - 1
        if x + width > (NODE_WIDTH - 12 if last else room):
            more = f"+{len(keys) - number}"
            chips.append(Chip(label=more, x=x, width=CHIP_WIDTH + 8 * (len(more) - 1)))
            break
        chips.append(Chip(label=label, x=x, width=width))
        x += width + 4
    return chips


def reachable_steps(definition: dict) -> set[str]:
    steps = steps_of(definition)
    ids = [step.get("step_id") for step in steps]
    if not ids:
        return set()
    if not is_graph(definition):
        return set(ids)
    by_id = {step.get("step_id"): step for step in steps}
    seen, todo = {ids[0]}, [ids[0]]
    while todo:
        for _, target in goto_targets(by_id[todo.pop()]):
            if target in by_id and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _curve(sx: float, sy: float, tx: float, ty: float) -> tuple[str, float, float]:
    """A vertical S-curve from (sx, sy) down to (tx, ty), and its middle point."""
    bend = max(40.0, abs(ty - sy) / 2)
    c1y, c2y = sy + bend, ty - bend
    path = f"M{sx:.1f},{sy:.1f} C{sx:.1f},{c1y:.1f} {tx:.1f},{c2y:.1f} {tx:.1f},{ty:.1f}"
    mid_x = (sx + 3 * sx + 3 * tx + tx) / 8
    mid_y = (sy + 3 * c1y + 3 * c2y + ty) / 8
    return path, mid_x, mid_y


def _loop_back(sx: float, sy: float, tx: float, ty: float, side: float):
    """A connector to a node above (or to itself): out of the side and around."""
    out = sx + side
    path = (
        f"M{sx:.1f},{sy:.1f} C{out:.1f},{sy:.1f} {out + side * 0.3:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
    )
    return path, out, (sy + ty) / 2


def build_map(definition: dict, findings: list | None = None) -> FlowMap:
    steps = steps_of(definition)
    positions = node_positions(definition)
    reachable = reachable_steps(definition)
    errors, warnings = _finding_steps(steps, findings or [])
    flow_map = FlowMap()
    nodes: dict[str, Node] = {}
    for index, step in enumerate(steps):
        step_id = str(step.get("step_id"))
        position = positions.get(step_id, {"x": 0.0, "y": 0.0})
        node = Node(
            index=index,
            step_id=step_id,
            x=position["x"],
            y=position["y"],
            title=step_id,
            prompt=prompt_snippet(step),
            chips=_chips(step),
            is_start=index == 0,
            has_error=index in errors,
            has_warning=index in warnings,
            unreachable=step_id not in reachable,
        )
        nodes.setdefault(step_id, node)
        flow_map.nodes.append(node)
    graph = is_graph(definition)
    grid = _grid(flow_map.nodes)
    for index in range(len(steps)):
        _draw_routes(flow_map, nodes, steps, index, graph, grid)
    _fit(flow_map)
    return flow_map


def _finding_steps(steps: list[dict], findings: list) -> tuple[set[int], set[int]]:
    index_of = {step.get("step_id"): i for i, step in enumerate(steps)}
    errors, warnings = set(), set()
    for finding in findings:
        index = getattr(finding, "step_index", None)
        if index is None:
            index = index_of.get(getattr(finding, "step", None))
        if index is None:
            continue
        severity = getattr(finding, "severity", "")
        if severity == "error":
            errors.add(index)
        elif severity == "warning":
            warnings.add(index)
    return errors, warnings


def _draw_routes(flow_map, nodes, steps, index, graph, grid) -> None:
    step = steps[index]
    source = nodes[str(step.get("step_id"))]
    if source.index != index:
        return  # a duplicated step id: drawn once
    outgoing: dict[str, list[str]] = defaultdict(list)
    caps: dict[tuple[str, str], list[str]] = defaultdict(list)
    for route in step.get("actions") or []:
        if not isinstance(route, dict):
            continue
        label = key_text(route.get("key"))
        for action in route.get("actions") or []:
            kind = action.get("action")
            params = action.get("params") or {}
            if kind == "goto" and not graph:
                continue  # linear mode ignores goto (lint says so)
            if kind == "goto":
                target = str(params.get("step_id") or "")
                if target in nodes:
                    outgoing[target].append(label)
                else:
                    caps[("missing", f"missing {target}".strip())].append(label)
            elif kind == "hangup":
                caps[("hangup", "hang up")].append(label)
            elif kind == "call":
                caps[("call", f"call {params.get('number') or ''}".strip())].append(label)
    if not graph and index + 1 < len(steps):
        next_id = str(steps[index + 1].get("step_id"))
        outgoing.setdefault(next_id, []).append("then")
    count = len(outgoing)
    for number, (target_id, labels) in enumerate(outgoing.items()):
        target = nodes[target_id]
        path, lx, ly = _connector(source, target, number, count)
        kind = "next" if labels == ["then"] else "goto"
        flow_map.connectors.append(
            Connector(path=path, label=", ".join(labels), label_x=lx, label_y=ly, kind=kind)
        )
    beside = _caps_fit_beside(source, grid, len(caps))
    for number, ((kind, text), labels) in enumerate(caps.items()):
        words = f"{', '.join(labels)}: {text}"
        if len(words) > CAP_CHARS:
            words = words[: CAP_CHARS - 1] + "…"
        if beside:
            cx = source.x + NODE_WIDTH + CAP_OFFSET
            cy = source.y + 6 + number * (CAP_HEIGHT + 6)
            middle = cy + CAP_HEIGHT / 2
            path = f"M{source.x + NODE_WIDTH:.1f},{middle:.1f} H{cx:.1f}"
        else:
            cx = source.x + 30
            cy = source.y + NODE_HEIGHT + CAP_OFFSET + number * (CAP_HEIGHT + 6)
            middle = cy + CAP_HEIGHT / 2
            path = f"M{source.x + 16:.1f},{source.y + NODE_HEIGHT:.1f} V{middle:.1f} H{cx:.1f}"
        flow_map.caps.append(Cap(kind=kind, label=words, x=cx, y=cy))
        flow_map.connectors.append(
            Connector(
                path=path,
                label="",
                label_x=cx,
                label_y=middle,
                kind="missing" if kind == "missing" else "cap",
            )
        )


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


GRID_CELL = 400.0


def _grid(nodes: list[Node]) -> dict[tuple[int, int], list[Node]]:
    """Nodes by coarse cell, so looking for a neighbour is not a scan of the map."""
    grid: dict[tuple[int, int], list[Node]] = defaultdict(list)
    for node in nodes:
        grid[(int(node.x // GRID_CELL), int(node.y // GRID_CELL))].append(node)
    return grid


def _caps_fit_beside(source: Node, grid, count: int) -> bool:
    """End caps hang at the node's right unless another node is there; then below."""
    if not count:
        return True
    left = source.x + NODE_WIDTH
    area = (left, source.y, left + CAP_OFFSET + CAP_WIDTH, source.y + count * (CAP_HEIGHT + 6))
    cell_x, cell_y = int(source.x // GRID_CELL), int(source.y // GRID_CELL)
    for dx in (-1, 0, 1, 2):
        for dy in (-1, 0, 1):
            for node in grid.get((cell_x + dx, cell_y + dy), ()):
                box = (node.x, node.y, node.x + NODE_WIDTH, node.y + NODE_HEIGHT)
                if node is not source and _overlaps(area, box):
                    return False
    return True


def _connector(source: Node, target: Node, number: int, count: int):
    """Down to a node below; sideways to a node level with this one; around the
    left side back up to a node above (or to itself)."""
    if target.y > source.y + NODE_HEIGHT / 2:
        sx = source.x + NODE_WIDTH * (number + 1) / (count + 1)
        return _curve(sx, source.y + NODE_HEIGHT, target.x + NODE_WIDTH / 2, target.y)
    if target is not source and abs(target.y - source.y) <= NODE_HEIGHT / 2:
        forward = target.x > source.x
        sx = source.x + NODE_WIDTH if forward else source.x
        tx = target.x if forward else target.x + NODE_WIDTH
        sy = source.y + NODE_HEIGHT / 2 - 12 + 8 * number
        ty = target.y + NODE_HEIGHT / 2 - 12 + 8 * number
        bend = (tx - sx) / 2
        path = (
            f"M{sx:.1f},{sy:.1f} C{sx + bend:.1f},{sy:.1f} "
            f"{tx - bend:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
        )
        return path, (sx + tx) / 2, (sy + ty) / 2
    return _loop_back(
        source.x,
        source.y + NODE_HEIGHT / 2,
        target.x,
        target.y + NODE_HEIGHT / 3,
        -(40 + 16 * number),
    )


def _fit(flow_map: FlowMap) -> None:
    boxes = [(n.x, n.y, n.x + NODE_WIDTH, n.y + NODE_HEIGHT) for n in flow_map.nodes]
    boxes += [(c.x, c.y, c.x + c.width, c.y + c.height) for c in flow_map.caps]
    if not boxes:
        return
    left = min(b[0] for b in boxes) - MARGIN - 60  # room for loop-backs
    top = min(b[1] for b in boxes) - MARGIN - 24  # room for the start badge
    right = max(b[2] for b in boxes) + MARGIN
    bottom = max(b[3] for b in boxes) + MARGIN
    flow_map.width = round(right - left, 1)
    flow_map.height = round(bottom - top, 1)
    flow_map.view_box = f"{left:.1f} {top:.1f} {flow_map.width} {flow_map.height}"

"""The flow map as SVG markup, written in Python rather than a template: a
100-step map is a few thousand elements, and this keeps an edit's answer fast.
Every text is escaped here; the caller marks the result safe."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from .flowmap import NODE_HEIGHT, NODE_WIDTH, FlowMap, Node

TITLE_CHARS = 22
MARKERS = (
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
    'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
    'class="arrow-head"/></marker><marker id="arrow-bad" viewBox="0 0 10 10" refX="9" '
    'refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
    '<path d="M0,0 L10,5 L0,10 z" class="arrow-head-bad"/></marker></defs>'
)


def _node(node: Node, step_url: str, move_url: str | None) -> str:
    label = f"Step {node.step_id}"
    if node.is_start:
        label += ", the start"
    if node.has_error:
        label += ", has errors"
    if node.unreachable:
        label += ", unreachable"
    title = node.title if len(node.title) <= TITLE_CHARS else node.title[: TITLE_CHARS - 1] + "…"
    parts = [
        f'<g class="{node.css_class}" data-step-id="{escape(node.step_id)}" '
        f'data-index="{node.index}" transform="translate({node.x:.1f},{node.y:.1f})" '
        f'data-x="{node.x:.1f}" data-y="{node.y:.1f}" tabindex="0" role="button" '
        f'aria-label="{escape(label)}" hx-get="{escape(step_url)}" hx-target="#panel" '
        f"hx-trigger=\"click, keydown[key=='Enter']\""
        + (f' data-move-url="{escape(move_url)}"' if move_url else "")
        + ">"
    ]
    if node.is_start:
        parts.append(
            '<g class="start-badge" transform="translate(0,-22)"><rect width="52" height="18" '
            'rx="9"/><text x="26" y="13" text-anchor="middle">START</text></g>'
        )
    parts.append(f'<rect class="node-box" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="10"/>')
    parts.append(f'<text class="node-title" x="12" y="24">{escape(title)}</text>')
    if node.has_error:
        parts.append(
            f'<g class="node-flag" transform="translate({NODE_WIDTH - 30},8)"><circle cx="10" '
            'cy="10" r="10"/><text x="10" y="15" text-anchor="middle">!</text></g>'
        )
    if node.right_to_left:
        parts.append(
            f'<text class="node-prompt" x="{NODE_WIDTH - 12}" y="48" text-anchor="end">'
            f"{escape(node.prompt)}</text>"
        )
    else:
        parts.append(f'<text class="node-prompt" x="12" y="48">{escape(node.prompt)}</text>')
    if node.unreachable:
        parts.append('<text class="node-note" x="12" y="64">unreachable: no key leads here</text>')
    for chip in node.chips:
        parts.append(
            f'<g class="chip" transform="translate({chip.x:.1f},72)"><rect width="{chip.width}" '
            f'height="18" rx="5"/><text x="{chip.width / 2:.1f}" y="13" text-anchor="middle">'
            f"{escape(chip.label)}</text></g>"
        )
    parts.append("</g>")
    return "".join(parts)


def to_svg(
    flow_map: FlowMap, *, step_url: Callable[[int], str], move_url: Callable[[int], str] | None
) -> str:
    count = len(flow_map.nodes)
    out = [
        f'<svg class="map-svg" viewBox="{flow_map.view_box}" '
        f'data-view-box="{flow_map.view_box}" role="group" '
        f'aria-label="Flow map: {count} step{"" if count == 1 else "s"}" '
        'preserveAspectRatio="xMidYMin meet">',
        MARKERS,
        '<g class="connectors">',
    ]
    for c in flow_map.connectors:
        marker = "arrow-bad" if c.kind == "missing" else "arrow"
        out.append(
            f'<path d="{c.path}" class="connector connector-{c.kind}" marker-end="url(#{marker})"/>'
        )
    for c in flow_map.connectors:
        if c.label:
            out.append(
                f'<g class="edge-label" transform="translate({c.label_x:.1f},{c.label_y:.1f})">'
                f'<rect x="{-c.label_width / 2:.1f}" y="-9" width="{c.label_width}" height="18" '
                f'rx="9" class="edge-label-bg"/><text text-anchor="middle" y="4">'
                f"{escape(c.label)}</text></g>"
            )
    out.append('</g><g class="caps">')
    for cap in flow_map.caps:
        warn = "⚠ " if cap.kind == "missing" else ""
        out.append(
            f'<g class="cap cap-{cap.kind}" transform="translate({cap.x:.1f},{cap.y:.1f})">'
            f'<rect width="{cap.width}" height="{cap.height}" rx="13"/>'
            f'<text x="10" y="17" class="cap-text">{warn}{escape(cap.label)}</text></g>'
        )
    out.append('</g><g class="nodes">')
    for node in flow_map.nodes:
        out.append(_node(node, step_url(node.index), move_url(node.index) if move_url else None))
    out.append("</g></svg>")
    return "".join(out)

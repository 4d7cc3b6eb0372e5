"""The plan and the diff as text: a resource tree with its inputs, the outputs, the
warnings and a summary; long values cut for the screen (the JSON is complete)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components import PROJECT
from tools.offline_plan.diff import PlanDiff, PropertyChange
from tools.offline_plan.document import canonical, flatten, short_type
from tools.offline_plan.redaction import SECRET

VALUE_WIDTH = 100  # longer input values are cut: the plan is for reading, the JSON is complete
INDENT = "    "
_COLORS = {"+": "32", "-": "31", "~": "33", "+-": "35", "warning": "33", "dim": "2"}


@dataclass(frozen=True)
class Style:
    color: bool

    def paint(self, text: str, key: str) -> str:
        return f"\x1b[{_COLORS[key]}m{text}\x1b[0m" if self.color else text


def show(value: Any) -> str:
    """One value on one line: the placeholder bare, everything else as compact JSON."""
    if value == SECRET:
        return SECRET
    text = canonical(value)
    if len(text) <= VALUE_WIDTH:
        return text
    # Cut in the middle: an Azure resource ID says what it is at both ends.
    head = (VALUE_WIDTH - 3) // 2
    return text[:head] + "..." + text[-(VALUE_WIDTH - 3 - head) :]


def change_line(change: PropertyChange) -> str:
    note = " (forces replacement)" if change.replaces else ""
    if change.op == "+":
        return f"+ {change.path}: {show(change.new)}{note}"
    if change.op == "-":
        return f"- {change.path}: {show(change.old)}{note}"
    return f"~ {change.path}: {show(change.old)} => {show(change.new)}{note}"


def resource_line(resource: dict[str, Any], op: str, style: Style, suffix: str = "") -> str:
    protect = " (protected)" if resource.get("protect") else ""
    line = f"{op} {short_type(resource['type'])} {resource['name']}{protect}{suffix}"
    return style.paint(line, op)


def input_lines(resource: dict[str, Any], depth: int) -> list[str]:
    inputs: dict[str, Any] = resource.get("inputs") or {}
    secret = set(resource.get("secretInputs") or ())
    pad = INDENT * depth
    lines = []
    for key in sorted(inputs):
        value = SECRET if key in secret else inputs[key]
        if isinstance(value, dict) and len(canonical(value)) > VALUE_WIDTH:
            # A long object one leaf a line, so a redacted field is not cut off the screen.
            lines += [f"{pad}{path}: {show(leaf)}" for path, leaf in flatten(value, key).items()]
        else:
            lines.append(f"{pad}{key}: {show(value)}")
    return lines


def render_tree(resources: list[dict[str, Any]], style: Style) -> list[str]:
    """Children under their parent (by parent URN); in each group the resources a component
    registers directly come first, then its child components, each sorted by name."""
    urns = {r["urn"] for r in resources}
    children: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        parent = r["parent"] if r["parent"] in urns else ""
        children.setdefault(parent, []).append(r)

    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        group = sorted(children.get(parent, []), key=lambda r: (not r["custom"], r["name"]))
        for r in group:
            lines.append(INDENT * depth + resource_line(r, "+", style))
            lines.extend(input_lines(r, depth + 2))
            walk(r["urn"], depth + 1)

    walk("", 0)
    return lines


def type_counts(resources: list[dict[str, Any]]) -> str:
    counts = Counter(short_type(r["type"]) for r in resources)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{n} {t}" for t, n in ordered)


def header(plan: dict[str, Any], clock_source: str, notes: Sequence[str]) -> list[str]:
    lines = [
        f"Plan for stack {plan['stack']} of {PROJECT} (offline: mock runtime, fake tenant; "
        "IDs are the fake's)",
        f"clock: {plan['clock']} ({clock_source})",
    ]
    return lines + [f"note: {note}" for note in notes]


def output_lines(plan: dict[str, Any]) -> list[str]:
    return [f"{INDENT}{path}: {show(value)}" for path, value in flatten(plan["outputs"]).items()]


def warning_lines(plan: dict[str, Any], style: Style) -> list[str]:
    return [style.paint(f"warning: {message}", "warning") for message in plan["warnings"]]


def render_plan(plan: dict[str, Any], clock_source: str, notes: Sequence[str], style: Style) -> str:
    resources = plan["resources"]
    lines = header(plan, clock_source, notes)
    lines += ["", "Resources:"]
    lines += [INDENT + line for line in render_tree(resources, style)]
    if plan["outputs"]:
        lines += ["", "Outputs:", *output_lines(plan)]
    if plan["warnings"]:
        lines += ["", *warning_lines(plan, style)]
    lines += ["", f"{len(resources)} to create ({type_counts(resources)})"]
    return "\n".join(lines) + "\n"


def comparison_header(
    plan: dict[str, Any],
    old: dict[str, Any],
    old_name: str,
    clock_source: str,
    notes: Sequence[str],
) -> list[str]:
    """The plan's header, what it is compared with, and where the two plans differ in kind."""
    lines = header(plan, clock_source, notes)
    lines.append(f"compared with {old_name} (stack {old.get('stack')}, clock {old.get('clock')})")
    if old.get("stack") != plan["stack"]:
        lines.append(f"note: {old_name} is a plan of stack {old.get('stack')!r}")
    if old.get("clock") != plan["clock"]:
        # Secret dates follow the clock, so a boundary between the two clocks replaces a
        # password slot in the diff although no setting changed.
        lines.append(
            f"note: the plans use different clocks ({old.get('clock')} and {plan['clock']}): a "
            "password replaced below may be a rotation, not an edit; rerun with "
            f"--now {old.get('clock')} to see only what the edits change"
        )
    return lines


def render_diff(diff: PlanDiff, plan: dict[str, Any], head: list[str], style: Style) -> str:
    """``head`` (``comparison_header``), then the changed resources in URN order, the
    changed outputs, the warnings and a summary."""
    lines = list(head)
    resources = _changed_resources(diff, style)
    if resources:
        lines += ["", "Resources:", *resources]
    if diff.outputs:
        lines += [
            "",
            "Outputs:",
            *(INDENT + style.paint(change_line(c), c.op) for c in diff.outputs),
        ]
    if plan["warnings"]:
        lines += ["", *warning_lines(plan, style)]
    lines += ["", _summary(diff)]
    if diff.uncompared_secrets:
        lines.append(
            f"note: {diff.uncompared_secrets} secret value(s) are redacted in both plans "
            "and could not be compared"
        )
    return "\n".join(lines) + "\n"


def _changed_resources(diff: PlanDiff, style: Style) -> list[str]:
    entries: list[tuple[str, list[str]]] = []
    for r in diff.added:
        body = input_lines(r, 2)
        entries.append((r["urn"], [INDENT + resource_line(r, "+", style, " (create)"), *body]))
    for r in diff.removed:
        entries.append((r["urn"], [INDENT + resource_line(r, "-", style, " (delete)")]))
    for r, changes in diff.changed:
        replace = any(c.replaces for c in changes)
        op, what = ("+-", "replace") if replace else ("~", "update")
        body = [INDENT * 2 + style.paint(change_line(c), c.op) for c in changes]
        entries.append((r["urn"], [INDENT + resource_line(r, op, style, f" ({what})"), *body]))
    return [line for _, block in sorted(entries, key=lambda e: e[0]) for line in block]


def _summary(diff: PlanDiff) -> str:
    if diff.empty():
        return f"no changes ({diff.unchanged} unchanged)"
    parts = [
        (len(diff.added), "to create"),
        (len(diff.changed) - diff.replaced, "to update"),
        (diff.replaced, "to replace"),
        (len(diff.removed), "to delete"),
    ]
    summary = ", ".join(f"{n} {what}" for n, what in parts if n)
    return f"{summary or 'outputs change only'}; {diff.unchanged} unchanged"

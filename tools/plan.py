"""Offline plan: what ``pulumi preview`` would create, without the Pulumi CLI or Azure.

``python -m tools.plan --stack dev`` loads ``Pulumi.<stack>.yaml``, runs the real
``__main__.py`` on Pulumi's mock runtime against the fake tenant (``testbed.fake_tenant``) and
prints the resource tree grouped by component, the stack outputs and the warnings, with
every secret redacted. ``--json FILE`` writes the same plan as deterministic JSON and
``--diff OLD.json`` compares the current plan with one written earlier (say, on main).

IDs and outputs come from the fake tenant: they show the shape of the real values, not
the values a real deployment will get.

Exit codes: 0 plan printed, 1 the fake tenant rejected a request the real service would
reject too, 2 a user mistake (arguments, stack file, configuration, clock), 3 a secret would
have been printed (a bug: nothing is written).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import pulumi

from components import PROJECT
from components.clock import NOW_ENV, ClockError, parse_instant, rfc3339
from components.provider_resources import RESOURCE_TYPES
from testbed.fake_tenant import FakeServiceError
from testbed.mockrun import PROJECT_DIR, MockRun, run_program
from testbed.stackfile import SECRET_PLACEHOLDER, StackFileError, load_stack_file

SECRET = SECRET_PLACEHOLDER  # one spelling for "redacted", shared with the stack file loader
VALUE_WIDTH = 100  # longer input values are cut: the plan is for reading, the JSON is complete
PROGRESS_AFTER = 1.0  # seconds; a faster plan prints nothing on stderr
INDENT = "    "
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")  # what Pulumi accepts; also keeps paths local

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_LEAK = 0, 1, 2, 3

# Inputs whose change makes the provider replace the resource rather than update it, from
# the providers' own sources (components/provider_resources.py).
FORCE_NEW: dict[str, frozenset[str]] = {
    token: resource.replace_on for token, resource in RESOURCE_TYPES.items()
}

_COLORS = {"+": "32", "-": "31", "~": "33", "+-": "35", "warning": "33", "dim": "2"}


class PlanError(Exception):
    """A problem the user can fix; printed as the message alone, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE, *, bare: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.bare = bare  # the program's own message, printed exactly as it gives it


class SecretLeakError(Exception):
    """The rendered plan contains a secret value: a redaction bug, so nothing is written."""


# --- clock and progress ------------------------------------------------------------------


def resolve_clock(flag: str | None, environ: dict[str, str] | None = None) -> tuple[str, str]:
    """The instant the run uses, normalized, and where it came from.

    It is always passed to the program explicitly, so the printed clock reproduces the plan.
    """
    environ = dict(os.environ) if environ is None else environ
    if flag:
        try:
            return rfc3339(parse_instant(flag)), "--now"
        except ClockError:
            raise PlanError(
                f"--now {flag!r} is not an ISO 8601 timestamp (e.g. 2026-11-27T09:00:00Z)"
            ) from None
    if environ.get(NOW_ENV):
        try:
            return rfc3339(parse_instant(environ[NOW_ENV])), NOW_ENV
        except ClockError as exc:
            raise PlanError(str(exc)) from None
    return rfc3339(datetime.now(UTC)), "system clock"


class Progress:
    """Say on stderr that the plan is running, but only once the wait is noticeable.

    A timer thread prints the first line when ``after`` seconds pass; a fast plan cancels it
    before it fires and prints nothing. ``clock`` and ``use_timer`` exist for tests.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        after: float = PROGRESS_AFTER,
        clock: Callable[[], float] = time.monotonic,
        use_timer: bool = True,
    ) -> None:
        self._stream = stream
        self._after = after
        self._clock = clock
        self._use_timer = use_timer
        self._lock = threading.Lock()
        self._announced = False
        self._timer: threading.Timer | None = None
        self._started = 0.0

    def __enter__(self) -> Progress:
        self._started = self._clock()
        if self._use_timer:
            self._timer = threading.Timer(self._after, self._announce)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _announce(self) -> None:
        with self._lock:
            if not self._announced:
                self._announced = True
                print("running the program on the mock runtime...", file=self._stream, flush=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()
        elapsed = self._clock() - self._started
        if elapsed >= self._after:
            self._announce()  # without a timer, or if it lost the race with a slow finish
        if self._announced:
            outcome = "done in" if exc_type is None else "stopped after"
            print(f"{outcome} {elapsed:.1f} s", file=self._stream, flush=True)


# --- building the plan -------------------------------------------------------------------


def join(path: str, key: str | int) -> str:
    """Paths as ``testbed.mockrun`` spells secret paths: ``a.b``, ``a[0]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def redact(value: Any, secret_paths: Iterable[str], path: str = "") -> Any:
    """Replace every value at (or under) a secret path with the placeholder."""
    paths = frozenset(secret_paths)
    if "." in paths or path in paths:  # "." is how mockrun names a wholly secret value
        return SECRET
    if isinstance(value, dict):
        return {k: redact(v, paths, join(path, str(k))) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, paths, join(path, i)) for i, v in enumerate(value)]
    return value


def strings_at(value: Any, secret_paths: Iterable[str], path: str = "") -> set[str]:
    """Every string found at or under the given paths (the inverse view of ``redact``)."""
    paths = frozenset(secret_paths)
    if "." in paths or path in paths:
        return _all_strings(value)
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found |= strings_at(v, paths, join(path, str(k)))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found |= strings_at(v, paths, join(path, i))
    return found


def _all_strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_all_strings(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_all_strings(v) for v in value)) if value else set()
    return set()


def produced_secrets(run: MockRun) -> set[str]:
    """Every secret value the run produced, for the final leak check.

    Provider outputs are never printed, but the generated passwords live there, and a
    program bug could route one into an input or an unmarked output; so they are all
    collected: every string output of a credential resource that is not one of its inputs,
    the secret stack outputs and the secret inputs.
    """
    found: set[str] = set()
    for registration in run.resources:
        plain_inputs = registration.inputs  # mockrun records them with envelopes removed
        inputs = _all_strings(plain_inputs)
        for key, value in registration.outputs.items():
            if key in ("value", "secretValue") or _looks_generated_secret(value):
                found |= _all_strings(value) - inputs
        found |= strings_at(plain_inputs, registration.secret_inputs)
    found |= strings_at(run.outputs, run.secret_output_paths)
    # Short values ("a", "10") would match by accident; the placeholder is not a secret.
    return {s for s in found if len(s) >= 8 and s != SECRET}


def _looks_generated_secret(value: Any) -> bool:
    """The shape of an Entra client secret: 40 characters with ``8Q~`` after three."""
    return isinstance(value, str) and len(value) == 40 and value[3:6] == "8Q~"


def short_type(token: str) -> str:
    """``azuread:index/applicationPassword:ApplicationPassword`` -> ``azuread:index:ApplicationPassword``,
    as the Pulumi CLI displays type tokens."""
    parts = token.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        parts[1] = parts[1].split("/", 1)[0]
    return ":".join(parts)


def build_plan(
    run: MockRun, *, stack: str, clock: str, secret_keys: Iterable[str] = ()
) -> dict[str, Any]:
    """The redacted, sorted plan: the one source of both the text and the JSON.

    The service-principal lookups name the APIs that ``applications`` asks permissions on,
    so with that key secret their arguments are withheld like any value derived from it.
    """
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "custom": r.custom,
            "inputs": redact(r.inputs, r.secret_inputs),
            "protect": r.protect,
            "secretInputs": sorted(r.secret_inputs),
        }
        for r in run.resources
    ]
    hide_args = "applications" in set(secret_keys)
    invokes = [
        {"token": token, "args": {k: SECRET for k in args} if hide_args else args}
        for token, args in run.invokes
    ]
    return {
        "stack": stack,
        "clock": clock,
        "resources": sorted(resources, key=lambda r: r["urn"]),
        "outputs": redact(run.outputs, run.secret_output_paths),
        "secretOutputs": sorted(run.secret_output_paths),
        "invokes": sorted(invokes, key=lambda i: (i["token"], canonical(i["args"]))),
        "warnings": [message for level, message in run.logs if level == "warning"],
    }


def canonical(value: Any) -> str:
    """Compact, key-sorted JSON: the form values are printed and compared in."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def plan_json(plan: dict[str, Any]) -> str:
    return json.dumps(plan, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n"


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaves by path (``rotateWhenChanged.generation``, ``redirectUris[0]``); empty
    containers are leaves so that ``[]`` versus a missing key still shows."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k in sorted(value):
            out.update(flatten(value[k], join(path, str(k))))
        return out
    if isinstance(value, (list, tuple)) and value:
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, join(path, i)))
        return out
    return {path: value}


# --- rendering ---------------------------------------------------------------------------


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


# --- diff --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyChange:
    op: str  # "+", "-", "~"
    path: str
    old: Any = None
    new: Any = None
    replaces: bool = False

    def render(self) -> str:
        note = " (forces replacement)" if self.replaces else ""
        if self.op == "+":
            return f"+ {self.path}: {show(self.new)}{note}"
        if self.op == "-":
            return f"- {self.path}: {show(self.old)}{note}"
        return f"~ {self.path}: {show(self.old)} => {show(self.new)}{note}"


@dataclass
class PlanDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], list[PropertyChange]]] = field(default_factory=list)
    unchanged: int = 0
    outputs: list[PropertyChange] = field(default_factory=list)
    uncompared_secrets: int = 0

    @property
    def replaced(self) -> int:
        return sum(1 for _, changes in self.changed if any(c.replaces for c in changes))

    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.outputs)


def compare_values(
    old: Any,
    new: Any,
    old_secret: Iterable[str],
    new_secret: Iterable[str],
    force_new: frozenset[str] = frozenset(),
) -> tuple[list[PropertyChange], int]:
    """Leaf-by-leaf changes, and how many secret leaves could not be compared.

    A redacted value hides its content, so two redacted leaves are counted, not called
    equal; a leaf that became (or stopped being) secret is shown as a change.
    """
    before, after = flatten(old), flatten(new)
    old_s, new_s = set(old_secret), set(new_secret)
    changes: list[PropertyChange] = []
    uncompared = 0
    for path in sorted(set(before) | set(after)):
        top = re.split(r"[.\[]", path, maxsplit=1)[0]
        replaces = top in force_new
        if path not in after:
            changes.append(PropertyChange("-", path, old=before[path], replaces=replaces))
        elif path not in before:
            changes.append(PropertyChange("+", path, new=after[path], replaces=replaces))
        elif path in old_s and path in new_s:
            uncompared += 1
        elif canonical(before[path]) != canonical(after[path]) or (path in old_s) != (
            path in new_s
        ):
            changes.append(PropertyChange("~", path, before[path], after[path], replaces))
    return changes, uncompared


def diff_plans(old: dict[str, Any], new: dict[str, Any]) -> PlanDiff:
    result = PlanDiff()
    before = {r["urn"]: r for r in old.get("resources", [])}
    after = {r["urn"]: r for r in new["resources"]}
    for urn in sorted(set(before) | set(after)):
        if urn not in before:
            result.added.append(after[urn])
            continue
        if urn not in after:
            result.removed.append(before[urn])
            continue
        was, now = before[urn], after[urn]
        changes, uncompared = compare_values(
            was.get("inputs") or {},
            now.get("inputs") or {},
            was.get("secretInputs") or (),
            now.get("secretInputs") or (),
            FORCE_NEW.get(now["type"], frozenset()),
        )
        result.uncompared_secrets += uncompared
        if bool(was.get("protect")) != bool(now.get("protect")):
            changes.append(PropertyChange("~", "[protect]", was.get("protect"), now["protect"]))
        if changes:
            result.changed.append((now, changes))
        else:
            result.unchanged += 1
    result.outputs, uncompared = compare_values(
        old.get("outputs") or {},
        new["outputs"],
        old.get("secretOutputs") or (),
        new["secretOutputs"],
    )
    result.uncompared_secrets += uncompared
    return result


def render_diff(
    diff: PlanDiff,
    plan: dict[str, Any],
    old: dict[str, Any],
    old_name: str,
    clock_source: str,
    notes: Sequence[str],
    style: Style,
) -> str:
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
    entries: list[tuple[str, list[str]]] = []
    for r in diff.added:
        body = input_lines(r, 2)
        entries.append((r["urn"], [INDENT + resource_line(r, "+", style, " (create)"), *body]))
    for r in diff.removed:
        entries.append((r["urn"], [INDENT + resource_line(r, "-", style, " (delete)")]))
    for r, changes in diff.changed:
        replace = any(c.replaces for c in changes)
        op, what = ("+-", "replace") if replace else ("~", "update")
        body = [INDENT * 2 + style.paint(c.render(), c.op) for c in changes]
        entries.append((r["urn"], [INDENT + resource_line(r, op, style, f" ({what})"), *body]))
    if entries:
        lines += ["", "Resources:"]
        for _, block in sorted(entries, key=lambda e: e[0]):
            lines += block
    if diff.outputs:
        lines += ["", "Outputs:", *(INDENT + style.paint(c.render(), c.op) for c in diff.outputs)]
    if plan["warnings"]:
        lines += ["", *warning_lines(plan, style)]
    lines.append("")
    if diff.empty():
        lines.append(f"no changes ({diff.unchanged} unchanged)")
    else:
        parts = [
            (len(diff.added), "to create"),
            (len(diff.changed) - diff.replaced, "to update"),
            (diff.replaced, "to replace"),
            (len(diff.removed), "to delete"),
        ]
        summary = ", ".join(f"{n} {what}" for n, what in parts if n)
        lines.append(f"{summary or 'outputs change only'}; {diff.unchanged} unchanged")
    if diff.uncompared_secrets:
        lines.append(
            f"note: {diff.uncompared_secrets} secret value(s) are redacted in both plans "
            "and could not be compared"
        )
    return "\n".join(lines) + "\n"


def load_old_plan(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"--diff: cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise PlanError(f"--diff: {path} is not JSON: {exc}") from None
    resources = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(resources, list) or not all(
        isinstance(r, dict) and {"urn", "type", "name"} <= set(r) for r in resources
    ):
        raise PlanError(f"--diff: {path} is not a plan written by `tools.plan --json`")
    return data  # type: ignore[no-any-return]


# --- leak check --------------------------------------------------------------------------


def check_no_leak(rendered: dict[str, str], secrets: Iterable[str]) -> None:
    """The safety net behind ``redact``: refuse to emit text containing a secret value.

    The message names where, never what.
    """
    for where, text in rendered.items():
        for secret in secrets:
            if secret in text:
                line = text[: text.index(secret)].count("\n") + 1
                raise SecretLeakError(
                    f"internal error: a secret value would have been written in the {where} "
                    f"(line {line}); nothing was written. This is a redaction bug in tools.plan "
                    "or the program: please report it."
                )


# --- command line ------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.plan",
        description="Offline plan of a stack: what `pulumi preview` would create, secrets "
        "redacted. Runs __main__.py on Pulumi's mock runtime against a fake tenant.",
    )
    parser.add_argument("--stack", required=True, help="the stack (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the plan as JSON")
    parser.add_argument("--diff", type=Path, metavar="OLD.json", help="compare with a JSON plan")
    parser.add_argument("--now", help=f"the clock, ISO 8601 (default: ${NOW_ENV}, else now)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, metavar="DIR")
    parser.add_argument("--no-color", action="store_true", help="plain text even on a terminal")
    return parser.parse_args(argv)


def known_stacks(project_dir: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def check_project(stack: str, project_dir: Path) -> None:
    if not (project_dir / "__main__.py").is_file():
        raise PlanError(f"{project_dir} is not the project directory (no __main__.py)")
    if not STACK_NAME.match(stack):
        raise PlanError(f"{stack!r} is not a stack name (letters, digits, '_', '.', '-')")
    if not (project_dir / f"Pulumi.{stack}.yaml").is_file():
        found = ", ".join(known_stacks(project_dir)) or "none"
        raise PlanError(
            f"unknown stack {stack!r}: there is no Pulumi.{stack}.yaml in {project_dir}. "
            f"Stacks found: {found}"
        )


def make_plan(
    stack: str, project_dir: Path, clock: str
) -> tuple[dict[str, Any], MockRun, list[str]]:
    try:
        stack_file = load_stack_file(stack, project_dir)
    except StackFileError as exc:
        raise PlanError(str(exc)) from None
    notes = []
    if stack_file.secret_keys:
        keys = ", ".join(stack_file.secret_keys)
        notes.append(f"secure: values cannot be decrypted offline; shown as {SECRET} ({keys})")
    if stack_file.other_namespaces:
        others = ", ".join(stack_file.other_namespaces)
        notes.append(f"config of {others} is not read offline (provider settings)")
    # Other namespaces' keys go in by name only: the program checks their names for a
    # misspelt project namespace and never reads their values.
    config = {**stack_file.config, **{key: "" for key in stack_file.other_keys}}
    try:
        run = run_program(
            config,
            now=clock,
            secret_keys=stack_file.secret_keys,
            stack=stack,
            project_dir=project_dir,
        )
    except pulumi.RunError as exc:
        raise PlanError(str(exc), bare=True) from None  # the program's ConfigError text
    except FakeServiceError as exc:
        raise PlanError(f"the service would reject this plan: {exc}", EXIT_REJECTED) from None
    plan = build_plan(run, stack=stack, clock=clock, secret_keys=stack_file.secret_keys)
    return plan, run, notes


def use_color(no_color: bool) -> bool:
    return not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    style = Style(use_color(args.no_color))
    try:
        clock, clock_source = resolve_clock(args.now)
        project_dir = args.project_dir.resolve()
        check_project(args.stack, project_dir)
        old = load_old_plan(args.diff) if args.diff else None
        with Progress(sys.stderr):
            plan, run, notes = make_plan(args.stack, project_dir, clock)
        if old is not None:
            text = render_diff(
                diff_plans(old, plan), plan, old, str(args.diff), clock_source, notes, style
            )
        else:
            text = render_plan(plan, clock_source, notes, style)
        document = plan_json(plan)
        check_no_leak({"plan text": text, "JSON plan": document}, produced_secrets(run))
    except PlanError as exc:
        print(str(exc) if exc.bare else f"error: {exc}", file=sys.stderr)
        return exc.code
    except SecretLeakError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_LEAK
    sys.stdout.write(text)
    if args.json:
        try:
            args.json.write_text(document, encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot write {args.json}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        print(f"plan written to {args.json}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

"""Offline plan: what ``pulumi preview`` would create, without the Pulumi CLI or Azure.

``python -m tools.plan --stack dev`` loads ``Pulumi.<stack>.yaml``, runs the real
``__main__.py`` on Pulumi's mock runtime against the fake tenant (``testbed.fake_tenant``) and
prints the resource tree grouped by application, the stack outputs and the warnings, with
every secret redacted. ``--json FILE`` writes the same plan as deterministic JSON and
``--diff OLD.json`` compares the current plan with one written earlier (say, on main).

This module is the command line; the parts are in ``tools.offline_plan``: ``redaction``
(what keeps secrets out of the output), ``document`` (the plan as data, and its JSON),
``diff`` and ``render`` (the text).

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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pulumi

from components.clock import NOW_ENV, ClockError, parse_instant, rfc3339
from testbed.fake_tenant import FakeServiceError
from testbed.mockrun import PROJECT_DIR, MockRun, run_program
from testbed.stackfile import StackFileError, load_stack_file
from tools import config_size
from tools.offline_plan.diff import diff_plans
from tools.offline_plan.document import build_plan, plan_json
from tools.offline_plan.redaction import SECRET, SecretLeakError, check_no_leak, produced_secrets
from tools.offline_plan.render import Style, comparison_header, render_diff, render_plan

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_LEAK = 0, 1, 2, 3

STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")  # what Pulumi accepts; also keeps paths local


class PlanError(Exception):
    """A problem the user can fix; printed as the message alone, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE, *, bare: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.bare = bare  # the program's own message, printed exactly as it gives it


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
    too_big, near_limit = config_size.problem(
        stack_file.raw, stack_file.path.name, config_size.project_defaults(project_dir)
    )
    if too_big:
        raise PlanError(too_big, EXIT_REJECTED)
    notes = [near_limit] if near_limit else []
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
        plan, run, notes = make_plan(args.stack, project_dir, clock)
        if old is not None:
            head = comparison_header(plan, old, str(args.diff), clock_source, notes)
            text = render_diff(diff_plans(old, plan), plan, head, style)
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

"""The command line of ``tools.lint_workflows``: every check over the workflows, the shell
scripts and the policy pack, one exit status."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.lint_workflows.actionlint import run_actionlint
from tools.lint_workflows.findings import ROOT, Finding, ToolMissing, relative
from tools.lint_workflows.policy_pack import check_policy_project
from tools.lint_workflows.shellcheck import SHELL_SCRIPTS, run_shellcheck, run_shellcheck_scripts
from tools.lint_workflows.zizmor import check_inline_ignores, run_zizmor

WORKFLOWS = ROOT / ".github" / "workflows"


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.lint_workflows",
        description="Offline checks of the pipeline files: actionlint, zizmor, shellcheck and "
        "the policy pack's project and config files.",
    )
    parser.add_argument(
        "--require-shellcheck",
        action="store_true",
        help="fail when shellcheck is not installed (default: skip that check with a note)",
    )
    args = parser.parse_args(argv)
    files = workflow_files()
    if not files:
        print(f"no workflows in {relative(WORKFLOWS)}", file=sys.stderr)
        return 1
    findings: list[Finding] = []
    notes: list[str] = []
    try:
        found, notes = run_actionlint(files)
        findings += found
        findings += run_zizmor(files)
        findings += check_inline_ignores(files)
        try:
            findings += run_shellcheck(files)
            findings += run_shellcheck_scripts()
        except ToolMissing as err:
            if args.require_shellcheck:
                raise
            notes.append(f"shellcheck: skipped ({err})")
    except ToolMissing as err:
        print(f"lint_workflows: {err}", file=sys.stderr)
        return 2
    findings += check_policy_project()
    for note in notes:
        print(f"note: {note}")
    for finding in findings:
        print(finding)
    checked = ", ".join(relative(f) for f in files)
    if findings:
        print(f"lint_workflows: {len(findings)} finding(s) in {checked} and policy/")
        return 1
    scripts = ", ".join(relative(script) for script in SHELL_SCRIPTS)
    print(f"lint_workflows: clean ({checked}; {scripts}; policy/PulumiPolicy.yaml)")
    return 0

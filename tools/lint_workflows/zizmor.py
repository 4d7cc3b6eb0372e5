"""zizmor on the workflows (offline, the auditor persona), and the rule that every inline
``# zizmor: ignore[...]`` carries its reason."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tools.lint_workflows.findings import ROOT, Finding, ToolMissing, relative


def _zizmor() -> str:
    beside_python = Path(sys.executable).parent / "zizmor"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("zizmor")
    if found is None:
        raise ToolMissing("zizmor is not installed (it is in requirements-dev.txt)")
    return found


def run_zizmor(files: list[Path]) -> list[Finding]:
    proc = subprocess.run(
        [
            _zizmor(),
            "--offline",
            "--no-progress",
            "--persona",
            "auditor",  # the strictest persona; accepted findings are ignored inline, with a reason
            "--format",
            "json",
            *(relative(f) for f in files),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        raw: list[dict[str, Any]] = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError as err:
        raise ToolMissing(f"zizmor did not run: {proc.stderr.strip() or err}") from err
    if proc.returncode not in (0, 10, 11, 12, 13, 14) and not raw:
        raise ToolMissing(f"zizmor did not run (exit {proc.returncode}): {proc.stderr.strip()}")
    findings = []
    for item in raw:
        path, line = "?", 0
        for location in item.get("locations", []):
            symbolic = location.get("symbolic", {})
            key = symbolic.get("key", {})
            local = key.get("Local", {}) if isinstance(key, dict) else {}
            paths = [v for v in local.values() if isinstance(v, str)] if local else []
            path = relative(paths[0]) if paths else path
            concrete = location.get("concrete", {}).get("location", {})
            line = int(concrete.get("start_point", {}).get("row", -1)) + 1
            break
        severity = item.get("determinations", {}).get("severity", "?")
        findings.append(
            Finding("zizmor", path, line, f"{item.get('ident')}: {item.get('desc')} ({severity})")
        )
    return findings


_INLINE_IGNORE = re.compile(r"#\s*zizmor:\s*ignore\[")


def check_inline_ignores(files: list[Path]) -> list[Finding]:
    """Every inline ``# zizmor: ignore[...]`` needs a reason in the comment block right above."""
    findings = []
    for path in files:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, start=1):
            if not _INLINE_IGNORE.search(line):
                continue
            comments = []  # the contiguous comment lines right above the ignore
            for previous in reversed(lines[: number - 1]):
                if not previous.strip().startswith("#"):
                    break
                comments.append(previous.lower())
            if not any("reason" in comment for comment in comments):
                findings.append(
                    Finding(
                        "zizmor",
                        relative(path),
                        number,
                        "inline ignore without a written reason: put a '# Reason ...' comment "
                        "on the line(s) above it",
                    )
                )
    return findings

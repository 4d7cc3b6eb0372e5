"""A schema check of the policy pack's files: ``policy/PulumiPolicy.yaml``, the pack name in
``policy/__main__.py`` and the ``policy/config.json`` passed as --policy-pack-config."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import yaml

from policy.rules import POLICY_NAMES
from policy.settings import SCHEMAS
from tools.lint_workflows.findings import ROOT, Finding, relative

POLICY_DIR = ROOT / "policy"

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
    rel = relative(project_file)

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
        bad(f"entry point {relative(main_py)} does not exist")
    else:
        name = _pack_name(main_py)
        if name is None:
            bad("no PolicyPack(name=...) with a literal name", relative(main_py))
        elif not PACK_NAME.match(name):
            bad(f"pack name {name!r} must match {PACK_NAME.pattern}", relative(main_py))
    requirements = policy_dir / "requirements.txt"
    if uses_virtualenv:
        if not requirements.is_file():
            bad("runtime.options.virtualenv is set but policy/requirements.txt is missing")
        elif not re.search(r"^pulumi-policy==", requirements.read_text(), re.MULTILINE):
            bad("pulumi-policy is not pinned (==)", relative(requirements))
    findings.extend(check_policy_config(policy_dir / "config.json"))
    return findings


def check_policy_config(config_file: Path) -> list[Finding]:  # noqa: C901, PLR0912 (one check after another over the config file, each a finding of its own)
    """The --policy-pack-config file names real policies and fits their config schemas."""
    if not config_file.is_file():
        return []
    rel = relative(config_file)
    findings: list[Finding] = []
    try:
        config = json.loads(config_file.read_text())
    except json.JSONDecodeError as err:
        return [Finding("policy-pack", rel, err.lineno, f"not valid JSON: {err.msg}")]
    if not isinstance(config, dict):
        return [Finding("policy-pack", rel, 0, "must be a JSON object keyed by policy name")]
    levels = {"advisory", "mandatory", "remediate", "disabled"}
    for policy_name, value in config.items():
        if policy_name not in POLICY_NAMES:
            findings.append(Finding("policy-pack", rel, 0, f"unknown policy {policy_name!r}"))
            continue
        if isinstance(value, str):
            if value not in levels:
                findings.append(Finding("policy-pack", rel, 0, f"bad level {value!r}"))
            continue
        if not isinstance(value, dict):
            findings.append(Finding("policy-pack", rel, 0, f"{policy_name}: must be an object"))
            continue
        schema = SCHEMAS.get(policy_name, {})
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

"""The size limit of a stack's config, under the real engine, and `make plan` naming it first.

The language host hands the whole config to the program in one environment variable, and
Linux refuses any single one over 128 KiB (tools/config_size.py has the sources). The stack
file here is the dev stack plus one key of another namespace, padded so that the variable is
exactly at the limit, then one byte over: at the limit the program runs, one byte over the
engine cannot start it, and the offline plan reports the same boundary with its cause. Our
language host builds the variable as pulumi-language-python does (json.Marshal of the
RunRequest's config map; engine/languagehost/main.go).
"""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from testbed.engine import EngineWorkspace
from tests.e2e.conftest import DEV_NOW
from tools import config_size

pytestmark = pytest.mark.e2e


def write_padded(workspace: EngineWorkspace, config: dict[str, Any], size: int) -> int:
    """Pulumi.dev.yaml whose PULUMI_CONFIG takes ``size`` bytes; returns the estimate."""
    document: dict[str, Any] = {
        "config": {f"healthcare-clients:{key}": value for key, value in config.items()}
    }
    document["config"]["padding:blob"] = ""
    defaults = config_size.project_defaults(workspace.project)
    missing = size - config_size.config_variable_bytes(document["config"], defaults)
    document["config"]["padding:blob"] = "x" * missing
    path = workspace.project / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return config_size.config_variable_bytes(document["config"], defaults)


def plan(workspace: EngineWorkspace) -> subprocess.CompletedProcess[str]:
    command = ["-m", "tools.plan", "--stack", "dev", "--now", DEV_NOW, "--no-color"]
    return subprocess.run(
        [sys.executable, *command, "--project-dir", str(workspace.project)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_config_at_the_limit_runs_and_one_byte_more_cannot_start(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    workspace.cli("stack", "init", "dev", check=True)

    assert write_padded(workspace, dev_config, config_size.LIMIT) == config_size.LIMIT
    at_limit = workspace.cli("preview", stack="dev", merged=True)
    assert at_limit.returncode == 0, at_limit.stdout[-3000:]
    planned = plan(workspace)
    assert planned.returncode == 0, planned.stderr
    assert "(100%)" in planned.stdout + planned.stderr  # the warning, with the figures

    assert write_padded(workspace, dev_config, config_size.LIMIT + 1) == config_size.LIMIT + 1
    over = workspace.cli("preview", stack="dev", merged=True)
    assert over.returncode != 0
    assert "argument list too long" in over.stdout
    planned = plan(workspace)
    assert planned.returncode == 1
    assert "Pulumi.dev.yaml: the stack config takes 131,058 of the 131,057 bytes" in planned.stderr
    assert "Split the applications across stacks" in planned.stderr

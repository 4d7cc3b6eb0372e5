"""`pulumi up` of the dev stack under the real engine: what the tenant holds, the outputs,
secrets in state and output, a no-change rerun, protect, and bad config at the CLI."""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from testbed.engine import EngineWorkspace
from testbed.fake_tenant import SECRET_KEY
from testbed.mockrun import run_program
from tests.e2e.conftest import DEV_NOW
from tests.e2e.tenant_view import from_plan, from_tenant

pytestmark = pytest.mark.e2e

APPLICATION_KEYS = {
    "clientId",
    "tenantId",
    "applicationObjectId",
    "servicePrincipalObjectId",
    "clientSecretExpiresAt",
    "secrets",
    "tokenEndpoint",
    "tokenEndpointV1",
    "services",
}


def test_up_builds_what_the_plan_shows_and_keeps_secrets_secret(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    workspace.write_stack_file("dev", dev_config)
    stack = workspace.stack("dev")
    result = stack.up()
    assert result.summary.result == "succeeded"

    plan = run_program(dev_config, now=DEV_NOW)
    assert from_tenant(workspace.tenant()) == from_plan(plan)

    outputs = stack.outputs()
    assert set(outputs) == {"applications", "clientSecrets", "healthcareClientsVersion"}
    assert outputs["clientSecrets"].secret and not outputs["applications"].secret
    for app in outputs["applications"].value.values():
        assert set(app) == APPLICATION_KEYS
    secrets = outputs["clientSecrets"].value
    assert set(secrets) == {"postman", "backend"}
    # The values are Entra's: what the tenant returned when it created each active password.
    assert all(len(value) == 40 and value[3:6] == "8Q~" for value in secrets.values())

    text = workspace.checkpoint_text() + result.stdout + result.stderr
    for value in secrets.values():
        assert value not in text
    assert f'"{SECRET_KEY}"' in workspace.checkpoint_text()  # encrypted secrets

    # deploy.yml reads the non-secret outputs in a step that holds no passphrase.
    env = {**os.environ, **workspace.env()}
    del env["PULUMI_CONFIG_PASSPHRASE"]
    read = subprocess.run(
        [str(workspace.bin_dir / "pulumi"), "stack", "output", "--json", "--stack", "dev"],
        cwd=workspace.project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert read.returncode == 0, read.stderr
    printed = json.loads(read.stdout)
    assert printed["applications"] == outputs["applications"].value
    assert printed["clientSecrets"] == "[secret]"


def test_a_rerun_at_the_same_clock_changes_nothing(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    workspace.write_stack_file("dev", dev_config)
    stack = workspace.stack("dev")
    stack.up()
    log_before = len(workspace.tenant()["log"])
    preview = stack.preview(expect_no_changes=True)
    assert set(preview.change_summary) == {"same"}
    assert stack.up().summary.resource_changes == {"same": 19}
    assert len(workspace.tenant()["log"]) == log_before  # nothing written to the tenant


def test_protect_stops_a_destroy_before_anything_is_deleted(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    dev_config["protect"] = True
    workspace.write_stack_file("dev", dev_config)
    stack = workspace.stack("dev")
    stack.up()
    before = workspace.tenant()
    with pytest.raises(auto.CommandError) as error:
        stack.destroy()
    assert "protected" in str(error.value)
    after = workspace.tenant()
    assert from_tenant(after) == from_tenant(before)
    assert [e for e in after["log"] if e["operation"] == "delete"] == []


def test_bad_config_fails_at_the_cli_with_every_problem_and_creates_nothing(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    postman = dev_config["applications"]["postman"]
    postman["redirectUri"] = {"web": []}  # unknown key
    postman["secret"]["expiresIn"] = "7 months"
    dev_config["applications"]["backend"]["redirectUris"] = {"web": ["http://example.com/cb"]}
    workspace.write_stack_file("bad", dev_config)
    assert workspace.cli("stack", "init", "bad").returncode == 0
    result = workspace.cli("up", "--yes", stack="bad")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "healthcare-clients: invalid configuration (3 problems):" in output
    for path in (
        "applications.postman.redirectUri:",
        "applications.postman.secret.expiresIn:",
        "applications.backend.redirectUris.web[0]:",
    ):
        assert path in output
    assert "Traceback" not in output
    assert workspace.tenant()["applications"] == {}
    assert workspace.tenant()["log"] == []


def test_the_engine_state_is_the_one_the_cli_reads(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    """`pulumi stack output --json` (what tools.clientfiles reads) without --show-secrets."""
    workspace.write_stack_file("dev", dev_config)
    workspace.stack("dev").up()
    shown = workspace.cli("stack", "output", "--json", stack="dev", check=True)
    document = json.loads(shown.stdout)
    assert document["clientSecrets"] == "[secret]"
    assert set(document["applications"]) == {"postman", "backend"}
    assert Path(workspace.project / "Pulumi.dev.yaml").exists()

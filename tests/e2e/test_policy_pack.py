"""The policy pack under the real engine: it starts from policy/venv, passes the dev stack and
stops a preview that breaks a mandatory rule, naming the rule."""

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from testbed.engine import ROOT, EngineWorkspace

pytestmark = pytest.mark.e2e

POLICY = ROOT / "policy"


@pytest.fixture(scope="module")
def policy_pack() -> Path:
    if not (POLICY / "venv" / "bin" / "python").exists():
        pytest.fail("the policy pack has no virtualenv: run `make policy-venv`")
    return POLICY


def test_the_dev_stack_passes_the_policy_pack(
    workspace: EngineWorkspace, dev_config: dict[str, Any], policy_pack: Path
) -> None:
    workspace.write_stack_file("dev", dev_config)
    stack = workspace.stack("dev")
    result = stack.preview(
        policy_packs=[str(policy_pack)], policy_pack_configs=[str(policy_pack / "config.json")]
    )
    assert "healthcare-clients-guardrails@v0.1.0" in result.stdout
    assert "[mandatory]" not in result.stdout
    # The one advisory finding: the deployer alone owns each application.
    assert result.stdout.count("[advisory]") == 2
    assert "has 1 owner(s) (the deploying identity, and 0 in `owners`)" in result.stdout


def test_a_violation_of_a_mandatory_rule_stops_the_preview_and_names_the_rule(
    workspace: EngineWorkspace, dev_config: dict[str, Any], policy_pack: Path, tmp_path: Path
) -> None:
    # The program itself refuses secrets past 24 months, so the guardrail is tightened here:
    # an organisation that allows at most 3 months sees the dev stack's 6-month secrets fail.
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"entra-password-max-lifetime": {"maxPasswordLifetimeMonths": 3}}))
    workspace.write_stack_file("dev", dev_config)
    stack = workspace.stack("dev")
    with pytest.raises(auto.CommandError) as error:
        stack.preview(policy_packs=[str(policy_pack)], policy_pack_configs=[str(strict)])
    message = str(error.value)
    assert "entra-password-max-lifetime" in message
    assert "mandatory" in message
    assert workspace.tenant()["log"] == []


def test_a_program_that_grants_a_privileged_role_is_stopped_by_the_pack(
    tmp_path: Path, engine_bin: Path, policy_pack: Path
) -> None:
    # A pull request that changes the program rather than the config: the program's own
    # validation is bypassed, and the pack is what stands between it and the tenant.
    program = Path(__file__).parent / "fixtures" / "privileged_program.py"
    workspace = EngineWorkspace.create(
        tmp_path / "ws", now="2026-11-27T09:00:00+00:00", bin_dir=engine_bin, program=program
    )
    workspace.write_stack_file("dev", {})
    workspace.cli("stack", "init", "dev", check=True)
    result = workspace.cli(
        "preview",
        "--policy-pack",
        str(policy_pack),
        "--policy-pack-config",
        str(policy_pack / "config.json"),
        stack="dev",
        merged=True,
    )
    assert result.returncode != 0
    assert "healthcare-role-assignment-no-privileged-role" in result.stdout
    assert "mandatory" in result.stdout
    assert workspace.tenant()["log"] == []

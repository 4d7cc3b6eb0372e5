"""Security properties of .github/workflows/*.yml, one test per property, checked offline.

actionlint and zizmor (tools.lint_workflows) check the files' syntax and common mistakes; these
tests check what this project relies on: which jobs can get an OIDC token or a secret and behind
which GitHub environment, that no step output can hold a plaintext secret, that the policy pack's
virtualenv exists before the CLI runs the pack, and how the rotate job reports drift. The shell
steps that decide something are run here with a fake `pulumi` on PATH.

Longer than 400 lines: one test per security property of four workflows.
"""

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from testbed.mockrun import MockRun
from tests.conftest import ROOT, Runner

WORKFLOWS = ROOT / ".github" / "workflows"
PULUMI_ACTION = "pulumi/actions@"
MIN_CLI_WITH_EXIT_7 = (3, 227, 0)  # pulumi/pulumi PR #22205 (CHANGELOG 3.227.0)


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict)
    return data


WORKFLOW_NAMES = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
ALL = {name: _load(name) for name in WORKFLOW_NAMES}


def _jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(wf, job_id, job) for wf, data in ALL.items() for job_id, job in data["jobs"].items()]


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


def _runs_pulumi(step: dict[str, Any], command: str) -> bool:
    return bool(re.search(rf"(^|\s)pulumi {command}\b", str(step.get("run", ""))))


def _environment(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    if isinstance(env, dict):
        env = env.get("name")
    return None if env is None else str(env)


def _render(expression: str, stack: str = "dev") -> str:
    return expression.replace("${{ matrix.stack }}", stack)


def _triggers(name: str) -> dict[str, Any]:
    data: dict[Any, Any] = ALL[name]
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads the key `on` as True
    assert isinstance(triggers, dict)
    return triggers


def _step(job: dict[str, Any], step_id: str) -> dict[str, Any]:
    matches = [s for s in _steps(job) if s.get("id") == step_id]
    assert len(matches) == 1, f"expected one step with id {step_id!r}"
    return matches[0]


# --- basics (moved from tests/policy/test_policy_rules.py) ---------------------------------------------

SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_actions_are_pinned_to_a_sha_with_the_version_in_a_comment(name: str) -> None:
    for _wf, job_id, job in [j for j in _jobs() if j[0] == name]:
        for step in _steps(job):
            uses = step.get("uses")
            if uses and not uses.startswith("./"):
                assert SHA_PIN.match(uses), f"{name}:{job_id}: {uses} is not pinned to a SHA"
    for line in (WORKFLOWS / name).read_text().splitlines():
        if re.search(r"uses: \S+@[0-9a-f]{40}", line):
            assert re.search(r"@[0-9a-f]{40} # v\d", line), line


@pytest.mark.parametrize(("wf", "job_id", "job"), _jobs(), ids=lambda v: str(v)[:20])
def test_checkouts_do_not_persist_credentials(wf: str, job_id: str, job: dict[str, Any]) -> None:
    for step in _steps(job):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, f"{wf}:{job_id}"


def test_ci_runs_make_test_on_push_and_pull_request() -> None:
    assert {"push", "pull_request"} <= set(_triggers("ci.yml"))
    steps = _steps(ALL["ci.yml"]["jobs"]["test"])
    runs = [s.get("run") for s in steps]
    assert "make test" in runs
    # make test builds the engine for the end-to-end tests: Go as engine/go.mod pins it.
    go = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-go@"))
    assert go["with"]["go-version-file"] == "engine/go.mod"
    assert steps.index(go) < runs.index("make test")


def test_deploy_runs_on_main_and_rotate_weekly_and_by_hand() -> None:
    assert _triggers("deploy.yml") == {"push": {"branches": ["main"]}}
    triggers = _triggers("rotate.yml")
    assert triggers["schedule"] and "workflow_dispatch" in triggers


def test_deploy_verifies_every_client_after_up_and_fails_on_a_failed_row() -> None:
    steps = _steps(ALL["deploy.yml"]["jobs"]["up"])
    up = next(i for i, s in enumerate(steps) if _runs_pulumi(s, "up"))
    verify = [i for i, s in enumerate(steps) if "-m tools.verify" in str(s.get("run", ""))]
    assert len(verify) == 1 and verify[0] > up
    step = steps[verify[0]]
    # A failed row exits non-zero (tools/verify): the step must not swallow it.
    assert not step.get("continue-on-error")
    assert "|| true" not in step["run"]
    assert "--stack" in step["run"]
    assert "--json" not in step["run"] and "--show-secrets" not in step["run"]


@pytest.mark.parametrize(("wf", "job_id", "job"), _jobs(), ids=lambda v: str(v)[:20])
def test_jobs_that_run_the_program_first_check_it_names_its_deployer(
    wf: str, job_id: str, job: dict[str, Any]
) -> None:
    steps = _steps(job)
    cli = [i for i, s in enumerate(steps) if _runs_pulumi(s, "preview") or _runs_pulumi(s, "up")]
    if not cli:
        return
    guard = [i for i, s in enumerate(steps) if "-m tools.require_deployer" in str(s.get("run", ""))]
    assert guard and guard[0] < cli[0], f"{wf}:{job_id}"
    assert '--stack "$STACK"' in steps[guard[0]]["run"]


def test_rotate_runs_up_before_the_drift_check() -> None:
    steps = _steps(ALL["rotate.yml"]["jobs"]["rotate"])
    up = next(i for i, s in enumerate(steps) if _runs_pulumi(s, "up"))
    drift = steps.index(_step(ALL["rotate.yml"]["jobs"]["rotate"], "drift"))
    assert up < drift
    # A fresh azure/login between them: the federated assertion lives about five minutes.
    assert any(str(s.get("uses", "")).startswith("azure/login@") for s in steps[up:drift])
    run = " ".join(steps[drift]["run"].split())
    assert 'pulumi preview --stack "$STACK" --refresh --expect-no-changes --diff' in run


def test_the_offline_plan_diffs_the_pr_against_main_in_the_summary() -> None:
    job = ALL["preview.yml"]["jobs"]["offline-plan"]
    runs = "\n".join(str(s.get("run", "")) for s in _steps(job))
    assert "python -m tools.plan --stack dev --json" in runs
    assert "--diff" in runs and "GITHUB_STEP_SUMMARY" in runs
    checkouts = [s for s in _steps(job) if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert any(s["with"].get("ref") == "main" and s["with"].get("path") for s in checkouts)


def test_every_job_that_runs_the_cli_uses_python_311_and_oidc_for_the_providers() -> None:
    for wf, job_id, job in _jobs():
        steps = _steps(job)
        if not any(_runs_pulumi(s, "up") or _runs_pulumi(s, "preview") for s in steps):
            continue
        setup = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@")]
        assert setup and str(setup[0]["with"]["python-version"]) == "3.11", f"{wf}:{job_id}"
        assert job["env"]["ARM_USE_OIDC"] == "true"
        assert job["env"]["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_every_workflow_starts_from_no_permissions(name: str) -> None:
    assert ALL[name]["permissions"] == {}


ALLOWED_JOB_PERMISSIONS = [
    {"contents": "read"},
    {"contents": "read", "id-token": "write"},
]


@pytest.mark.parametrize(("wf", "job_id", "job"), _jobs(), ids=lambda v: str(v)[:20])
def test_each_job_grants_only_read_and_at_most_an_oidc_token(
    wf: str, job_id: str, job: dict[str, Any]
) -> None:
    # No job needs pull-requests: write any more: the preview diff goes to the job summary.
    assert job.get("permissions") in ALLOWED_JOB_PERMISSIONS, f"{wf}:{job_id}"


# --- environments and OIDC subjects ------------------------------------------------------------

# The OIDC subject a job presents is repo:ORG/REPO:environment:<name> when it references an
# environment (GitHub docs, "OpenID Connect reference"); the bootstrap's federated credentials
# trust exactly these subjects (tests/tools/test_bootstrap.py checks the other side).
EXPECTED_ENVIRONMENTS = {
    ("deploy.yml", "up"): "${{ matrix.stack }}",
    ("rotate.yml", "rotate"): "${{ matrix.stack }}",
    ("preview.yml", "preview"): "preview-${{ matrix.stack }}",
}


def oidc_subjects(repo: str, stack: str) -> dict[str, str]:
    """The subject each OIDC job presents for a stack, by job: what the identities must trust."""
    return {
        f"{wf}:{job}": f"repo:{repo}:environment:{_render(env, stack)}"
        for (wf, job), env in EXPECTED_ENVIRONMENTS.items()
    }


def test_every_job_with_an_oidc_token_runs_in_its_expected_environment() -> None:
    with_token = {
        (wf, job_id): _environment(job)
        for wf, job_id, job in _jobs()
        if (job.get("permissions") or {}).get("id-token") == "write"
    }
    assert with_token == EXPECTED_ENVIRONMENTS


def test_oidc_subjects_are_per_stack_environments() -> None:
    assert oidc_subjects("contoso/hc", "prod") == {
        "deploy.yml:up": "repo:contoso/hc:environment:prod",
        "rotate.yml:rotate": "repo:contoso/hc:environment:prod",
        "preview.yml:preview": "repo:contoso/hc:environment:preview-prod",
    }


@pytest.mark.parametrize(("wf", "job_id"), sorted(EXPECTED_ENVIRONMENTS))
def test_tenant_subscription_and_client_id_come_from_variables_not_literals(
    wf: str, job_id: str
) -> None:
    # Environment variables override repository ones, so each stack (and tenant) carries its own.
    job = ALL[wf]["jobs"][job_id]
    client = "AZURE_PREVIEW_CLIENT_ID" if job_id == "preview" else "AZURE_DEPLOY_CLIENT_ID"
    assert job["env"]["ARM_CLIENT_ID"] == f"${{{{ vars.{client} }}}}"
    assert job["env"]["ARM_TENANT_ID"] == "${{ vars.AZURE_TENANT_ID }}"
    assert job["env"]["ARM_SUBSCRIPTION_ID"] == "${{ vars.AZURE_SUBSCRIPTION_ID }}"
    logins = [s for s in _steps(job) if str(s.get("uses", "")).startswith("azure/login@")]
    assert logins
    for login in logins:
        assert login["with"]["client-id"] == f"${{{{ vars.{client} }}}}"
        assert login["with"]["tenant-id"] == "${{ vars.AZURE_TENANT_ID }}"


@pytest.mark.parametrize(("wf", "job_id", "job"), _jobs(), ids=lambda v: str(v)[:20])
def test_secrets_reach_only_pulumi_steps_of_jobs_behind_an_environment(
    wf: str, job_id: str, job: dict[str, Any]
) -> None:
    # Environment secrets reach a job only after the environment's protection rules pass (GitHub
    # docs, "Deployments and environments"); a secret outside an environment would reach any PR.
    assert "secrets." not in yaml.safe_dump(job.get("env") or {}), f"{wf}:{job_id} job env"
    for step in _steps(job):
        text = yaml.safe_dump(step)
        if "secrets." not in text:
            continue
        assert _environment(job) is not None, f"{wf}:{job_id} uses a secret without environment"
        assert set(re.findall(r"secrets\.(\w+)", text)) == {"PULUMI_CONFIG_PASSPHRASE"}
        # The passphrase decrypts state: only `pulumi up`/`preview` and tools.verify, which
        # reads the client secrets through the Automation API in its own process and prints
        # none of them (tests/tools/test_verify.py), may hold it.
        assert (
            _runs_pulumi(step, "up")
            or _runs_pulumi(step, "preview")
            or str(step.get("run", "")).startswith(".venv/bin/python -m tools.verify ")
        ), step.get("name")


def test_live_preview_runs_only_for_same_repository_prs_when_switched_on() -> None:
    jobs = ALL["preview.yml"]["jobs"]
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    fork = "github.event.pull_request.head.repo.full_name != github.repository"
    assert jobs["preview"]["if"] == f"{same_repo} && vars.LIVE_PREVIEW == 'true'"
    # The offline plan is the exact complement: every PR gets one of the two, never both.
    assert jobs["offline-plan"]["if"] == f"{fork} || vars.LIVE_PREVIEW != 'true'"
    assert _triggers("preview.yml") == {"pull_request": None}


def test_the_offline_plan_job_holds_no_secret_and_no_token() -> None:
    job = ALL["preview.yml"]["jobs"]["offline-plan"]
    assert _environment(job) is None
    assert "secrets." not in yaml.safe_dump(job)
    assert not any(_runs_pulumi(s, "preview") or _runs_pulumi(s, "up") for s in _steps(job))


def test_no_workflow_uses_pull_request_target() -> None:
    for name in WORKFLOW_NAMES:
        assert "pull_request_target" not in _triggers(name), name


# --- no secret-bearing step outputs ------------------------------------------------------------


def actions_v661_step_outputs(outputs: dict[str, Any], secret_paths: set[str]) -> dict[str, bool]:
    """What pulumi/actions v6.6.1 does with stack outputs after a command (src/main.ts): every
    output becomes a step output (core.setOutput) and is masked (core.setSecret) only when the
    Automation API marks it secret, which it does when `stack output --json` without
    --show-secrets prints exactly "[secret]" for it, i.e. only for a secret top-level value
    (sdk/nodejs/automation/localWorkspace.ts stackOutputs). Returns output -> masked."""
    return {name: name in secret_paths for name in outputs}


def test_the_model_of_pulumi_actions_leaves_nested_secrets_unmasked() -> None:
    # Why the workflows never run a stack command through pulumi/actions: a nested secret would
    # sit unmasked in steps.<id>.outputs.
    masked = actions_v661_step_outputs({"applications": {"a": {"secret": "x"}}}, set())
    assert masked == {"applications": False}


def test_dev_stack_secrets_are_whole_top_level_outputs(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    # Defence in depth for anyone who wires the outputs into a step anyway: every secret in the
    # dev stack's outputs is a whole top-level output, so it would at least be masked, and the
    # non-secret outputs stay readable.
    result: MockRun = run(dev_config)
    assert all("." not in path and "[" not in path for path in result.secret_output_paths)
    masked = actions_v661_step_outputs(result.outputs, result.secret_output_paths)
    assert masked == {
        "applications": False,
        "clientSecrets": True,
        "healthcareClientsVersion": False,
    }


@pytest.mark.parametrize(("wf", "job_id", "job"), _jobs(), ids=lambda v: str(v)[:20])
def test_pulumi_actions_is_used_only_to_install_the_cli(
    wf: str, job_id: str, job: dict[str, Any]
) -> None:
    # Without `command:` pulumi/actions v6.6.1 only installs the CLI (src/main.ts, installOnly)
    # and sets no stack output as a step output.
    for step in _steps(job):
        if str(step.get("uses", "")).startswith(PULUMI_ACTION):
            assert set(step.get("with") or {}) == {"pulumi-version"}, f"{wf}:{job_id}"


def test_no_step_ever_shows_secrets() -> None:
    for wf, job_id, job in _jobs():
        for step in _steps(job):
            assert "show-secrets" not in yaml.safe_dump(step), f"{wf}:{job_id}"


@pytest.mark.parametrize(("wf", "job_id", "job"), _jobs(), ids=lambda v: str(v)[:20])
def test_steps_that_write_step_outputs_cannot_decrypt(
    wf: str, job_id: str, job: dict[str, Any]
) -> None:
    # A step that writes $GITHUB_OUTPUT gets no passphrase, so anything it reads from state can
    # only come out blinded.
    for step in _steps(job):
        if "GITHUB_OUTPUT" in str(step.get("run", "")) and "pulumi " in str(step.get("run", "")):
            if step.get("id") == "drift":
                # The drift step writes only its own result and exit code (tested below).
                outputs = re.findall(r'echo "([\w-]+)=', step["run"])
                assert sorted(outputs) == ["exit-code", "result"]
                continue
            assert "PULUMI_CONFIG_PASSPHRASE" not in yaml.safe_dump(step), f"{wf}:{job_id}"
            assert "secrets." not in yaml.safe_dump(step)


def test_non_secret_outputs_stay_readable_as_a_deploy_step_output() -> None:
    job = ALL["deploy.yml"]["jobs"]["up"]
    step = _step(job, "outputs")
    assert "pulumi stack output applications --json" in step["run"]
    assert step.get("env") == {"STACK": "${{ matrix.stack }}"}
    assert job["outputs"] == {"applications": "${{ steps.outputs.outputs.applications }}"}


# --- the CLI and the virtualenvs it runs ------------------------------------------------------------


def _cli_pins() -> set[str]:
    return {
        str(step["with"]["pulumi-version"])
        for _wf, _job_id, job in _jobs()
        for step in _steps(job)
        if str(step.get("uses", "")).startswith(PULUMI_ACTION)
    }


def test_the_cli_is_pinned_to_the_sdk_version_and_has_distinct_exit_codes() -> None:
    sdk = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert sdk is not None
    assert _cli_pins() == {sdk.group(1)}
    version = tuple(int(part) for part in sdk.group(1).split("."))
    assert version >= MIN_CLI_WITH_EXIT_7


@pytest.mark.parametrize(("wf", "job_id", "job"), _jobs(), ids=lambda v: str(v)[:20])
def test_virtualenvs_exist_before_the_cli_runs_the_program_or_the_pack(
    wf: str, job_id: str, job: dict[str, Any]
) -> None:
    steps = _steps(job)
    cli_steps = [i for i, s in enumerate(steps) if re.search(r"(^|\s)pulumi ", str(s.get("run")))]
    if not cli_steps:
        return
    venv_steps = [
        i
        for i, s in enumerate(steps)
        if re.fullmatch(r"make \.venv/\.runtime-installed policy-venv", str(s.get("run", "")))
    ]
    assert venv_steps and venv_steps[0] < cli_steps[0], f"{wf}:{job_id}"
    # Nothing installs into setup-python's interpreter, which the CLI never runs.
    assert not any("pip install" in str(s.get("run", "")) for s in steps), f"{wf}:{job_id}"


@pytest.mark.parametrize(("wf", "job_id", "job"), _jobs(), ids=lambda v: str(v)[:20])
def test_every_preview_and_up_runs_the_policy_pack(
    wf: str, job_id: str, job: dict[str, Any]
) -> None:
    for step in _steps(job):
        if step.get("id") == "drift":
            continue  # the drift check compares state with the tenant; the pack ran in the `up`
        if _runs_pulumi(step, "up") or _runs_pulumi(step, "preview"):
            run = " ".join(str(step["run"]).split())
            assert "--policy-pack policy --policy-pack-config policy/config.json" in run


@pytest.mark.parametrize("target", ["preview", "up"])
def test_make_creates_the_policy_venv_before_it_runs_the_cli(target: str) -> None:
    proc = subprocess.run(
        ["make", "-n", "-B", target, "USE_UV=0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stdout.splitlines()
    venv = next(i for i, line in enumerate(lines) if line.endswith("-m venv policy/venv"))
    install = next(i for i, line in enumerate(lines) if "-r policy/requirements.txt" in line)
    cli = next(i for i, line in enumerate(lines) if re.search(rf"(^|\s)pulumi {target} ", line))
    assert venv < install < cli
    assert "--policy-pack policy --policy-pack-config policy/config.json" in lines[cli]


# --- concurrency ---------------------------------------------------------------------------------


def test_writers_share_one_concurrency_group_per_stack_and_are_never_cancelled() -> None:
    for wf, job_id in (("deploy.yml", "up"), ("rotate.yml", "rotate")):
        job = ALL[wf]["jobs"][job_id]
        assert job["concurrency"] == {
            "group": "pulumi-${{ matrix.stack }}",
            "cancel-in-progress": False,
        }
    # Previews take no lock and stay out of the writers' group.
    assert "pulumi-" not in str(ALL["preview.yml"].get("concurrency"))


# --- the shell steps that decide something, run with a fake pulumi --------------------------------


def _run_step(
    script: str, tmp_path: Path, pulumi_exit: int, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], dict[str, str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "pulumi"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'echo "pulumi $*" >> "$FAKE_PULUMI_LOG"\n'
        'echo "Previewing update (dev):  ~ 1 to update"\n'
        f"exit {pulumi_exit}\n"
    )
    fake.chmod(0o755)
    output, summary, log = tmp_path / "out", tmp_path / "summary", tmp_path / "log"
    for path in (output, summary, log):
        path.write_text("")
    proc = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            **env,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "FAKE_PULUMI_LOG": str(log),
        },
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc, outputs, summary.read_text() + "\n" + log.read_text()


@pytest.mark.parametrize(
    ("exit_code", "result", "title"),
    [
        (0, "clean", None),
        (7, "drift", "Drift detected in stack dev"),
        (1, "error", "Drift check failed in stack dev (exit 1)"),
        (3, "error", "Drift check failed in stack dev (exit 3)"),  # ExitAuthenticationError
        (255, "error", "Drift check failed in stack dev (exit 255)"),
    ],
)
def test_rotate_tells_drift_from_a_failed_check(
    tmp_path: Path, exit_code: int, result: str, title: str | None
) -> None:
    step = _step(ALL["rotate.yml"]["jobs"]["rotate"], "drift")
    proc, outputs, text = _run_step(step["run"], tmp_path, exit_code, {"STACK": "dev"})
    assert outputs == {"result": result, "exit-code": str(exit_code)}
    assert (proc.returncode == 0) == (result == "clean")
    if title is None:
        assert "::error" not in proc.stdout
    else:
        assert f"::error title={title}::" in proc.stdout
    assert "Drift detected" not in proc.stdout or result == "drift"
    assert "pulumi preview --stack dev --refresh --expect-no-changes" in text


@pytest.mark.parametrize("exit_code", [0, 1])
def test_preview_writes_its_diff_to_the_summary_and_keeps_the_exit_code(
    tmp_path: Path, exit_code: int
) -> None:
    steps = _steps(ALL["preview.yml"]["jobs"]["preview"])
    step = next(s for s in steps if _runs_pulumi(s, "preview"))
    proc, _outputs, text = _run_step(step["run"], tmp_path, exit_code, {"STACK": "dev"})
    assert proc.returncode == exit_code
    assert f"## pulumi preview of stack `dev` (exit {exit_code})" in text
    assert "~ 1 to update" in text


def test_previews_skip_per_step_checkpoints_and_updates_never_do() -> None:
    # A preview persists nothing, so skipping the engine's per-step snapshot work is free;
    # an `up` without checkpoints would lose what it created if it crashed (pulumi/pulumi#10668).
    seen = {"preview": 0, "up": 0}
    for wf in ALL:
        for _job_id, job in ALL[wf]["jobs"].items():
            for step in _steps(job):
                env = step.get("env") or {}
                if _runs_pulumi(step, "preview"):
                    seen["preview"] += 1
                    assert env.get("PULUMI_SKIP_CHECKPOINTS") == "true", step.get("name")
                if _runs_pulumi(step, "up"):
                    seen["up"] += 1
                    assert "PULUMI_SKIP_CHECKPOINTS" not in env, step.get("name")
    assert seen["preview"] >= 2 and seen["up"] >= 2

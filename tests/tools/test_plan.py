"""tools.plan: the offline plan of a stack, its JSON form and its diff.

Longer than 400 lines: the whole command line (text, JSON, diff, clocks, secure values,
refusals) over one dev plan fixture; the redaction has its own file.
"""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.configs import stack_config
from testbed.fake_tenant import FakeTenant
from testbed.mockrun import PROJECT_DIR
from tests.conftest import DEV_NOW, SUBSCRIPTION
from tools import plan as plan_tool
from tools.offline_plan.diff import compare_values
from tools.offline_plan.render import change_line

# Generation 12 of the 90-day period starts on 2026-12-16: slot a rotates, slot b stays.
AFTER_ROTATION = "2026-12-20T09:00:00Z"
PREFIX = "healthcare-clients:"
CIPHERTEXT = "AAABAKmJ0aGlzIGlzIGEgY2lwaGVydGV4dA=="
RESOURCE_LINE = re.compile(
    r"^(?P<indent> *)(?P<op>\+-|[+~-]) (?P<type>[\w-]+:[\w-]+:\w+) (?P<name>\S+)"
)

Result = tuple[int, str, str]
Plan = Callable[..., Result]


@pytest.fixture
def plan(capsys: pytest.CaptureFixture[str]) -> Plan:
    """Run ``main`` with the given arguments: (exit code, stdout, stderr)."""

    def _plan(*argv: str) -> Result:
        code = plan_tool.main(["--no-color", *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return _plan


@pytest.fixture(scope="module")
def dev_document() -> dict[str, Any]:
    text = (PROJECT_DIR / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


@pytest.fixture
def project(tmp_path: Path, dev_document: dict[str, Any]) -> Callable[..., Path]:
    """A project directory with the real program and a stack file written by the test."""
    directory = tmp_path / "project"
    directory.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "components"):
        (directory / name).symlink_to(PROJECT_DIR / name)

    def _project(edit: Callable[[dict[str, Any]], None] | None = None, stack: str = "dev") -> Path:
        document = copy.deepcopy(dev_document)
        if edit is not None:
            edit(document["config"])
        text = yaml.safe_dump(document, sort_keys=False)
        (directory / f"Pulumi.{stack}.yaml").write_text(text, encoding="utf-8")
        return directory

    return _project


def tree(text: str) -> dict[str, tuple[str, str | None]]:
    """Resource name -> (short type, parent's name) from the printed tree, by indentation."""
    found: dict[str, tuple[str, str | None]] = {}
    stack: list[tuple[int, str]] = []
    for line in text.splitlines():
        match = RESOURCE_LINE.match(line)
        if not match:
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = f"{match['type']} {match['name']}"
        found[key] = (match["op"], stack[-1][1] if stack else None)
        stack.append((indent, key))
    return found


def resource_lines(text: str) -> list[re.Match[str]]:
    return [m for line in text.splitlines() if (m := RESOURCE_LINE.match(line))]


# --- the dev stack ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_plan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The dev stack planned twice at the same clock: text, JSON bytes of both runs."""
    out = tmp_path_factory.mktemp("plans")
    results = []
    for index in (1, 2):
        stdout, stderr = io.StringIO(), io.StringIO()
        path = out / f"plan{index}.json"
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.stdout", stdout)
            mp.setattr("sys.stderr", stderr)
            code = plan_tool.main(["--stack", "dev", "--now", DEV_NOW, "--json", str(path)])
        results.append((code, stdout.getvalue(), stderr.getvalue(), path))
    yield {
        "code": results[0][0],
        "text": results[0][1],
        "stderr": results[0][2],
        "json_path": results[0][3],
        "json": results[0][3].read_bytes(),
        "json_again": results[1][3].read_bytes(),
        "text_again": results[1][1],
    }


def test_dev_plan_groups_resources_under_their_application(dev_plan: dict[str, Any]) -> None:
    assert dev_plan["code"] == 0
    found = tree(dev_plan["text"])
    postman = "healthcare-clients:index:ClientApplication postman"
    backend = "healthcare-clients:index:ClientApplication backend"
    assert found[postman] == found[backend] == ("+", None)
    assert found["azuread:index:ApplicationRegistration postman"] == ("+", postman)
    assert found["azuread:index:ServicePrincipal postman-sp"] == ("+", postman)
    assert found["azuread:index:ApplicationRedirectUris postman-redirect-publicclient"] == (
        "+",
        postman,
    )
    for slot in ("a", "b"):
        assert found[f"azuread:index:ApplicationPassword postman-secret-{slot}"] == ("+", postman)
    assert found["azure-native:authorization:RoleAssignment backend-fhir-fhir-data-reader"] == (
        "+",
        backend,
    )
    # Every custom resource sits directly under its application, the one component.
    custom = [k for k in found if not k.startswith("healthcare-clients:")]
    assert custom and all(found[k][1] in (postman, backend) for k in custom)


def test_dev_plan_shows_inputs_outputs_and_a_summary(dev_plan: dict[str, Any]) -> None:
    text = dev_plan["text"]
    assert "clock: 2026-11-27T09:00:00Z (--now)" in text
    assert 'redirectUris: ["https://www.getpostman.com/oauth2/callback"]' in text
    assert 'type: "PublicClient"' in text
    assert 'signInAudience: "AzureADMyOrg"' in text
    assert 'rotateWhenChanged: {"generation":"11","generationStart":"2026-09-17T00:00:00Z"}' in text
    assert "clientSecrets: [secret]" in text
    assert "clientSecret:" not in text
    total = len(resource_lines(text))
    summary = text.rstrip().splitlines()[-1]
    assert summary.startswith(f"{total} to create (")
    assert "4 azuread:index:ApplicationPassword" in summary
    assert "3 azure-native:authorization:RoleAssignment" in summary
    # Long values are cut on screen, complete in the JSON; warnings are whole sentences.
    assert all(
        len(line) < 140
        for line in text.splitlines()
        if not line.startswith((f"{total} ", "warning: "))
    )


def test_dev_plan_never_contains_a_generated_secret(dev_plan: dict[str, Any]) -> None:
    document = json.loads(dev_plan["json"])
    key_ids = [
        slot["keyId"]
        for app in document["outputs"]["applications"].values()
        for slot in app["secrets"]
    ]
    assert len(key_ids) == 4
    for blob in (dev_plan["text"], dev_plan["stderr"], dev_plan["json"].decode()):
        assert "8Q~" not in blob
        for key_id in key_ids:
            assert FakeTenant.secret_value(key_id) not in blob
    assert document["outputs"]["clientSecrets"] == "[secret]"
    assert document["secretOutputs"] == ["clientSecrets"]


def test_json_plan_is_deterministic_and_matches_the_text(dev_plan: dict[str, Any]) -> None:
    assert dev_plan["json"] == dev_plan["json_again"]
    assert dev_plan["text"] == dev_plan["text_again"]
    document = json.loads(dev_plan["json"])
    assert set(document) >= {"stack", "clock", "resources", "outputs", "invokes", "warnings"}
    assert (document["stack"], document["clock"]) == ("dev", DEV_NOW)
    urns = [r["urn"] for r in document["resources"]]
    assert urns == sorted(urns)
    assert len(urns) == len(resource_lines(dev_plan["text"]))
    sp = next(r for r in document["resources"] if r["name"] == "postman-sp")
    assert set(sp) >= {"urn", "type", "name", "parent", "inputs", "protect", "secretInputs"}
    assert sp["parent"].endswith("healthcare-clients:index:ClientApplication::postman")
    assert sp["protect"] is False
    tokens = [i["token"] for i in document["invokes"]]
    assert "azuread:index/getClientConfig:getClientConfig" in tokens


def test_diff_against_itself_has_no_changes(dev_plan: dict[str, Any], plan: Plan) -> None:
    code, out, _ = plan("--stack", "dev", "--now", DEV_NOW, "--diff", str(dev_plan["json_path"]))
    assert code == 0
    assert resource_lines(out) == []
    assert re.search(r"^no changes \(\d+ unchanged\)$", out, re.MULTILINE)
    # The client secrets are redacted on both sides: said, not silently called equal.
    assert "could not be compared" in out


def test_diff_across_a_rotation_boundary_replaces_one_password_per_app(
    dev_plan: dict[str, Any], plan: Plan
) -> None:
    code, out, _ = plan(
        "--stack", "dev", "--now", AFTER_ROTATION, "--diff", str(dev_plan["json_path"])
    )
    assert code == 0
    changed = {m["name"]: m["op"] for m in resource_lines(out)}
    assert changed == {"postman-secret-a": "+-", "backend-secret-a": "+-"}
    block = out.split("+- azuread:index:ApplicationPassword postman-secret-a (replace)\n")[1]
    block = block.split("\n    +")[0]
    assert '~ rotateWhenChanged.generation: "10" => "12" (forces replacement)' in block
    assert '~ endDate: "2026-12-16T00:00:00Z" => "2027-06-14T00:00:00Z"' in block
    assert "2 to replace; " in out
    assert "8Q~" not in out
    assert (
        f"note: the plans use different clocks (2026-11-27T09:00:00Z and {AFTER_ROTATION}): a "
        "password replaced below may be a rotation, not an edit; rerun with "
        "--now 2026-11-27T09:00:00Z to see only what the edits change"
    ) in out.splitlines()


def test_diff_with_the_same_clock_has_no_clock_note(dev_plan: dict[str, Any], plan: Plan) -> None:
    _, out, _ = plan("--stack", "dev", "--now", DEV_NOW, "--diff", str(dev_plan["json_path"]))
    assert "different clocks" not in out


def test_diff_shows_added_and_removed_resources(
    dev_plan: dict[str, Any], plan: Plan, project: Callable[..., Path]
) -> None:
    def edit(config: dict[str, Any]) -> None:
        apps = config[PREFIX + "applications"]
        apps["reporting"] = {
            "displayName": "Healthcare APIs - reporting",
            "secret": {"expiresIn": "6 months"},
            "roles": {"fhir": ["FHIR Data Reader"]},
        }
        del apps["postman"]["roles"]["dicom"]

    directory = project(edit)
    code, out, _ = plan(
        "--stack",
        "dev",
        "--now",
        DEV_NOW,
        "--project-dir",
        str(directory),
        "--diff",
        str(dev_plan["json_path"]),
    )
    assert code == 0, out
    ops = {m["name"]: m["op"] for m in resource_lines(out)}
    assert ops["postman-dicom-dicom-data-owner"] == "-"
    assert ops["reporting"] == "+"  # the component and its registration
    assert ops["reporting-sp"] == "+"
    assert ops["reporting-fhir-fhir-data-reader"] == "+"
    assert {op for name, op in ops.items() if not name.startswith("reporting")} == {"-"}
    assert "(delete)" in out and "(create)" in out
    assert 'displayName: "Healthcare APIs - reporting"' in out  # inputs of a new resource
    assert "1 to delete" in out
    assert "~ applications.postman" not in out  # the DICOM service stays for its permission
    assert "+ applications.reporting.clientId: " in out


def test_diff_shows_a_property_update(
    dev_plan: dict[str, Any], plan: Plan, project: Callable[..., Path]
) -> None:
    def edit(config: dict[str, Any]) -> None:
        config[PREFIX + "applications"]["backend"]["displayName"] = "Backend v2"

    code, out, _ = plan(
        "--stack",
        "dev",
        "--now",
        DEV_NOW,
        "--project-dir",
        str(project(edit)),
        "--diff",
        str(dev_plan["json_path"]),
    )
    assert code == 0
    assert [(m["op"], m["name"]) for m in resource_lines(out)] == [("~", "backend")]
    assert '~ displayName: "Healthcare APIs - backend reader" => "Backend v2"' in out
    assert "1 to update; " in out


# --- secrets -----------------------------------------------------------------------------


def test_secure_config_values_print_as_secret(
    plan: Plan, project: Callable[..., Path], tmp_path: Path
) -> None:
    def edit(config: dict[str, Any]) -> None:
        config[PREFIX + "applications"]["postman"]["displayName"] = {"secure": CIPHERTEXT}

    out_json = tmp_path / "plan.json"
    code, out, err = plan(
        "--stack",
        "dev",
        "--now",
        DEV_NOW,
        "--project-dir",
        str(project(edit)),
        "--json",
        str(out_json),
    )
    assert code == 0, err
    assert "note: secure: values cannot be decrypted offline" in out
    registration = out.split("ApplicationRegistration postman\n")[1].split("\n        +")[0]
    assert "displayName: [secret]" in registration
    document = json.loads(out_json.read_text(encoding="utf-8"))
    reg = next(
        r
        for r in document["resources"]
        if r["name"] == "postman" and r["type"].endswith("ApplicationRegistration")
    )
    assert reg["inputs"]["displayName"] == "[secret]"
    assert "displayName" in reg["secretInputs"]
    for blob in (out, err, out_json.read_text(encoding="utf-8")):
        assert CIPHERTEXT not in blob
        assert "8Q~" not in blob


def test_nested_secret_inputs_are_redacted_in_place(
    plan: Plan, project: Callable[..., Path], tmp_path: Path
) -> None:
    """The Key Vault copy of the client secret: one secret field inside ``properties``."""

    def edit(config: dict[str, Any]) -> None:
        config[PREFIX + "applications"]["backend"]["keyVault"] = {
            "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-kv"
            "/providers/Microsoft.KeyVault/vaults/kv-example"
        }

    out_json = tmp_path / "plan.json"
    code, out, err = plan(
        "--stack",
        "dev",
        "--now",
        DEV_NOW,
        "--project-dir",
        str(project(edit)),
        "--json",
        str(out_json),
    )
    assert code == 0, err
    block = out.split("azure-native:keyvault:Secret backend-vault-client-secret\n")[1]
    block = block.split("\n            +")[0]
    assert "properties.value: [secret]" in block
    assert 'properties.contentType: "Entra client secret for application ' in block
    document = json.loads(out_json.read_text(encoding="utf-8"))
    vault = next(r for r in document["resources"] if r["name"] == "backend-vault-client-secret")
    assert vault["secretInputs"] == ["properties.value"]
    assert vault["inputs"]["properties"]["value"] == "[secret]"
    assert vault["inputs"]["properties"]["attributes"]["enabled"] is True
    for blob in (out, out_json.read_text(encoding="utf-8")):
        assert "8Q~" not in blob
        assert "4dabf18193072939515e22adb298388d" not in blob  # the SDK's secret envelope


def test_a_secret_that_escapes_redaction_stops_the_plan(
    plan: Plan, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_build = plan_tool.build_plan

    def leaky(run: Any, **kwargs: Any) -> dict[str, Any]:
        built = real_build(run, **kwargs)
        built["outputs"] = run.outputs  # as if redaction were forgotten
        return built

    monkeypatch.setattr(plan_tool, "build_plan", leaky)
    out_json = tmp_path / "plan.json"
    code, out, err = plan("--stack", "dev", "--now", DEV_NOW, "--json", str(out_json))
    assert code == plan_tool.EXIT_LEAK
    assert out == ""
    assert not out_json.exists()
    assert "secret value would have been written" in err
    assert "8Q~" not in err


def test_compare_values_treats_redacted_values_as_opaque() -> None:
    changes, uncompared = compare_values(
        {"k": "[secret]", "l": "old", "m": [1, 2]},
        {"k": "[secret]", "l": "[secret]", "m": [1, 3], "n": True},
        {"k"},
        {"k", "l"},
        frozenset({"m"}),
    )
    assert uncompared == 1
    assert [change_line(c) for c in changes] == [
        '~ l: "old" => [secret]',
        "~ m[1]: 2 => 3 (forces replacement)",
        "+ n: true",
    ]


# --- user mistakes -----------------------------------------------------------------------


def test_bad_config_prints_the_programs_message_and_exits_2(
    plan: Plan, project: Callable[..., Path]
) -> None:
    def edit(config: dict[str, Any]) -> None:
        postman = config[PREFIX + "applications"]["postman"]
        postman["redirectUri"] = postman.pop("redirectUris")

    code, out, err = plan("--stack", "dev", "--now", DEV_NOW, "--project-dir", str(project(edit)))
    assert code == 2
    assert out == ""
    assert err.startswith("healthcare-clients: invalid configuration (1 problem):")
    assert "applications.postman.redirectUri: unknown key 'redirectUri'" in err
    assert "did you mean 'redirectUris'?" in err
    assert "Traceback" not in out + err


def test_unknown_stack_lists_the_stacks_found(plan: Plan) -> None:
    code, out, err = plan("--stack", "prod")
    assert code == 2
    assert out == ""
    assert "unknown stack 'prod'" in err
    assert "Stacks found: dev" in err


def test_invalid_stack_file_exits_2(plan: Plan, project: Callable[..., Path]) -> None:
    directory = project()
    (directory / "Pulumi.broken.yaml").write_text("config: [\n", encoding="utf-8")
    code, out, err = plan("--stack", "broken", "--project-dir", str(directory))
    assert (code, out) == (2, "")
    assert err.startswith("error: Pulumi.broken.yaml is not valid YAML")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--now", "yesterday"], "--now 'yesterday' is not an ISO 8601 timestamp"),
        (["--diff", "/nonexistent/old.json"], "--diff: cannot read /nonexistent/old.json"),
        (["--stack", "../dev"], "is not a stack name"),
    ],
)
def test_usage_errors_exit_2(plan: Plan, argv: list[str], message: str) -> None:
    args = ["--stack", "dev", *argv] if argv[0] != "--stack" else argv
    code, out, err = plan(*args)
    assert (code, out) == (2, "")
    assert message in err


def test_diff_rejects_a_file_that_is_not_a_plan(plan: Plan, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text('{"resources": [{"name": "x"}]}', encoding="utf-8")
    code, _, err = plan("--stack", "dev", "--diff", str(old))
    assert code == 2
    assert "is not a plan written by `tools.plan --json`" in err


def test_clock_comes_from_the_flag_then_the_environment() -> None:
    env = {"HEALTHCARE_CLIENTS_NOW": "2026-01-02"}
    assert plan_tool.resolve_clock("2026-11-27T10:00:00+01:00", env) == (
        "2026-11-27T09:00:00Z",
        "--now",
    )
    assert plan_tool.resolve_clock(None, env) == ("2026-01-02T00:00:00Z", "HEALTHCARE_CLIENTS_NOW")
    clock, source = plan_tool.resolve_clock(None, {})
    assert source == "system clock"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", clock)


def test_warnings_are_printed(plan: Plan, project: Callable[..., Path], tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config[PREFIX + "applications"]["backend"]["secret"] = {
            "rotation": "none",
            "start": "2026-06-01T00:00:00Z",
            "end": "2026-12-10T00:00:00Z",
        }

    out_json = tmp_path / "plan.json"
    code, out, _ = plan(
        "--stack",
        "dev",
        "--now",
        DEV_NOW,
        "--project-dir",
        str(project(edit)),
        "--json",
        str(out_json),
    )
    assert code == 0
    assert "warning: applications.backend.secret: the custom secret ends on 2026-12-10" in out
    warnings = json.loads(out_json.read_text(encoding="utf-8"))["warnings"]
    assert [w for w in warnings if "2026-12-10" in w] == [
        "applications.backend.secret: the custom secret ends on 2026-12-10 (12 days left); set "
        "new start/end dates or switch to rotation: overlap"
    ]


# --- the size of the config the engine hands the program ------------------------------------


def test_a_config_too_big_for_the_engine_stops_the_plan_with_its_cause(
    plan: Plan, project: Callable[..., Path]
) -> None:
    def edit(config: dict[str, Any]) -> None:
        config[PREFIX + "applications"] = stack_config(220)["applications"]
        config[PREFIX + "services"] = stack_config(1)["services"]

    code, out, err = plan("--stack", "dev", "--now", DEV_NOW, "--project-dir", str(project(edit)))
    assert (code, out) == (1, "")
    assert "Pulumi.dev.yaml: the stack config takes 13" in err
    assert "of the 131,057 bytes" in err
    assert "'argument list too long' before the program starts" in err
    assert "Split the applications across stacks" in err


def test_a_config_near_the_limit_plans_with_a_warning(
    plan: Plan, project: Callable[..., Path]
) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["padding:blob"] = "x" * 110_000  # another namespace: never read offline

    code, out, err = plan("--stack", "dev", "--now", DEV_NOW, "--project-dir", str(project(edit)))
    assert code == 0, err
    assert re.search(r"the stack config takes [\d,]+ of the 131,057 bytes \(8\d%\)", out + err)


def test_the_dev_stack_is_far_from_the_config_limit(plan: Plan) -> None:
    code, out, err = plan("--stack", "dev", "--now", DEV_NOW)
    assert code == 0
    assert "PULUMI_CONFIG" not in out + err

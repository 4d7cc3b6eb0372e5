"""tools.adopt --from-tenant against a fake `az` first on PATH (tests/tools/fakes/adopt_az.py).

The fake answers only the exact command lines each test records, with the recorded Graph
payloads of tests/tools/adopt/ (the shapes tools/adopt_tenant.py cites from the Azure CLI's
source), and fails any other with exit 97; each test checks the command lines, in order.
"""

import io
import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tools import adopt, adopt_tenant

HERE = Path(__file__).parent / "adopt"
FAKE = Path(__file__).parent / "fakes" / "adopt_az.py"
ROOT = Path(__file__).resolve().parents[2]
DEPLOYER = "a1b2c3d4-0000-4000-8000-000000000001"
POSTMAN = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
POSTMAN_SP = "6e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098"
BACKEND = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
BACKEND_SP = "7f6e5d4c-3b2a-4190-8c7b-6a5f4e3d2c1b"
GRAPH_API = "00000003-0000-0000-c000-000000000000"
FHIR_API = "4f6778d8-5aef-43dc-a1ff-b073724b9495"
DICOM_API = "75e725bf-66ce-4cea-9b9a-5c4caae57f33"
# What az prints when the object does not exist (Graph's 404), and signed out.
NOT_FOUND = (
    "ERROR: Resource '{}' does not exist or one of its queried reference-property objects "
    "are not present.\n"
)
SIGNED_OUT = "ERROR: Please run 'az login' to setup account.\n"


class FakeAz:
    """The answers the fake `az` gives, and the command lines it was called with."""

    def __init__(self, directory: Path) -> None:
        self.answers: dict[str, dict[str, Any]] = {}
        self.table = directory / "answers.json"
        self.log = directory / "calls.log"
        self.log.write_text("", encoding="utf-8")

    def answer(
        self, command: str, stdout: Path | None = None, *, exit: int = 0, stderr: str = ""
    ) -> None:
        self.answers[command] = {
            "exit": exit,
            "stdout": str(stdout) if stdout else None,
            "stderr": stderr,
        }
        self.table.write_text(json.dumps(self.answers), encoding="utf-8")

    def calls(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def az(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAz]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "az"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    fake = FakeAz(tmp_path)
    fake.answer("unused")  # the table exists before the first call
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_AZ_ANSWERS", str(fake.table))
    monkeypatch.setenv("FAKE_AZ_LOG", str(fake.log))
    yield fake


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = adopt.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def postman_tenant(az: FakeAz) -> list[str]:
    """The tenant as the recorded files show it; the command lines adopt should run, in order."""
    commands = [
        (f"ad app show --id {POSTMAN} -o json", "postman-app.json"),
        (f"ad sp show --id {POSTMAN} -o json", "postman-sp.json"),
        (f"ad app owner list --id {POSTMAN} -o json", "postman-owners.json"),
        (f"ad app permission list-grants --id {POSTMAN} -o json", "postman-grants.json"),
        (
            f"role assignment list --assignee {POSTMAN_SP} --all -o json",
            "postman-role-assignments.json",
        ),
        # The APIs in requiredResourceAccess, by app ID; the grants are to two of them.
        (f"ad sp show --id {GRAPH_API} -o json", "graph-api.json"),
        (f"ad sp show --id {FHIR_API} -o json", "fhir-api.json"),
        (f"ad sp show --id {DICOM_API} -o json", "dicom-api.json"),
    ]
    for command, name in commands:
        az.answer(command, HERE / name)
    return [command for command, _ in commands]


def test_from_tenant_runs_the_documented_commands_and_writes_what_the_files_give(
    az: FakeAz,
) -> None:
    expected = postman_tenant(az)
    stack = ("--stack-file", str(ROOT / "Pulumi.dev.yaml"), "--deployer", DEPLOYER)
    code, out, err = run("--from-tenant", POSTMAN, *stack)
    assert code == 0, err
    assert az.calls() == expected

    files = [
        str(HERE / "postman-app.json"),
        *("--service-principal", str(HERE / "postman-sp.json")),
        *("--owners", str(HERE / "postman-owners.json")),
        *("--grants", str(HERE / "postman-grants.json")),
        *("--role-assignments", str(HERE / "postman-role-assignments.json")),
        *("--api", str(HERE / "graph-api.json")),
        *("--api", str(HERE / "fhir-api.json")),
        *("--api", str(HERE / "dicom-api.json")),
    ]
    assert run(*files, *stack) == (0, out, err)  # the same entry, the same notes
    config = yaml.safe_load(out)["healthcare-apis-postman"]
    assert config["apiPermissions"]["azure-healthcare-apis"] == ["user_impersonation"]
    assert config["roles"] == {"fhir": ["FHIR Data Contributor"]}
    assert "unresolved role assignment 8d7c6b5a" in out  # the storage account's, as from files
    assert out.count("# unresolved") == 1


def test_an_api_without_a_service_principal_in_the_tenant_is_named_from_the_facts(
    az: FakeAz, tmp_path: Path
) -> None:
    app = json.loads((HERE / "backend-app.json").read_text())
    app["requiredResourceAccess"].append(
        {
            "resourceAppId": DICOM_API,
            "resourceAccess": [{"id": "e69ab058-b8ae-4c0f-b687-5d97888ddccb", "type": "Scope"}],
        }
    )
    (tmp_path / "app.json").write_text(json.dumps(app), encoding="utf-8")
    az.answer(f"ad app show --id {BACKEND} -o json", tmp_path / "app.json")
    az.answer(f"ad sp show --id {BACKEND} -o json", HERE / "backend-sp.json")
    az.answer(f"ad app owner list --id {BACKEND} -o json", HERE / "postman-owners.json")
    az.answer(f"ad app permission list-grants --id {BACKEND} -o json", HERE / "backend-grants.json")
    az.answer(f"role assignment list --assignee {BACKEND_SP} --all -o json", HERE / "empty.json")
    az.answer(f"ad sp show --id {FHIR_API} -o json", HERE / "fhir-api.json")
    az.answer(f"ad sp show --id {DICOM_API} -o json", exit=3, stderr=NOT_FOUND.format(DICOM_API))
    code, out, err = run("--from-tenant", BACKEND)
    assert code == 0, err
    assert az.calls()[-2:] == [
        f"ad sp show --id {FHIR_API} -o json",
        f"ad sp show --id {DICOM_API} -o json",
    ]
    config = yaml.safe_load(out)["healthcare-apis-backend-reader"]
    assert config["apiPermissions"] == {
        "azure-api-for-dicom": ["Dicom.ReadWrite"],
        "azure-healthcare-apis": ["user_impersonation"],
    }
    assert (
        f"warning: the tenant has no service principal with the app ID {DICOM_API} "
        f"(`az ad sp show --id {DICOM_API}` exits 3)" in err
    )
    # Consent for FHIR alone: adminConsent stays off rather than widen it to DICOM.
    assert "adminConsent" not in config
    assert "no tenant-wide consent for azure-api-for-dicom" in err


def test_an_application_without_a_service_principal_reads_no_grants(az: FakeAz) -> None:
    az.answer(f"ad app show --id {BACKEND} -o json", HERE / "backend-app.json")
    az.answer(f"ad sp show --id {BACKEND} -o json", exit=3, stderr=NOT_FOUND.format(BACKEND))
    az.answer(f"ad app owner list --id {BACKEND} -o json", HERE / "empty.json")
    az.answer(f"ad sp show --id {FHIR_API} -o json", HERE / "fhir-api.json")
    code, out, err = run("--from-tenant", BACKEND)
    assert code == 0, err
    assert az.calls() == [
        f"ad app show --id {BACKEND} -o json",
        f"ad sp show --id {BACKEND} -o json",
        f"ad app owner list --id {BACKEND} -o json",
        f"ad sp show --id {FHIR_API} -o json",
    ]
    config = yaml.safe_load(out)["healthcare-apis-backend-reader"]
    assert "servicePrincipalObjectId" not in config["adopt"]
    assert (
        f"warning: the application has no service principal in the tenant (`az ad sp show --id "
        f"{BACKEND}` exits 3): the first `pulumi up` creates one" in err
    )


def test_grants_to_an_api_it_does_not_request_are_resolved_by_object_id(
    az: FakeAz, tmp_path: Path
) -> None:
    app = json.loads((HERE / "backend-app.json").read_text())
    app["requiredResourceAccess"] = []  # consent given, the request since removed
    (tmp_path / "app.json").write_text(json.dumps(app), encoding="utf-8")
    fhir_sp = json.loads((HERE / "fhir-api.json").read_text())["id"]
    az.answer(f"ad app show --id {BACKEND} -o json", tmp_path / "app.json")
    az.answer(f"ad sp show --id {BACKEND} -o json", HERE / "backend-sp.json")
    az.answer(f"ad app owner list --id {BACKEND} -o json", HERE / "empty.json")
    az.answer(f"ad app permission list-grants --id {BACKEND} -o json", HERE / "backend-grants.json")
    az.answer(f"role assignment list --assignee {BACKEND_SP} --all -o json", HERE / "empty.json")
    az.answer(f"ad sp show --id {fhir_sp} -o json", HERE / "fhir-api.json")
    code, out, err = run("--from-tenant", BACKEND)
    assert code == 0, err
    assert az.calls()[-1] == f"ad sp show --id {fhir_sp} -o json"
    assert "unresolved" not in out
    # Resolved, so named: left alone, as the entry cannot adopt a grant it asks nothing of.
    config = yaml.safe_load(out)["healthcare-apis-backend-reader"]
    assert "grants" not in config["adopt"] and "adminConsent" not in config
    assert (
        "admin consent grant QkFDS0VORC1HUkFOVC1GSElSLUFMTA to azure-healthcare-apis, an API "
        "the application asks no permissions of" in err
    )


def test_signed_out_az_stops_at_the_first_command_with_its_message(az: FakeAz) -> None:
    az.answer(f"ad app show --id {POSTMAN} -o json", exit=1, stderr=SIGNED_OUT)
    code, out, err = run("--from-tenant", POSTMAN)
    assert (code, out) == (3, "")
    assert err == (
        f"error: `az ad app show --id {POSTMAN} -o json` failed (exit 1): ERROR: Please run "
        "'az login' to setup account.; sign in with `az login` (to the tenant of the "
        "registration) and rerun\n"
    )
    assert az.calls() == [f"ad app show --id {POSTMAN} -o json"]


def test_without_az_on_path_it_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, out, err = run("--from-tenant", POSTMAN)
    assert (code, out) == (3, "")
    assert err.startswith(
        "error: --from-tenant runs the Azure CLI, and `az` is not on PATH: install it"
    )
    assert err.count("\n") == 1


def test_a_command_the_fake_does_not_expect_fails_loudly(az: FakeAz) -> None:
    postman_tenant(az)
    del az.answers[f"role assignment list --assignee {POSTMAN_SP} --all -o json"]
    az.answer(f"ad app show --id {POSTMAN} -o json", HERE / "postman-app.json")
    code, out, err = run("--from-tenant", POSTMAN)
    assert (code, out) == (3, "")
    assert err == (
        f"error: `az role assignment list --assignee {POSTMAN_SP} --all -o json` failed "
        f"(exit 97): fake az: no answer for: az role assignment list --assignee {POSTMAN_SP} "
        "--all -o json\n"
    )


def test_no_secret_reaches_the_output_even_when_az_fails(az: FakeAz, tmp_path: Path) -> None:
    app = json.loads((HERE / "postman-app.json").read_text())
    for credential in app["passwordCredentials"]:
        credential["hint"] = "HINT-NEVER-SHOWN"
        credential["secretText"] = "SECRET-NEVER-SHOWN"  # Graph returns null; a sentinel here
    (tmp_path / "app.json").write_text(json.dumps(app), encoding="utf-8")
    postman_tenant(az)
    az.answer(f"ad app show --id {POSTMAN} -o json", tmp_path / "app.json")
    code, out, err = run("--from-tenant", POSTMAN)
    assert code == 0
    assert "NEVER-SHOWN" not in out + err

    # A failing command's stdout is never echoed; its ERROR line is.
    az.answer(
        f"ad app show --id {POSTMAN} -o json",
        tmp_path / "app.json",
        exit=1,
        stderr="WARNING: something first\nERROR: (Forbidden) Insufficient privileges.\n",
    )
    code, out, err = run("--from-tenant", POSTMAN)
    assert code == 3 and "NEVER-SHOWN" not in out + err
    assert err.endswith("failed (exit 1): ERROR: (Forbidden) Insufficient privileges.\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give the application's file (`az ad app show --id <id>`), or --from-tenant"),
        (["--from-tenant", POSTMAN, "app.json"], "leave out the application file"),
        (
            ["--from-tenant", POSTMAN, "--api", "fhir.json", "--grants", "g.json"],
            "leave out --api, --grants",
        ),
        (["--from-tenant", "postman"], "--from-tenant takes the application's client ID, a GUID"),
    ],
)
def test_from_tenant_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        adopt.main(argv)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


class RecordingAz(adopt_tenant.Az):
    """In-process stand-in for the property test: answers from a table, records each call."""

    def __init__(self, objects: dict[str, Any]) -> None:
        super().__init__("az")
        self.objects = objects
        self.calls: list[tuple[str, ...]] = []

    def json(self, *args: str, shape: type = dict, missing_ok: bool = False) -> Any:
        self.calls.append(args)
        if args[:3] == ("ad", "sp", "show"):
            found = self.objects.get(args[4])
            assert found is not None or missing_ok
            return found
        return self.objects[" ".join(args)]


GUIDS = st.uuids().map(str)


@given(
    requested=st.lists(GUIDS, max_size=4, unique=True),
    existing=st.data(),
    granted=st.lists(GUIDS, max_size=4),
)
def test_each_api_is_asked_for_once_requested_by_app_id_then_granted_by_object_id(
    requested: list[str], existing: st.DataObject, granted: list[str]
) -> None:
    granted = [g for g in granted if g not in requested]  # another API's object ID
    present = existing.draw(st.sets(st.sampled_from(requested))) if requested else set()
    sps = {api: {"id": f"sp-of-{api}", "appId": api} for api in present}
    # A grant is to the service principal of a requested API, or to one of another API.
    resources = [f"sp-of-{g}" if g in present else g for g in granted]
    objects: dict[str, Any] = {
        f"ad app show --id {BACKEND}": {
            "id": "x",
            "appId": BACKEND,
            "displayName": "x",
            "requiredResourceAccess": [{"resourceAppId": api} for api in requested],
        },
        f"ad sp show --id {BACKEND}": {"id": BACKEND_SP, "appId": BACKEND},
        f"ad app owner list --id {BACKEND}": [],
        f"ad app permission list-grants --id {BACKEND}": [{"resourceId": r} for r in resources],
        f"role assignment list --assignee {BACKEND_SP} --all": [],
        BACKEND: {"id": BACKEND_SP, "appId": BACKEND},
        **sps,
        **{g: {"id": g, "appId": f"app-of-{g}"} for g in granted if g not in present},
    }
    recorder = RecordingAz(objects)
    reading = adopt_tenant.read(BACKEND, recorder)
    asked = [call[4] for call in recorder.calls[1:] if call[:3] == ("ad", "sp", "show")][1:]
    by_app_id = sorted(requested)
    by_object_id = sorted({r.lower() for r in resources} - {f"sp-of-{a}" for a in present})
    assert asked == by_app_id + by_object_id  # each once, requested first, in a stable order
    assert len(reading.apis) == len(present) + len(by_object_id)
    assert len(reading.warnings) == len(requested) - len(present)

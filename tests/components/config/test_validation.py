"""Validation in one run: every problem at once, paths as the user wrote them, secrets that
stay secret in messages, the refusals and warnings of each key, the azuread provider's own
redirect URI rules, and a tenant without the DICOM API.

Longer than 400 lines: every message of a one-run validation, cleartext and withheld, and the
refusals that need the tenant.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pulumi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.azure_roles import PRIVILEGED_ROLES
from components.config import check_config, load_settings
from components.errors import ConfigError
from components.provider_resources import RESOURCE_TYPES
from policy import role_assignments, wire
from testbed.fake_tenant import TOKEN_SERVICE_PRINCIPAL, FakeTenant, InvokeError
from testbed.stackfile import StackFileError, load_stack_file
from tests.components.test_credentials import make_certificate, pem
from tests.conftest import NOW, SUBSCRIPTION, Runner

PREFIX = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.HealthcareApis"
FHIR_ID = f"{PREFIX}/workspaces/wsone/fhirservices/fhir1"
DICOM_ID = f"{PREFIX}/workspaces/wsone/dicomservices/dicom1"
API_FOR_FHIR_ID = f"{PREFIX}/services/legacyfhir"
VAULT = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-health"
)
DICOM = "75e725bf-66ce-4cea-9b9a-5c4caae57f33"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
NOTE_BOTH = (
    "Note: applications and services: secret in this stack (`pulumi config set --secret` on "
    "any path under a key makes the whole key secret), so the messages above show none of its "
    "values ([secret]) or keys (<key N> = the Nth key at that level, in alphabetical order)."
)


def services() -> dict[str, Any]:
    return {
        "fhir": {"kind": "fhir", "resourceId": FHIR_ID},
        "dicom": {"kind": "dicom", "resourceId": DICOM_ID},
    }


def with_app(**app: Any) -> dict[str, Any]:
    return {"services": services(), "applications": {"app": app}}


def problems(
    raw: dict[str, Any], secret: tuple[str, ...] = (), base_dir: Path = Path()
) -> list[str]:
    checked = check_config(raw, now=NOW, base_dir=base_dir, secret_keys=frozenset(secret))
    return [str(p) for p in checked.problems]


def warnings(raw: dict[str, Any], now: datetime = NOW, base_dir: Path = Path()) -> list[str]:
    return list(load_settings(raw, now=now, base_dir=base_dir).warnings)


def run_error(run: Runner, config: dict[str, Any], **kwargs: Any) -> str:
    tenant = kwargs.setdefault("tenant", FakeTenant())
    with pytest.raises(pulumi.RunError) as caught:
        run(config, **kwargs)
    assert tenant.applications == {}  # nothing half-created
    assert tenant.created_sps == {}
    return str(caught.value)


# --- 1. every problem in the first run --------------------------------------------------------


def test_schema_cross_key_and_tenant_problems_come_in_one_run(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    postman = dev_config["applications"]["postman"]
    postman["publicClientFlows"] = "yes"  # schema
    postman["roles"]["fhir"] = ["FHIR Data Owner"]  # cross-key, beside a schema error
    postman["apiPermissions"]["dicom"] = ["nope"]  # only the tenant can tell
    dev_config["applications"]["backend"]["secret"] = {"expiresIn": "7 months", "rotation": "none"}
    message = run_error(run, dev_config)
    assert message.splitlines()[:7] == [
        "healthcare-clients: invalid configuration (6 problems):",
        "  - applications.backend.secret: rotation: none needs custom start and end date(s)",
        "  - applications.backend.secret: rotation: none takes custom start/end dates, not "
        "expiresIn or rotateEvery",
        "  - applications.backend.secret.expiresIn: '7 months' is not one of '3 months', "
        "'6 months', '12 months' or '24 months'",
        f"  - applications.postman.apiPermissions.dicom[0]: 'nope' is not a permission published "
        f"by Azure API for DICOM ({DICOM}); it publishes: Dicom.ReadWrite, user_impersonation",
        "  - applications.postman.publicClientFlows: must be true or false, not 'yes'",
        "  - applications.postman.roles.fhir[0]: 'FHIR Data Owner' is not a built-in role; known "
        "roles: FHIR Data Contributor, FHIR Data Reader, FHIR Data Writer, FHIR Data Exporter, "
        "FHIR Data Importer, FHIR Data Converter, FHIR SMART User, DICOM Data Owner, DICOM Data "
        "Reader; or give a role definition GUID for a custom role",
    ]


def test_cross_checks_run_on_the_parts_of_a_service_that_parsed() -> None:
    raw = with_app(roles={"dicom": ["FHIR Data Reader"]})
    raw["services"]["dicom"]["url"] = "http://not-https.example.com"
    assert problems(raw) == [
        "applications.app.roles.dicom[0]: 'FHIR Data Reader' does not apply to service 'dicom' "
        "of kind dicom; roles for dicom: DICOM Data Owner, DICOM Data Reader",
        "services.dicom.url: 'http://not-https.example.com' is not an https URL without query "
        "or fragment",
    ]


def test_a_github_credential_reports_its_form_and_its_selectors_together() -> None:
    raw = with_app(
        federatedCredentials={"ci": {"repository": "not a repo", "branch": "main", "tag": "v1"}}
    )
    assert problems(raw) == [
        "applications.app.federatedCredentials.ci: give exactly one of branch, environment, "
        "pullRequest: true or tag (got branch, tag)",
        "applications.app.federatedCredentials.ci.repository: 'not a repo' is not a GitHub "
        "repository like 'contoso/loader'",
    ]


# --- 2. paths are exactly the user's keys -------------------------------------------------------


@pytest.mark.parametrize("key", ["github", "generic", "list", "explicit", "settings", "off"])
def test_keys_named_like_union_tags_stay_in_the_path(key: str) -> None:
    raw = with_app(
        federatedCredentials={key: {"repository": "contoso/loader", "branch": 3}},
        apiPermissions={"dicom": {"scopes": [1]}, "microsoft-graph": [2]},
    )
    raw["applications"] = {"app": raw["applications"]["app"]}
    assert f"applications.app.federatedCredentials.{key}.branch: must be a string, not 3" in (
        problems(raw)
    )


def test_an_api_permissions_key_named_list_keeps_its_name() -> None:
    # A raw app ID is the only free-form key, so the tag-named key here is a service name.
    raw = with_app(apiPermissions={"list": [1]})
    raw["services"]["list"] = {"kind": "dicom", "resourceId": DICOM_ID}
    assert problems(raw) == ["applications.app.apiPermissions.list[0]: must be a string, not 1"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True))
def test_any_credential_key_is_kept_in_the_path(key: str) -> None:
    raw = with_app(federatedCredentials={key: {"issuer": "http://x.example.com", "subject": "s"}})
    assert problems(raw) == [
        f"applications.app.federatedCredentials.{key}.issuer: 'http://x.example.com' is not an "
        "https issuer URL"
    ]


# --- 3. nothing of a secret key in errors or warnings -------------------------------------------

MARK = "hush"


def _marked_app() -> dict[str, Any]:
    """Every kind of mistake, each carrying the marker in a value or a key."""
    return {
        "displayName": f" {MARK}dn ",
        "description": MARK * 300,
        "redirectUris": {
            "web": [f"http://{MARK}.example.com"],
            "mobileDesktop": [f"{MARK}scheme:callback"],
        },
        "roles": {
            "fhir": [f"{MARK}role", OWNER],
            f"{MARK}svc": ["FHIR Data Reader"],
            "dicom": ["FHIR Data Reader"],
        },
        "apiPermissions": {f"{MARK}api": ["x"], "dicom": [f"{MARK}perm"]},
        "certificates": {f"{MARK}cert": {"file": f"{MARK}file.pem"}},
        "secret": {"start": f"{MARK}date", "end": "2026-01-01"},
        f"{MARK}key": 1,
        "owners": [f"{MARK}owner"],
        "keyVault": {"id": f"{MARK}vault"},
        "federatedCredentials": {f"{MARK}fic": {"repository": f"{MARK}/x", "branch": f"{MARK}.."}},
    }


def _marked_services() -> dict[str, Any]:
    return {
        "fhir": {"kind": f"{MARK}kind", "resourceId": f"/subscriptions/{MARK}sub/x"},
        f"{MARK}svc": {"kind": "dicom", "resourceId": DICOM_ID.replace("dicom1", f"{MARK}-n")},
        "short": {"kind": "fhir", "resourceId": FHIR_ID.replace("wsone", "hu")},
    }


def test_secret_keys_show_no_value_and_no_key(run: Runner) -> None:
    config = {"services": _marked_services(), "applications": {f"{MARK}app": _marked_app()}}
    message = run_error(run, config, secret_keys=("applications", "services"))
    assert MARK not in message
    assert "hu'" not in message and "'hu" not in message  # the short workspace name
    assert message.splitlines()[-2] == NOTE_BOTH
    assert (
        "  - applications.<key 1>.roles.<key 2>[1]: [secret] is the built-in role [secret], "
        "which can grant access or administer resources; a client application gets a data role "
        "(FHIR Data Reader ...) or a custom role with data actions only"
    ) in message.splitlines()
    assert "  - applications.<key 1>.<key 6>: unknown key <key 6>. Known keys: adminConsent, " in (
        message
    )


def test_warnings_under_a_secret_key_withhold_too(run: Runner, dev_config: dict[str, Any]) -> None:
    result = run(dev_config, secret_keys=("applications",))
    assert [m for level, m in result.logs if level == "warning"] == [
        "applications.<key 2>.secret: two live client secrets on a public client "
        "(mobileDesktop/spa redirect URIs only); if no confidential flow uses them, set "
        "`secret: false`",
        "Note: applications: secret in this stack (`pulumi config set --secret` on any path "
        "under a key makes the whole key secret), so the messages above show none of its values "
        "([secret]) or keys (<key N> = the Nth key at that level, in alphabetical order).",
    ]


def test_the_same_mistakes_in_clear_name_what_they_are(run: Runner) -> None:
    config = {"services": _marked_services(), "applications": {f"{MARK}app": _marked_app()}}
    message = run_error(run, config)
    assert f"'{MARK}role' is not a built-in role" in message
    assert "Note:" not in message


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([MARK, f"{MARK}-x", f"https://{MARK}.example.com", f"x{MARK}y", "ok"]),
)
json_keys = st.sampled_from(
    [
        MARK,
        "displayName",
        "redirectUris",
        "web",
        "mobileDesktop",
        "secret",
        "start",
        "end",
        "roles",
        "fhir",
        "apiPermissions",
        "dicom",
        "owners",
        "certificates",
        "file",
        "keyVault",
        "id",
        "federatedCredentials",
        "repository",
        "kind",
        "resourceId",
    ]
)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_keys, inner, max_size=4),
    max_leaves=14,
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    svcs=st.dictionaries(
        st.sampled_from(["fhir", MARK, f"{MARK}s", "Hush"]), json_values, max_size=2
    ),
    apps=st.dictionaries(st.sampled_from(["app", MARK, f"{MARK}a", "9x"]), json_values, max_size=2),
)
def test_no_message_quotes_a_secret_key(svcs: Any, apps: Any) -> None:
    raw = {"services": svcs, "applications": apps}
    checked = check_config(
        raw, now=NOW, base_dir=Path(), secret_keys=frozenset({"applications", "services"})
    )
    shown = [str(p) for p in checked.problems] + list(checked.warnings)
    assert not [line for line in shown if MARK in line.lower()]


# --- 4. what derives from a secret key is a secret input -----------------------------------------


def _full_config(dev_config: dict[str, Any]) -> dict[str, Any]:
    postman = dev_config["applications"]["postman"]
    postman["keyVault"] = {"id": VAULT, "secretName": "postman-secret"}
    postman["apiPermissions"]["microsoft-graph"] = {
        "scopes": ["User.Read"],
        "roles": ["User.Read.All"],
    }
    postman["owners"] = ["11111111-2222-4333-8444-555555555555"]
    postman["federatedCredentials"] = {"main": {"repository": "contoso/loader", "branch": "main"}}
    return dev_config


# Inputs that never come from the configuration: other resources' IDs, the tenant's client ID
# of the new application, and constants of the program.
NOT_FROM_CONFIG = {
    "applicationId",
    "clientId",
    "principalId",
    "principalObjectId",
    "servicePrincipalObjectId",
    "principalType",
    "signInAudience",
    "implicitAccessTokenIssuanceEnabled",
    "implicitIdTokenIssuanceEnabled",
    "type",  # the platform: also in the resource's name, which cannot be secret
    "encoding",
    "properties",  # Key Vault: the secret value (secret) and the client ID's content type
}


def test_every_input_drawn_from_secret_keys_is_secret(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    result = run(_full_config(dev_config), secret_keys=("applications", "services"))
    plain = {
        (r.type.rsplit(":", 1)[-1], key)
        for r in result.resources
        if r.custom
        for key in r.inputs
        if key not in r.secret_inputs and key not in NOT_FROM_CONFIG
    }
    assert plain == set()
    (assignment, *_) = result.of_type("azure-native:authorization:RoleAssignment")
    assert {"scope", "description", "roleDefinitionId"} <= assignment.secret_inputs
    grants = result.of_type(
        "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant"
    )
    assert grants and all("claimValues" in grant.secret_inputs for grant in grants)
    vault_secrets = result.of_type("azure-native:keyvault:Secret")
    assert len(vault_secrets) == 2 and all("secretName" in s.secret_inputs for s in vault_secrets)
    expires = result.named("postman-vault-client-secret").secret_inputs
    assert {"properties.attributes.expires", "properties.value"} <= expires
    # Outputs the provider copies from elsewhere (a service principal's displayName is its
    # application's) would be plaintext in the state: the engine is asked to keep them secret.
    copied = {
        r.type.rsplit(":", 1)[-1]: r.additional_secret_outputs
        for r in result.resources
        if r.custom and RESOURCE_TYPES[r.type].copied_outputs
    }
    assert copied == {
        "ServicePrincipal": {"displayName", "homepageUrl", "logoutUrl", "redirectUris"},
        "AppRoleAssignment": {"principalDisplayName"},
        "Secret": {"name"},
    }


def test_services_alone_secret_hides_what_derives_from_it(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    result = run(dev_config, secret_keys=("services",))
    for assignment in result.of_type("azure-native:authorization:RoleAssignment"):
        assert {"scope", "description", "roleDefinitionId"} <= assignment.secret_inputs
    assert "displayName" not in result.named("postman").secret_inputs
    assert "applications.postman.services" in result.secret_output_paths


def test_without_secret_keys_inputs_stay_readable(run: Runner, dev_config: dict[str, Any]) -> None:
    result = run(_full_config(dev_config))
    secret = {(r.name, key) for r in result.resources for key in r.secret_inputs}
    assert secret == {
        ("postman-vault-client-secret", "properties.value"),
    }
    assert not any(
        r.additional_secret_outputs & RESOURCE_TYPES[r.type].copied_outputs
        for r in result.resources
        if r.custom
    )


# --- 5. privileged built-in roles ----------------------------------------------------------------


def test_owner_given_as_a_custom_role_is_refused() -> None:
    assert problems(with_app(roles={"fhir": [OWNER.upper()]})) == [
        f"applications.app.roles.fhir[0]: {OWNER} is the built-in role 'Owner', which can grant "
        "access or administer resources; a client application gets a data role (FHIR Data "
        "Reader ...) or a custom role with data actions only"
    ]


@pytest.mark.parametrize(("guid", "name"), sorted(PRIVILEGED_ROLES.items()))
def test_every_privileged_role_is_refused_by_config_and_policy(guid: str, name: str) -> None:
    assert problems(with_app(roles={"dicom": [guid]})) == [
        f"applications.app.roles.dicom[0]: {guid} is the built-in role {name!r}, which can grant "
        "access or administer resources; a client application gets a data role (FHIR Data "
        "Reader ...) or a custom role with data actions only"
    ]
    props = {
        "scope": DICOM_ID,
        "principalType": "ServicePrincipal",
        "roleDefinitionId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/"
        f"roleDefinitions/{guid}",
    }
    assert role_assignments.check_no_privileged_role(wire.ROLE_ASSIGNMENT, props, {}) == [
        f"roleDefinitionId is the built-in role {name!r}, which can grant access or administer "
        "resources: a client application holds a FHIR or DICOM data role, or a custom role with "
        "data actions only."
    ]


def test_data_roles_and_custom_roles_pass_config_and_policy() -> None:
    reader, custom = "4c8d0bbc-75d3-4935-991f-5f3c56d81508", "11111111-aaaa-4bbb-8ccc-222222222222"
    assert problems(with_app(roles={"fhir": [reader, custom]})) == []
    for guid in (reader, custom):
        props = {
            "roleDefinitionId": f"/subscriptions/{SUBSCRIPTION}/providers/x/roleDefinitions/{guid}"
        }
        assert role_assignments.check_no_privileged_role(wire.ROLE_ASSIGNMENT, props, {}) == []


# --- 6. Key Vault secret names ----------------------------------------------------------------------


def test_two_applications_writing_one_vault_secret_are_refused() -> None:
    raw = with_app(keyVault={"id": VAULT, "secretName": "Shared"})
    raw["applications"]["other"] = {"keyVault": {"id": VAULT.upper(), "secretName": "shared"}}
    raw["applications"]["third"] = {
        "keyVault": {"id": VAULT, "clientIdSecretName": "app-client-id"}
    }
    assert problems(raw) == [
        "applications.other.keyVault.secretName: 'shared' names the same Key Vault secret as "
        "applications.app.keyVault.secretName ('Shared') in the same vault: each write would "
        "overwrite the other; give each a distinct name",
        "applications.third.keyVault.clientIdSecretName: 'app-client-id' names the same Key "
        "Vault secret as applications.app.keyVault (the default clientIdSecretName "
        "'app-client-id') in the same vault: each write would overwrite the other; give each a "
        "distinct name",
    ]


def test_one_application_naming_both_secrets_alike_is_refused() -> None:
    raw = with_app(keyVault={"id": VAULT, "secretName": "same", "clientIdSecretName": "SAME"})
    assert problems(raw) == [
        "applications.app.keyVault.clientIdSecretName: 'SAME' names the same Key Vault secret as "
        "applications.app.keyVault.secretName ('same') in the same vault: each write would "
        "overwrite the other; give each a distinct name"
    ]


def test_equal_names_in_different_vaults_are_fine() -> None:
    other = VAULT.replace("kv-health", "kv-other")
    raw = with_app(keyVault={"id": VAULT, "secretName": "s"})
    raw["applications"]["other"] = {"keyVault": {"id": other, "secretName": "s"}}
    assert problems(raw) == []


# --- 7. messages a user can act on ------------------------------------------------------------------


def test_an_empty_value_is_called_empty_and_refused_alike() -> None:
    raw = with_app(displayName=None, secret=None, owners=[None], roles={"fhir": None})
    raw["services"]["fhir"]["kind"] = None
    assert problems(raw) == [
        "applications.app.displayName: is empty; give a value, or leave the key out to use its "
        "default",
        "applications.app.owners[0]: must be a string, not empty",
        "applications.app.roles.fhir: must be a list, not empty",
        "applications.app.secret: is empty; give a value, or leave the key out to use its default",
        "services.fhir.kind: is empty; give a value",
    ]


def test_a_long_description_is_not_pydantic_text() -> None:
    assert problems(with_app(description="d" * 1025)) == [
        "applications.app.description: is 1025 characters; at most 1024 are accepted"
    ]


@pytest.mark.parametrize(
    ("resource_id", "expected"),
    [
        (
            FHIR_ID.replace("wsone", "ws"),
            "workspace name 'ws' is not valid: 3-50 letters, digits and '-', starting and "
            "ending with a letter or digit",
        ),
        (
            FHIR_ID.replace("fhir1", "f1"),
            "service name 'f1' is not valid: 3-50 letters, digits and '-', starting and ending "
            "with a letter or digit",
        ),
    ],
)
def test_a_short_name_is_reported_as_a_name(resource_id: str, expected: str) -> None:
    raw = with_app()
    raw["services"]["fhir"]["resourceId"] = resource_id
    assert problems(raw) == [f"services.fhir.resourceId: {expected}"]


def test_a_duplicate_yaml_key_names_the_file_and_the_key_path(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dup.yaml").write_text(
        "config:\n"
        "  healthcare-clients:applications:\n"
        "    postman:\n"
        "      displayName: a\n"
        "      secret: false\n"
        "      displayName: b\n",
        encoding="utf-8",
    )
    with pytest.raises(StackFileError) as caught:
        load_stack_file("dup", tmp_path)
    assert str(caught.value) == (
        "Pulumi.dup.yaml, line 6: duplicate key "
        "config.healthcare-clients:applications.postman.displayName; YAML would silently keep "
        "only the last one: merge the two"
    )


def test_a_misspelt_namespace_is_named(run: Runner, dev_config: dict[str, Any]) -> None:
    config = {"healthcare-client:applications": dev_config.pop("applications"), **dev_config}
    message = run_error(run, config)
    assert message.splitlines()[1] == (
        "  - healthcare-client:applications: unknown namespace 'healthcare-client': the program "
        "reads only healthcare-clients:* keys; did you mean 'healthcare-clients:applications'?"
    )
    assert "declares no application" not in message


def test_provider_namespaces_are_not_typos(run: Runner, dev_config: dict[str, Any]) -> None:
    dev_config["azuread:tenantId"] = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    dev_config["azure-native:location"] = "westeurope"
    assert run(dev_config).resources


PYDANTIC_PHRASES = re.compile(
    r"Input should|String should|List should|Value error|Field required|Extra inputs|"
    r"Tuple should|Dictionary should|Assertion failed"
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    svcs=st.dictionaries(st.sampled_from(["fhir", "dicom"]), json_values, max_size=2),
    apps=st.dictionaries(st.sampled_from(["app", "postman"]), json_values, max_size=2),
)
def test_no_message_is_raw_pydantic_text(svcs: Any, apps: Any) -> None:
    checked = check_config({"services": svcs, "applications": apps}, now=NOW, base_dir=Path())
    assert not [str(p) for p in checked.problems if PYDANTIC_PHRASES.search(p.message)]


# --- 8. warnings ---------------------------------------------------------------------------------------


def test_azure_api_for_fhir_is_stated_as_retired_whatever_the_clock() -> None:
    raw = with_app()
    raw["services"]["legacy"] = {"kind": "api-for-fhir", "resourceId": API_FOR_FHIR_ID}
    statement = (
        "services.legacy: Azure API for FHIR (kind: api-for-fhir) was retired on 30 September "
        "2026; the stack keeps the role assignments that exist on it and creates nothing new for "
        "it. Move its clients to a FHIR service of Azure Health Data Services "
        "(docs/api-for-fhir-migration.md, "
        "https://learn.microsoft.com/azure/healthcare-apis/fhir/migration-strategies) and "
        "declare that service with kind: fhir"
    )
    assert warnings(raw) == [statement]
    # The retirement is a fact of the world, not of the stack's clock (rotation tests move it).
    assert warnings(raw, now=datetime(2026, 9, 1, tzinfo=UTC)) == [statement]


def test_a_certificate_valid_for_more_than_24_months_warns(tmp_path: Path) -> None:
    long, _ = make_certificate(NOW - timedelta(days=1), NOW + timedelta(days=1000))
    short, _ = make_certificate(NOW - timedelta(days=1), NOW + timedelta(days=700))
    (tmp_path / "long.pem").write_bytes(pem(long))
    (tmp_path / "short.pem").write_bytes(pem(short))
    raw = with_app(certificates={"long": {"file": "long.pem"}, "short": {"file": "short.pem"}})
    end = (NOW + timedelta(days=1000)).date().isoformat()
    assert warnings(raw, base_dir=tmp_path) == [
        f"applications.app.certificates.long: the certificate is valid for more than 24 months "
        f"(until {end}); client secrets here live at most 24 months, and a credential whose key "
        "leaks stays usable as long as it is valid: prefer certificates of at most 24 months"
    ]


@pytest.mark.parametrize(
    ("uris", "secret", "expected"),
    [
        ({"mobileDesktop": ["postman"]}, {}, "two live client secrets"),
        (
            {"spa": ["https://a.example.com"]},
            {"start": "2026-11-01", "end": "2027-04-01"},
            "a client secret",
        ),
    ],
)
def test_secrets_on_a_public_client_warn(
    uris: dict[str, Any], secret: dict[str, Any], expected: str
) -> None:
    assert warnings(with_app(redirectUris=uris, secret=secret)) == [
        f"applications.app.secret: {expected} on a public client (mobileDesktop/spa redirect "
        "URIs only); if no confidential flow uses them, set `secret: false`"
    ]
    assert warnings(with_app(redirectUris=uris, secret=False)) == []
    web = {**uris, "web": ["https://b.example.com"]}
    assert warnings(with_app(redirectUris=web, secret=secret)) == []


def test_the_same_uri_on_two_platforms_is_refused() -> None:
    uri = "https://a.example.com/cb"
    assert problems(
        with_app(redirectUris={"web": [uri], "spa": ["https://b.example.com", uri]})
    ) == [
        f"applications.app.redirectUris.spa[1]: '{uri}' is also under web; Entra refuses the "
        "same redirect URI on two platforms ('Redirect URIs must have distinct values'); keep it "
        "under one"
    ]


# --- A. the provider's redirect URI rules ---------------------------------------------------------


@pytest.mark.parametrize("uri", ["myapp:callback", "com.example.app:/oauth2redirect"])
def test_a_native_uri_without_a_host_is_refused_as_the_provider_would(uri: str) -> None:
    assert problems(with_app(redirectUris={"mobileDesktop": [uri]})) == [
        f"applications.app.redirectUris.mobileDesktop[0]: '{uri}' has no host: the azuread "
        "provider refuses it ('URI has no host'); give the URI a host, e.g. "
        "msal<client-id>://auth or <scheme>://callback"
    ]


@pytest.mark.parametrize(
    "uri",
    ["urn:ietf:wg:oauth:2.0:oob", "msal0000-1111://auth", "com.example.app://oauth2redirect"],
)
def test_native_uris_the_provider_accepts(uri: str) -> None:
    assert problems(with_app(redirectUris={"mobileDesktop": [uri]})) == []


# provider_uri_problem against the shared table: tests/test_redirect_uris.py.


def _go_host(uri: str) -> bool:
    """An independent reading of Go's url.Parse for the host: '//' after a scheme opens an
    authority, whose part after any userinfo is the host."""
    match = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)", uri)
    return bool(match and match[1].rpartition("@")[2])


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="abcxyz:/.-+%@0189", max_size=24),
        st.builds(
            lambda s, r: f"{s}{r}",
            st.sampled_from(["myapp:", "myapp:/", "myapp://", "https://", "msal1://", "urn:"]),
            st.text(alphabet="abc:/.@%19", max_size=12),
        ),
    )
)
def test_every_accepted_native_uri_has_a_host_or_is_a_urn(uri: str) -> None:
    found = problems(with_app(redirectUris={"mobileDesktop": [uri]}))
    if not found and uri not in ("postman", "postman-web"):
        assert _go_host(uri) or (uri.startswith("urn:") and len(uri.split(":")) >= 3), uri


# --- B. an API the tenant lacks -------------------------------------------------------------------


class RealProviderTenant(FakeTenant):
    """The fake, with the real provider's failure for a service principal that is not there
    (terraform-provider-azuread v3.9.0 service_principal_data_source.go, wrapped by
    pulumi-terraform-bridge's provider.go as components/tenant.py describes)."""

    TEXT = (
        "invoking azuread:index/getServicePrincipal:getServicePrincipal: 1 error occurred:\n"
        "\t* No service principal found: no service principal found\n\n"
    )

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == TOKEN_SERVICE_PRINCIPAL and args.args.get("clientId") == DICOM:
            self.invokes.append((args.token, dict(args.args)))
            raise InvokeError(self.TEXT)
        return super().call(args)


def test_a_missing_dicom_api_is_one_problem_naming_every_key(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    dev_config["applications"]["viewer"] = {
        "secret": False,
        "apiPermissions": {"azure-api-for-dicom": ["Dicom.ReadWrite"]},
    }
    message = run_error(run, dev_config, tenant=RealProviderTenant())
    assert message.splitlines() == [
        "healthcare-clients: invalid configuration (1 problem):",
        f"  - the tenant has no service principal for Azure API for DICOM ({DICOM}), needed by "
        "applications.postman.apiPermissions.dicom and "
        "applications.viewer.apiPermissions.azure-api-for-dicom. It appears in a tenant only once "
        "a DICOM service is deployed there, or when someone creates it by hand (until then the "
        "portal's 'Azure API for DICOM' search is empty). Fix: deploy the DICOM service in this "
        f"tenant first, or create the service principal with `az ad sp create --id {DICOM}`, "
        "then rerun.",
        "Nothing was registered. Fix the keys above in Pulumi.<stack>.yaml and rerun.",
    ]


def test_a_missing_api_is_checked_beside_every_other_problem(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    dev_config["applications"]["postman"]["publicClientFlows"] = "no"
    message = run_error(run, dev_config, tenant=RealProviderTenant())
    assert "(2 problems)" in message
    assert "the tenant has no service principal for Azure API for DICOM" in message
    assert "invoke of" not in message and "no service principal found" not in message


def test_load_settings_still_raises_without_the_tenant() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(with_app(publicClientFlows=1), now=NOW, base_dir=Path())
    assert [str(p) for p in caught.value.problems] == [
        "applications.app.publicClientFlows: must be true or false, not 1"
    ]


def test_dev_stack_has_no_problem(dev_config: dict[str, Any]) -> None:
    raw = copy.deepcopy(dev_config)
    assert problems(raw) == []


@pytest.mark.parametrize(
    ("dates", "missing"),
    [({"end": "2027-03-01"}, ("end", "start")), ({"start": "2026-11-01"}, ("start", "end"))],
)
def test_one_custom_date_implies_rotation_none_and_asks_for_the_other(
    run: Runner, dev_config: dict[str, Any], dates: dict[str, str], missing: tuple[str, str]
) -> None:
    dev_config["applications"]["backend"]["secret"] = dates
    given_key, missing_key = missing
    message = run_error(run, dev_config)
    assert message.splitlines()[:2] == [
        "healthcare-clients: invalid configuration (1 problem):",
        f"  - applications.backend.secret: a custom {given_key} date means rotation: none, "
        f"which needs a custom {missing_key} date too",
    ]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ([], "applications.app.apiPermissions.microsoft-graph: lists no permissions"),
        (
            {"scopes": [], "roles": []},
            "applications.app.apiPermissions.microsoft-graph: lists no scopes or roles",
        ),
        # A part that did not parse is the schema's problem alone, not also "lists no ...".
        (
            {"scopes": "x"},
            "applications.app.apiPermissions.microsoft-graph.scopes: must be a list, not 'x'",
        ),
    ],
)
def test_an_api_permissions_entry_that_asks_for_nothing_is_refused(
    spec: Any, expected: str
) -> None:
    assert problems(with_app(apiPermissions={"microsoft-graph": spec})) == [expected]

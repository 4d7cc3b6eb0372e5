"""The SMART example stack (Pulumi.smart.yaml) on the mock runtime: what the SMART resource
application and its clients register, the permissions and claims as the fake tenant ends up
holding them, no admin consent unless asked for, and the launch settings in the outputs."""

import json
from collections import Counter
from typing import Any

import pytest

from components import provider_resources as types
from testbed.fake_tenant import DEPLOYER_OBJECT_ID, FakeTenant, well_known_service_principals
from testbed.mockrun import MockRun, Registration
from testbed.stackfile import load_stack_file
from tests.conftest import Runner

GRAPH = "00000003-0000-0000-c000-000000000000"
URI = "https://fhir.contoso.com"
CLIENTS = ("smart-portal", "smart-patient-app", "smart-bulk-export")


@pytest.fixture
def smart_config() -> dict[str, Any]:
    return load_stack_file("smart").config


@pytest.fixture
def tenant() -> FakeTenant:
    return FakeTenant()


@pytest.fixture
def result(run: Runner, smart_config: dict[str, Any], tenant: FakeTenant) -> MockRun:
    return run(smart_config, tenant=tenant, stack="smart")


def under(result: MockRun, token: str, component: str) -> list[Registration]:
    return [r for r in result.of_type(token) if r.parent.endswith(f"::{component}")]


def graph_id(name: str) -> str:
    published = well_known_service_principals()[GRAPH]
    return next(p.id for p in published.scopes if p.name == name)


def test_the_resource_application_is_granular_and_issues_v1_tokens(result: MockRun) -> None:
    counts = Counter(
        r.type
        for r in result.resources
        if r.parent.endswith("SmartResourceApplication::fhir-smart")
    )
    assert counts == {
        types.APPLICATION_REGISTRATION.token: 1,
        types.SERVICE_PRINCIPAL.token: 1,
        types.IDENTIFIER_URI.token: 1,
        types.PERMISSION_SCOPE.token: 7,
        types.APP_ROLE.token: 1,
        types.CLAIMS_MAPPING_POLICY.token: 1,
        types.CLAIMS_MAPPING_ASSIGNMENT.token: 1,
    }
    assert types.LEGACY_APPLICATION_TOKEN not in {r.type for r in result.resources}
    registration = result.named("fhir-smart")
    # aud of a v1.0 token is the identifier URI asked for: what the FHIR service compares.
    assert registration.inputs["requestedAccessTokenVersion"] == 1
    assert registration.inputs["signInAudience"] == "AzureADMyOrg"
    (uri,) = result.of_type(types.IDENTIFIER_URI.token)
    assert (uri.inputs["identifierUri"], uri.inputs["applicationId"]) == (URI, registration.id)


def test_scopes_are_published_in_entras_form_and_roles_for_system_scopes(result: MockRun) -> None:
    scopes = {r.inputs["value"]: r.inputs for r in result.of_type(types.PERMISSION_SCOPE.token)}
    assert sorted(scopes) == [
        "fhirUser",
        "launch",
        "launch.patient",
        "patient.Observation.rs",
        "patient.Patient.rs",
        "patient.all.read",
        "user.all.read",
    ]
    assert scopes["patient.all.read"]["adminConsentDisplayName"] == "patient/*.read"
    assert all(s["type"] == "User" for s in scopes.values())  # users consent for themselves
    (role,) = result.of_type(types.APP_ROLE.token)
    assert (
        role.inputs["value"],
        role.inputs["displayName"],
        role.inputs["allowedMemberTypes"],
    ) == (
        "system.all.read",
        "system/*.read",
        ["Application"],
    )


def test_the_fhir_user_claim_comes_from_the_resources_directory_extension(
    result: MockRun, tenant: FakeTenant
) -> None:
    (policy,) = result.of_type(types.CLAIMS_MAPPING_POLICY.token)
    (definition,) = policy.inputs["definitions"]
    client_id = result.named("fhir-smart").outputs["clientId"]
    (claim,) = json.loads(definition)["ClaimsMappingPolicy"]["ClaimsSchema"]
    assert claim == {
        "Source": "User",
        "ExtensionID": f"extension_{client_id.replace('-', '')}_fhirUser",
        "JWTClaimType": "fhirUser",
    }
    assert json.loads(definition)["ClaimsMappingPolicy"]["IncludeBasicClaimSet"] == "true"
    # On the resource (access tokens) and on each client that asks for fhirUser (ID tokens).
    assigned = {
        sp["appId"]
        for sp in tenant.tenant.state["servicePrincipals"].values()
        if sp.get("claimsMappingPolicies")
    }
    client_ids = {name: result.named(name).outputs["clientId"] for name in ("fhir-smart", *CLIENTS)}
    assert assigned == {
        client_ids["fhir-smart"],
        client_ids["smart-portal"],
        client_ids["smart-patient-app"],
    }


def test_each_client_holds_exactly_the_permissions_it_asks_for(
    result: MockRun, tenant: FakeTenant
) -> None:
    resource_client_id = result.named("fhir-smart").outputs["clientId"]
    ids = {
        r.inputs["value"]: r.inputs["scopeId"] for r in result.of_type(types.PERMISSION_SCOPE.token)
    }
    (role,) = result.of_type(types.APP_ROLE.token)
    apps = {a["displayName"]: a for a in tenant.applications.values()}
    access = {
        name: {
            e["resourceAppId"]: sorted(a["id"] for a in e["resourceAccess"])
            for e in apps[display]["requiredResourceAccess"]
        }
        for name, display in (
            ("portal", "SMART clinician portal"),
            ("patient", "SMART patient app"),
            ("bulk", "SMART bulk export"),
        )
    }
    openid = sorted([graph_id("openid"), graph_id("offline_access")])
    assert access["portal"] == {
        resource_client_id: sorted([ids["launch"], ids["fhirUser"], ids["user.all.read"]]),
        GRAPH: openid,
    }
    assert access["patient"] == {
        resource_client_id: sorted(
            [
                ids["launch.patient"],
                ids["fhirUser"],
                ids["patient.Patient.rs"],
                ids["patient.Observation.rs"],
            ]
        ),
        GRAPH: openid,
    }
    assert access["bulk"] == {resource_client_id: [role.inputs["roleId"]]}


def test_admin_consent_stays_off_except_for_the_backend_that_asks_for_it(
    result: MockRun, tenant: FakeTenant
) -> None:
    assert result.of_type(types.DELEGATED_PERMISSION_GRANT.token) == []
    assert tenant.tenant.state["oauth2PermissionGrants"] == {}
    (assignment,) = result.of_type(types.APP_ROLE_ASSIGNMENT.token)
    assert assignment.parent.endswith("ClientApplication::smart-bulk-export")
    (role,) = result.of_type(types.APP_ROLE.token)
    assert assignment.inputs["appRoleId"] == role.inputs["roleId"]
    assert (
        assignment.inputs["resourceObjectId"] == result.named("fhir-smart-sp").outputs["objectId"]
    )


def test_a_public_client_has_no_secret_and_a_confidential_one_rotates(result: MockRun) -> None:
    assert under(result, types.APPLICATION_PASSWORD.token, "smart-patient-app") == []
    assert len(under(result, types.APPLICATION_PASSWORD.token, "smart-portal")) == 2
    platforms = {r.name: r.inputs["type"] for r in result.of_type(types.REDIRECT_URIS.token)}
    assert platforms == {
        "smart-portal-redirect-web": "Web",
        "smart-patient-app-redirect-spa": "SPA",
    }


def test_the_launch_settings_are_in_the_outputs(result: MockRun) -> None:
    tenant_id = result.outputs["applications"]["smart-patient-app"]["tenantId"]
    launch = result.outputs["applications"]["smart-patient-app"]["smart"]
    assert launch == {
        "resource": "fhir-smart",
        "clientType": "public",
        "pkce": True,
        "issuer": f"https://login.microsoftonline.com/{tenant_id}/v2.0",
        "authorizeEndpoint": f"https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/authorize",
        "tokenEndpoint": f"https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token",
        "fhirUrl": "https://wsexample-fhirexample.fhir.azurehealthcareapis.com",
        "audience": URI,
        "scopes": [
            "launch/patient",
            "openid",
            "fhirUser",
            "offline_access",
            "patient/Patient.rs",
            "patient/Observation.rs",
        ],
        "entraScopes": [
            f"{URI}/launch.patient",
            f"{URI}/fhirUser",
            f"{URI}/patient.Patient.rs",
            f"{URI}/patient.Observation.rs",
            "openid",
            "offline_access",
        ],
        "appRoles": [],
        "backendScope": None,
    }
    bulk = result.outputs["applications"]["smart-bulk-export"]["smart"]
    assert (bulk["clientType"], bulk["appRoles"], bulk["backendScope"]) == (
        "backend",
        ["system.all.read"],
        f"{URI}/.default",
    )
    # A SMART client reaches the FHIR service its resource protects, under the new audience.
    fhir = result.outputs["applications"]["smart-portal"]["services"]["fhir"]
    assert (fhir["audience"], fhir["scope"]) == (URI, f"{URI}/.default")


def test_the_steps_the_stack_cannot_take_are_in_the_outputs(result: MockRun) -> None:
    out = result.outputs["smartResources"]["fhir-smart"]
    object_id = result.named("fhir-smart").outputs["objectId"]
    steps = out["manualSteps"]
    assert f"applications/{object_id}/extensionProperties" in steps[0]
    assert "api.acceptMappedClaims" in steps[1] and "smart-portal, smart-patient-app" in steps[1]
    assert out["fhirUserExtension"] in steps[2]
    assert out["scopes"]["patient/*.read"] == "patient.all.read"
    assert out["appRoles"] == {"system/*.read": "system.all.read"}
    assert "smartResources" not in result.secret_output_paths


def test_under_a_secret_key_the_smart_outputs_are_secret(
    run: Runner, smart_config: dict[str, Any]
) -> None:
    result = run(smart_config, stack="smart", secret_keys=("smartResources",))
    paths = result.secret_output_paths
    for key in ("identifierUri", "scopes", "manualSteps"):
        assert f"smartResources.fhir-smart.{key}" in paths
    assert "applications.smart-portal.smart" in paths
    registration = result.named("fhir-smart")
    assert {"displayName", "notes"} <= registration.secret_inputs
    assert "value" in result.named("fhir-smart-scope-patient.all.read").secret_inputs


def test_the_fake_tenant_holds_the_scopes_enabled_and_mirrors_them_on_the_service_principal(
    result: MockRun, tenant: FakeTenant
) -> None:
    (app,) = [a for a in tenant.applications.values() if a["displayName"] == "FHIR SMART resource"]
    assert app["identifierUris"] == [URI]
    assert all(s["isEnabled"] for s in app["api"]["oauth2PermissionScopes"])
    (sp,) = [
        s for s in tenant.tenant.state["servicePrincipals"].values() if s["appId"] == app["appId"]
    ]
    assert {s["value"] for s in sp["oauth2PermissionScopes"]} == {
        s["value"] for s in app["api"]["oauth2PermissionScopes"]
    }
    assert DEPLOYER_OBJECT_ID in sp["owners"]


def test_two_runs_give_the_same_permission_ids(run: Runner, smart_config: dict[str, Any]) -> None:
    first = run(smart_config, stack="smart")
    second = run(smart_config, stack="smart")
    ids = [
        sorted(
            (r.name, r.inputs.get("scopeId") or r.inputs.get("roleId"))
            for r in res.resources
            if r.type in (types.PERMISSION_SCOPE.token, types.APP_ROLE.token)
        )
        for res in (first, second)
    ]
    assert ids[0] == ids[1]

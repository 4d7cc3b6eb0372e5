"""API permissions by name, admin consent, and the tenant lookups behind them.

Expected scope and role IDs are read from the fake tenant, never from the program.
"""

import copy
from collections import Counter
from typing import Any

import pulumi
import pytest

from testbed.fake_tenant import (
    TOKEN_CLIENT_CONFIG,
    TOKEN_SERVICE_PRINCIPAL,
    FakeTenant,
    well_known_service_principals,
)
from testbed.mockrun import MockRun, Registration
from tests.conftest import SUBSCRIPTION, Runner

HEALTHCARE = "4f6778d8-5aef-43dc-a1ff-b073724b9495"
DICOM = "75e725bf-66ce-4cea-9b9a-5c4caae57f33"
GRAPH = "00000003-0000-0000-c000-000000000000"

API_ACCESS = "azuread:index/applicationApiAccess:ApplicationApiAccess"
GRANT = "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant"
APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
REGISTRATION = "azuread:index/applicationRegistration:ApplicationRegistration"

PUBLISHED = well_known_service_principals()


def scope_id(app_id: str, name: str) -> str:
    return next(p.id for p in PUBLISHED[app_id].scopes if p.name == name)


def role_id(app_id: str, name: str) -> str:
    return next(p.id for p in PUBLISHED[app_id].roles if p.name == name)


def api_object_id(app_id: str) -> str:
    return PUBLISHED[app_id].object_id


def client_sp_object_id(result: MockRun, app: str) -> str:
    object_id = result.named(f"{app}-sp").outputs["objectId"]
    assert isinstance(object_id, str) and object_id
    return object_id


def children(result: MockRun, type_token: str, app: str) -> list[Registration]:
    """Resources of a type registered under one application's ClientApplication."""
    return [r for r in result.of_type(type_token) if r.parent.endswith(f"ClientApplication::{app}")]


def expect_config_error(run: Runner, config: dict[str, Any], tenant: FakeTenant) -> str:
    """Run, expect the configuration error, and check that nothing was registered."""
    with pytest.raises(pulumi.RunError) as info:
        run(config, tenant=tenant)
    assert tenant.applications == {}
    assert tenant.created_sps == {}
    assert tenant.grants == set()
    assert tenant.arm_names == set()
    message = str(info.value)
    assert message.startswith("healthcare-clients: invalid configuration")
    assert "Nothing was registered" in message
    return message


def single_app(dev_config: dict[str, Any], **settings: Any) -> dict[str, Any]:
    """The dev stack's services with one application, `client`, holding ``settings``."""
    config = copy.deepcopy(dev_config)
    config["applications"] = {"client": {"secret": False, **settings}}
    return config


# --- the dev stack -----------------------------------------------------------------------------


def test_dev_stack_api_access_uses_the_tenants_dicom_scope_id(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    result = run(dev_config)
    (access,) = result.of_type(API_ACCESS)
    assert access.name == "postman-api-azure-api-for-dicom"
    assert access.parent.endswith("ClientApplication::postman")
    assert access.inputs["apiClientId"] == DICOM
    assert access.inputs["scopeIds"] == [scope_id(DICOM, "user_impersonation")]
    assert "roleIds" not in access.inputs
    assert access.inputs["applicationId"] == result.named("postman").id


def test_dev_stack_grants_consent_once_per_api(run: Runner, dev_config: dict[str, Any]) -> None:
    result = run(dev_config)
    (grant,) = result.of_type(GRANT)
    assert grant.inputs == {
        "servicePrincipalObjectId": client_sp_object_id(result, "postman"),
        "resourceServicePrincipalObjectId": api_object_id(DICOM),
        "claimValues": ["user_impersonation"],
    }
    assert result.of_type(APP_ROLE_ASSIGNMENT) == []


def test_dev_stack_looks_up_only_the_apis_it_uses(run: Runner, dev_config: dict[str, Any]) -> None:
    result = run(dev_config)
    assert result.invokes == [
        (TOKEN_CLIENT_CONFIG, {}),
        (TOKEN_SERVICE_PRINCIPAL, {"clientId": DICOM}),
    ]


# --- delegated permissions ---------------------------------------------------------------------


def test_several_scopes_on_one_api_make_one_access_and_one_grant(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    config = single_app(
        dev_config,
        apiPermissions={"fhir": ["user_impersonation", "fhirUser"]},
        adminConsent=True,
    )
    result = run(config)
    (access,) = children(result, API_ACCESS, "client")
    assert access.inputs["apiClientId"] == HEALTHCARE
    expected_ids = sorted(
        [scope_id(HEALTHCARE, "user_impersonation"), scope_id(HEALTHCARE, "fhirUser")]
    )
    assert access.inputs["scopeIds"] == expected_ids
    (grant,) = children(result, GRANT, "client")
    assert grant.inputs["servicePrincipalObjectId"] == client_sp_object_id(result, "client")
    assert grant.inputs["resourceServicePrincipalObjectId"] == api_object_id(HEALTHCARE)
    assert sorted(grant.inputs["claimValues"]) == ["fhirUser", "user_impersonation"]


def test_order_in_config_does_not_change_inputs(run: Runner, dev_config: dict[str, Any]) -> None:
    forward = run(
        single_app(
            dev_config,
            apiPermissions={"fhir": ["user_impersonation", "fhirUser", "launch"]},
            adminConsent=True,
        )
    )
    backward = run(
        single_app(
            dev_config,
            apiPermissions={"fhir": ["launch", "fhirUser", "user_impersonation"]},
            adminConsent=True,
        )
    )
    for token in (API_ACCESS, GRANT):
        assert [r.inputs for r in forward.of_type(token)] == [
            r.inputs for r in backward.of_type(token)
        ]


def test_keys_naming_the_same_api_are_merged(run: Runner, dev_config: dict[str, Any]) -> None:
    """A FHIR service, a second FHIR-kind service and the alias all mean one API: one access,
    one grant (a second grant for the same pair fails with 409)."""
    config = single_app(
        dev_config,
        apiPermissions={
            "fhir": ["user_impersonation"],
            "legacy": ["fhirUser"],
            "azure-healthcare-apis": {"scopes": ["launch"], "roles": ["system.all.read"]},
        },
        adminConsent=True,
    )
    config["services"]["legacy"] = {
        "kind": "api-for-fhir",
        "resourceId": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-health-example/providers/Microsoft.HealthcareApis/services/legacyfhir",
    }
    result = run(config)
    (access,) = children(result, API_ACCESS, "client")
    assert access.inputs["scopeIds"] == sorted(
        scope_id(HEALTHCARE, name) for name in ("user_impersonation", "fhirUser", "launch")
    )
    assert access.inputs["roleIds"] == [role_id(HEALTHCARE, "system.all.read")]
    (grant,) = children(result, GRANT, "client")
    assert sorted(grant.inputs["claimValues"]) == ["fhirUser", "launch", "user_impersonation"]
    assert len(children(result, APP_ROLE_ASSIGNMENT, "client")) == 1
    assert [token for token, _ in result.invokes].count(TOKEN_SERVICE_PRINCIPAL) == 1


def test_without_admin_consent_nothing_is_consented(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    config = single_app(
        dev_config,
        apiPermissions={
            "fhir": ["user_impersonation"],
            "microsoft-graph": {"roles": ["User.Read.All"]},
        },
    )
    result = run(config)
    assert len(children(result, API_ACCESS, "client")) == 2
    assert result.of_type(GRANT) == []
    assert result.of_type(APP_ROLE_ASSIGNMENT) == []


# --- application permissions -------------------------------------------------------------------


def test_application_permissions_become_app_role_assignments(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    config = single_app(
        dev_config,
        apiPermissions={
            "azure-healthcare-apis": {"roles": ["system.all.read"]},
            "microsoft-graph": ["User.Read.All", "User.Read"],
        },
        adminConsent=True,
    )
    result = run(config)
    client_sp = client_sp_object_id(result, "client")

    accesses = {r.inputs["apiClientId"]: r.inputs for r in children(result, API_ACCESS, "client")}
    assert accesses[HEALTHCARE]["roleIds"] == [role_id(HEALTHCARE, "system.all.read")]
    assert "scopeIds" not in accesses[HEALTHCARE]
    assert accesses[GRAPH]["roleIds"] == [role_id(GRAPH, "User.Read.All")]
    assert accesses[GRAPH]["scopeIds"] == [scope_id(GRAPH, "User.Read")]

    assignments = {
        r.inputs["appRoleId"]: r.inputs for r in children(result, APP_ROLE_ASSIGNMENT, "client")
    }
    assert assignments == {
        role_id(HEALTHCARE, "system.all.read"): {
            "appRoleId": role_id(HEALTHCARE, "system.all.read"),
            "principalObjectId": client_sp,
            "resourceObjectId": api_object_id(HEALTHCARE),
        },
        role_id(GRAPH, "User.Read.All"): {
            "appRoleId": role_id(GRAPH, "User.Read.All"),
            "principalObjectId": client_sp,
            "resourceObjectId": api_object_id(GRAPH),
        },
    }
    # Graph's delegated User.Read still gets its own grant; Healthcare APIs has no scopes.
    (grant,) = children(result, GRANT, "client")
    assert grant.inputs["resourceServicePrincipalObjectId"] == api_object_id(GRAPH)
    assert grant.inputs["claimValues"] == ["User.Read"]


def test_raw_app_id_key(run: Runner, dev_config: dict[str, Any]) -> None:
    config = single_app(dev_config, apiPermissions={GRAPH.upper(): ["User.Read"]})
    result = run(config)
    (access,) = children(result, API_ACCESS, "client")
    assert access.inputs["apiClientId"] == GRAPH
    assert access.inputs["scopeIds"] == [scope_id(GRAPH, "User.Read")]


# --- one lookup per API per stack --------------------------------------------------------------


def test_fifty_applications_share_two_lookups(run: Runner, dev_config: dict[str, Any]) -> None:
    config = copy.deepcopy(dev_config)
    config["applications"] = {
        f"app{index:02d}": {
            "secret": False,
            "apiPermissions": {"fhir": ["user_impersonation"], "dicom": ["Dicom.ReadWrite"]},
            "adminConsent": index % 2 == 0,
        }
        for index in range(50)
    }
    result = run(config)
    counts = Counter(token for token, _ in result.invokes)
    assert counts == {TOKEN_CLIENT_CONFIG: 1, TOKEN_SERVICE_PRINCIPAL: 2}
    looked_up = sorted(args["clientId"] for token, args in result.invokes if args)
    assert looked_up == sorted([HEALTHCARE, DICOM])
    assert len(result.of_type(API_ACCESS)) == 100
    assert len(result.of_type(GRANT)) == 50


# --- errors ------------------------------------------------------------------------------------


def test_unknown_scope_lists_what_the_api_publishes(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    config = copy.deepcopy(dev_config)
    config["applications"]["postman"]["apiPermissions"] = {
        "dicom": ["user_impersonation", "Dicom.Write"]
    }
    message = expect_config_error(run, config, FakeTenant())
    published = sorted(p.name for p in PUBLISHED[DICOM].scopes)
    assert (
        "applications.postman.apiPermissions.dicom[1]: 'Dicom.Write' is not a permission "
        f"published by Azure API for DICOM ({DICOM}); it publishes: {', '.join(published)}"
    ) in message
    assert "user_impersonation'" not in message  # only the unknown name is reported


def test_unknown_explicit_scope_and_role(run: Runner, dev_config: dict[str, Any]) -> None:
    config = single_app(
        dev_config,
        apiPermissions={
            "microsoft-graph": {
                "scopes": ["User.Read", "User.ReadAll"],
                "roles": ["Directory.Everything"],
            }
        },
    )
    message = expect_config_error(run, config, FakeTenant())
    graph_scopes = ", ".join(sorted(p.name for p in PUBLISHED[GRAPH].scopes))
    graph_roles = ", ".join(sorted(p.name for p in PUBLISHED[GRAPH].roles))
    assert (
        "applications.client.apiPermissions.microsoft-graph.scopes[1]: 'User.ReadAll' is not a "
        f"scope published by Microsoft Graph ({GRAPH}); it publishes: {graph_scopes}"
    ) in message
    assert (
        "applications.client.apiPermissions.microsoft-graph.roles[0]: 'Directory.Everything' is "
        f"not a role published by Microsoft Graph ({GRAPH}); it publishes: {graph_roles}"
    ) in message
    assert "(2 problems)" in message


def test_a_role_name_is_not_accepted_as_a_scope(run: Runner, dev_config: dict[str, Any]) -> None:
    config = single_app(dev_config, apiPermissions={"fhir": {"scopes": ["system.all.read"]}})
    message = expect_config_error(run, config, FakeTenant())
    assert "applications.client.apiPermissions.fhir.scopes[0]: 'system.all.read'" in message


def test_unknown_names_in_every_application_are_reported_together(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    config = copy.deepcopy(dev_config)
    config["applications"]["postman"]["apiPermissions"] = {"dicom": ["nope"]}
    config["applications"]["backend"]["apiPermissions"] = {"fhir": ["nada"]}
    message = expect_config_error(run, config, FakeTenant())
    assert "applications.backend.apiPermissions.fhir[0]: 'nada'" in message
    assert "applications.postman.apiPermissions.dicom[0]: 'nope'" in message


DICOM_MISSING_FIX = (
    "It appears in a tenant only once a DICOM service is deployed there, or when someone "
    "creates it by hand (until then the portal's 'Azure API for DICOM' search is empty). Fix: "
    "deploy the DICOM service in this tenant first, or create the service principal with "
    f"`az ad sp create --id {DICOM}`, then rerun."
)


def test_missing_dicom_service_principal(run: Runner, dev_config: dict[str, Any]) -> None:
    tenant = FakeTenant(missing_apis=[DICOM])
    message = expect_config_error(run, dev_config, tenant)
    assert message.splitlines()[1] == (
        f"  - the tenant has no service principal for Azure API for DICOM ({DICOM}), needed by "
        f"applications.postman.apiPermissions.dicom. {DICOM_MISSING_FIX}"
    )
    # the lookup was made once, and nothing after it
    assert tenant.invokes[-1] == (TOKEN_SERVICE_PRINCIPAL, {"clientId": DICOM})


def test_missing_dicom_service_principal_with_the_plain_fake_tenant(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    """The fake's lookup failure reaches the program as a failed invoke, as the engine's does."""
    tenant = FakeTenant(missing_apis=[DICOM])
    with pytest.raises(pulumi.RunError, match="az ad sp create --id"):
        run(dev_config, tenant=tenant)
    assert tenant.applications == {}


def test_missing_service_principal_of_a_raw_app_id(run: Runner, dev_config: dict[str, Any]) -> None:
    unknown_api = "11111111-2222-4333-8444-555555555555"
    config = single_app(dev_config, apiPermissions={unknown_api: ["read"]})
    message = expect_config_error(run, config, FakeTenant())
    assert (
        f"  - the tenant has no service principal for API {unknown_api}, needed by "
        f"applications.client.apiPermissions.{unknown_api}. Create it with "
        f"`az ad sp create --id {unknown_api}`, or check the application ID.\n"
    ) in message


def test_a_failed_lookup_is_reported_with_its_cause(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    # OwnedBy alone cannot read other service principals (Application.Read.All can).
    tenant = FakeTenant(graph_permissions=["Application.ReadWrite.OwnedBy"])
    message = expect_config_error(run, dev_config, tenant)
    assert message.splitlines()[1] == (
        f"  - looking up the service principal of Azure API for DICOM ({DICOM}) (for "
        "applications.postman.apiPermissions.dicom) failed: unexpected status 403 (403 "
        "Forbidden) with error: Authorization_RequestDenied: Insufficient privileges to "
        "complete the operation. Check that the deploying identity may read service "
        "principals (Application.Read.All)."
    )

"""The fake tenant's SMART resource types (testbed.api_exposure): Graph refuses to remove or
change an enabled scope or app role, and the provider's own delete and update get through by
disabling it first, as terraform-provider-azuread does; identifier URIs on verified domains."""

import uuid
from typing import Any

import pytest

from components import provider_resources as types
from testbed.api_exposure import graph_patch_permissions
from testbed.tenant import ProviderError, Tenant, new_state

SCOPE_ID = "0b9e9c5e-7c0e-4f0f-9e4a-3d6a2b1c0d11"
OTHER_ID = "5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def registration(t: Tenant, version: int = 1) -> tuple[str, dict[str, Any]]:
    inputs = {"displayName": "resource", "requestedAccessTokenVersion": version}
    checked, _ = t.check(types.APPLICATION_REGISTRATION.token, inputs)
    resource_id, _ = t.create(types.APPLICATION_REGISTRATION.token, "resource", checked)
    return resource_id, t.state["applications"][resource_id.rpartition("/")[2]]


def scope(application_id: str, scope_id: str, value: str) -> dict[str, Any]:
    return {
        "applicationId": application_id,
        "scopeId": scope_id,
        "value": value,
        "type": "User",
        "adminConsentDisplayName": value,
        "adminConsentDescription": f"about {value}",
    }


def test_graph_refuses_to_remove_or_change_an_enabled_scope() -> None:
    t = Tenant(new_state())
    app_id, app = registration(t)
    t.create(types.PERMISSION_SCOPE.token, "s", scope(app_id, SCOPE_ID, "patient.all.read"))
    (enabled,) = app["api"]["oauth2PermissionScopes"]
    for new in ([], [{**enabled, "value": "patient.all.rs"}]):
        with pytest.raises(ProviderError, match="CannotDeleteOrUpdateEnabledEntitlement"):
            graph_patch_permissions(t, app, "scopes", new)
    # Disabling alone is allowed; then the scope may go.
    graph_patch_permissions(t, app, "scopes", [{**enabled, "isEnabled": False}])
    graph_patch_permissions(t, app, "scopes", [])
    assert app["api"]["oauth2PermissionScopes"] == []


def test_app_roles_follow_the_same_rule_and_show_on_the_service_principal() -> None:
    t = Tenant(new_state())
    app_id, app = registration(t)
    t.create(types.SERVICE_PRINCIPAL.token, "sp", {"clientId": app["appId"]})
    role = {
        "applicationId": app_id,
        "roleId": SCOPE_ID,
        "value": "system.all.read",
        "allowedMemberTypes": ["Application"],
        "displayName": "system/*.read",
        "description": "read",
    }
    created, _ = t.create(types.APP_ROLE.token, "r", role)
    (sp,) = [s for s in t.state["servicePrincipals"].values() if s["appId"] == app["appId"]]
    assert [r["value"] for r in sp["appRoles"]] == ["system.all.read"]
    with pytest.raises(ProviderError, match="CannotDeleteOrUpdateEnabledEntitlement"):
        graph_patch_permissions(t, app, "roles", [])
    assert created


@pytest.mark.parametrize(
    ("uri", "version", "refusal"),
    [
        ("https://fhir.fabrikam.com", 1, "HostNameNotOnVerifiedDomain"),
        (
            "https://fhir.contoso.onmicrosoft.com",
            1,
            "All newly added URIs must contain a tenant verified domain",
        ),
        (
            "https://contoso.onmicrosoft.com",
            1,
            "All newly added URIs must contain a tenant verified domain",
        ),
        ("https://fhir.contoso.onmicrosoft.com", 2, None),
        ("https://contoso.onmicrosoft.com/fhir", 1, None),
        ("https://fhir.contoso.com", 1, None),
    ],
)
def test_identifier_uris_need_a_verified_domain_and_the_secure_patterns(
    uri: str, version: int, refusal: str | None
) -> None:
    t = Tenant(new_state())
    app_id, app = registration(t, version)
    inputs = {"applicationId": app_id, "identifierUri": uri}
    if refusal is None:
        t.create(types.IDENTIFIER_URI.token, "u", inputs)
        assert app["identifierUris"] == [uri]
    else:
        with pytest.raises(ProviderError, match=refusal):
            t.create(types.IDENTIFIER_URI.token, "u", inputs)


def test_an_identifier_uri_is_unique_in_the_tenant() -> None:
    t = Tenant(new_state())
    first, _ = registration(t)
    t.create(
        types.IDENTIFIER_URI.token,
        "u",
        {"applicationId": first, "identifierUri": "https://fhir.contoso.com"},
    )
    second, _ = registration(t)
    with pytest.raises(
        ProviderError, match="Another object with the same value for property identifierUris"
    ):
        t.create(
            types.IDENTIFIER_URI.token,
            "v",
            {"applicationId": second, "identifierUri": "https://fhir.contoso.com"},
        )


def test_claims_mapping_policies_need_policy_rights() -> None:
    t = Tenant(new_state())
    t.state["caller"]["graphPermissions"] = ["Application.ReadWrite.OwnedBy"]
    inputs = {"displayName": "p", "definitions": ["{}"]}
    with pytest.raises(ProviderError, match="Insufficient privileges"):
        t.create(types.CLAIMS_MAPPING_POLICY.token, "p", inputs)
    t.state["caller"]["graphPermissions"].append("Policy.ReadWrite.ApplicationConfiguration")
    policy, _ = t.create(types.CLAIMS_MAPPING_POLICY.token, "p", inputs)
    assert uuid.UUID(policy.rpartition("/")[2])

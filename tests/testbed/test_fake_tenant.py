"""The fake tenant's own behaviour, each rule as the provider's source or Entra's docs have it.

These drive ``testbed.tenant`` directly, the way both the mock runtime and the provider
plugins do, so a rule that drifts from its source fails here and not only in a program run.
"""

from typing import Any

import pytest

from components import provider_resources as types
from testbed.tenant import DEPLOYER_OBJECT_ID, ProviderError, Tenant, new_state

OTHER = "11111111-2222-4333-8444-555555555555"
HEALTHCARE = "4f6778d8-5aef-43dc-a1ff-b073724b9495"
VAULT = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one"


def tenant(**caller: Any) -> Tenant:
    state = new_state()
    state["caller"].update(caller)
    return Tenant(state)


def registration(t: Tenant, name: str = "app") -> str:
    checked, failures = t.check(types.APPLICATION_REGISTRATION.token, {"displayName": name})
    assert failures == []
    resource_id, _ = t.create(types.APPLICATION_REGISTRATION.token, name, checked)
    return resource_id


def test_the_creating_identity_owns_the_application_and_cannot_be_added_again() -> None:
    t = tenant()
    app_id = registration(t)
    (app,) = t.applications.values()
    assert app["owners"] == [DEPLOYER_OBJECT_ID]
    owner = types.APPLICATION_OWNER.token
    with pytest.raises(ProviderError, match="already exists - to be managed via Terraform"):
        t.create(owner, "o", {"applicationId": app_id, "ownerObjectId": DEPLOYER_OBJECT_ID})
    resource_id, _ = t.create(owner, "o", {"applicationId": app_id, "ownerObjectId": OTHER})
    assert resource_id == f"{app_id}/owners/{OTHER}"


def test_adding_an_owner_needs_more_than_owned_by() -> None:
    t = tenant(graphPermissions=["Application.ReadWrite.OwnedBy"])
    app_id = registration(t)
    owner = {"applicationId": app_id, "ownerObjectId": OTHER}
    with pytest.raises(ProviderError, match="Insufficient privileges"):
        t.create(types.APPLICATION_OWNER.token, "o", owner)
    t.state["caller"]["graphPermissions"].append("Directory.Read.All")
    t.create(types.APPLICATION_OWNER.token, "o", owner)


def service_principal(t: Tenant, owners: list[str] | None) -> dict[str, Any]:
    app_id = registration(t)
    client_id = t.applications[app_id.rsplit("/", 1)[1]]["appId"]
    inputs: dict[str, Any] = {"clientId": client_id}
    if owners is not None:
        inputs["owners"] = owners
    resource_id, _ = t.create(types.SERVICE_PRINCIPAL.token, "sp", inputs)
    return dict(t.service_principals[resource_id.rsplit("/", 1)[1]])


def test_a_service_principal_loses_its_caller_owner_unless_it_is_listed() -> None:
    assert service_principal(tenant(), None)["owners"] == []
    assert service_principal(tenant(), [OTHER])["owners"] == [OTHER]
    assert service_principal(tenant(), [DEPLOYER_OBJECT_ID, OTHER])["owners"] == [
        DEPLOYER_OBJECT_ID,
        OTHER,
    ]


def test_federated_credentials_keep_issuer_and_subject_unique() -> None:
    t = tenant()
    app_id = registration(t)
    token = types.FEDERATED_CREDENTIAL.token
    first = {
        "applicationId": app_id,
        "displayName": "main",
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "repo:contoso/loader:ref:refs/heads/main",
        "audiences": ["api://AzureADTokenExchange"],
    }
    t.create(token, "a", first)
    with pytest.raises(ProviderError, match="InvalidFederatedIdentityCredentialValue"):
        t.create(token, "b", {**first, "displayName": "renamed"})
    t.create(
        token,
        "b",
        {**first, "displayName": "next", "subject": "repo:contoso/loader:ref:refs/heads/next"},
    )


def test_a_second_grant_for_the_same_pair_is_a_conflict() -> None:
    t = tenant()
    sp = service_principal(t, None)
    api = next(s for s in t.service_principals.values() if s["appId"] == HEALTHCARE)
    grant = {
        "servicePrincipalObjectId": sp["id"],
        "resourceServicePrincipalObjectId": api["id"],
        "claimValues": ["user_impersonation"],
    }
    t.create(types.DELEGATED_PERMISSION_GRANT.token, "g1", grant)
    with pytest.raises(ProviderError, match=r"409.*Permission entry already exists"):
        t.create(types.DELEGATED_PERMISSION_GRANT.token, "g2", grant)


def secret_inputs(name: str = "app-client-secret") -> dict[str, Any]:
    return {
        "resourceGroupName": "rg",
        "vaultName": "kv-one",
        "secretName": name,
        "properties": {"value": "s3cret"},
    }


SECRETS_OFFICER = {  # Azure built-in role "Key Vault Secrets Officer": data actions only
    "scope": VAULT,
    "actions": ["Microsoft.Authorization/*/read", "Microsoft.KeyVault/vaults/*/read"],
    "dataActions": ["Microsoft.KeyVault/vaults/secrets/*"],
}


def test_key_vault_secrets_are_written_through_arm_and_deleted_through_the_data_plane() -> None:
    t = tenant(azureRoles=[SECRETS_OFFICER])
    with pytest.raises(ProviderError, match=r"Microsoft\.KeyVault/vaults/secrets/write"):
        t.create(types.KEY_VAULT_SECRET.token, "s", secret_inputs())
    writer = {
        "scope": VAULT,
        "actions": [
            "Microsoft.KeyVault/vaults/secrets/write",
            "Microsoft.KeyVault/vaults/secrets/read",
        ],
        "dataActions": [],
    }
    t.state["caller"]["azureRoles"] = [writer]
    resource_id, _ = t.create(types.KEY_VAULT_SECRET.token, "s", secret_inputs())
    with pytest.raises(ProviderError, match="ForbiddenByRbac"):
        t.delete(types.KEY_VAULT_SECRET.token, "s", resource_id, {})
    t.state["caller"]["azureRoles"] = [writer, SECRETS_OFFICER]
    t.delete(types.KEY_VAULT_SECRET.token, "s", resource_id, {})
    # Soft-deleted, not purged: the name cannot be used again.
    with pytest.raises(ProviderError, match="deleted but recoverable state"):
        t.create(types.KEY_VAULT_SECRET.token, "s", secret_inputs())


def test_a_role_assignment_of_the_same_principal_role_and_scope_exists_once() -> None:
    t = tenant()
    sp = service_principal(t, None)
    scope = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/ws/fhirservices/fhir"
    inputs = {
        "scope": scope,
        "principalId": sp["id"],
        "principalType": "ServicePrincipal",
        "roleDefinitionId": "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4c8d0bbc-75d3-4935-991f-5f3c56d81508",
        "roleAssignmentName": "0a1b2c3d-0000-4000-8000-000000000001",
    }
    t.create(types.ROLE_ASSIGNMENT.token, "r1", inputs)
    with pytest.raises(ProviderError, match="RoleAssignmentExists"):
        t.create(
            types.ROLE_ASSIGNMENT.token,
            "r2",
            {**inputs, "roleAssignmentName": "0a1b2c3d-0000-4000-8000-000000000002"},
        )


def test_a_missing_api_fails_the_lookup_in_the_providers_words() -> None:
    state = new_state(missing_apis=["75e725bf-66ce-4cea-9b9a-5c4caae57f33"])
    with pytest.raises(
        ProviderError, match="No service principal found: no service principal found"
    ):
        Tenant(state).invoke(
            types.GET_SERVICE_PRINCIPAL, {"clientId": "75e725bf-66ce-4cea-9b9a-5c4caae57f33"}
        )


def test_faults_fail_the_nth_operation_and_are_logged() -> None:
    t = tenant()
    t.arm_fault("create", types.APPLICATION_REGISTRATION.token, nth=2)
    registration(t, "one")
    with pytest.raises(ProviderError, match="injected fault"):
        registration(t, "two")
    registration(t, "three")
    assert [(e["operation"], e["name"]) for e in t.state["log"]] == [
        ("create", "one"),
        ("create-failed", "two"),
        ("create", "three"),
    ]


def test_failed_updates_and_deletes_change_nothing_and_are_logged() -> None:
    t = tenant()
    # A type our plugin serves under the engine (azuread's are the real provider's).
    token = types.KEY_VAULT_SECRET.token
    app_id, _ = t.create(token, "one", secret_inputs())
    before = t.read(token, app_id, {})
    assert before is not None
    t.arm_fault("update", token)
    t.arm_fault("delete", token)
    renamed = {**before, "value": "rotated"}
    with pytest.raises(ProviderError, match=r"update one: .*injected fault"):
        t.update(token, "one", app_id, before, renamed)
    assert t.read(token, app_id, {}) == before
    with pytest.raises(ProviderError, match=r"delete one: .*injected fault"):
        t.delete(token, "one", app_id, before)
    assert t.read(token, app_id, {}) == before
    # Armed once each: the retry goes through.
    t.update(token, "one", app_id, before, renamed)
    t.delete(token, "one", app_id, renamed)
    assert t.read(token, app_id, {}) is None
    assert [e["operation"] for e in t.state["log"]] == [
        "create",
        "update-failed",
        "delete-failed",
        "update",
        "delete",
    ]


def test_a_redirect_uri_belongs_to_one_platform_of_an_application() -> None:
    t = tenant()
    app_id = registration(t)
    uri = "https://app.contoso.example/callback"
    t.create(
        types.REDIRECT_URIS.token,
        "web",
        {"applicationId": app_id, "type": "Web", "redirectUris": [uri]},
    )
    with pytest.raises(ProviderError, match="Redirect URIs must have distinct values"):
        t.create(
            types.REDIRECT_URIS.token,
            "spa",
            {"applicationId": app_id, "type": "SPA", "redirectUris": [uri]},
        )

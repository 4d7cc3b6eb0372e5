"""The dev stack with Key Vault delivery, deployed and destroyed under the real engine by a
caller holding exactly the rights tools/bootstrap_pipeline_identities.sh grants for it, and
refused, with the service's own words, when a right is missing."""

from typing import Any

import pytest
from pulumi import automation as auto

from components import healthcare
from testbed.engine import EngineWorkspace
from tests.conftest import SUBSCRIPTION

pytestmark = pytest.mark.e2e

VAULT = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-healthcare"
DATA_ROLES = sorted(role.guid for role in healthcare.BUILT_IN_ROLES.values())

# What the bootstrap grants the deploy identity for this stack (its --print-permissions table):
# Graph permissions for the always rows and delegated consent, the conditioned RBAC
# Administrator at each service, and the Key Vault delivery role.
GRAPH = [
    "Application.ReadWrite.OwnedBy",
    "Application.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
]
KEY_VAULT_DELIVERY = {
    "scope": VAULT,
    "actions": [
        "Microsoft.KeyVault/vaults/secrets/read",
        "Microsoft.KeyVault/vaults/secrets/write",
    ],
    "dataActions": ["Microsoft.KeyVault/vaults/secrets/delete"],
}
# Azure's built-in "Key Vault Secrets Officer": secrets on the data plane, reads on ARM.
KEY_VAULT_SECRETS_OFFICER = {
    "scope": VAULT,
    "actions": [
        "Microsoft.Authorization/*/read",
        "Microsoft.Resources/deployments/*",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        "Microsoft.KeyVault/checkNameAvailability/read",
        "Microsoft.KeyVault/deletedVaults/read",
        "Microsoft.KeyVault/locations/*/read",
        "Microsoft.KeyVault/vaults/*/read",
        "Microsoft.KeyVault/operations/read",
    ],
    "dataActions": ["Microsoft.KeyVault/vaults/secrets/*"],
}


def rbac_administrator(scope: str) -> dict[str, Any]:
    """Role Based Access Control Administrator, conditioned to the data roles."""
    return {
        "scope": scope,
        "actions": [
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "Microsoft.Authorization/*/read",
        ],
        "dataActions": [],
        "roleDefinitionIds": DATA_ROLES,
    }


def pipeline_caller(dev_config: dict[str, Any], vault_role: dict[str, Any]) -> dict[str, Any]:
    services = [service["resourceId"] for service in dev_config["services"].values()]
    return {
        "graphPermissions": GRAPH,
        "azureRoles": [*map(rbac_administrator, services), vault_role],
    }


@pytest.fixture
def vault_config(dev_config: dict[str, Any]) -> dict[str, Any]:
    dev_config["applications"]["backend"]["keyVault"] = {"id": VAULT}
    return dev_config


def test_the_pipeline_rights_deploy_and_destroy_the_stack(
    workspace: EngineWorkspace, vault_config: dict[str, Any]
) -> None:
    with workspace.edit_tenant() as state:
        state["caller"].update(pipeline_caller(vault_config, KEY_VAULT_DELIVERY))
    workspace.write_stack_file("dev", vault_config)
    stack = workspace.stack("dev")
    stack.up()
    secrets = [s for s in workspace.tenant()["vaultSecrets"].values() if not s["deleted"]]
    assert sorted(s["name"] for s in secrets) == ["backend-client-id", "backend-client-secret"]

    # With Application.ReadWrite.OwnedBy the caller changes only what it owns: the service
    # principals it made must list it as owner, or this destroy would be refused.
    stack.destroy()
    state = workspace.tenant()
    assert state["applications"] == {}
    assert [sp for sp in state["servicePrincipals"].values() if not sp.get("firstParty")] == []
    assert all(s["deleted"] for s in state["vaultSecrets"].values())  # soft-deleted


def test_key_vault_secrets_officer_alone_cannot_deliver_the_secret(
    workspace: EngineWorkspace, vault_config: dict[str, Any]
) -> None:
    with workspace.edit_tenant() as state:
        state["caller"].update(pipeline_caller(vault_config, KEY_VAULT_SECRETS_OFFICER))
    workspace.write_stack_file("dev", vault_config)
    with pytest.raises(auto.CommandError) as error:
        workspace.stack("dev").up()
    message = str(error.value)
    assert "AuthorizationFailed" in message
    assert "'Microsoft.KeyVault/vaults/secrets/write'" in message

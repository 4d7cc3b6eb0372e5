"""Azure resources the stack writes through pulumi-azure-native: role assignments and Key
Vault secrets.

Written from pulumi-azure-native 3.x (``AN provider/pkg/...``) and the ARM REST specs it
uses (authorization 2022-04-01, keyvault 2024-11-01), cited per class.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from testbed.resource_handler import CheckFailure, Inputs, ProviderError
from testbed.rights import Denied, require_azure

if TYPE_CHECKING:
    from testbed.tenant import Tenant

ROLE_DEFINITION = re.compile(
    r"^/subscriptions/[0-9a-fA-F-]{36}/providers/Microsoft\.Authorization/roleDefinitions/([0-9a-fA-F-]{36})$"
)


def _required(inputs: Inputs, *keys: str) -> list[CheckFailure]:
    return [
        CheckFailure(key, f"missing required property '{key}'") for key in keys if key not in inputs
    ]


def _arm_denied(error: Denied) -> ProviderError:
    return ProviderError(f'Status=403 Code="AuthorizationFailed" Message="{error}"')


def assignment_id(scope: str, name: str) -> str:
    return f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"


class RoleAssignment:
    """azure-native authorization.RoleAssignment. ARM keeps (scope, principal, role) unique
    and refuses a second assignment under another name (409 RoleAssignmentExists). Without
    ``principalType`` ARM looks the principal up, and a principal Entra has just created is
    not found yet (PrincipalNotFound; the error text itself advises setting principalType)."""

    computed = frozenset({"name", "type", "createdOn", "azureApiVersion"})
    # The Python SDK fills in principalType 'User' when the program leaves it out.
    defaults = {"principalType": "User"}

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return _required(inputs, "principalId", "roleDefinitionId", "scope")

    @staticmethod
    def _id(scope: str, name: str) -> str:
        return assignment_id(scope, name)

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        scope = str(inputs["scope"])
        assignment = str(
            inputs.get("roleAssignmentName") or tenant.new_id(f"roleAssignment/{name}")
        )
        resource_id = self._id(scope, assignment)
        existing = tenant.state["roleAssignments"]
        if resource_id.lower() in existing:
            raise ProviderError(f"cannot create already existing resource '{resource_id}'")
        role = ROLE_DEFINITION.match(str(inputs["roleDefinitionId"]))
        if role is None:
            raise ProviderError(
                'Status=400 Code="InvalidRoleDefinitionId" Message="The role definition ID '
                f"'{inputs['roleDefinitionId']}' is not valid.\""
            )
        try:
            require_azure(
                tenant.caller, "Microsoft.Authorization/roleAssignments/write", scope, role=role[1]
            )
        except Denied as error:
            raise _arm_denied(error) from None
        principal = str(inputs["principalId"]).lower()
        if inputs.get("principalType") != "ServicePrincipal" and principal not in {
            sp.lower() for sp in tenant.state["servicePrincipals"]
        } | {tenant.caller["objectId"]}:
            raise ProviderError(
                'Status=400 Code="PrincipalNotFound" Message="Principal '
                f"{principal.replace('-', '')} does not exist in the directory {tenant.tenant_id}. "
                "Check that you have the correct principal ID. If you are creating this "
                "principal and then immediately assigning a role, this error might be related "
                "to a replication delay. In this case, set the role assignment principalType "
                'property to a value, such as ServicePrincipal, User, or Group."'
            )
        for other in existing.values():
            if other["name"].lower() == assignment.lower():
                # A role assignment's name is its identity in the tenant: the same name at
                # another scope is an attempt to move it (pulumi-azure-native #771).
                raise ProviderError(
                    'Status=400 Code="RoleAssignmentUpdateNotPermitted" Message="Tenant ID, '
                    'application ID, principal ID, and scope are not allowed to be updated."'
                )
            if (
                other["scope"].lower(),
                other["principalId"],
                other["roleDefinitionId"].lower(),
            ) == (
                scope.lower(),
                principal,
                str(inputs["roleDefinitionId"]).lower(),
            ):
                raise ProviderError(
                    'Status=409 Code="RoleAssignmentExists" Message="The role assignment '
                    'already exists."'
                )
        existing[resource_id.lower()] = {
            "id": resource_id,
            "name": assignment,
            "scope": scope,
            "principalId": principal,
            "principalType": inputs.get("principalType"),
            "roleDefinitionId": str(inputs["roleDefinitionId"]),
            "description": inputs.get("description"),
            "createdOn": tenant.now().isoformat(),
        }
        return resource_id, self._computed(existing[resource_id.lower()])

    @staticmethod
    def _computed(record: dict[str, Any]) -> Inputs:
        return {
            "name": record["name"],
            "type": "Microsoft.Authorization/roleAssignments",
            "createdOn": record["createdOn"],
            "azureApiVersion": "2022-04-01",
        }

    def read(self, tenant: Tenant, resource_id: str, state: Inputs) -> Inputs | None:
        record = tenant.state["roleAssignments"].get(resource_id.lower())
        if record is None:
            return None
        live = {
            key: record[key]
            for key in ("scope", "principalId", "principalType", "roleDefinitionId", "description")
        }
        return {**state, **live, "roleAssignmentName": record["name"], **self._computed(record)}

    def update(self, tenant: Tenant, resource_id: str, olds: Inputs, news: Inputs) -> Inputs:
        record = tenant.state["roleAssignments"].get(resource_id.lower())
        if record is None:
            raise ProviderError(f"updating {resource_id}: not found")
        try:
            require_azure(
                tenant.caller, "Microsoft.Authorization/roleAssignments/write", record["scope"]
            )
        except Denied as error:
            raise _arm_denied(error) from None
        record.update(
            roleDefinitionId=str(news["roleDefinitionId"]),
            principalType=news.get("principalType"),
            description=news.get("description"),
        )
        return {**news, **self._computed(record)}

    def delete(self, tenant: Tenant, resource_id: str, state: Inputs) -> None:
        record = tenant.state["roleAssignments"].get(resource_id.lower())
        if record is None:
            return  # 204: already gone
        try:
            require_azure(
                tenant.caller, "Microsoft.Authorization/roleAssignments/delete", record["scope"]
            )
        except Denied as error:
            raise _arm_denied(error) from None
        del tenant.state["roleAssignments"][resource_id.lower()]


VAULT_NAME = re.compile(r"^[a-zA-Z0-9-]{3,24}$")
SECRET_NAME = re.compile(r"^[a-zA-Z0-9-]{1,127}$")


class VaultSecret:
    """azure-native keyvault.Secret (AN customresources/custom_keyvault.go): created and
    updated by an ARM PUT, a control-plane write; read by an ARM GET, which never returns the
    value; deleted through the vault's data plane, which only soft-deletes, and a
    soft-deleted name cannot be used again until it is purged."""

    computed = frozenset({"name", "type", "azureApiVersion"})
    defaults: dict[str, Any] = {}

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        failures = _required(inputs, "resourceGroupName", "vaultName", "properties")
        for key, pattern in (("vaultName", VAULT_NAME), ("secretName", SECRET_NAME)):
            value = inputs.get(key)
            if value is not None and not pattern.match(str(value)):
                failures.append(
                    CheckFailure(key, f"'{value}' does not match expression '{pattern.pattern}'")
                )
        return failures

    @staticmethod
    def _vault(tenant: Tenant, inputs: Inputs) -> str:
        return (
            f"/subscriptions/{tenant.state.get('subscriptionId', '00000000-0000-0000-0000-000000000000')}"
            f"/resourceGroups/{inputs['resourceGroupName']}/providers/Microsoft.KeyVault/vaults/{inputs['vaultName']}"
        )

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        vault = self._vault(tenant, inputs)
        secret_name = str(inputs.get("secretName") or name)
        resource_id = f"{vault}/secrets/{secret_name}"
        record = tenant.state["vaultSecrets"].get(resource_id.lower())
        if record is not None and not record["deleted"]:
            raise ProviderError(f"cannot create already existing resource '{resource_id}'")
        try:
            require_azure(tenant.caller, "Microsoft.KeyVault/vaults/secrets/write", vault)
        except Denied as error:
            raise _arm_denied(error) from None
        if record is not None:
            raise ProviderError(
                f'Status=409 Code="Conflict" Message="Secret {secret_name} is currently in a '
                "deleted but recoverable state, and its name cannot be reused; in this state, "
                'the secret can only be recovered or purged."'
            )
        tenant.state["vaultSecrets"][resource_id.lower()] = {
            "id": resource_id,
            "name": secret_name,
            "deleted": False,
            "versions": [self._version(tenant, inputs)],
        }
        return resource_id, self._computed(secret_name)

    @staticmethod
    def _version(tenant: Tenant, inputs: Inputs) -> dict[str, Any]:
        properties = inputs.get("properties") or {}
        return {
            "value": properties.get("value"),
            "contentType": properties.get("contentType"),
            "attributes": properties.get("attributes"),
            "created": tenant.now().isoformat(),
        }

    @staticmethod
    def _computed(secret_name: str) -> Inputs:
        return {
            "name": secret_name,
            "type": "Microsoft.KeyVault/vaults/secrets",
            "azureApiVersion": "2024-11-01",
        }

    def read(self, tenant: Tenant, resource_id: str, state: Inputs) -> Inputs | None:
        record = tenant.state["vaultSecrets"].get(resource_id.lower())
        if record is None or record["deleted"]:
            return None
        return {**state, **self._computed(record["name"])}

    def update(self, tenant: Tenant, resource_id: str, olds: Inputs, news: Inputs) -> Inputs:
        record = tenant.state["vaultSecrets"].get(resource_id.lower())
        if record is None or record["deleted"]:
            raise ProviderError(f"updating {resource_id}: not found")
        try:
            require_azure(
                tenant.caller,
                "Microsoft.KeyVault/vaults/secrets/write",
                resource_id.rpartition("/secrets/")[0],
            )
        except Denied as error:
            raise _arm_denied(error) from None
        record["versions"].append(self._version(tenant, news))
        return {**news, **self._computed(record["name"])}

    def delete(self, tenant: Tenant, resource_id: str, state: Inputs) -> None:
        record = tenant.state["vaultSecrets"].get(resource_id.lower())
        if record is None or record["deleted"]:
            return  # the data plane's 404 counts as deleted
        try:
            require_azure(
                tenant.caller,
                "Microsoft.KeyVault/vaults/secrets/delete",
                resource_id.rpartition("/secrets/")[0],
                data=True,
            )
        except Denied as error:
            raise ProviderError(f"deleting secret {record['name']}: {error}") from None
        record["deleted"] = True


def get_role_assignment(tenant: Tenant, args: Mapping[str, Any]) -> Inputs:
    """azure-native authorization.getRoleAssignment: ARM RoleAssignments_Get (authorization
    2022-04-01) by scope and name, which answers 404 for a name not assigned at that scope
    (Azure.ResourceManager.Authorization RoleAssignmentCollection.GetIfExists reads 404 as
    absent). The error code in the text is not documented; only the status is relied on.
    Reading needs Microsoft.Authorization/roleAssignments/read at the scope."""
    scope, name = str(args.get("scope", "")), str(args.get("roleAssignmentName", ""))
    try:
        require_azure(tenant.caller, "Microsoft.Authorization/roleAssignments/read", scope)
    except Denied as error:
        raise _arm_denied(error) from None
    record = tenant.state["roleAssignments"].get(assignment_id(scope, name).lower())
    if record is None:
        raise ProviderError(
            f'Status=404 Code="RoleAssignmentNotFound" Message="The role assignment \'{name}\' '
            'is not found."'
        )
    return {
        "id": record["id"],
        "name": record["name"],
        "type": "Microsoft.Authorization/roleAssignments",
        "scope": record["scope"],
        "principalId": record["principalId"],
        "principalType": record.get("principalType"),
        "roleDefinitionId": record["roleDefinitionId"],
        "description": record.get("description"),
        "azureApiVersion": "2022-04-01",
    }

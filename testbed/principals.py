"""Service principals, API permissions and consent, and the two azuread invokes.

Written from terraform-provider-azuread v3.9.0 (``TF internal/services/<dir>/<file>``, cited
per class) and Microsoft Graph's documentation.

Longer than 400 lines: service principals, permission grants and app-role assignments are one
Graph object graph, and their rules refer to each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from components import provider_resources as types
from testbed.entra import existing, writable
from testbed.graph import check_application_id, check_uuid, graph_status, import_error, typed
from testbed.resource_handler import CheckFailure, Inputs, ProviderError
from testbed.rights import Denied, require_app_write, require_directory_read, require_graph

if TYPE_CHECKING:
    from testbed.tenant import Tenant

NO_DEFAULTS: dict[str, Any] = {}


def _sp_by_app_id(tenant: Tenant, app_id: str) -> dict[str, Any] | None:
    for sp in tenant.state["servicePrincipals"].values():
        if sp["appId"].lower() == app_id.lower():
            return dict(sp)
    return None


def _sp_wire(tenant: Tenant, sp: dict[str, Any]) -> Inputs:
    """A service principal as the provider's schema names its attributes."""
    scopes = [s for s in sp.get("oauth2PermissionScopes", []) if s.get("value")]
    roles = [r for r in sp.get("appRoles", []) if r.get("value")]
    return {
        "objectId": sp["id"],
        "clientId": sp["appId"],
        "displayName": sp["displayName"],
        "applicationTenantId": sp.get("appOwnerOrganizationId", tenant.tenant_id),
        "accountEnabled": sp.get("accountEnabled", True),
        "appRoleAssignmentRequired": False,
        "type": "Application",
        "signInAudience": sp.get("signInAudience", "AzureADMyOrg"),
        # Maps value -> id, only for entries with a value (TF helpers/applications.go:79-89).
        "oauth2PermissionScopeIds": {s["value"]: s["id"] for s in scopes},
        "appRoleIds": {r["value"]: r["id"] for r in roles},
        "oauth2PermissionScopes": [
            {
                "id": s["id"],
                "value": s["value"],
                "enabled": True,
                "type": s.get("type", "User"),
                "adminConsentDisplayName": s["value"],
                "adminConsentDescription": s["value"],
                "userConsentDisplayName": s["value"],
                "userConsentDescription": s["value"],
            }
            for s in scopes
        ],
        "appRoles": [
            {
                "id": r["id"],
                "value": r["value"],
                "enabled": True,
                "displayName": r["value"],
                "description": r["value"],
                "allowedMemberTypes": r.get("allowedMemberTypes", ["Application"]),
            }
            for r in roles
        ],
        "servicePrincipalNames": [sp["appId"]],
        "alternativeNames": [],
        "featureTags": [],
        "features": [],
        "notificationEmailAddresses": [],
        "redirectUris": [],
        "samlSingleSignOns": [],
        "tags": [],
        "description": "",
        "notes": "",
        "homepageUrl": "",
        "loginUrl": "",
        "logoutUrl": "",
        "samlMetadataUrl": "",
        "preferredSingleSignOnMode": "",
    }


class ServicePrincipal:
    """TF serviceprincipals/service_principal_resource.go: create refuses an application
    that has one already; the caller is bound as owner at creation and removed again unless
    ``owners`` lists it (removeCallerOwner, :440-452, :519-525); read returns every owner."""

    computed = frozenset(
        {
            "objectId",
            "displayName",
            "applicationTenantId",
            "appRoleIds",
            "oauth2PermissionScopeIds",
            "type",
        }
    )
    defaults = {"accountEnabled": True}

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return check_uuid(inputs, "clientId", "client_id")

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        client_id = str(inputs["clientId"]).lower()
        if _sp_by_app_id(tenant, client_id) is not None and not inputs.get("useExisting"):
            found = _sp_by_app_id(tenant, client_id) or {}
            raise ProviderError(
                f'[id] A resource with the ID "{found.get("id")}" already exists: To be managed '
                "via Terraform, this resource needs to be imported into the State. Please see "
                'the resource documentation for "azuread_service_principal" for more information.'
            )
        app = next(
            (a for a in tenant.state["applications"].values() if a["appId"] == client_id), None
        )
        if app is None:
            # Retried by the provider until its timeout; replication never catches up here.
            raise ProviderError(
                "Could not create service principal: "
                + graph_status(
                    400,
                    "Bad Request",
                    "Request_BadRequest",
                    f"The appId '{client_id}' of the service principal does not reference a valid application object.",
                )
            )
        try:
            # With OwnedBy the caller must own the application (TF docs service_principal.md).
            require_app_write(tenant.caller, app["owners"])
        except Denied as error:
            raise ProviderError(f"Could not create service principal: {error}") from None
        caller = tenant.caller["objectId"]
        configured = [str(o).lower() for o in inputs.get("owners") or []]
        owners = [caller, *[o for o in configured if o != caller]]
        if caller not in configured:
            owners.remove(caller)
        object_id = tenant.new_id(f"servicePrincipal/{name}")
        tenant.state["servicePrincipals"][object_id] = {
            "id": object_id,
            "appId": client_id,
            "displayName": app["displayName"],
            "appOwnerOrganizationId": tenant.tenant_id,
            "accountEnabled": bool(inputs.get("accountEnabled", True)),
            "owners": owners,
            # Graph shows the home tenant application's enabled scopes and roles on its SP.
            "oauth2PermissionScopes": [
                dict(s)
                for s in app.get("api", {}).get("oauth2PermissionScopes", [])
                if s["isEnabled"]
            ],
            "appRoles": [dict(r) for r in app.get("appRoles", []) if r["isEnabled"]],
        }
        return f"/servicePrincipals/{object_id}", self._computed(tenant, object_id)

    def _computed(self, tenant: Tenant, object_id: str) -> Inputs:
        wire = _sp_wire(tenant, tenant.state["servicePrincipals"][object_id])
        return {key: wire[key] for key in (*self.computed, "servicePrincipalNames")}


class ApiAccess:
    """TF applications/application_api_access_resource.go: one entry of
    requiredResourceAccess per API; create refuses an API that has an entry; delete of a
    missing entry is an error."""

    computed: frozenset[str] = frozenset()
    defaults = NO_DEFAULTS

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        failures = check_application_id(inputs) + check_uuid(inputs, "apiClientId", "api_client_id")
        if not inputs.get("scopeIds") and not inputs.get("roleIds"):
            failures.append(
                CheckFailure(
                    "scopeIds", '"role_ids": one of `role_ids,scope_ids` must be specified'
                )
            )
        return failures

    @staticmethod
    def _entry(app: dict[str, Any], api: str) -> dict[str, Any] | None:
        for entry in app["requiredResourceAccess"]:
            if entry["resourceAppId"].lower() == api.lower():
                return dict(entry)
        return None

    @staticmethod
    def _access(inputs: Inputs) -> list[dict[str, str]]:
        return [{"id": i, "type": "Role"} for i in inputs.get("roleIds") or []] + [
            {"id": i, "type": "Scope"} for i in inputs.get("scopeIds") or []
        ]

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        object_id, app = existing(tenant, inputs["applicationId"], "retrieving Application")
        api = str(inputs["apiClientId"])
        resource_id = f"/applications/{object_id}/apiAccess/{api}"
        if self._entry(app, api) is not None:
            raise ProviderError(typed(import_error(resource_id, "azuread_application_api_access")))
        writable(tenant, app, typed(f"creating {resource_id}"))
        app["requiredResourceAccess"].append(
            {"resourceAppId": api, "resourceAccess": self._access(inputs)}
        )
        return resource_id, {}


def _service_principal(tenant: Tenant, object_id: Any, what: str) -> dict[str, Any]:
    sp = tenant.state["servicePrincipals"].get(str(object_id))
    if sp is None:
        raise ProviderError(f'{what} (Object ID: "{object_id}") was not found')
    return dict(sp)


class DelegatedPermissionGrant:
    """TF serviceprincipals/service_principal_delegated_permission_grant_resource.go; Graph
    keeps one grant per client, resource and consent type (409, terraform-provider-azuread
    #690)."""

    computed: frozenset[str] = frozenset()
    defaults = NO_DEFAULTS

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        failures = check_uuid(inputs, "servicePrincipalObjectId", "service_principal_object_id")
        failures += check_uuid(
            inputs, "resourceServicePrincipalObjectId", "resource_service_principal_object_id"
        )
        if not inputs.get("claimValues"):
            failures.append(CheckFailure("claimValues", "attribute requires 1 item minimum"))
        return failures

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        try:
            require_graph(tenant.caller, ["DelegatedPermissionGrant.ReadWrite.All"])
        except Denied as error:
            raise ProviderError(f"Could not create delegated permission grant: {error}") from None
        client = _service_principal(tenant, inputs["servicePrincipalObjectId"], "Service Principal")
        resource = _service_principal(
            tenant,
            inputs["resourceServicePrincipalObjectId"],
            "Service Principal not found for resource",
        )
        consent = "Principal" if inputs.get("userObjectId") else "AllPrincipals"
        for grant in tenant.state["oauth2PermissionGrants"].values():
            if (
                grant["clientId"],
                grant["resourceId"],
                grant["consentType"],
                grant["principalId"],
            ) == (
                client["id"],
                resource["id"],
                consent,
                inputs.get("userObjectId"),
            ):
                raise ProviderError(
                    "Could not create delegated permission grant: "
                    + graph_status(
                        409,
                        "Conflict",
                        "Request_MultipleObjectsWithSameKeyValue",
                        "Permission entry already exists.",
                    )
                )
        grant_id = tenant.new_id(f"grant/{name}")
        tenant.state["oauth2PermissionGrants"][grant_id] = {
            "id": grant_id,
            "clientId": client["id"],
            "resourceId": resource["id"],
            "consentType": consent,
            "principalId": inputs.get("userObjectId"),
            "scope": " ".join(inputs["claimValues"]),
        }
        return f"/oauth2PermissionGrants/{grant_id}", {}


class AppRoleAssignment:
    """TF approleassignments/app_role_assignment_resource.go: every argument forces a new
    resource; the role must be one the resource service principal publishes (Graph,
    "Grant an appRoleAssignment to a service principal")."""

    computed = frozenset({"principalDisplayName", "principalType", "resourceDisplayName"})
    defaults = NO_DEFAULTS

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return (
            check_uuid(inputs, "appRoleId", "app_role_id")
            + check_uuid(inputs, "principalObjectId", "principal_object_id")
            + check_uuid(inputs, "resourceObjectId", "resource_object_id")
        )

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        try:
            require_graph(tenant.caller, ["AppRoleAssignment.ReadWrite.All"])
        except Denied as error:
            raise ProviderError(f"Could not create app role assignment: {error}") from None
        resource = _service_principal(
            tenant, inputs["resourceObjectId"], "Service principal not found for resource"
        )
        principal = _service_principal(tenant, inputs["principalObjectId"], "Service principal")
        if inputs["appRoleId"] not in {r["id"] for r in resource.get("appRoles", [])}:
            raise ProviderError(
                "Could not create app role assignment: "
                + graph_status(
                    400,
                    "Bad Request",
                    "Request_BadRequest",
                    "Permission being assigned was not found on application",
                )
            )
        assignment_id = tenant.new_id(f"appRoleAssignment/{name}")
        tenant.state["appRoleAssignments"][assignment_id] = {
            "id": assignment_id,
            "appRoleId": inputs["appRoleId"],
            "principalId": principal["id"],
            "resourceId": resource["id"],
        }
        return f"/servicePrincipals/{resource['id']}/appRoleAssignedTo/{assignment_id}", {
            "principalDisplayName": principal["displayName"],
            "principalType": "ServicePrincipal",
            "resourceDisplayName": resource["displayName"],
        }


def get_client_config(tenant: Tenant, args: Mapping[str, Any]) -> Inputs:
    """TF serviceprincipals/client_config_data_source.go: the caller's identity."""
    caller = tenant.caller
    return {
        "id": f"{tenant.tenant_id}-{caller['clientId']}-{caller['objectId']}",
        "clientId": caller["clientId"],
        "objectId": caller["objectId"],
        "tenantId": tenant.tenant_id,
    }


# What the bridge makes of the data source's "no service principal found" diagnostic
# (TF service_principal_data_source.go:351-353; BR provider.go:1990-1992).
NO_SERVICE_PRINCIPAL = (
    f"invoking {types.GET_SERVICE_PRINCIPAL}: 1 error occurred:\n"
    "\t* No service principal found: no service principal found\n\n"
)


def get_service_principal(tenant: Tenant, args: Mapping[str, Any]) -> Inputs:
    """TF serviceprincipals/service_principal_data_source.go: exactly one of client ID,
    display name or object ID."""
    given = [key for key in ("clientId", "displayName", "objectId") if args.get(key)]
    if len(given) != 1:
        raise ProviderError(
            '"client_id": one of `client_id,display_name,object_id` must be specified'
        )
    try:
        require_directory_read(tenant.caller)
    except Denied as error:
        raise ProviderError(f"invoking {types.GET_SERVICE_PRINCIPAL}: {error}") from None
    key, value = given[0], str(args[given[0]])
    field = {"clientId": "appId", "displayName": "displayName", "objectId": "id"}[key]
    for sp in tenant.state["servicePrincipals"].values():
        if str(sp[field]).lower() == value.lower():
            return {"id": f"/servicePrincipals/{sp['id']}", **_sp_wire(tenant, sp)}
    if key == "objectId":
        raise ProviderError(
            f'[object_id] Service Principal (Service Principal: "{value}") was not found'
        )
    raise ProviderError(NO_SERVICE_PRINCIPAL)

"""The portal's "Expose an API" and "App roles" blades, and claims mapping policies: the azuread
resources a SMART resource application is made of.

Each class is one resource type of pulumi-azuread 6.11.1, written from terraform-provider-azuread
v3.9.0 (``TF internal/services/<dir>/<file>``, cited per class): what the provider sends to
Graph on create, update and delete. What Graph then accepts or refuses is the Graph fake's own
rules (``testbed.graphapi.permissions``, cited there), applied by the ``graph_*`` functions, so
that the provider's own handling (it disables a scope before it removes it) is what makes a
removal pass, as it is against the real service. This face serves the mock runtime; under the
engine the real provider talks to ``testbed.graphapi``. The program's validation is never
imported here.
"""

from __future__ import annotations

import base64
import copy
import re
from typing import TYPE_CHECKING, Any

from testbed.entra import existing, writable
from testbed.graph import check_application_id, check_uuid, graph_status, import_error
from testbed.graphapi.odata import GraphError
from testbed.graphapi.permissions import DEFAULT_DOMAINS, check_identifier_uris, check_permissions
from testbed.resource_handler import CheckFailure, Inputs, ProviderError
from testbed.rights import Denied, require_app_write, require_graph

if TYPE_CHECKING:
    from testbed.tenant import Tenant

NO_DEFAULTS: dict[str, Any] = {}


def graph_writes(tenant: Tenant) -> list[dict[str, Any]]:
    """Every PATCH of an application's permissions, in order, for tests to read."""
    writes: list[dict[str, Any]] = tenant.state.setdefault("graphWrites", [])
    return writes


def _api(app: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = app.setdefault("api", {})
    api.setdefault("oauth2PermissionScopes", [])
    api.setdefault("acceptMappedClaims", None)
    return api


def _mirror_to_service_principals(tenant: Tenant, app: dict[str, Any]) -> None:
    """A service principal in the application's home tenant shows the application's scopes
    and app roles (Graph servicePrincipal: appRoles, oauth2PermissionScopes)."""
    for sp in tenant.state["servicePrincipals"].values():
        if sp["appId"] == app["appId"]:
            sp["oauth2PermissionScopes"] = [
                copy.deepcopy(s) for s in _api(app)["oauth2PermissionScopes"] if s["isEnabled"]
            ]
            sp["appRoles"] = [copy.deepcopy(r) for r in app.get("appRoles", []) if r["isEnabled"]]


# -- Graph -----------------------------------------------------------------------------------


def _provider_error(error: GraphError) -> ProviderError:
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found"}.get(error.status, "Error")
    return ProviderError(graph_status(error.status, reason, error.code, error.message))


def graph_patch_permissions(
    tenant: Tenant, app: dict[str, Any], kind: str, new: list[dict[str, Any]]
) -> None:
    """PATCH an application's ``api.oauth2PermissionScopes`` (kind "scopes") or ``appRoles``
    (kind "roles") with a whole new list, under Graph's rule for enabled permissions
    (testbed.graphapi.permissions, where it is cited)."""
    current = (
        _api(app)["oauth2PermissionScopes"] if kind == "scopes" else app.setdefault("appRoles", [])
    )
    try:
        check_permissions(current, new)
    except GraphError as error:
        raise _provider_error(error) from None
    graph_writes(tenant).append(
        {
            "application": app["id"],
            "property": "api.oauth2PermissionScopes" if kind == "scopes" else "appRoles",
            "permissions": [{"value": p["value"], "isEnabled": p["isEnabled"]} for p in new],
        }
    )
    if kind == "scopes":
        _api(app)["oauth2PermissionScopes"] = copy.deepcopy(new)
    else:
        app["appRoles"] = copy.deepcopy(new)
    _mirror_to_service_principals(tenant, app)


def graph_add_identifier_uri(tenant: Tenant, app: dict[str, Any], uri: str) -> None:
    """Graph's rules for a new identifierUris value (testbed.graphapi.permissions)."""
    tenant.state.setdefault("verifiedDomains", list(DEFAULT_DOMAINS))
    try:
        check_identifier_uris(tenant.state, app, [uri])
    except GraphError as error:
        raise _provider_error(error) from None
    app.setdefault("identifierUris", []).append(uri)


# -- the provider ----------------------------------------------------------------------------


class IdentifierUri:
    """TF applications/application_identifier_uri_resource.go: the ID carries the URI in
    base64 (StdEncoding); create refuses a URI the application has (requires import);
    delete patches the list without it."""

    computed: frozenset[str] = frozenset()
    defaults = NO_DEFAULTS

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return check_application_id(inputs)

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        object_id, app = existing(tenant, inputs["applicationId"], "retrieving Application")
        uri = str(inputs["identifierUri"])
        resource_id = (
            f"/applications/{object_id}/identifierUris/{base64.b64encode(uri.encode()).decode()}"
        )
        if uri in app.setdefault("identifierUris", []):
            raise ProviderError(import_error(resource_id, "azuread_application_identifier_uri"))
        writable(tenant, app, f"creating {resource_id}")
        graph_add_identifier_uri(tenant, app, uri)
        return resource_id, {}


class _Permissions:
    """What ApplicationPermissionScope and ApplicationAppRole share (TF applications.go,
    applicationDisableOauth2PermissionScopes and applicationDisableAppRoles): create appends an
    enabled permission and refuses an ID the application has; update and delete first PATCH
    the current list with the changed or removed permission disabled, then the new list."""

    kind = ""
    id_key = ""
    segment = ""
    tf_type = ""
    computed: frozenset[str] = frozenset()
    defaults: dict[str, Any] = NO_DEFAULTS

    def permission(self, inputs: Inputs) -> dict[str, Any]:
        raise NotImplementedError

    def fields(self, permission: dict[str, Any]) -> Inputs:
        raise NotImplementedError

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return check_application_id(inputs) + check_uuid(inputs, self.id_key, self.tf_key)

    @property
    def tf_key(self) -> str:
        return re.sub(r"(?<!^)([A-Z])", r"_\1", self.id_key).lower()

    def _current(self, app: dict[str, Any]) -> list[dict[str, Any]]:
        return list(
            _api(app)["oauth2PermissionScopes"]
            if self.kind == "scopes"
            else app.setdefault("appRoles", [])
        )

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        object_id, app = existing(tenant, inputs["applicationId"], "retrieving Application")
        permission = self.permission(inputs)
        resource_id = f"/applications/{object_id}/{self.segment}/{permission['id']}"
        current = self._current(app)
        if any(p["id"].lower() == permission["id"].lower() for p in current):
            raise ProviderError(import_error(resource_id, self.tf_type))
        writable(tenant, app, f"creating {resource_id}")
        graph_patch_permissions(tenant, app, self.kind, [*current, permission])
        return resource_id, {}


class PermissionScope(_Permissions):
    """TF applications/application_permission_scope_resource.go; `type` defaults to User."""

    kind, id_key, segment = "scopes", "scopeId", "permissionScopes"
    tf_type = "azuread_application_permission_scope"
    defaults = {"type": "User"}

    def permission(self, inputs: Inputs) -> dict[str, Any]:
        return {
            "id": str(inputs["scopeId"]),
            "isEnabled": True,
            "value": inputs["value"],
            "type": inputs.get("type", "User"),
            "adminConsentDisplayName": inputs["adminConsentDisplayName"],
            "adminConsentDescription": inputs["adminConsentDescription"],
            "userConsentDisplayName": inputs.get("userConsentDisplayName"),
            "userConsentDescription": inputs.get("userConsentDescription"),
        }

    def fields(self, permission: dict[str, Any]) -> Inputs:
        return {
            "scopeId": permission["id"],
            "value": permission["value"],
            "type": permission["type"],
            "adminConsentDisplayName": permission["adminConsentDisplayName"],
            "adminConsentDescription": permission["adminConsentDescription"],
            "userConsentDisplayName": permission.get("userConsentDisplayName") or "",
            "userConsentDescription": permission.get("userConsentDescription") or "",
        }


class AppRole(_Permissions):
    """TF applications/application_app_role_resource.go."""

    kind, id_key, segment = "roles", "roleId", "appRoles"
    tf_type = "azuread_application_app_role"

    def permission(self, inputs: Inputs) -> dict[str, Any]:
        return {
            "id": str(inputs["roleId"]),
            "isEnabled": True,
            "value": inputs.get("value"),
            "allowedMemberTypes": sorted(inputs["allowedMemberTypes"]),
            "displayName": inputs["displayName"],
            "description": inputs["description"],
        }

    def fields(self, permission: dict[str, Any]) -> Inputs:
        return {
            "roleId": permission["id"],
            "value": permission["value"] or "",
            "allowedMemberTypes": list(permission["allowedMemberTypes"]),
            "displayName": permission["displayName"],
            "description": permission["description"],
        }


def _policy_rights(tenant: Tenant, what: str) -> None:
    """Graph "Create claimsMappingPolicy": Policy.ReadWrite.ApplicationConfiguration
    (microsoft-graph-docs-contrib api-reference/v1.0/api/claimsmappingpolicy-post-
    claimsmappingpolicies.md)."""
    try:
        require_graph(tenant.caller, ["Policy.ReadWrite.ApplicationConfiguration"])
    except Denied as error:
        raise ProviderError(f"{what}: {error}") from None


class ClaimsMappingPolicy:
    """TF policies/claims_mapping_policy_resource.go: definition and display_name update in
    place; the ID is /policies/claimsMappingPolicies/{id} (go-azure-sdk
    id_policyclaimsmappingpolicy.go)."""

    computed: frozenset[str] = frozenset()
    defaults = NO_DEFAULTS

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        failures = []
        if not inputs.get("displayName"):
            failures.append(
                CheckFailure("displayName", 'expected "display_name" to not be an empty string')
            )
        # Present is enough here: in a preview an element may be unknown, and the bridge
        # skips validators for unknowns (testbed.tenant.Tenant.check drops them).
        if inputs.get("definitions") is None:
            failures.append(CheckFailure("definitions", 'The argument "definition" is required'))
        return failures

    @staticmethod
    def _policies(tenant: Tenant) -> dict[str, Any]:
        policies: dict[str, Any] = tenant.state.setdefault("claimsMappingPolicies", {})
        return policies

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        _policy_rights(tenant, "Could not create Claims Mapping Policy")
        policy_id = tenant.new_id(f"claimsMappingPolicy/{name}")
        self._policies(tenant)[policy_id] = {
            "id": policy_id,
            "displayName": inputs["displayName"],
            "definition": list(inputs["definitions"]),
        }
        return f"/policies/claimsMappingPolicies/{policy_id}", {}


class ClaimsMappingAssignment:
    """TF serviceprincipals/service_principal_claims_mapping_policy_assignment_resource.go:
    addClaimsMappingPolicyRef; the ID is /servicePrincipals/{sp}/claimsMappingPolicies/{policy}.
    Graph "Assign claimsMappingPolicy" (serviceprincipal-post-claimsmappingpolicies.md):
    Policy.Read.All or Policy.ReadWrite.ApplicationConfiguration, with Application.ReadWrite.
    OwnedBy (on an owned service principal) or Application.ReadWrite.All."""

    computed: frozenset[str] = frozenset()
    defaults = NO_DEFAULTS

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return []

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        sp_id = str(inputs["servicePrincipalId"]).removeprefix("/servicePrincipals/")
        policy_id = str(inputs["claimsMappingPolicyId"]).rpartition("/")[2]
        sp = tenant.state["servicePrincipals"].get(sp_id)
        what = f"Creating ClaimsMappingPolicyAssignment for Service Principal (Id: {sp_id!r})"
        if sp is None or policy_id not in tenant.state.get("claimsMappingPolicies", {}):
            raise ProviderError(
                f"{what}: "
                + graph_status(
                    404, "Not Found", "Request_ResourceNotFound", "Resource does not exist."
                )
            )
        try:
            require_graph(
                tenant.caller, ["Policy.Read.All"], ["Policy.ReadWrite.ApplicationConfiguration"]
            )
            require_app_write(tenant.caller, sp["owners"])
        except Denied as error:
            raise ProviderError(f"{what}: {error}") from None
        assigned = sp.setdefault("claimsMappingPolicies", [])
        if policy_id not in assigned:
            assigned.append(policy_id)
        return f"/servicePrincipals/{sp_id}/claimsMappingPolicies/{policy_id}", {}

"""Entra ID application objects and the azuread resources that set them up.

Each class is one resource type of pulumi-azuread 6.11.1, written from its source in
terraform-provider-azuread v3.9.0 (``TF internal/services/applications/<file>``, cited per
class) and from Microsoft Graph's documented behaviour. The program's own validation is
never imported or restated here.

Longer than 400 lines: one class per azuread resource that acts on the application object,
kept together because they share that object's state and Graph's rules for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from testbed.graph import (
    application,
    check_application_id,
    check_uuid,
    denied,
    graph_status,
    import_error,
    redirect_uri_problem,
    typed,
)
from testbed.redirect_restrictions import refuse_redirect_uris
from testbed.resource_handler import CheckFailure, Inputs, ProviderError
from testbed.rights import Denied, require_app_write, require_graph, require_owner_add

if TYPE_CHECKING:
    from testbed.tenant import Tenant

NO_DEFAULTS: dict[str, Any] = {}


def writable(tenant: Tenant, app: dict[str, Any], what: str) -> None:
    try:
        require_app_write(tenant.caller, app["owners"])
    except Denied as error:
        raise denied(what, error) from None


def existing(tenant: Tenant, application_id: Any, what: str) -> tuple[str, dict[str, Any]]:
    object_id, app = application(tenant, application_id)
    if app is None:
        raise ProviderError(
            f'{what}: Application (Application: "{object_id}") was not found: '
            + graph_status(404, "Not Found", "Request_ResourceNotFound", "Resource does not exist.")
        )
    return object_id, app


class ApplicationRegistration:
    """TF application_registration_resource.go: nothing forces a replacement."""

    computed = frozenset({"clientId", "objectId", "disabledByMicrosoft", "publisherDomain"})
    # Non-empty schema defaults the bridge writes into checked inputs (BR schema.go).
    defaults = {"signInAudience": "AzureADMyOrg", "requestedAccessTokenVersion": 2}
    AUDIENCES = (
        "AzureADMyOrg",
        "AzureADMultipleOrgs",
        "AzureADandPersonalMicrosoftAccount",
        "PersonalMicrosoftAccount",
    )

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        failures = []
        if not inputs.get("displayName"):
            failures.append(
                CheckFailure(
                    "displayName",
                    f'expected "display_name" to not be an empty string, got {inputs.get("displayName", "")}',
                )
            )
        if len(str(inputs.get("description") or "")) > 1024:
            failures.append(
                CheckFailure(
                    "description",
                    f"expected length of description to be in the range (0 - 1024), got {inputs['description']}",
                )
            )
        if inputs.get("signInAudience") not in self.AUDIENCES:
            failures.append(
                CheckFailure(
                    "signInAudience",
                    f"expected sign_in_audience to be one of {list(self.AUDIENCES)}, got {inputs.get('signInAudience')}",
                )
            )
        return failures

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        try:
            require_graph(
                tenant.caller, ["Application.ReadWrite.OwnedBy"], ["Application.ReadWrite.All"]
            )
        except Denied as error:
            raise ProviderError(typed(f"creating application: {error}")) from None
        object_id = tenant.new_id(f"application/{name}")
        client_id = tenant.new_id(f"client/{name}")
        tenant.state["applications"][object_id] = {
            "id": object_id,
            "appId": client_id,
            "displayName": inputs["displayName"],
            "description": inputs.get("description"),
            "notes": inputs.get("notes"),
            "signInAudience": inputs["signInAudience"],
            "requestedAccessTokenVersion": inputs.get("requestedAccessTokenVersion", 2),
            "implicitAccessTokenIssuanceEnabled": bool(
                inputs.get("implicitAccessTokenIssuanceEnabled")
            ),
            "implicitIdTokenIssuanceEnabled": bool(inputs.get("implicitIdTokenIssuanceEnabled")),
            # Graph makes the identity that creates an application its owner
            # (msgraph-sdk-powershell #829; terraform-provider-azuread #1367, #1718).
            "owners": [tenant.caller["objectId"]],
            "isFallbackPublicClient": None,
            "redirectUris": {"PublicClient": [], "Web": [], "SPA": []},
            "passwordCredentials": [],
            "keyCredentials": [],
            "federatedIdentityCredentials": [],
            "requiredResourceAccess": [],
            "identifierUris": [],
            "api": {"oauth2PermissionScopes": [], "acceptMappedClaims": None},
            "appRoles": [],
        }
        return f"/applications/{object_id}", self._computed(tenant, object_id)

    def _computed(self, tenant: Tenant, object_id: str) -> Inputs:
        app = tenant.state["applications"][object_id]
        return {
            "objectId": object_id,
            "clientId": app["appId"],
            "disabledByMicrosoft": "",
            "publisherDomain": "contoso.onmicrosoft.com",
        }

    FIELDS = (
        "displayName",
        "description",
        "notes",
        "signInAudience",
        "requestedAccessTokenVersion",
        "implicitAccessTokenIssuanceEnabled",
        "implicitIdTokenIssuanceEnabled",
    )


class ApplicationOwner:
    """TF application_owner_resource.go: create fails when the owner is already there."""

    computed: frozenset[str] = frozenset()
    defaults = NO_DEFAULTS

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return check_application_id(inputs) + check_uuid(inputs, "ownerObjectId", "owner_object_id")

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        object_id, app = existing(tenant, inputs["applicationId"], "adding owner")
        owner = str(inputs["ownerObjectId"]).lower()
        resource_id = f"/applications/{object_id}/owners/{owner}"
        if owner in app["owners"]:
            raise ProviderError(typed(import_error(resource_id, "azuread_application_owner")))
        try:
            require_owner_add(tenant.caller, app["owners"])
        except Denied as error:
            raise ProviderError(typed(f"adding {owner}: {error}")) from None
        app["owners"].append(owner)
        return resource_id, {}


class FallbackPublicClient:
    """TF application_fallback_public_client_resource.go: one ID per application whatever
    ``enabled`` is; create sets the flag with no existence check; delete sets it to null;
    a null flag reads as gone."""

    computed: frozenset[str] = frozenset()
    defaults = NO_DEFAULTS  # `enabled: false` is a falsy default the bridge leaves out

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return check_application_id(inputs)

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        object_id, app = existing(tenant, inputs["applicationId"], "setting Fallback Public Client")
        writable(tenant, app, typed("setting Fallback Public Client"))
        app["isFallbackPublicClient"] = bool(inputs.get("enabled", False))
        return f"/applications/{object_id}/fallbackPublicClient", {}


class RedirectUris:
    """TF application_redirect_uris_resource.go: one resource per platform type; create
    refuses a type that already has URIs; delete empties the list; an empty list is gone.
    Check is the provider's (uri.go); create and update are refused as Graph refuses the
    write (``testbed.redirect_restrictions``)."""

    computed: frozenset[str] = frozenset()
    defaults = NO_DEFAULTS
    TYPES = ("PublicClient", "SPA", "Web")

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        failures = check_application_id(inputs)
        kind = inputs.get("type")
        if kind not in self.TYPES:
            failures.append(
                CheckFailure("type", f"expected type to be one of {list(self.TYPES)}, got {kind}")
            )
        for index, uri in enumerate(inputs.get("redirectUris") or []):
            problem = redirect_uri_problem(str(uri))
            if problem:
                failures.append(
                    CheckFailure(f"redirectUris[{index}]", f'{problem} for "redirect_uris"')
                )
        return failures

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        object_id, app = existing(tenant, inputs["applicationId"], "retrieving Application")
        kind = inputs["type"]
        resource_id = f"/applications/{object_id}/redirectUris/{kind}"
        if app["redirectUris"][kind]:
            raise ProviderError(
                typed(import_error(resource_id, "azuread_application_redirect_uris"))
            )
        writable(tenant, app, typed(f"setting {resource_id}"))
        refuse_redirect_uris(app, kind, inputs["redirectUris"])
        app["redirectUris"][kind] = sorted(set(inputs["redirectUris"]))
        return resource_id, {}


def get_application(tenant: Tenant, args: Mapping[str, Any]) -> Inputs:
    """TF applications/application_data_source.go: by object ID, client ID or display name;
    Graph's nulls read as zero values (GetOrZero); the owners are listed."""
    given = [key for key in ("objectId", "clientId", "displayName") if args.get(key)]
    if len(given) != 1:
        raise ProviderError(
            "One of `object_id`, `client_id`, `displayName`, or `identifier_uri` must be specified"
        )
    key, value = given[0], str(args[given[0]])
    field = {"objectId": "id", "clientId": "appId", "displayName": "displayName"}[key]
    found = [
        a for a in tenant.state["applications"].values() if str(a[field]).lower() == value.lower()
    ]
    if not found:
        if key == "objectId":
            raise ProviderError(f'[object_id] Application with object ID "{value}" was not found')
        raise ProviderError(
            f"Application not found: no applications found matching filter: {value!r}"
        )
    app = found[0]
    uris = app["redirectUris"]
    return {
        "id": app["id"],
        "objectId": app["id"],
        "clientId": app["appId"],
        "displayName": app["displayName"],
        "description": app.get("description") or "",
        "notes": app.get("notes") or "",
        "signInAudience": app["signInAudience"],
        "fallbackPublicClientEnabled": bool(app["isFallbackPublicClient"]),
        "owners": list(app["owners"]),
        "publicClients": [{"redirectUris": list(uris["PublicClient"])}],
        "singlePageApplications": [{"redirectUris": list(uris["SPA"])}],
        "webs": [
            {
                "homepageUrl": "",
                "logoutUrl": "",
                "redirectUris": list(uris["Web"]),
                "implicitGrants": [
                    {
                        "accessTokenIssuanceEnabled": bool(
                            app["implicitAccessTokenIssuanceEnabled"]
                        ),
                        "idTokenIssuanceEnabled": bool(app["implicitIdTokenIssuanceEnabled"]),
                    }
                ],
            }
        ],
        "requiredResourceAccesses": [
            {
                "resourceAppId": entry["resourceAppId"],
                "resourceAccesses": [dict(a) for a in entry["resourceAccess"]],
            }
            for entry in app["requiredResourceAccess"]
        ],
        "apis": [],
        "appRoleIds": {},
        "appRoles": [],
        "deviceOnlyAuthEnabled": False,
        "disabledByMicrosoft": "",
        "featureTags": [],
        "groupMembershipClaims": [],
        "identifierUri": "",
        "identifierUris": [],
        "logoUrl": "",
        "marketingUrl": "",
        "oauth2PermissionScopeIds": {},
        "oauth2PostResponseRequired": False,
        "optionalClaims": [],
        "privacyStatementUrl": "",
        "publisherDomain": "contoso.onmicrosoft.com",
        "serviceManagementReference": "",
        "supportUrl": "",
        "tags": [],
        "termsOfServiceUrl": "",
    }

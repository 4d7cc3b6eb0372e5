"""Entra's directory behind Graph v1.0 and beta: applications and what hangs off them,
service principals, delegated grants and app role assignments.

The state is the testbed's tenant JSON (``testbed.tenant.new_state``): applications keyed by
object ID, with redirect URIs per platform (``PublicClient``, ``Web``, ``SPA``) and the flags
the program sets in their own keys; every other Graph property of an application is kept as
Graph names it. The wire format is Graph's own (learn.microsoft.com/graph/api/resources/
application, .../serviceprincipal, .../oauth2permissiongrant, .../approleassignment).

Rules, each from Graph's documentation or, where Graph's documentation is silent, from a
reported service answer (cited):

- The identity that creates an application becomes its owner (msgraph-sdk-powershell #829;
  terraform-provider-azuread #1367, #1718).
- ``owners@odata.bind`` on create and ``owners/$ref`` add owners; an object already among them
  is refused with 400 "One or more added object references already exist" ("Add owner",
  learn.microsoft.com/graph/api/application-post-owners).
- Rights: ``Application.ReadWrite.OwnedBy`` manages only applications and service principals
  the caller owns; adding an owner also needs ``Directory.Read.All`` (testbed.rights, with its
  sources); grants need ``DelegatedPermissionGrant.ReadWrite.All`` and assignments
  ``AppRoleAssignment.ReadWrite.All`` (learn.microsoft.com/graph/permissions-reference).
- Passwords come only from ``addPassword``, whose answer is the only one that carries
  ``secretText``; ``endDateTime`` defaults to two years after ``startDateTime``; an end before
  the start or in the past is refused ("addPassword" and passwordCredential pages;
  KeyCredentialsInvalidEndDate, terraform-provider-azuread #1671). An app management policy
  (``state["appManagementPolicy"]["passwordLifetimeDays"]``) refuses longer lifetimes
  (learn.microsoft.com/graph/api/resources/appmanagementpolicy, passwordLifetime restriction).
- A federated identity credential's issuer and subject pair is unique per application, and so
  is its name (federatedIdentityCredential resource page; 400
  InvalidFederatedIdentityCredentialValue, Azure/azure-workload-identity #434); at most 20 per
  application.
- Redirect URIs are distinct across an application's platforms (MicrosoftDocs/azure-docs
  #89929) and at most 256 characters each ("Redirect URI (reply URL) outline and
  restrictions", learn.microsoft.com/entra/identity-platform/reply-url); the same page's
  scheme and character restrictions are ``testbed.redirect_restrictions``.
- A service principal needs an application with that ``appId`` (400 "does not reference a
  valid application object"), and an application has at most one.
- One delegated grant per client, resource, consent type and principal (409, terraform-provider-
  azuread #690); an app role assignment names a role the resource publishes (400 "Permission
  being assigned was not found on application"), once (409 "Permission being assigned already
  exists on the object").

Longer than 400 lines: one route table per Graph collection, kept in one module because they
share the directory's objects and Graph's rules for them; each route is a branch per method,
which is why the dispatchers carry ruff's complexity exemptions (pyproject.toml).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from testbed.credentials import secret_value
from testbed.graph import parse_rfc3339
from testbed.graphapi import permissions, policies
from testbed.graphapi.odata import (
    GraphError,
    bad_request,
    collection,
    matches,
    not_found,
    parse_filter,
    select,
    timestamp,
)
from testbed.redirect_restrictions import GRAPH_PROPERTY, entra_redirect_uri_problem
from testbed.rights import (
    Denied,
    require_app_write,
    require_directory_read,
    require_graph,
    require_owner_add,
)
from testbed.tenant import Tenant

PLATFORMS = {"publicClient": "PublicClient", "web": "Web", "spa": "SPA"}
MAX_FEDERATED_CREDENTIALS = 20
MAX_REDIRECT_URI_LENGTH = 256
PUBLISHER_DOMAIN = "contoso.onmicrosoft.com"
# The store's own keys for an application; every other key is a Graph property as it is.
_STORE_KEYS = {
    "id",
    "appId",
    "owners",
    "redirectUris",
    "passwordCredentials",
    "keyCredentials",
    "federatedIdentityCredentials",
    "requestedAccessTokenVersion",
    "implicitAccessTokenIssuanceEnabled",
    "implicitIdTokenIssuanceEnabled",
    "web",
    "api",
    "createdDateTime",
}


class Request:
    """One Graph request, as the route handlers need it."""

    def __init__(
        self,
        method: str,
        segments: list[str],
        query: dict[str, str],
        body: dict[str, Any],
        base: str,
    ) -> None:
        self.method = method
        self.segments = segments
        self.query = query
        self.body = body
        self.base = base


Reply = tuple[int, dict[str, Any] | None]
Change = tuple[str, str, str, str]  # operation, entity type, display name, object ID


class Directory:
    """Graph's answers on one tenant state; ``changes`` lists what a request wrote."""

    def __init__(self, tenant: Tenant, born: Callable[[str, bool], bool]) -> None:
        self.tenant = tenant
        self.state = tenant.state
        # Whether an object was created too recently for this request to find it (eventual
        # consistency); ``direct``: a request that addresses the object by its own ID.
        self.replicating = born
        self.changes: list[Change] = []

    # -- dispatch -----------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        segments, method = request.segments, request.method
        head = segments[0] if segments else ""
        if head == "applications":
            return self._applications(request, segments[1:])
        if head.startswith("applications("):
            return self._applications(request, [self._by_app_id(head), *segments[1:]])
        if head == "servicePrincipals":
            return self._service_principals(request, segments[1:])
        if head == "oauth2PermissionGrants":
            return self._grants(request, segments[1:])
        if head == "policies":
            return policies.route(self, request, segments[1:])
        if head == "directoryObjects" and len(segments) == 2 and method == "GET":
            return 200, self._directory_object(request, segments[1])
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{head}'.")

    def _by_app_id(self, segment: str) -> str:
        match = re.fullmatch(r"applications\(appId='([^']+)'\)", segment)
        if match is None:
            raise GraphError(400, "BadRequest", f"Bad request syntax: {segment}")
        for app in self.state["applications"].values():
            if app["appId"].lower() == match[1].lower():
                return str(app["id"])
        raise not_found(match[1])

    def deny(self, check: Callable[[], None]) -> None:
        """Graph's 403 when the caller lacks the rights ``check`` demands."""
        self._deny(check)

    def _published(self, sp: dict[str, Any], key: str) -> list[dict[str, Any]]:
        """A service principal shows its home-tenant application's enabled scopes and app
        roles (Graph servicePrincipal: oauth2PermissionScopes, appRoles); first-party APIs'
        principals keep their own."""
        app = next(
            (a for a in self.state["applications"].values() if a["appId"] == sp["appId"]), None
        )
        if app is None:
            return list(sp.get(key) or [])
        source = (
            (app.get("api") or {}).get(key) if key == "oauth2PermissionScopes" else app.get(key)
        )
        return [p for p in source or [] if p.get("isEnabled", True)]

    def _deny(self, check: Callable[[], None]) -> None:
        try:
            check()
        except Denied:
            raise GraphError(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ) from None

    # -- applications ---------------------------------------------------------------------

    def _application(self, object_id: str, *, direct: bool = False) -> dict[str, Any]:
        app = self.state["applications"].get(object_id)
        if app is None or self.replicating(object_id, direct):
            raise not_found(object_id)
        return cast(dict[str, Any], app)

    def _applications(self, request: Request, rest: list[str]) -> Reply:
        caller = self.tenant.caller
        method = request.method
        if not rest:
            if method == "POST":
                return 201, self._create_application(request)
            if method == "GET":
                self._deny(lambda: require_directory_read(caller))
                clauses = parse_filter(request.query.get("$filter"))
                found = [
                    select(self._app_wire(a, request.base), request.query.get("$select"))
                    for a in self.state["applications"].values()
                    if not self.replicating(a["id"], False)
                    and matches(self._app_wire(a, ""), clauses)
                ]
                return 200, collection(request.base, found, "applications")
        object_id, sub = rest[0], rest[1:]
        app = self._application(object_id, direct=True)
        if not sub:
            if method == "GET":
                wire = self._app_wire(app, request.base)
                return 200, select(wire, request.query.get("$select"))
            if method == "PATCH":
                self._deny(lambda: require_app_write(caller, app["owners"]))
                self._patch_application(app, request.body)
                self.changes.append(("update", "application", app["displayName"], object_id))
                return 204, None
            if method == "DELETE":
                self._deny(lambda: require_app_write(caller, app["owners"]))
                del self.state["applications"][object_id]
                self.changes.append(("delete", "application", app["displayName"], object_id))
                return 204, None
        action = sub[0]
        if action == "owners":
            return self._owners(request, app, sub[1:], "application")
        if action == "addPassword" and method == "POST":
            self._deny(lambda: require_app_write(caller, app["owners"]))
            return 200, self._add_password(app, request.body.get("passwordCredential") or {})
        if action == "removePassword" and method == "POST":
            self._deny(lambda: require_app_write(caller, app["owners"]))
            return self._remove_password(app, str(request.body.get("keyId", "")))
        if action == "federatedIdentityCredentials":
            return self._federated(request, app, sub[1:])
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{action}'.")

    def _create_application(self, request: Request) -> dict[str, Any]:
        caller = self.tenant.caller
        self._deny(
            lambda: require_graph(
                caller, ["Application.ReadWrite.OwnedBy"], ["Application.ReadWrite.All"]
            )
        )
        body = dict(request.body)
        name = body.get("displayName")
        if not name:
            raise bad_request("Property displayName is required.", "Request_BadRequest")
        object_id = self.tenant.new_id(f"application/{name}")
        bound = [_bound_id(ref) for ref in body.pop("owners@odata.bind", [])]
        # Graph makes the identity that creates an application its owner (module docstring).
        owners = [caller["objectId"], *[o for o in bound if o != caller["objectId"]]]
        app: dict[str, Any] = {
            "id": object_id,
            "appId": self.tenant.new_id(f"client/{name}"),
            "displayName": name,
            "signInAudience": "AzureADMyOrg",
            "createdDateTime": timestamp(self.tenant.now()),
            "owners": owners,
            "isFallbackPublicClient": None,
            "redirectUris": {"PublicClient": [], "Web": [], "SPA": []},
            "passwordCredentials": [],
            "keyCredentials": [],
            "federatedIdentityCredentials": [],
            "requiredResourceAccess": [],
            "requestedAccessTokenVersion": None,
            "implicitAccessTokenIssuanceEnabled": False,
            "implicitIdTokenIssuanceEnabled": False,
        }
        self._patch_application(app, body)
        self.state["applications"][object_id] = app
        self.changes.append(("create", "application", name, object_id))
        return self._app_wire(app, request.base)

    def _patch_application(self, app: dict[str, Any], body: dict[str, Any]) -> None:
        body = dict(body)
        for wire_name, kind in PLATFORMS.items():
            platform = body.pop(wire_name, None)
            if platform is None:
                continue
            if "redirectUris" in platform:
                uris = [str(u) for u in platform.get("redirectUris") or []]
                self._check_redirect_uris(app, kind, uris)
                app["redirectUris"][kind] = uris
            if wire_name == "web":
                implicit = platform.get("implicitGrantSettings") or {}
                if "enableAccessTokenIssuance" in implicit:
                    app["implicitAccessTokenIssuanceEnabled"] = bool(
                        implicit["enableAccessTokenIssuance"]
                    )
                if "enableIdTokenIssuance" in implicit:
                    app["implicitIdTokenIssuanceEnabled"] = bool(implicit["enableIdTokenIssuance"])
                extra = {
                    k: v
                    for k, v in platform.items()
                    if k not in {"redirectUris", "implicitGrantSettings"}
                }
                app["web"] = {**app.get("web", {}), **extra}
        api = body.pop("api", None)
        if api is not None:
            if "requestedAccessTokenVersion" in api:
                app["requestedAccessTokenVersion"] = api["requestedAccessTokenVersion"]
            rest = {k: v for k, v in api.items() if k != "requestedAccessTokenVersion"}
            if "oauth2PermissionScopes" in rest:
                current = (app.get("api") or {}).get("oauth2PermissionScopes") or []
                permissions.check_permissions(current, rest["oauth2PermissionScopes"] or [])
            app["api"] = {**app.get("api", {}), **rest}
        if "appRoles" in body:
            permissions.check_permissions(app.get("appRoles") or [], body["appRoles"] or [])
        if "identifierUris" in body:
            permissions.check_identifier_uris(self.state, app, body["identifierUris"] or [])
        if "keyCredentials" in body:
            app["keyCredentials"] = [
                self._key_credential(k, app) for k in body.pop("keyCredentials")
            ]
        if "passwordCredentials" in body:
            # Passwords change through addPassword and removePassword only ("Update application").
            raise bad_request(
                "Property 'passwordCredentials' cannot be updated; use addPassword.",
                "Request_BadRequest",
            )
        for key, value in body.items():
            if key in {"id", "appId"}:
                # The SDK's models send the object's own ID back; only a different one is a change.
                if value is not None and str(value).lower() != str(app.get(key, value)).lower():
                    raise bad_request(f"Property '{key}' is read-only and cannot be set.")
                continue
            if key not in _STORE_KEYS and not key.startswith("@odata"):
                app[key] = value

    def _check_redirect_uris(self, app: dict[str, Any], kind: str, uris: list[str]) -> None:
        for uri in uris:
            # Entra's documented restrictions, and Graph's wording (testbed.redirect_restrictions).
            if entra_redirect_uri_problem(uri, kind) is not None:
                raise bad_request(
                    f"Invalid value specified for property '{GRAPH_PROPERTY[kind]}' of resource "
                    "'Application'.",
                    "Request_BadRequest",
                )
            if len(uri) > MAX_REDIRECT_URI_LENGTH:
                raise bad_request(
                    f"Redirect URI {uri[:40]}... is longer than {MAX_REDIRECT_URI_LENGTH} characters.",
                    "Request_BadRequest",
                )
        for other, listed in app["redirectUris"].items():
            shared = sorted(set(uris) & set(listed)) if other != kind else []
            if shared:
                raise bad_request(
                    f"Redirect URIs must have distinct values: {shared[0]} is also a {other} URI."
                )

    def _key_credential(self, given: dict[str, Any], app: dict[str, Any]) -> dict[str, Any]:
        """A keyCredential as PATCH gives it; Graph keeps the public key, never returns it."""
        key_id = str(given.get("keyId") or self.tenant.new_id(f"key/{app['id']}"))
        known = {k["keyId"]: k for k in app["keyCredentials"]}
        if not given.get("key"):
            if key_id in known:
                return cast(dict[str, Any], known[key_id])
            raise bad_request("Key credential 'key' is required.", "KeyCredentialsInvalidKey")
        return {
            "keyId": key_id,
            "type": given.get("type", "AsymmetricX509Cert"),
            "usage": given.get("usage", "Verify"),
            "displayName": given.get("displayName"),
            "startDateTime": given.get("startDateTime"),
            "endDateTime": given.get("endDateTime"),
            "customKeyIdentifier": given.get("customKeyIdentifier"),
            "key": given["key"],
        }

    def _app_wire(self, app: dict[str, Any], base: str) -> dict[str, Any]:
        graph_properties = {k: v for k, v in app.items() if k not in _STORE_KEYS}
        api = {
            "acceptMappedClaims": None,
            "knownClientApplications": [],
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": [],
            **app.get("api", {}),
            "requestedAccessTokenVersion": app.get("requestedAccessTokenVersion"),
        }
        return {
            "@odata.context": f"{base}/$metadata#applications/$entity",
            "id": app["id"],
            "appId": app["appId"],
            "createdDateTime": app.get("createdDateTime"),
            "publisherDomain": PUBLISHER_DOMAIN,
            "disabledByMicrosoftStatus": None,
            "identifierUris": [],
            "tags": [],
            "appRoles": [],
            "info": {
                "logoUrl": None,
                "marketingUrl": None,
                "privacyStatementUrl": None,
                "supportUrl": None,
                "termsOfServiceUrl": None,
            },
            "optionalClaims": None,
            "groupMembershipClaims": None,
            "serviceManagementReference": None,
            "description": None,
            "notes": None,
            **graph_properties,
            "api": api,
            "publicClient": {"redirectUris": list(app["redirectUris"]["PublicClient"])},
            "spa": {"redirectUris": list(app["redirectUris"]["SPA"])},
            "web": {
                "homePageUrl": None,
                "logoutUrl": None,
                **app.get("web", {}),
                "redirectUris": list(app["redirectUris"]["Web"]),
                "implicitGrantSettings": {
                    "enableAccessTokenIssuance": bool(
                        app.get("implicitAccessTokenIssuanceEnabled")
                    ),
                    "enableIdTokenIssuance": bool(app.get("implicitIdTokenIssuanceEnabled")),
                },
            },
            "keyCredentials": [
                {k: v for k, v in c.items() if k != "key"} | {"key": None}
                for c in app["keyCredentials"]
            ],
            "passwordCredentials": [_password_wire(c) for c in app["passwordCredentials"]],
        }

    # -- passwords ----------------------------------------------------------------------------

    def _add_password(self, app: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
        now = self.tenant.now().replace(microsecond=0)
        start = parse_rfc3339(given["startDateTime"]) if given.get("startDateTime") else now
        end = (
            parse_rfc3339(given["endDateTime"])
            if given.get("endDateTime")
            else start + timedelta(days=730)
        )
        if end <= now or end <= start:
            raise bad_request("Key credential end date is invalid.", "KeyCredentialsInvalidEndDate")
        policy = (self.state.get("appManagementPolicy") or {}).get("passwordLifetimeDays")
        if policy is not None and end - start > timedelta(days=int(policy)):
            raise bad_request(
                "Credential lifetime exceeds the max value allowed as per assigned policy "
                f"(P{int(policy)}D).",
                "CredentialLifetimeExceedsMaxValue",
            )
        # Seeded by the display name too: two passwords added at once get the same IDs each run.
        key_id = self.tenant.new_id(f"password/{app['id']}/{given.get('displayName')}")
        value = secret_value(self.tenant.tenant_id, key_id)
        credential = {
            "keyId": key_id,
            "displayName": given.get("displayName"),
            "startDateTime": timestamp(start),
            "endDateTime": timestamp(end),
            "hint": value[:3],
            "secretSha256": hashlib.sha256(value.encode()).hexdigest(),
        }
        app["passwordCredentials"].append(credential)
        self.changes.append(
            ("create", "passwordCredential", credential["displayName"] or "", key_id)
        )
        return {
            "@odata.type": "#microsoft.graph.passwordCredential",
            **_password_wire(credential),
            "secretText": value,
        }

    def _remove_password(self, app: dict[str, Any], key_id: str) -> Reply:
        held = [c for c in app["passwordCredentials"] if c["keyId"] == key_id]
        if not held:
            raise bad_request(
                f"No password credential found with keyId {key_id}.", "Request_BadRequest"
            )
        app["passwordCredentials"].remove(held[0])
        self.changes.append(("delete", "passwordCredential", held[0]["displayName"] or "", key_id))
        return 204, None

    # -- owners -------------------------------------------------------------------------------

    def _owners(
        self, request: Request, target: dict[str, Any], rest: list[str], kind: str
    ) -> Reply:
        caller = self.tenant.caller
        owners: list[str] = target["owners"]
        if request.method == "GET" and not rest:
            listed = [self._directory_object(request, o) for o in owners]
            return 200, collection(request.base, listed, "directoryObjects")
        if request.method == "POST" and rest == ["$ref"]:
            self._deny(lambda: require_owner_add(caller, owners))
            added = _bound_id(str(request.body.get("@odata.id", "")))
            if added in owners:
                raise bad_request(
                    "One or more added object references already exist for the following "
                    "modified properties: 'owners'.",
                )
            owners.append(added)
            self.changes.append(("create", f"{kind}Owner", added, target["id"]))
            return 204, None
        if request.method == "DELETE" and len(rest) == 2 and rest[1] == "$ref":
            self._deny(lambda: require_app_write(caller, owners))
            if rest[0] not in owners:
                raise not_found(rest[0])
            owners.remove(rest[0])
            self.changes.append(("delete", f"{kind}Owner", rest[0], target["id"]))
            return 204, None
        raise GraphError(405, "Request_BadRequest", "Method not allowed on owners.")

    def _directory_object(self, request: Request, object_id: str) -> dict[str, Any]:
        sp = self.state["servicePrincipals"].get(object_id)
        if sp is not None:
            return {
                "@odata.type": "#microsoft.graph.servicePrincipal",
                "id": object_id,
                "appId": sp["appId"],
                "displayName": sp["displayName"],
            }
        if object_id == self.tenant.caller["objectId"]:
            return {
                "@odata.type": "#microsoft.graph.servicePrincipal",
                "id": object_id,
                "appId": self.tenant.caller["clientId"],
                "displayName": "healthcare-clients deployer",
            }
        # The tenant's users are not modelled: any other GUID reads as a user.
        return {"@odata.type": "#microsoft.graph.user", "id": object_id}

    # -- federated identity credentials ---------------------------------------------------

    def _federated(self, request: Request, app: dict[str, Any], rest: list[str]) -> Reply:
        caller = self.tenant.caller
        held: list[dict[str, Any]] = app["federatedIdentityCredentials"]
        if not rest:
            if request.method == "GET":
                return 200, collection(
                    request.base, [dict(c) for c in held], "federatedIdentityCredentials"
                )
            if request.method == "POST":
                self._deny(lambda: require_app_write(caller, app["owners"]))
                body = request.body
                self._refuse_federated_conflict(held, body, exclude="")
                if len(held) >= MAX_FEDERATED_CREDENTIALS:
                    raise bad_request(
                        "The number of federated identity credentials on this application exceeds the limit (20)."
                    )
                credential = {
                    "id": self.tenant.new_id(f"federated/{app['id']}/{body['name']}"),
                    "name": body["name"],
                    "issuer": body["issuer"],
                    "subject": body["subject"],
                    "audiences": list(body.get("audiences") or []),
                    "description": body.get("description"),
                }
                held.append(credential)
                self.changes.append(
                    ("create", "federatedIdentityCredential", credential["name"], credential["id"])
                )
                return 201, dict(credential)
        found = [c for c in held if c["id"] == rest[0] or c["name"] == rest[0]]
        if not found or self.replicating(found[0]["id"], True):
            raise not_found(rest[0])
        credential = found[0]
        if request.method == "GET":
            return 200, dict(credential)
        self._deny(lambda: require_app_write(caller, app["owners"]))
        if request.method == "PATCH":
            merged = {**credential, **request.body}
            if merged["name"] != credential["name"]:
                raise bad_request("Property 'name' is read-only and cannot be changed.")
            self._refuse_federated_conflict(held, merged, exclude=credential["id"])
            credential.update(
                {k: merged[k] for k in ("issuer", "subject", "audiences", "description")}
            )
            self.changes.append(
                ("update", "federatedIdentityCredential", credential["name"], credential["id"])
            )
            return 204, None
        if request.method == "DELETE":
            held.remove(credential)
            self.changes.append(
                ("delete", "federatedIdentityCredential", credential["name"], credential["id"])
            )
            return 204, None
        raise GraphError(405, "Request_BadRequest", "Method not allowed.")

    @staticmethod
    def _refuse_federated_conflict(
        held: list[dict[str, Any]], body: dict[str, Any], exclude: str
    ) -> None:
        for other in held:
            if other["id"] == exclude:
                continue
            if (other["issuer"], other["subject"]) == (body.get("issuer"), body.get("subject")):
                raise bad_request(
                    "The combination of issuer and subject must be unique for the application. "
                    f"Issuer {body['issuer']} and Subject: {body['subject']} already exist.",
                    "InvalidFederatedIdentityCredentialValue",
                )
            if other["name"].lower() == str(body.get("name", "")).lower():
                raise bad_request(
                    f"Another object with the same value for property name already exists: {other['name']}"
                )

    # -- service principals -------------------------------------------------------------------

    def _service_principals(self, request: Request, rest: list[str]) -> Reply:
        caller = self.tenant.caller
        sps: dict[str, Any] = self.state["servicePrincipals"]
        if not rest:
            if request.method == "GET":
                self._deny(lambda: require_directory_read(caller))
                clauses = parse_filter(request.query.get("$filter"))
                found = [
                    select(self._sp_wire(sp, request.base), request.query.get("$select"))
                    for sp in sps.values()
                    if not self.replicating(sp["id"], False) and matches(sp, clauses)
                ]
                return 200, collection(request.base, found, "servicePrincipals")
            if request.method == "POST":
                return 201, self._create_service_principal(request)
        sp = sps.get(rest[0])
        if sp is None or self.replicating(rest[0], True):
            raise not_found(rest[0])
        sub = rest[1:]
        if not sub:
            if request.method == "GET":
                return 200, select(self._sp_wire(sp, request.base), request.query.get("$select"))
            self._deny(lambda: require_app_write(caller, sp["owners"]))
            if request.method == "PATCH":
                for key, value in request.body.items():
                    if key in {
                        "accountEnabled",
                        "appRoleAssignmentRequired",
                        "tags",
                        "notes",
                        "description",
                        "notificationEmailAddresses",
                        "preferredSingleSignOnMode",
                        "loginUrl",
                        "samlSingleSignOnSettings",
                        "alternativeNames",
                        "featureTags",
                    }:
                        sp[key] = value
                self.changes.append(("update", "servicePrincipal", sp["displayName"], sp["id"]))
                return 204, None
            if request.method == "DELETE":
                del sps[sp["id"]]
                self.changes.append(("delete", "servicePrincipal", sp["displayName"], sp["id"]))
                return 204, None
        if sub[0] == "owners":
            return self._owners(request, sp, sub[1:], "servicePrincipal")
        if sub[0] == "appRoleAssignedTo":
            return self._assignments(request, sp, sub[1:])
        if sub[0] == "claimsMappingPolicies":
            return policies.assigned(self, request, sp, sub[1:])
        if sub[0] in {"appRoleAssignments", "oauth2PermissionGrants"} and request.method == "GET":
            key = "principalId" if sub[0] == "appRoleAssignments" else "clientId"
            table = (
                "appRoleAssignments" if sub[0] == "appRoleAssignments" else "oauth2PermissionGrants"
            )
            listed = [dict(a) for a in self.state[table].values() if a[key] == sp["id"]]
            return 200, collection(request.base, listed, sub[0])
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{sub[0]}'.")

    def _create_service_principal(self, request: Request) -> dict[str, Any]:
        caller = self.tenant.caller
        body = dict(request.body)
        app_id = str(body.get("appId", "")).lower()
        app = next(
            (a for a in self.state["applications"].values() if a["appId"].lower() == app_id), None
        )
        if app is None or self.replicating(app["id"], False):
            raise bad_request(
                f"The appId '{app_id}' of the service principal does not reference a valid application object.",
            )
        self._deny(lambda: require_app_write(caller, app["owners"]))
        if any(sp["appId"].lower() == app_id for sp in self.state["servicePrincipals"].values()):
            raise GraphError(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                "The service principal cannot be created, updated, or restored because the "
                "service principal name "
                f"{app_id} is already in use.",
            )
        owners = [_bound_id(ref) for ref in body.pop("owners@odata.bind", [])]
        object_id = self.tenant.new_id(f"servicePrincipal/{app['displayName']}")
        sp = {
            "id": object_id,
            "appId": app_id,
            "displayName": app["displayName"],
            "appOwnerOrganizationId": self.tenant.tenant_id,
            "accountEnabled": bool(body.get("accountEnabled", True)),
            "owners": owners,
            "oauth2PermissionScopes": list(
                (app.get("api") or {}).get("oauth2PermissionScopes", [])
            ),
            "appRoles": list(app.get("appRoles") or []),
        }
        self.state["servicePrincipals"][object_id] = sp
        self.changes.append(("create", "servicePrincipal", sp["displayName"], object_id))
        return self._sp_wire(sp, request.base)

    def _sp_wire(self, sp: dict[str, Any], base: str) -> dict[str, Any]:
        app = next(
            (a for a in self.state["applications"].values() if a["appId"] == sp["appId"]), None
        )
        return {
            "@odata.context": f"{base}/$metadata#servicePrincipals/$entity",
            "id": sp["id"],
            "appId": sp["appId"],
            "displayName": sp["displayName"],
            "appDisplayName": sp["displayName"],
            "appOwnerOrganizationId": sp.get("appOwnerOrganizationId", self.tenant.tenant_id),
            "accountEnabled": sp.get("accountEnabled", True),
            "appRoleAssignmentRequired": sp.get("appRoleAssignmentRequired", False),
            "servicePrincipalType": "Application",
            "signInAudience": sp.get("signInAudience", "AzureADMyOrg"),
            "servicePrincipalNames": [sp["appId"]],
            "alternativeNames": sp.get("alternativeNames", []),
            "tags": sp.get("tags", []),
            "featureTags": [],
            "notificationEmailAddresses": sp.get("notificationEmailAddresses", []),
            "replyUrls": list((app or {}).get("redirectUris", {}).get("Web", [])),
            "homepage": None,
            "logoutUrl": None,
            "loginUrl": sp.get("loginUrl"),
            "notes": sp.get("notes"),
            "description": sp.get("description"),
            "preferredSingleSignOnMode": sp.get("preferredSingleSignOnMode"),
            "samlSingleSignOnSettings": None,
            "keyCredentials": [],
            "passwordCredentials": [],
            "oauth2PermissionScopes": [
                {
                    "adminConsentDescription": s.get("adminConsentDescription", s["value"]),
                    "adminConsentDisplayName": s.get("adminConsentDisplayName", s["value"]),
                    "id": s["id"],
                    "isEnabled": s.get("isEnabled", True),
                    "type": s.get("type", "User"),
                    "userConsentDescription": s.get("userConsentDescription"),
                    "userConsentDisplayName": s.get("userConsentDisplayName"),
                    "value": s["value"],
                }
                for s in self._published(sp, "oauth2PermissionScopes")
            ],
            "appRoles": [
                {
                    "allowedMemberTypes": r.get("allowedMemberTypes", ["Application"]),
                    "description": r.get("description", r["value"]),
                    "displayName": r.get("displayName", r["value"]),
                    "id": r["id"],
                    "isEnabled": r.get("isEnabled", True),
                    "origin": "Application",
                    "value": r["value"],
                }
                for r in self._published(sp, "appRoles")
            ],
        }

    # -- delegated grants ---------------------------------------------------------------------

    def _grants(self, request: Request, rest: list[str]) -> Reply:
        caller = self.tenant.caller
        grants: dict[str, Any] = self.state["oauth2PermissionGrants"]
        if not rest:
            if request.method == "GET":
                clauses = parse_filter(request.query.get("$filter"))
                found = [dict(g) for g in grants.values() if matches(g, clauses)]
                return 200, collection(request.base, found, "oauth2PermissionGrants")
            if request.method == "POST":
                self._deny(
                    lambda: require_graph(caller, ["DelegatedPermissionGrant.ReadWrite.All"])
                )
                body = request.body
                for key in ("clientId", "resourceId"):
                    named = str(body.get(key))
                    if named not in self.state["servicePrincipals"] or self.replicating(
                        named, False
                    ):
                        raise not_found(named)
                consent = body.get("consentType", "AllPrincipals")
                wanted = (body["clientId"], body["resourceId"], consent, body.get("principalId"))
                if any(
                    (g["clientId"], g["resourceId"], g["consentType"], g.get("principalId"))
                    == wanted
                    for g in grants.values()
                ):
                    raise GraphError(
                        409,
                        "Request_MultipleObjectsWithSameKeyValue",
                        "Permission entry already exists.",
                    )
                grant_id = self.tenant.new_id(f"grant/{body['clientId']}/{body['resourceId']}")
                grants[grant_id] = {
                    "id": grant_id,
                    "clientId": body["clientId"],
                    "resourceId": body["resourceId"],
                    "consentType": consent,
                    "principalId": body.get("principalId"),
                    "scope": body.get("scope", ""),
                }
                self.changes.append(
                    ("create", "oauth2PermissionGrant", body.get("scope", ""), grant_id)
                )
                return 201, dict(grants[grant_id])
        grant = grants.get(rest[0])
        if grant is None or self.replicating(rest[0], True):
            raise not_found(rest[0])
        if request.method == "GET":
            return 200, dict(grant)
        self._deny(lambda: require_graph(caller, ["DelegatedPermissionGrant.ReadWrite.All"]))
        if request.method == "PATCH":
            if "scope" in request.body:
                grant["scope"] = request.body["scope"]
            self.changes.append(("update", "oauth2PermissionGrant", grant["scope"], grant["id"]))
            return 204, None
        if request.method == "DELETE":
            del grants[grant["id"]]
            self.changes.append(("delete", "oauth2PermissionGrant", grant["scope"], grant["id"]))
            return 204, None
        raise GraphError(405, "Request_BadRequest", "Method not allowed.")

    # -- app role assignments -----------------------------------------------------------------

    def _assignments(self, request: Request, resource: dict[str, Any], rest: list[str]) -> Reply:
        caller = self.tenant.caller
        assignments: dict[str, Any] = self.state["appRoleAssignments"]
        mine = {k: a for k, a in assignments.items() if a["resourceId"] == resource["id"]}
        if not rest:
            if request.method == "GET":
                listed = [
                    self._assignment_wire(a)
                    for a in mine.values()
                    if not self.replicating(a["id"], False)
                ]
                return 200, collection(request.base, listed, "appRoleAssignments")
            if request.method == "POST":
                self._deny(lambda: require_graph(caller, ["AppRoleAssignment.ReadWrite.All"]))
                body = request.body
                principal = self.state["servicePrincipals"].get(str(body.get("principalId")))
                if principal is None or self.replicating(principal["id"], False):
                    raise not_found(str(body.get("principalId")))
                if body.get("appRoleId") not in {
                    r["id"] for r in self._published(resource, "appRoles")
                }:
                    raise bad_request("Permission being assigned was not found on application")
                if any(
                    a["principalId"] == principal["id"] and a["appRoleId"] == body["appRoleId"]
                    for a in mine.values()
                ):
                    raise bad_request("Permission being assigned already exists on the object")
                assignment_id = self.tenant.new_id(
                    f"appRoleAssignment/{principal['id']}/{body['appRoleId']}"
                )
                assignments[assignment_id] = {
                    "id": assignment_id,
                    "appRoleId": body["appRoleId"],
                    "principalId": principal["id"],
                    "resourceId": resource["id"],
                }
                self.changes.append(
                    ("create", "appRoleAssignment", principal["displayName"], assignment_id)
                )
                return 201, self._assignment_wire(assignments[assignment_id])
        assignment = mine.get(rest[0])
        if assignment is None or self.replicating(rest[0], True):
            raise not_found(rest[0])
        if request.method == "GET":
            return 200, self._assignment_wire(assignment)
        if request.method == "DELETE":
            self._deny(lambda: require_graph(caller, ["AppRoleAssignment.ReadWrite.All"]))
            del assignments[assignment["id"]]
            self.changes.append(("delete", "appRoleAssignment", "", assignment["id"]))
            return 204, None
        raise GraphError(405, "Request_BadRequest", "Method not allowed.")

    def _assignment_wire(self, assignment: dict[str, Any]) -> dict[str, Any]:
        sps = self.state["servicePrincipals"]
        principal = sps.get(assignment["principalId"], {})
        resource = sps.get(assignment["resourceId"], {})
        return {
            **assignment,
            "principalDisplayName": principal.get("displayName"),
            "principalType": "ServicePrincipal",
            "resourceDisplayName": resource.get("displayName"),
            "createdDateTime": None,
            "deletedDateTime": None,
        }


def _password_wire(credential: dict[str, Any]) -> dict[str, Any]:
    return {
        "customKeyIdentifier": None,
        "displayName": credential.get("displayName"),
        "endDateTime": credential["endDateTime"],
        "hint": credential["hint"],
        "keyId": credential["keyId"],
        "secretText": None,
        "startDateTime": credential["startDateTime"],
    }


def _bound_id(reference: str) -> str:
    """The object ID at the end of an ``@odata.id`` / ``@odata.bind`` URL."""
    return reference.rstrip("/").rpartition("/")[2].lower()

"""Registrations made by hand in the Entra portal, in the fake tenant, and what `az` prints
for them: the starting point of an adoption (``tools.adopt``) under the engine.

``register`` writes an application and its service principal into a tenant state as the
portal's steps leave them (the creating user as owner, Graph's nulls where the portal sets
nothing, such as ``api.requestedAccessTokenVersion``). The ``az_*`` functions render the
objects in the shape of Microsoft Graph's v1.0 application, servicePrincipal and
oauth2PermissionGrant resources, as `az ad app show`, `az ad sp show` and
`az ad app permission list-grants` print them.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from testbed.credentials import secret_value

PORTAL_USER = "b7a6c5d4-3e2f-4a1b-9c8d-7e6f5a4b3c2d"  # the person who clicked through
_NAMESPACE = uuid.UUID("0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def register(  # noqa: PLR0913 (one keyword per portal blade a test sets)
    state: dict[str, Any],
    display_name: str,
    *,
    public_client: bool | None = None,
    redirect_uris: dict[str, list[str]] | None = None,
    api_access: dict[str, list[tuple[str, str]]] | None = None,
    credential_end: str | None = "2027-05-02T10:00:00Z",
) -> dict[str, str]:
    """An application, its service principal and one portal secret; returns their IDs.

    ``redirect_uris`` by Graph platform (``PublicClient``, ``Web``, ``SPA``); ``api_access``
    by API app ID, as (permission ID, ``Scope``|``Role``) pairs.
    """
    object_id, client_id = _id(display_name, "app"), _id(display_name, "client")
    passwords = []
    if credential_end:
        key_id = _id(display_name, "secret")
        passwords.append(
            {
                "keyId": key_id,
                "displayName": "portal secret",
                "startDateTime": "2026-03-02T10:00:00Z",
                "endDateTime": credential_end,
                "hint": secret_value(state["tenantId"], key_id)[:3],
                "secretSha256": "",
            }
        )
    state["applications"][object_id] = {
        "id": object_id,
        "appId": client_id,
        "displayName": display_name,
        "description": None,
        "signInAudience": "AzureADMyOrg",
        "requestedAccessTokenVersion": None,  # the portal sets no api.requestedAccessTokenVersion
        "implicitAccessTokenIssuanceEnabled": False,
        "implicitIdTokenIssuanceEnabled": False,
        "owners": [PORTAL_USER],
        "isFallbackPublicClient": public_client,
        "redirectUris": {"PublicClient": [], "Web": [], "SPA": [], **(redirect_uris or {})},
        "passwordCredentials": passwords,
        "keyCredentials": [],
        "federatedIdentityCredentials": [],
        "requiredResourceAccess": [
            {"resourceAppId": api, "resourceAccess": [{"id": i, "type": t} for i, t in access]}
            for api, access in (api_access or {}).items()
        ],
    }
    sp_id = _id(display_name, "sp")
    state["servicePrincipals"][sp_id] = {
        "id": sp_id,
        "appId": client_id,
        "displayName": display_name,
        "appOwnerOrganizationId": state["tenantId"],
        "accountEnabled": True,
        "owners": [],
        "oauth2PermissionScopes": [],
        "appRoles": [],
    }
    return {
        "applicationObjectId": object_id,
        "clientId": client_id,
        "servicePrincipalObjectId": sp_id,
    }


def grant_admin_consent(
    state: dict[str, Any], client_sp: str, api_app_id: str, scopes: list[str]
) -> str:
    """The portal's "Grant admin consent": one AllPrincipals grant for the API."""
    resource = next(sp for sp in state["servicePrincipals"].values() if sp["appId"] == api_app_id)
    grant_id = _id(client_sp, api_app_id, "grant")
    state["oauth2PermissionGrants"][grant_id] = {
        "id": grant_id,
        "clientId": client_sp,
        "resourceId": resource["id"],
        "consentType": "AllPrincipals",
        "principalId": None,
        "scope": " ".join(scopes),
    }
    return grant_id


def az_app_show(state: dict[str, Any], object_id: str) -> dict[str, Any]:
    app = state["applications"][object_id]
    platform = {"PublicClient": "publicClient", "Web": "web", "SPA": "spa"}
    shown: dict[str, Any] = {
        "id": app["id"],
        "appId": app["appId"],
        "displayName": app["displayName"],
        "description": app["description"],
        "signInAudience": app["signInAudience"],
        "isFallbackPublicClient": app["isFallbackPublicClient"],
        "api": {"requestedAccessTokenVersion": app["requestedAccessTokenVersion"]},
        "requiredResourceAccess": app["requiredResourceAccess"],
        "passwordCredentials": [
            {k: v for k, v in p.items() if k != "secretSha256"} | {"secretText": None}
            for p in app["passwordCredentials"]
        ],
        "keyCredentials": app["keyCredentials"],
    }
    for kind, uris in app["redirectUris"].items():
        shown[platform[kind]] = {"redirectUris": list(uris)}
    return shown


def az_sp_show(state: dict[str, Any], object_id: str) -> dict[str, Any]:
    sp = state["servicePrincipals"][object_id]
    return {
        "id": sp["id"],
        "appId": sp["appId"],
        "displayName": sp["displayName"],
        "servicePrincipalType": "Application",
        "oauth2PermissionScopes": sp.get("oauth2PermissionScopes", []),
        "appRoles": sp.get("appRoles", []),
    }


def az_app_owners(state: dict[str, Any], object_id: str) -> list[dict[str, Any]]:
    return [{"id": owner} for owner in state["applications"][object_id]["owners"]]


def az_list_grants(state: dict[str, Any], client_sp: str) -> list[dict[str, Any]]:
    return [
        {
            k: grant[k]
            for k in ("id", "clientId", "resourceId", "consentType", "principalId", "scope")
        }
        for grant in state["oauth2PermissionGrants"].values()
        if grant["clientId"] == client_sp
    ]


def az_files(
    state: dict[str, Any], ids: dict[str, str], directory: Path, apis: tuple[str, ...]
) -> list[str]:
    """Write what `az` prints for a registration (and for the APIs it asks permissions of)
    into ``directory``, as the adoption steps in docs/adoption.md do; return ``tools.adopt``'s arguments."""
    files = {
        "app.json": az_app_show(state, ids["applicationObjectId"]),
        "sp.json": az_sp_show(state, ids["servicePrincipalObjectId"]),
        "owners.json": az_app_owners(state, ids["applicationObjectId"]),
        "grants.json": az_list_grants(state, ids["servicePrincipalObjectId"]),
    }
    for api in apis:
        sp = next(s for s in state["servicePrincipals"].values() if s["appId"] == api)
        files[f"api-{api}.json"] = az_sp_show(state, sp["id"])
    for name, document in files.items():
        (directory / name).write_text(json.dumps(document, indent=2), encoding="utf-8")
    argv = [
        str(directory / "app.json"),
        *("--service-principal", str(directory / "sp.json")),
        *("--owners", str(directory / "owners.json")),
        *("--grants", str(directory / "grants.json")),
        "--deployer",
        str(state["caller"]["objectId"]),
    ]
    for api in apis:
        argv += ["--api", str(directory / f"api-{api}.json")]
    return argv

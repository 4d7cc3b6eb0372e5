"""What the deploying identity may do, as Microsoft Graph and Azure RBAC decide it.

A tenant whose caller has ``graphPermissions: None`` and ``azureRoles: None`` lets it do
everything (most tests). Set them to the exact rights a pipeline identity is granted, and the
fake refuses what Graph or ARM would refuse, with their error texts:

- Graph application permissions (learn.microsoft.com/graph/permissions-reference):
  ``Application.ReadWrite.OwnedBy`` creates applications and manages only those the caller
  owns; adding another owner also needs ``Directory.Read.All`` ("Add owner",
  learn.microsoft.com/graph/api/application-post-owners); reading other service principals
  needs ``Application.Read.All`` (or a broader read); delegated grants need
  ``DelegatedPermissionGrant.ReadWrite.All``; app role assignments need
  ``AppRoleAssignment.ReadWrite.All``.
- Azure RBAC: an action is allowed when a role assigned at the scope or above carries it
  (``*`` wildcards as in role definitions); Key Vault secrets are written through ARM
  (``Microsoft.KeyVault/vaults/secrets/write``, an Action) and deleted through the data plane
  (``Microsoft.KeyVault/vaults/secrets/delete``, a DataAction), per azure-native's
  ``customresources/custom_keyvault.go``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import Any

INSUFFICIENT = (
    "unexpected status 403 (403 Forbidden) with error: Authorization_RequestDenied: "
    "Insufficient privileges to complete the operation."
)


class Denied(Exception):  # noqa: N818 (the fake service's answer, as Graph and ARM name it)
    """The service refused the caller."""


def _granted(caller: dict[str, Any]) -> set[str] | None:
    permissions = caller.get("graphPermissions")
    return None if permissions is None else set(permissions)


def require_graph(caller: dict[str, Any], *alternatives: Iterable[str]) -> None:
    """Pass when the caller holds every permission of at least one alternative."""
    granted = _granted(caller)
    if granted is None:
        return
    if any(set(needed) <= granted for needed in alternatives):
        return
    raise Denied(INSUFFICIENT)


def require_app_write(caller: dict[str, Any], owners: Iterable[str]) -> None:
    """Changing an application: ReadWrite.All, or OwnedBy on an application the caller owns."""
    granted = _granted(caller)
    if granted is None or "Application.ReadWrite.All" in granted:
        return
    if "Application.ReadWrite.OwnedBy" in granted and caller["objectId"] in set(owners):
        return
    raise Denied(INSUFFICIENT)


def require_owner_add(caller: dict[str, Any], owners: Iterable[str]) -> None:
    """Graph's "Add owner": OwnedBy alone is not enough; with Directory.Read.All it is."""
    granted = _granted(caller)
    if granted is None or "Application.ReadWrite.All" in granted:
        return
    if {"Application.ReadWrite.OwnedBy", "Directory.Read.All"} <= granted and caller[
        "objectId"
    ] in set(owners):
        return
    raise Denied(INSUFFICIENT)


def require_directory_read(caller: dict[str, Any]) -> None:
    require_graph(
        caller,
        ["Application.Read.All"],
        ["Application.ReadWrite.All"],
        ["Directory.Read.All"],
    )


def _covers(role_scope: str, scope: str) -> bool:
    role_scope, scope = role_scope.lower().rstrip("/"), scope.lower()
    return scope == role_scope or scope.startswith(role_scope + "/")


def require_azure(
    caller: dict[str, Any], action: str, scope: str, *, data: bool = False, role: str = ""
) -> None:
    """Pass when an assigned role at ``scope`` or above carries ``action``; a role with a
    ``roleDefinitionIds`` condition only passes role assignment writes for those roles."""
    roles = caller.get("azureRoles")
    if roles is None:
        return
    key = "dataActions" if data else "actions"
    for assigned in roles:
        if not _covers(assigned["scope"], scope):
            continue
        if not any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in assigned[key]):
            continue
        allowed_roles = assigned.get("roleDefinitionIds")
        if role and allowed_roles is not None and role.lower() not in allowed_roles:
            continue
        return
    if data:
        # Key Vault's data plane (learn.microsoft.com/azure/key-vault/general/rbac-guide).
        raise Denied(
            "Forbidden: Caller is not authorized to perform action on resource. "
            f"Action: '{action}' Resource: '{scope.lower()}' (ForbiddenByRbac)"
        )
    raise Denied(
        f"AuthorizationFailed: The client '{caller['clientId']}' with object id "
        f"'{caller['objectId']}' does not have authorization to perform action '{action}' "
        f"over scope '{scope}' or the scope is invalid. If access was recently granted, "
        "please refresh your credentials."
    )

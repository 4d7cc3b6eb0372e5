"""Graph's rules for what an application exposes: its delegated permissions
(``api.oauth2PermissionScopes``), its app roles, its identifier URIs, and the claims mapping
policies on service principals. Shared by the Graph fake (``testbed.graphapi.directory``) and
the mock runtime's fake (``testbed.api_exposure``), so both refuse the same requests.

- An enabled permission cannot be removed or changed in the same request: permissionScope and
  appRole, isEnabled (microsoft-graph-docs-contrib api-reference/v1.0/resources/
  permissionscope.md, approle.md): "To delete a permission, this property must first be set to
  false. At that point, in a subsequent call, the permission may be removed." Graph's answer,
  CannotDeleteOrUpdateEnabledEntitlement with "Permission (scope or role) cannot be deleted or
  updated unless disabled first", is the text the provider's Graph client matches
  (hashicorp/go-azure-sdk sdk/odata/errors.go).
- A new identifierUris value with an https host needs a verified domain of the tenant or a
  host under one (HostNameNotOnVerifiedDomain, the answer reported in
  terraform-provider-azuread #1392); on an application that receives v1.0 tokens it must also
  follow Entra's secure patterns ("Restrictions on identifier URIs", learn.microsoft.com/entra/
  identity-platform/identifier-uri-restrictions, a policy Microsoft enabled in tenants in June
  and July 2025), whose table has the initial domain only with a path; and it is unique in
  the tenant (ObjectConflict, "Another object with the same value for property identifierUris
  already exists.", Azure/go-autorest #308).
- Creating a claims mapping policy needs Policy.ReadWrite.ApplicationConfiguration
  (claimsmappingpolicy-post-claimsmappingpolicies.md); assigning one to a service principal
  needs Policy.Read.All or Policy.ReadWrite.ApplicationConfiguration, with
  Application.ReadWrite.OwnedBy on an owned service principal or Application.ReadWrite.All
  (serviceprincipal-post-claimsmappingpolicies.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from testbed.graphapi.odata import GraphError, bad_request

# The fake tenant's verified domains, unless a test sets state["verifiedDomains"]: its initial
# domain and one custom domain.
DEFAULT_DOMAINS = ("contoso.onmicrosoft.com", "contoso.com")
ENTITLEMENT = GraphError(
    400,
    "CannotDeleteOrUpdateEnabledEntitlement",
    "Permission (scope or role) cannot be deleted or updated unless disabled first.",
)


def verified_domains(state: dict[str, Any]) -> list[str]:
    return list(state.get("verifiedDomains") or DEFAULT_DOMAINS)


def check_permissions(current: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]) -> None:
    """Refuse a new list that drops an enabled permission or changes it beyond isEnabled."""
    by_id = {str(p.get("id", "")).lower(): p for p in new}
    for permission in current:
        if not permission.get("isEnabled", True):
            continue
        replacement = by_id.get(str(permission["id"]).lower())
        if replacement is None or _without_flag(replacement) != _without_flag(permission):
            raise ENTITLEMENT


def _without_flag(permission: dict[str, Any]) -> dict[str, Any]:
    # Graph fills in what a request leaves out; only what both sides state is compared.
    return {k: v for k, v in permission.items() if k != "isEnabled" and v is not None}


def check_identifier_uris(state: dict[str, Any], app: dict[str, Any], uris: Iterable[str]) -> None:
    """Refuse the URIs of ``uris`` that ``app`` does not hold yet, as Graph would."""
    held = {u.lower() for u in app.get("identifierUris") or []}
    domains = verified_domains(state)
    for uri in uris:
        if uri.lower() in held:
            continue
        parts = urlsplit(uri)
        if parts.scheme == "https":
            host = (parts.hostname or "").lower()
            if not any(host == d or host.endswith("." + d) for d in domains):
                raise bad_request(
                    "Values of identifierUris property must use a verified domain of the "
                    f"organization or its subdomain: '{uri}'",
                    "HostNameNotOnVerifiedDomain",
                )
            initial = [d for d in domains if d.endswith(".onmicrosoft.com")]
            under_initial = any(host.endswith("." + d) for d in initial)
            bare_initial = host in initial and parts.path in ("", "/")
            if app.get("requestedAccessTokenVersion") != 2 and (under_initial or bare_initial):
                # The page gives the message, not the error code: Graph's generic one is used.
                raise bad_request(
                    f"Failed to add identifier URI {uri}. All newly added URIs must contain a "
                    "tenant verified domain, tenant ID, or app ID, as per the default tenant "
                    "policy of your organization. See https://aka.ms/identifier-uri-addition-error "
                    "for more information on this error."
                )
        for other in state["applications"].values():
            if other["id"] != app["id"] and uri.lower() in {
                u.lower() for u in other.get("identifierUris") or []
            }:
                raise bad_request(
                    "Another object with the same value for property identifierUris already exists.",
                    "Request_BadRequest",
                )

"""What the program reads from the tenant before it registers anything.

Lookups are synchronous invokes, made once per stack: the deploying principal, and one
service principal per distinct API that any application requests permissions on. Scope
and app-role names are resolved to IDs here, so an unknown name or a missing API is a
configuration error raised before the first resource exists (nothing half-created).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pulumi_azuread as azuread

from components import healthcare
from components.config import ApiPermissionRequest, Application
from components.errors import Problem, join_path

NO_SERVICE_PRINCIPAL = "No service principal found"


@dataclass(frozen=True)
class PublishedApi:
    """An API's service principal, as the tenant publishes it."""

    app_id: str
    object_id: str
    display_name: str
    scopes: Mapping[str, str]
    roles: Mapping[str, str]

    @property
    def resource_label(self) -> str:
        api = healthcare.API_BY_APP_ID.get(self.app_id)
        return api.alias if api else self.app_id


@dataclass(frozen=True)
class TenantView:
    tenant_id: str
    # The identity running the program (azuread's client config), not necessarily the deployer.
    caller_object_id: str
    apis: Mapping[str, PublishedApi]
    missing_apis: frozenset[str]
    failed_lookups: Mapping[str, str]


@dataclass(frozen=True)
class ApiAccess:
    """All the permissions one application requests on one API, IDs resolved."""

    api: PublishedApi
    scopes: tuple[tuple[str, str], ...]  # (name, id), sorted by name
    roles: tuple[tuple[str, str], ...]

    @property
    def scope_ids(self) -> list[str]:
        return sorted(scope_id for _, scope_id in self.scopes)

    @property
    def role_ids(self) -> list[str]:
        return sorted(role_id for _, role_id in self.roles)

    @property
    def scope_names(self) -> list[str]:
        return [name for name, _ in self.scopes]


def read_tenant(api_app_ids: Iterable[str]) -> TenantView:
    """One client-config lookup plus one service-principal lookup per distinct API."""
    client = azuread.get_client_config()
    apis: dict[str, PublishedApi] = {}
    missing: set[str] = set()
    failed: dict[str, str] = {}
    for app_id in dict.fromkeys(api_app_ids):
        try:
            sp = azuread.get_service_principal(client_id=app_id)
        except Exception as exc:  # the SDK raises a bare Exception for a failed invoke
            if NO_SERVICE_PRINCIPAL in str(exc):
                missing.add(app_id)
            else:
                failed[app_id] = str(exc)
            continue
        apis[app_id] = PublishedApi(
            app_id=app_id,
            object_id=sp.object_id,
            display_name=sp.display_name,
            scopes=dict(sp.oauth2_permission_scope_ids or {}),
            roles=dict(sp.app_role_ids or {}),
        )
    return TenantView(client.tenant_id, client.object_id, apis, frozenset(missing), failed)


def _missing_message(app_id: str) -> str:
    api = healthcare.API_BY_APP_ID.get(app_id)
    name = f"{api.display_name} ({app_id})" if api else f"API {app_id}"
    hint = (
        api.missing_hint
        if api
        else f"Create it with `az ad sp create --id {app_id}` or check the app ID."
    )
    return f"the tenant has no service principal for {name}. {hint}"


def resolve_permissions(
    app: Application, tenant: TenantView
) -> tuple[tuple[ApiAccess, ...], list[Problem]]:
    """Merge an app's apiPermissions per API and resolve every name against the tenant."""
    problems: list[Problem] = []
    by_api: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    for request in app.api_permissions:
        path = ("applications", app.name, "apiPermissions", request.key)
        if request.app_id in tenant.missing_apis:
            problems.append(Problem(join_path(*path), _missing_message(request.app_id)))
            continue
        if request.app_id in tenant.failed_lookups:
            problems.append(
                Problem(
                    join_path(*path),
                    f"looking up API {request.app_id} failed: {tenant.failed_lookups[request.app_id]}",
                )
            )
            continue
        api = tenant.apis[request.app_id]
        scopes, roles = by_api.setdefault(request.app_id, ({}, {}))
        problems += _resolve_names(request, api, path, scopes, roles)
    accesses = tuple(
        ApiAccess(
            api=tenant.apis[app_id],
            scopes=tuple(sorted(scopes.items())),
            roles=tuple(sorted(roles.items())),
        )
        for app_id, (scopes, roles) in by_api.items()
        if scopes or roles
    )
    return accesses, problems


def _resolve_names(
    request: ApiPermissionRequest,
    api: PublishedApi,
    path: tuple[str, ...],
    scopes: dict[str, str],
    roles: dict[str, str],
) -> list[Problem]:
    problems = []

    def unknown(index: int, name: str, kind: str, published: Iterable[str]) -> Problem:
        listing = ", ".join(sorted(set(published))) or "none"
        return Problem(
            join_path(*path, index)
            if kind == "permission"
            else join_path(*path, kind + "s", index),
            f"{name!r} is not a {kind} published by {api.display_name} ({api.app_id}); it publishes: {listing}",
        )

    for index, name in enumerate(request.names):
        # A name published both ways (FHIR's offline_access) is taken as the delegated scope.
        if name in api.scopes:
            scopes[name] = api.scopes[name]
        elif name in api.roles:
            roles[name] = api.roles[name]
        else:
            problems.append(unknown(index, name, "permission", [*api.scopes, *api.roles]))
    for index, name in enumerate(request.scopes):
        if name in api.scopes:
            scopes[name] = api.scopes[name]
        else:
            problems.append(unknown(index, name, "scope", api.scopes))
    for index, name in enumerate(request.roles):
        if name in api.roles:
            roles[name] = api.roles[name]
        else:
            problems.append(unknown(index, name, "role", api.roles))
    return problems

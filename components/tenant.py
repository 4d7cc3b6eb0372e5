"""What the program reads from the tenant before it registers anything.

Lookups are synchronous invokes, made once per stack: the deploying principal, and one
service principal per distinct API that any application requests permissions on. Scope
and app-role names are resolved to IDs here, so an unknown name or a missing API is a
configuration error raised before the first resource exists (nothing half-created). The
lookups run even when the configuration has other problems, so that one run reports them
all; they only read.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pulumi_azuread as azuread

from components import healthcare
from components.config import ApiPermissionRequest, AppView
from components.errors import Problem, join_path

# The provider's text for a lookup that matched nothing (terraform-provider-azuread v3.9.0
# service_principal_data_source.go:351-353, `tf.ErrorDiagF(errors.New("no service principal
# found"), "No service principal found")`).
NO_SERVICE_PRINCIPAL = "No service principal found"
# How the Python SDK and the bridge wrap a failed invoke (pulumi/runtime/invoke.py;
# pulumi-terraform-bridge provider.go, go-multierror's "1 error occurred:\n\t* ...").
_INVOKE_WRAPPING = re.compile(
    r"^invoke of \S+ failed: (?:invoking \S+: )?(?:\d+ errors? occurred:\s*\*\s*)?", re.S
)


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


def lookup_failure(text: str) -> str:
    """The provider's own words from a failed invoke, without the SDK's and bridge's wrapping."""
    return " ".join(_INVOKE_WRAPPING.sub("", text.strip()).split())


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
                failed[app_id] = lookup_failure(str(exc))
            continue
        apis[app_id] = PublishedApi(
            app_id=app_id,
            object_id=sp.object_id,
            display_name=sp.display_name,
            scopes=dict(sp.oauth2_permission_scope_ids or {}),
            roles=dict(sp.app_role_ids or {}),
        )
    return TenantView(client.tenant_id, client.object_id, apis, frozenset(missing), failed)


def _api_name(app_id: str, secret: bool) -> str:
    api = healthcare.API_BY_APP_ID.get(app_id)
    if api is not None:
        # Microsoft's first-party APIs: facts about the tenant, not the user's words.
        return f"{api.display_name} ({app_id})"
    return "the API named by that key" if secret else f"API {app_id}"


def api_problems(apps: Sequence[AppView], tenant: TenantView) -> list[Problem]:
    """One problem per API the tenant lacks (or could not be read), naming every key that
    needs it and the fix; never the provider's raw text."""
    needed: dict[str, list[str]] = {}
    secret: dict[str, bool] = {}
    for app in apps:
        for request in app.requests:
            if request.app_id in tenant.missing_apis or request.app_id in tenant.failed_lookups:
                needed.setdefault(request.app_id, []).append(request.path)
                secret[request.app_id] = secret.get(request.app_id, False) or app.say.secret
    problems = []
    for app_id, paths in needed.items():
        withheld = secret[app_id]
        name = _api_name(app_id, withheld)
        keys = paths[0] if len(paths) == 1 else f"{', '.join(paths[:-1])} and {paths[-1]}"
        if app_id in tenant.missing_apis:
            api = healthcare.API_BY_APP_ID.get(app_id)
            fix = (
                api.missing_hint
                if api
                else f"Create it with `az ad sp create --id {'<app ID>' if withheld else app_id}`, "
                "or check the application ID."
            )
            problems.append(
                Problem(
                    "",
                    f"the tenant has no service principal for {name}, needed by {keys}. {fix}",
                )
            )
        else:
            problems.append(
                Problem(
                    "",
                    f"looking up the service principal of {name} (for {keys}) failed: "
                    f"{tenant.failed_lookups[app_id].rstrip('. ')}. Check that the deploying identity may "
                    "read service principals (Application.Read.All).",
                )
            )
    return problems


def resolve_permissions(
    app: AppView, tenant: TenantView
) -> tuple[tuple[ApiAccess, ...], list[Problem]]:
    """Merge an app's apiPermissions per API and resolve every name against the tenant.

    APIs the tenant lacks are left out here: ``api_problems`` reports them once per API.
    """
    problems: list[Problem] = []
    by_api: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    for request in app.requests:
        api = tenant.apis.get(request.app_id)
        if api is None:
            continue
        scopes, roles = by_api.setdefault(request.app_id, ({}, {}))
        problems += _resolve_names(request, api, app.say.secret, scopes, roles)
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
    secret: bool,
    scopes: dict[str, str],
    roles: dict[str, str],
) -> list[Problem]:
    problems = []
    publisher = _api_name(api.app_id, secret) if secret else f"{api.display_name} ({api.app_id})"

    # Which names an API publishes tells which API a withheld app ID is; Microsoft's own
    # APIs are known anyway.
    list_names = not secret or api.app_id in healthcare.API_BY_APP_ID

    def unknown(index: int, name: str, kind: str, published: Iterable[str]) -> Problem:
        listing = ", ".join(sorted(set(published))) or "none" if list_names else "(withheld)"
        shown = "[secret]" if secret else repr(name)
        return Problem(
            join_path(request.path, index)
            if kind == "permission"
            else join_path(request.path, kind + "s", index),
            f"{shown} is not a {kind} published by {publisher}; it publishes: {listing}",
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

"""What an application asks of the services and the tenant: data roles by name or GUID, and
API permissions by service name, well-known alias or application ID."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from components import PROJECT, azure_roles, healthcare
from components.config.checking import AppCheck, Findings
from components.config.models import ExplicitPermissions
from components.config.settings import ApiPermissionRequest, RoleGrant
from components.errors import Plain, Problem


@dataclass(frozen=True)
class _Service:
    """A service an application holds roles on: its name, its key as a message shows it, and
    its kind (None when the kind did not parse)."""

    name: str
    key: str
    kind: str | None


def role_grants(app: AppCheck) -> tuple[list[RoleGrant], Findings]:
    """Service names, role names or GUIDs, and the kind each role applies to.

    One grant per (service, role definition), the first spelling kept: a name and its GUID,
    or the name in another case, would otherwise collide in ARM (RoleAssignmentExists) and,
    for equal slugs, in the URN.
    """
    grants: dict[tuple[str, str], RoleGrant] = {}
    problems: list[Problem] = []
    roles = app.settings.roles
    declared = app.services.declared
    for service_name, role_names in roles.items():
        service_key = app.key(service_name, roles)
        if service_name not in declared:
            known = ", ".join(app.services_say.key(n, declared) for n in sorted(declared))
            problems.append(
                app.problem(
                    "roles",
                    service_key,
                    message=f"is not a service in {PROJECT}:services "
                    f"(known: {known or 'none declared'})",
                )
            )
            continue
        service = _Service(service_name, service_key, app.services.kinds.get(service_name))
        for index, role_name in enumerate(role_names):
            grant = _role(app, service, index, role_name)
            if isinstance(grant, Problem):
                problems.append(grant)
            elif grant is not None:
                grants.setdefault((service_name, grant.role_guid), grant)
    return list(grants.values()), Findings(tuple(problems))


def _role(
    app: AppCheck, service: _Service, index: int, role_name: str
) -> RoleGrant | Problem | None:
    """The grant, or why there is none; None when the service's kind did not parse (the
    problem is reported at the service)."""
    say, service_name, service_key, kind = app.say, service.name, service.key, service.kind
    if healthcare.is_guid(role_name):
        guid = role_name.lower()
        privileged = azure_roles.privileged_role(guid)
        if privileged is not None:
            return app.problem(
                "roles",
                service_key,
                index,
                message=f"{say.value(Plain(guid))} is the built-in role "
                f"{say.value(privileged)}, which can grant access or administer resources; a "
                "client application gets a data role (FHIR Data Reader ...) or a custom role "
                "with data actions only",
            )
        return RoleGrant(service_name, guid, guid)
    role = healthcare.find_built_in_role(role_name)
    if role is None:
        known = ", ".join(healthcare.BUILT_IN_ROLES)
        return app.problem(
            "roles",
            service_key,
            index,
            message=f"{say.value(role_name)} is not a built-in role; known roles: {known}; or "
            "give a role definition GUID for a custom role",
        )
    if kind is None:
        return None  # the service's kind did not parse; reported there
    if kind not in role.kinds:
        if say.secret or app.services_say.secret:
            message = (
                "this built-in role does not apply to the kind of this service (details "
                "withheld: the role or the kind is secret)"
            )
        else:
            fitting = ", ".join(
                r.name for r in healthcare.BUILT_IN_ROLES.values() if kind in r.kinds
            )
            message = (
                f"'{role.name}' does not apply to service '{service_name}' of kind {kind}; "
                f"roles for {kind}: {fitting}"
            )
        return app.problem("roles", service_key, index, message=message)
    return RoleGrant(service_name, role.name, role.guid)


def permission_requests(
    app: AppCheck, protected: Mapping[str, str], graph_scopes: tuple[str, ...] = ()
) -> tuple[list[ApiPermissionRequest], Findings]:
    """API permissions: service name, well-known alias or raw app ID; and the Microsoft Graph
    scopes a SMART client signs users in with (``graph_scopes``)."""
    requests: list[ApiPermissionRequest] = []
    problems: list[Problem] = []
    permissions = app.settings.api_permissions
    for key, spec in permissions.items():
        path = app.at("apiPermissions", app.key(key, permissions))
        if key in protected:
            problems.append(
                Problem(
                    path,
                    f"names a FHIR service that smartResources.{protected[key]} protects: its "
                    "audience is that application's identifier URI, so the Azure Healthcare "
                    f"APIs permissions do not reach it; ask for its scopes with `smart: "
                    f"{{resource: {protected[key]}, scopes: [...]}}` instead",
                )
            )
            continue
        api = _api_named(app, key, path)
        if isinstance(api, Problem):
            problems.append(api)
            continue
        if api is None:
            continue
        app_id, service_key = api
        names, scopes, roles, empty = _permission_names(spec)
        if empty:
            problems.append(Problem(path, empty))
        requests.append(
            ApiPermissionRequest(key, app_id, service_key, names, scopes, roles, path=path)
        )
    if graph_scopes:
        graph = healthcare.WELL_KNOWN_APIS["microsoft-graph"]
        requests.append(
            ApiPermissionRequest(
                graph.alias, graph.app_id, None, graph_scopes, (), (), path=app.at("smart")
            )
        )
    warnings: tuple[str, ...] = ()
    if (
        app.ok("admin_consent")
        and app.settings.admin_consent
        and not permissions
        and not app.settings.smart
    ):
        warnings = (f"{app.at('adminConsent')}: true, but the app requests no apiPermissions",)
    return requests, Findings(tuple(problems), warnings)


def _api_named(app: AppCheck, key: str, path: str) -> tuple[str, str | None] | Problem | None:
    """The app ID of the API an apiPermissions key names, and the service it names if it
    names one; a problem when it names none; None for a service whose kind did not parse
    (reported there)."""
    services = app.services
    if key in services.kinds:
        alias = healthcare.API_FOR_KIND[services.kinds[key]]  # type: ignore[index]
        return healthcare.WELL_KNOWN_APIS[alias].app_id, key
    if key in services.declared:
        return None
    if key in healthcare.WELL_KNOWN_APIS:
        return healthcare.WELL_KNOWN_APIS[key].app_id, None
    if healthcare.is_guid(key):
        return key.lower(), None
    known = ", ".join(healthcare.WELL_KNOWN_APIS)
    hint = ""
    if not app.say.secret:
        options = sorted(set(services.declared) | set(healthcare.WELL_KNOWN_APIS))
        close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
    return Problem(
        path, f"is not a service name, a well-known API ({known}) or an application ID{hint}"
    )


def _permission_names(
    spec: ExplicitPermissions | tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str | None]:
    """(names, scopes, roles) of one entry (a list of names, or explicit scopes and roles),
    and why the entry asks for nothing, if it does (a part that did not parse is reported by
    the schema)."""
    if isinstance(spec, ExplicitPermissions):
        scopes = spec.scopes if "scopes" not in spec.failed_fields else ()
        roles = spec.roles if "roles" not in spec.failed_fields else ()
        empty = not spec.failed_fields and not scopes and not roles
        return (), scopes, roles, "lists no scopes or roles" if empty else None
    names = tuple(spec)
    return names, (), (), None if names else "lists no permissions"

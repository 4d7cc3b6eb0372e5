"""What an application asks of the services and the tenant: data roles by name or GUID, and
API permissions by service name, well-known alias or application ID."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from components import PROJECT, azure_roles, healthcare
from components.config.models import ExplicitPermissions
from components.config.settings import ApiPermissionRequest, RoleGrant
from components.errors import Plain

if TYPE_CHECKING:
    from components.config.application import AppCheck


def role_grants(app: AppCheck) -> list[RoleGrant]:
    """Service names, role names or GUIDs, and the kind each role applies to.

    One grant per (service, role definition), the first spelling kept: a name and its GUID,
    or the name in another case, would otherwise collide in ARM (RoleAssignmentExists) and,
    for equal slugs, in the URN.
    """
    grants: dict[tuple[str, str], RoleGrant] = {}
    roles = app.settings.roles
    declared = app.services.declared
    for service_name, role_names in roles.items():
        service_key = app.key(service_name, roles)
        if service_name not in declared:
            known = ", ".join(app.services_say.key(n, declared) for n in sorted(declared))
            app.problem(
                "roles",
                service_key,
                message=f"is not a service in {PROJECT}:services (known: {known or 'none declared'})",
            )
            continue
        kind = app.services.kinds.get(service_name)
        for index, role_name in enumerate(role_names):
            grant = _role(app, service_name, service_key, kind, index, role_name)
            if grant is not None:
                grants.setdefault((service_name, grant.role_guid), grant)
    return list(grants.values())


def _role(
    app: AppCheck, service_name: str, service_key: str, kind: str | None, index: int, role_name: str
) -> RoleGrant | None:
    say = app.say
    if healthcare.is_guid(role_name):
        guid = role_name.lower()
        privileged = azure_roles.privileged_role(guid)
        if privileged is not None:
            app.problem(
                "roles",
                service_key,
                index,
                message=f"{say.value(Plain(guid))} is the built-in role "
                f"{say.value(privileged)}, which can grant access or administer resources; a "
                "client application gets a data role (FHIR Data Reader ...) or a custom role "
                "with data actions only",
            )
            return None
        return RoleGrant(service_name, guid, guid)
    role = healthcare.find_built_in_role(role_name)
    if role is None:
        known = ", ".join(healthcare.BUILT_IN_ROLES)
        app.problem(
            "roles",
            service_key,
            index,
            message=f"{say.value(role_name)} is not a built-in role; known roles: {known}; or "
            "give a role definition GUID for a custom role",
        )
        return None
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
        app.problem("roles", service_key, index, message=message)
        return None
    return RoleGrant(service_name, role.name, role.guid)


def permission_requests(app: AppCheck) -> list[ApiPermissionRequest]:
    """API permissions: service name, well-known alias or raw app ID."""
    requests: list[ApiPermissionRequest] = []
    permissions, say = app.settings.api_permissions, app.say
    services = app.services
    for key, spec in permissions.items():
        path = app.at("apiPermissions", app.key(key, permissions))
        if key in services.kinds:
            alias = healthcare.API_FOR_KIND[services.kinds[key]]  # type: ignore[index]
            app_id, service_key = healthcare.WELL_KNOWN_APIS[alias].app_id, key
        elif key in services.declared:
            continue  # the service's kind did not parse; reported there
        elif key in healthcare.WELL_KNOWN_APIS:
            app_id, service_key = healthcare.WELL_KNOWN_APIS[key].app_id, None
        elif healthcare.is_guid(key):
            app_id, service_key = key.lower(), None
        else:
            known = ", ".join(healthcare.WELL_KNOWN_APIS)
            hint = ""
            if not say.secret:
                options = sorted(set(services.declared) | set(healthcare.WELL_KNOWN_APIS))
                close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
            app.run.problem(
                path,
                f"is not a service name, a well-known API ({known}) or an application ID{hint}",
            )
            continue
        names: tuple[str, ...]
        scopes: tuple[str, ...]
        roles: tuple[str, ...]
        if isinstance(spec, ExplicitPermissions):
            names = ()
            scopes = spec.scopes if "scopes" not in spec.failed_fields else ()
            roles = spec.roles if "roles" not in spec.failed_fields else ()
            if not spec.failed_fields and not scopes and not roles:
                app.run.problem(path, "lists no scopes or roles")
        else:
            names, scopes, roles = tuple(spec), (), ()
            if not names:
                app.run.problem(path, "lists no permissions")
        requests.append(
            ApiPermissionRequest(key, app_id, service_key, names, scopes, roles, path=path)
        )
    if app.ok("admin_consent") and app.settings.admin_consent and not permissions:
        app.run.warnings.append(
            f"{app.at('adminConsent')}: true, but the app requests no apiPermissions"
        )
    return requests

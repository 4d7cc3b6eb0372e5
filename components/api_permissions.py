"""API permissions by name, and admin consent for them (the portal's "API permissions")."""

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_azuread as azuread

from components.tenant import ApiAccess


class ApiPermissions(pulumi.ComponentResource):
    """One ``ApplicationApiAccess`` per API; with consent, one delegated grant per API
    holding every scope (a grant per scope fails with 409) and one app-role assignment per
    application permission."""

    def __init__(
        self,
        name: str,
        *,
        application_id: pulumi.Input[str],
        service_principal_object_id: pulumi.Input[str],
        accesses: tuple[ApiAccess, ...],
        admin_consent: bool,
        guard: Callable[[Any], Any] = lambda value: value,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("healthcare-clients:index:ApiPermissions", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.api_access: list[azuread.ApplicationApiAccess] = []
        self.grants: list[azuread.ServicePrincipalDelegatedPermissionGrant] = []
        self.app_role_assignments: list[azuread.AppRoleAssignment] = []
        for access in accesses:
            label = access.api.resource_label
            self.api_access.append(
                azuread.ApplicationApiAccess(
                    f"{name}-api-{label}",
                    application_id=application_id,
                    # Which API, and which of its permissions, the settings chose.
                    api_client_id=guard(access.api.app_id),
                    scope_ids=guard(access.scope_ids) if access.scope_ids else None,
                    role_ids=guard(access.role_ids) if access.role_ids else None,
                    opts=child,
                )
            )
            if not admin_consent:
                continue
            if access.scopes:
                self.grants.append(
                    azuread.ServicePrincipalDelegatedPermissionGrant(
                        f"{name}-consent-{label}",
                        service_principal_object_id=service_principal_object_id,
                        resource_service_principal_object_id=guard(access.api.object_id),
                        claim_values=guard(access.scope_names),
                        opts=child,
                    )
                )
            for role_name, role_id in access.roles:
                self.app_role_assignments.append(
                    azuread.AppRoleAssignment(
                        f"{name}-consent-{label}-{role_name}",
                        app_role_id=guard(role_id),
                        principal_object_id=service_principal_object_id,
                        resource_object_id=guard(access.api.object_id),
                        opts=child,
                    )
                )
        self.register_outputs(
            {
                "apis": guard([access.api.app_id for access in accesses]),
                "adminConsent": guard(admin_consent),
            }
        )

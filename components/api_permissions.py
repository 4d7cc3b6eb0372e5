"""API permissions by name, and admin consent for them (the portal's "API permissions")."""

import pulumi
import pulumi_azuread as azuread

from components.parent import Parent
from components.provider_resources import (
    API_ACCESS,
    APP_ROLE_ASSIGNMENT,
    DELEGATED_PERMISSION_GRANT,
)
from components.secrecy import secret_if
from components.tenant import ApiAccess


def api_permissions(
    parent: Parent,
    *,
    application_id: pulumi.Input[str],
    service_principal_object_id: pulumi.Input[str],
    accesses: tuple[ApiAccess, ...],
    admin_consent: bool,
) -> None:
    """One ``ApplicationApiAccess`` per API; with consent, one delegated grant per API
    holding every scope (a grant per scope fails with 409) and one app-role assignment per
    application permission. Which API, and which of its permissions, the settings chose."""
    name, secret, adoption = parent.name, parent.secret, parent.adoption
    for access in accesses:
        label = access.api.resource_label
        access_name = f"{name}-api-{label}"
        azuread.ApplicationApiAccess(
            access_name,
            application_id=application_id,
            api_client_id=secret_if(access.api.app_id, secret),
            scope_ids=secret_if(access.scope_ids, secret) if access.scope_ids else None,
            role_ids=secret_if(access.role_ids, secret) if access.role_ids else None,
            opts=parent.options(
                API_ACCESS,
                import_id=adoption.api_access(access.api.app_id) if adoption else None,
            ),
        )
        if not admin_consent:
            continue
        if access.scopes:
            grant_name = f"{name}-consent-{label}"
            azuread.ServicePrincipalDelegatedPermissionGrant(
                grant_name,
                service_principal_object_id=service_principal_object_id,
                resource_service_principal_object_id=secret_if(access.api.object_id, secret),
                claim_values=secret_if(access.scope_names, secret),
                opts=parent.options(
                    DELEGATED_PERMISSION_GRANT,
                    import_id=adoption.grant(access.api.app_id) if adoption else None,
                ),
            )
        for role_name, role_id in access.roles:
            assignment_name = f"{name}-consent-{label}-{role_name}"
            azuread.AppRoleAssignment(
                assignment_name,
                app_role_id=secret_if(role_id, secret),
                principal_object_id=service_principal_object_id,
                resource_object_id=secret_if(access.api.object_id, secret),
                opts=parent.options(APP_ROLE_ASSIGNMENT),
            )

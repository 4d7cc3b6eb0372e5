"""What a SMART client holds on its SMART resource application: API access to the scopes
and app roles it asks for, the fhirUser claim in its ID tokens, and, only when the user asks
for it, admin consent (docs/smart-on-fhir.md).

The permission IDs are outputs of the resource's own permission resources, so the engine
updates a client's access before it removes a permission the client no longer asks for."""

import pulumi
import pulumi_azuread as azuread

from components.config.smart import SmartClient
from components.parent import Parent
from components.provider_resources import (
    API_ACCESS,
    APP_ROLE_ASSIGNMENT,
    CLAIMS_MAPPING_ASSIGNMENT,
    DELEGATED_PERMISSION_GRANT,
)
from components.secrecy import secret_if
from components.smart_resource import SmartResourceApplication, permission_label


def smart_access(  # noqa: PLR0913 (the client, its resource, and the consent setting, by name)
    parent: Parent,
    *,
    application_id: pulumi.Input[str],
    service_principal: azuread.ServicePrincipal,
    client: SmartClient,
    resource: SmartResourceApplication,
    admin_consent: bool,
) -> None:
    name, secret = parent.name, parent.secret
    label = f"smart-{client.resource}"
    scope_ids = [resource.scope_ids[scope.entra] for scope in client.delegated]
    role_ids = [resource.role_ids[role.entra] for role in client.roles]
    azuread.ApplicationApiAccess(
        f"{name}-api-{label}",
        application_id=application_id,
        api_client_id=resource.client_id,
        scope_ids=scope_ids or None,
        role_ids=role_ids or None,
        opts=parent.options(API_ACCESS),
    )
    if client.wants_fhir_user:
        # An ID token is built from the client's configuration: the same policy on the
        # client's service principal gives the app the user's fhirUser (the sample's
        # set-fhir-user-mapping.md: "for the FHIR Resource application *and* each SMART
        # client application").
        azuread.ServicePrincipalClaimsMappingPolicyAssignment(
            f"{name}-fhir-user-claim",
            claims_mapping_policy_id=resource.claims_mapping_policy_id,
            service_principal_id=service_principal.id,
            opts=parent.options(CLAIMS_MAPPING_ASSIGNMENT),
        )
    if not admin_consent:
        return
    if client.delegated:
        azuread.ServicePrincipalDelegatedPermissionGrant(
            f"{name}-consent-{label}",
            service_principal_object_id=service_principal.object_id,
            resource_service_principal_object_id=resource.service_principal_object_id,
            claim_values=secret_if([scope.entra for scope in client.delegated], secret),
            opts=parent.options(DELEGATED_PERMISSION_GRANT),
        )
    for role in client.roles:
        azuread.AppRoleAssignment(
            f"{name}-consent-{label}-{permission_label(role)}",
            app_role_id=resource.role_ids[role.entra],
            principal_object_id=service_principal.object_id,
            resource_object_id=resource.service_principal_object_id,
            opts=parent.options(APP_ROLE_ASSIGNMENT),
        )

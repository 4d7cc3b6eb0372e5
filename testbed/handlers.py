"""Which handler serves each resource type and each invoke of the fake tenant.

One explicit table, built from the handler modules' classes and functions; the modules
themselves register nothing and import nothing of ``testbed.tenant`` at run time, so the
tenant imports this table without an import cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from components import provider_resources as types
from testbed import api_exposure, arm, credentials, entra, healthcare_services, principals
from testbed.resource_handler import Handler, InvokeHandler, ServedHandler
from testbed.served_types import FHIR_SERVICE, WORKSPACE

# The types our plugin serves under the engine (testbed.plugin), through their lifecycle.
SERVED_HANDLERS: Mapping[str, ServedHandler] = MappingProxyType(
    {
        types.ROLE_ASSIGNMENT.token: arm.RoleAssignment(),
        types.KEY_VAULT_SECRET.token: arm.VaultSecret(),
        # Only a consumer's program declares these, beside the component package.
        WORKSPACE.token: healthcare_services.Workspace(),
        FHIR_SERVICE.token: healthcare_services.FhirService(),
    }
)

# Every type the program declares, as the mock runtime checks and creates it.
RESOURCE_HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        **SERVED_HANDLERS,
        types.APPLICATION_REGISTRATION.token: entra.ApplicationRegistration(),
        types.APPLICATION_OWNER.token: entra.ApplicationOwner(),
        types.FALLBACK_PUBLIC_CLIENT.token: entra.FallbackPublicClient(),
        types.REDIRECT_URIS.token: entra.RedirectUris(),
        types.SERVICE_PRINCIPAL.token: principals.ServicePrincipal(),
        types.API_ACCESS.token: principals.ApiAccess(),
        types.DELEGATED_PERMISSION_GRANT.token: principals.DelegatedPermissionGrant(),
        types.APP_ROLE_ASSIGNMENT.token: principals.AppRoleAssignment(),
        types.APPLICATION_PASSWORD.token: credentials.ApplicationPassword(),
        types.APPLICATION_CERTIFICATE.token: credentials.ApplicationCertificate(),
        types.FEDERATED_CREDENTIAL.token: credentials.FederatedCredential(),
        types.IDENTIFIER_URI.token: api_exposure.IdentifierUri(),
        types.PERMISSION_SCOPE.token: api_exposure.PermissionScope(),
        types.APP_ROLE.token: api_exposure.AppRole(),
        types.CLAIMS_MAPPING_POLICY.token: api_exposure.ClaimsMappingPolicy(),
        types.CLAIMS_MAPPING_ASSIGNMENT.token: api_exposure.ClaimsMappingAssignment(),
    }
)

INVOKE_HANDLERS: Mapping[str, InvokeHandler] = MappingProxyType(
    {
        types.GET_APPLICATION: entra.get_application,
        types.GET_CLIENT_CONFIG: principals.get_client_config,
        types.GET_SERVICE_PRINCIPAL: principals.get_service_principal,
        types.GET_ROLE_ASSIGNMENT: arm.get_role_assignment,
    }
)

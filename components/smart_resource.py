"""The SMART resource application: the tenant's own Entra application that a FHIR service
validates SMART tokens against (docs/smart-on-fhir.md).

Microsoft's first-party Healthcare APIs application allows no claims mapping, so the fhirUser
claim needs an application of the tenant's own (Azure-Samples/azure-health-data-and-ai-samples,
smartonfhir-smart-v2, docs/ad-apps/fhir-resource-app-registration.md). Granular azuread
resources only: registration, owners, service principal, identifier URI, one permission scope
per delegated SMART scope, one app role per system scope, and the claims mapping policy that
emits the user's fhirUser directory extension as the ``fhirUser`` claim.

What no granular azuread resource can do stays a documented one-time step, listed in the
stack output ``smartResources.<name>.manualSteps``: the directory extension itself (Graph
``POST /applications/{id}/extensionProperties``) and ``api.acceptMappedClaims``, which Entra
requires of an application whose tokens carry mapped claims (AADSTS50146 otherwise) and which
``ApplicationRegistration`` does not expose (terraform-provider-azuread #1233).
"""

import hashlib
import json
import re

import pulumi
import pulumi_azuread as azuread

from components.adoption import managed_note
from components.config.smart import SmartResource
from components.parent import Parent
from components.provider_resources import (
    APP_ROLE,
    APPLICATION_OWNER,
    APPLICATION_REGISTRATION,
    CLAIMS_MAPPING_ASSIGNMENT,
    CLAIMS_MAPPING_POLICY,
    IDENTIFIER_URI,
    PERMISSION_SCOPE,
    SERVICE_PRINCIPAL,
)
from components.secrecy import secret_if
from components.smart import SmartScope

TYPE = "healthcare-clients:index:SmartResourceApplication"
FHIR_USER_CLAIM = "fhirUser"
_NAME_SAFE = re.compile(r"[A-Za-z0-9._-]+")


def fhir_user_extension(client_id: str) -> str:
    """The directory extension's name: extension_<appId without dashes>_<name> (Entra,
    "Directory extension attributes in claims")."""
    return f"extension_{client_id.replace('-', '')}_{FHIR_USER_CLAIM}"


def claims_mapping_definition(client_id: str) -> str:
    """Emit the user's fhirUser extension as the ``fhirUser`` claim, keeping the basic claims:
    the policy shape of Entra's "Directory extension attributes in claims" (ExtensionID, not ID,
    for a directory extension) with the basic claim set included, as Graph's
    claimsMappingPolicy example has it."""
    return json.dumps(
        {
            "ClaimsMappingPolicy": {
                "Version": 1,
                "IncludeBasicClaimSet": "true",
                "ClaimsSchema": [
                    {
                        "Source": "User",
                        "ExtensionID": fhir_user_extension(client_id),
                        "JWTClaimType": FHIR_USER_CLAIM,
                    }
                ],
            }
        },
        separators=(",", ":"),
    )


def permission_label(scope: SmartScope) -> str:
    """A scope's part of a resource name: its Entra value, or a safe form of it with a digest
    when the value holds characters a reader would not expect in a name."""
    if _NAME_SAFE.fullmatch(scope.entra):
        return scope.entra
    digest = hashlib.sha256(scope.entra.encode()).hexdigest()[:8]
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '-', scope.entra).strip('-')}-{digest}"


class SmartResourceApplication(pulumi.ComponentResource):
    """One ``smartResources`` entry. The attributes are what its clients and the stack
    outputs read: the client ID, the identifier URI, and each permission's ID as an output
    of the resource that defines it, so a client's API access depends on the permission."""

    client_id: pulumi.Output[str]
    application_object_id: pulumi.Output[str]
    service_principal_object_id: pulumi.Output[str]
    claims_mapping_policy_id: pulumi.Output[str]
    scope_ids: dict[str, pulumi.Output[str]]  # Entra value -> scope ID
    role_ids: dict[str, pulumi.Output[str]]  # Entra value -> app role ID

    def __init__(  # noqa: PLR0913 (the plain values its parts use, by name)
        self,
        name: str,
        *,
        resource: SmartResource,
        stack: str,
        protect: bool,
        deployer_object_id: str,
        secret: bool,
    ) -> None:
        super().__init__(TYPE, name, None, pulumi.ResourceOptions(protect=protect))
        parent = Parent(self, name, secret, component_type=TYPE)
        registration = azuread.ApplicationRegistration(
            name,
            display_name=secret_if(resource.display_name, secret),
            description=secret_if(resource.description, secret) if resource.description else None,
            notes=secret_if(managed_note(stack, name), secret),
            sign_in_audience="AzureADMyOrg",
            # v1.0 access tokens carry the identifier URI the client asked for as `aud`; v2.0
            # tokens always carry the client ID (Entra, "Access token claims reference"), and
            # the FHIR service compares `aud` with its configured audience.
            requested_access_token_version=1,
            implicit_access_token_issuance_enabled=False,
            implicit_id_token_issuance_enabled=False,
            opts=parent.options(APPLICATION_REGISTRATION),
        )
        for owner in resource.owners:
            azuread.ApplicationOwner(
                f"{name}-owner-{owner}",
                application_id=registration.id,
                owner_object_id=secret_if(owner, secret),
                opts=parent.options(APPLICATION_OWNER),
            )
        service_principal = azuread.ServicePrincipal(
            f"{name}-sp",
            client_id=registration.client_id,
            owners=secret_if([deployer_object_id, *resource.owners], secret),
            opts=parent.options(SERVICE_PRINCIPAL),
        )
        azuread.ApplicationIdentifierUri(
            f"{name}-identifier-uri",
            application_id=registration.id,
            identifier_uri=secret_if(resource.identifier_uri, secret),
            opts=parent.options(IDENTIFIER_URI),
        )
        self.scope_ids = {
            scope.entra: self._scope(parent, registration, scope).scope_id
            for scope in resource.scopes
        }
        self.role_ids = {
            role.entra: self._role(parent, registration, role).role_id for role in resource.roles
        }
        policy = azuread.ClaimsMappingPolicy(
            f"{name}-fhir-user-claim",
            display_name=secret_if(f"healthcare-clients {stack}/{name}: fhirUser claim", secret),
            definitions=[registration.client_id.apply(claims_mapping_definition)],
            opts=parent.options(CLAIMS_MAPPING_POLICY),
        )
        # Access tokens are built from the resource's configuration (Entra, "Configure
        # optional claims"): the policy on the resource's service principal puts fhirUser in
        # the tokens the FHIR service reads.
        azuread.ServicePrincipalClaimsMappingPolicyAssignment(
            f"{name}-fhir-user-claim",
            claims_mapping_policy_id=policy.id,
            service_principal_id=service_principal.id,
            opts=parent.options(CLAIMS_MAPPING_ASSIGNMENT),
        )
        self.client_id = registration.client_id
        self.application_object_id = registration.object_id
        self.service_principal_object_id = service_principal.object_id
        self.claims_mapping_policy_id = policy.id
        self.register_outputs(
            {
                "clientId": self.client_id,
                "applicationObjectId": self.application_object_id,
                "servicePrincipalObjectId": self.service_principal_object_id,
                "claimsMappingPolicyId": self.claims_mapping_policy_id,
            }
        )

    @staticmethod
    def _scope(
        parent: Parent, registration: azuread.ApplicationRegistration, scope: SmartScope
    ) -> azuread.ApplicationPermissionScope:
        secret = parent.secret
        return azuread.ApplicationPermissionScope(
            f"{parent.name}-scope-{permission_label(scope)}",
            application_id=registration.id,
            scope_id=scope.permission_id,
            value=secret_if(scope.entra, secret),
            # Users consent for themselves: admin consent would override the scopes they pick.
            type="User",
            admin_consent_display_name=secret_if(scope.smart, secret),
            admin_consent_description=secret_if(scope.description, secret),
            user_consent_display_name=secret_if(scope.smart, secret),
            user_consent_description=secret_if(scope.description, secret),
            opts=parent.options(PERMISSION_SCOPE),
        )

    @staticmethod
    def _role(
        parent: Parent, registration: azuread.ApplicationRegistration, role: SmartScope
    ) -> azuread.ApplicationAppRole:
        secret = parent.secret
        return azuread.ApplicationAppRole(
            f"{parent.name}-role-{permission_label(role)}",
            application_id=registration.id,
            role_id=role.permission_id,
            value=secret_if(role.entra, secret),
            allowed_member_types=["Application"],
            display_name=secret_if(role.smart, secret),
            description=secret_if(role.description, secret),
            opts=parent.options(APP_ROLE),
        )

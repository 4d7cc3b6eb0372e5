"""The provider resource types this program declares, as the providers define them.

One table, read by the fake tenant (``testbed``), the offline plan (``tools.plan``) and the
policy pack: the type token, the SDK class, the inputs whose change makes the provider
replace the resource, whether the provider itself replaces it delete-first, what its delete
does, which outputs it marks secret, and the form of its import ID. Nothing else in the
project spells a type token out.

Sources (read 2026-11-28): terraform-provider-azuread v3.9.0, which pulumi-azuread 6.11.1
bundles (``internal/services/...``, cited per row as ``TF <file>``), pulumi-terraform-bridge
(``pkg/tfbridge/provider.go``: a TF ``ForceNew`` argument becomes a replace; delete-first only
for an explicit override, which pulumi-azuread's ``provider/resources.go`` sets for none of
these types, so every azuread replacement is create-before-delete), and pulumi-azure-native
3.x (``provider/pkg/provider/diff.go``: path parameters force a replacement;
``provider/pkg/gen/replacement.go``: ``principalId`` and ``scope`` of a role assignment too;
``provider.go`` Diff: a resource whose name the program gives is replaced delete-first).
Pure data: importing this module imports nothing from Pulumi.
"""

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class ResourceType:
    token: str
    module: str  # the SDK module that defines the class
    class_name: str
    replace_on: frozenset[str]  # wire (camelCase) input names
    # The provider replaces delete-first by itself (not counting the program's own
    # delete_before_replace option).
    provider_deletes_first: bool
    on_delete: str  # what the provider's delete does, in words
    secret_outputs: frozenset[str]
    import_id: str | None  # the form of the ID `pulumi import` takes; None: not importable
    source: str
    # Outputs the provider fills in from another object or under another name than the input
    # they come from (a service principal's displayName is its application's). Pulumi makes an
    # output secret only when the input of the same name was, so under a secret config key the
    # program lists these as additional secret outputs.
    copied_outputs: frozenset[str] = frozenset()

    @property
    def short(self) -> str:
        """The token as the Pulumi CLI prints it: ``azuread:index:ApplicationPassword``."""
        package, module, name = self.token.split(":")
        return f"{package}:{module.split('/', 1)[0]}:{name}"


def _azuread(  # noqa: PLR0913 (one argument per column of the table)
    name: str,
    module: str,
    replace_on: set[str],
    on_delete: str,
    import_id: str | None,
    source: str,
    secret_outputs: frozenset[str] = frozenset(),
    copied_outputs: frozenset[str] = frozenset(),
) -> ResourceType:
    camel = name[0].lower() + name[1:]
    return ResourceType(
        token=f"azuread:index/{camel}:{name}",
        module=f"pulumi_azuread.{module}",
        class_name=name,
        replace_on=frozenset(replace_on),
        provider_deletes_first=False,
        on_delete=on_delete,
        secret_outputs=secret_outputs,
        import_id=import_id,
        source=source,
        copied_outputs=copied_outputs,
    )


APPLICATION_REGISTRATION: Final = _azuread(
    "ApplicationRegistration",
    "application_registration",
    set(),
    "deletes the application (and with it every credential on it)",
    "/applications/{objectId}",
    "TF applications/application_registration_resource.go: no argument is ForceNew",
)
APPLICATION_OWNER: Final = _azuread(
    "ApplicationOwner",
    "application_owner",
    {"applicationId", "ownerObjectId"},
    "removes the owner reference",
    "/applications/{objectId}/owners/{ownerObjectId}",
    "TF applications/application_owner_resource.go",
)
SERVICE_PRINCIPAL: Final = _azuread(
    "ServicePrincipal",
    "service_principal",
    {"clientId"},
    "deletes the service principal",
    "/servicePrincipals/{objectId}",
    "TF serviceprincipals/service_principal_resource.go (display_name, homepage_url, logout_url "
    "and redirect_uris are Computed, read from the application)",
    copied_outputs=frozenset({"displayName", "homepageUrl", "logoutUrl", "redirectUris"}),
)
FALLBACK_PUBLIC_CLIENT: Final = _azuread(
    "ApplicationFallbackPublicClient",
    "application_fallback_public_client",
    {"applicationId", "enabled"},
    "sets isFallbackPublicClient to null; its ID is the same for every value",
    "/applications/{objectId}/fallbackPublicClient",
    "TF applications/application_fallback_public_client_resource.go",
)
REDIRECT_URIS: Final = _azuread(
    "ApplicationRedirectUris",
    "application_redirect_uris",
    {"applicationId", "type"},
    "empties that platform's redirect URIs",
    "/applications/{objectId}/redirectUris/{type}",
    "TF applications/application_redirect_uris_resource.go",
)
APPLICATION_PASSWORD: Final = _azuread(
    "ApplicationPassword",
    "application_password",
    {
        "applicationId",
        "displayName",
        "startDate",
        "endDate",
        "endDateRelative",
        "rotateWhenChanged",
    },
    "removes the password from the application (removePassword)",
    None,  # "This resource does not support importing" (TF docs application_password.md)
    "TF applications/application_password_resource.go: every argument is ForceNew",
    secret_outputs=frozenset({"value"}),
)
APPLICATION_CERTIFICATE: Final = _azuread(
    "ApplicationCertificate",
    "application_certificate",
    {
        "applicationId",
        "encoding",
        "keyId",
        "startDate",
        "endDate",
        "endDateRelative",
        "type",
        "value",
    },
    "removes the key credential from the application",
    "{objectId}/certificate/{keyId}",
    "TF applications/application_certificate_resource.go: every argument is ForceNew",
    secret_outputs=frozenset({"value"}),
)
FEDERATED_CREDENTIAL: Final = _azuread(
    "ApplicationFederatedIdentityCredential",
    "application_federated_identity_credential",
    {"applicationId", "displayName"},
    "deletes the federated identity credential",
    "{objectId}/federatedIdentityCredential/{credentialId}",
    "TF applications/application_federated_identity_credential_resource.go",
)
API_ACCESS: Final = _azuread(
    "ApplicationApiAccess",
    "application_api_access",
    {"applicationId", "apiClientId"},
    "removes that API's entry from requiredResourceAccess",
    "/applications/{objectId}/apiAccess/{apiClientId}",
    "TF applications/application_api_access_resource.go",
)
DELEGATED_PERMISSION_GRANT: Final = _azuread(
    "ServicePrincipalDelegatedPermissionGrant",
    "service_principal_delegated_permission_grant",
    {"resourceServicePrincipalObjectId", "servicePrincipalObjectId", "userObjectId"},
    "deletes the oauth2PermissionGrant",
    "/oauth2PermissionGrants/{grantId}",
    "TF serviceprincipals/service_principal_delegated_permission_grant_resource.go",
)
APP_ROLE_ASSIGNMENT: Final = _azuread(
    "AppRoleAssignment",
    "app_role_assignment",
    {"appRoleId", "principalObjectId", "resourceObjectId"},
    "deletes the app role assignment",
    "/servicePrincipals/{resourceObjectId}/appRoleAssignedTo/{assignmentId}",
    "TF approleassignments/app_role_assignment_resource.go (principal_display_name is Computed: "
    "the client's service principal's name)",
    copied_outputs=frozenset({"principalDisplayName"}),
)
IDENTIFIER_URI: Final = _azuread(
    "ApplicationIdentifierUri",
    "application_identifier_uri",
    {"applicationId", "identifierUri"},
    "removes the URI from the application's identifierUris",
    "/applications/{objectId}/identifierUris/{base64 of the URI}",
    "TF applications/application_identifier_uri_resource.go: create refuses a URI already on "
    "the application (requires import)",
)
PERMISSION_SCOPE: Final = _azuread(
    "ApplicationPermissionScope",
    "application_permission_scope",
    {"applicationId", "scopeId"},
    "disables the scope, waits until Graph shows it disabled, then removes it; an update "
    "disables it before patching and enables it again",
    "/applications/{objectId}/permissionScopes/{scopeId}",
    "TF applications/application_permission_scope_resource.go (Update, Delete) and "
    "applications.go applicationDisableOauth2PermissionScopes: every write sets isEnabled true",
)
APP_ROLE: Final = _azuread(
    "ApplicationAppRole",
    "application_app_role",
    {"applicationId", "roleId"},
    "disables the app role, waits until Graph shows it disabled, then removes it",
    "/applications/{objectId}/appRoles/{roleId}",
    "TF applications/application_app_role_resource.go and applications.go "
    "applicationDisableAppRoles",
)
CLAIMS_MAPPING_POLICY: Final = _azuread(
    "ClaimsMappingPolicy",
    "claims_mapping_policy",
    set(),
    "deletes the claims mapping policy",
    "/policies/claimsMappingPolicies/{policyId}",
    "TF policies/claims_mapping_policy_resource.go: definition and display_name update in place",
)
CLAIMS_MAPPING_ASSIGNMENT: Final = _azuread(
    "ServicePrincipalClaimsMappingPolicyAssignment",
    "service_principal_claims_mapping_policy_assignment",
    {"claimsMappingPolicyId", "servicePrincipalId"},
    "removes the policy from the service principal (removeClaimsMappingPolicyRef)",
    "/servicePrincipals/{objectId}/claimsMappingPolicies/{policyId}",
    "TF serviceprincipals/service_principal_claims_mapping_policy_assignment_resource.go",
)
ROLE_ASSIGNMENT: Final = ResourceType(
    token="azure-native:authorization:RoleAssignment",
    module="pulumi_azure_native.authorization.role_assignment",
    class_name="RoleAssignment",
    # roleDefinitionId is not among them: azure-native updates it in place.
    replace_on=frozenset({"scope", "roleAssignmentName", "principalId"}),
    provider_deletes_first=True,  # the program gives roleAssignmentName
    on_delete="deletes the role assignment (ARM)",
    secret_outputs=frozenset(),
    import_id="{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
    source="azure-native diff.go (path parameters), gen/replacement.go, provider.go Diff",
)
KEY_VAULT_SECRET: Final = ResourceType(
    token="azure-native:keyvault:Secret",
    module="pulumi_azure_native.keyvault.secret",
    class_name="Secret",
    # A new properties.value is an in-place ARM PUT: a new version of the same secret.
    replace_on=frozenset({"resourceGroupName", "vaultName", "secretName"}),
    provider_deletes_first=True,  # the program gives secretName
    on_delete="soft-deletes the secret through the data plane (no purge)",
    secret_outputs=frozenset(),
    import_id=(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{vault}"
        "/secrets/{name}"
    ),
    source="azure-native diff.go (path parameters), customresources/custom_keyvault.go",
    copied_outputs=frozenset({"name"}),  # the secretName input, as ARM returns it
)
# Never declared by this program (granular resources only); named so checks can refuse it.
LEGACY_APPLICATION_TOKEN: Final = "azuread:index/application:Application"

RESOURCE_TYPES: Final[dict[str, ResourceType]] = {
    resource.token: resource
    for resource in (
        APPLICATION_REGISTRATION,
        APPLICATION_OWNER,
        SERVICE_PRINCIPAL,
        FALLBACK_PUBLIC_CLIENT,
        REDIRECT_URIS,
        APPLICATION_PASSWORD,
        APPLICATION_CERTIFICATE,
        FEDERATED_CREDENTIAL,
        API_ACCESS,
        DELEGATED_PERMISSION_GRANT,
        APP_ROLE_ASSIGNMENT,
        IDENTIFIER_URI,
        PERMISSION_SCOPE,
        APP_ROLE,
        CLAIMS_MAPPING_POLICY,
        CLAIMS_MAPPING_ASSIGNMENT,
        ROLE_ASSIGNMENT,
        KEY_VAULT_SECRET,
    )
}

GET_CLIENT_CONFIG: Final = "azuread:index/getClientConfig:getClientConfig"
GET_APPLICATION: Final = "azuread:index/getApplication:getApplication"
GET_SERVICE_PRINCIPAL: Final = "azuread:index/getServicePrincipal:getServicePrincipal"
GET_ROLE_ASSIGNMENT: Final = "azure-native:authorization:getRoleAssignment"

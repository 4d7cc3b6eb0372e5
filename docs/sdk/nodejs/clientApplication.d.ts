import * as pulumi from "@pulumi/pulumi";
import * as inputs from "./types/input";
import * as outputs from "./types/output";
/**
 * An Entra ID client application for Azure Health Data Services (FHIR, DICOM) or Azure
 * API for FHIR: app registration, service principal, redirect URIs, a client secret that
 * rotates without downtime, API permissions with admin consent, and Azure RBAC data roles on
 * the services. Every problem in the arguments is reported at once, before anything is
 * registered.
 */
export declare class ClientApplication extends pulumi.ComponentResource {
    /**
     * Returns true if the given object is an instance of ClientApplication.  This is designed to work even
     * when multiple copies of the Pulumi SDK have been loaded into the same process.
     */
    static isInstance(obj: any): obj is ClientApplication;
    /**
     * The object ID of the app registration.
     */
    readonly applicationObjectId: pulumi.Output<string>;
    /**
     * The application (client) ID.
     */
    readonly clientId: pulumi.Output<string>;
    /**
     * The active client secret (secret). Absent when `secret.enabled` is false.
     */
    readonly clientSecret: pulumi.Output<string | undefined>;
    /**
     * When the active client secret expires (RFC 3339).
     */
    readonly clientSecretExpiresAt: pulumi.Output<string | undefined>;
    /**
     * Every password slot of the client secret, and which one is active.
     */
    readonly secrets: pulumi.Output<outputs.ClientSecretSlot[]>;
    /**
     * The object ID of the application's service principal (enterprise application), the
     * principal that holds the data roles.
     */
    readonly servicePrincipalObjectId: pulumi.Output<string>;
    /**
     * Create a ClientApplication resource with the given unique name, arguments, and options.
     *
     * @param name The _unique_ name of the resource.
     * @param args The arguments to use to populate this resource's properties.
     * @param opts A bag of options that control this resource's behavior.
     */
    constructor(name: string, args?: ClientApplicationArgs, opts?: pulumi.ComponentResourceOptions);
}
/**
 * The set of arguments for constructing a ClientApplication resource.
 */
export interface ClientApplicationArgs {
    /**
     * The portal's "Grant admin consent" for the delegated scopes in `apiPermissions`.
     */
    adminConsent?: boolean;
    /**
     * Delegated scopes and application roles to request, by API: a name in `services` (its
     * API: Azure Healthcare APIs or Azure API for DICOM), a well-known API
     * (`azure-healthcare-apis`, `azure-api-for-dicom`, `microsoft-graph`) or an application ID.
     * Names are checked against what the API publishes in the tenant.
     */
    apiPermissions?: {
        [key: string]: string[];
    };
    /**
     * Certificate credentials by name.
     */
    certificates?: {
        [key: string]: inputs.CertificateArgs;
    };
    /**
     * Description of the app registration.
     */
    description?: string;
    /**
     * Display name in Entra ID (the portal's "Name"); default: the resource's name.
     */
    displayName?: string;
    /**
     * Federated identity credentials by name.
     */
    federatedCredentials?: {
        [key: string]: inputs.FederatedCredentialArgs;
    };
    /**
     * Deliver the active client secret and the client ID to a Key Vault.
     */
    keyVault?: inputs.KeyVaultArgs;
    /**
     * Object IDs of additional owners of the registration and its service principal; the
     * identity that deploys is an owner already and is not listed.
     */
    owners?: string[];
    /**
     * The portal's "Allow public client flows": true for clients such as Postman that sign in
     * users without a secret. Default false.
     */
    publicClientFlows?: boolean;
    /**
     * Redirect URIs per platform.
     */
    redirectUris?: inputs.RedirectUrisArgs;
    /**
     * Azure RBAC data roles by service (a name in `services`): built-in role names such as
     * `FHIR Data Reader` or `DICOM Data Owner`, or role definition GUIDs of custom roles.
     */
    roles?: {
        [key: string]: string[];
    };
    /**
     * The client secret; by default two slots that rotate without downtime.
     */
    secret?: inputs.SecretArgs;
    /**
     * The services that `roles` and `apiPermissions` name, by name.
     */
    services?: {
        [key: string]: inputs.ServiceArgs;
    };
}
//# sourceMappingURL=clientApplication.d.ts.map
import * as pulumi from "@pulumi/pulumi";
/**
 * A certificate credential: its public part, read from a file.
 */
export interface CertificateArgs {
    /**
     * PEM or DER file with the certificate (never its private key), relative to the
     * program's directory.
     */
    file: string;
}
/**
 * A federated identity credential: a workload (GitHub Actions, or any OIDC issuer) signs in
 * as the application without a secret. Give `repository` and exactly one of `branch`,
 * `environment`, `pullRequest` or `tag` for GitHub Actions; otherwise `issuer` and
 * `subject`.
 */
export interface FederatedCredentialArgs {
    /**
     * The token audience; default `api://AzureADTokenExchange`.
     */
    audiences?: string[];
    /**
     * GitHub branch whose workflows may sign in.
     */
    branch?: string;
    /**
     * Shown in the portal next to the credential.
     */
    description?: string;
    /**
     * GitHub environment whose jobs may sign in.
     */
    environment?: string;
    /**
     * Another OIDC issuer's https URL.
     */
    issuer?: string;
    /**
     * true: workflows run for pull requests may sign in.
     */
    pullRequest?: boolean;
    /**
     * GitHub repository, like `contoso/loader`.
     */
    repository?: string;
    /**
     * The subject claim the issuer's tokens carry, matched exactly.
     */
    subject?: string;
    /**
     * GitHub tag whose workflows may sign in.
     */
    tag?: string;
}
/**
 * A Key Vault that receives the active client secret and the client ID as secrets, so
 * consumers read them there instead of from Pulumi outputs.
 */
export interface KeyVaultArgs {
    /**
     * Name of the secret holding the client ID; default `<name>-client-id`.
     */
    clientIdSecretName?: string;
    /**
     * The vault's Azure resource ID.
     */
    id: string;
    /**
     * Name of the secret holding the client secret; default `<name>-client-secret`.
     */
    secretName?: string;
}
/**
 * Redirect URIs per platform, as the portal's Authentication blade lists them.
 */
export interface RedirectUrisArgs {
    /**
     * "Mobile and desktop applications": custom schemes and loopback URIs, or the preset
     * `postman` (https://www.getpostman.com/oauth2/callback).
     */
    mobileDesktop?: string[];
    /**
     * "Single-page application": https URIs (http only for localhost).
     */
    spa?: string[];
    /**
     * "Web": https URIs (http only for localhost), or the preset `postman-web`
     * (https://oauth.pstmn.io/v1/callback).
     */
    web?: string[];
}
/**
 * The client secret. By default two password slots rotate without downtime: each lives
 * `expiresIn` and a new one becomes active every half lifetime (`rotateEvery`).
 */
export interface SecretArgs {
    /**
     * false: no client secret at all (a public client, or one that signs in with a
     * certificate or a federated credential). Default true.
     */
    enabled?: boolean;
    /**
     * End date (ISO 8601) of the one password of `rotation: none`; at most 24 months after
     * `start`.
     */
    end?: string;
    /**
     * Lifetime of each password: `3 months`, `6 months` (default), `12 months` or `24 months`.
     */
    expiresIn?: string;
    /**
     * Rotation period for `overlap`, like `90 days` or `12 weeks`; at least 7 days and at most
     * half of `expiresIn`. Default: half of `expiresIn`.
     */
    rotateEvery?: string;
    /**
     * `overlap` (default): two slots, rotated without downtime. `none`: one password with
     * fixed `start` and `end` dates.
     */
    rotation?: string;
    /**
     * Start date (ISO 8601, e.g. 2027-01-31) of the one password of `rotation: none`.
     */
    start?: string;
}
/**
 * A FHIR service or DICOM service of Azure Health Data Services, or an Azure API for FHIR,
 * that the application reaches.
 */
export interface ServiceArgs {
    /**
     * The token audience, when it is not the default (the FHIR service's URL; for DICOM
     * always https://dicom.healthcareapis.azure.com).
     */
    audience?: string;
    /**
     * `fhir`, `dicom` or `api-for-fhir`.
     */
    kind: string;
    /**
     * The service's Azure resource ID, for example the `id` output of an azure-native
     * `healthcareapis.FhirService`. A value known only once that resource is deployed is checked
     * when it is known, before anything of this application is registered.
     */
    resourceId: pulumi.Input<string>;
    /**
     * The service's URL, when it is not the default one derived from the resource ID.
     */
    url?: string;
}
//# sourceMappingURL=input.d.ts.map
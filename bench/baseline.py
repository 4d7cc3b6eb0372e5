"""The benchmark's baseline: a plain Pulumi program, flat at top level.

It registers exactly the resources ``__main__.py`` registers for the benchmark configs
(``bench/configs.py``), with the same types, names and inputs, but with no components,
no validation and no abstraction: plain dict access on the config, the same tenant
lookups (one getClientConfig, one getServicePrincipal per API), resources in a loop.
It exports the same ``applications`` stack output, so both programs do the same work
apart from what the structure of ours costs. ``bench/run.py`` checks the resources match.

It only understands the features the benchmark configs use.

With ``HEALTHCARE_CLIENTS_BENCH_FLOOR=1`` it becomes the "floor" of the engine benchmark: the
same flat code with each application's resources under one bare component that registers
three outputs, as ours does. Its cost over the baseline is what the structure alone costs
under the engine; ours over the floor is what the program's own code costs.
"""

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import authorization

config = pulumi.Config()
stack = pulumi.get_stack()
services = config.require_object("services")
applications = config.require_object("applications")
protect = bool(config.get_bool("protect") or False)
now = datetime.fromisoformat(os.environ["HEALTHCARE_CLIENTS_NOW"].replace("Z", "+00:00"))

API_OF_KIND = {  # service kind -> (API app ID, resource label)
    "fhir": ("4f6778d8-5aef-43dc-a1ff-b073724b9495", "azure-healthcare-apis"),
    "dicom": ("75e725bf-66ce-4cea-9b9a-5c4caae57f33", "azure-api-for-dicom"),
}
ROLE_GUIDS = {
    "FHIR Data Contributor": "5a1fc7df-4bf1-4951-a576-89034ee01acd",
    "DICOM Data Owner": "58a3b984-7adf-4c20-983a-32417c86fbc8",
}
PRESETS = {"postman": "https://www.getpostman.com/oauth2/callback"}
LIFETIME_DAYS = {"3 months": 90, "6 months": 180, "12 months": 365, "24 months": 730}
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
ASSIGNMENT_NAMESPACE = uuid.UUID("0d3c6f5e-58a7-4f0c-9b0e-6a3f9a9b4c21")


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


client = azuread.get_client_config()
apis = {}
for app_id, _label in API_OF_KIND.values():
    apis[app_id] = azuread.get_service_principal(client_id=app_id)

FLOOR = os.environ.get("HEALTHCARE_CLIENTS_BENCH_FLOOR") == "1"

exported = {}
client_secrets = {}
for name, app in applications.items():
    component = (
        pulumi.ComponentResource("healthcare-clients:index:ClientApplication", name)
        if FLOOR
        else None
    )

    def opts(
        component: pulumi.Resource | None = component, **options: bool
    ) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=component, **options)  # type: ignore[arg-type]

    registration = azuread.ApplicationRegistration(
        name,
        display_name=app["displayName"],
        description=app.get("description"),
        notes=(
            f"Managed by Pulumi: stack healthcare-clients/{stack}, application {name}. Change it "
            "in the stack's configuration; changes made here are undone by its next update."
        ),
        sign_in_audience="AzureADMyOrg",
        implicit_access_token_issuance_enabled=False,
        implicit_id_token_issuance_enabled=False,
        opts=opts(protect=protect),
    )
    sp = azuread.ServicePrincipal(
        f"{name}-sp",
        client_id=registration.client_id,
        owners=[client.object_id],
        opts=opts(protect=protect),
    )

    azuread.ApplicationFallbackPublicClient(
        f"{name}-public-client-flows",
        application_id=registration.id,
        enabled=app["publicClientFlows"],
        opts=opts(delete_before_replace=True),
    )
    for key, kind in (("mobileDesktop", "PublicClient"), ("web", "Web"), ("spa", "SPA")):
        uris = [PRESETS.get(uri, uri) for uri in app["redirectUris"].get(key, [])]
        if uris:
            azuread.ApplicationRedirectUris(
                f"{name}-redirect-{kind.lower()}",
                application_id=registration.id,
                type=kind,
                redirect_uris=uris,
                opts=opts(),
            )

    # Two overlapping password slots: generations of half the lifetime since EPOCH.
    lifetime = timedelta(days=LIFETIME_DAYS[app["secret"]["expiresIn"]])
    period = timedelta(days=lifetime.days // 2)
    current = (now - EPOCH) // period
    passwords = []
    for index, slot in enumerate("ab"):
        generation = current if current % 2 == index else current - 1
        start = EPOCH + generation * period
        password = azuread.ApplicationPassword(
            f"{name}-secret-{slot}",
            application_id=registration.id,
            display_name=f"healthcare-clients slot {slot}, generation {generation}",
            end_date=rfc3339(start + lifetime),
            rotate_when_changed={"generation": str(generation), "generationStart": rfc3339(start)},
            opts=opts(retain_on_delete=True),
        )
        passwords.append((slot, generation, password))
    active = next(p for _, g, p in passwords if g == current)

    for key, cred in app["federatedCredentials"].items():
        issuer = "https://token.actions.githubusercontent.com"
        subject = f"repo:{cred['repository']}:ref:refs/heads/{cred['branch']}"
        digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:8]
        azuread.ApplicationFederatedIdentityCredential(
            f"{name}-fic-{digest}",
            application_id=registration.id,
            display_name=f"{key}-{digest}",
            issuer=issuer,
            subject=subject,
            audiences=["api://AzureADTokenExchange"],
            opts=opts(delete_before_replace=True),
        )

    for service, scopes in app["apiPermissions"].items():
        api_id, label = API_OF_KIND[services[service]["kind"]]
        published = apis[api_id].oauth2_permission_scope_ids
        azuread.ApplicationApiAccess(
            f"{name}-api-{label}",
            application_id=registration.id,
            api_client_id=api_id,
            scope_ids=sorted(published[scope] for scope in scopes),
            opts=opts(),
        )
        if app["adminConsent"]:
            azuread.ServicePrincipalDelegatedPermissionGrant(
                f"{name}-consent-{label}",
                service_principal_object_id=sp.object_id,
                resource_service_principal_object_id=apis[api_id].object_id,
                claim_values=sorted(scopes),
                opts=opts(),
            )

    for service, roles in app["roles"].items():
        resource_id = services[service]["resourceId"]
        subscription = resource_id.split("/")[2].lower()
        for role in roles:
            guid = ROLE_GUIDS[role]
            authorization.RoleAssignment(
                f"{name}-{service}-{'-'.join(role.lower().split())}",
                scope=resource_id,
                principal_id=sp.object_id,
                principal_type="ServicePrincipal",
                role_definition_id=f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                role_assignment_name=str(
                    uuid.uuid5(
                        ASSIGNMENT_NAMESPACE,
                        f"healthcare-clients/{stack}/{name}/{resource_id.lower()}/{guid}",
                    )
                ),
                description=f"healthcare-clients: {name} holds {role} on {service}",
                opts=opts(),
            )

    endpoints = {}
    for service in [*app["roles"], *app["apiPermissions"]]:
        spec = services[service]
        parts = spec["resourceId"].split("/")
        url = f"https://{parts[8]}-{parts[10]}.{spec['kind']}.azurehealthcareapis.com".lower()
        audience = "https://dicom.healthcareapis.azure.com" if spec["kind"] == "dicom" else url
        endpoints[service] = {
            "kind": spec["kind"],
            "url": url,
            "audience": audience,
            "scope": f"{audience}/.default",
        }
    client_secrets[name] = active.value
    exported[name] = {
        "clientId": registration.client_id,
        "tenantId": client.tenant_id,
        "applicationObjectId": registration.object_id,
        "servicePrincipalObjectId": sp.object_id,
        "clientSecretExpiresAt": active.end_date,
        "secrets": [
            {
                "slot": slot,
                "keyId": p.key_id,
                "endDate": p.end_date,
                "generation": g,
                "active": p is active,
            }
            for slot, g, p in passwords
        ],
        "tokenEndpoint": f"https://login.microsoftonline.com/{client.tenant_id}/oauth2/v2.0/token",
        "tokenEndpointV1": f"https://login.microsoftonline.com/{client.tenant_id}/oauth2/token",
        "services": endpoints,
    }

    if component is not None:
        component.register_outputs(
            {
                "clientId": registration.client_id,
                "applicationObjectId": registration.object_id,
                "servicePrincipalObjectId": sp.object_id,
            }
        )

pulumi.export("applications", exported)
pulumi.export("clientSecrets", pulumi.Output.secret(client_secrets))

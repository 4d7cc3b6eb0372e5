"""The SMART parts of the stack outputs (docs/design.md, "Outputs"): per SMART resource, its
IDs and the one-time steps the stack cannot take; per SMART client, the launch settings a
SMART developer configures an app with."""

import functools
from collections.abc import Mapping
from typing import Any

import pulumi

from components import healthcare, smart
from components.config import StackSettings
from components.config.smart import SmartResource
from components.secrecy import secret_if
from components.smart_resource import SmartResourceApplication, fhir_user_extension

GRAPH = "https://graph.microsoft.com/v1.0"


def launch_settings(name: str, settings: StackSettings, tenant_id: str) -> dict[str, Any]:
    """What a SMART app is configured with: issuer, endpoints, client type, the FHIR URL and
    audience, and its scopes both as SMART spells them and as Entra expects them."""
    app = settings.applications[name]
    client = app.smart
    assert client is not None
    resource = settings.smart_resources[client.resource]
    service = settings.services[resource.service]
    uris = app.settings.redirect_uris
    kind = "public" if uris.spa else "confidential" if uris.web else "backend"
    entra = [smart.entra_scope_uri(resource.identifier_uri, scope) for scope in client.delegated]
    if client.delegated:
        entra += list(smart.GRAPH_SCOPES)
    return {
        "resource": client.resource,
        "clientType": kind,
        "pkce": kind == "public",
        "issuer": healthcare.issuer_v2(tenant_id),
        "authorizeEndpoint": healthcare.authorize_endpoint_v2(tenant_id),
        "tokenEndpoint": healthcare.token_endpoint_v2(tenant_id),
        "fhirUrl": service.endpoint_url,
        "audience": resource.identifier_uri,
        "scopes": list(client.smart_scopes),
        # One request's scope parameter: every delegated scope, qualified by the audience.
        "entraScopes": entra,
        # A backend service asks for <audience>/.default and receives these as `roles`.
        "appRoles": [role.entra for role in client.roles],
        "backendScope": f"{resource.identifier_uri}/.default" if client.roles else None,
    }


def _manual_steps(
    resource: SmartResource, ids: list[str], fhir_user_clients: list[str]
) -> list[str]:
    name, uri, service = resource.name, resource.identifier_uri, resource.service
    object_id, client_id = ids
    extension = fhir_user_extension(client_id)
    clients = ", ".join(fhir_user_clients) or "none yet"
    return [
        # Azure-Samples smartonfhir-smart-v2 scripts/Create-FhirUserDirectoryExtension.ps1
        f"Once: create the fhirUser directory extension on {name} (no azuread resource does): "
        f"az rest --method POST --uri {GRAPH}/applications/{object_id}/extensionProperties "
        '--body \'{"name":"fhirUser","dataType":"String","targetObjects":["User"]}\'',
        # Entra "Customize claims issued in the JWT": acceptMappedClaims or a custom signing key.
        f"Once: set api.acceptMappedClaims to true in the manifest of {name} and of each SMART "
        f"client that asks for fhirUser ({clients}) (Entra admin center > App registrations > "
        "Manifest); until then Entra refuses their tokens with AADSTS50146, and "
        "ApplicationRegistration cannot set it (terraform-provider-azuread #1233)",
        f"Per user: set {extension} (Graph PATCH {GRAPH}/users/<user>) to the user's FHIR "
        "resource, e.g. Patient/<id>, and assign the user FHIR SMART User on the FHIR service",
        f"On the FHIR service {service}: authenticationConfiguration.audience = {uri} (the "
        "stack checks its own services entry, not the service itself)",
    ]


def _steps_for(resource: SmartResource, wanting: list[str], ids: list[str]) -> list[str]:
    return _manual_steps(resource, ids, wanting)


def smart_outputs(
    resources: Mapping[str, SmartResourceApplication], settings: StackSettings
) -> dict[str, Any]:
    secret = "smartResources" in settings.secret_keys
    out: dict[str, Any] = {}
    for name, component in resources.items():
        resource = settings.smart_resources[name]
        wanting = [
            app_name
            for app_name, app in settings.applications.items()
            if app.smart is not None and app.smart.resource == name and app.smart.wants_fhir_user
        ]
        steps = pulumi.Output.all(component.application_object_id, component.client_id).apply(
            functools.partial(_steps_for, resource, wanting)
        )
        out[name] = {
            "clientId": component.client_id,
            "applicationObjectId": component.application_object_id,
            "servicePrincipalObjectId": component.service_principal_object_id,
            "identifierUri": secret_if(resource.identifier_uri, secret),
            "service": secret_if(resource.service, secret),
            "accessTokenVersion": 1,
            "fhirUserExtension": component.client_id.apply(fhir_user_extension),
            "claimsMappingPolicyId": component.claims_mapping_policy_id,
            "scopes": secret_if({s.smart: s.entra for s in resource.scopes}, secret),
            "appRoles": secret_if({r.smart: r.entra for r in resource.roles}, secret),
            "manualSteps": secret_if(steps, secret),
        }
    return out

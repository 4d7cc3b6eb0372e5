"""The first-party APIs' service principals, as a tenant shows them.

Scope and app-role names and IDs: the FHIR API's manifest as Microsoft's samples copy it, the
DICOM API's scopes, Microsoft Graph's documented permission IDs (docs/design.md, "Sources").
The program reads these IDs from the tenant, which is why the fake publishes them. Only
tools.adopt names the two Healthcare APIs' permissions without the tenant, from its own copy
in components/healthcare.py; this one is the fake's and imports nothing of the program's, so
that a test comparing the two (tests/components/test_healthcare.py) compares two readings.
"""

import uuid
from typing import Any

HEALTHCARE_APIS = "4f6778d8-5aef-43dc-a1ff-b073724b9495"
DICOM_API = "75e725bf-66ce-4cea-9b9a-5c4caae57f33"
MICROSOFT_GRAPH = "00000003-0000-0000-c000-000000000000"
# The tenant that publishes Microsoft's first-party applications.
MICROSOFT_SERVICES_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
_NAMESPACE = uuid.UUID("6b1d3f0e-2a51-4d1c-9f7a-3c5e8d2b9a10")


def _derived(app_id: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{app_id}/{name}"))


# app ID -> (display name, service principal object ID, scopes, app roles); name -> id.
_PUBLISHED: dict[str, tuple[str, str, dict[str, str], dict[str, str]]] = {
    HEALTHCARE_APIS: (
        "Azure Healthcare APIs",
        "5d3a0c43-6b1a-4c55-a4d3-90f0b3c7a001",
        {
            "user_impersonation": "db75143a-8f20-4238-9450-8b73ef4992f4",
            "fhirUser": "a86144c7-3e19-4b56-9675-15803eb1e617",
            "launch": "fa5f9b76-5f20-4466-8b3d-6718de9744e2",
            "launch.patient": "f6c8eb20-e799-4de7-a7ce-74ca0c7270e1",
            "openid": "0ea38e69-761b-46c7-ac06-9cd17d518949",
            "offline_access": "7f08bce5-b21b-4518-b783-c69c9c0cd658",
            "online_access": "8f4fe9ac-b7f2-43ca-a0ef-070f4a8ae5dc",
            "patient.all.read": "c71e9482-f052-461b-80e1-7cfeba7b2b12",
            "user.all.read": "5a03b38d-4081-4265-9558-aab5f2a18b8b",
        },
        {
            "system.all.all": "bea2566c-7172-42d0-a06a-0e2e2b58f084",
            "system.all.read": "a44c4c64-cdb5-48fc-adbd-070df4852b2c",
        },
    ),
    DICOM_API: (
        "Azure API for DICOM",
        "5d3a0c43-6b1a-4c55-a4d3-90f0b3c7a002",
        {
            "Dicom.ReadWrite": "e69ab058-b8ae-4c0f-b687-5d97888ddccb",
            # Microsoft's tutorial adds user_impersonation, whose ID is not published, so
            # the fake derives one (docs/design.md, "Sources").
            "user_impersonation": _derived(DICOM_API, "user_impersonation"),
        },
        {},
    ),
    MICROSOFT_GRAPH: (
        "Microsoft Graph",
        "5d3a0c43-6b1a-4c55-a4d3-90f0b3c7a003",
        {
            "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
            "openid": "37f7f235-527c-4136-accd-4a02d197296e",
            "profile": "14dad69e-099b-42c9-810b-d002981feec1",
            "email": "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
            "offline_access": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
        },
        {
            "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
            "Application.Read.All": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
        },
    ),
}


def first_party_service_principals(missing: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Service principal objects by object ID, in Graph's shape, without the ``missing``."""
    found: dict[str, Any] = {}
    for app_id, (name, object_id, scopes, roles) in _PUBLISHED.items():
        if app_id in missing:
            continue
        found[object_id] = {
            "id": object_id,
            "appId": app_id,
            "displayName": name,
            "appOwnerOrganizationId": MICROSOFT_SERVICES_TENANT,
            "servicePrincipalType": "Application",
            "signInAudience": "AzureADMultipleOrgs",
            "accountEnabled": True,
            "owners": [],
            "oauth2PermissionScopes": [
                {"id": scope_id, "value": value, "type": "User", "isEnabled": True}
                for value, scope_id in scopes.items()
            ],
            "appRoles": [
                {
                    "id": role_id,
                    "value": value,
                    "allowedMemberTypes": ["Application"],
                    "isEnabled": True,
                }
                for value, role_id in roles.items()
            ],
            "firstParty": True,
        }
    return found

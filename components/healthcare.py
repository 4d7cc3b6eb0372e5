"""Facts about Azure Health Data Services that the program needs, in one place.

Sources: Microsoft Learn's Azure Health Data Services and Azure RBAC pages listed in
docs/design.md, "Sources". The program never takes a scope or app-role ID from here: it reads
them from the API's service principal in the tenant. The two Healthcare APIs' permission IDs
below serve one reader, ``tools.adopt``, to name what a portal registration already requests
when the tenant's list is not at hand; the adoption check then compares the IDs the tenant
gives those names with the registration's (components/adoption.py), so a wrong entry here
stops a preview and never changes a registration.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Literal

from components.errors import Invalid, Plain

ServiceKind = Literal["fhir", "dicom", "api-for-fhir"]
SERVICE_KINDS: tuple[ServiceKind, ...] = ("fhir", "dicom", "api-for-fhir")

# Always applied with fullmatch: "$" would also accept a trailing newline.
GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

LOGIN_HOST = "https://login.microsoftonline.com"
DICOM_AUDIENCE = "https://dicom.healthcareapis.azure.com"


def is_guid(value: str) -> bool:
    return GUID_RE.fullmatch(value) is not None


# Graph's resourceAccess type: "Scope" for a delegated permission, "Role" for an app role.
PermissionKind = Literal["Scope", "Role"]


@dataclass(frozen=True)
class PublishedPermission:
    """A permission a first-party API's service principal publishes: kind, ID and value."""

    kind: PermissionKind
    id: str
    value: str


# Microsoft Learn publishes none of these IDs (docs/design.md, "Sources"). The first four are
# in the FHIR API's manifest as Microsoft's SMART on FHIR samples copy it
# (Azure-Samples/azure-health-data-and-ai-samples, smartonfhir); the rest are the first-party
# service principal as a tenant lists it (maciejporebski/azure-ad-first-party-apps-permissions,
# "Azure Healthcare APIs"). testbed/first_party.py keeps the fake tenant's own copy.
_HEALTHCARE_APIS_PERMISSIONS = (
    PublishedPermission("Scope", "db75143a-8f20-4238-9450-8b73ef4992f4", "user_impersonation"),
    PublishedPermission("Scope", "a86144c7-3e19-4b56-9675-15803eb1e617", "fhirUser"),
    PublishedPermission("Scope", "fa5f9b76-5f20-4466-8b3d-6718de9744e2", "launch"),
    PublishedPermission("Scope", "f6c8eb20-e799-4de7-a7ce-74ca0c7270e1", "launch.patient"),
    PublishedPermission("Scope", "0ea38e69-761b-46c7-ac06-9cd17d518949", "openid"),
    PublishedPermission("Scope", "7f08bce5-b21b-4518-b783-c69c9c0cd658", "offline_access"),
    PublishedPermission("Scope", "8f4fe9ac-b7f2-43ca-a0ef-070f4a8ae5dc", "online_access"),
    PublishedPermission("Scope", "c71e9482-f052-461b-80e1-7cfeba7b2b12", "patient.all.read"),
    PublishedPermission("Scope", "5a03b38d-4081-4265-9558-aab5f2a18b8b", "user.all.read"),
    PublishedPermission("Role", "bea2566c-7172-42d0-a06a-0e2e2b58f084", "system.all.all"),
    PublishedPermission("Role", "a44c4c64-cdb5-48fc-adbd-070df4852b2c", "system.all.read"),
)
# The same listing, "Azure API for DICOM"; Microsoft Learn's DICOM registration page names the
# scope. The older tutorial's DICOM user_impersonation has no published ID, so it is absent.
_DICOM_API_PERMISSIONS = (
    PublishedPermission("Scope", "e69ab058-b8ae-4c0f-b687-5d97888ddccb", "Dicom.ReadWrite"),
)


@dataclass(frozen=True)
class WellKnownApi:
    """A first-party API whose service principal client apps request permissions on."""

    alias: str
    app_id: str
    display_name: str
    # What to tell a user whose tenant has no service principal for this API.
    missing_hint: str
    # What its service principal is known to publish (see above); empty when not kept here.
    permissions: tuple[PublishedPermission, ...] = ()


WELL_KNOWN_APIS: dict[str, WellKnownApi] = {
    api.alias: api
    for api in (
        WellKnownApi(
            "azure-healthcare-apis",
            "4f6778d8-5aef-43dc-a1ff-b073724b9495",
            "Azure Healthcare APIs",
            "It is created when a FHIR service or Azure API for FHIR is deployed in the "
            "tenant; for a client in another tenant, import it with "
            "`az ad sp create --id 4f6778d8-5aef-43dc-a1ff-b073724b9495`.",
            _HEALTHCARE_APIS_PERMISSIONS,
        ),
        WellKnownApi(
            "azure-api-for-dicom",
            "75e725bf-66ce-4cea-9b9a-5c4caae57f33",
            "Azure API for DICOM",
            "It appears in a tenant only once a DICOM service is "
            "deployed there, or when someone creates it by hand (until then the portal's "
            "'Azure API for DICOM' search is empty). Fix: deploy the DICOM service in this "
            "tenant first, or create the service principal with "
            "`az ad sp create --id 75e725bf-66ce-4cea-9b9a-5c4caae57f33`, then rerun.",
            _DICOM_API_PERMISSIONS,
        ),
        WellKnownApi(
            "microsoft-graph",
            "00000003-0000-0000-c000-000000000000",
            "Microsoft Graph",
            "Every tenant has it; check that the deploying identity may read service "
            "principals (Application.Read.All).",
        ),
    )
}
API_BY_APP_ID = {api.app_id: api for api in WELL_KNOWN_APIS.values()}

# A service name used as an apiPermissions key resolves to the API its kind is served by.
API_FOR_KIND: dict[ServiceKind, str] = {
    "fhir": "azure-healthcare-apis",
    "api-for-fhir": "azure-healthcare-apis",
    "dicom": "azure-api-for-dicom",
}


@dataclass(frozen=True)
class BuiltInRole:
    name: str
    guid: str
    kinds: frozenset[ServiceKind]


_FHIR_BOTH: frozenset[ServiceKind] = frozenset({"fhir", "api-for-fhir"})

# Microsoft Learn, "Azure built-in roles" and its "Integration" category page: data actions only.
BUILT_IN_ROLES: dict[str, BuiltInRole] = {
    role.name: role
    for role in (
        BuiltInRole("FHIR Data Contributor", "5a1fc7df-4bf1-4951-a576-89034ee01acd", _FHIR_BOTH),
        BuiltInRole("FHIR Data Reader", "4c8d0bbc-75d3-4935-991f-5f3c56d81508", _FHIR_BOTH),
        BuiltInRole("FHIR Data Writer", "3f88fce4-5892-4214-ae73-ba5294559913", _FHIR_BOTH),
        BuiltInRole("FHIR Data Exporter", "3db33094-8700-4567-8da5-1501d4e7e843", _FHIR_BOTH),
        # The importer's data action exists only on workspaces/fhirservices.
        BuiltInRole(
            "FHIR Data Importer", "4465e953-8ced-4406-a58e-0f6e3f3b530b", frozenset({"fhir"})
        ),
        BuiltInRole("FHIR Data Converter", "a1705bd2-3a8f-45a5-8683-466fcfd5cc24", _FHIR_BOTH),
        BuiltInRole("FHIR SMART User", "4ba50f17-9666-485c-a643-ff00808643f0", _FHIR_BOTH),
        BuiltInRole(
            "DICOM Data Owner", "58a3b984-7adf-4c20-983a-32417c86fbc8", frozenset({"dicom"})
        ),
        BuiltInRole(
            "DICOM Data Reader", "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a", frozenset({"dicom"})
        ),
    )
}
_ROLE_BY_FOLDED_NAME = {name.casefold(): role for name, role in BUILT_IN_ROLES.items()}


def find_built_in_role(name: str) -> BuiltInRole | None:
    """Look a role up by name, forgiving case and repeated spaces as the portal does."""
    return _ROLE_BY_FOLDED_NAME.get(" ".join(name.split()).casefold())


@dataclass(frozen=True)
class HealthcareResource:
    """A parsed ARM resource ID of a FHIR, DICOM or Azure API for FHIR service."""

    kind: ServiceKind
    subscription_id: str
    resource_group: str
    workspace: str | None
    name: str
    resource_id: str

    @property
    def default_url(self) -> str:
        if self.kind == "fhir":
            return f"https://{self.workspace}-{self.name}.fhir.azurehealthcareapis.com".lower()
        if self.kind == "dicom":
            return f"https://{self.workspace}-{self.name}.dicom.azurehealthcareapis.com".lower()
        return f"https://{self.name}.azurehealthcareapis.com".lower()

    @property
    def default_audience(self) -> str:
        # Every DICOM service shares one audience; FHIR's audience is its own URL.
        return DICOM_AUDIENCE if self.kind == "dicom" else self.default_url


# Applied with fullmatch (a trailing newline must not pass as part of the ID). Names are
# matched loosely here and checked one by one below, so a short workspace name is reported
# as a bad name, not as a resource ID of the wrong shape.
_PREFIX = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.HealthcareApis/"
)
_SHAPES: dict[ServiceKind, re.Pattern[str]] = {
    "fhir": re.compile(
        _PREFIX + r"workspaces/(?P<ws>[^/\s]+)/fhirservices/(?P<name>[^/\s]+)", re.I
    ),
    "dicom": re.compile(
        _PREFIX + r"workspaces/(?P<ws>[^/\s]+)/dicomservices/(?P<name>[^/\s]+)", re.I
    ),
    "api-for-fhir": re.compile(_PREFIX + r"services/(?P<name>[^/\s]+)", re.I),
}
SHAPE_EXAMPLES: dict[ServiceKind, str] = {
    "fhir": "/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.HealthcareApis/workspaces/<ws>/fhirservices/<name>",
    "dicom": "/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.HealthcareApis/workspaces/<ws>/dicomservices/<name>",
    "api-for-fhir": "/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.HealthcareApis/services/<name>",
}
_RG_RE = re.compile(r"[-\w.()]{1,90}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{1,48}[A-Za-z0-9]")
NAME_RULE = "3-50 letters, digits and '-', starting and ending with a letter or digit"


# What the checks read in place of a service's resource ID that is unknown until its
# resource is deployed (a preview): it has the kind's shape, so the checks of the rest go
# on; the resources registered meanwhile take the unknown value itself, never this one.
STAND_IN_RESOURCE_IDS: dict[ServiceKind, str] = {
    "fhir": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/unknown/providers/Microsoft.HealthcareApis/workspaces/unknown/fhirservices/unknown",
    "dicom": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/unknown/providers/Microsoft.HealthcareApis/workspaces/unknown/dicomservices/unknown",
    "api-for-fhir": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/unknown/providers/Microsoft.HealthcareApis/services/unknown",
}


def kind_of_resource_id(resource_id: str) -> ServiceKind | None:
    for kind, pattern in _SHAPES.items():
        if pattern.fullmatch(resource_id):
            return kind
    return None


def parse_resource_id(resource_id: str, kind: ServiceKind) -> HealthcareResource:
    """Parse a service's ARM ID, raising ``Invalid`` with a message a user can act on."""
    match = _SHAPES[kind].fullmatch(resource_id)
    if match is None:
        actual = kind_of_resource_id(resource_id)
        if actual is not None:
            raise Invalid("is the ID of a {} service, but kind is {}", actual, kind)
        raise Invalid(
            "is not a {} resource ID; expected {}", Plain(kind), Plain(SHAPE_EXAMPLES[kind])
        )
    sub, rg = match["sub"], match["rg"]
    if not is_guid(sub):
        raise Invalid("subscription {} is not a GUID", sub)
    if not _RG_RE.fullmatch(rg) or rg.endswith("."):
        raise Invalid("resource group {} is not a valid resource group name", rg)
    workspace = match.groupdict().get("ws")
    if workspace is not None and not _NAME_RE.fullmatch(workspace):
        raise Invalid(f"workspace name {{}} is not valid: {NAME_RULE}", workspace)
    if not _NAME_RE.fullmatch(match["name"]):
        raise Invalid(f"service name {{}} is not valid: {NAME_RULE}", match["name"])
    return HealthcareResource(
        kind=kind,
        subscription_id=sub.lower(),
        resource_group=rg,
        workspace=workspace,
        name=match["name"],
        resource_id=resource_id,
    )


def role_definition_id(subscription_id: str, role_guid: str) -> str:
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/"
        f"roleDefinitions/{role_guid.lower()}"
    )


# Fixed namespace so assignment names are stable across machines and reruns.
_ASSIGNMENT_NAMESPACE = uuid.UUID("0d3c6f5e-58a7-4f0c-9b0e-6a3f9a9b4c21")


def role_assignment_name(
    stack: str, application: str, scope: str, role_guid: str, project: str = "healthcare-clients"
) -> str:
    """A deterministic GUID per (project, stack, application, scope, role), so reruns show no
    diff.

    The scope (the service's resource ID) is in the seed so that two stacks with the same
    stack, application and role names on different services never get the same name; ARM
    IDs are case-insensitive, so it is lowered first. The project is this one for the stack
    program, and the consumer's for the component package, whose programs name their stacks
    independently of each other.
    """
    seed = f"{project}/{stack}/{application}/{scope.lower()}/{role_guid.lower()}"
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, seed))


def token_endpoint_v2(tenant_id: str) -> str:
    return f"{LOGIN_HOST}/{tenant_id}/oauth2/v2.0/token"


def token_endpoint_v1(tenant_id: str) -> str:
    return f"{LOGIN_HOST}/{tenant_id}/oauth2/token"


def authorize_endpoint_v2(tenant_id: str) -> str:
    return f"{LOGIN_HOST}/{tenant_id}/oauth2/v2.0/authorize"


def issuer_v2(tenant_id: str) -> str:
    """The OpenID Connect issuer of the v2.0 endpoints (the ``iss`` of their ID tokens)."""
    return f"{LOGIN_HOST}/{tenant_id}/v2.0"

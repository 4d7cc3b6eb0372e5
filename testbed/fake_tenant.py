"""A fake Entra ID tenant and Azure provider for Pulumi's mock runtime.

One module, shared by the tests, ``tools.plan`` and the benchmark. It behaves like the
real azuread / azure-native providers and Entra ID where our program depends on them:

- inputs are checked against the installed provider SDK (unknown or missing required
  inputs fail, as the provider's schema check does), then against the service's rules;
- IDs look like the real ones (``/applications/<guid>``, ``/servicePrincipals/<guid>``,
  ARM IDs) and are derived from the resource's URN, so a rerun gets the same IDs;
- client secret values look like Entra's (40 characters with the ``8Q~`` marker);
- the well-known APIs' service principals publish their real scope and role names
  (research/healthcare-facts.md section 1), and a tenant without the DICOM service
  principal fails the lookup with the provider's real message;
- an invoke it does not know raises instead of returning ``{}``.

Nothing here talks to Azure.
"""

import base64
import hashlib
import importlib
import inspect
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pulumi.runtime import rpc

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
APPLICATION_ID = re.compile(r"^/applications/([0-9a-f-]{36})$")
_NAMESPACE = uuid.UUID("6b1d3f0e-2a51-4d1c-9f7a-3c5e8d2b9a10")

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DEPLOYER_OBJECT_ID = "a1b2c3d4-0000-4000-8000-000000000001"
DEPLOYER_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # the Azure CLI's app ID

TOKEN_CLIENT_CONFIG = "azuread:index/getClientConfig:getClientConfig"  # noqa: S105 (an invoke token)
TOKEN_SERVICE_PRINCIPAL = "azuread:index/getServicePrincipal:getServicePrincipal"  # noqa: S105 (an invoke token)


class FakeServiceError(Exception):
    """What the real provider or Entra ID would answer with an error."""


@dataclass(frozen=True)
class PublishedPermission:
    name: str
    id: str


@dataclass
class FakeServicePrincipal:
    app_id: str
    display_name: str
    object_id: str
    scopes: tuple[PublishedPermission, ...] = ()
    roles: tuple[PublishedPermission, ...] = ()

    def wire(self) -> dict[str, Any]:
        """The getServicePrincipal result, in the provider's wire (camelCase) format."""
        return {
            "id": self.object_id,
            "objectId": self.object_id,
            "clientId": self.app_id,
            "displayName": self.display_name,
            "applicationTenantId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
            "accountEnabled": True,
            "appRoleAssignmentRequired": False,
            "type": "Application",
            "signInAudience": "AzureADMultipleOrgs",
            "oauth2PermissionScopeIds": {p.name: p.id for p in self.scopes},
            "appRoleIds": {p.name: p.id for p in self.roles},
            "oauth2PermissionScopes": [
                {
                    "id": p.id,
                    "value": p.name,
                    "enabled": True,
                    "type": "User",
                    "adminConsentDisplayName": p.name,
                    "adminConsentDescription": p.name,
                    "userConsentDisplayName": p.name,
                    "userConsentDescription": p.name,
                }
                for p in self.scopes
            ],
            "appRoles": [
                {
                    "id": p.id,
                    "value": p.name,
                    "enabled": True,
                    "displayName": p.name,
                    "description": p.name,
                    "allowedMemberTypes": ["Application"],
                }
                for p in self.roles
            ],
            "servicePrincipalNames": [self.app_id],
            "alternativeNames": [],
            "featureTags": [],
            "features": [],
            "notificationEmailAddresses": [],
            "redirectUris": [],
            "samlSingleSignOns": [],
            "tags": [],
            "description": "",
            "notes": "",
            "homepageUrl": "",
            "loginUrl": "",
            "logoutUrl": "",
            "samlMetadataUrl": "",
            "preferredSingleSignOnMode": "",
        }


def unwrap_secrets(value: Any) -> Any:
    """Replace the SDK's secret envelopes with their values, recursively."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return unwrap_secrets(value.get("value"))
        return {key: unwrap_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(item) for item in value]
    return value


def _p(name: str, guid: str) -> PublishedPermission:
    return PublishedPermission(name, guid)


def _generated(app_id: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{app_id}/{name}"))


def well_known_service_principals() -> dict[str, FakeServicePrincipal]:
    """The first-party APIs as a tenant shows them (healthcare-facts.md sections 1.1-1.2)."""
    healthcare = "4f6778d8-5aef-43dc-a1ff-b073724b9495"
    dicom = "75e725bf-66ce-4cea-9b9a-5c4caae57f33"
    graph = "00000003-0000-0000-c000-000000000000"
    return {
        healthcare: FakeServicePrincipal(
            healthcare,
            "Azure Healthcare APIs",
            "5d3a0c43-6b1a-4c55-a4d3-90f0b3c7a001",
            scopes=(
                _p("user_impersonation", "db75143a-8f20-4238-9450-8b73ef4992f4"),
                _p("fhirUser", "a86144c7-3e19-4b56-9675-15803eb1e617"),
                _p("launch", "fa5f9b76-5f20-4466-8b3d-6718de9744e2"),
                _p("launch.patient", "f6c8eb20-e799-4de7-a7ce-74ca0c7270e1"),
                _p("openid", "0ea38e69-761b-46c7-ac06-9cd17d518949"),
                _p("offline_access", "7f08bce5-b21b-4518-b783-c69c9c0cd658"),
                _p("online_access", "8f4fe9ac-b7f2-43ca-a0ef-070f4a8ae5dc"),
                _p("patient.all.read", "c71e9482-f052-461b-80e1-7cfeba7b2b12"),
                _p("user.all.read", "5a03b38d-4081-4265-9558-aab5f2a18b8b"),
            ),
            roles=(
                _p("system.all.all", "bea2566c-7172-42d0-a06a-0e2e2b58f084"),
                _p("system.all.read", "a44c4c64-cdb5-48fc-adbd-070df4852b2c"),
            ),
        ),
        dicom: FakeServicePrincipal(
            dicom,
            "Azure API for DICOM",
            "5d3a0c43-6b1a-4c55-a4d3-90f0b3c7a002",
            scopes=(
                _p("Dicom.ReadWrite", "e69ab058-b8ae-4c0f-b687-5d97888ddccb"),
                # Microsoft's tutorial adds user_impersonation; its ID is not published, so
                # the fake derives one (healthcare-facts.md section 1.2 and 7.1).
                _p("user_impersonation", _generated(dicom, "user_impersonation")),
            ),
        ),
        graph: FakeServicePrincipal(
            graph,
            "Microsoft Graph",
            "5d3a0c43-6b1a-4c55-a4d3-90f0b3c7a003",
            scopes=(
                _p("User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
                _p("openid", "37f7f235-527c-4136-accd-4a02d197296e"),
                _p("profile", "14dad69e-099b-42c9-810b-d002981feec1"),
                _p("email", "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0"),
                _p("offline_access", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182"),
            ),
            roles=(
                _p("User.Read.All", "df021288-bdef-4463-88db-98f22de89214"),
                _p("Application.Read.All", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"),
            ),
        ),
    }


# --- the provider schemas, read from the installed SDKs ----------------------------------------

_CLASSES = {
    "azuread:index/applicationRegistration:ApplicationRegistration": (
        "pulumi_azuread.application_registration",
        "ApplicationRegistration",
    ),
    "azuread:index/applicationOwner:ApplicationOwner": (
        "pulumi_azuread.application_owner",
        "ApplicationOwner",
    ),
    "azuread:index/servicePrincipal:ServicePrincipal": (
        "pulumi_azuread.service_principal",
        "ServicePrincipal",
    ),
    "azuread:index/applicationFallbackPublicClient:ApplicationFallbackPublicClient": (
        "pulumi_azuread.application_fallback_public_client",
        "ApplicationFallbackPublicClient",
    ),
    "azuread:index/applicationRedirectUris:ApplicationRedirectUris": (
        "pulumi_azuread.application_redirect_uris",
        "ApplicationRedirectUris",
    ),
    "azuread:index/applicationPassword:ApplicationPassword": (
        "pulumi_azuread.application_password",
        "ApplicationPassword",
    ),
    "azuread:index/applicationCertificate:ApplicationCertificate": (
        "pulumi_azuread.application_certificate",
        "ApplicationCertificate",
    ),
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential": (
        "pulumi_azuread.application_federated_identity_credential",
        "ApplicationFederatedIdentityCredential",
    ),
    "azuread:index/applicationApiAccess:ApplicationApiAccess": (
        "pulumi_azuread.application_api_access",
        "ApplicationApiAccess",
    ),
    "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant": (
        "pulumi_azuread.service_principal_delegated_permission_grant",
        "ServicePrincipalDelegatedPermissionGrant",
    ),
    "azuread:index/appRoleAssignment:AppRoleAssignment": (
        "pulumi_azuread.app_role_assignment",
        "AppRoleAssignment",
    ),
    "azure-native:authorization:RoleAssignment": (
        "pulumi_azure_native.authorization.role_assignment",
        "RoleAssignment",
    ),
    "azure-native:keyvault:Secret": ("pulumi_azure_native.keyvault.secret", "Secret"),
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class InputSchema:
    allowed: frozenset[str]
    required: frozenset[str]


_SCHEMAS: dict[str, InputSchema] = {}


def input_schema(type_token: str) -> InputSchema:
    """Inputs a resource type accepts and requires, from the SDK's own constructor."""
    if type_token not in _SCHEMAS:
        module_name, class_name = _CLASSES[type_token]
        module = importlib.import_module(module_name)
        resource = getattr(module, class_name)
        params = inspect.signature(resource._internal_init).parameters
        allowed = {
            _camel(name)
            for name in params
            if name not in ("__self__", "resource_name", "opts", "__props__")
        }
        # The SDK renames an Args class that collides with an inline type (ApplicationPassword).
        args_class = getattr(module, f"{class_name}Args", None) or getattr(
            module, f"{class_name}InitArgs"
        )
        args = inspect.signature(args_class.__init__).parameters
        required = {
            _camel(name)
            for name, p in args.items()
            if name != "__self__" and p.default is inspect.Parameter.empty
        }
        _SCHEMAS[type_token] = InputSchema(frozenset(allowed), frozenset(required))
    return _SCHEMAS[type_token]


# --- the tenant ---------------------------------------------------------------------------------


@dataclass
class DirectoryObject:
    kind: str
    object_id: str
    data: dict[str, Any] = field(default_factory=dict)


def _parse_rfc3339(value: str, what: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FakeServiceError(f"{what}: {value!r} is not a valid RFC3339 date") from None
    if parsed.tzinfo is None:
        raise FakeServiceError(f"{what}: {value!r} is not a valid RFC3339 date (no offset)")
    return parsed


class FakeTenant(pulumi.runtime.Mocks):
    """Entra ID + the azuread and azure-native providers, as the mock runtime sees them."""

    def __init__(
        self,
        *,
        now: datetime | None = None,
        missing_apis: Iterable[str] = (),
        tenant_id: str = TENANT_ID,
        deployer_object_id: str = DEPLOYER_OBJECT_ID,
    ) -> None:
        self.now = now
        self.tenant_id = tenant_id
        self.deployer_object_id = deployer_object_id
        self.service_principals = {
            app_id: sp
            for app_id, sp in well_known_service_principals().items()
            if app_id not in set(missing_apis)
        }
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        self.applications: dict[str, DirectoryObject] = {}  # by object ID
        self.created_sps: dict[str, DirectoryObject] = {}  # by object ID
        self.grants: set[tuple[str, str]] = set()
        self.arm_names: set[str] = set()

    # -- invokes -------------------------------------------------------------------------------

    def call(  # type: ignore[override]  # the base allows a dict or a (dict, failures) pair
        self, args: pulumi.runtime.MockCallArgs
    ) -> dict[str, Any]:
        self.invokes.append((args.token, dict(args.args)))
        if args.token == TOKEN_CLIENT_CONFIG:
            return {
                "clientId": DEPLOYER_CLIENT_ID,
                "objectId": self.deployer_object_id,
                "tenantId": self.tenant_id,
            }
        if args.token == TOKEN_SERVICE_PRINCIPAL:
            try:
                return self._lookup_service_principal(args.args)
            except FakeServiceError as exc:
                # The engine reports a provider's data-source error as a failed invoke,
                # which the SDK raises in the program; an exception here would instead
                # crash the mock monitor's RPC.
                return {}, [("clientId", str(exc))]  # type: ignore[return-value]
        raise NotImplementedError(f"the fake tenant does not implement invoke {args.token}")

    def _lookup_service_principal(self, query: Mapping[str, Any]) -> dict[str, Any]:
        given = [k for k in ("clientId", "displayName", "objectId") if query.get(k)]
        if len(given) != 1:
            raise FakeServiceError(
                "one of `client_id`, `display_name` or `object_id` must be specified"
            )
        key = given[0]
        value = str(query[key])
        for sp in self.service_principals.values():
            if (
                (key == "clientId" and sp.app_id == value)
                or (key == "objectId" and sp.object_id == value)
                or (key == "displayName" and sp.display_name == value)
            ):
                return sp.wire()
        if key == "clientId":
            raise FakeServiceError(f'No service principal found for application ID: "{value}"')
        raise FakeServiceError(f"No service principal found matching {key} {value!r}")

    # -- resources -----------------------------------------------------------------------------

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return None, {}  # a component: the engine keeps no provider state for it
        if args.typ not in _CLASSES:
            raise NotImplementedError(
                f"the fake tenant does not implement resource type {args.typ}"
            )
        # The provider sees plain values; secret-ness is the engine's concern.
        inputs = unwrap_secrets(dict(args.inputs))
        schema = input_schema(args.typ)
        unknown = sorted(set(inputs) - schema.allowed)
        if unknown:
            raise FakeServiceError(f"{args.typ} {args.name}: unknown input(s) {unknown}")
        missing = sorted(k for k in schema.required if inputs.get(k) in (None, "", []))
        if missing:
            raise FakeServiceError(f"{args.typ} {args.name}: missing required input(s) {missing}")
        handler = getattr(self, "_" + args.typ.rsplit(":", 1)[-1])
        seed = f"{args.typ}::{args.name}"
        resource_id, outputs = handler(args.name, inputs, seed)
        return resource_id, {**inputs, **outputs}

    def _guid(self, seed: str, salt: str = "") -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.tenant_id}/{seed}/{salt}"))

    def _application(self, application_id: Any, what: str) -> DirectoryObject:
        match = APPLICATION_ID.match(str(application_id))
        if not match:
            raise FakeServiceError(
                f"{what}: parsing {application_id!r}: expected an application ID of the form /applications/{{objectId}}"
            )
        app = self.applications.get(match[1])
        if app is None:
            raise FakeServiceError(
                f"{what}: application with object ID {match[1]!r} was not found (Request_ResourceNotFound)"
            )
        return app

    def _ApplicationRegistration(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        audience = inputs.get("signInAudience", "AzureADMyOrg")
        if audience not in (
            "AzureADMyOrg",
            "AzureADMultipleOrgs",
            "AzureADandPersonalMicrosoftAccount",
            "PersonalMicrosoftAccount",
        ):
            raise FakeServiceError(
                f"expected sign_in_audience to be one of the Entra audiences, got {audience!r}"
            )
        display_name = str(inputs["displayName"])
        if len(display_name) > 256:
            raise FakeServiceError("displayName: the value exceeds the maximum length of 256")
        object_id, client_id = self._guid(seed, "object"), self._guid(seed, "client")
        self.applications[object_id] = DirectoryObject(
            "application",
            object_id,
            {"clientId": client_id, "displayName": display_name, "passwords": set()},
        )
        return f"/applications/{object_id}", {
            "objectId": object_id,
            "clientId": client_id,
            "signInAudience": audience,
            "disabledByMicrosoft": "",
            "publisherDomain": "contoso.onmicrosoft.com",
        }

    def _ApplicationOwner(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        self._application(inputs["applicationId"], name)
        owner = str(inputs["ownerObjectId"])
        if not GUID.match(owner):
            raise FakeServiceError(f"owner_object_id: {owner!r} is not a valid object ID")
        return f"{inputs['applicationId']}/owner/{owner}", {}

    def _ServicePrincipal(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        client_id = str(inputs["clientId"])
        app = next((a for a in self.applications.values() if a.data["clientId"] == client_id), None)
        if app is None:
            raise FakeServiceError(
                f"Could not create service principal: the client ID {client_id!r} does not reference a valid application object"
            )
        object_id = self._guid(seed, "sp")
        self.created_sps[object_id] = DirectoryObject(
            "servicePrincipal", object_id, {"clientId": client_id}
        )
        return f"/servicePrincipals/{object_id}", {
            "objectId": object_id,
            "displayName": app.data["displayName"],
            "applicationTenantId": self.tenant_id,
            "type": "Application",
            "signInAudience": "AzureADMyOrg",
            "oauth2PermissionScopeIds": {},
            "appRoleIds": {},
            "servicePrincipalNames": [client_id],
        }

    def _ApplicationFallbackPublicClient(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        self._application(inputs["applicationId"], name)
        return f"{inputs['applicationId']}/fallbackPublicClient", {
            "enabled": bool(inputs.get("enabled", False))
        }

    def _ApplicationRedirectUris(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        self._application(inputs["applicationId"], name)
        kind = inputs["type"]
        if kind not in ("Web", "SPA", "PublicClient"):
            raise FakeServiceError(f"expected type to be one of [PublicClient SPA Web], got {kind}")
        for uri in inputs["redirectUris"]:
            scheme = str(uri).split(":", 1)[0].lower()
            if kind != "PublicClient" and scheme not in ("http", "https"):
                raise FakeServiceError(
                    f"redirect_uris: {uri!r} must have an http or https scheme for type {kind}"
                )
            if "#" in str(uri) or "*" in str(uri) or len(str(uri)) > 256:
                raise FakeServiceError(f"redirect_uris: {uri!r} is not a valid redirect URI")
        if len(set(inputs["redirectUris"])) != len(inputs["redirectUris"]):
            raise FakeServiceError("redirect_uris: duplicate URIs are not allowed")
        return f"{inputs['applicationId']}/redirectUris/{kind}", {}

    def _ApplicationPassword(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        app = self._application(inputs["applicationId"], name)
        created = self.now or datetime.now(UTC)
        start = (
            _parse_rfc3339(inputs["startDate"], "start_date")
            if inputs.get("startDate")
            else created
        )
        end = (
            _parse_rfc3339(inputs["endDate"], "end_date")
            if inputs.get("endDate")
            else start + timedelta(days=730)
        )
        if end <= created:
            raise FakeServiceError(
                "Key credential end date is invalid: end_date must be in the future"
            )
        if end <= start:
            raise FakeServiceError(
                "Key credential end date is invalid: end_date must be after start_date"
            )
        if end - start > timedelta(days=731):
            raise FakeServiceError(
                "Credential lifetime exceeds the max value allowed as per assigned policy (24 months)"
            )
        rotation = ",".join(
            f"{k}={v}" for k, v in sorted((inputs.get("rotateWhenChanged") or {}).items())
        )
        key_id = self._guid(seed, f"password/{rotation}/{end.isoformat()}")
        app.data["passwords"].add(key_id)
        return f"{inputs['applicationId']}/password/{key_id}", {
            "keyId": key_id,
            "value": self.secret_value(key_id),
            "startDate": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDate": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    @staticmethod
    def secret_value(key_id: str) -> str:
        """A 40-character secret in Entra's shape: 3 characters, '8Q~', 34 more."""
        digest = base64.b64encode(hashlib.sha256(key_id.encode()).digest() * 2).decode()
        body = digest.replace("+", "~").replace("/", "_").replace("=", ".")
        return f"{body[:3]}8Q~{body[3:37]}"

    def _ApplicationCertificate(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        self._application(inputs["applicationId"], name)
        if inputs.get("type", "AsymmetricX509Cert") not in ("AsymmetricX509Cert", "Symmetric"):
            raise FakeServiceError(
                f"expected type to be one of [AsymmetricX509Cert Symmetric], got {inputs.get('type')}"
            )
        encoding = inputs.get("encoding", "pem")
        if encoding != "pem":
            raise FakeServiceError("the fake tenant only decodes pem certificates")
        try:
            cert = x509.load_pem_x509_certificate(str(inputs["value"]).encode())
        except ValueError as exc:
            raise FakeServiceError(f"value: could not decode the certificate: {exc}") from None
        key_id = self._guid(
            seed,
            cert.fingerprint(hashes.SHA256()).hex(),
        )
        return f"{inputs['applicationId']}/certificate/{key_id}", {"keyId": key_id}

    def _ApplicationFederatedIdentityCredential(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        self._application(inputs["applicationId"], name)
        audiences = list(inputs["audiences"])
        if len(audiences) != 1:
            raise FakeServiceError("audiences: exactly one audience is supported")
        if not str(inputs["issuer"]).startswith("https://"):
            raise FakeServiceError("issuer: must be an https URL")
        credential_id = self._guid(seed, "fic")
        return f"{inputs['applicationId']}/federatedIdentityCredential/{credential_id}", {
            "credentialId": credential_id
        }

    def _published(self, app_id: str) -> FakeServicePrincipal | None:
        return self.service_principals.get(app_id)

    def _ApplicationApiAccess(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        self._application(inputs["applicationId"], name)
        api = self._published(str(inputs["apiClientId"]))
        if api is not None:
            scopes = {p.id for p in api.scopes}
            roles = {p.id for p in api.roles}
            for scope_id in inputs.get("scopeIds") or []:
                if scope_id not in scopes:
                    raise FakeServiceError(
                        f"scope_ids: {scope_id} is not a permission scope of {api.display_name}"
                    )
            for role_id in inputs.get("roleIds") or []:
                if role_id not in roles:
                    raise FakeServiceError(
                        f"role_ids: {role_id} is not an app role of {api.display_name}"
                    )
        return f"{inputs['applicationId']}/apiAccess/{inputs['apiClientId']}", {}

    def _resource_sp(self, object_id: str) -> FakeServicePrincipal:
        for sp in self.service_principals.values():
            if sp.object_id == object_id:
                return sp
        raise FakeServiceError(
            f"resource service principal {object_id!r} was not found (Request_ResourceNotFound)"
        )

    def _ServicePrincipalDelegatedPermissionGrant(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        client = str(inputs["servicePrincipalObjectId"])
        if client not in self.created_sps:
            raise FakeServiceError(
                f"service principal {client!r} was not found (Request_ResourceNotFound)"
            )
        resource = self._resource_sp(str(inputs["resourceServicePrincipalObjectId"]))
        published = {p.name for p in resource.scopes}
        for claim in inputs["claimValues"]:
            if claim not in published:
                raise FakeServiceError(
                    f"claim_values: {claim!r} is not a scope published by {resource.display_name}"
                )
        pair = (client, resource.object_id)
        if pair in self.grants:
            raise FakeServiceError("Permission entry already exists. (409 Conflict)")
        self.grants.add(pair)
        return self._guid(seed, "grant"), {}

    def _AppRoleAssignment(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        principal = str(inputs["principalObjectId"])
        if principal not in self.created_sps:
            raise FakeServiceError(
                f"principal {principal!r} was not found (Request_ResourceNotFound)"
            )
        resource = self._resource_sp(str(inputs["resourceObjectId"]))
        if inputs["appRoleId"] not in {p.id for p in resource.roles}:
            raise FakeServiceError(
                f"app_role_id: {inputs['appRoleId']} is not an app role of {resource.display_name}"
            )
        return (
            f"/servicePrincipals/{resource.object_id}/appRoleAssignedTo/{self._guid(seed, 'ara')}",
            {
                "principalDisplayName": "",
                "principalType": "ServicePrincipal",
                "resourceDisplayName": resource.display_name,
            },
        )

    def _RoleAssignment(
        self, name: str, inputs: dict[str, Any], seed: str
    ) -> tuple[str, dict[str, Any]]:
        principal = str(inputs["principalId"])
        if not GUID.match(principal):
            raise FakeServiceError(f"principalId {principal!r} is not a GUID (InvalidPrincipalId)")
        principal_type = inputs.get("principalType")
        if principal_type not in (
            None,
            "User",
            "Group",
            "ServicePrincipal",
            "ForeignGroup",
            "Device",
        ):
            raise FakeServiceError(f"principalType {principal_type!r} is not valid")
        if principal_type is None and principal in self.created_sps:
            # Without principalType, ARM looks the new principal up and, during Entra
            # replication, fails (anchors.md section 4.10).
            raise FakeServiceError(
                "PrincipalNotFound: Principal does not exist in the directory (replication delay)"
            )
        role = str(inputs["roleDefinitionId"])
        if not re.match(
            r"^/subscriptions/[0-9a-f-]{36}/providers/Microsoft\.Authorization/roleDefinitions/[0-9a-f-]{36}$",
            role,
        ):
            raise FakeServiceError(
                f"roleDefinitionId {role!r} is not a role definition ID (InvalidRoleDefinitionId)"
            )
        assignment = str(inputs.get("roleAssignmentName") or self._guid(seed, "ra"))
        if not GUID.match(assignment):
            raise FakeServiceError(
                f"roleAssignmentName {assignment!r} must be a GUID (InvalidRoleAssignmentId)"
            )
        if assignment in self.arm_names:
            raise FakeServiceError("RoleAssignmentExists: The role assignment already exists.")
        self.arm_names.add(assignment)
        scope = str(inputs["scope"])
        return f"{scope}/providers/Microsoft.Authorization/roleAssignments/{assignment}", {
            "name": assignment,
            "type": "Microsoft.Authorization/roleAssignments",
            "principalType": principal_type,
            "azureApiVersion": "2022-04-01",
        }

    def _Secret(self, name: str, inputs: dict[str, Any], seed: str) -> tuple[str, dict[str, Any]]:
        secret_name = str(inputs["secretName"])
        if not re.match(r"^[0-9A-Za-z-]{1,127}$", secret_name):
            raise FakeServiceError(
                f"secretName {secret_name!r} is not a valid Key Vault secret name"
            )
        expires = ((inputs.get("properties") or {}).get("attributes") or {}).get("expires")
        if expires is not None and not isinstance(expires, (int, float)):
            raise FakeServiceError("properties.attributes.expires must be seconds since 1970-01-01")
        return (
            f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{inputs['resourceGroupName']}"
            f"/providers/Microsoft.KeyVault/vaults/{inputs['vaultName']}/secrets/{secret_name}",
            {
                "name": secret_name,
                "type": "Microsoft.KeyVault/vaults/secrets",
                "azureApiVersion": "2024-11-01",
            },
        )

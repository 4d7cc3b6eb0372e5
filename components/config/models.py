"""The schema of the stack configuration: the services, the applications, and what an
application's keys accept. The parts of an application with rules of their own live in
their own modules (``redirects``, ``secret``, ``credentials``); what they share in ``base``.
"""

import functools
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Discriminator, Field, StrictBool, StrictStr, Tag

from components import healthcare
from components.config.adoption import AdoptSettings
from components.config.base import (
    ConfigModel,
    DisplayName,
    Owners,
    Rule,
    dedupe,
    empty_map,
    frozen_map,
)
from components.config.credentials import (
    CertificateRef,
    FederatedCredential,
    KeyVaultSettings,
)
from components.config.redirects import RedirectUris
from components.config.secret import SecretSettings
from components.config.smart_schema import SmartClientSettings
from components.errors import Invalid
from components.healthcare import HealthcareResource

PermissionName = Annotated[StrictStr, Field(min_length=1, max_length=120)]


class ExplicitPermissions(ConfigModel):
    scopes: tuple[PermissionName, ...] = ()
    roles: tuple[PermissionName, ...] = ()


PermissionList = Annotated[tuple[PermissionName, ...], AfterValidator(dedupe)]


def _permission_form(value: Any) -> str:
    return "explicit" if isinstance(value, Mapping) else "list"


PermissionChoice = Annotated[
    Annotated[PermissionList, Tag("list")] | Annotated[ExplicitPermissions, Tag("explicit")],
    Discriminator(_permission_form),
]


def _secret_form(value: Any) -> str:
    return "off" if value is False else "settings"


SecretChoice = Annotated[
    Annotated[SecretSettings, Tag("settings")] | Annotated[Literal[False], Tag("off")],
    Discriminator(_secret_form),
]


# --- services and applications ---------------------------------------------------------------


def _check_https(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or parts.fragment or parts.query:
        raise Invalid("{} is not an https URL without query or fragment", value)
    return value.rstrip("/")


HttpsUrl = Annotated[StrictStr, AfterValidator(_check_https)]


class ServiceSettings(ConfigModel):
    kind: Literal["fhir", "dicom", "api-for-fhir"]
    # Its shape depends on the kind: a rule below (service_rules) checks it.
    resource_id: StrictStr
    url: HttpsUrl | None = None
    audience: HttpsUrl | None = None

    @functools.cached_property
    def resource(self) -> HealthcareResource:
        # Parsed once: the endpoints and every role assignment on this service read it.
        return healthcare.parse_resource_id(self.resource_id, self.kind)

    @property
    def endpoint_url(self) -> str:
        return self.url or self.resource.default_url

    @property
    def token_audience(self) -> str:
        if self.audience:
            return self.audience
        # An overridden FHIR URL is also its audience unless the audience is given too.
        return healthcare.DICOM_AUDIENCE if self.kind == "dicom" else self.endpoint_url

    @property
    def scope(self) -> str:
        return f"{self.token_audience}/.default"


class ApplicationSettings(ConfigModel):
    display_name: DisplayName | None = None
    description: Annotated[StrictStr, Field(max_length=1024)] | None = None
    public_client_flows: StrictBool = False
    redirect_uris: RedirectUris = RedirectUris()
    owners: Owners = ()
    secret: SecretChoice = SecretSettings()
    certificates: Annotated[Mapping[str, CertificateRef], AfterValidator(frozen_map)] = Field(
        default_factory=empty_map
    )
    api_permissions: Annotated[Mapping[str, PermissionChoice], AfterValidator(frozen_map)] = Field(
        default_factory=empty_map
    )
    admin_consent: StrictBool = False
    smart: SmartClientSettings | None = None
    roles: Annotated[
        Mapping[str, Annotated[tuple[StrictStr, ...], AfterValidator(dedupe)]],
        AfterValidator(frozen_map),
    ] = Field(default_factory=empty_map)
    federated_credentials: Annotated[
        Mapping[str, FederatedCredential], AfterValidator(frozen_map)
    ] = Field(default_factory=empty_map)
    key_vault: KeyVaultSettings | None = None
    adopt: AdoptSettings | None = None

    @property
    def rotating_secret(self) -> SecretSettings | None:
        return self.secret if self.secret is not False else None


def service_rules(service: ServiceSettings, failed: frozenset[str]) -> list[Rule]:
    if "resource_id" in failed:
        return []
    if "kind" in failed:  # reported already; the shape can still be checked
        if healthcare.kind_of_resource_id(service.resource_id) is None:
            return [
                (
                    ("resourceId",),
                    Invalid("is not a FHIR, DICOM or Azure API for FHIR resource ID"),
                )
            ]
        return []
    try:
        healthcare.parse_resource_id(service.resource_id, service.kind)
    except Invalid as exc:
        return [(("resourceId",), exc)]
    return []

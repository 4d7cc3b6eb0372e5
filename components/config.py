"""Stack configuration: parsed once into typed, immutable settings (DESIGN section 2).

pydantic does the structural work (types, unknown keys, every error with its location);
the checks that span keys (a role on a service, a service kind's API) run afterwards on
whatever parsed. Every problem is collected with its key path and raised together as one
``ConfigError``, before any resource is registered.
"""

import difflib
import functools
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictStr,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components import clock, healthcare
from components.certificates import CertificateError, CertificateInfo, load_certificate
from components.errors import ConfigError, Problem, join_path
from components.healthcare import HealthcareResource
from components.rotation import LIFETIMES, MAX_LIFETIME, RotationPolicy

# Logical names are part of every URN, resource name and Key Vault secret name.
NAME_RE = re.compile(r"^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$")
NAME_RULE = "1-40 characters: lowercase letters, digits and '-', starting with a letter"
# Graph application.displayName: at most 256 characters.
MAX_DISPLAY_NAME = 256
# Entra: redirect URIs are at most 256 characters, and an app holds at most 256 of them.
MAX_REDIRECT_URI_LENGTH = 256
MAX_REDIRECT_URIS = 256
# Entra: at most 20 federated identity credentials per application.
MAX_FEDERATED_CREDENTIALS = 20
# Entra: at most 100 owners per application.
MAX_OWNERS = 100
WARN_DAYS = 30
# The shipped rotate workflow runs weekly; every period must contain at least one run.
MIN_ROTATION_DAYS = 7

REDIRECT_PRESETS = {
    "postman": "https://www.getpostman.com/oauth2/callback",
    "postman-web": "https://oauth.pstmn.io/v1/callback",
}
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
KEY_VAULT_RE = re.compile(
    r"^/subscriptions/(?P<sub>[0-9a-fA-F-]{36})/resourceGroups/(?P<rg>[-\w.()]{1,90})"
    r"/providers/Microsoft\.KeyVault/vaults/(?P<name>[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9])$",
    re.I,
)
KV_SECRET_NAME_RE = re.compile(r"^[0-9A-Za-z-]{1,127}$")
GITHUB_REPO_RE = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/[A-Za-z0-9._-]{1,100}$"
)
# Entra names a federated credential in at most 120 characters; the stack appends '-' and the
# eight hex digits of its issuer+subject digest to the key (ApplicationCredentials).
FIC_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,110}$")
GIT_REF_FORBIDDEN = re.compile(r"[\s~^:?*\[\\]|\.\.|@\{|//|^/|/$|\.lock$|^-")
DURATION_RE = re.compile(r"^\s*(\d{1,4})\s*(day|days|week|weeks)\s*$", re.I)


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
        # Strictness is per field (StrictStr, StrictBool) so YAML lists still become tuples.
        strict=False,
    )


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return types.MappingProxyType(dict(value))


def _empty_map() -> Mapping[str, Any]:
    return types.MappingProxyType({})


def _as_instant(value: object) -> object:
    """Accept YAML dates/timestamps and ISO 8601 strings; a bare date means 00:00 UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date (e.g. 2027-01-31)") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


Instant = Annotated[datetime, BeforeValidator(_as_instant)]


def _check_uuid(value: str) -> str:
    if not healthcare.is_guid(value):
        raise ValueError(f"{value!r} is not an object ID (a GUID)")
    return value.lower()


ObjectId = Annotated[StrictStr, AfterValidator(_check_uuid)]


# --- redirect URIs -------------------------------------------------------------------------


def _check_redirect_uri(value: str, *, web_like: bool) -> str:
    uri = REDIRECT_PRESETS.get(value, value)
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        raise ValueError(
            f"is {len(uri)} characters; Entra accepts at most {MAX_REDIRECT_URI_LENGTH}"
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in uri):
        raise ValueError(f"{uri!r} contains whitespace or control characters")
    if "*" in uri:
        raise ValueError(
            f"{uri!r} contains a wildcard; Entra does not accept wildcard redirect URIs"
        )
    if "#" in uri:
        raise ValueError(f"{uri!r} contains a fragment ('#'); Entra does not accept fragments")
    parts = urlsplit(uri)
    if not parts.scheme or not (parts.netloc or parts.path):
        presets = ", ".join(REDIRECT_PRESETS)
        raise ValueError(f"{uri!r} is not an absolute URI or a preset ({presets})")
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme == "http":
        if host not in LOOPBACK_HOSTS:
            raise ValueError(
                f"{uri!r} uses http; only https is accepted, except http://localhost "
                "and http://127.0.0.1 loopback"
            )
    elif web_like and scheme != "https":
        raise ValueError(
            f"{uri!r} must use https (or http://localhost / http://127.0.0.1 for loopback); "
            "custom schemes belong under mobileDesktop"
        )
    elif scheme == "https" and not host:
        raise ValueError(f"{uri!r} has no host")
    return uri


WebUri = Annotated[StrictStr, AfterValidator(lambda v: _check_redirect_uri(v, web_like=True))]
NativeUri = Annotated[StrictStr, AfterValidator(lambda v: _check_redirect_uri(v, web_like=False))]


def _dedupe(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


class RedirectUris(_Model):
    mobile_desktop: Annotated[tuple[NativeUri, ...], AfterValidator(_dedupe)] = ()
    web: Annotated[tuple[WebUri, ...], AfterValidator(_dedupe)] = ()
    spa: Annotated[tuple[WebUri, ...], AfterValidator(_dedupe)] = ()

    @model_validator(mode="after")
    def _total(self) -> "RedirectUris":
        total = len(self.mobile_desktop) + len(self.web) + len(self.spa)
        if total > MAX_REDIRECT_URIS:
            raise ValueError(
                f"{total} redirect URIs; Entra accepts at most {MAX_REDIRECT_URIS} per app"
            )
        return self

    def by_platform(self) -> dict[str, tuple[str, ...]]:
        """Non-empty platforms keyed by the provider's redirect type."""
        platforms = {"PublicClient": self.mobile_desktop, "Web": self.web, "SPA": self.spa}
        return {kind: uris for kind, uris in platforms.items() if uris}


# --- client secret ---------------------------------------------------------------------------


def _parse_period(value: str) -> timedelta:
    match = DURATION_RE.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not a period like '90 days' or '12 weeks'")
    count = int(match[1])
    days = count * (7 if match[2].lower().startswith("week") else 1)
    if days < MIN_ROTATION_DAYS:
        # A run that crosses two generation boundaries replaces both slots at once, which
        # is exactly the downtime the two slots exist to prevent.
        raise ValueError(
            f"{value!r} is shorter than {MIN_ROTATION_DAYS} days; the rotate workflow runs "
            "weekly, and a run that crosses two rotation boundaries replaces both secrets at once"
        )
    return timedelta(days=days)


class SecretSettings(_Model):
    expires_in: Literal["3 months", "6 months", "12 months", "24 months"] | None = None
    rotation: Literal["overlap", "none"] | None = None
    rotate_every: (
        Annotated[StrictStr, AfterValidator(lambda v: (_parse_period(v), v)[1])] | None
    ) = None
    start: Instant | None = None
    end: Instant | None = None

    @model_validator(mode="after")
    def _mode(self, info: ValidationInfo) -> "SecretSettings":
        custom = self.start is not None or self.end is not None
        if self.mode == "none":
            missing = [k for k, v in (("start", self.start), ("end", self.end)) if v is None]
            if missing:
                raise ValueError(f"rotation: none needs custom {' and '.join(missing)} date(s)")
            if self.expires_in is not None or self.rotate_every is not None:
                raise ValueError(
                    "rotation: none takes custom start/end dates, not expiresIn or rotateEvery"
                )
            assert self.start is not None and self.end is not None
            if self.end <= self.start:
                raise ValueError("end must be after start")
            if self.end - self.start > MAX_LIFETIME:
                raise ValueError(
                    "a client secret may live at most 24 months; move end closer to start"
                )
            now = _context_now(info)
            if self.end <= now:
                raise ValueError(
                    f"the custom secret ended on {self.end.date().isoformat()}; set a later "
                    "'end' (and 'start'), or switch to rotation: overlap with expiresIn"
                )
        elif custom:
            raise ValueError(
                "custom start/end dates need rotation: none (overlap derives its own dates)"
            )
        else:
            self.policy()  # raises ValueError for a period that breaks the invariants
        return self

    @property
    def mode(self) -> Literal["overlap", "none"]:
        if self.rotation is not None:
            return self.rotation
        return "none" if (self.start is not None or self.end is not None) else "overlap"

    @property
    def lifetime(self) -> timedelta:
        return LIFETIMES[self.expires_in or "6 months"]

    def policy(self) -> RotationPolicy:
        if self.rotate_every is None:
            return RotationPolicy.default_for(self.lifetime)
        return RotationPolicy(lifetime=self.lifetime, period=_parse_period(self.rotate_every))


# --- credentials -----------------------------------------------------------------------------


class CertificateRef(_Model):
    file: StrictStr


def _check_git_name(value: str) -> str:
    if not value or GIT_REF_FORBIDDEN.search(value) or len(value) > 255:
        raise ValueError(f"{value!r} is not a valid git ref name (no wildcards, spaces or '..')")
    return value


class GitHubCredential(_Model):
    repository: StrictStr
    branch: Annotated[StrictStr, AfterValidator(_check_git_name)] | None = None
    environment: StrictStr | None = None
    pull_request: StrictBool | None = None
    tag: Annotated[StrictStr, AfterValidator(_check_git_name)] | None = None
    description: Annotated[StrictStr, Field(max_length=600)] | None = None

    @field_validator("repository")
    @classmethod
    def _repo(cls, value: str) -> str:
        if not GITHUB_REPO_RE.fullmatch(value) or value.split("/")[1] in (".", ".."):
            raise ValueError(f"{value!r} is not a GitHub repository like 'contoso/loader'")
        return value

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: str) -> str:
        if (
            not value
            or len(value) > 255
            or any(ch in value for ch in "*?:\"'<>|\\")
            or value.strip() != value
        ):
            raise ValueError(f"{value!r} is not a GitHub environment name")
        return value

    @model_validator(mode="after")
    def _one_selector(self) -> "GitHubCredential":
        chosen = [
            key
            for key, value in (
                ("branch", self.branch),
                ("environment", self.environment),
                ("pullRequest", self.pull_request),
                ("tag", self.tag),
            )
            if value is not None
        ]
        if self.pull_request is False:
            raise ValueError("pullRequest can only be true; leave it out otherwise")
        if len(chosen) != 1:
            listed = ", ".join(chosen) if chosen else "none"
            raise ValueError(
                f"give exactly one of branch, environment, pullRequest: true or tag (got {listed})"
            )
        return self

    @property
    def issuer(self) -> str:
        return GITHUB_ISSUER

    @property
    def audiences(self) -> tuple[str, ...]:
        return (EXCHANGE_AUDIENCE,)

    @property
    def subject(self) -> str:
        # GitHub's claim is exact and case-sensitive; Entra matches it byte for byte.
        base = f"repo:{self.repository}"
        if self.branch is not None:
            return f"{base}:ref:refs/heads/{self.branch}"
        if self.tag is not None:
            return f"{base}:ref:refs/tags/{self.tag}"
        if self.environment is not None:
            return f"{base}:environment:{self.environment}"
        return f"{base}:pull_request"


class GenericCredential(_Model):
    issuer: Annotated[StrictStr, Field(max_length=600)]
    subject: Annotated[StrictStr, Field(min_length=1, max_length=600)]
    audiences: Annotated[
        tuple[Annotated[StrictStr, Field(min_length=1, max_length=600)], ...],
        Field(min_length=1, max_length=1),
    ] = (EXCHANGE_AUDIENCE,)
    description: Annotated[StrictStr, Field(max_length=600)] | None = None

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError(f"{value!r} is not an https issuer URL")
        return value

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        if "*" in value or "?" in value:
            raise ValueError(
                f"{value!r} contains a wildcard; federated credential subjects match exactly"
            )
        return value


def _credential_kind(value: Any) -> str:
    return "github" if isinstance(value, Mapping) and "repository" in value else "generic"


FederatedCredential = Annotated[
    Annotated[GitHubCredential, Tag("github")] | Annotated[GenericCredential, Tag("generic")],
    Discriminator(_credential_kind),
]


class KeyVaultSettings(_Model):
    id: StrictStr
    secret_name: StrictStr | None = None
    client_id_secret_name: StrictStr | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not KEY_VAULT_RE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a Key Vault resource ID "
                "(/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>)"
            )
        return value

    @field_validator("secret_name", "client_id_secret_name")
    @classmethod
    def _secret_name(cls, value: str) -> str:
        if not KV_SECRET_NAME_RE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a Key Vault secret name (1-127 of 0-9, a-z, A-Z, '-')"
            )
        return value

    @property
    def resource_group(self) -> str:
        match = KEY_VAULT_RE.fullmatch(self.id)
        assert match
        return match["rg"]

    @property
    def vault_name(self) -> str:
        match = KEY_VAULT_RE.fullmatch(self.id)
        assert match
        return match["name"]


# --- API permissions ---------------------------------------------------------------------------

PermissionName = Annotated[StrictStr, Field(min_length=1, max_length=120)]


class ExplicitPermissions(_Model):
    scopes: tuple[PermissionName, ...] = ()
    roles: tuple[PermissionName, ...] = ()


PermissionList = Annotated[tuple[PermissionName, ...], AfterValidator(_dedupe)]


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
# Discriminated unions put the chosen tag into error locations; the user never wrote it.
UNION_TAGS = frozenset({"list", "explicit", "settings", "off", "github", "generic"})


# --- services and applications ---------------------------------------------------------------


class ServiceSettings(_Model):
    kind: Literal["fhir", "dicom", "api-for-fhir"]
    resource_id: StrictStr
    url: StrictStr | None = None
    audience: StrictStr | None = None

    @field_validator("url", "audience")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc or parts.fragment or parts.query:
            raise ValueError(f"{value!r} is not an https URL without query or fragment")
        return value.rstrip("/")

    @field_validator("resource_id")
    @classmethod
    def _shape(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is None:  # kind itself is wrong and reported; still check the shape
            if healthcare.kind_of_resource_id(value) is None:
                raise ValueError("is not a FHIR, DICOM or Azure API for FHIR resource ID")
            return value
        healthcare.parse_resource_id(value, kind)
        return value

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


def _check_display_name(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if value != value.strip():
        raise ValueError(f"{value!r} has leading or trailing spaces")
    if len(value) > MAX_DISPLAY_NAME:
        raise ValueError(f"is {len(value)} characters; Entra accepts at most {MAX_DISPLAY_NAME}")
    return value


class ApplicationSettings(_Model):
    display_name: Annotated[StrictStr, AfterValidator(_check_display_name)] | None = None
    description: Annotated[StrictStr, Field(max_length=1024)] | None = None
    public_client_flows: StrictBool = False
    redirect_uris: RedirectUris = RedirectUris()
    owners: Annotated[
        tuple[ObjectId, ...], AfterValidator(_dedupe), Field(max_length=MAX_OWNERS)
    ] = ()
    secret: SecretChoice = SecretSettings()
    certificates: Annotated[Mapping[str, CertificateRef], AfterValidator(_frozen_map)] = Field(
        default_factory=_empty_map
    )
    api_permissions: Annotated[Mapping[str, PermissionChoice], AfterValidator(_frozen_map)] = Field(
        default_factory=_empty_map
    )
    admin_consent: StrictBool = False
    roles: Annotated[
        Mapping[str, Annotated[tuple[StrictStr, ...], AfterValidator(_dedupe)]],
        AfterValidator(_frozen_map),
    ] = Field(default_factory=_empty_map)
    federated_credentials: Annotated[
        Mapping[str, FederatedCredential], AfterValidator(_frozen_map)
    ] = Field(default_factory=_empty_map)
    key_vault: KeyVaultSettings | None = None

    @property
    def rotating_secret(self) -> SecretSettings | None:
        return self.secret if self.secret is not False else None


# --- resolved stack settings -----------------------------------------------------------------


@dataclass(frozen=True)
class ApiPermissionRequest:
    """An apiPermissions entry with its API resolved to an app ID (names still to resolve)."""

    key: str
    app_id: str
    service: str | None  # the service the key names, when it names one
    names: tuple[str, ...]
    scopes: tuple[str, ...]
    roles: tuple[str, ...]


@dataclass(frozen=True)
class RoleGrant:
    service: str
    role_name: str
    role_guid: str


@dataclass(frozen=True)
class Application:
    name: str
    settings: ApplicationSettings
    display_name: str
    certificates: Mapping[str, CertificateInfo]
    api_permissions: tuple[ApiPermissionRequest, ...]
    roles: tuple[RoleGrant, ...]

    @property
    def reachable_services(self) -> tuple[str, ...]:
        """Services the app holds a role on or a permission through, in config order."""
        names = [grant.service for grant in self.roles]
        names += [req.service for req in self.api_permissions if req.service is not None]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class StackSettings:
    services: Mapping[str, ServiceSettings]
    applications: Mapping[str, Application]
    protect: bool
    now: datetime
    # The identity that runs `pulumi up`, when the stack pins it (pipelines do).
    deployer_object_id: str | None = None
    secret_keys: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = field(default=())

    def distinct_api_app_ids(self) -> tuple[str, ...]:
        ids = [req.app_id for app in self.applications.values() for req in app.api_permissions]
        return tuple(dict.fromkeys(ids))


# --- validation ------------------------------------------------------------------------------

TOP_LEVEL_KEYS = ("services", "applications", "protect", "deployerObjectId")


def _context_now(info: ValidationInfo) -> datetime:
    context = info.context or {}
    value = context.get("now")
    return value if isinstance(value, datetime) else clock.now()


def _describe_input(value: object, redact: bool) -> str:
    if redact:
        return "[secret]"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _allowed_keys(model: Any, loc: tuple[str | int, ...]) -> list[str]:
    """The keys a mapping at ``loc`` accepts, found by walking the model's annotations."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    candidates = _models_in(current)
    return sorted({f.alias or name for m in candidates for name, f in m.model_fields.items()})


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _step(annotation: Any, part: str | int) -> Any:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _step(typing.get_args(annotation)[0], part)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            if (info.alias or name) == part:
                return info.annotation
        return None
    if origin in (Mapping, dict):
        return typing.get_args(annotation)[1]
    if origin is tuple:
        return typing.get_args(annotation)[0]
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _step(arg, part)
            if found is not None:
                return found
        return None
    return None


def _problems_from(
    error: ValidationError, prefix: tuple[str | int, ...], model: Any, redact: bool
) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        # Tagged unions put the tag in the location; the user never wrote it.
        loc = tuple(part for part in item["loc"] if part not in UNION_TAGS)
        kind = item["type"]
        value = item.get("input")
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(model, loc[:-1])
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            listing = f" Known keys: {', '.join(allowed)}." if allowed and not close else ""
            message = f"unknown key '{key}'{hint}{listing}"
        elif kind == "missing":
            message = "is required"
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            message = f"{_describe_input(value, redact)} is not one of {expected}"
        elif kind in ("bool_type", "bool_parsing"):
            message = f"must be true or false, not {_describe_input(value, redact)}"
        elif kind in ("string_type",):
            message = f"must be a string, not {_describe_input(value, redact)}"
        elif kind in ("tuple_type", "list_type"):
            message = f"must be a list, not {_describe_input(value, redact)}"
        elif kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
            message = f"must be a mapping of keys to values, not {_describe_input(value, redact)}"
        elif kind in ("datetime_type", "datetime_parsing"):
            message = f"{_describe_input(value, redact)} is not an ISO 8601 date (e.g. 2027-01-31)"
        elif kind == "too_long":
            max_length = item.get("ctx", {}).get("max_length")
            message = f"has too many items or characters (at most {max_length})"
        elif kind == "too_short":
            message = "must not be empty"
        elif kind == "union_tag_invalid":
            message = "is not a recognised form"
        else:
            message = item["msg"].removeprefix("Value error, ")
            if redact and value is not None:
                # Our own validators quote the value; a secret key's value must not be.
                for shown in {repr(value), str(value)}:
                    message = message.replace(shown, "[secret]")
        problems.append(Problem(join_path(*prefix, *loc), message))
    return problems


def _validate_entry(
    adapter: TypeAdapter[Any],
    raw: Any,
    prefix: tuple[str | int, ...],
    model: Any,
    context: dict[str, Any],
    redact: bool,
    problems: list[Problem],
) -> Any:
    try:
        return adapter.validate_python(raw, context=context)
    except ValidationError as exc:
        problems.extend(_problems_from(exc, prefix, model, redact))
        return None


_SERVICE_ADAPTER: TypeAdapter[ServiceSettings] = TypeAdapter(ServiceSettings)
_APP_ADAPTER: TypeAdapter[ApplicationSettings] = TypeAdapter(ApplicationSettings)


def _check_name(name: object, path: str, problems: list[Problem]) -> bool:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        problems.append(Problem(path, f"name {name!r} is not valid: {NAME_RULE}"))
        return False
    return True


def _as_mapping(value: Any, path: str, problems: list[Problem], redact: bool) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(
            Problem(
                path,
                f"must be a mapping of names to settings, not {_describe_input(value, redact)}",
            )
        )
        return {}
    return value


def load_settings(
    raw: Mapping[str, Any],
    *,
    now: datetime,
    base_dir: Path,
    secret_keys: frozenset[str] = frozenset(),
) -> StackSettings:
    """Validate the stack's ``healthcare-clients:*`` config (keys without the project prefix).

    Raises ``ConfigError`` listing every problem; returns immutable settings otherwise.
    """
    problems: list[Problem] = []
    warnings: list[str] = []
    context = {"now": now}

    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1, cutoff=0.6)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; known keys: {', '.join(TOP_LEVEL_KEYS)}"
            )
            problems.append(Problem(key, f"unknown key 'healthcare-clients:{key}'{hint}"))

    protect = raw.get("protect", False)
    if isinstance(protect, str) and protect.lower() in ("true", "false"):
        protect = protect.lower() == "true"  # `pulumi config set protect true` stores a string
    if not isinstance(protect, bool):
        problems.append(Problem("protect", f"must be true or false, not {protect!r}"))
        protect = False

    deployer = raw.get("deployerObjectId")
    if deployer is not None and not (isinstance(deployer, str) and healthcare.is_guid(deployer)):
        shown = "[secret]" if "deployerObjectId" in secret_keys else repr(deployer)
        problems.append(Problem("deployerObjectId", f"{shown} is not an object ID (a GUID)"))
        deployer = None
    deployer = deployer.lower() if isinstance(deployer, str) else None

    services_secret = "services" in secret_keys
    services: dict[str, ServiceSettings] = {}
    raw_services = _as_mapping(raw.get("services"), "services", problems, services_secret)
    for name, entry in raw_services.items():
        if _check_name(name, join_path("services", str(name)), problems):
            parsed = _validate_entry(
                _SERVICE_ADAPTER,
                entry,
                ("services", name),
                ServiceSettings,
                context,
                services_secret,
                problems,
            )
            if parsed is not None:
                services[name] = parsed

    apps_secret = "applications" in secret_keys
    raw_apps = _as_mapping(raw.get("applications"), "applications", problems, apps_secret)
    if not raw_apps and not problems:
        problems.append(Problem("applications", "declares no application; add at least one"))
    applications: dict[str, Application] = {}
    for name, entry in raw_apps.items():
        if not _check_name(name, join_path("applications", str(name)), problems):
            continue
        parsed_app = _validate_entry(
            _APP_ADAPTER,
            entry,
            ("applications", name),
            ApplicationSettings,
            context,
            apps_secret,
            problems,
        )
        if parsed_app is None:
            continue
        problems += deployer_among_owners(name, parsed_app.owners, deployer)
        app = _resolve_application(
            name, parsed_app, services, set(raw_services), now, base_dir, problems, warnings
        )
        if app is not None:
            applications[name] = app

    if problems:
        raise ConfigError(sorted(problems, key=lambda p: p.path))
    return StackSettings(
        services=types.MappingProxyType(services),
        applications=types.MappingProxyType(applications),
        protect=protect,
        now=now,
        deployer_object_id=deployer,
        secret_keys=secret_keys,
        warnings=tuple(warnings),
    )


def deployer_among_owners(
    app_name: str, owners: tuple[str, ...], deployer: str | None
) -> list[Problem]:
    """Entra makes the identity that creates an application its owner by itself, and the
    provider's ApplicationOwner then fails with "already exists": owners lists extra owners."""
    if deployer is None or deployer not in owners:
        return []
    index = owners.index(deployer)
    return [
        Problem(
            join_path("applications", app_name, "owners", index),
            f"{deployer} is the deploying identity, which Entra makes an owner of every "
            "application it creates; list only additional owners here",
        )
    ]


def _resolve_application(
    name: str,
    settings: ApplicationSettings,
    services: Mapping[str, ServiceSettings],
    declared_services: set[str],
    now: datetime,
    base_dir: Path,
    problems: list[Problem],
    warnings: list[str],
) -> Application | None:
    """Cross-key checks for one application; returns None if any of them failed."""
    before = len(problems)
    path = ("applications", name)

    def problem(*parts: str | int, message: str) -> None:
        problems.append(Problem(join_path(*path, *parts), message))

    # Names inside the app become resource names too.
    for key in settings.certificates:
        if not NAME_RE.fullmatch(key):
            problem("certificates", key, message=f"name {key!r} is not valid: {NAME_RULE}")
    for key in settings.federated_credentials:
        if not FIC_NAME_RE.fullmatch(key):
            problem(
                "federatedCredentials",
                key,
                message=f"name {key!r} is not valid: 1-111 characters of letters, digits, '.', '_', '~', '-' (the name in Entra adds '-' and 8 hex digits)",
            )
    folded: dict[str, str] = {}
    for key in settings.federated_credentials:
        if key.lower() in folded:
            problem(
                "federatedCredentials",
                key,
                message=f"duplicates '{folded[key.lower()]}' (names are case-insensitive in Entra)",
            )
        folded.setdefault(key.lower(), key)
    if len(settings.federated_credentials) > MAX_FEDERATED_CREDENTIALS:
        problem(
            "federatedCredentials",
            message=f"{len(settings.federated_credentials)} credentials; Entra accepts at most {MAX_FEDERATED_CREDENTIALS} per application",
        )
    seen_subjects: dict[tuple[str, str], str] = {}
    for key, cred in settings.federated_credentials.items():
        pair = (cred.issuer, cred.subject)
        if pair in seen_subjects:
            problem(
                "federatedCredentials",
                key,
                message=f"has the same issuer and subject as '{seen_subjects[pair]}' ({cred.subject}); Entra rejects duplicates",
            )
        seen_subjects.setdefault(pair, key)

    # Secret-dependent keys.
    secret = settings.rotating_secret
    if settings.key_vault is not None and secret is None:
        problem(
            "keyVault",
            message="delivers the client secret, but secret is false; remove keyVault or enable the secret",
        )
    if secret is not None and secret.mode == "none":
        assert secret.end is not None
        days_left = (secret.end - now).days
        if 0 <= days_left < WARN_DAYS:
            warnings.append(
                f"applications.{name}.secret: the custom secret ends on {secret.end.date().isoformat()} "
                f"({days_left} days left); set new start/end dates or switch to rotation: overlap"
            )

    # Certificates are read now, so a bad file fails validation, not the deployment.
    certificates: dict[str, CertificateInfo] = {}
    for key, ref in settings.certificates.items():
        try:
            info = load_certificate(base_dir / ref.file, source=ref.file)
        except CertificateError as exc:
            problem("certificates", key, "file", message=str(exc))
            continue
        errors, cert_warnings = info.expiry_problems(now, WARN_DAYS)
        for message in errors:
            problem("certificates", key, "file", message=message)
        warnings.extend(f"applications.{name}.certificates.{key}: {w}" for w in cert_warnings)
        certificates[key] = info

    # Roles: service names, role names or GUIDs, and the kind each role applies to.
    # One grant per (service, role definition), the first spelling kept: a name and its GUID,
    # or the name in another case, would otherwise collide in ARM (RoleAssignmentExists)
    # and, for equal slugs, in the URN.
    grants: dict[tuple[str, str], RoleGrant] = {}
    for service_name, role_names in settings.roles.items():
        service = services.get(service_name)
        if service is None:
            if service_name not in declared_services:
                known = ", ".join(sorted(declared_services)) or "none declared"
                problem(
                    "roles",
                    service_name,
                    message=f"is not a service in healthcare-clients:services (known: {known})",
                )
            continue
        for index, role_name in enumerate(role_names):
            if healthcare.is_guid(role_name):
                guid = role_name.lower()
                grants.setdefault((service_name, guid), RoleGrant(service_name, guid, guid))
                continue
            role = healthcare.find_built_in_role(role_name)
            if role is None:
                known = ", ".join(healthcare.BUILT_IN_ROLES)
                problem(
                    "roles",
                    service_name,
                    index,
                    message=f"{role_name!r} is not a built-in role; known roles: {known}; or give a role definition GUID for a custom role",
                )
                continue
            if service.kind not in role.kinds:
                fitting = ", ".join(
                    r.name for r in healthcare.BUILT_IN_ROLES.values() if service.kind in r.kinds
                )
                problem(
                    "roles",
                    service_name,
                    index,
                    message=f"'{role.name}' does not apply to service '{service_name}' of kind {service.kind}; roles for {service.kind}: {fitting}",
                )
                continue
            grants.setdefault(
                (service_name, role.guid), RoleGrant(service_name, role.name, role.guid)
            )

    # API permissions: service name, well-known alias or raw app ID.
    requests: list[ApiPermissionRequest] = []
    for key, spec in settings.api_permissions.items():
        if key in services:
            alias = healthcare.API_FOR_KIND[services[key].kind]
            app_id, service_key = healthcare.WELL_KNOWN_APIS[alias].app_id, key
        elif key in declared_services:
            continue  # the service itself failed validation; already reported
        elif key in healthcare.WELL_KNOWN_APIS:
            app_id, service_key = healthcare.WELL_KNOWN_APIS[key].app_id, None
        elif healthcare.is_guid(key):
            app_id, service_key = key.lower(), None
        else:
            options = sorted(set(services) | set(healthcare.WELL_KNOWN_APIS))
            close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            known = ", ".join(healthcare.WELL_KNOWN_APIS)
            problem(
                "apiPermissions",
                key,
                message=f"is not a service name, a well-known API ({known}) or an application ID{hint}",
            )
            continue
        names: tuple[str, ...]
        scopes: tuple[str, ...]
        roles: tuple[str, ...]
        if isinstance(spec, ExplicitPermissions):
            names, scopes, roles = (), spec.scopes, spec.roles
            if not scopes and not roles:
                problem("apiPermissions", key, message="lists no scopes or roles")
        else:
            names, scopes, roles = spec, (), ()
            if not names:
                problem("apiPermissions", key, message="lists no permissions")
        requests.append(ApiPermissionRequest(key, app_id, service_key, names, scopes, roles))
    if settings.admin_consent and not requests:
        warnings.append(
            f"applications.{name}.adminConsent: true, but the app requests no apiPermissions"
        )

    if len(problems) > before:
        return None
    return Application(
        name=name,
        settings=settings,
        display_name=settings.display_name or name,
        certificates=types.MappingProxyType(certificates),
        api_permissions=tuple(requests),
        roles=tuple(grants.values()),
    )

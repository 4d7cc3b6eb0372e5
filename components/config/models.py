"""The schema of the stack configuration: pydantic models, one per mapping in the stack file.

pydantic checks what one key can tell on its own: types, unknown keys, formats. Rules that
read several keys of one mapping (``rotation: none`` needs ``start`` and ``end``) are plain
functions at the end (``secret_rules`` ...), not model validators: they run on whatever parts
parsed (``components.config.partial``), so a malformed ``expiresIn`` does not hide a missing
``end`` until the next run. Validators raise ``Invalid`` so that a secret key's values can be
withheld from the message.
"""

import functools
import re
import types
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictStr,
    Tag,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components import healthcare
from components.errors import Invalid, Plain
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
FIC_NAME_RULE = (
    "1-111 characters of letters, digits, '.', '_', '~', '-' "
    "(the name in Entra adds '-' and 8 hex digits)"
)
GIT_REF_FORBIDDEN = re.compile(r"[\s~^:?*\[\\]|\.\.|@\{|//|^/|/$|\.lock$|^-")
DURATION_RE = re.compile(r"^\s*(\d{1,4})\s*(day|days|week|weeks)\s*$", re.I)


class Empty:
    """What an explicit null becomes before validation, so every type refuses it alike."""

    def __repr__(self) -> str:
        return "empty"


EMPTY = Empty()


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
        # Strictness is per field (StrictStr, StrictBool) so YAML lists still become tuples.
        strict=False,
    )

    # Names of the fields that did not parse, on a model built from the parts that did
    # (components.config.partial); empty on a model that validated whole.
    _failed: frozenset[str] = PrivateAttr(default=frozenset())

    @property
    def failed_fields(self) -> frozenset[str]:
        return self._failed

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        # YAML writes an empty value (`secret:`) as null. An optional key would take null as
        # "use the default" and a required one would refuse it: one rule for all is clearer.
        if isinstance(data, Mapping):
            return {key: EMPTY if value is None else value for key, value in data.items()}
        return data


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return types.MappingProxyType(dict(value))


def _empty_map() -> Mapping[str, Any]:
    return types.MappingProxyType({})


def _dedupe(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _as_instant(value: object) -> object:
    """Accept YAML dates/timestamps and ISO 8601 strings; a bare date means 00:00 UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid("{} is not an ISO 8601 date (e.g. 2027-01-31)", value) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, (bool, int, float)):
        # pydantic would read a number as seconds since 1970.
        raise Invalid("{} is not an ISO 8601 date (e.g. 2027-01-31)", value)
    return value


Instant = Annotated[datetime, BeforeValidator(_as_instant)]


def _check_uuid(value: str) -> str:
    if not healthcare.is_guid(value):
        raise Invalid("{} is not an object ID (a GUID)", value)
    return value.lower()


ObjectId = Annotated[StrictStr, AfterValidator(_check_uuid)]


# --- redirect URIs -------------------------------------------------------------------------


def provider_uri_problem(uri: str) -> str | None:
    """The azuread provider's own check of a redirect URI, as its message, or None.

    terraform-provider-azuread v3.9.0 internal/helpers/tf/validation/uri.go,
    IsRedirectUriFunc(urnAllowed=true, allowAllSchemes=true), which
    application_redirect_uris_resource.go applies to every platform type. It parses with Go's
    net/url; where Python's urlsplit differs (bad escapes, a leading ':'), the Go behaviour is
    spelled out here.
    """
    if uri == "":
        return "URI must not be empty"
    if uri.startswith("urn:") and len(uri.split(":")) >= 3:
        return None  # accepted as is, before any parsing
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return "URI is in an invalid format"
    # Go's url.Parse: "missing protocol scheme", "invalid URL escape", control characters.
    if uri.startswith(":") or re.search(r"%(?![0-9A-Fa-f]{2})", uri):
        return "URI is in an invalid format"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in uri):
        return "URI is in an invalid format"
    if not parts.netloc.rpartition("@")[2]:
        return "URI has no host"
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return f"URI must be {MAX_REDIRECT_URI_LENGTH} characters or less"
    return None


def _check_redirect_uri(value: str, *, web_like: bool) -> str:
    uri = REDIRECT_PRESETS.get(value, value)
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        # Entra's limit and the provider's (uri.go): same number.
        raise Invalid(
            f"is {{}} characters; Entra accepts at most {MAX_REDIRECT_URI_LENGTH}",
            Plain(str(len(uri))),
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in uri):
        raise Invalid("{} contains whitespace or control characters", uri)
    # Entra: no wildcards and no fragments in redirect URIs (Microsoft identity platform,
    # "Redirect URI (reply URL) best practices and limitations").
    if "*" in uri:
        raise Invalid("{} contains a wildcard; Entra does not accept wildcard redirect URIs", uri)
    if "#" in uri:
        raise Invalid("{} contains a fragment ('#'); Entra does not accept fragments", uri)
    parts = urlsplit(uri)
    if not parts.scheme or not (parts.netloc or parts.path):
        presets = ", ".join(REDIRECT_PRESETS)
        raise Invalid(f"{{}} is not an absolute URI or a preset ({presets})", uri)
    provider = provider_uri_problem(uri)
    if provider == "URI has no host":
        raise Invalid(
            "{} has no host: the azuread provider refuses it ('URI has no host'); give the URI "
            "a host, e.g. msal<client-id>://auth or <scheme>://callback",
            uri,
        )
    if provider is not None:
        raise Invalid(f"{{}} is refused by the azuread provider: {provider}", uri)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    # Entra: web and SPA redirect URIs use https, except http on a loopback host.
    if scheme == "http":
        if host not in LOOPBACK_HOSTS:
            raise Invalid(
                "{} uses http; only https is accepted, except http://localhost "
                "and http://127.0.0.1 loopback",
                uri,
            )
    elif web_like and scheme != "https":
        raise Invalid(
            "{} must use https (or http://localhost / http://127.0.0.1 for loopback); "
            "custom schemes belong under mobileDesktop",
            uri,
        )
    elif scheme == "https" and not host:
        raise Invalid("{} has no host", uri)
    return uri


WebUri = Annotated[StrictStr, AfterValidator(lambda v: _check_redirect_uri(v, web_like=True))]
NativeUri = Annotated[StrictStr, AfterValidator(lambda v: _check_redirect_uri(v, web_like=False))]


class RedirectUris(_Model):
    mobile_desktop: Annotated[tuple[NativeUri, ...], AfterValidator(_dedupe)] = ()
    web: Annotated[tuple[WebUri, ...], AfterValidator(_dedupe)] = ()
    spa: Annotated[tuple[WebUri, ...], AfterValidator(_dedupe)] = ()

    def by_platform(self) -> dict[str, tuple[str, ...]]:
        """Non-empty platforms keyed by the provider's redirect type."""
        platforms = {"PublicClient": self.mobile_desktop, "Web": self.web, "SPA": self.spa}
        return {kind: uris for kind, uris in platforms.items() if uris}


# --- client secret ---------------------------------------------------------------------------


def parse_period(value: str) -> timedelta:
    match = DURATION_RE.fullmatch(value)
    if not match:
        raise Invalid("{} is not a period like '90 days' or '12 weeks'", value)
    count = int(match[1])
    days = count * (7 if match[2].lower().startswith("week") else 1)
    if days < MIN_ROTATION_DAYS:
        # A run that crosses two generation boundaries replaces both slots at once, which
        # is exactly the downtime the two slots exist to prevent.
        raise Invalid(
            f"{{}} is shorter than {MIN_ROTATION_DAYS} days; the rotate workflow runs "
            "weekly, and a run that crosses two rotation boundaries replaces both secrets at once",
            value,
        )
    return timedelta(days=days)


class SecretSettings(_Model):
    expires_in: Literal["3 months", "6 months", "12 months", "24 months"] | None = None
    rotation: Literal["overlap", "none"] | None = None
    rotate_every: Annotated[StrictStr, AfterValidator(lambda v: (parse_period(v), v)[1])] | None = (
        None
    )
    start: Instant | None = None
    end: Instant | None = None

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
        return RotationPolicy(lifetime=self.lifetime, period=parse_period(self.rotate_every))


# --- credentials -----------------------------------------------------------------------------


class CertificateRef(_Model):
    file: StrictStr


def _check_git_name(value: str) -> str:
    if not value or GIT_REF_FORBIDDEN.search(value) or len(value) > 255:
        raise Invalid("{} is not a valid git ref name (no wildcards, spaces or '..')", value)
    return value


def _check_repository(value: str) -> str:
    if not GITHUB_REPO_RE.fullmatch(value) or value.split("/")[1] in (".", ".."):
        raise Invalid("{} is not a GitHub repository like 'contoso/loader'", value)
    return value


def _check_environment(value: str) -> str:
    if (
        not value
        or len(value) > 255
        or any(ch in value for ch in "*?:\"'<>|\\")
        or value.strip() != value
    ):
        raise Invalid("{} is not a GitHub environment name", value)
    return value


GitRefName = Annotated[StrictStr, AfterValidator(_check_git_name)]


class GitHubCredential(_Model):
    repository: Annotated[StrictStr, AfterValidator(_check_repository)]
    branch: GitRefName | None = None
    environment: Annotated[StrictStr, AfterValidator(_check_environment)] | None = None
    pull_request: StrictBool | None = None
    tag: GitRefName | None = None
    description: Annotated[StrictStr, Field(max_length=600)] | None = None

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


def _check_issuer(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        raise Invalid("{} is not an https issuer URL", value)
    return value


def _check_subject(value: str) -> str:
    if "*" in value or "?" in value:
        raise Invalid("{} contains a wildcard; federated credential subjects match exactly", value)
    return value


class GenericCredential(_Model):
    issuer: Annotated[StrictStr, Field(max_length=600), AfterValidator(_check_issuer)]
    subject: Annotated[
        StrictStr, Field(min_length=1, max_length=600), AfterValidator(_check_subject)
    ]
    audiences: Annotated[
        tuple[Annotated[StrictStr, Field(min_length=1, max_length=600)], ...],
        Field(min_length=1, max_length=1),
    ] = (EXCHANGE_AUDIENCE,)
    description: Annotated[StrictStr, Field(max_length=600)] | None = None


def _credential_kind(value: Any) -> str:
    return "github" if isinstance(value, Mapping) and "repository" in value else "generic"


FederatedCredential = Annotated[
    Annotated[GitHubCredential, Tag("github")] | Annotated[GenericCredential, Tag("generic")],
    Discriminator(_credential_kind),
]


def _check_vault_id(value: str) -> str:
    if not KEY_VAULT_RE.fullmatch(value):
        raise Invalid(
            "{} is not a Key Vault resource ID "
            "(/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>)",
            value,
        )
    return value


def _check_vault_secret_name(value: str) -> str:
    if not KV_SECRET_NAME_RE.fullmatch(value):
        raise Invalid("{} is not a Key Vault secret name (1-127 of 0-9, a-z, A-Z, '-')", value)
    return value


VaultSecretName = Annotated[StrictStr, AfterValidator(_check_vault_secret_name)]


class KeyVaultSettings(_Model):
    id: Annotated[StrictStr, AfterValidator(_check_vault_id)]
    secret_name: VaultSecretName | None = None
    client_id_secret_name: VaultSecretName | None = None

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


# --- services and applications ---------------------------------------------------------------


def _check_https(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or parts.fragment or parts.query:
        raise Invalid("{} is not an https URL without query or fragment", value)
    return value.rstrip("/")


HttpsUrl = Annotated[StrictStr, AfterValidator(_check_https)]


class ServiceSettings(_Model):
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


def _check_display_name(value: str) -> str:
    if not value.strip():
        raise Invalid("must not be empty")
    if value != value.strip():
        raise Invalid("{} has leading or trailing spaces", value)
    if len(value) > MAX_DISPLAY_NAME:
        raise Invalid(
            f"is {{}} characters; Entra accepts at most {MAX_DISPLAY_NAME}", Plain(str(len(value)))
        )
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


# --- rules across the keys of one mapping ----------------------------------------------------
# Each takes the parsed model and the names of its fields that did not parse, and returns
# (sub-path, complaint) pairs; a rule that needs a field that did not parse is skipped.

Rule = tuple[tuple[str | int, ...], Invalid]


def _given(model: _Model, name: str) -> bool:
    """The user wrote the key (whether or not its value parsed)."""
    return name in model.model_fields_set or name in model.failed_fields


def secret_rules(secret: SecretSettings, failed: frozenset[str], now: datetime) -> list[Rule]:
    if "rotation" in failed:
        return []  # which mode applies is unknown
    out: list[Rule] = []
    start_given, end_given = _given(secret, "start"), _given(secret, "end")
    custom = start_given or end_given
    mode = secret.rotation or ("none" if custom else "overlap")
    if mode == "none":
        missing = [k for k, given in (("start", start_given), ("end", end_given)) if not given]
        if missing:
            out.append(
                ((), Invalid(f"rotation: none needs custom {' and '.join(missing)} date(s)"))
            )
        if _given(secret, "expires_in") or _given(secret, "rotate_every"):
            out.append(
                (
                    (),
                    Invalid(
                        "rotation: none takes custom start/end dates, not expiresIn or rotateEvery"
                    ),
                )
            )
        start = None if "start" in failed else secret.start
        end = None if "end" in failed else secret.end
        if start is not None and end is not None:
            if end <= start:
                out.append((("end",), Invalid("must be after start")))
            elif end - start > MAX_LIFETIME:
                out.append(
                    (
                        ("end",),
                        Invalid(
                            "is more than 24 months after start; a client secret may live at "
                            "most 24 months"
                        ),
                    )
                )
        if end is not None and end <= now:
            out.append(
                (
                    ("end",),
                    Invalid(
                        "the custom secret ended on {}; set a later 'end' (and 'start'), or "
                        "switch to rotation: overlap with expiresIn",
                        Plain(end.date().isoformat()),
                    ),
                )
            )
    elif custom:
        out.append(
            (
                (),
                Invalid(
                    "custom start/end dates need rotation: none (overlap derives its own dates)"
                ),
            )
        )
    elif not failed & {"expires_in", "rotate_every"}:
        try:
            secret.policy()
        except ValueError:
            assert secret.rotate_every is not None  # the default period always fits
            out.append(
                (
                    (),
                    Invalid(
                        "lifetime ({} days) must be at least twice the rotation period ({} days) "
                        "so the previous secret outlives a full period",
                        Plain(str(secret.lifetime.days)),
                        Plain(str(parse_period(secret.rotate_every).days)),
                    ),
                )
            )
    return out


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


def github_rules(cred: GitHubCredential, failed: frozenset[str]) -> list[Rule]:
    selectors = ("branch", "environment", "pull_request", "tag")
    chosen = [to_camel(name) for name in selectors if _given(cred, name)]
    if "pull_request" not in failed and cred.pull_request is False:
        return [(("pullRequest",), Invalid("can only be true; leave it out otherwise"))]
    if len(chosen) != 1:
        listed = ", ".join(chosen) if chosen else "none"
        return [
            (
                (),
                Invalid(
                    "give exactly one of branch, environment, pullRequest: true or tag "
                    f"(got {listed})"
                ),
            )
        ]
    return []


def redirect_rules(uris: RedirectUris, failed: frozenset[str]) -> list[Rule]:
    out: list[Rule] = []
    platforms = {"mobileDesktop": uris.mobile_desktop, "web": uris.web, "spa": uris.spa}
    parsed = {key: values for key, values in platforms.items() if to_snake(key) not in failed}
    if len(parsed) == len(platforms):
        total = sum(len(values) for values in platforms.values())
        if total > MAX_REDIRECT_URIS:
            out.append(
                (
                    (),
                    Invalid(
                        f"{{}} redirect URIs; Entra accepts at most {MAX_REDIRECT_URIS} per app",
                        Plain(str(total)),
                    ),
                )
            )
    # Entra keeps one list of redirect URIs per app across platforms and refuses a value
    # twice: "Redirect URIs must have distinct values" (MicrosoftDocs/azure-docs #89929).
    seen: dict[str, str] = {}
    for key, values in parsed.items():
        for index, uri in enumerate(values):
            if uri in seen and seen[uri] != key:
                out.append(
                    (
                        (key, index),
                        Invalid(
                            f"{{}} is also under {seen[uri]}; Entra refuses the same redirect URI "
                            "on two platforms ('Redirect URIs must have distinct values'); keep it "
                            "under one",
                            uri,
                        ),
                    )
                )
            seen.setdefault(uri, key)
    return out


def to_snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()

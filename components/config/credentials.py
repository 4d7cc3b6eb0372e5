"""Credentials without a shared secret (certificates, federated identity credentials) and
the Key Vault a client secret is delivered to."""

import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Discriminator, Field, StrictBool, StrictStr, Tag
from pydantic.alias_generators import to_camel

from components.config.base import ConfigModel, Rule, given
from components.errors import Invalid

# Entra: at most 20 federated identity credentials per application.
MAX_FEDERATED_CREDENTIALS = 20

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


class CertificateRef(ConfigModel):
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


class GitHubCredential(ConfigModel):
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


class GenericCredential(ConfigModel):
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


class KeyVaultSettings(ConfigModel):
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


def github_rules(cred: GitHubCredential, failed: frozenset[str]) -> list[Rule]:
    selectors = ("branch", "environment", "pull_request", "tag")
    chosen = [to_camel(name) for name in selectors if given(cred, name)]
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

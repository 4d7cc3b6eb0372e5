"""Stack configuration: parsed once into typed, immutable settings (docs/design.md,
"Configuration").

The schema, one module per part: ``base`` (what every model shares), ``models`` (services
and applications), ``redirects``, ``secret``, ``credentials`` (certificates, federated
credentials, Key Vault). The messages: ``translate`` (pydantic's errors as sentences at the
user's key path), ``disclosure`` (what a message may show of a secret key), ``partial``
(what parsed of a mapping that failed, so the rules across keys still run on it). The
checks: ``load`` (the whole stack), ``services``, ``application`` (one application),
``access`` (roles and API permissions), ``vault`` (Key Vault secret names), ``checking``
(what they share). The result: ``settings``.

Every problem is collected with its key path and raised together as one ``ConfigError``,
before any resource is registered. The names below are the package's public interface.
"""

from components.config.adoption import AdoptedRoleAssignment, AdoptSettings
from components.config.application import AppView, deployer_among_owners
from components.config.credentials import (
    FederatedCredential,
    GenericCredential,
    GitHubCredential,
    KeyVaultSettings,
)
from components.config.load import TOP_LEVEL_KEYS, Checked, check_config, load_settings
from components.config.models import ApplicationSettings, ServiceSettings
from components.config.redirects import RedirectUris, provider_uri_problem
from components.config.secret import SecretSettings
from components.config.settings import (
    ApiPermissionRequest,
    Application,
    RoleGrant,
    StackSettings,
)

__all__ = [
    "TOP_LEVEL_KEYS",
    "AdoptSettings",
    "AdoptedRoleAssignment",
    "ApiPermissionRequest",
    "AppView",
    "Application",
    "ApplicationSettings",
    "Checked",
    "FederatedCredential",
    "GenericCredential",
    "GitHubCredential",
    "KeyVaultSettings",
    "RedirectUris",
    "RoleGrant",
    "SecretSettings",
    "ServiceSettings",
    "StackSettings",
    "check_config",
    "deployer_among_owners",
    "load_settings",
    "provider_uri_problem",
]

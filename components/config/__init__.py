"""Stack configuration: parsed once into typed, immutable settings (DESIGN section 2).

- ``models``: the schema (pydantic), and the rules across the keys of one mapping;
- ``translate``: pydantic's errors as sentences located by the user's key path;
- ``partial``: what parsed of a mapping that failed, so cross-checks still run on it;
- ``disclosure``: what a message may show of a secret top-level key;
- ``load``: the stack as a whole, cross-checks and warnings; ``settings``: the result.

Every problem is collected with its key path and raised together as one ``ConfigError``,
before any resource is registered.
"""

from components.config.load import (
    TOP_LEVEL_KEYS,
    AppView,
    Checked,
    check_config,
    deployer_among_owners,
    load_settings,
)
from components.config.models import (
    ApplicationSettings,
    FederatedCredential,
    GenericCredential,
    GitHubCredential,
    KeyVaultSettings,
    RedirectUris,
    SecretSettings,
    ServiceSettings,
    provider_uri_problem,
)
from components.config.settings import (
    ApiPermissionRequest,
    Application,
    RoleGrant,
    StackSettings,
)

__all__ = [
    "TOP_LEVEL_KEYS",
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

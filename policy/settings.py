"""The pack's names and settings: each policy's name (stable, the keys of a
--policy-pack-config file), each setting's key, default and JSON schema, and how one policy
reads its part of the config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from policy.wire import Config

SINGLE_TENANT: Final = "entra-single-tenant-audience"
NO_IMPLICIT_GRANT: Final = "entra-no-implicit-grant"
PASSWORD_LIFETIME: Final = "entra-password-max-lifetime"  # noqa: S105 (a policy name, not a password)
NO_LEGACY_APPLICATION: Final = "entra-no-legacy-application"
REDIRECT_URIS: Final = "entra-redirect-uris-https-or-loopback"
ROLE_ASSIGNMENT_SCOPE: Final = "healthcare-role-assignment-scope"
NO_PRIVILEGED_ROLE: Final = "healthcare-role-assignment-no-privileged-role"
FEDERATED_SUBJECT: Final = "entra-federated-subject-exact"
MIN_OWNERS: Final = "entra-min-owners"

MAX_PASSWORD_LIFETIME_MONTHS: Final = "maxPasswordLifetimeMonths"  # noqa: S105 (a config key)
MIN_OWNERS_KEY: Final = "minOwners"
DEFAULT_MAX_PASSWORD_LIFETIME_MONTHS: Final = 24
DEFAULT_MIN_OWNERS: Final = 2

# JSON-schema fragments for the policies' ``config_schema`` (what --policy-pack-config accepts).
PASSWORD_LIFETIME_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    MAX_PASSWORD_LIFETIME_MONTHS: {
        "type": "integer",
        "minimum": 1,
        "maximum": DEFAULT_MAX_PASSWORD_LIFETIME_MONTHS,
        "default": DEFAULT_MAX_PASSWORD_LIFETIME_MONTHS,
        "description": "Longest allowed client secret lifetime, in calendar months.",
    },
}
MIN_OWNERS_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    MIN_OWNERS_KEY: {
        "type": "integer",
        "minimum": 1,
        "default": DEFAULT_MIN_OWNERS,
        "description": "Fewest owners an application registration may have.",
    },
}
# The policies that take settings, and their schemas.
SCHEMAS: Final[dict[str, dict[str, dict[str, Any]]]] = {
    PASSWORD_LIFETIME: PASSWORD_LIFETIME_SCHEMA,
    MIN_OWNERS: MIN_OWNERS_SCHEMA,
}


def int_config(config: Config, key: str, default: int) -> int:
    """A positive integer setting, or a ValueError that names the key."""
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"policy config {key!r} must be an integer, got {value!r}")
    try:
        number = int(value)
    except ValueError as err:
        raise ValueError(f"policy config {key!r} must be an integer, got {value!r}") from err
    if number < 1:
        raise ValueError(f"policy config {key!r} must be at least 1, got {number}")
    return number


def policy_config(config: Mapping[str, Any] | None, policy_name: str) -> dict[str, Any]:
    """The config one policy sees: flat keys apply to every policy, and a nested mapping under a
    policy's name (the shape of a --policy-pack-config file) overrides them for that policy."""
    merged: dict[str, Any] = {}
    for key, value in (config or {}).items():
        if not isinstance(value, Mapping):
            merged[key] = value
    nested = (config or {}).get(policy_name)
    if isinstance(nested, Mapping):
        merged.update(nested)
    return merged

"""Guardrail rules for healthcare-clients, as pure functions.

Every rule takes ``(resource_type, props, config)`` and returns a list of violation messages; an
empty list means the resource passes. ``props`` are in wire format (camelCase), exactly as the
Pulumi engine hands them to a policy pack and as the mock runtime records them.

This module imports nothing from ``pulumi_policy``, so the CLI-free test suite and
``tools.plan`` can run the same rules over the mock resource graph. ``policies.py`` wraps the
rules into ``pulumi_policy`` policy objects; ``__main__.py`` only assembles the pack.

Unknown values (outputs not yet known during ``pulumi preview``):

* Under the policy engine, reading an unknown property raises ``UnknownValueError``. The rules
  let it propagate; the framework then skips the policy for that resource and reports an
  advisory "can't run policy during preview" diagnostic instead of a violation.
* Plain dictionaries (the mock runtime) carry unknowns as the engine's sentinel strings; a rule
  that meets one skips the value instead of failing it.

Longer than 400 lines: one pure function per rule of the pack, in one module so the pack and
the offline checks import the same table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from components import provider_resources as resource_types
from components.azure_roles import privileged_role
from components.clock import add_months

# --- resource types (the engine's type tokens) -------------------------------------------------

# From the one table of resource types (components/provider_resources.py).
APPLICATION_REGISTRATION: Final = resource_types.APPLICATION_REGISTRATION.token
APPLICATION_LEGACY: Final = resource_types.LEGACY_APPLICATION_TOKEN
APPLICATION_PASSWORD: Final = resource_types.APPLICATION_PASSWORD.token
APPLICATION_REDIRECT_URIS: Final = resource_types.REDIRECT_URIS.token
ROLE_ASSIGNMENT: Final = resource_types.ROLE_ASSIGNMENT.token
FEDERATED_CREDENTIAL: Final = resource_types.FEDERATED_CREDENTIAL.token
APPLICATION_OWNER: Final = resource_types.APPLICATION_OWNER.token

# --- policy names (stable: they are the keys of --policy-pack-config) --------------------------

SINGLE_TENANT: Final = "entra-single-tenant-audience"
NO_IMPLICIT_GRANT: Final = "entra-no-implicit-grant"
PASSWORD_LIFETIME: Final = "entra-password-max-lifetime"  # noqa: S105 (a policy name, not a password)
NO_LEGACY_APPLICATION: Final = "entra-no-legacy-application"
REDIRECT_URIS: Final = "entra-redirect-uris-https-or-loopback"
ROLE_ASSIGNMENT_SCOPE: Final = "healthcare-role-assignment-scope"
NO_PRIVILEGED_ROLE: Final = "healthcare-role-assignment-no-privileged-role"
FEDERATED_SUBJECT: Final = "entra-federated-subject-exact"
MIN_OWNERS: Final = "entra-min-owners"

# --- configuration ------------------------------------------------------------------------------

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

# The engine's sentinels for values that are unknown during preview (pulumi_policy/proxy.py and
# pulumi.runtime.rpc.UNKNOWN). They reach plain dictionaries built from the mock runtime.
UNKNOWN_SENTINELS: Final = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (also pulumi.runtime.rpc.UNKNOWN)
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)

SINGLE_TENANT_AUDIENCE: Final = "AzureADMyOrg"
LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})
PRINCIPAL_TYPE: Final = "ServicePrincipal"

Props = Mapping[str, Any]
Config = Mapping[str, Any]
Rule = Callable[[str, Props, Config], list[str]]


def is_unknown(value: object) -> bool:
    """True for a value that the engine does not know yet (preview of a not-yet-created output)."""
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def _int_config(config: Config, key: str, default: int) -> int:
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


# --- resource rules -----------------------------------------------------------------------------


def check_single_tenant(resource_type: str, props: Props, config: Config) -> list[str]:
    """``signInAudience`` must be ``AzureADMyOrg``; absent means the provider default, which is."""
    if resource_type != APPLICATION_REGISTRATION:
        return []
    audience = props.get("signInAudience")
    if audience is None or is_unknown(audience) or audience == SINGLE_TENANT_AUDIENCE:
        return []
    return [
        f"signInAudience is {audience!r}: only single-tenant applications "
        f"({SINGLE_TENANT_AUDIENCE!r}, 'Accounts in this organizational directory only') are "
        "allowed for Health Data Services clients."
    ]


def check_no_implicit_grant(resource_type: str, props: Props, config: Config) -> list[str]:
    """Implicit-grant issuance of access or ID tokens stays off (use auth code + PKCE instead)."""
    if resource_type != APPLICATION_REGISTRATION:
        return []
    messages = []
    for key, token in (
        ("implicitAccessTokenIssuanceEnabled", "access"),
        ("implicitIdTokenIssuanceEnabled", "ID"),
    ):
        if props.get(key) is True:
            messages.append(
                f"{key} is true: implicit-grant {token} token issuance is not allowed; use the "
                "authorization code flow with PKCE."
            )
    return messages


def _parse_rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def check_password_lifetime(
    resource_type: str,
    props: Props,
    config: Config,
    now: Callable[[], datetime] | None = None,
) -> list[str]:
    """Every password has an ``endDate`` at most ``maxPasswordLifetimeMonths`` after its start.

    The start is ``startDate`` when set, otherwise the validation time (``now()``, injectable for
    tests; the service starts the password when it creates it).
    """
    if resource_type != APPLICATION_PASSWORD:
        return []
    limit = _int_config(config, MAX_PASSWORD_LIFETIME_MONTHS, DEFAULT_MAX_PASSWORD_LIFETIME_MONTHS)
    end_raw = props.get("endDate")
    if is_unknown(end_raw):
        return []
    if not end_raw:
        hint = (
            " (endDateRelative is deprecated; set endDate)" if props.get("endDateRelative") else ""
        )
        return [f"password has no endDate{hint}: every client secret must expire."]
    try:
        end = _parse_rfc3339(str(end_raw))
    except ValueError:
        return [f"endDate {end_raw!r} is not an RFC 3339 timestamp."]
    start_raw = props.get("startDate")
    if is_unknown(start_raw):
        return []
    found = _password_start(start_raw, now)
    if isinstance(found, str):
        return [found]
    start, start_label = found
    if end <= start:
        return [f"endDate {end_raw} is not after {start_label}."]
    latest = add_months(start, limit)
    if end > latest:
        return [
            f"endDate {end_raw} is more than {limit} months after {start_label} "
            f"(latest allowed: {latest.isoformat(timespec='seconds')})."
        ]
    return []


def _password_start(
    start_raw: Any, now: Callable[[], datetime] | None
) -> tuple[datetime, str] | str:
    """When a password starts, and how a message names that moment; or the complaint."""
    if start_raw:
        try:
            return _parse_rfc3339(str(start_raw)), f"startDate {start_raw}"
        except ValueError:
            return f"startDate {start_raw!r} is not an RFC 3339 timestamp."
    start = (now or (lambda: datetime.now(UTC)))()
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start, f"now ({start.isoformat(timespec='seconds')})"


def check_no_legacy_application(resource_type: str, props: Props, config: Config) -> list[str]:
    """``azuread.Application`` is forbidden: mixing it with the granular resources wipes settings."""
    if resource_type != APPLICATION_LEGACY:
        return []
    return [
        "azuread.Application is not allowed: declare applications with "
        "azuread.ApplicationRegistration and the granular resources (mixing the two wipes "
        "settings, pulumi-azuread #1169 and #1685)."
    ]


def _redirect_uri_problem(uri: str) -> str | None:
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return "is not a valid URI"
    scheme = parts.scheme.lower()
    if scheme == "https" and host:
        return None
    if scheme == "http" and host in LOOPBACK_HOSTS:
        return None
    if scheme == "http":
        return "uses http for a host that is not loopback (localhost, 127.0.0.1, [::1])"
    return "must use https (or http on a loopback host)"


def check_redirect_uris(resource_type: str, props: Props, config: Config) -> list[str]:
    """Web and SPA redirect URIs are https, or http on a loopback host. PublicClient may use
    custom schemes (``msal...://auth``), so it is not checked here."""
    if resource_type != APPLICATION_REDIRECT_URIS:
        return []
    platform = props.get("type")
    if platform not in ("Web", "SPA"):
        return []
    uris = props.get("redirectUris") or []
    if is_unknown(uris):
        return []
    messages = []
    for uri in uris:
        if is_unknown(uri):
            continue
        problem = _redirect_uri_problem(str(uri))
        if problem:
            messages.append(f"{platform} redirect URI {uri!r} {problem}.")
    return messages


_HEALTHCARE_SCOPE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.HealthcareApis/[^/]+/[^/]+"
    r"(/[^/]+/[^/]+)*/?$",
    re.IGNORECASE,
)


def check_role_assignment(resource_type: str, props: Props, config: Config) -> list[str]:
    """Role assignments only at ``Microsoft.HealthcareApis`` scopes, to service principals."""
    if resource_type != ROLE_ASSIGNMENT:
        return []
    messages = []
    scope = props.get("scope")
    if not is_unknown(scope) and (
        not isinstance(scope, str)
        or not _HEALTHCARE_SCOPE.match(scope)
        or scope.lower().count("/providers/") != 1  # nothing nested under another provider
    ):
        messages.append(
            f"scope {scope!r} is not a Microsoft.HealthcareApis resource: assign data-plane "
            "roles at the FHIR, DICOM or Azure API for FHIR service (or its workspace), never "
            "at a subscription, resource group or other provider."
        )
    principal_type = props.get("principalType")
    if not is_unknown(principal_type) and principal_type != PRINCIPAL_TYPE:
        messages.append(
            f"principalType is {principal_type!r}: it must be {PRINCIPAL_TYPE!r} (the client's "
            "service principal), set explicitly so the assignment does not race replication."
        )
    return messages


def check_no_privileged_role(resource_type: str, props: Props, config: Config) -> list[str]:
    """No built-in role that can grant access or administer resources (Owner, Contributor, User
    Access Administrator ...: ``components.azure_roles``), whatever the config called it."""
    if resource_type != ROLE_ASSIGNMENT:
        return []
    role = props.get("roleDefinitionId")
    if is_unknown(role) or not isinstance(role, str):
        return []
    name = privileged_role(role.rstrip("/").rsplit("/", 1)[-1])
    if name is None:
        return []
    # The message names the role, not the ID: the ID carries the subscription.
    return [
        f"roleDefinitionId is the built-in role {name!r}, which can grant access or administer "
        "resources: a client application holds a FHIR or DICOM data role, or a custom role with "
        "data actions only."
    ]


def check_federated_subject(resource_type: str, props: Props, config: Config) -> list[str]:
    """Federated identity credential subjects are exact: no ``*`` or ``?`` wildcards."""
    if resource_type != FEDERATED_CREDENTIAL:
        return []
    subject = props.get("subject")
    if is_unknown(subject):
        return []
    if not isinstance(subject, str) or not subject.strip():
        return ["federated credential has no subject."]
    if "*" in subject or "?" in subject:
        return [
            f"subject {subject!r} contains a wildcard: Entra ID matches subjects exactly, so "
            "name the repository, branch, environment or pull_request claim in full."
        ]
    if subject != subject.strip():
        return [f"subject {subject!r} has leading or trailing whitespace: it would never match."]
    return []


# --- stack rule ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackResource:
    """What the stack-level owner rule needs from each resource.

    ``property_dependencies`` maps a property to the URNs of the resources it came from; during
    preview it still names the ApplicationRegistration when ``applicationId`` is unknown.
    """

    resource_type: str
    props: Props
    urn: str = ""
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _registration_keys(resource: StackResource) -> set[str]:
    keys = {resource.urn} if resource.urn else set()
    for prop in ("id", "objectId"):
        value = resource.props.get(prop)
        if isinstance(value, str) and value and not is_unknown(value):
            keys.add(value if value.startswith("/applications/") else f"/applications/{value}")
    return keys


# The identity that creates an application, which Entra makes its owner.
CREATOR_OWNERS: Final = 1


def check_min_owners(resources: Iterable[StackResource], config: Config) -> list[tuple[str, str]]:
    """(advisory) every application registration has at least ``minOwners`` owners.

    Entra makes the identity that creates an application its owner by itself (msgraph-sdk-
    powershell #829, terraform-provider-azuread #1367), and the stack declares only the extra
    owners as ApplicationOwner resources: an application has those plus one.

    Owners are counted per ``applicationId``; when that is unknown (preview of a new app) they are
    attributed through ``property_dependencies``. If some owner cannot be attributed at all the
    count would be a guess, so the rule reports nothing rather than a false alarm.
    Returns ``(urn, message)`` pairs; the urn is the registration's (or the first owner's when the
    application is not registered in this stack).
    """
    minimum = _int_config(config, MIN_OWNERS_KEY, DEFAULT_MIN_OWNERS)
    resources = list(resources)
    registrations = [r for r in resources if r.resource_type == APPLICATION_REGISTRATION]
    owner_keys: list[tuple[str, StackResource]] = []
    for owner in (r for r in resources if r.resource_type == APPLICATION_OWNER):
        app_id = owner.props.get("applicationId")
        if isinstance(app_id, str) and app_id and not is_unknown(app_id):
            owner_keys.append((app_id, owner))
            continue
        deps = owner.property_dependencies.get("applicationId") or []
        if not deps:
            return []  # unattributable owner: do not guess
        owner_keys.append((deps[0], owner))

    violations: list[tuple[str, str]] = []
    claimed: set[str] = set()
    for registration in registrations:
        keys = _registration_keys(registration)
        claimed |= keys
        count = CREATOR_OWNERS + sum(1 for key, _ in owner_keys if key in keys)
        if count < minimum:
            name = registration.props.get("displayName")
            label = repr(name) if isinstance(name, str) and not is_unknown(name) else "application"
            violations.append(
                (
                    registration.urn,
                    f"{label} has {count} owner(s) (the deploying identity, and "
                    f"{count - CREATOR_OWNERS} in `owners`); at least {minimum} are recommended so "
                    "the registration is never orphaned when one person leaves.",
                )
            )
    unclaimed: dict[str, list[StackResource]] = {}
    for key, owner in owner_keys:
        if key not in claimed:
            unclaimed.setdefault(key, []).append(owner)
    for key, owners in unclaimed.items():
        if len(owners) < minimum:
            violations.append(
                (
                    owners[0].urn,
                    f"application {key} has {len(owners)} owner(s) in this stack; at least "
                    f"{minimum} are recommended.",
                )
            )
    return violations


# --- catalogue and whole-graph helper -----------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    name: str
    description: str
    resource_types: tuple[str, ...]
    rule: Rule


RESOURCE_RULES: Final[tuple[RuleSpec, ...]] = (
    RuleSpec(
        SINGLE_TENANT,
        "Application registrations are single-tenant (signInAudience AzureADMyOrg).",
        (APPLICATION_REGISTRATION,),
        check_single_tenant,
    ),
    RuleSpec(
        NO_IMPLICIT_GRANT,
        "Application registrations issue no tokens through the implicit grant.",
        (APPLICATION_REGISTRATION,),
        check_no_implicit_grant,
    ),
    RuleSpec(
        PASSWORD_LIFETIME,
        "Every client secret has an end date at most maxPasswordLifetimeMonths (default 24) "
        "after its start.",
        (APPLICATION_PASSWORD,),
        check_password_lifetime,
    ),
    RuleSpec(
        NO_LEGACY_APPLICATION,
        "azuread.Application is not used; only the granular azuread resources.",
        (APPLICATION_LEGACY,),
        check_no_legacy_application,
    ),
    RuleSpec(
        REDIRECT_URIS,
        "Web and SPA redirect URIs use https, or http on a loopback host.",
        (APPLICATION_REDIRECT_URIS,),
        check_redirect_uris,
    ),
    RuleSpec(
        ROLE_ASSIGNMENT_SCOPE,
        "Role assignments target Microsoft.HealthcareApis scopes and service principals only.",
        (ROLE_ASSIGNMENT,),
        check_role_assignment,
    ),
    RuleSpec(
        NO_PRIVILEGED_ROLE,
        "Role assignments never use a built-in role that can grant access or administer "
        "resources (Owner, Contributor, User Access Administrator ...).",
        (ROLE_ASSIGNMENT,),
        check_no_privileged_role,
    ),
    RuleSpec(
        FEDERATED_SUBJECT,
        "Federated identity credential subjects are exact, without wildcards.",
        (FEDERATED_CREDENTIAL,),
        check_federated_subject,
    ),
)

MIN_OWNERS_DESCRIPTION: Final = (
    "(advisory) Every application registration has at least minOwners (default 2) owners."
)


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


def validate_resources(
    resources: Iterable[tuple[str, Mapping[str, Any]]],
    config: Mapping[str, Any] | None = None,
    now: datetime | Callable[[], datetime] | None = None,
) -> list[tuple[str, str]]:
    """Run every mandatory resource rule over ``(resource_type, props)`` pairs.

    Returns ``(policy_name, message)`` for each violation, in resource order. ``config`` is flat
    (``{"maxPasswordLifetimeMonths": 12}``) or per policy, like a --policy-pack-config file.
    ``now`` fixes the validation time for passwords without a ``startDate``.
    """
    clock: Callable[[], datetime] | None
    if isinstance(now, datetime):
        fixed = now
        clock = lambda: fixed  # noqa: E731 (a one-line clock, read where it is used)
    else:
        clock = now
    violations: list[tuple[str, str]] = []
    for resource_type, props in resources:
        for spec in RESOURCE_RULES:
            if resource_type not in spec.resource_types:
                continue
            cfg = policy_config(config, spec.name)
            if spec.rule is check_password_lifetime:
                messages = check_password_lifetime(resource_type, props, cfg, now=clock)
            else:
                messages = spec.rule(resource_type, props, cfg)
            violations.extend((spec.name, message) for message in messages)
    return violations

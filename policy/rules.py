"""The catalogue of the pack's rules, and ``validate_resources`` to run them over a resource
graph.

Every rule is a pure function of ``(resource_type, props, config)`` that returns violation
messages (none: the resource passes), in wire format as the engine hands them to a policy pack
and as the mock runtime records them (``policy.wire``). One module per rule, by what it
governs: ``registrations``, ``passwords``, ``redirects``, ``role_assignments``, ``federation``
and the stack rule ``owners``; names and settings are in ``policy.settings``.

Nothing here imports ``pulumi_policy``, so the CLI-free test suite runs the same rules over
the mock runtime's resource graph. ``policies.py`` wraps the rules into
``pulumi_policy`` policy objects; ``__main__.py`` only assembles the pack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from policy import settings
from policy.federation import check_federated_subject
from policy.passwords import check_password_lifetime
from policy.redirects import check_redirect_uris
from policy.registrations import (
    check_no_implicit_grant,
    check_no_legacy_application,
    check_single_tenant,
)
from policy.role_assignments import check_no_privileged_role, check_role_assignment
from policy.wire import (
    APPLICATION_LEGACY,
    APPLICATION_PASSWORD,
    APPLICATION_REDIRECT_URIS,
    APPLICATION_REGISTRATION,
    FEDERATED_CREDENTIAL,
    ROLE_ASSIGNMENT,
    Rule,
)


@dataclass(frozen=True)
class RuleSpec:
    name: str
    description: str
    resource_types: tuple[str, ...]
    rule: Rule


RESOURCE_RULES: Final[tuple[RuleSpec, ...]] = (
    RuleSpec(
        settings.SINGLE_TENANT,
        "Application registrations are single-tenant (signInAudience AzureADMyOrg).",
        (APPLICATION_REGISTRATION,),
        check_single_tenant,
    ),
    RuleSpec(
        settings.NO_IMPLICIT_GRANT,
        "Application registrations issue no tokens through the implicit grant.",
        (APPLICATION_REGISTRATION,),
        check_no_implicit_grant,
    ),
    RuleSpec(
        settings.PASSWORD_LIFETIME,
        "Every client secret has an end date at most maxPasswordLifetimeMonths (default 24) "
        "after its start.",
        (APPLICATION_PASSWORD,),
        check_password_lifetime,
    ),
    RuleSpec(
        settings.NO_LEGACY_APPLICATION,
        "azuread.Application is not used; only the granular azuread resources.",
        (APPLICATION_LEGACY,),
        check_no_legacy_application,
    ),
    RuleSpec(
        settings.REDIRECT_URIS,
        "Redirect URIs use https, or http on a loopback host (localhost, 127.0.0.1); "
        "mobile and desktop ones may use a custom scheme instead.",
        (APPLICATION_REDIRECT_URIS,),
        check_redirect_uris,
    ),
    RuleSpec(
        settings.ROLE_ASSIGNMENT_SCOPE,
        "Role assignments target Microsoft.HealthcareApis scopes and service principals only.",
        (ROLE_ASSIGNMENT,),
        check_role_assignment,
    ),
    RuleSpec(
        settings.NO_PRIVILEGED_ROLE,
        "Role assignments never use a built-in role that can grant access or administer "
        "resources (Owner, Contributor, User Access Administrator ...).",
        (ROLE_ASSIGNMENT,),
        check_no_privileged_role,
    ),
    RuleSpec(
        settings.FEDERATED_SUBJECT,
        "Federated identity credential subjects are exact, without wildcards.",
        (FEDERATED_CREDENTIAL,),
        check_federated_subject,
    ),
)

MIN_OWNERS_DESCRIPTION: Final = (
    "(advisory) Every application registration has at least minOwners (default 2) owners."
)

# Every policy of the pack by name: the resource rules and the stack rule.
POLICY_NAMES: Final = frozenset({spec.name for spec in RESOURCE_RULES} | {settings.MIN_OWNERS})


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
            cfg = settings.policy_config(config, spec.name)
            if spec.rule is check_password_lifetime:
                messages = check_password_lifetime(resource_type, props, cfg, now=clock)
            else:
                messages = spec.rule(resource_type, props, cfg)
            violations.extend((spec.name, message) for message in messages)
    return violations

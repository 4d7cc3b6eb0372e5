"""The ``pulumi_policy`` policy objects, built from the pure rules that ``rules.py`` catalogues.

Importing this module is safe (it constructs policies, never a ``PolicyPack``, whose constructor
starts a gRPC server and blocks). ``__main__.py`` assembles the pack from ``POLICIES``; tests use
``build_policies(now=...)`` to pin the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from policy import rules, settings
from policy.owners import StackResource, check_min_owners
from policy.passwords import check_password_lifetime
from policy.wire import APPLICATION_OWNER, APPLICATION_REGISTRATION

_SEVERITY = {
    settings.SINGLE_TENANT: Severity.HIGH,
    settings.NO_IMPLICIT_GRANT: Severity.HIGH,
    settings.PASSWORD_LIFETIME: Severity.MEDIUM,
    settings.NO_LEGACY_APPLICATION: Severity.HIGH,
    settings.REDIRECT_URIS: Severity.HIGH,
    settings.ROLE_ASSIGNMENT_SCOPE: Severity.CRITICAL,
    settings.NO_PRIVILEGED_ROLE: Severity.CRITICAL,
    settings.FEDERATED_SUBJECT: Severity.CRITICAL,
}


def _config_with_defaults(args_config: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
    defaults = {key: spec["default"] for key, spec in settings.SCHEMAS.get(name, {}).items()}
    return {**defaults, **(args_config or {})}


def _resource_validator(
    spec: rules.RuleSpec, now: Callable[[], datetime] | None
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in spec.resource_types:
            return
        config = _config_with_defaults(args.get_config(), spec.name)
        if spec.rule is check_password_lifetime:
            messages = check_password_lifetime(args.resource_type, args.props, config, now)
        else:
            messages = spec.rule(args.resource_type, args.props, config)
        for message in messages:
            report_violation(message, None)

    return validate


def _read(props: Mapping[str, Any], key: str) -> Any:
    """A property, with an unknown preview value turned back into its sentinel string."""
    try:
        return props.get(key)
    except UnknownValueError:
        return UNKNOWN_STRING_VALUE


def _validate_min_owners(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = _config_with_defaults(args.get_config(), settings.MIN_OWNERS)
    resources = []
    for resource in args.resources:
        if resource.resource_type not in (APPLICATION_REGISTRATION, APPLICATION_OWNER):
            continue
        props = {
            key: _read(resource.props, key)
            for key in ("applicationId", "id", "objectId", "displayName")
        }
        deps = {
            key: [dep.urn for dep in value] for key, value in resource.property_dependencies.items()
        }
        resources.append(StackResource(resource.resource_type, props, resource.urn, deps))
    for urn, message in check_min_owners(resources, config):
        report_violation(message, urn or None)


def build_policies(
    now: Callable[[], datetime] | None = None,
) -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """Every policy of the pack; ``now`` pins the clock of the password-lifetime rule."""
    policies: list[ResourceValidationPolicy | StackValidationPolicy] = []
    for spec in rules.RESOURCE_RULES:
        schema = settings.SCHEMAS.get(spec.name)
        policies.append(
            ResourceValidationPolicy(
                name=spec.name,
                description=spec.description,
                validate=_resource_validator(spec, now),
                enforcement_level=EnforcementLevel.MANDATORY,
                config_schema=PolicyConfigSchema(properties=schema) if schema else None,
                severity=_SEVERITY[spec.name],
            )
        )
    policies.append(
        StackValidationPolicy(
            name=settings.MIN_OWNERS,
            description=rules.MIN_OWNERS_DESCRIPTION,
            validate=_validate_min_owners,
            enforcement_level=EnforcementLevel.ADVISORY,
            config_schema=PolicyConfigSchema(properties=settings.MIN_OWNERS_SCHEMA),
            severity=Severity.LOW,
        )
    )
    return policies


POLICIES = build_policies()
POLICIES_BY_NAME = {policy.name: policy for policy in POLICIES}

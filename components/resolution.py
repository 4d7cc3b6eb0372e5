"""From checked configuration to what each application registers: the tenant read, API
permission names resolved, adoption compared, every problem gathered into one ConfigError.

The stack program (``components.stack``) and the component package (``components.arguments``)
both go through here, so an application declared either way is checked alike.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pulumi

from components import PROJECT
from components.adoption import check_adoption
from components.config import (
    Application,
    Checked,
    ServiceSettings,
    StackSettings,
    deployer_among_owners,
)
from components.errors import Problem
from components.legacy import check_legacy_roles
from components.tenant import ApiAccess, api_problems, read_tenant, resolve_permissions

if TYPE_CHECKING:
    from components.smart_resource import SmartResourceApplication


@dataclass(frozen=True)
class Resolved:
    """Checked settings with what only the tenant could tell."""

    settings: StackSettings
    accesses: Mapping[str, tuple[ApiAccess, ...]]
    deployer_object_id: str
    tenant_id: str


@dataclass(frozen=True)
class ApplicationPlan:
    """Everything one ``ClientApplication`` registers from, as plain values."""

    app: Application
    accesses: tuple[ApiAccess, ...]
    services: Mapping[str, ServiceSettings]
    stack: str
    now: datetime
    deployer_object_id: str
    # Its settings come from a secret key (then every input derived from them is secret);
    # role assignments derive from the services too.
    secret: bool
    reach_secret: bool
    # The project named in the registration's note and role assignment names.
    project: str = PROJECT
    declared_in: str = "configuration"
    # Resource IDs of services unknown until their resources are deployed (a preview of a
    # program that creates them), by service name: registered as they are, unknown.
    pending_resource_ids: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    # A SMART client's resource application (components.smart_resource), whose permission
    # IDs its API access reads as outputs; registered before the client.
    smart_resource: "SmartResourceApplication | None" = None


def _not_the_deployer(caller: str, deployer: str, secret: bool) -> Problem:
    configured = "[secret]" if secret else deployer
    return Problem(
        "deployerObjectId",
        f"`pulumi up` runs as {caller}, not as the configured deploying identity {configured}. "
        f"Entra would make {caller} the owner of every application created now, and the "
        "deploying identity (Application.ReadWrite.OwnedBy) could not manage them afterwards. "
        "Run `pulumi up` as the deploying identity, or change deployerObjectId to this identity "
        "in a reviewed commit (the service principals' owners change with it).",
    )


def resolve(checked: Checked, *, stack: str) -> Resolved:
    """Read the tenant and resolve every application against it.

    The tenant is read even when the configuration has problems, so that the names only it
    can check are reported in the same run; one ConfigError then lists everything.
    """
    tenant = read_tenant(checked.api_app_ids())
    problems: list[Problem] = []
    deployer = checked.deployer_object_id or tenant.caller_object_id
    if checked.deployer_object_id is None:
        for app in checked.apps:
            problems += deployer_among_owners(app.path, app.owners, deployer, app.say)
    elif deployer != tenant.caller_object_id and not pulumi.runtime.is_dry_run():
        problems.append(
            _not_the_deployer(
                tenant.caller_object_id, deployer, "deployerObjectId" in checked.secret_keys
            )
        )
    problems += api_problems(checked.apps, tenant)
    accesses: dict[str, tuple[ApiAccess, ...]] = {}
    for app in checked.apps:
        accesses[app.name], found = resolve_permissions(app, tenant)
        problems += found
    settings = checked.settings
    if settings is not None:
        for name, application in settings.applications.items():
            problems += check_adoption(
                application,
                accesses[name],
                deployer=deployer,
                stack=stack,
                secret="applications" in settings.secret_keys,
            )
    if settings is not None:
        problems += _legacy_problems(settings, stack)
    if problems or settings is None:
        raise checked.error(problems)
    return Resolved(settings, accesses, deployer, tenant.tenant_id)


def _legacy_problems(settings: StackSettings, stack: str) -> tuple[Problem, ...]:
    """Nothing new on a retired Azure API for FHIR (components.legacy); a preview's lookup
    that could not run is a warning."""
    legacy = check_legacy_roles(
        settings.applications.values(),
        dict(settings.services),
        stack=stack,
        preview=pulumi.runtime.is_dry_run(),
        secret=bool({"applications", "services"} & settings.secret_keys),
    )
    for warning in legacy.warnings:
        pulumi.log.warn(warning)
    return legacy.problems


def plan_of(resolved: Resolved, name: str, *, stack: str) -> ApplicationPlan:
    """One application of the stack, as its component registers it."""
    settings = resolved.settings
    return ApplicationPlan(
        app=settings.applications[name],
        accesses=resolved.accesses[name],
        services=settings.services,
        stack=stack,
        now=settings.now,
        deployer_object_id=resolved.deployer_object_id,
        secret="applications" in settings.secret_keys,
        reach_secret=bool({"applications", "services"} & settings.secret_keys),
    )

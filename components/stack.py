"""The program, as a function of validated settings: what ``__main__.py`` runs."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from components import PROJECT, VERSION, clock, healthcare
from components.adoption import check_adoption
from components.client_application import ClientApplication
from components.config import (
    Checked,
    ServiceSettings,
    StackSettings,
    check_config,
    deployer_among_owners,
)
from components.errors import Problem
from components.secrecy import secret_if
from components.tenant import ApiAccess, api_problems, read_tenant, resolve_permissions


def read_stack_config() -> tuple[dict[str, Any], frozenset[str], tuple[str, ...]]:
    """Every ``healthcare-clients:*`` key the CLI passed, parsed from JSON where it is JSON,
    which of them are secret, and the full names of the keys in other namespaces.

    The SDK has no public "list all keys" call, and unknown keys must be reported, so this
    reads the same two sources ``pulumi.Config`` does.
    """
    prefix = f"{PROJECT}:"
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env() or {})
    raw: dict[str, Any] = {}
    secret: set[str] = set()
    for full_key in sorted(k for k in keys if k.startswith(prefix)):
        key = full_key[len(prefix) :]
        value = runtime_config.get_config(full_key)
        try:
            raw[key] = json.loads(value) if isinstance(value, str) else value
        except json.JSONDecodeError:
            raw[key] = value  # a plain string value
        if runtime_config.is_config_secret(full_key):
            secret.add(key)
    foreign = tuple(sorted(k for k in keys if not k.startswith(prefix)))
    return raw, frozenset(secret), foreign


def check_stack_config() -> Checked:
    """The stack's config, checked as far as it can be without the tenant."""
    raw, secret_keys, foreign = read_stack_config()
    return check_config(
        raw,
        now=clock.now(),
        base_dir=Path.cwd(),
        secret_keys=secret_keys,
        foreign_keys=foreign,
    )


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


def build_stack(checked: Checked) -> dict[str, Any]:
    """Resolve against the tenant, then register one ClientApplication per config entry.

    The tenant is read even when the configuration has problems, so that the names only it
    can check are reported in the same run; one ConfigError then lists everything.
    """
    for warning in checked.warnings:
        pulumi.log.warn(warning)
    if checked.warnings and checked.notes:
        pulumi.log.warn(f"Note: {checked.notes[0]}")
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
                stack=pulumi.get_stack(),
                secret="applications" in settings.secret_keys,
            )
    if problems or settings is None:
        raise checked.error(problems)

    applications = {
        name: ClientApplication(
            name,
            app=app,
            accesses=accesses[name],
            services=settings.services,
            stack=pulumi.get_stack(),
            now=settings.now,
            protect=settings.protect,
            deployer_object_id=deployer,
            secret_keys=settings.secret_keys,
        )
        for name, app in settings.applications.items()
    }
    return stack_outputs(applications, settings, tenant.tenant_id)


def stack_outputs(
    applications: Mapping[str, ClientApplication], settings: StackSettings, tenant_id: str
) -> dict[str, Any]:
    """The stack outputs (docs/configuration.md, "Outputs"): ``applications`` without any secret, and
    the client secrets in a top-level output of their own, secret as a whole: pulumi/actions
    turns each stack output into a step output and masks only top-level secret values."""
    apps_secret = "applications" in settings.secret_keys
    reach_secret = bool({"applications", "services"} & settings.secret_keys)
    entries: dict[str, Any] = {}
    for name, app in applications.items():
        reachable = settings.applications[name].reachable_services
        entries[name] = {
            "clientId": app.client_id,
            "tenantId": tenant_id,
            "applicationObjectId": app.application_object_id,
            "servicePrincipalObjectId": app.service_principal_object_id,
            "clientSecretExpiresAt": (
                None  # an application without a client secret
                if app.client_secret_expires_at is None
                else secret_if(app.client_secret_expires_at, apps_secret)
            ),
            "secrets": (
                secret_if([slot.output() for slot in app.secret_slots], apps_secret)
                if app.secret_slots
                else []
            ),
            "tokenEndpoint": healthcare.token_endpoint_v2(tenant_id),
            "tokenEndpointV1": healthcare.token_endpoint_v1(tenant_id),
            "services": secret_if(
                {service: _endpoints(settings.services[service]) for service in reachable},
                reach_secret,
            ),
        }
    client_secrets = {
        name: app.client_secret
        for name, app in applications.items()
        if app.client_secret is not None
    }
    return {
        "applications": entries,
        "clientSecrets": pulumi.Output.secret(client_secrets),
        "healthcareClientsVersion": VERSION,
    }


def _endpoints(service: ServiceSettings) -> dict[str, str]:
    return {
        "kind": service.kind,
        "url": service.endpoint_url,
        "audience": service.token_audience,
        "scope": service.scope,
    }

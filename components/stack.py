"""The program, as a function of validated settings: what ``__main__.py`` runs."""

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from components import PROJECT, VERSION, clock, healthcare
from components.client_application import ClientApplication
from components.config import (
    Checked,
    ServiceSettings,
    StackSettings,
    check_config,
)
from components.resolution import plan_of, resolve
from components.secrecy import secret_if
from components.smart_outputs import launch_settings, smart_outputs
from components.smart_resource import SmartResourceApplication


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


def build_stack(checked: Checked) -> dict[str, Any]:
    """Resolve against the tenant, then register one ClientApplication per config entry."""
    for warning in checked.warnings:
        pulumi.log.warn(warning)
    if checked.warnings and checked.notes:
        pulumi.log.warn(f"Note: {checked.notes[0]}")
    stack = pulumi.get_stack()
    resolved = resolve(checked, stack=stack)
    settings = resolved.settings
    # The SMART resource applications first: their clients depend on their permissions.
    resources = {
        name: SmartResourceApplication(
            name,
            resource=resource,
            stack=stack,
            protect=settings.protect,
            deployer_object_id=resolved.deployer_object_id,
            secret="smartResources" in settings.secret_keys,
        )
        for name, resource in settings.smart_resources.items()
    }
    applications = {}
    for name, app in settings.applications.items():
        plan = plan_of(resolved, name, stack=stack)
        if app.smart is not None:
            plan = dataclasses.replace(plan, smart_resource=resources[app.smart.resource])
        applications[name] = ClientApplication.from_settings(name, plan, protect=settings.protect)
    outputs = stack_outputs(applications, settings, resolved.tenant_id)
    if resources:
        outputs["smartResources"] = smart_outputs(resources, settings)
    return outputs


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
        smart_client = settings.applications[name].smart
        if smart_client is not None:
            # A SMART client reaches the FHIR service its resource application protects.
            protected = settings.smart_resources[smart_client.resource].service
            reachable = tuple(dict.fromkeys((*reachable, protected)))
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
        if smart_client is not None:
            entries[name]["smart"] = secret_if(
                launch_settings(name, settings, tenant_id),
                bool({"applications", "smartResources", "services"} & settings.secret_keys),
            )
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

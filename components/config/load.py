"""Loading: the stack's raw config in, every problem with its key path (or settings) out.

Each service and application is parsed once; when one fails, the parts that parsed are kept
(``partial``) and the checks across keys run on them, so one run reports what the schema
finds and what the cross-checks find together. ``check_config`` never raises: the program
adds what only the tenant can tell (permission names) and raises one ``ConfigError`` for all
of it (``components.stack``). ``load_settings`` is the same without the tenant.

The checks themselves are in ``services``, ``smart`` (SMART resources and clients),
``application`` (one application's keys),
``access`` (roles and API permissions) and ``vault`` (Key Vault secret names);
``checking`` holds what they share.
"""

import difflib
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from components import PROJECT, healthcare
from components.config.application import AppView, check_application, deployer_among_owners
from components.config.checking import Run, as_mapping, valid_name
from components.config.disclosure import redaction_note
from components.config.services import check_services
from components.config.settings import Application, StackSettings
from components.config.smart import check_smart_resources
from components.config.vault import vault_collisions
from components.errors import ConfigError, Problem, join_path

TOP_LEVEL_KEYS = ("services", "smartResources", "applications", "protect", "deployerObjectId")


@dataclass(frozen=True)
class Checked:
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...]
    apps: tuple[AppView, ...]
    settings: StackSettings | None  # None whenever there are problems
    deployer_object_id: str | None
    secret_keys: frozenset[str] = frozenset()

    def api_app_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.app_id for app in self.apps for r in app.requests))

    @property
    def notes(self) -> tuple[str, ...]:
        withheld = self.secret_keys & {"applications", "services", "deployerObjectId"}
        return (redaction_note(withheld),) if withheld else ()

    def error(self, extra: Iterable[Problem] = ()) -> ConfigError:
        return ConfigError(sorted([*self.problems, *extra]), self.notes)


def load_settings(
    raw: Mapping[str, Any],
    *,
    now: datetime,
    base_dir: Path,
    secret_keys: frozenset[str] = frozenset(),
) -> StackSettings:
    """Validate the stack's ``healthcare-clients:*`` config (keys without the project prefix).

    Raises ``ConfigError`` listing every problem that needs no tenant; returns immutable
    settings otherwise.
    """
    checked = check_config(raw, now=now, base_dir=base_dir, secret_keys=secret_keys)
    if checked.settings is None:
        raise checked.error()
    return checked.settings


def check_config(
    raw: Mapping[str, Any],
    *,
    now: datetime,
    base_dir: Path,
    secret_keys: frozenset[str] = frozenset(),
    foreign_keys: Iterable[str] = (),
) -> Checked:
    """Every problem that needs no tenant, and whatever parsed. ``foreign_keys`` are the
    stack's config keys in other namespaces (``azuread:tenantId``), checked for typos."""
    run = Run(now, base_dir, secret_keys)
    _top_level(raw, foreign_keys, run)
    protect = _protect(raw.get("protect", False), run)
    deployer = _deployer(raw.get("deployerObjectId"), run)
    services = check_services(raw.get("services"), run)
    resources = check_smart_resources(
        raw.get("smartResources"), services.complete, services.kinds, run
    )
    for name, resource in resources.complete.items():
        run.problems += deployer_among_owners(
            join_path("smartResources", name), resource.owners, deployer, run.say("smartResources")
        )

    apps_say = run.say("applications")
    raw_apps = as_mapping(raw.get("applications"), "applications", apps_say, run)
    if not raw_apps and not run.problems:
        run.problem("applications", "declares no application; add at least one")
    views: list[AppView] = []
    applications: dict[str, Application] = {}
    vault_names: list[tuple[str, str, str, str]] = []
    for name, entry in raw_apps.items():
        path = join_path("applications", apps_say.key(name, raw_apps))
        if not valid_name(name, path, apps_say, run):
            continue
        view, app, names = check_application(
            str(name), path, entry, services, resources, deployer, run
        )
        if view is not None:
            views.append(view)
        if app is not None:
            applications[app.name] = app
        vault_names += names
    vault_collisions(vault_names, apps_say, run)

    settings = None
    if not run.problems:
        settings = StackSettings(
            services=types.MappingProxyType(dict(services.complete)),
            smart_resources=types.MappingProxyType(dict(resources.complete)),
            applications=types.MappingProxyType(applications),
            protect=protect,
            now=now,
            deployer_object_id=deployer,
            secret_keys=secret_keys,
            warnings=tuple(run.warnings),
        )
    return Checked(
        problems=tuple(sorted(run.problems)),
        warnings=tuple(run.warnings),
        apps=tuple(views),
        settings=settings,
        deployer_object_id=deployer,
        secret_keys=secret_keys,
    )


def _top_level(raw: Mapping[str, Any], foreign_keys: Iterable[str], run: Run) -> None:
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1, cutoff=0.6)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; known keys: {', '.join(TOP_LEVEL_KEYS)}"
            )
            run.problem(key, f"unknown key '{PROJECT}:{key}'{hint}")
    for full_key in foreign_keys:
        namespace, _, key = full_key.partition(":")
        if namespace == PROJECT:
            continue
        near_project = difflib.get_close_matches(namespace, [PROJECT], n=1, cutoff=0.8)
        if near_project or key in TOP_LEVEL_KEYS:
            run.problem(
                full_key,
                f"unknown namespace '{namespace}': the program reads only {PROJECT}:* keys; "
                f"did you mean '{PROJECT}:{key}'?",
            )


def _protect(value: Any, run: Run) -> bool:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"  # `pulumi config set protect true` stores a string
    if not isinstance(value, bool):
        run.problem("protect", f"must be true or false, not {run.say('protect').value(value)}")
        return False
    return value


def _deployer(value: Any, run: Run) -> str | None:
    if value is None:
        return None
    if not (isinstance(value, str) and healthcare.is_guid(value)):
        shown = run.say("deployerObjectId").value(value)
        run.problem("deployerObjectId", f"{shown} is not an object ID (a GUID)")
        return None
    return value.lower()

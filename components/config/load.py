"""Loading: the stack's raw config in, every problem with its key path (or settings) out.

Each service and application is parsed once; when one fails, the parts that parsed are kept
(``partial``) and the checks across keys run on them, so one run reports what the schema
finds and what the cross-checks find together. ``check_config`` never raises: the program
adds what only the tenant can tell (permission names) and raises one ``ConfigError`` for all
of it (``components.stack``). ``load_settings`` is the same without the tenant.
"""

import difflib
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from components import PROJECT, azure_roles, healthcare
from components.certificates import CertificateError, CertificateInfo, load_certificate
from components.config import models, partial
from components.config.disclosure import CLEAR, Say, redaction_note
from components.config.models import (
    FIC_NAME_RE,
    FIC_NAME_RULE,
    MAX_FEDERATED_CREDENTIALS,
    NAME_RE,
    NAME_RULE,
    ApplicationSettings,
    ExplicitPermissions,
    GitHubCredential,
    KeyVaultSettings,
    RedirectUris,
    SecretSettings,
    ServiceSettings,
)
from components.config.settings import ApiPermissionRequest, Application, RoleGrant, StackSettings
from components.config.translate import problems_from
from components.errors import ConfigError, Plain, Problem, join_path

TOP_LEVEL_KEYS = ("services", "applications", "protect", "deployerObjectId")
WARN_DAYS = 30
# Azure API for FHIR: retired on 30 September 2026 (azure.microsoft.com/updates/
# azure-api-for-fhir-retirement; learn.microsoft.com/azure/healthcare-apis/fhir/migration-faq).
API_FOR_FHIR_RETIREMENT = datetime(2026, 9, 30, tzinfo=UTC)
API_FOR_FHIR_MIGRATION = (
    "https://learn.microsoft.com/azure/healthcare-apis/fhir/migration-strategies"
)
MAX_CERTIFICATE_MONTHS = 24


@dataclass(frozen=True)
class AppView:
    """An application as far as it parsed: what the tenant checks need."""

    name: str
    path: str
    owners: tuple[str, ...]
    requests: tuple[ApiPermissionRequest, ...]
    say: Say


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


def deployer_among_owners(
    app_path: str, owners: tuple[str, ...], deployer: str | None, say: Say = CLEAR
) -> list[Problem]:
    """Entra makes the identity that creates an application its owner by itself, and the
    provider's ApplicationOwner then fails with "already exists": owners lists extra owners."""
    if deployer is None or deployer not in owners:
        return []
    return [
        Problem(
            join_path(app_path, "owners", owners.index(deployer)),
            f"{say.value(Plain(deployer))} is the deploying identity, which Entra makes an owner "
            "of every application it creates; list only additional owners here",
        )
    ]


# --- the whole stack ---------------------------------------------------------------------------


@dataclass
class _Run:
    now: datetime
    base_dir: Path
    secret_keys: frozenset[str]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def say(self, top_key: str) -> Say:
        return Say(top_key in self.secret_keys)

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))


@dataclass(frozen=True)
class _Services:
    """What the applications may refer to: every declared name, the kinds that parsed, and
    the services that validated whole."""

    declared: tuple[str, ...]
    kinds: Mapping[str, str]
    complete: Mapping[str, ServiceSettings]


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
    run = _Run(now, base_dir, secret_keys)
    _top_level(raw, foreign_keys, run)
    protect = _protect(raw.get("protect", False), run)
    deployer = _deployer(raw.get("deployerObjectId"), run)
    services = _services(raw.get("services"), run)

    apps_say = run.say("applications")
    raw_apps = _as_mapping(raw.get("applications"), "applications", apps_say, run)
    if not raw_apps and not run.problems:
        run.problem("applications", "declares no application; add at least one")
    views: list[AppView] = []
    applications: dict[str, Application] = {}
    vault_names: list[tuple[str, str, str, str]] = []
    for name, entry in raw_apps.items():
        path = join_path("applications", apps_say.key(name, raw_apps))
        if not _valid_name(name, path, apps_say, run):
            continue
        view, app, names = _application(str(name), path, entry, services, deployer, run)
        if view is not None:
            views.append(view)
        if app is not None:
            applications[app.name] = app
        vault_names += names
    _vault_collisions(vault_names, apps_say, run)

    settings = None
    if not run.problems:
        settings = StackSettings(
            services=types.MappingProxyType(dict(services.complete)),
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


def _top_level(raw: Mapping[str, Any], foreign_keys: Iterable[str], run: _Run) -> None:
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


def _protect(value: Any, run: _Run) -> bool:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"  # `pulumi config set protect true` stores a string
    if not isinstance(value, bool):
        run.problem("protect", f"must be true or false, not {run.say('protect').value(value)}")
        return False
    return value


def _deployer(value: Any, run: _Run) -> str | None:
    if value is None:
        return None
    if not (isinstance(value, str) and healthcare.is_guid(value)):
        shown = run.say("deployerObjectId").value(value)
        run.problem("deployerObjectId", f"{shown} is not an object ID (a GUID)")
        return None
    return value.lower()


def _as_mapping(value: Any, path: str, say: Say, run: _Run) -> Mapping[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        run.problem(path, f"must be a mapping of names to settings, not {say.value(value)}")
        return {}
    return value


def _valid_name(name: object, path: str, say: Say, run: _Run) -> bool:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        run.problem(path, f"name {say.value(name)} is not valid: {NAME_RULE}")
        return False
    return True


def _parse(annotation: Any, entry: Any, path: str, say: Say, run: _Run) -> tuple[Any, bool]:
    """The validated model, or what parsed of it; every schema problem is recorded."""
    try:
        return _adapter(annotation).validate_python(entry, context={"now": run.now}), True
    except ValidationError as exc:
        run.problems += problems_from(exc, annotation, entry, (path,), say)
    value, _ = partial.parse(annotation, entry, {"now": run.now})
    return value, False


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    if annotation not in _ADAPTERS:
        _ADAPTERS[annotation] = TypeAdapter(annotation)
    return _ADAPTERS[annotation]


def _rules(path: str, rules: list[models.Rule], say: Say, run: _Run) -> int:
    for sub_path, complaint in rules:
        run.problem(join_path(path, *sub_path), complaint.render(say.secret))
    return len(rules)


# --- services ----------------------------------------------------------------------------------


def _services(value: Any, run: _Run) -> _Services:
    say = run.say("services")
    raw = _as_mapping(value, "services", say, run)
    kinds: dict[str, str] = {}
    complete: dict[str, ServiceSettings] = {}
    for name, entry in raw.items():
        path = join_path("services", say.key(name, raw))
        if not _valid_name(name, path, say, run):
            continue
        service, whole = _parse(ServiceSettings, entry, path, say, run)
        if service is partial.MISSING:
            continue
        failed = service.failed_fields
        if "kind" not in failed:
            kinds[name] = service.kind
            _retirement_warning(service.kind, path, say, run)
        broken = _rules(path, models.service_rules(service, failed), say, run)
        if whole and not broken:
            complete[name] = service
    return _Services(tuple(str(k) for k in raw), kinds, complete)


def _retirement_warning(kind: str, path: str, say: Say, run: _Run) -> None:
    if kind != "api-for-fhir":
        return
    if say.secret:
        run.warnings.append(
            f"{path}: this service's kind is retired or retiring (details withheld: services is "
            "secret); see the README, Configuration reference, services.kind"
        )
        return
    day = API_FOR_FHIR_RETIREMENT.date().isoformat()
    when = f"was retired on {day}" if run.now >= API_FOR_FHIR_RETIREMENT else f"retires on {day}"
    run.warnings.append(
        f"{path}: Azure API for FHIR (kind: api-for-fhir) {when}; migrate to the FHIR service "
        f"of Azure Health Data Services ({API_FOR_FHIR_MIGRATION}), then declare that service "
        "with kind: fhir"
    )


# --- applications ------------------------------------------------------------------------------


@dataclass
class _App:
    """The checks of one application, sharing its path and what may be shown."""

    name: str
    path: str
    settings: ApplicationSettings
    services: _Services
    run: _Run
    say: Say
    services_say: Say
    before: int = 0

    def at(self, *parts: str | int) -> str:
        return join_path(self.path, *parts)

    def problem(self, *parts: str | int, message: str) -> None:
        self.run.problem(self.at(*parts), message)

    def key(self, name: object, siblings: Iterable[object]) -> str:
        return self.say.key(name, siblings)

    def ok(self, field_name: str) -> bool:
        """The field parsed (given and valid, or left to its default)."""
        return field_name not in self.settings.failed_fields


def _application(
    name: str,
    path: str,
    entry: Any,
    services: _Services,
    deployer: str | None,
    run: _Run,
) -> tuple[AppView | None, Application | None, list[tuple[str, str, str, str]]]:
    say = run.say("applications")
    settings, whole = _parse(ApplicationSettings, entry, path, say, run)
    if settings is partial.MISSING:
        return None, None, []
    app = _App(name, path, settings, services, run, say, run.say("services"), len(run.problems))
    owners: tuple[str, ...] = settings.owners if app.ok("owners") else ()
    run.problems += deployer_among_owners(path, owners, deployer, say)
    _names_inside(app)
    _federated(app)
    if isinstance(settings.redirect_uris, RedirectUris):
        _rules(
            app.at("redirectUris"),
            models.redirect_rules(settings.redirect_uris, settings.redirect_uris.failed_fields),
            say,
            run,
        )
    _secret(app)
    certificates = _certificates(app)
    grants = _roles(app)
    requests = _api_permissions(app)
    vault_names = _vault_names(app)
    view = AppView(name, path, owners, tuple(requests), say)
    if not whole or len(run.problems) > app.before:
        return view, None, vault_names
    return (
        view,
        Application(
            name=name,
            settings=settings,
            display_name=settings.display_name or name,
            certificates=types.MappingProxyType(certificates),
            api_permissions=tuple(requests),
            roles=tuple(grants),
        ),
        vault_names,
    )


def _names_inside(app: _App) -> None:
    # Names inside the app become resource names too.
    certificates = app.settings.certificates
    for key in certificates:
        if not NAME_RE.fullmatch(key):
            app.problem(
                "certificates",
                app.key(key, certificates),
                message=f"name {app.say.value(key)} is not valid: {NAME_RULE}",
            )
    credentials = app.settings.federated_credentials
    for key in credentials:
        if not FIC_NAME_RE.fullmatch(key):
            app.problem(
                "federatedCredentials",
                app.key(key, credentials),
                message=f"name {app.say.value(key)} is not valid: {FIC_NAME_RULE}",
            )


def _federated(app: _App) -> None:
    credentials = app.settings.federated_credentials
    folded: dict[str, str] = {}
    for key in credentials:
        if key.lower() in folded:
            app.problem(
                "federatedCredentials",
                app.key(key, credentials),
                message=f"duplicates {app.say.quoted_key(folded[key.lower()], credentials)} "
                "(names are case-insensitive in Entra)",
            )
        folded.setdefault(key.lower(), key)
    if app.ok("federated_credentials") and len(credentials) > MAX_FEDERATED_CREDENTIALS:
        count = app.say.value(Plain(str(len(credentials))))
        app.problem(
            "federatedCredentials",
            message=f"{count} credentials; Entra accepts at most "
            f"{MAX_FEDERATED_CREDENTIALS} per application",
        )
    seen: dict[tuple[str, str], str] = {}
    for key, cred in credentials.items():
        where = app.at("federatedCredentials", app.key(key, credentials))
        if isinstance(cred, GitHubCredential):
            _rules(where, models.github_rules(cred, cred.failed_fields), app.say, app.run)
        if cred.failed_fields:
            continue
        pair = (cred.issuer, cred.subject)
        if pair in seen:
            app.run.problem(
                where,
                f"has the same issuer and subject as {app.say.quoted_key(seen[pair], credentials)} "
                f"({app.say.value(Plain(cred.subject))}); Entra rejects duplicates",
            )
        seen.setdefault(pair, key)


def _secret(app: _App) -> None:
    settings, say = app.settings, app.say
    secret = settings.secret
    if isinstance(secret, SecretSettings):
        _rules(
            app.at("secret"),
            models.secret_rules(secret, secret.failed_fields, app.run.now),
            say,
            app.run,
        )
    vault = settings.key_vault
    if app.ok("secret") and secret is False and vault is not None:
        app.problem(
            "keyVault",
            message="delivers the client secret, but secret is false; remove keyVault or "
            "enable the secret",
        )
    if not (isinstance(secret, SecretSettings) and not secret.failed_fields):
        return
    if secret.mode == "none" and secret.end is not None:
        days_left = (secret.end - app.run.now).days
        if 0 <= days_left < WARN_DAYS:
            end = say.value(Plain(secret.end.date().isoformat()))
            app.run.warnings.append(
                f"{app.at('secret')}: the custom secret ends on {end} ({say.value(Plain(str(days_left)))} "
                "days left); set new start/end dates or switch to rotation: overlap"
            )
    uris = settings.redirect_uris
    if app.ok("redirect_uris") and not uris.web and (uris.mobile_desktop or uris.spa):
        # A public client cannot keep a secret; one that holds live ones invites their use.
        how_many = "two live client secrets" if secret.mode == "overlap" else "a client secret"
        app.run.warnings.append(
            f"{app.at('secret')}: {how_many} on a public client (mobileDesktop/spa redirect "
            "URIs only); if no confidential flow uses them, set `secret: false`"
        )


def _certificates(app: _App) -> dict[str, CertificateInfo]:
    # Read now, so a bad file fails validation, not the deployment.
    found: dict[str, CertificateInfo] = {}
    refs = app.settings.certificates
    for key, ref in refs.items():
        if ref.failed_fields:
            continue
        entry = app.at("certificates", app.key(key, refs))
        where = join_path(entry, "file")
        source = app.say.value(Plain(ref.file))
        try:
            info = load_certificate(app.run.base_dir / ref.file, source=source)
        except CertificateError as exc:
            app.run.problem(where, str(exc))
            continue

        def hide(text: str, info: CertificateInfo = info) -> str:
            return text.replace(info.subject, app.say.value(Plain(info.subject)))

        errors, warnings = info.expiry_problems(app.run.now, WARN_DAYS)
        for message in errors:
            app.run.problem(where, hide(message))
        app.run.warnings += [f"{entry}: {hide(w)}" for w in warnings]
        if info.not_after > _add_months(info.not_before, MAX_CERTIFICATE_MONTHS):
            until = app.say.value(Plain(info.not_after.date().isoformat()))
            app.run.warnings.append(
                f"{entry}: the certificate is valid for more than {MAX_CERTIFICATE_MONTHS} months "
                f"(until {until}); client secrets here live at most 24 months, and a credential "
                "whose key leaks stays usable as long as it is valid: prefer certificates of at "
                f"most {MAX_CERTIFICATE_MONTHS} months"
            )
        found[key] = info
    return found


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment + timedelta(days=30 * months)  # pragma: no cover (every month has a 28th)


def _roles(app: _App) -> list[RoleGrant]:
    """Service names, role names or GUIDs, and the kind each role applies to.

    One grant per (service, role definition), the first spelling kept: a name and its GUID,
    or the name in another case, would otherwise collide in ARM (RoleAssignmentExists) and,
    for equal slugs, in the URN.
    """
    grants: dict[tuple[str, str], RoleGrant] = {}
    roles = app.settings.roles
    declared = app.services.declared
    for service_name, role_names in roles.items():
        service_key = app.key(service_name, roles)
        if service_name not in declared:
            known = ", ".join(app.services_say.key(n, declared) for n in sorted(declared))
            app.problem(
                "roles",
                service_key,
                message=f"is not a service in {PROJECT}:services (known: {known or 'none declared'})",
            )
            continue
        kind = app.services.kinds.get(service_name)
        for index, role_name in enumerate(role_names):
            grant = _role(app, service_name, service_key, kind, index, role_name)
            if grant is not None:
                grants.setdefault((service_name, grant.role_guid), grant)
    return list(grants.values())


def _role(
    app: _App, service_name: str, service_key: str, kind: str | None, index: int, role_name: str
) -> RoleGrant | None:
    say = app.say
    if healthcare.is_guid(role_name):
        guid = role_name.lower()
        privileged = azure_roles.privileged_role(guid)
        if privileged is not None:
            app.problem(
                "roles",
                service_key,
                index,
                message=f"{say.value(Plain(guid))} is the built-in role "
                f"{say.value(privileged)}, which can grant access or administer resources; a "
                "client application gets a data role (FHIR Data Reader ...) or a custom role "
                "with data actions only",
            )
            return None
        return RoleGrant(service_name, guid, guid)
    role = healthcare.find_built_in_role(role_name)
    if role is None:
        known = ", ".join(healthcare.BUILT_IN_ROLES)
        app.problem(
            "roles",
            service_key,
            index,
            message=f"{say.value(role_name)} is not a built-in role; known roles: {known}; or "
            "give a role definition GUID for a custom role",
        )
        return None
    if kind is None:
        return None  # the service's kind did not parse; reported there
    if kind not in role.kinds:
        if say.secret or app.services_say.secret:
            message = (
                "this built-in role does not apply to the kind of this service (details "
                "withheld: the role or the kind is secret)"
            )
        else:
            fitting = ", ".join(
                r.name for r in healthcare.BUILT_IN_ROLES.values() if kind in r.kinds
            )
            message = (
                f"'{role.name}' does not apply to service '{service_name}' of kind {kind}; "
                f"roles for {kind}: {fitting}"
            )
        app.problem("roles", service_key, index, message=message)
        return None
    return RoleGrant(service_name, role.name, role.guid)


def _api_permissions(app: _App) -> list[ApiPermissionRequest]:
    """API permissions: service name, well-known alias or raw app ID."""
    requests: list[ApiPermissionRequest] = []
    permissions, say = app.settings.api_permissions, app.say
    services = app.services
    for key, spec in permissions.items():
        path = app.at("apiPermissions", app.key(key, permissions))
        if key in services.kinds:
            alias = healthcare.API_FOR_KIND[services.kinds[key]]  # type: ignore[index]
            app_id, service_key = healthcare.WELL_KNOWN_APIS[alias].app_id, key
        elif key in services.declared:
            continue  # the service's kind did not parse; reported there
        elif key in healthcare.WELL_KNOWN_APIS:
            app_id, service_key = healthcare.WELL_KNOWN_APIS[key].app_id, None
        elif healthcare.is_guid(key):
            app_id, service_key = key.lower(), None
        else:
            known = ", ".join(healthcare.WELL_KNOWN_APIS)
            hint = ""
            if not say.secret:
                options = sorted(set(services.declared) | set(healthcare.WELL_KNOWN_APIS))
                close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
            app.run.problem(
                path,
                f"is not a service name, a well-known API ({known}) or an application ID{hint}",
            )
            continue
        names: tuple[str, ...]
        scopes: tuple[str, ...]
        roles: tuple[str, ...]
        if isinstance(spec, ExplicitPermissions):
            names = ()
            scopes = spec.scopes if "scopes" not in spec.failed_fields else ()
            roles = spec.roles if "roles" not in spec.failed_fields else ()
            if not spec.failed_fields and not scopes and not roles:
                app.run.problem(path, "lists no scopes or roles")
        else:
            names, scopes, roles = tuple(spec), (), ()
            if not names:
                app.run.problem(path, "lists no permissions")
        requests.append(
            ApiPermissionRequest(key, app_id, service_key, names, scopes, roles, path=path)
        )
    if app.ok("admin_consent") and app.settings.admin_consent and not permissions:
        app.run.warnings.append(
            f"{app.at('adminConsent')}: true, but the app requests no apiPermissions"
        )
    return requests


# --- Key Vault secret names ---------------------------------------------------------------------


def _vault_names(app: _App) -> list[tuple[str, str, str, str]]:
    """(vault, secret name folded, key path, how to name it) for each secret the app writes."""
    vault = app.settings.key_vault
    if not (
        isinstance(vault, KeyVaultSettings)
        and not vault.failed_fields
        and app.ok("secret")
        and app.settings.secret is not False
    ):
        return []
    vault_id = vault.id.lower()
    out = []
    for field_name, alias, default in (
        ("secret_name", "secretName", f"{app.name}-client-secret"),
        ("client_id_secret_name", "clientIdSecretName", f"{app.name}-client-id"),
    ):
        given = getattr(vault, field_name)
        name = given or default
        where = app.at("keyVault", alias) if given else app.at("keyVault")
        label = app.say.value(name) if given else f"the default {alias} {app.say.value(name)}"
        # Key Vault object names are case-insensitive (Key Vault, "Object identifiers").
        out.append((vault_id, name.lower(), where, label))
    return out


def _vault_collisions(names: list[tuple[str, str, str, str]], say: Say, run: _Run) -> None:
    first: dict[tuple[str, str], tuple[str, str]] = {}
    for vault, name, where, label in names:
        earlier = first.get((vault, name))
        if earlier is None:
            first[(vault, name)] = (where, label)
            continue
        run.problem(
            where,
            f"{label} names the same Key Vault secret as {earlier[0]} ({earlier[1]}) in the "
            "same vault: each write would overwrite the other; give each a distinct name",
        )

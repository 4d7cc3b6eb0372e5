"""The checks of one application: its entry parsed, the rules across its keys, its
certificate files read, and what it asks of the services and the tenant resolved."""

import types
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from components.certificates import CertificateError, CertificateInfo, load_certificate
from components.config import partial
from components.config.access import permission_requests, role_grants
from components.config.adoption import adoption_rules
from components.config.base import NAME_RE, NAME_RULE
from components.config.checking import DeclaredServices, Run, parse_entry, report_rules
from components.config.credentials import (
    FIC_NAME_RE,
    FIC_NAME_RULE,
    MAX_FEDERATED_CREDENTIALS,
    GitHubCredential,
    github_rules,
)
from components.config.disclosure import CLEAR, Say
from components.config.models import ApplicationSettings
from components.config.redirects import RedirectUris, redirect_rules
from components.config.secret import SecretSettings, secret_rules
from components.config.settings import ApiPermissionRequest, Application
from components.config.vault import vault_secret_names
from components.errors import Plain, Problem, join_path

WARN_DAYS = 30

MAX_CERTIFICATE_MONTHS = 24


@dataclass(frozen=True)
class AppView:
    """An application as far as it parsed: what the tenant checks need."""

    name: str
    path: str
    owners: tuple[str, ...]
    requests: tuple[ApiPermissionRequest, ...]
    say: Say


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


@dataclass
class AppCheck:
    """The checks of one application, sharing its path and what may be shown."""

    name: str
    path: str
    settings: ApplicationSettings
    services: DeclaredServices
    run: Run
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


def check_application(  # noqa: PLR0913 (the entry, where it is, and what it is checked against)
    name: str,
    path: str,
    entry: Any,
    services: DeclaredServices,
    deployer: str | None,
    run: Run,
) -> tuple[AppView | None, Application | None, list[tuple[str, str, str, str]]]:
    say = run.say("applications")
    settings, whole = parse_entry(ApplicationSettings, entry, path, say, run)
    if settings is partial.MISSING:
        return None, None, []
    app = AppCheck(name, path, settings, services, run, say, run.say("services"), len(run.problems))
    owners: tuple[str, ...] = settings.owners if app.ok("owners") else ()
    run.problems += deployer_among_owners(path, owners, deployer, say)
    _names_inside(app)
    _federated(app)
    if isinstance(settings.redirect_uris, RedirectUris):
        report_rules(
            app.at("redirectUris"),
            redirect_rules(settings.redirect_uris, settings.redirect_uris.failed_fields),
            say,
            run,
        )
    _secret(app)
    _adoption(app)
    certificates = _certificates(app)
    grants = role_grants(app)
    requests = permission_requests(app)
    vault_names = vault_secret_names(app)
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


def _adoption(app: AppCheck) -> None:
    adopt = app.settings.adopt
    if not app.ok("adopt") or adopt is None:
        return
    settings = app.settings
    redirects = settings.redirect_uris
    platforms = (
        frozenset(
            key
            for key, values in (
                ("mobileDesktop", redirects.mobile_desktop),
                ("web", redirects.web),
                ("spa", redirects.spa),
            )
            if values
        )
        if isinstance(redirects, RedirectUris)
        else frozenset()
    )
    rules = adoption_rules(
        adopt,
        owners=settings.owners if app.ok("owners") else adopt.owners,
        platforms=platforms if app.ok("redirect_uris") else frozenset(adopt.redirect_uris),
        permission_keys=frozenset(settings.api_permissions)
        if app.ok("api_permissions")
        else frozenset(adopt.api_access) | frozenset(adopt.grants),
        admin_consent=settings.admin_consent if app.ok("admin_consent") else True,
    )
    report_rules(app.at("adopt"), rules, app.say, app.run)


def _names_inside(app: AppCheck) -> None:
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


def _federated(app: AppCheck) -> None:
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
            report_rules(where, github_rules(cred, cred.failed_fields), app.say, app.run)
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


def _secret(app: AppCheck) -> None:
    settings, say = app.settings, app.say
    secret = settings.secret
    if isinstance(secret, SecretSettings):
        report_rules(
            app.at("secret"),
            secret_rules(secret, secret.failed_fields, app.run.now),
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


def _certificates(app: AppCheck) -> dict[str, CertificateInfo]:
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

"""The checks of one application: its entry parsed, the rules across its keys, its
certificate files read, and what it asks of the services and the tenant resolved."""

import types
from dataclasses import dataclass
from typing import Any

from components.certificates import CertificateError, CertificateInfo, load_certificate
from components.clock import add_months
from components.config import partial
from components.config.access import permission_requests, role_grants
from components.config.adoption import adoption_rules
from components.config.base import NAME_RE, NAME_RULE
from components.config.checking import (
    NOTHING,
    AppCheck,
    DeclaredServices,
    Findings,
    Run,
    parse_entry,
    rule_problems,
)
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
from components.config.smart import DeclaredSmart, client_rules, graph_scopes
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


def check_application(  # noqa: PLR0913 (the entry, where it is, and what it is checked against)
    name: str,
    path: str,
    entry: Any,
    services: DeclaredServices,
    resources: DeclaredSmart,
    deployer: str | None,
    run: Run,
) -> tuple[AppView | None, Application | None, list[tuple[str, str, str, str]]]:
    say = run.say("applications")
    settings, whole = parse_entry(ApplicationSettings, entry, path, say, run)
    if settings is partial.MISSING:
        return None, None, []
    app = AppCheck(name, path, settings, services, say, run.say("services"), run.now, run.base_dir)
    owners: tuple[str, ...] = settings.owners if app.ok("owners") else ()
    findings = (
        Findings(tuple(deployer_among_owners(path, owners, deployer, say)))
        + _names_inside(app)
        + _federated(app)
        + _redirects(app)
        + _secret(app)
        + _adoption(app)
    )
    certificates, found = _certificates(app)
    findings += found
    grants, found = role_grants(app)
    findings += found
    smart_client, found = client_rules(app, resources)
    findings += found
    requests, found = permission_requests(
        app, resources.protects, graph_scopes(smart_client) if smart_client else ()
    )
    findings += found
    run.record(findings)
    vault_names = vault_secret_names(app)
    view = AppView(name, path, owners, tuple(requests), say)
    if not whole or findings.problems:
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
            smart=smart_client,
        ),
        vault_names,
    )


def _redirects(app: AppCheck) -> Findings:
    uris = app.settings.redirect_uris
    if not isinstance(uris, RedirectUris):
        return NOTHING
    return rule_problems(app.at("redirectUris"), redirect_rules(uris, uris.failed_fields), app.say)


def _adoption(app: AppCheck) -> Findings:
    adopt = app.settings.adopt
    if not app.ok("adopt") or adopt is None:
        return NOTHING
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
    return rule_problems(app.at("adopt"), rules, app.say)


def _names_inside(app: AppCheck) -> Findings:
    # Names inside the app become resource names too.
    problems: list[Problem] = []
    for key_name, entries, pattern, rule in (
        ("certificates", app.settings.certificates, NAME_RE, NAME_RULE),
        ("federatedCredentials", app.settings.federated_credentials, FIC_NAME_RE, FIC_NAME_RULE),
    ):
        problems += [
            app.problem(
                key_name,
                app.key(key, entries),
                message=f"name {app.say.value(key)} is not valid: {rule}",
            )
            for key in entries
            if not pattern.fullmatch(key)
        ]
    return Findings(tuple(problems))


def _federated(app: AppCheck) -> Findings:
    findings = NOTHING
    credentials = app.settings.federated_credentials
    folded: dict[str, str] = {}
    for key in credentials:
        if key.lower() in folded:
            findings += _one(
                app.problem(
                    "federatedCredentials",
                    app.key(key, credentials),
                    message=f"duplicates {app.say.quoted_key(folded[key.lower()], credentials)} "
                    "(names are case-insensitive in Entra)",
                )
            )
        folded.setdefault(key.lower(), key)
    if app.ok("federated_credentials") and len(credentials) > MAX_FEDERATED_CREDENTIALS:
        count = app.say.value(Plain(str(len(credentials))))
        findings += _one(
            app.problem(
                "federatedCredentials",
                message=f"{count} credentials; Entra accepts at most "
                f"{MAX_FEDERATED_CREDENTIALS} per application",
            )
        )
    seen: dict[tuple[str, str], str] = {}
    for key, cred in credentials.items():
        where = app.at("federatedCredentials", app.key(key, credentials))
        if isinstance(cred, GitHubCredential):
            findings += rule_problems(where, github_rules(cred, cred.failed_fields), app.say)
        if cred.failed_fields:
            continue
        pair = (cred.issuer, cred.subject)
        if pair in seen:
            findings += _one(
                Problem(
                    where,
                    f"has the same issuer and subject as "
                    f"{app.say.quoted_key(seen[pair], credentials)} "
                    f"({app.say.value(Plain(cred.subject))}); Entra rejects duplicates",
                )
            )
        seen.setdefault(pair, key)
    return findings


def _one(problem: Problem) -> Findings:
    return Findings((problem,))


def _secret(app: AppCheck) -> Findings:
    settings, say = app.settings, app.say
    secret = settings.secret
    findings = NOTHING
    if isinstance(secret, SecretSettings):
        findings += rule_problems(
            app.at("secret"), secret_rules(secret, secret.failed_fields, app.now), say
        )
    vault = settings.key_vault
    if app.ok("secret") and secret is False and vault is not None:
        findings += _one(
            app.problem(
                "keyVault",
                message="delivers the client secret, but secret is false; remove keyVault or "
                "enable the secret",
            )
        )
    if not (isinstance(secret, SecretSettings) and not secret.failed_fields):
        return findings
    warnings: list[str] = []
    if secret.mode == "none" and secret.end is not None:
        days_left = (secret.end - app.now).days
        if 0 <= days_left < WARN_DAYS:
            end = say.value(Plain(secret.end.date().isoformat()))
            warnings.append(
                f"{app.at('secret')}: the custom secret ends on {end} ({say.value(Plain(str(days_left)))} "
                "days left); set new start/end dates or switch to rotation: overlap"
            )
    uris = settings.redirect_uris
    smart_client = settings.smart is not None  # components.config.smart has its own rule
    if (
        app.ok("redirect_uris")
        and not smart_client
        and not uris.web
        and (uris.mobile_desktop or uris.spa)
    ):
        # A public client cannot keep a secret; one that holds live ones invites their use.
        how_many = "two live client secrets" if secret.mode == "overlap" else "a client secret"
        warnings.append(
            f"{app.at('secret')}: {how_many} on a public client (mobileDesktop/spa redirect "
            "URIs only); if no confidential flow uses them, set `secret: false`"
        )
    return findings + Findings(warnings=tuple(warnings))


def _certificates(app: AppCheck) -> tuple[dict[str, CertificateInfo], Findings]:
    # Read now, so a bad file fails validation, not the deployment.
    found: dict[str, CertificateInfo] = {}
    problems: list[Problem] = []
    warnings: list[str] = []
    refs = app.settings.certificates
    for key, ref in refs.items():
        if ref.failed_fields:
            continue
        entry = app.at("certificates", app.key(key, refs))
        where = join_path(entry, "file")
        source = app.say.value(Plain(ref.file))
        try:
            info = load_certificate(app.base_dir / ref.file, source=source)
        except CertificateError as exc:
            problems.append(Problem(where, str(exc)))
            continue

        def hide(text: str, info: CertificateInfo = info) -> str:
            return text.replace(info.subject, app.say.value(Plain(info.subject)))

        errors, expiring = info.expiry_problems(app.now, WARN_DAYS)
        problems += [Problem(where, hide(message)) for message in errors]
        warnings += [f"{entry}: {hide(w)}" for w in expiring]
        if info.not_after > add_months(info.not_before, MAX_CERTIFICATE_MONTHS):
            until = app.say.value(Plain(info.not_after.date().isoformat()))
            warnings.append(
                f"{entry}: the certificate is valid for more than {MAX_CERTIFICATE_MONTHS} months "
                f"(until {until}); client secrets here live at most 24 months, and a credential "
                "whose key leaks stays usable as long as it is valid: prefer certificates of at "
                f"most {MAX_CERTIFICATE_MONTHS} months"
            )
        found[key] = info
    return found, Findings(tuple(problems), tuple(warnings))

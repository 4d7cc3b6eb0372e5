"""SMART on FHIR in the stack configuration: the resource applications (``smartResources``)
and the ``smart`` block of a client application.

The scopes are written as SMART spells them and translated by ``components.smart``; every
scope that does not parse, or that Entra would refuse once translated, is a problem at its own
key path, so one run lists them all. The rules across keys (a client asks only for what its
resource publishes, a FHIR service's audience is its resource's identifier URI, a client is
confidential or public) are functions here, called by ``load`` and ``application``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from components import smart
from components.config.checking import (
    Findings,
    Run,
    as_mapping,
    parse_entry,
    valid_name,
)
from components.config.disclosure import Say
from components.config.models import ServiceSettings
from components.config.smart_schema import SmartResourceSettings
from components.errors import Invalid, Plain, Problem, join_path

if TYPE_CHECKING:
    from components.config.checking import AppCheck

# Azure-Samples/azure-health-data-and-ai-samples, smartonfhir-smart-v2, docs/troubleshooting.md,
# "Not getting correct scopes".
ADMIN_CONSENT_SOURCE = (
    "Microsoft's SMART on FHIR sample: 'Any admin consent that you apply will override user "
    "selected scopes'"
)


@dataclass(frozen=True)
class SmartResource:
    """A validated SMART resource application."""

    name: str
    display_name: str
    description: str | None
    owners: tuple[str, ...]
    identifier_uri: str
    service: str
    # Delegated permissions: launch, launch/patient, fhirUser, then the patient/ and user/ scopes.
    scopes: tuple[smart.SmartScope, ...]
    # Application permissions: the system/ scopes, as app roles.
    roles: tuple[smart.SmartScope, ...]


@dataclass(frozen=True)
class SmartClient:
    """What a SMART client asks of its resource, resolved to the resource's permissions."""

    resource: str
    smart_scopes: tuple[str, ...]  # as the user wrote them, in order
    delegated: tuple[smart.SmartScope, ...]
    roles: tuple[smart.SmartScope, ...]

    @property
    def wants_fhir_user(self) -> bool:
        return any(scope.smart == "fhirUser" for scope in self.delegated)


@dataclass(frozen=True)
class DeclaredSmart:
    """The SMART resources the applications may name: every declared name, and the Entra
    values each publishes (None when its scopes did not parse: nothing is checked against it)."""

    declared: tuple[str, ...]
    published: Mapping[str, frozenset[str] | None]
    # The scopes each lists as written, also those refused there (reported there, once).
    listed: Mapping[str, frozenset[str]]
    complete: Mapping[str, SmartResource]
    # FHIR service name -> the SMART resource that protects it.
    protects: Mapping[str, str]


NO_SMART = DeclaredSmart((), {}, {}, {}, {})


def parse_scopes(
    path: str, texts: tuple[str, ...], say: Say, *, graph: bool = False
) -> tuple[list[tuple[int, smart.SmartScope]], list[Problem]]:
    """Each scope parsed, by index, and a problem at its index for each that does not parse
    or that Entra would refuse; ``graph``: openid and offline_access pass (a client's list)."""
    scopes: list[tuple[int, smart.SmartScope]] = []
    problems: list[Problem] = []
    for index, text in enumerate(texts):
        if graph and text in smart.GRAPH_SCOPES:
            continue
        parsed = smart.parse(text)
        if isinstance(parsed, Invalid):
            also = "; a client also lists openid and offline_access" if graph else ""
            problems.append(Problem(join_path(path, index), parsed.render(say.secret) + also))
        else:
            scopes.append((index, parsed))
    return scopes, problems


def resource_scopes(configured: list[smart.SmartScope]) -> tuple[smart.SmartScope, ...]:
    """Every scope a resource publishes: the built-ins first, then the configured ones, once
    per Entra value."""
    seen: dict[str, smart.SmartScope] = {}
    built_ins = [smart.parse(text) for text in smart.RESOURCE_BUILT_INS]
    for scope in (*built_ins, *configured):
        if isinstance(scope, smart.SmartScope):
            seen.setdefault(scope.entra, scope)
    return tuple(seen.values())


def check_smart_resources(
    value: Any, services: Mapping[str, ServiceSettings], kinds: Mapping[str, str], run: Run
) -> DeclaredSmart:
    """``smartResources``: each entry parsed, its scopes translated, and its FHIR service's
    audience compared with its identifier URI."""
    say = run.say("smartResources")
    raw = as_mapping(value, "smartResources", say, run)
    published: dict[str, frozenset[str] | None] = {}
    listed: dict[str, frozenset[str]] = {}
    complete: dict[str, SmartResource] = {}
    protects: dict[str, str] = {}
    for name, entry in raw.items():
        path = join_path("smartResources", say.key(name, raw))
        if not valid_name(name, path, say, run):
            continue
        settings, whole = parse_entry(SmartResourceSettings, entry, path, say, run)
        if not isinstance(settings, SmartResourceSettings):
            continue
        failed = settings.failed_fields
        scopes = None
        problems = _service_rules(name, path, settings, services, kinds, protects, say, run)
        if "scopes" not in failed:
            listed[name] = frozenset(settings.scopes)
            parsed, refused = parse_scopes(join_path(path, "scopes"), settings.scopes, say)
            run.problems += refused
            problems += len(refused)
            scopes = resource_scopes([scope for _, scope in parsed])
            run.warnings += _long_scopes(path, scopes, say)
        published[name] = frozenset(s.entra for s in scopes) if scopes is not None else None
        if whole and not problems and scopes is not None:
            complete[name] = SmartResource(
                name=name,
                display_name=settings.display_name or name,
                description=settings.description,
                owners=settings.owners,
                identifier_uri=settings.identifier_uri,
                service=settings.service,
                scopes=tuple(s for s in scopes if not s.is_app_role),
                roles=tuple(s for s in scopes if s.is_app_role),
            )
    return DeclaredSmart(tuple(str(k) for k in raw), published, listed, complete, protects)


def _service_rules(  # noqa: PLR0913 (the entry, where it is, what it is checked against)
    name: str,
    path: str,
    settings: SmartResourceSettings,
    services: Mapping[str, ServiceSettings],
    kinds: Mapping[str, str],
    protects: dict[str, str],
    say: Say,
    run: Run,
) -> int:
    """The FHIR service a SMART resource protects: declared, a FHIR service, protected by no
    other resource, and validating tokens against the resource's identifier URI."""
    failed = settings.failed_fields
    if "service" in failed:
        return 1
    service = settings.service
    services_say = run.say("services")
    shown = say.value(service)
    before = len(run.problems)
    if service not in kinds:
        known = ", ".join(services_say.key(n, kinds) for n in sorted(kinds)) or "none declared"
        run.problem(
            join_path(path, "service"), f"{shown} is not a service in services (known: {known})"
        )
        return 1
    kind = kinds[service]
    if kind == "api-for-fhir":
        run.problem(
            join_path(path, "service"),
            f"{shown} is an Azure API for FHIR, which was retired on 30 September 2026; the stack "
            "creates nothing new for it: protect the FHIR service it moved to "
            "(docs/api-for-fhir-migration.md)",
        )
    elif kind != "fhir":
        run.problem(
            join_path(path, "service"),
            f"{shown} is a {kind} service; SMART on FHIR protects a FHIR service (kind: fhir)",
        )
    elif service in protects:
        run.problem(
            join_path(path, "service"),
            f"{shown} is protected by smartResources.{protects[service]} already; a FHIR "
            "service has one audience, so one SMART resource application",
        )
    else:
        protects[service] = name
        declared = services.get(service)
        if declared is not None and "identifier_uri" not in failed:
            _audience_rule(path, settings.identifier_uri, service, declared, say, run)
    return len(run.problems) - before


def _audience_rule(  # noqa: PLR0913 (both sides of the comparison and where each is)
    path: str, uri: str, service: str, declared: ServiceSettings, say: Say, run: Run
) -> None:
    """SMART on FHIR "requires that Audience has an identifier URI equal to the URI of the
    FHIR service" (Microsoft Learn, healthcare-apis/fhir/smart-on-fhir), and the sample
    points the FHIR service's audience at its resource application's identifier URI
    (fhir-resource-app-registration.md: "change the audience in the FHIR Server to validate
    tokens against the custom application")."""
    services_say = run.say("services")
    where = join_path("services", services_say.key(service, [service]), "audience")
    wanted = say.value(Plain(uri))
    if declared.audience is None:
        run.problem(
            where,
            f"is not set, so tokens are checked against the service URL; the FHIR service must "
            f"validate tokens for its SMART resource application ({join_path(path, 'identifierUri')}"
            f" = {wanted}): set `audience: {wanted}` here and the same "
            "authenticationConfiguration.audience on the FHIR service",
        )
    elif declared.audience.rstrip("/") != uri:
        run.problem(
            where,
            f"is {services_say.value(Plain(declared.audience))}, but the FHIR service's "
            "authenticationConfiguration.audience must equal the identifier URI of its SMART "
            f"resource application ({join_path(path, 'identifierUri')} = {wanted})",
        )


def _long_scopes(path: str, scopes: tuple[smart.SmartScope, ...], say: Say) -> list[str]:
    longer = [s for s in scopes if len(s.entra) > smart.PORTAL_FORM_LIMIT]
    if not longer:
        return []
    listed = "[secret]" if say.secret else ", ".join(s.entra for s in longer)
    return [
        f"{join_path(path, 'scopes')}: {len(longer)} scope(s) longer than the "
        f"{smart.PORTAL_FORM_LIMIT} characters the Entra admin center's scope form accepts "
        f"({listed}); Graph accepts them, so change them here, not in the portal"
    ]


def client_rules(app: AppCheck, resources: DeclaredSmart) -> tuple[SmartClient | None, Findings]:
    """``applications.<name>.smart``: the resource is declared and publishes every scope asked
    for, SMART v1 and v2 scopes are not mixed, the platform fits the kind of client, and
    admin consent is off unless the user means it."""
    settings = app.settings
    block = settings.smart
    if block is None or not app.ok("smart"):
        return None, Findings()
    path = app.at("smart")
    problems: list[Problem] = []
    warnings: list[str] = []
    failed = block.failed_fields
    resource = block.resource if "resource" not in failed else None
    if resource is not None and resource not in resources.declared:
        known = ", ".join(sorted(resources.declared)) or "none declared"
        problems.append(
            Problem(
                join_path(path, "resource"),
                f"{app.say.value(resource)} is not in smartResources (known: {known})",
            )
        )
        resource = None
    scopes: list[tuple[int, smart.SmartScope]] = []
    if "scopes" not in failed:
        scopes, refused = parse_scopes(join_path(path, "scopes"), block.scopes, app.say, graph=True)
        problems += refused
    published = resources.published.get(resource) if resource is not None else None
    if published is not None:
        listing = "[secret]" if app.say.secret else ", ".join(sorted(published))
        refused_there = resources.listed.get(resource or "", frozenset())
        for index, scope in scopes:
            if scope.entra not in published and scope.smart not in refused_there:
                problems.append(
                    Problem(
                        join_path(path, "scopes", index),
                        f"{app.say.value(scope.smart)} is not published by smartResources."
                        f"{resource} (it publishes, in Entra's form: {listing})",
                    )
                )
    versions = {s.version for _, s in scopes if s.version is not None}
    if len(versions) > 1:
        problems.append(
            Problem(
                join_path(path, "scopes"),
                "mixes SMART v1 (.read/.write) and SMART v2 (.cruds) scopes; Microsoft Learn "
                "(healthcare-apis/fhir/smart-on-fhir): 'you cannot mix and match SMART v1.0.0 "
                "and SMART v.2.0.0 scopes in the same client app registration'",
            )
        )
    delegated = tuple(s for _, s in scopes if not s.is_app_role)
    roles = tuple(s for _, s in scopes if s.is_app_role)
    platform = _platform_rules(app, path, bool(delegated))
    problems += platform
    if app.ok("admin_consent"):
        warnings += _consent_warnings(app, bool(delegated), bool(roles))
    if problems or resource is None or "scopes" in failed:
        return None, Findings(tuple(problems), tuple(warnings))
    return SmartClient(resource, block.scopes, delegated, roles), Findings(warnings=tuple(warnings))


def _platform_rules(app: AppCheck, path: str, delegated: bool) -> list[Problem]:
    """A SMART client is confidential (Web platform, a credential) or public (SPA platform,
    PKCE, no secret), as the sample's Inferno registrations are; a backend service (system
    scopes only) has no redirect URI."""
    settings = app.settings
    if not app.ok("redirect_uris"):
        return []
    uris = settings.redirect_uris
    problems = []
    if uris.mobile_desktop:
        problems.append(
            Problem(
                app.at("redirectUris", "mobileDesktop"),
                "a SMART client here is confidential (web) or public (spa); move the URIs there",
            )
        )
    if uris.web and uris.spa:
        problems.append(
            Problem(
                app.at("redirectUris"),
                "a SMART client is either confidential (web) or public (spa), not both; "
                "register two applications",
            )
        )
    elif delegated and not (uris.web or uris.spa):
        problems.append(
            Problem(
                app.at("redirectUris"),
                "a SMART client that signs users in needs a redirect URI: web (confidential "
                "client) or spa (public client, PKCE)",
            )
        )
    has_secret = settings.rotating_secret is not None if app.ok("secret") else True
    if uris.spa and not uris.web and app.ok("secret") and has_secret:
        problems.append(
            Problem(
                app.at("secret"),
                "a public SMART client (spa) signs in with PKCE and holds no secret; set "
                "`secret: false`",
            )
        )
    credentials = has_secret or bool(settings.certificates) or bool(settings.federated_credentials)
    if not uris.spa and not credentials and app.ok("certificates"):
        problems.append(
            Problem(
                path,
                "a confidential SMART client needs a credential: a secret, a certificate or a "
                "federated credential",
            )
        )
    return problems


def _consent_warnings(app: AppCheck, delegated: bool, roles: bool) -> list[str]:
    where = app.at("adminConsent")
    if app.settings.admin_consent and delegated:
        return [
            f"{where}: true on a SMART client grants every SMART scope it lists for all users; "
            f"with Entra as the identity provider that overrides the scopes a user picks "
            f"({ADMIN_CONSENT_SOURCE}). Leave it false unless every user should get them all"
        ]
    if not app.settings.admin_consent and roles:
        return [
            f"{where}: false, so the app roles of this client's system/ scopes are not granted "
            "until an administrator consents; set `adminConsent: true` for a backend service"
        ]
    return []


def graph_scopes(client: SmartClient) -> tuple[str, ...]:
    """The Microsoft Graph scopes a SMART client signs users in with (none for a backend)."""
    return smart.GRAPH_SCOPES if client.delegated else ()

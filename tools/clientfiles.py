"""Turn ``pulumi stack output --json --show-secrets`` into client configuration files.

Formats (docs/design.md, "Outputs"; token audiences and endpoints as in docs/design.md, "Sources"):

* ``postman``: a Postman environment whose variable names match Microsoft's FHIR Postman
  collection (``tenantId``, ``clientId``, ``clientSecret``, ``bearerToken``, ``resource``,
  ``fhirurl``), plus ``accessTokenUrl`` (v2 token endpoint) and ``scope``.
* ``rest-client``: a VS Code REST Client ``.http`` file with a v2 client-credentials token
  request per distinct scope, ``GET <fhir>/metadata`` per FHIR service and
  ``GET <dicom>/v2/changefeed`` per DICOM service.
* ``dotenv``: ``AZURE_*`` variables (azure-identity's ``EnvironmentCredential`` names), the
  token endpoint and ``<SVC>_URL`` / ``<SVC>_SCOPE`` per service.
* ``smart``: a SMART client's launch settings as JSON: client ID and type, issuer, authorize
  and token endpoints, the FHIR URL and audience, and the scopes as Entra expects them
  (``scope``) and as SMART spells them (``smartScopes``).

The client secret is written only with ``--include-secret``; the file is then created with mode
0600. Usage::

    pulumi stack output --json --show-secrets | .venv/bin/python -m tools.clientfiles postman --app postman

Longer than 400 lines: four file formats, each with its quoting rules and messages, share one
reader and one command line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import quote

from tools.stack_output import (
    CONTROL_CHARS,
    DICOM_API_VERSION,
    DICOM_KINDS,
    FHIR_KINDS,
    KNOWN_KINDS,
    REDACTED,
    Application,
    Service,
    UsageError,
    applications,
    authority_host,
    parse_application,
    read_document,
)

FORMATS = ("postman", "rest-client", "dotenv", "smart")
# Namespace for the deterministic Postman environment id (uuid5 of a fixed URL).
POSTMAN_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:healthcare-clients:postman-environment")
DEFAULT_OUT_SUFFIX = {
    "postman": ".postman_environment.json",
    "rest-client": ".http",
    "dotenv": ".env",
    "smart": ".smart.json",
}
_DOTENV_BARE_SAFE = re.compile(r"[A-Za-z0-9_./:@%+=~,-]*")


@dataclass(frozen=True)
class Rendered:
    text: str
    contains_secret: bool


# --------------------------------------------------------------------------- helpers


def _ident(name: str) -> str:
    """Service name as an identifier: non-alphanumerics become ``_``."""
    return re.sub(r"[^A-Za-z0-9]", "_", name)


def _check_idents(services: Sequence[Service], transform: str) -> None:
    seen: dict[str, str] = {}
    for svc in services:
        key = _ident(svc.name).upper() if transform == "upper" else _ident(svc.name).lower()
        if key in seen:
            raise UsageError(
                f"services {seen[key]!r} and {svc.name!r} map to the same variable name "
                f"{key!r}; pick one with --service"
            )
        seen[key] = svc.name


def _form(value: str) -> str:
    """Percent-encode a value for an application/x-www-form-urlencoded body."""
    return quote(value, safe="")


def _select_services(app: Application, service: str | None) -> tuple[Service, ...]:
    if service is None:
        return app.services
    for svc in app.services:
        if svc.name == service:
            return (svc,)
    known = ", ".join(s.name for s in app.services) or "none"
    raise UsageError(
        f"unknown service {service!r} for application {app.name!r}; known services: {known}"
    )


# --------------------------------------------------------------------------- postman


def postman_environment_id(app: str, tenant_id: str, service: str) -> str:
    return str(uuid.uuid5(POSTMAN_ID_NAMESPACE, f"{app}\n{tenant_id}\n{service}"))


def render_postman(app: Application, service: str | None, include_secret: bool) -> Rendered:
    if not app.services:
        raise UsageError(f"application {app.name!r} has no services; nothing to put in Postman")
    if service is None:
        fhir = [s for s in app.services if s.kind in FHIR_KINDS]
        if not fhir:
            known = ", ".join(f"{s.name} ({s.kind})" for s in app.services)
            raise UsageError(
                f"application {app.name!r} has no FHIR service for the Postman FHIR collection "
                f"(services: {known})"
            )
        svc = fhir[0]
    else:
        (svc,) = _select_services(app, service)
        if svc.kind not in FHIR_KINDS:
            raise UsageError(
                f"service {svc.name!r} is kind {svc.kind!r}; the Postman environment targets "
                "Microsoft's FHIR collection and needs a FHIR service"
            )
    secret = app.client_secret if include_secret and app.client_secret else ""

    def var(key: str, value: str, kind: str = "default") -> dict[str, object]:
        return {"key": key, "value": value, "type": kind, "enabled": True}

    env = {
        "id": postman_environment_id(app.name, app.tenant_id, svc.name),
        "name": f"{app.name} - {svc.name}",
        "values": [
            var("tenantId", app.tenant_id),
            var("clientId", app.client_id),
            var("clientSecret", secret, "secret"),
            var("bearerToken", "", "secret"),
            var("resource", svc.audience),
            var("fhirurl", svc.url),
            var("accessTokenUrl", app.token_endpoint),
            var("scope", svc.scope),
        ],
        "_postman_variable_scope": "environment",
    }
    return Rendered(json.dumps(env, indent=2) + "\n", contains_secret=bool(secret))


# --------------------------------------------------------------------------- rest-client


def render_rest_client(app: Application, service: str | None, include_secret: bool) -> Rendered:
    services = _select_services(app, service)
    if not services:
        raise UsageError(f"application {app.name!r} has no services; no requests to write")
    _check_idents(services, "lower")
    fhir = [s for s in services if s.kind in FHIR_KINDS]
    dicom = [s for s in services if s.kind in DICOM_KINDS]
    other = [s for s in services if s.kind not in KNOWN_KINDS]
    for svc in other:
        print(
            f"note: no sample request for service {svc.name!r} of kind {svc.kind!r}; skipped",
            file=sys.stderr,
        )
    ordered = fhir + dicom
    if not ordered:
        raise UsageError(f"application {app.name!r} has no FHIR or DICOM service to call")

    secret_written = bool(include_secret and app.client_secret)
    lines = [
        f"# VS Code REST Client requests for application {app.name!r}.",
        "# Generated by `.venv/bin/python -m tools.clientfiles rest-client`; do not edit by hand.",
    ]
    if secret_written:
        lines.append("# Contains a client secret: keep it out of version control.")
        credential = [
            "# clientSecret is form-url-encoded (it is only used in request bodies).",
            f"@clientSecret = {_form(app.client_secret or '')}",
        ]
    else:
        credential = [
            "# clientSecret comes from AZURE_CLIENT_SECRET in a .env file next to this file: "
            f".venv/bin/python -m tools.clientfiles dotenv --app {shlex.quote(app.name)} "
            "--include-secret --out .env",
            "# (inserted into the request body as is, without URL-encoding)",
            "@clientSecret = {{$dotenv AZURE_CLIENT_SECRET}}",
        ]
    if app.client_secret_expires_at:
        lines.append(f"# The client secret expires at {app.client_secret_expires_at}.")
    lines += [
        "",
        f"@tenantId = {app.tenant_id}",
        f"@clientId = {app.client_id}",
        *credential,
        f"@tokenEndpoint = {app.token_endpoint}",
    ]
    for svc in ordered:
        lines.append(f"@{_ident(svc.name).lower()}url = {svc.url}")

    token_names: dict[str, str] = {}
    for svc in ordered:
        ident = _ident(svc.name).lower()
        token = token_names.get(svc.scope)
        if token is None:
            token = "token" if not token_names else f"token_{ident}"
            token_names[svc.scope] = token
            lines += [
                "",
                f"### Token for {svc.name} (client credentials, v2 endpoint)",
                f"# @name {token}",
                "POST {{tokenEndpoint}}",
                "Content-Type: application/x-www-form-urlencoded",
                "",
                "grant_type=client_credentials",
                "&client_id={{clientId}}",
                "&client_secret={{clientSecret}}",
                f"&scope={_form(svc.scope)}",
            ]
        auth = f"Authorization: Bearer {{{{{token}.response.body.access_token}}}}"
        if svc.kind in FHIR_KINDS:
            lines += [
                "",
                f"### {svc.name}: capability statement",
                f"GET {{{{{ident}url}}}}/metadata",
                auth,
                "Accept: application/fhir+json",
            ]
        else:
            lines += [
                "",
                f"### {svc.name}: change feed (DICOMweb API {DICOM_API_VERSION})",
                f"GET {{{{{ident}url}}}}/{DICOM_API_VERSION}/changefeed",
                auth,
                "Accept: application/json",
            ]
    return Rendered("\n".join(lines) + "\n", contains_secret=secret_written)


# --------------------------------------------------------------------------- dotenv


def _dotenv_value(key: str, value: str) -> str:
    """Quote a value so dotenv parsers (python-dotenv, npm dotenv) and POSIX shells agree."""
    if _DOTENV_BARE_SAFE.fullmatch(value):
        return value
    if "'" in value or CONTROL_CHARS.search(value):
        # No quoting reads the same in every dotenv dialect; refuse rather than corrupt.
        raise UsageError(f"the value for {key} cannot be quoted safely for a .env file")
    return f"'{value}'"


def render_dotenv(app: Application, service: str | None, include_secret: bool) -> Rendered:
    services = _select_services(app, service)
    _check_idents(services, "upper")
    secret_written = bool(include_secret and app.client_secret)
    pairs: list[tuple[str, str]] = [
        ("AZURE_TENANT_ID", app.tenant_id),
        ("AZURE_CLIENT_ID", app.client_id),
    ]
    if secret_written:
        pairs.append(("AZURE_CLIENT_SECRET", app.client_secret or ""))
    pairs += [
        ("AZURE_AUTHORITY_HOST", authority_host(app.token_endpoint)),
        ("TOKEN_ENDPOINT", app.token_endpoint),
    ]
    for svc in services:
        prefix = _ident(svc.name).upper()
        pairs += [(f"{prefix}_URL", svc.url), (f"{prefix}_SCOPE", svc.scope)]

    lines = [
        f"# Client settings for application {app.name!r}.",
        "# Generated by `.venv/bin/python -m tools.clientfiles dotenv`; do not edit by hand.",
    ]
    if secret_written:
        lines.append("# Contains a client secret: keep it out of version control.")
    if app.client_secret_expires_at:
        lines.append(f"# The client secret expires at {app.client_secret_expires_at}.")
    for key, value in pairs:
        lines.append(f"{key}={_dotenv_value(key, value)}")
    if not secret_written:
        lines.append("# AZURE_CLIENT_SECRET is not written without --include-secret.")
    return Rendered("\n".join(lines) + "\n", contains_secret=secret_written)


# --------------------------------------------------------------------------- smart


def render_smart(app: Application, service: str | None, include_secret: bool) -> Rendered:
    """The launch settings a SMART app is configured with. With Entra as the identity
    provider the app is given the endpoints (Entra serves no SMART discovery document), asks
    for the Entra-form scopes, and reads the FHIR service at its URL; ``smartScopes`` is what
    the app means, as SMART spells it (docs/smart-on-fhir.md)."""
    launch = app.smart
    if launch is None:
        raise UsageError(
            f"application {app.name!r} has no SMART settings in the stack output (no `smart:` "
            "block in its configuration)"
        )
    if service is not None:
        raise UsageError(
            "--service does not apply to the smart format: a SMART client has one resource"
        )
    backend = launch.client_type == "backend"
    settings: dict[str, object] = {
        "clientId": app.client_id,
        "clientType": launch.client_type,
        "pkce": launch.client_type == "public",
        "issuer": launch.issuer,
        "authorizationEndpoint": launch.authorize_endpoint,
        "tokenEndpoint": launch.token_endpoint,
        "fhirServerUrl": launch.fhir_url,
        "audience": launch.audience,
        # One request's scope parameter, space-separated as OAuth wants it.
        "scope": f"{launch.audience}/.default" if backend else " ".join(launch.entra_scopes),
        "smartScopes": " ".join(launch.scopes),
        "appRoles": list(launch.app_roles),
    }
    secret_written = bool(include_secret and app.client_secret and launch.client_type != "public")
    if secret_written:
        settings["clientSecret"] = app.client_secret
    return Rendered(json.dumps(settings, indent=2) + "\n", contains_secret=secret_written)


RENDERERS = {
    "postman": render_postman,
    "rest-client": render_rest_client,
    "dotenv": render_dotenv,
    "smart": render_smart,
}


# --------------------------------------------------------------------------- output


def write_output(text: str, out: str, secret: bool, stdout: TextIO) -> None:
    if out == "-":
        stdout.write(text)
        stdout.flush()
        return
    mode = 0o600 if secret else 0o666
    try:
        fd = os.open(out, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            if secret:
                # O_CREAT's mode only applies to new files; tighten an existing one too.
                os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {out!r}: {exc.strerror or exc}") from None


def default_out(fmt: str, app: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", app).lstrip(".") or "app"
    return safe + DEFAULT_OUT_SUFFIX[fmt]


# --------------------------------------------------------------------------- cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=".venv/bin/python -m tools.clientfiles",
        description=(
            "Write a Postman environment, a VS Code REST Client .http file or a .env file for "
            "one application from `pulumi stack output --json --show-secrets`."
        ),
    )
    parser.add_argument("format", choices=FORMATS)
    parser.add_argument("--app", required=True, help="logical application name")
    parser.add_argument(
        "--stack-output",
        default="-",
        metavar="FILE",
        help="stack output JSON file, or - for stdin (default)",
    )
    parser.add_argument(
        "--service",
        help="service to use (default: first FHIR service for postman, all services otherwise)",
    )
    parser.add_argument(
        "--out",
        help="output path, or - for stdout (default: <app>.postman_environment.json, "
        "<app>.http or <app>.env in the current directory)",
    )
    parser.add_argument(
        "--include-secret",
        action="store_true",
        help="write the client secret (the file is created with mode 0600)",
    )
    return parser


def show_secrets_command(args: argparse.Namespace, include_secret: bool) -> str:
    """The command line to rerun, reading `--show-secrets` output through stdin."""
    parts = [".venv/bin/python", "-m", "tools.clientfiles", args.format, "--app", args.app]
    if args.service is not None:
        parts += ["--service", args.service]
    if args.out is not None:
        parts += ["--out", args.out]
    if include_secret:
        parts.append("--include-secret")
    return "pulumi stack output --json --show-secrets | " + shlex.join(parts)


def _run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    hint = show_secrets_command(args, args.include_secret)
    doc = read_document(args.stack_output, stdin)
    app = parse_application(doc, applications(doc, hint), args.app)

    if args.include_secret:
        if app.client_secret == REDACTED:
            raise UsageError(
                f"the client secret of {app.name!r} is redacted ({REDACTED!r}): the stack output "
                f"was read without --show-secrets; run: {hint}"
            )
        if app.client_secret is None:
            raise UsageError(
                f"application {app.name!r} has no client secret in the stack output; "
                f"run without --include-secret: {show_secrets_command(args, False)}"
            )

    rendered = RENDERERS[args.format](app, args.service, args.include_secret)
    out = args.out if args.out is not None else default_out(args.format, app.name)
    write_output(rendered.text, out, rendered.contains_secret, stdout)

    if out != "-":
        mode = " (mode 0600)" if rendered.contains_secret else ""
        print(f"wrote {out}{mode}", file=sys.stderr)
    if not args.include_secret:
        if app.client_secret is None:
            print(f"note: application {app.name!r} has no client secret", file=sys.stderr)
        else:
            print(
                "note: the client secret was not written; to include it run: "
                f"{show_secrets_command(args, True)}",
                file=sys.stderr,
            )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _run(args, sys.stdin, sys.stdout)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

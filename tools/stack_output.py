"""Read the stack outputs ``applications`` and ``clientSecrets`` (docs/design.md, "Outputs").

One parser for every tool that reads ``pulumi stack output --json --show-secrets``
(``tools.clientfiles``, ``tools.verify``), so a change of shape is made in one place and every
tool reports a bad document with the same words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

FHIR_KINDS = ("fhir", "api-for-fhir")
DICOM_KINDS = ("dicom",)
KNOWN_KINDS = FHIR_KINDS + DICOM_KINDS
# What `pulumi stack output --json` prints for a secret value without --show-secrets.
REDACTED = "[secret]"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
# DICOM requests carry the REST API version in the path; v2 is the newest the DICOM service
# supports (Microsoft Learn, "API versioning for DICOM service").
DICOM_API_VERSION = "v2"
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class UsageError(Exception):
    """A problem with the input or arguments: reported as one line, exit code 2."""


@dataclass(frozen=True)
class Service:
    name: str
    kind: str
    url: str
    audience: str
    scope: str


@dataclass(frozen=True)
class SmartLaunch:
    """An application's SMART launch settings (the ``smart`` entry of ``applications``)."""

    resource: str
    client_type: str  # confidential | public | backend
    issuer: str
    authorize_endpoint: str
    token_endpoint: str
    fhir_url: str
    audience: str
    scopes: tuple[str, ...]  # as SMART spells them
    entra_scopes: tuple[str, ...]  # as Entra expects them in a request
    app_roles: tuple[str, ...]  # what a backend service's token carries as `roles`


@dataclass(frozen=True)
class Application:
    name: str
    tenant_id: str
    client_id: str
    token_endpoint: str
    # None: the app has no secret. REDACTED: the output was read without --show-secrets.
    # Kept out of repr, so no debug print or assertion message can show it.
    client_secret: str | None = field(repr=False)
    client_secret_expires_at: str | None
    services: tuple[Service, ...]
    smart: SmartLaunch | None = None


def read_source(source: str, stdin: TextIO) -> str:
    """The text of a stack output file, or of stdin for ``-``."""
    if source == "-":
        try:
            return stdin.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the stack output from stdin: {exc}") from None
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read stack output file {source!r}: {reason}") from None


def parse_json(text: str, source: str) -> object:
    where = "stdin" if source == "-" else repr(source)
    if not text.strip():
        raise UsageError(
            f"the stack output from {where} is empty; "
            "expected the JSON printed by `pulumi stack output --json --show-secrets`"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"the stack output from {where} is not valid JSON "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def document(doc: object) -> dict[str, object]:
    if not isinstance(doc, dict):
        raise UsageError("the stack output is not a JSON object; expected `--json` output")
    return doc


def read_document(source: str, stdin: TextIO) -> dict[str, object]:
    """The stack output document from a file or stdin (``-``)."""
    return document(parse_json(read_source(source, stdin), source))


def _str_field(obj: dict[str, object], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise UsageError(f"{where} has no {key!r} string in the stack output")
    if CONTROL_CHARS.search(value):
        raise UsageError(f"{where} field {key!r} contains control characters")
    return value


def _optional_str(obj: dict[str, object], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{where} field {key!r} is not a string in the stack output")
    if CONTROL_CHARS.search(value):
        raise UsageError(f"{where} field {key!r} contains control characters")
    return value


def _parse_service(name: str, raw: object, app: str) -> Service:
    where = f"service {name!r} of application {app!r}"
    if not isinstance(raw, dict):
        raise UsageError(f"{where} is not an object in the stack output")
    return Service(
        name=name,
        kind=_str_field(raw, "kind", where),
        url=_str_field(raw, "url", where).rstrip("/"),
        audience=_str_field(raw, "audience", where),
        scope=_str_field(raw, "scope", where),
    )


def _strings(obj: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = obj.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where} has no {key!r} list of strings in the stack output")
    if any(CONTROL_CHARS.search(v) for v in value):
        raise UsageError(f"{where} field {key!r} contains control characters")
    return tuple(value)


def _parse_smart(raw: object, app: str) -> SmartLaunch:
    where = f"the SMART settings of application {app!r}"
    if not isinstance(raw, dict):
        raise UsageError(f"{where} are not an object in the stack output")
    return SmartLaunch(
        resource=_str_field(raw, "resource", where),
        client_type=_str_field(raw, "clientType", where),
        issuer=_str_field(raw, "issuer", where),
        authorize_endpoint=_str_field(raw, "authorizeEndpoint", where),
        token_endpoint=_str_field(raw, "tokenEndpoint", where),
        fhir_url=_str_field(raw, "fhirUrl", where).rstrip("/"),
        audience=_str_field(raw, "audience", where),
        scopes=_strings(raw, "scopes", where),
        entra_scopes=_strings(raw, "entraScopes", where),
        app_roles=_strings(raw, "appRoles", where),
    )


def applications(doc: dict[str, object], hint: str) -> dict[str, object]:
    """The raw ``applications`` map; ``hint`` is the command to run when it is redacted."""
    if "applications" not in doc:
        keys = ", ".join(sorted(str(k) for k in doc)) or "none"
        if isinstance(doc.get("outputs"), dict) and isinstance(doc.get("resources"), list):
            raise UsageError(
                f"the input has no 'applications' key (keys: {keys}): it is an offline plan "
                "(`tools.plan --json`), whose stack outputs are under its 'outputs' key, with "
                "the fake tenant's IDs and the secrets redacted. Pass that object, e.g. "
                "`jq .outputs plan.json | .venv/bin/python -m tools.clientfiles ...`"
            )
        raise UsageError(f"the stack output has no 'applications' key (keys: {keys})")
    apps = doc["applications"]
    if apps == REDACTED:
        raise UsageError(f"'applications' is redacted as {REDACTED!r}; run: {hint}")
    if not isinstance(apps, dict):
        raise UsageError("'applications' in the stack output is not an object")
    return apps


def _client_secret(doc: dict[str, object], name: str) -> str | None:
    """The active secret from the top-level ``clientSecrets`` output (secret as a whole)."""
    secrets = doc.get("clientSecrets")
    if secrets == REDACTED:
        return REDACTED
    if secrets is None:
        raise UsageError(
            f"application {name!r} has a client secret, but the stack output has no "
            "'clientSecrets' key"
        )
    if not isinstance(secrets, dict):
        raise UsageError("'clientSecrets' in the stack output is not an object")
    value = secrets.get(name)
    if not isinstance(value, str) or not value:
        raise UsageError(f"'clientSecrets' in the stack output has no string for {name!r}")
    if CONTROL_CHARS.search(value):
        raise UsageError(f"the client secret of {name!r} contains control characters")
    return value


def parse_application(doc: dict[str, object], apps: dict[str, object], name: str) -> Application:
    if name not in apps:
        known = ", ".join(sorted(apps)) or "none"
        raise UsageError(f"unknown application {name!r}; known applications: {known}")
    raw = apps[name]
    where = f"application {name!r}"
    if not isinstance(raw, dict):
        raise UsageError(f"{where} is not an object in the stack output")
    services_raw = raw.get("services") or {}
    if not isinstance(services_raw, dict):
        raise UsageError(f"{where} field 'services' is not an object in the stack output")
    expires_at = _optional_str(raw, "clientSecretExpiresAt", where)
    return Application(
        name=name,
        tenant_id=_str_field(raw, "tenantId", where),
        client_id=_str_field(raw, "clientId", where),
        token_endpoint=_str_field(raw, "tokenEndpoint", where),
        # An app has a secret exactly when its secret has an end date.
        client_secret=_client_secret(doc, name) if expires_at is not None else None,
        client_secret_expires_at=expires_at,
        services=tuple(_parse_service(str(k), v, name) for k, v in services_raw.items()),
        smart=_parse_smart(raw["smart"], name) if raw.get("smart") is not None else None,
    )


def parse_applications(doc: dict[str, object], hint: str) -> tuple[Application, ...]:
    """Every application, in the order the stack output lists them."""
    apps = applications(doc, hint)
    return tuple(parse_application(doc, apps, str(name)) for name in apps)


def authority_host(token_endpoint: str) -> str:
    """``https://login.microsoftonline.com`` or the sovereign/test host the stack names."""
    parts = urlsplit(token_endpoint)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return DEFAULT_AUTHORITY_HOST

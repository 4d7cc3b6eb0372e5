"""How to check the apps a client-credentials call cannot prove: public clients (Postman),
federated-only apps, and certificate apps whose key was not given.

The stack outputs do not say which kind an app is, so the hints come from the stack's config
file (``Pulumi.<stack>.yaml``) when the stack is named; without it the advice stays general.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from components.config.redirects import REDIRECT_PRESETS
from tools.stack_output import FHIR_KINDS, Application, Service
from tools.verify.probe import DICOM_READ, FHIR_READ


@dataclass(frozen=True)
class AppHints:
    public_client: bool = False
    redirect_uris: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(k) for k in value) if isinstance(value, dict) else ()


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def hints_from_config(config: Mapping[str, object]) -> dict[str, AppHints]:
    """Per-app hints from the stack config (keys without the project prefix). Malformed entries
    give no hints: ``make plan`` is where the config is validated, not here."""
    apps = config.get("applications")
    hints: dict[str, AppHints] = {}
    if not isinstance(apps, dict):
        return hints
    for name, raw in apps.items():
        if not isinstance(raw, dict):
            continue
        redirects = raw.get("redirectUris")
        mobile = _strings(redirects.get("mobileDesktop")) if isinstance(redirects, dict) else ()
        roles = raw.get("roles")
        hints[str(name)] = AppHints(
            public_client=raw.get("publicClientFlows") is True,
            redirect_uris=tuple(REDIRECT_PRESETS.get(uri, uri) for uri in mobile),
            certificates=_names(raw.get("certificates")),
            federated=_names(raw.get("federatedCredentials")),
            roles={str(k): _strings(v) for k, v in roles.items()}
            if isinstance(roles, dict)
            else {},
        )
    return hints


def load_hints(stack: str, project_dir: Path) -> tuple[dict[str, AppHints], str | None]:
    """Hints from ``Pulumi.<stack>.yaml``, or none and a note saying why."""
    from testbed.stackfile import StackFileError, load_stack_file

    try:
        stack_file = load_stack_file(stack, project_dir)
    except StackFileError as exc:
        return {}, f"the stack config was not read ({exc}): apps are described from outputs only"
    return hints_from_config(stack_file.config), None


def _read_command(service: Service) -> str:
    read = FHIR_READ if service.kind in FHIR_KINDS else DICOM_READ
    return f'az rest --method get --url "{service.url}{read}" --resource "{service.audience}"'


def no_secret_note(app: Application, hints: AppHints | None) -> str:
    """Why an app without a secret is not checked here, and how to check it."""
    lines = [f"{app.name}: no client secret in the stack output, so it was not checked here."]
    if hints is None or hints.certificates:
        names = ", ".join(hints.certificates) if hints else "<name>"
        lines.append(
            f"  Certificate ({names}): rerun with --certificate {app.name}=certs/<name>.key "
            "(the key and its certificate, as tools.selfsigned writes them)."
        )
    if hints is None or hints.federated:
        names = ", ".join(hints.federated) if hints else "<name>"
        lines.append(
            f"  Federated credential ({names}): only the workload it names can sign in. From "
            f"there (e.g. after azure/login with client-id {app.client_id}) run:"
        )
        lines += [f"    {_read_command(svc)}" for svc in app.services]
        if not app.services:
            lines.append("    (the app reaches no configured service)")
    if hints is None or hints.public_client:
        lines.append(f"  Public client: {public_client_steps(app, hints)}")
    if hints is not None and not (hints.certificates or hints.federated or hints.public_client):
        lines.append("  The stack config gives it no credential at all: it cannot sign in.")
    return "\n".join(lines)


def public_client_steps(app: Application, hints: AppHints | None) -> str:
    """The Postman check of a user sign-in (authorization code flow)."""
    fhir = next((s for s in app.services if s.kind in FHIR_KINDS), None)
    callback = next(
        (uri for uri in (hints.redirect_uris if hints else ()) if "postman" in uri),
        REDIRECT_PRESETS["postman"],
    )
    authorize = app.token_endpoint.removesuffix("/token") + "/authorize"
    if fhir is None:
        return (
            f"{app.name} reaches no FHIR service, so there is no Postman FHIR check; sign in "
            "with your own client and call the service with the user's token."
        )
    return "\n".join(
        [
            "check a user's sign-in in Postman:",
            f"    1. pulumi stack output --json | .venv/bin/python -m tools.clientfiles postman --app "
            f"{app.name}   (writes {app.name}.postman_environment.json, without the secret)",
            f'    2. Postman: Import that file, select the environment "{app.name} - {fhir.name}" '
            "and Microsoft's FHIR Postman collection.",
            "    3. Collection > Authorization: OAuth 2.0, Grant type Authorization Code (With "
            f"PKCE), Callback URL {callback}, Auth URL {authorize}, Access Token URL "
            "{{accessTokenUrl}}, Client ID {{clientId}}, Scope {{scope}}, no client secret.",
            "    4. Get New Access Token, sign in, Use Token; then send GET {{fhirurl}}/metadata "
            "and GET {{fhirurl}}/Patient?_count=1.",
            "    The user needs a FHIR data role on the service as well: this stack assigns "
            "roles to the app only, so a 403 there means the user lacks one.",
        ]
    )


def public_client_note(app: Application, hints: AppHints) -> str:
    return (
        f"{app.name} is a public client (publicClientFlows: true): the rows above used its "
        f"client secret, so they prove the app's roles, not a user's; to "
        + public_client_steps(app, hints)
    )

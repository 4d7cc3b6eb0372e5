"""The SMART check of ``tools.verify``: a SMART client signs in with client credentials for its
SMART resource's audience, and the token is judged against the launch settings the stack
output gives (docs/smart-on-fhir.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from tools.stack_output import Application, Service, SmartLaunch
from tools.verify import report, tokens


def verdict(launch: SmartLaunch, claims: Mapping[str, object]) -> tuple[str, str]:
    """A SMART client's client-credentials token, judged: its ``aud`` must be the SMART
    resource application's identifier URI (what the FHIR service's audience is set to), and
    its ``roles`` must hold the app roles of its system/ scopes. Delegated SMART scopes need a
    user's sign-in, which this tool does not do: they are named, not checked."""
    audience = str(claims.get("aud") or "")
    roles_claim = claims.get("roles")
    roles = {str(r) for r in roles_claim} if isinstance(roles_claim, list) else set()
    if audience.rstrip("/") != launch.audience.rstrip("/"):
        return "fail", (
            f"the token's aud {audience or '(none)'} is not the SMART resource's identifier URI "
            f"{launch.audience}: the FHIR service would refuse it"
        )
    missing = [role for role in launch.app_roles if role not in roles]
    if missing:
        return "fail", (
            f"the token lacks the app role(s) {', '.join(missing)} of its system/ scopes: an "
            "administrator has not consented (adminConsent: true grants them)"
        )
    delegated = [s for s in launch.entra_scopes if s.startswith(launch.audience.rstrip("/") + "/")]
    held = f"; roles hold {', '.join(launch.app_roles)}" if launch.app_roles else ""
    user = (
        f"; its {len(delegated)} delegated SMART scope(s) need a user's sign-in and are not checked"
        if delegated
        else ""
    )
    return "ok", f"aud is the SMART resource's identifier URI{held}{user}"


def check(
    app: Application,
    credential: tokens.Credential,
    *,
    session: requests.Session,
    clock: Any,
    secrets: list[str],
) -> report.Row:
    """One row for the SMART resource: a client-credentials token for its audience."""
    launch = app.smart
    assert launch is not None
    kind = "certificate" if isinstance(credential, tokens.CertificateCredential) else "secret"
    resource = Service(
        name=f"smart:{launch.resource}",
        kind="fhir",
        url=launch.fhir_url,
        audience=launch.audience,
        scope=f"{launch.audience.rstrip('/')}/.default",
    )
    result = tokens.acquire_token(
        app,
        resource,
        credential,
        session=session,
        clock=clock.now,
        sleep=clock.sleep,
        secret_wait=0.0,
    )
    if result.token is None:
        return report.Row(
            app.name,
            resource.name,
            "smart",
            kind,
            result.code,
            result.attempts,
            "-",
            (),
            (),
            "fail",
            result.message,
        )
    secrets.append(result.token)
    claims = tokens.read_claims(result.token)
    roles_claim = claims.get("roles")
    roles = tuple(str(r) for r in roles_claim) if isinstance(roles_claim, list) else ()
    status, judged = verdict(launch, claims)
    return report.Row(
        app.name,
        resource.name,
        "smart",
        kind,
        "ok",
        result.attempts,
        str(claims.get("aud") or "-"),
        roles,
        (),
        status,
        judged,
    )

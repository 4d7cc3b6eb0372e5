"""Client-credentials tokens from Entra ID through MSAL, with the wait for a new secret.

MSAL is Microsoft's own library and hands back Entra's answer as data (``error``,
``error_codes``), so a not-yet-accepted secret (AADSTS7000215) is recognised by its code rather
than by parsing a message, and every other refusal is named by its AADSTS code.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from components.healthcare import WELL_KNOWN_APIS
from tools.stack_output import DICOM_KINDS, Application, Service, UsageError, authority_host
from tools.verify import net

# Entra accepts a new password after some seconds (4-18 s reported in provider issues);
# a minute covers that with room, and a secret still refused after it is not a propagation lag.
SECRET_WAIT = 60.0
RETRY_EVERY = 5.0
NOT_YET_ACCEPTED = 7000215
_V2_TOKEN_PATH = re.compile(r"^(?P<authority>https://[^/]+/[^/]+)/oauth2/v2\.0/token/?$")
_FIRST_SENTENCE = re.compile(r"^AADSTS\d+: (?P<text>.*?\.)(?:\s|$)")


@dataclass(frozen=True)
class SecretCredential:
    secret: str = field(repr=False)


@dataclass(frozen=True)
class CertificateCredential:
    key_file: str
    private_key_pem: str = field(repr=False)
    certificate_pem: str


Credential = SecretCredential | CertificateCredential


@dataclass(frozen=True)
class TokenResult:
    token: str | None
    code: str  # "ok", "AADSTS<n>", or a network code such as "unreachable"
    message: str  # what went wrong and the fix; empty when ok
    attempts: int


# --------------------------------------------------------------------------- certificates


def _load_certificates(text: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(text)
    except ValueError:
        return []


def load_certificate_credential(app: str, key_file: str) -> CertificateCredential:
    """The private key in ``key_file`` and its certificate: in the same file, or next to it as
    ``NAME.pem`` for ``NAME.key`` (the pair ``tools.selfsigned`` writes)."""
    path = Path(key_file)
    try:
        key_bytes = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"cannot read the key file {key_file!r} for {app!r}: {exc.strerror}"
        ) from None
    try:
        key: PrivateKeyTypes = serialization.load_pem_private_key(key_bytes, password=None)
    except TypeError:
        raise UsageError(
            f"the key file {key_file!r} is encrypted; give an unencrypted PEM key "
            "(for example `openssl pkey -in KEY -out KEY.plain`, kept with mode 0600)"
        ) from None
    except ValueError:
        raise UsageError(f"{key_file!r} holds no PEM private key") from None
    certs = _load_certificates(key_bytes)
    cert_source = key_file
    if not certs and path.suffix == ".key" and path.with_suffix(".pem").is_file():
        cert_source = str(path.with_suffix(".pem"))
        certs = _load_certificates(path.with_suffix(".pem").read_bytes())
    if not certs:
        raise UsageError(
            f"no certificate found for the key {key_file!r}: put the certificate in the same "
            f"PEM file, or next to it as {path.with_suffix('.pem').name}"
        )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for cert in certs:
        cert_public = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if cert_public == public:
            return CertificateCredential(
                key_file=key_file,
                private_key_pem=key_bytes.decode("ascii", errors="replace"),
                certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            )
    raise UsageError(f"the certificate in {cert_source!r} does not match the key {key_file!r}")


# --------------------------------------------------------------------------- tokens


def authority_for(app: Application) -> str:
    """``https://<host>/<tenant>`` from the stack's v2 token endpoint, so sovereign clouds and
    test authorities work without a flag."""
    found = _V2_TOKEN_PATH.match(app.token_endpoint)
    if found:
        return found.group("authority")
    return f"{authority_host(app.token_endpoint)}/{app.tenant_id}"


def read_claims(token: str) -> dict[str, object]:
    """The token's claims, for display only: the service, not this tool, checks the signature."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def _msal_credential(credential: Credential) -> str | dict[str, str]:
    if isinstance(credential, SecretCredential):
        return credential.secret
    # With the certificate and no SHA-1 thumbprint, MSAL signs with PS256 and names the
    # certificate by its SHA-256 thumbprint (x5t#S256), as Entra recommends.
    return {
        "private_key": credential.private_key_pem,
        "public_certificate": credential.certificate_pem,
    }


def _first_sentence(description: str) -> str:
    found = _FIRST_SENTENCE.match(description.strip())
    if found:
        return found.group("text")
    return description.strip().splitlines()[0] if description.strip() else ""


def explain(
    code: int | None,
    result: dict[str, object],
    app: Application,
    service: Service,
    waited: float,
) -> str:
    """Entra's refusal in words, with what to change."""
    if code == NOT_YET_ACCEPTED:
        return (
            f"Entra refused the client secret (AADSTS7000215) for {waited:.0f} s: a new secret "
            "is accepted within a minute, so this one is wrong or was replaced: read the "
            "outputs again with --show-secrets after the last `pulumi up`, or run `pulumi up` "
            "to issue a new one"
        )
    if code == 7000222:
        return (
            "the client secret has expired (AADSTS7000222): run `pulumi up` to rotate it "
            f"(applications.{app.name}.secret.expiresIn sets the lifetime)"
        )
    if code == 700016:
        return (
            f"Entra does not know client ID {app.client_id} in tenant {app.tenant_id} "
            "(AADSTS700016): the app was deleted or the outputs are from another tenant: run "
            "`pulumi refresh`, then `pulumi up`"
        )
    if code in (90002, 900023):
        return f"tenant {app.tenant_id} was not found (AADSTS{code}): check the stack's tenant"
    if code == 500011:
        api = WELL_KNOWN_APIS[
            "azure-api-for-dicom" if service.kind in DICOM_KINDS else "azure-healthcare-apis"
        ]
        return (
            f"the tenant has no service principal for {service.audience} (AADSTS500011), or "
            f"services.{service.name}.audience is wrong. {api.missing_hint}"
        )
    if code in (700027, 700024, 7000274):
        return (
            f"Entra refused the certificate assertion (AADSTS{code}): the key does not belong "
            f"to a certificate registered on {app.name}: check applications.{app.name}."
            "certificates and the --certificate key"
        )
    if code == 7000112:
        return f"the application {app.name} is disabled in Entra (AADSTS7000112)"
    if code in (1002012, 70011):
        return (
            f"Entra refused the scope {service.scope} (AADSTS{code}): correct "
            f"services.{service.name}.audience"
        )
    error = str(result.get("error") or "error")
    sentence = _first_sentence(str(result.get("error_description") or ""))
    label = f"AADSTS{code}" if code is not None else error
    return f"Entra refused the token request ({label}, {error})" + (
        f": {sentence}" if sentence else ""
    )


def _error_code(result: dict[str, object]) -> int | None:
    codes = result.get("error_codes")
    if isinstance(codes, list) and codes and isinstance(codes[0], int):
        return codes[0]
    return None


def acquire_token(  # noqa: PLR0913 (what it signs in as, then keyword-only the injected session, clock and waits)
    app: Application,
    service: Service,
    credential: Credential,
    *,
    session: requests.Session,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    secret_wait: float = SECRET_WAIT,
    retry_every: float = RETRY_EVERY,
) -> TokenResult:
    """A token for ``service.scope``, retried while Entra does not accept a new secret yet."""
    authority = authority_for(app)
    start = clock()
    attempts = 0
    while True:
        attempts += 1
        try:
            # A fresh client per attempt: MSAL's HTTP layer replays a cached 400 answer for a
            # minute, which would turn the retries into no-ops.
            client = msal.ConfidentialClientApplication(
                app.client_id,
                client_credential=_msal_credential(credential),
                authority=authority,
                # Instance discovery would ask login.microsoftonline.com about a host it does
                # not know (a test authority); the tenant's own discovery document suffices.
                instance_discovery=False,
                http_client=session,
                token_cache=msal.TokenCache(),
            )
            result = client.acquire_token_for_client(scopes=[service.scope])
        except requests.RequestException as exc:
            short, words = net.describe(exc, authority)
            if short != "tls":
                words += ": check the stack's tokenEndpoint and network access to Entra ID"
            return TokenResult(None, short, words, attempts)
        except ValueError as exc:
            text = str(exc)
            if "authority" in text.lower():
                return TokenResult(
                    None,
                    "discovery",
                    f"{authority} serves no OpenID configuration: check the tenant in the "
                    "stack's tokenEndpoint",
                    attempts,
                )
            return TokenResult(
                None, "credential", f"MSAL cannot use the credential: {text}", attempts
            )
        token = result.get("access_token") if isinstance(result, dict) else None
        if isinstance(token, str) and token:
            return TokenResult(token, "ok", "", attempts)
        result = result if isinstance(result, dict) else {}
        code = _error_code(result)
        waited = clock() - start
        retry = code == NOT_YET_ACCEPTED and isinstance(credential, SecretCredential)
        if retry and waited + retry_every <= secret_wait:
            sleep(retry_every)
            continue
        label = f"AADSTS{code}" if code is not None else str(result.get("error") or "error")
        return TokenResult(None, label, explain(code, result, app, service, waited), attempts)

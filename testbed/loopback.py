"""An Entra-like authority and a FHIR/DICOM-like service on 127.0.0.1, over HTTPS.

``tools.verify`` is tested against these instead of Azure: nothing here talks to the network
beyond the loopback interface. They model what the tool must tell apart, not all of Entra:

* the authority serves OIDC discovery, a JWKS and a v2 token endpoint for the client-credentials
  grant (secret or certificate assertion), issues RS256 JWTs with ``aud``, ``appid``, ``roles``,
  and answers with Entra's error shape and AADSTS codes: 7000215 (a secret it does not accept,
  including a new one that has not propagated yet), 7000222 (expired secret), 700016 (unknown
  client), 700027 (bad assertion), 500011 (unknown resource);
* the service validates the signature against the authority's keys, the expiry, the audience
  (401 otherwise) and a data role in the ``roles`` claim (403 otherwise). Real FHIR and DICOM
  services check Azure RBAC rather than a claim; the claim stands in for the role assignment.

Time that matters to a test (when a new secret is accepted, when a role assignment is visible)
comes from an injected clock, so a test never sleeps.

Longer than 400 lines: an authority and a service that must agree on keys, claims and error
codes, in one module so their contract is read in one place.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from testbed.testpki import (
    JwtError,
    TestPki,
    jwk,
    key_id,
    new_key,
    sha256_thumbprint,
    sign_jwt,
    split_jwt,
    verify_signature,
)

TOKEN_LIFETIME = 3600
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FHIR_READ_ROLES = frozenset(
    {
        "FHIR Data Reader",
        "FHIR Data Writer",
        "FHIR Data Contributor",
        "FHIR Data Exporter",
        "FHIR SMART User",
    }
)
DICOM_READ_ROLES = frozenset({"DICOM Data Reader", "DICOM Data Owner"})


class FakeClock:
    """Seconds since the test began; ``sleep`` moves time on instead of waiting."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds


@dataclass
class AppRecord:
    """What the authority knows about one application (its service principal and credentials)."""

    client_id: str
    secret: str | None = None
    secret_accepted_from: float = 0.0  # clock time; before it the secret is refused (7000215)
    secret_expired: bool = False
    certificate: x509.Certificate | None = None
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # audience -> roles claim
    object_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class ServiceRecord:
    name: str
    kind: str  # fhir | api-for-fhir | dicom
    audience: str
    roles_visible_from: float = 0.0  # clock time; before it every role is refused (403)

    @property
    def accepted_roles(self) -> frozenset[str]:
        return DICOM_READ_ROLES if self.kind == "dicom" else FHIR_READ_ROLES


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that rejects the test CA is a case under test, not a server fault."""


class _Handler(BaseHTTPRequestHandler):
    site: ClassVar[_Site]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read what the servers did from their own logs."""

    def _send(self, status: int, body: object, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        status, body, headers = self.site.get(self)
        self._send(status, body, headers)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        status, body, headers = self.site.post(self, form)
        self._send(status, body, headers)


Reply = tuple[int, object, Mapping[str, str]]


class _Site:
    """One HTTPS server on 127.0.0.1 with an ephemeral port, served from a daemon thread."""

    def __init__(self, pki: TestPki) -> None:
        handler = type("Handler", (_Handler,), {"site": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        # The handshake runs in the request thread, so a client that rejects the certificate
        # cannot stall the accept loop.
        self._server.socket = pki.server_context().wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )
        self.base_url = f"https://127.0.0.1:{self._server.server_address[1]}"
        # A short poll keeps shutdown() (which waits for the next poll) from costing each test
        # half a second per server.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def get(self, request: BaseHTTPRequestHandler) -> Reply:
        return 404, {"error": "not found"}, {}

    def post(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> Reply:
        return 404, {"error": "not found"}, {}


def _entra_error(status: int, error: str, code: int, description: str) -> Reply:
    # Entra's token endpoint error shape: the AADSTS code leads the description and is repeated
    # in error_codes.
    body = {
        "error": error,
        "error_description": f"AADSTS{code}: {description} Trace ID: {uuid.uuid4()} "
        f"Correlation ID: {uuid.uuid4()} Timestamp: 2026-11-28 10:00:00Z",
        "error_codes": [code],
        "timestamp": "2026-11-28 10:00:00Z",
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
    }
    return status, body, {}


class LoopbackAuthority(_Site):
    """An Entra-like tenant: ``<base>/<tenant>/v2.0/.well-known/openid-configuration`` etc."""

    def __init__(self, pki: TestPki, clock: Callable[[], float], tenant_id: str) -> None:
        super().__init__(pki)
        self.clock = clock
        self.tenant_id = tenant_id
        self.signing_key = new_key()
        self.kid = key_id(self.signing_key.public_key())
        self.apps: dict[str, AppRecord] = {}
        self.resources: set[str] = set()
        self.token_requests: Counter[str] = Counter()
        self.tokens_issued: list[str] = []

    @property
    def authority(self) -> str:
        return f"{self.base_url}/{self.tenant_id}"

    @property
    def token_endpoint(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"

    @property
    def token_endpoint_v1(self) -> str:
        return f"{self.authority}/oauth2/token"

    @property
    def issuer(self) -> str:
        return f"{self.authority}/v2.0"

    def register(self, app: AppRecord) -> AppRecord:
        self.apps[app.client_id] = app
        return app

    def public_key(self, kid: object) -> rsa.RSAPublicKey | None:
        return self.signing_key.public_key() if kid == self.kid else None

    def get(self, request: BaseHTTPRequestHandler) -> Reply:
        path = urlsplit(request.path).path
        prefix = f"/{self.tenant_id}"
        if path == f"{prefix}/v2.0/.well-known/openid-configuration":
            return (
                200,
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.authority}/oauth2/v2.0/authorize",
                    "token_endpoint": self.token_endpoint,
                    "jwks_uri": f"{self.authority}/discovery/v2.0/keys",
                    "response_types_supported": ["code", "token"],
                    "subject_types_supported": ["pairwise"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_post",
                        "private_key_jwt",
                    ],
                },
                {},
            )
        if path == f"{prefix}/discovery/v2.0/keys":
            return 200, {"keys": [jwk(self.signing_key.public_key(), self.kid)]}, {}
        if path.startswith("/") and path.split("/")[1] != self.tenant_id:
            return _entra_error(400, "invalid_request", 90002, "Tenant not found.")
        return 404, {"error": "not found"}, {}

    def post(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> Reply:
        path = urlsplit(request.path).path
        if path != f"/{self.tenant_id}/oauth2/v2.0/token":
            return _entra_error(400, "invalid_request", 90002, "Tenant not found.")
        client_id = form.get("client_id", "")
        self.token_requests[client_id] += 1
        if form.get("grant_type") != "client_credentials":
            return _entra_error(400, "unsupported_grant_type", 70003, "Unsupported grant type.")
        app = self.apps.get(client_id)
        if app is None:
            return _entra_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory.",
            )
        refused = self._authenticate(app, form)
        if refused is not None:
            return refused
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return _entra_error(
                400, "invalid_scope", 1002012, "The provided value for scope is not valid."
            )
        audience = scope.removesuffix("/.default")
        if audience not in self.resources:
            return _entra_error(
                400,
                "invalid_resource",
                500011,
                f"The resource principal named {audience} was not found in the tenant.",
            )
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": self.issuer,
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME,
            "appid": app.client_id,
            "azp": app.client_id,
            "oid": app.object_id,
            "sub": app.object_id,
            "tid": self.tenant_id,
            "ver": "2.0",
        }
        roles = app.roles.get(audience)
        if roles:
            claims["roles"] = list(roles)
        token = sign_jwt(self.signing_key, {"kid": self.kid}, claims)
        self.tokens_issued.append(token)
        body = {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "access_token": token}
        return 200, body, {}

    def _authenticate(self, app: AppRecord, form: dict[str, str]) -> Reply | None:
        if "client_secret" in form:
            if app.secret is None or form["client_secret"] != app.secret:
                return self._bad_secret(app)
            if self.clock() < app.secret_accepted_from:
                return self._bad_secret(app)
            if app.secret_expired:
                return _entra_error(
                    401,
                    "invalid_client",
                    7000222,
                    f"The provided client secret keys for app '{app.client_id}' are expired.",
                )
            return None
        if form.get("client_assertion_type") == CLIENT_ASSERTION_TYPE:
            try:
                self._check_assertion(app, form.get("client_assertion", ""))
            except JwtError as exc:
                return _entra_error(
                    401,
                    "invalid_client",
                    700027,
                    f"Client assertion failed signature validation: {exc}.",
                )
            return None
        return _entra_error(
            401,
            "invalid_client",
            7000218,
            "The request body must contain 'client_assertion' or 'client_secret'.",
        )

    def _bad_secret(self, app: AppRecord) -> Reply:
        return _entra_error(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is "
            f"the client secret value, not the client secret ID, for a secret added to app "
            f"'{app.client_id}'.",
        )

    def _check_assertion(self, app: AppRecord, assertion: str) -> None:
        header, claims, signing_input, signature = split_jwt(assertion)
        cert = app.certificate
        # MSAL keeps base64 padding on the thumbprint; JWS (RFC 7515) drops it. Accept both.
        named = str(header.get("x5t#S256", "")).rstrip("=")
        if cert is None or named != sha256_thumbprint(cert):
            raise JwtError("the key is not registered on the application")
        public_key = cert.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise JwtError("only RSA certificates are registered here")
        verify_signature(public_key, header.get("alg"), signing_input, signature)
        if claims.get("aud") != self.token_endpoint:
            raise JwtError(f"audience {claims.get('aud')!r} is not the token endpoint")
        if claims.get("iss") != app.client_id or claims.get("sub") != app.client_id:
            raise JwtError("iss and sub must be the client id")
        # MSAL stamps assertions with the real clock, so they are checked against it too.
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool) or exp < time.time():
            raise JwtError("the assertion has expired")


class LoopbackHealthService(_Site):
    """FHIR and DICOM services at ``<base>/<name>``, validating tokens from ``authority``."""

    def __init__(
        self, pki: TestPki, clock: Callable[[], float], authority: LoopbackAuthority
    ) -> None:
        super().__init__(pki)
        self.clock = clock
        self.authority = authority
        self.services: dict[str, ServiceRecord] = {}
        self.requests: list[tuple[str, int]] = []

    def add(self, service: ServiceRecord) -> str:
        self.services[service.name] = service
        return f"{self.base_url}/{service.name}"

    def get(self, request: BaseHTTPRequestHandler) -> Reply:
        reply = self._route(request)
        self.requests.append((request.path, reply[0]))
        return reply

    def _route(self, request: BaseHTTPRequestHandler) -> Reply:
        parts = urlsplit(request.path)
        name, _, rest = parts.path.lstrip("/").partition("/")
        service = self.services.get(name)
        if service is None:
            return 404, {"error": "no such service"}, {}
        # Azure API for FHIR serves the same FHIR REST API (and data roles) as the FHIR service.
        fhir = service.kind in ("fhir", "api-for-fhir")
        if fhir and rest == "metadata":
            # The capability statement is anonymous on the real services too.
            return 200, {"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1"}, {}
        if fhir and rest == "Patient":
            denied = self._authorize(service, request.headers.get("Authorization"))
            if denied is not None:
                return denied
            return 200, {"resourceType": "Bundle", "type": "searchset", "entry": []}, {}
        if service.kind == "dicom" and rest == "v2/changefeed":
            denied = self._authorize(service, request.headers.get("Authorization"))
            if denied is not None:
                return denied
            return 200, [], {}
        return 404, {"error": f"no route {rest!r}"}, {}

    def _authorize(self, service: ServiceRecord, authorization: str | None) -> Reply | None:
        def unauthorized(description: str) -> Reply:
            challenge = (
                f'Bearer authorization_uri="{self.authority.authority}", '
                f'resource_id="{service.audience}", error="invalid_token", '
                f'error_description="{description}"'
            )
            body = _outcome("security", f"Authentication failed: {description}")
            return 401, body, {"WWW-Authenticate": challenge}

        if not authorization or not authorization.startswith("Bearer "):
            return unauthorized("no bearer token")
        try:
            header, claims, signing_input, signature = split_jwt(authorization[len("Bearer ") :])
            public_key = self.authority.public_key(header.get("kid"))
            if public_key is None:
                raise JwtError("unknown signing key")
            verify_signature(public_key, header.get("alg"), signing_input, signature)
        except JwtError as exc:
            return unauthorized(str(exc))
        if claims.get("iss") != self.authority.issuer:
            return unauthorized(f"the issuer {claims.get('iss')!r} is invalid")
        if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
            return unauthorized("the token has expired")
        if str(claims.get("aud", "")).rstrip("/") != service.audience.rstrip("/"):
            return unauthorized(f"the audience {claims.get('aud')!r} is invalid")
        roles = claims.get("roles") or []
        allowed = self.clock() >= service.roles_visible_from and any(
            role in service.accepted_roles for role in roles
        )
        if not allowed:
            return 403, _outcome("forbidden", "Authorization failed."), {}
        return None


def _outcome(code: str, text: str) -> dict[str, object]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }


@dataclass
class LoopbackCloud:
    """An authority and a health service sharing one test CA and one clock."""

    pki: TestPki
    clock: FakeClock
    authority: LoopbackAuthority
    health: LoopbackHealthService

    def add_service(self, service: ServiceRecord, *, known_resource: str | None = None) -> str:
        """Serve ``service``; the authority issues tokens for ``known_resource`` (default: its
        audience), which is how a test makes the stack's audience differ from the service's."""
        self.authority.resources.add(known_resource or service.audience)
        return self.health.add(service)

    def application_output(
        self, app: AppRecord, services: Mapping[str, tuple[str, str, str]], *, secret: bool
    ) -> dict[str, object]:
        """One entry of the ``applications`` stack output; ``services`` maps a service name to
        (kind, url, audience) as the stack reports them."""
        return {
            "clientId": app.client_id,
            "tenantId": self.authority.tenant_id,
            "applicationObjectId": str(uuid.uuid5(uuid.NAMESPACE_URL, app.client_id)),
            "servicePrincipalObjectId": app.object_id,
            "clientSecretExpiresAt": "2027-05-26T00:00:00Z" if secret else None,
            "secrets": [],
            "tokenEndpoint": self.authority.token_endpoint,
            "tokenEndpointV1": self.authority.token_endpoint_v1,
            "services": {
                name: {"kind": kind, "url": url, "audience": aud, "scope": f"{aud}/.default"}
                for name, (kind, url, aud) in services.items()
            },
        }


@contextmanager
def loopback_cloud(directory: Path, tenant_id: str | None = None) -> Iterator[LoopbackCloud]:
    pki = TestPki.create(directory)
    clock = FakeClock()
    authority = LoopbackAuthority(pki, clock.now, tenant_id or str(uuid.uuid4()))
    health = LoopbackHealthService(pki, clock.now, authority)
    authority.start()
    health.start()
    try:
        yield LoopbackCloud(pki, clock, authority, health)
    finally:
        health.stop()
        authority.stop()

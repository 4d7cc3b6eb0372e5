"""The HTTPS server: metadata, token endpoint and Graph on one loopback port.

Behaviour that tests turn up, read from ``state["graph"]`` on every request:

- ``throttleShare`` (0 to 1): that share of Graph requests answered 429 Too Many Requests
  with a ``Retry-After`` of ``retryAfterSeconds`` and Graph's throttling error body
  (learn.microsoft.com/graph/throttling: "Microsoft Graph returns HTTP status code 429 ...
  the Retry-After header"). The choice is drawn from a seeded generator, so a run repeats.
- ``replicationSeconds``: for that long after an object is created, requests that reach it
  through another object answer as if it did not exist: queries and lists leave it out, a
  service principal for a new application is refused as "does not reference a valid
  application object", and a grant or role assignment naming a new service principal answers
  404. Requests that address the object by its own ID (a GET, a PATCH, ``addPassword``) still
  find it unless ``lagDirectReads`` is set. With that set, terraform-provider-azuread v3.9.0
  fails: its Read after creating an application marks a 404 as gone
  (application_registration_resource.go), its fallback-flag and redirect-URI resources PATCH
  once, and go-azure-sdk retries no 404 without a RetryFunc (sdk/client/client.go).
  tests/e2e/test_graph_load.py pins that as a finding. Graph is eventually consistent across its replicas
  (learn.microsoft.com/graph/best-practices-concept, "Handling eventual consistency"; the
  provider's own retries for it: terraform-provider-azuread applications and
  serviceprincipals resources, provider-behaviour notes).
- ``faults``: the testbed's injected failures, matched on the operation and Graph entity a
  request would change (``create``/``update``/``delete`` and ``application``,
  ``passwordCredential``, ``servicePrincipal``, ...); the request then changes nothing and is
  answered 503 ServiceUnavailable.

Every change a request makes is appended to the tenant's operation log with the entity type.
"""

from __future__ import annotations

import copy
import json
import random
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from testbed.graphapi import identity
from testbed.graphapi.directory import Directory, Request
from testbed.graphapi.odata import GraphError
from testbed.store import TenantStore
from testbed.testpki import JwtError, TestPki, key_id, new_key, split_jwt, verify_signature

VERSIONS = ("v1.0", "beta")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a dropped connection is the client's business."""


class _Handler(BaseHTTPRequestHandler):
    graph: ClassVar[GraphServer]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the server keeps its own request log."""

    def _reply(self, status: int, body: object, headers: Mapping[str, str]) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, body, headers = self.graph.answer(
            self.command, self.path, dict(self.headers.items()), raw
        )
        self._reply(status, body, headers)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve  # noqa: N815 (http.server's names)


class GraphServer:
    """Graph, its token endpoint and its metadata on ``https://127.0.0.1:<port>``."""

    def __init__(self, tenant_file: Path, pki: TestPki) -> None:
        self.store = TenantStore(tenant_file)
        self.signing_key = new_key()
        self.kid = key_id(self.signing_key.public_key())
        # External token issuers the tenant trusts for federation (a pipeline's OIDC issuer).
        self.issuer_keys: dict[str, rsa.RSAPublicKey] = {}
        self.requests: list[tuple[str, str, int]] = []
        self._born: dict[str, float] = {}
        self._random = random.Random(0)  # noqa: S311 (a repeatable test schedule, not security)
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"graph": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.socket = pki.server_context().wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        self.base = f"https://{self.host}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> GraphServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def trust_issuer(self, issuer: str, key: rsa.RSAPublicKey) -> None:
        self.issuer_keys[issuer] = key

    # -- one request --------------------------------------------------------------------------

    def answer(
        self, method: str, target: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, object, Mapping[str, str]]:
        parts = urlsplit(target)
        path = parts.path
        try:
            status, body, extra = self._route(method, path, parts.query, headers, raw)
        except GraphError as error:
            status, body, extra = error.status, error.body(), error.headers
        with self._lock:
            self.requests.append((method, target, status))
        return status, body, extra

    def _route(
        self, method: str, path: str, query: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, object, Mapping[str, str]]:
        if path == "/metadata/endpoints" and method == "GET":
            with self.store.tenant(write=False) as tenant:
                return 200, identity.metadata(self.base, tenant.tenant_id), {}
        segments = [unquote(s) for s in path.strip("/").split("/") if s]
        if method == "POST" and segments[1:] == ["oauth2", "v2.0", "token"]:
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            with self.store.tenant(write=False) as tenant:
                if segments[0] != tenant.tenant_id:
                    return (
                        400,
                        {
                            "error": "invalid_request",
                            "error_description": "AADSTS90002: Tenant not found.",
                        },
                        {},
                    )
                status, body = identity.issue_token(
                    form,
                    tenant=tenant.state,
                    base=self.base,
                    signing_key=self.signing_key,
                    kid=self.kid,
                    issuer_keys=self.issuer_keys,
                )
            return status, body, {}
        if not segments or segments[0] not in VERSIONS:
            raise GraphError(
                400, "BadRequest", f"Invalid version: {segments[0] if segments else ''}"
            )
        self._authenticate(headers.get("Authorization"))
        body = json.loads(raw) if raw else {}
        request = Request(
            method,
            segments[1:],
            {k: v[0] for k, v in parse_qs(query).items()},
            body if isinstance(body, dict) else {},
            f"{self.base}/{segments[0]}",
        )
        return self._graph(request)

    def _authenticate(self, authorization: str | None) -> None:
        unauthenticated = GraphError(
            401, "InvalidAuthenticationToken", "Access token is empty or invalid."
        )
        if not authorization or not authorization.startswith("Bearer "):
            raise unauthenticated
        try:
            header, claims, signing_input, signature = split_jwt(authorization[7:])
            verify_signature(
                self.signing_key.public_key(), header.get("alg"), signing_input, signature
            )
        except JwtError:
            raise unauthenticated from None
        if claims.get("aud") != f"{self.base}/" or int(claims.get("exp", 0)) < time.time():
            raise GraphError(
                401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
            )

    def _graph(self, request: Request) -> tuple[int, object, Mapping[str, str]]:
        with self.store.tenant() as tenant:
            settings = tenant.state.get("graph") or {}
            share = float(settings.get("throttleShare") or 0)
            if share and self._random.random() < share:
                retry = str(int(settings.get("retryAfterSeconds") or 1))
                tenant.state.setdefault("throttled", 0)
                tenant.state["throttled"] += 1
                raise GraphError(
                    429,
                    "TooManyRequests",
                    "Too many requests. Please retry again later.",
                    {"Retry-After": retry},
                )
            delay = float(settings.get("replicationSeconds") or 0)
            lag_direct = bool(settings.get("lagDirectReads"))
            now = time.monotonic()

            def replicating(object_id: str, direct: bool) -> bool:
                if direct and not lag_direct:
                    return False
                return now - self._born.get(object_id, -1e9) < delay

            directory = Directory(tenant, replicating)
            before = copy.deepcopy(tenant.state)
            status, body = directory.handle(request)
            fault = _armed(tenant.state, directory.changes)
            if fault is not None:
                faults = tenant.state["faults"]
                tenant.state.clear()
                tenant.state.update(before)
                tenant.state["faults"] = faults
                raise GraphError(503, "ServiceUnavailable", fault or "injected fault")
            for operation, entity, name, object_id in directory.changes:
                if operation == "create":
                    self._born[object_id] = now
                tenant.state["log"].append(
                    {
                        "seq": len(tenant.state["log"]) + 1,
                        "operation": operation,
                        "type": entity,
                        "name": name,
                        "id": object_id,
                        "time": tenant.now().isoformat(),
                    }
                )
        return status, body, {}


def _armed(state: dict[str, Any], changes: list[tuple[str, str, str, str]]) -> str | None:
    """The message of a fault this request trips (its first change), else None."""
    if not changes:
        return None
    operation, entity = changes[0][0], changes[0][1]
    for fault in state.get("faults", []):
        if fault["operation"] != operation or fault["type"] != entity:
            continue
        fault["seen"] += 1
        if fault["seen"] == fault["nth"]:
            return str(fault.get("message") or "injected fault")
    return None


@contextmanager
def serving(tenant_file: Path, pki: TestPki) -> Iterator[GraphServer]:
    server = GraphServer(tenant_file, pki).start()
    try:
        yield server
    finally:
        server.stop()

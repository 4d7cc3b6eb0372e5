"""The Graph fake's own rules, over HTTPS as the provider sees them: sign-in by federation,
Graph's error shape, ownership, credentials, throttling and replication lag."""

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testbed import store
from testbed.graphapi.identity import TOKEN_EXCHANGE_AUDIENCE
from testbed.graphapi.server import GraphServer
from testbed.tenant import new_state
from testbed.testpki import TestPki, key_id, new_key, sign_jwt

ISSUER = "https://issuer.loopback.test"
SUBJECT = "repo:contoso/app:environment:dev"


class Client:
    def __init__(self, server: GraphServer, pki: TestPki, tenant_file: Path) -> None:
        self.server = server
        self.context = ssl.create_default_context(cafile=str(pki.ca_file))
        self.tenant_file = tenant_file
        self.token = ""

    def call(
        self, method: str, path: str, body: Any = None, form: Any = None
    ) -> tuple[int, Any, Any]:
        data = None
        headers = {}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 (https to the loopback server)
            self.server.base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, context=self.context) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else None, response.headers
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None, error.headers

    def edit(self, change: Any) -> None:
        state = store.load(self.tenant_file)
        change(state)
        store.save(self.tenant_file, state)


def assertion(key: Any, *, subject: str = SUBJECT, audience: str = TOKEN_EXCHANGE_AUDIENCE) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": subject, "aud": audience, "iat": now, "exp": now + 600}
    return sign_jwt(key, {"kid": key_id(key.public_key())}, claims)


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[tuple[Client, Any]]:
    state = new_state()
    state["caller"]["federatedIdentityCredentials"] = [{"issuer": ISSUER, "subject": SUBJECT}]
    tenant_file = tmp_path / "tenant.json"
    store.save(tenant_file, state)
    pki = TestPki.create(tmp_path / "pki")
    server = GraphServer(tenant_file, pki).start()
    key = new_key()
    server.trust_issuer(ISSUER, key.public_key())
    try:
        yield Client(server, pki, tenant_file), key
    finally:
        server.stop()


def sign_in(client: Client, key: Any, **overrides: str) -> tuple[int, Any]:
    state = store.load(client.tenant_file)
    form = {
        "grant_type": "client_credentials",
        "client_id": state["caller"]["clientId"],
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion(key),
        "scope": f"{client.server.base}/.default",
        **overrides,
    }
    status, body, _ = client.call("POST", f"/{state['tenantId']}/oauth2/v2.0/token", form=form)
    if status == 200:
        client.token = body["access_token"]
    return status, body


def test_the_metadata_document_points_every_endpoint_at_the_server(graph: Any) -> None:
    client, _ = graph
    status, body, _ = client.call("GET", "/metadata/endpoints?api-version=2022-09-01")
    assert status == 200
    base = client.server.base + "/"
    assert body["microsoftGraphResourceId"] == base
    assert body["authentication"]["loginEndpoint"] == base
    assert body["resourceManager"] == base and body["name"]


def test_federated_sign_in_needs_a_matching_subject_and_the_exchange_audience(
    graph: Any,
) -> None:
    client, key = graph
    status, body = sign_in(client, key, client_assertion=assertion(key, subject="repo:other"))
    assert status == 401 and body["error_codes"] == [70021]
    status, body = sign_in(client, key, client_assertion=assertion(key, audience="api://x"))
    assert status == 401 and body["error_codes"] == [70021]
    status, body = sign_in(client, key, client_assertion=assertion(new_key()))
    assert status == 401 and body["error_codes"] == [700027]
    status, body = sign_in(client, key, client_id="11111111-1111-4111-8111-111111111111")
    assert status == 400 and body["error_codes"] == [700016]
    assert sign_in(client, key)[0] == 200


def test_graph_refuses_a_request_without_a_token_in_its_error_shape(graph: Any) -> None:
    client, _ = graph
    status, body, _ = client.call("GET", "/v1.0/applications")
    assert status == 401
    assert body["error"]["code"] == "InvalidAuthenticationToken"
    assert set(body["error"]["innerError"]) == {"date", "request-id", "client-request-id"}


def test_the_creator_owns_a_new_application_and_cannot_be_added_twice(graph: Any) -> None:
    client, key = graph
    sign_in(client, key)
    status, app, _ = client.call("POST", "/v1.0/applications", {"displayName": "A"})
    assert status == 201
    caller = store.load(client.tenant_file)["caller"]["objectId"]
    _, owners, _ = client.call("GET", f"/v1.0/applications/{app['id']}/owners")
    assert [o["id"] for o in owners["value"]] == [caller]
    ref = {"@odata.id": f"{client.server.base}/v1.0/directoryObjects/{caller}"}
    status, body, _ = client.call("POST", f"/v1.0/applications/{app['id']}/owners/$ref", ref)
    assert status == 400 and "already exist" in body["error"]["message"]


def test_issuer_and_subject_stay_unique_per_application(graph: Any) -> None:
    client, key = graph
    sign_in(client, key)
    _, app, _ = client.call("POST", "/v1.0/applications", {"displayName": "A"})
    path = f"/v1.0/applications/{app['id']}/federatedIdentityCredentials"
    credential = {"name": "one", "issuer": ISSUER, "subject": "s", "audiences": ["a"]}
    assert client.call("POST", path, credential)[0] == 201
    status, body, _ = client.call("POST", path, {**credential, "name": "two"})
    assert status == 400
    assert body["error"]["code"] == "InvalidFederatedIdentityCredentialValue"


def test_add_password_returns_the_secret_once_and_keeps_lifetimes_within_policy(
    graph: Any,
) -> None:
    client, key = graph
    sign_in(client, key)
    _, app, _ = client.call("POST", "/v1.0/applications", {"displayName": "A"})
    client.edit(lambda s: s.update(appManagementPolicy={"passwordLifetimeDays": 180}))
    state = store.load(client.tenant_file)
    start = state["clock"] or "2026-11-27T09:00:00+00:00"
    too_long = {
        "passwordCredential": {
            "startDateTime": start[:19] + "Z",
            "endDateTime": "2030-01-01T00:00:00Z",
        }
    }
    path = f"/v1.0/applications/{app['id']}/addPassword"
    status, body, _ = client.call("POST", path, too_long)
    assert status == 400 and body["error"]["code"] == "CredentialLifetimeExceedsMaxValue"
    client.edit(lambda s: s.update(appManagementPolicy=None))
    status, created, _ = client.call("POST", path, {"passwordCredential": {"displayName": "p"}})
    assert status == 200 and len(created["secretText"]) == 40
    _, read, _ = client.call("GET", f"/v1.0/applications/{app['id']}")
    (held,) = read["passwordCredentials"]
    assert held["keyId"] == created["keyId"] and held["secretText"] is None


def test_a_new_object_reads_as_missing_until_it_has_replicated(graph: Any) -> None:
    client, key = graph
    sign_in(client, key)
    client.edit(lambda s: s.update(graph={"replicationSeconds": 0.5}))
    _, app, _ = client.call("POST", "/v1.0/applications", {"displayName": "A"})
    path = f"/v1.0/applications/{app['id']}"
    assert client.call("GET", path)[0] == 200  # by its own ID
    query = urllib.parse.urlencode({"$filter": f"appId eq '{app['appId']}'"})
    _, listed, _ = client.call("GET", f"/v1.0/applications?{query}")
    assert listed["value"] == []
    assert client.call("PATCH", path, {"notes": "n"})[0] == 204
    status, body, _ = client.call("POST", "/v1.0/servicePrincipals", {"appId": app["appId"]})
    assert status == 400 and "does not reference a valid application" in body["error"]["message"]
    client.edit(lambda s: s.update(graph={"replicationSeconds": 0.5, "lagDirectReads": True}))
    status, body, _ = client.call("GET", path)
    assert status == 404 and body["error"]["code"] == "Request_ResourceNotFound"
    time.sleep(0.6)
    assert client.call("GET", path)[0] == 200
    assert client.call("PATCH", path, {"notes": "n"})[0] == 204


def test_a_throttled_request_gets_429_with_retry_after(graph: Any) -> None:
    client, key = graph
    sign_in(client, key)
    client.edit(lambda s: s.update(graph={"throttleShare": 1.0, "retryAfterSeconds": 3}))
    status, body, headers = client.call("GET", "/v1.0/applications")
    assert status == 429 and headers["Retry-After"] == "3"
    assert body["error"]["code"] == "TooManyRequests"


def test_an_armed_fault_fails_the_request_and_changes_nothing(graph: Any) -> None:
    client, key = graph
    sign_in(client, key)
    fault = {"operation": "create", "type": "application", "nth": 1, "seen": 0, "message": ""}
    client.edit(lambda s: s["faults"].append(fault))
    status, body, _ = client.call("POST", "/v1.0/applications", {"displayName": "A"})
    assert status == 503 and body["error"]["code"] == "ServiceUnavailable"
    assert store.load(client.tenant_file)["applications"] == {}
    assert client.call("POST", "/v1.0/applications", {"displayName": "A"})[0] == 201

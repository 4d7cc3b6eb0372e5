"""tools.verify's SMART check against the loopback authority and FHIR service: a SMART
client's client-credentials token for its resource's audience carries that audience and the
app roles of its system/ scopes; delegated scopes are named, not checked (they need a user)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed.loopback import AppRecord, LoopbackCloud, ServiceRecord, loopback_cloud
from tests.tools.test_verify import _no_ambient_ca, _row, _verify  # noqa: F401 (shared fixtures)

URI = "https://fhir.contoso.example"
CLIENT = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
SECRET = "Zz9~smart.secret-value_0123456789abcdef"


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[LoopbackCloud]:
    with loopback_cloud(tmp_path / "pki") as started:
        yield started


def smart_doc(
    cloud: LoopbackCloud, app: AppRecord, *, roles: list[str], delegated: list[str]
) -> str:
    """The stack output of one SMART client: its FHIR service under the resource's audience,
    and the launch settings of Pulumi.smart.yaml's shape."""
    url = cloud.add_service(ServiceRecord("fhir", "fhir", URI))
    output = cloud.application_output(app, {"fhir": ("fhir", url, URI)}, secret=True)
    authority = cloud.authority
    output["smart"] = {
        "resource": "fhir-smart",
        "clientType": "backend" if not delegated else "confidential",
        "pkce": False,
        "issuer": authority.issuer,
        "authorizeEndpoint": f"{authority.authority}/oauth2/v2.0/authorize",
        "tokenEndpoint": authority.token_endpoint,
        "fhirUrl": url,
        "audience": URI,
        "scopes": ["system/*.read"] if roles else ["launch", "user/*.read"],
        "entraScopes": [f"{URI}/{scope}" for scope in delegated]
        + (["openid", "offline_access"] if delegated else []),
        "appRoles": roles,
        "backendScope": f"{URI}/.default" if roles else None,
    }
    return json.dumps({"applications": {"bulk": output}, "clientSecrets": {"bulk": SECRET}})


def register(cloud: LoopbackCloud, roles: tuple[str, ...]) -> AppRecord:
    return cloud.authority.register(AppRecord(CLIENT, secret=SECRET, roles={URI: roles}))


def test_a_backend_token_carries_the_audience_and_its_app_roles(cloud: LoopbackCloud) -> None:
    app = register(cloud, ("system.all.read", "FHIR Data Exporter"))
    rc, out, err = _verify(cloud, smart_doc(cloud, app, roles=["system.all.read"], delegated=[]))
    assert rc == 0, out + err
    row = _row(out, "bulk", "smart:fhir-smart")
    assert URI in row
    assert "ok: aud is the SMART resource's identifier URI; roles hold system.all.read" in row


def test_a_backend_without_consent_lacks_its_app_role(cloud: LoopbackCloud) -> None:
    app = register(cloud, ("FHIR Data Exporter",))
    rc, out, _ = _verify(cloud, smart_doc(cloud, app, roles=["system.all.read"], delegated=[]))
    assert rc == 1
    row = _row(out, "bulk", "smart:fhir-smart")
    assert "FAIL" in row and "lacks the app role(s) system.all.read" in row
    assert "adminConsent: true grants them" in row


def test_a_confidential_clients_delegated_scopes_are_named_not_checked(
    cloud: LoopbackCloud,
) -> None:
    app = register(cloud, ("FHIR SMART User",))
    doc = smart_doc(cloud, app, roles=[], delegated=["launch", "user.all.read"])
    rc, out, err = _verify(cloud, doc)
    assert rc == 0, out + err
    row = _row(out, "bulk", "smart:fhir-smart")
    assert "2 delegated SMART scope(s) need a user's sign-in and are not checked" in row


def test_an_audience_entra_does_not_know_fails_with_its_code(cloud: LoopbackCloud) -> None:
    app = register(cloud, ())
    doc = json.loads(smart_doc(cloud, app, roles=["system.all.read"], delegated=[]))
    cloud.authority.resources.discard(URI)  # the identifier URI was never set on the resource
    rc, out, _ = _verify(cloud, json.dumps(doc))
    assert rc == 1
    assert "AADSTS500011" in _row(out, "bulk", "smart:fhir-smart")

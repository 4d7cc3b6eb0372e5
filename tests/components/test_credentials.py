"""Certificates and federated identity credentials, through the whole program on the mock
runtime. Certificates are generated here with ``cryptography`` into a temporary project."""

import base64
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pulumi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from components.application_credentials import federated_digest
from testbed.fake_tenant import FakeTenant
from testbed.mockrun import PROJECT_DIR, MockRun
from tests.conftest import NOW

Runner = Callable[..., MockRun]
CERTIFICATE = "azuread:index/applicationCertificate:ApplicationCertificate"
FEDERATED = (
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
)
GITHUB = "https://token.actions.githubusercontent.com"
EXCHANGE = "api://AzureADTokenExchange"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory of our own: the real ``__main__.py``, the real components."""
    shutil.copy(PROJECT_DIR / "__main__.py", tmp_path / "__main__.py")
    (tmp_path / "components").symlink_to(PROJECT_DIR / "components", target_is_directory=True)
    (tmp_path / "certs").mkdir()
    return tmp_path


def make_certificate(
    not_before: datetime, not_after: datetime, name: str = "laptop"
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def with_certificate(file: str = "certs/laptop.pem") -> dict[str, Any]:
    return {"applications": {"app": {"secret": False, "certificates": {"laptop": {"file": file}}}}}


def run_in(run: Runner, project: Path, config: dict[str, Any]) -> MockRun:
    return run(config, now=NOW.isoformat(), project_dir=project, tenant=FakeTenant())


def config_error(run: Runner, project: Path, config: dict[str, Any]) -> str:
    with pytest.raises(pulumi.RunError) as error:
        run_in(run, project, config)
    return str(error.value)


# --- certificates ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["pem", "der", "base64"])
def test_a_valid_certificate_becomes_a_certificate_credential(
    run: Runner, project: Path, encoding: str
) -> None:
    start, end = datetime(2026, 10, 1, 12, 30, tzinfo=UTC), datetime(2027, 9, 30, tzinfo=UTC)
    certificate, _ = make_certificate(start, end)
    der = certificate.public_bytes(serialization.Encoding.DER)
    data = {"pem": pem(certificate), "der": der, "base64": base64.b64encode(der)}[encoding]
    (project / "certs" / "laptop.pem").write_bytes(data)
    result = run_in(run, project, with_certificate())
    (credential,) = result.of_type(CERTIFICATE)
    assert credential.name == "app-cert-laptop"
    assert credential.inputs["type"] == "AsymmetricX509Cert"
    assert credential.inputs["encoding"] == "pem"
    assert credential.inputs["value"] == pem(certificate).decode()
    assert credential.inputs["startDate"] == "2026-10-01T12:30:00Z"
    assert credential.inputs["endDate"] == "2027-09-30T00:00:00Z"
    assert [m for level, m in result.logs if level == "warning"] == []


def test_an_expired_certificate_is_refused(run: Runner, project: Path) -> None:
    certificate, _ = make_certificate(NOW - timedelta(days=400), NOW - timedelta(days=1))
    (project / "certs" / "laptop.pem").write_bytes(pem(certificate))
    message = config_error(run, project, with_certificate())
    assert "applications.app.certificates.laptop.file" in message
    assert "expired on 2026-11-26" in message


def test_a_certificate_near_its_end_warns(run: Runner, project: Path) -> None:
    certificate, _ = make_certificate(NOW - timedelta(days=300), NOW + timedelta(days=10, hours=1))
    (project / "certs" / "laptop.pem").write_bytes(pem(certificate))
    result = run_in(run, project, with_certificate())
    assert len(result.of_type(CERTIFICATE)) == 1
    warnings = [m for level, m in result.logs if level == "warning"]
    assert len(warnings) == 1
    assert warnings[0].startswith("applications.app.certificates.laptop:")
    assert "2026-12-07" in warnings[0] and "10 days left" in warnings[0]


def test_a_file_with_a_private_key_is_refused(run: Runner, project: Path) -> None:
    certificate, key = make_certificate(NOW - timedelta(days=1), NOW + timedelta(days=300))
    private = key_pem(key)
    (project / "certs" / "laptop.pem").write_bytes(pem(certificate) + private)
    message = config_error(run, project, with_certificate())
    assert "applications.app.certificates.laptop.file" in message
    assert "private key" in message
    body = private.decode().splitlines()[1]
    assert body not in message  # the key is never echoed


def test_a_garbage_file_is_refused(run: Runner, project: Path) -> None:
    (project / "certs" / "laptop.pem").write_bytes(b"\x00\x01not a certificate\xff" * 10)
    message = config_error(run, project, with_certificate())
    assert "applications.app.certificates.laptop.file" in message
    assert "is not a PEM, DER or base64 X.509 certificate" in message


def test_a_missing_certificate_file_is_refused(run: Runner, project: Path) -> None:
    message = config_error(run, project, with_certificate("certs/nowhere.pem"))
    assert "applications.app.certificates.laptop.file" in message
    assert "does not exist" in message


# --- federated identity credentials ------------------------------------------------------------


def federated(credentials: dict[str, Any]) -> dict[str, Any]:
    return {"applications": {"ci": {"secret": False, "federatedCredentials": credentials}}}


@pytest.mark.parametrize(
    ("selector", "subject"),
    [
        ({"branch": "main"}, "repo:Contoso/Loader:ref:refs/heads/main"),
        ({"environment": "prod"}, "repo:Contoso/Loader:environment:prod"),
        ({"pullRequest": True}, "repo:Contoso/Loader:pull_request"),
        ({"tag": "v1"}, "repo:Contoso/Loader:ref:refs/tags/v1"),
        ({"branch": "release/2026.11"}, "repo:Contoso/Loader:ref:refs/heads/release/2026.11"),
    ],
)
def test_github_subjects(run: Runner, selector: dict[str, Any], subject: str) -> None:
    config = federated({"deploy": {"repository": "Contoso/Loader", **selector}})
    (credential,) = run(config).of_type(FEDERATED)
    digest = federated_digest(GITHUB, subject)
    assert credential.name == f"ci-fic-{digest}"
    assert credential.inputs["subject"] == subject  # exact, case kept
    assert credential.inputs["issuer"] == GITHUB
    assert credential.inputs["audiences"] == [EXCHANGE]
    assert credential.inputs["displayName"] == f"deploy-{digest}"


def test_generic_credential(run: Runner) -> None:
    config = federated(
        {
            "aks": {
                "issuer": "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/",
                "subject": "system:serviceaccount:fhir:loader",
                "description": "AKS workload identity",
            },
            "ado": {
                "issuer": "https://vstoken.dev.azure.com/org-guid",
                "subject": "sc://contoso/health/fhir-connection",
                "audiences": ["api://AzureADTokenExchange"],
            },
        }
    )
    result = run(config)
    found = {r.inputs["displayName"].rsplit("-", 1)[0]: r.inputs for r in result.of_type(FEDERATED)}
    found = {f"ci-fic-{key}": inputs for key, inputs in found.items()}
    assert found["ci-fic-aks"]["subject"] == "system:serviceaccount:fhir:loader"
    assert (
        found["ci-fic-aks"]["issuer"] == "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/"
    )
    assert found["ci-fic-aks"]["audiences"] == [EXCHANGE]
    assert found["ci-fic-aks"]["description"] == "AKS workload identity"
    assert found["ci-fic-ado"]["subject"] == "sc://contoso/health/fhir-connection"


def test_federated_credentials_survive_a_renamed_key_and_a_new_subject(run: Runner) -> None:
    """Entra keeps names and issuer+subject pairs unique per app, and a new URN is created
    before the old one is deleted: the URN follows the pair, the name carries its digest."""
    before = run(federated({"deploy": {"repository": "contoso/loader", "branch": "main"}}))
    renamed = run(federated({"ship": {"repository": "contoso/loader", "branch": "main"}}))
    moved = run(federated({"deploy": {"repository": "contoso/loader", "branch": "release"}}))
    ((old,), (new,), (other,)) = (r.of_type(FEDERATED) for r in (before, renamed, moved))
    # A renamed key keeps the URN; its new name replaces the credential, deleting first.
    assert new.urn == old.urn and new.inputs["displayName"] != old.inputs["displayName"]
    assert new.delete_before_replace and old.delete_before_replace
    # A new subject under the same key is a new URN whose name differs from the old one.
    assert other.urn != old.urn
    assert other.inputs["displayName"] != old.inputs["displayName"]
    # No earlier URN exists to map onto these (components/parent.py).
    assert old.aliases == ()


@pytest.mark.parametrize(
    ("credentials", "path", "fragment"),
    [
        (
            {"x": {"repository": "contoso", "branch": "main"}},
            "federatedCredentials.x.repository",
            "is not a GitHub repository",
        ),
        (
            {"x": {"repository": "contoso/a/b", "branch": "main"}},
            "federatedCredentials.x.repository",
            "is not a GitHub repository",
        ),
        (
            {"x": {"repository": "contoso/loader", "branch": "main", "tag": "v1"}},
            "federatedCredentials.x",
            "exactly one of branch, environment, pullRequest: true or tag (got branch, tag)",
        ),
        (
            {"x": {"repository": "contoso/loader"}},
            "federatedCredentials.x",
            "exactly one of branch, environment, pullRequest: true or tag (got none)",
        ),
        (
            {"x": {"repository": "contoso/loader", "branch": "feature/*"}},
            "federatedCredentials.x.branch",
            "not a valid git ref name",
        ),
        (
            {"x": {"issuer": "https://issuer.example.com", "subject": "system:serviceaccount:*"}},
            "federatedCredentials.x.subject",
            "contains a wildcard",
        ),
        (
            {
                "x": {"repository": "contoso/loader", "branch": "main"},
                "y": {"issuer": GITHUB, "subject": "repo:contoso/loader:ref:refs/heads/main"},
            },
            "federatedCredentials.y",
            "same issuer and subject as 'x'",
        ),
        (
            {f"c{i}": {"repository": "contoso/loader", "tag": f"v{i}"} for i in range(21)},
            "federatedCredentials",
            "21 credentials; Entra accepts at most 20",
        ),
    ],
    ids=[
        "no-owner",
        "extra-segment",
        "two-selectors",
        "no-selector",
        "wildcard-branch",
        "wildcard-subject",
        "duplicate-subject",
        "more-than-20",
    ],
)
def test_bad_federated_credentials(
    run: Runner, credentials: dict[str, Any], path: str, fragment: str
) -> None:
    with pytest.raises(pulumi.RunError) as error:
        run(federated(credentials))
    message = str(error.value)
    assert f"applications.ci.{path}: " in message
    assert fragment in message


def test_twenty_federated_credentials_are_fine(run: Runner) -> None:
    config = federated(
        {f"c{i}": {"repository": "contoso/loader", "tag": f"v{i}"} for i in range(20)}
    )
    assert len(run(config).of_type(FEDERATED)) == 20

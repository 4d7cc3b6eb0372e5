"""tools.verify against an Entra-like authority and a FHIR/DICOM-like service on 127.0.0.1.

Every run checks what a user sees: the rows, the exit code, the messages, and that no client
secret, token or private key appears on stdout or stderr. No test talks to Azure or sleeps:
the retries run on the loopback cloud's fake clock.

Longer than 400 lines: every row the tool can print, exit code and retry, each against the
loopback servers.
"""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testbed.loopback import AppRecord, LoopbackCloud, ServiceRecord, loopback_cloud
from testbed.testpki import new_key, pem_certificate, pem_private_key, self_signed_certificate
from tests.conftest import ROOT
from tools.verify import cli, guidance, tokens
from tools.verify.cli import Clock

DICOM_AUD = "https://dicom.healthcareapis.azure.com"
BACKEND_ID = "5e192525-03f5-5dbd-a143-8b61d892b3ca"
POSTMAN_ID = "cf870583-7d09-53fa-ba9e-a8020ad6d802"
SECRET = "Xy7~backend.secret-value_0123456789abcdef"
POSTMAN_SECRET = "Qq3~postman.secret-value_9876543210fedcba"


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[LoopbackCloud]:
    with loopback_cloud(tmp_path / "pki") as started:
        yield started


@pytest.fixture(autouse=True)
def _no_ambient_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests say which CA they trust; a CA bundle from the machine's environment must not
    # decide whether TLS verification passes.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


class Services:
    """A FHIR and a DICOM service as the stack outputs name them."""

    def __init__(self, cloud: LoopbackCloud, *, fhir_audience: str | None = None) -> None:
        fhir_url = f"{cloud.health.base_url}/fhir"
        self.fhir_audience = fhir_url
        self.fhir = ServiceRecord("fhir", "fhir", fhir_audience or fhir_url)
        self.dicom = ServiceRecord("dicom", "dicom", DICOM_AUD)
        # The authority issues tokens for the audience the stack names, whatever the service
        # itself expects: a mismatch is the wrong-audience case.
        cloud.add_service(self.fhir, known_resource=fhir_url)
        cloud.add_service(self.dicom)
        self.outputs = {
            "fhir": ("fhir", fhir_url, fhir_url),
            "dicom": ("dicom", f"{cloud.health.base_url}/dicom", DICOM_AUD),
        }


def _doc(
    cloud: LoopbackCloud, apps: dict[str, tuple[AppRecord, dict[str, Any], str | None]]
) -> str:
    """The stack output JSON: name -> (record, services as output, secret in clientSecrets)."""
    applications = {
        name: cloud.application_output(record, services, secret=secret is not None)
        for name, (record, services, secret) in apps.items()
    }
    secrets = {name: secret for name, (_, _, secret) in apps.items() if secret is not None}
    return json.dumps({"applications": applications, "clientSecrets": secrets})


def _verify(
    cloud: LoopbackCloud, doc: str, *args: str, ca: bool = True, private: tuple[str, ...] = ()
) -> tuple[int, str, str]:
    """Run the tool in-process on the cloud's clock; assert nothing secret was printed."""
    argv = ["--stack-output", "-", *args]
    if ca:
        argv += ["--ca-bundle", str(cloud.pki.ca_file)]
    out, err = io.StringIO(), io.StringIO()
    rc = cli.main(
        argv,
        stdin=io.StringIO(doc),
        stdout=out,
        stderr=err,
        clock=Clock(cloud.clock.now, cloud.clock.sleep),
    )
    printed = out.getvalue() + err.getvalue()
    secrets = json.loads(doc).get("clientSecrets")
    for secret in [*(secrets.values() if isinstance(secrets, dict) else []), *private]:
        assert secret not in printed
    for token in cloud.authority.tokens_issued:
        assert token not in printed
        assert token.split(".")[2] not in printed  # not even the signature
    assert "Traceback" not in printed
    return rc, out.getvalue(), err.getvalue()


def _row(out: str, app: str, service: str) -> str:
    rows = [line for line in out.splitlines() if line.split()[:2] == [app, service]]
    assert len(rows) == 1, out
    return rows[0]


def _backend(
    cloud: LoopbackCloud, services: Services, roles: dict[str, tuple[str, ...]], **kw: Any
) -> AppRecord:
    return cloud.authority.register(
        AppRecord(BACKEND_ID, secret=kw.pop("secret", SECRET), roles=roles, **kw)
    )


# --------------------------------------------------------------------------- success


def test_success_prints_one_ok_row_per_service_with_claims_and_statuses(
    cloud: LoopbackCloud,
) -> None:
    services = Services(cloud)
    app = _backend(
        cloud,
        services,
        {services.fhir_audience: ("FHIR Data Reader",), DICOM_AUD: ("DICOM Data Reader",)},
    )
    rc, out, err = _verify(cloud, _doc(cloud, {"backend": (app, services.outputs, SECRET)}))

    assert rc == 0, out + err
    assert err == ""
    fhir = _row(out, "backend", "fhir")
    assert "FHIR Data Reader" in fhir
    assert services.fhir_audience in fhir
    assert "/metadata 200, /Patient 200" in fhir
    assert "ok: the token is accepted and GET /Patient?_count=1 answered 200" in fhir
    dicom = _row(out, "backend", "dicom")
    assert DICOM_AUD in dicom and "DICOM Data Reader" in dicom
    assert "/v2/changefeed 200" in dicom
    assert "2 ok, 0 failed, 0 not checked" in out
    # The service really saw the authenticated reads, on the DICOM API version the tool names.
    assert ("/fhir/Patient?_count=1", 200) in cloud.health.requests
    assert ("/dicom/v2/changefeed?limit=1", 200) in cloud.health.requests


def test_json_output_has_the_same_rows_for_machines(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {services.fhir_audience: ("FHIR Data Reader",)})
    doc = _doc(cloud, {"backend": (app, services.outputs, SECRET)})
    rc, out, _ = _verify(cloud, doc, "--json")

    report = json.loads(out)
    assert rc == 1
    assert report["ok"] is False
    assert report["summary"] == {"ok": 1, "fail": 1, "skip": 0}
    fhir, dicom = report["rows"]
    assert fhir["result"] == "ok"
    assert fhir["roles"] == ["FHIR Data Reader"]
    assert fhir["http"] == [
        {"request": "GET /metadata", "status": "200"},
        {"request": "GET /Patient?_count=1", "status": "200"},
    ]
    assert dicom["result"] == "fail"
    assert dicom["audience"] == DICOM_AUD
    assert dicom["roles"] == []
    assert dicom["verdict"].startswith("403: the app holds no DICOM data role")


# --------------------------------------------------------------------------- service refusals


def test_wrong_audience_is_a_401_row_naming_the_audience_setting(cloud: LoopbackCloud) -> None:
    services = Services(cloud, fhir_audience="https://fhir-custom-audience.example.org")
    app = _backend(cloud, services, {services.fhir_audience: ("FHIR Data Reader",)})
    outputs = {"fhir": services.outputs["fhir"]}
    rc, out, _ = _verify(cloud, _doc(cloud, {"backend": (app, outputs, SECRET)}))

    assert rc == 1
    row = _row(out, "backend", "fhir")
    assert "/Patient 401" in row
    assert f"FAIL: 401: the service refused the token for audience {services.fhir_audience}" in row
    assert "set services.fhir.audience to the audience on the FHIR service's Authentication" in row


def test_missing_data_role_is_a_403_row_naming_the_role_to_add(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {})
    rc, out, _ = _verify(cloud, _doc(cloud, {"backend": (app, services.outputs, SECRET)}))

    assert rc == 1
    fhir = _row(out, "backend", "fhir")
    assert (
        "403: the app holds no FHIR data role on this service: add "
        "`roles.fhir: [FHIR Data Reader]` to applications.backend" in fhir
    )
    assert "rerun with --role-wait 300" in fhir
    dicom = _row(out, "backend", "dicom")
    assert "add `roles.dicom: [DICOM Data Reader]`" in dicom
    assert "0 ok, 2 failed" in out


@pytest.mark.parametrize("roles", [("FHIR Data Reader",), ()])
def test_azure_api_for_fhir_is_checked_like_a_fhir_service(
    cloud: LoopbackCloud, roles: tuple[str, ...]
) -> None:
    # Azure API for FHIR: its own URL is the audience, and it takes the FHIR data roles.
    url = f"{cloud.health.base_url}/legacy"
    cloud.add_service(ServiceRecord("legacy", "api-for-fhir", url))
    app = cloud.authority.register(AppRecord(BACKEND_ID, secret=SECRET, roles={url: roles}))
    doc = _doc(cloud, {"backend": (app, {"legacy": ("api-for-fhir", url, url)}, SECRET)})
    rc, out, err = _verify(cloud, doc)

    row = _row(out, "backend", "legacy")
    assert url in row  # the audience it asked a token for
    if roles:
        assert rc == 0, out + err
        assert "/metadata 200, /Patient 200" in row
        assert ("/legacy/Patient?_count=1", 200) in cloud.health.requests
    else:
        assert rc == 1
        assert "add `roles.legacy: [FHIR Data Reader]` to applications.backend" in row


def test_role_wait_retries_a_403_until_the_assignment_reaches_the_service(
    cloud: LoopbackCloud,
) -> None:
    services = Services(cloud)
    services.fhir.roles_visible_from = 40.0
    app = _backend(cloud, services, {services.fhir_audience: ("FHIR Data Reader",)})
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, SECRET)})

    rc, out, _ = _verify(cloud, doc, "--role-wait", "60")

    assert rc == 0, out
    assert cloud.clock.sleeps == [15.0, 15.0, 15.0]
    assert [s for p, s in cloud.health.requests if p.startswith("/fhir/Patient")] == [
        403,
        403,
        403,
        200,
    ]


def test_role_wait_gives_up_with_the_time_it_waited(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {})
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, SECRET)})

    rc, out, _ = _verify(cloud, doc, "--role-wait", "30")

    assert rc == 1
    assert sum(cloud.clock.sleeps) <= 30
    assert "(still 403 after waiting 30 s)" in _row(out, "backend", "fhir")


# --------------------------------------------------------------------------- secrets


def test_a_new_secret_is_retried_until_entra_accepts_it(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    app = _backend(
        cloud,
        services,
        {services.fhir_audience: ("FHIR Data Reader",)},
        secret_accepted_from=12.0,
    )
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, SECRET)})

    rc, out, _ = _verify(cloud, doc)

    assert rc == 0, out
    assert cloud.clock.sleeps == [5.0, 5.0, 5.0]
    assert cloud.authority.token_requests[BACKEND_ID] == 4
    assert "ok (4 tries)" in _row(out, "backend", "fhir")


def test_a_secret_entra_never_accepts_fails_after_a_minute_with_the_fix(
    cloud: LoopbackCloud,
) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {services.fhir_audience: ("FHIR Data Reader",)})
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, "an-unknown-secret")})

    rc, out, _ = _verify(cloud, doc)

    assert rc == 1
    assert sum(cloud.clock.sleeps) == 60.0
    row = _row(out, "backend", "fhir")
    assert "AADSTS7000215 (13 tries)" in row
    assert "Entra refused the client secret (AADSTS7000215) for 60 s" in row
    assert "read the outputs again with --show-secrets" in row
    assert cloud.health.requests == []  # no token, no call


def test_a_refused_secret_is_waited_for_once_per_app_not_once_per_service(
    cloud: LoopbackCloud,
) -> None:
    services = Services(cloud)
    roles = {services.fhir_audience: ("FHIR Data Reader",)}
    app = _backend(cloud, services, roles)
    outputs = {"fhir": services.outputs["fhir"], "dicom": services.outputs["dicom"]}
    doc = _doc(cloud, {"backend": (app, outputs, "an-unknown-secret")})

    rc, out, _ = _verify(cloud, doc)

    assert rc == 1
    assert sum(cloud.clock.sleeps) == 60.0  # not 120: DICOM asks once and reports at once
    assert "AADSTS7000215 (13 tries)" in _row(out, "backend", "fhir")
    dicom = _row(out, "backend", "dicom")
    assert "AADSTS7000215" in dicom and "tries" not in dicom  # one request, no wait
    assert "Entra refused the same client secret: see the fhir row" in dicom


def test_an_expired_secret_is_named_without_retrying(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    app = _backend(
        cloud, services, {services.fhir_audience: ("FHIR Data Reader",)}, secret_expired=True
    )
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, SECRET)})

    rc, out, _ = _verify(cloud, doc)

    assert rc == 1
    assert cloud.clock.sleeps == []
    row = _row(out, "backend", "fhir")
    assert "AADSTS7000222" in row
    assert "the client secret has expired (AADSTS7000222): run `pulumi up` to rotate it" in row


def test_an_app_entra_does_not_know_is_named(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    deleted = AppRecord("99999999-9999-9999-9999-999999999999", secret=SECRET)
    doc = _doc(cloud, {"backend": (deleted, {"fhir": services.outputs["fhir"]}, SECRET)})

    rc, out, _ = _verify(cloud, doc)

    assert rc == 1
    row = _row(out, "backend", "fhir")
    assert "AADSTS700016" in row
    assert "Entra does not know client ID 99999999-9999-9999-9999-999999999999" in row


def test_redacted_secrets_are_a_usage_error_with_the_command_to_run(
    cloud: LoopbackCloud,
) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {})
    doc = json.loads(_doc(cloud, {"backend": (app, services.outputs, SECRET)}))
    doc["clientSecrets"] = "[secret]"

    rc, out, err = _verify(cloud, json.dumps(doc))

    assert rc == 2
    assert out == ""
    assert err == (
        "error: the client secrets are redacted ('[secret]'): the stack output was read without "
        "--show-secrets; run: pulumi stack output --json --show-secrets | "
        ".venv/bin/python -m tools.verify --stack-output -\n"
    )
    assert cloud.authority.token_requests == {}


# --------------------------------------------------------------------------- network and TLS


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_service_is_a_clear_row_not_a_traceback(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {services.fhir_audience: ("FHIR Data Reader",)})
    port = _closed_port()
    outputs = {"fhir": ("fhir", f"https://127.0.0.1:{port}/fhir", services.fhir_audience)}

    rc, out, err = _verify(cloud, _doc(cloud, {"backend": (app, outputs, SECRET)}))

    assert rc == 1
    assert err == ""
    row = _row(out, "backend", "fhir")
    assert "/metadata unreachable" in row
    assert f"FAIL: cannot reach 127.0.0.1:{port} (connection refused): check services.fhir" in row


def test_an_unreachable_authority_is_a_clear_row(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {services.fhir_audience: ("FHIR Data Reader",)})
    doc = json.loads(_doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, SECRET)}))
    port = _closed_port()
    doc["applications"]["backend"]["tokenEndpoint"] = (
        f"https://127.0.0.1:{port}/{cloud.authority.tenant_id}/oauth2/v2.0/token"
    )

    rc, out, _ = _verify(cloud, json.dumps(doc))

    assert rc == 1
    row = _row(out, "backend", "fhir")
    assert " unreachable " in row
    assert f"cannot reach 127.0.0.1:{port} (connection refused): check the stack's token" in row


def test_tls_is_verified_and_a_foreign_ca_is_refused(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {services.fhir_audience: ("FHIR Data Reader",)})
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, SECRET)})

    rc, out, _ = _verify(cloud, doc, ca=False)

    assert rc == 1
    row = _row(out, "backend", "fhir")
    assert " tls " in row
    assert "TLS verification of 127.0.0.1:" in row
    assert row.endswith("pass that CA with --ca-bundle FILE (verification stays on)")
    assert cloud.authority.token_requests == {}  # the secret never left the machine


def test_requests_ca_bundle_from_the_environment_is_honoured(
    cloud: LoopbackCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {services.fhir_audience: ("FHIR Data Reader",)})
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cloud.pki.ca_file))
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, SECRET)})

    rc, out, _ = _verify(cloud, doc, ca=False)

    assert rc == 0, out


# --------------------------------------------------------------------------- certificates


def _key_pair(tmp_path: Path, name: str) -> tuple[Path, Any]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    key = new_key()
    cert = self_signed_certificate(key, name)
    key_file = tmp_path / f"{name}.key"
    key_file.write_bytes(pem_private_key(key))
    (tmp_path / f"{name}.pem").write_bytes(pem_certificate(cert))
    return key_file, cert


def test_a_certificate_key_signs_in_instead_of_a_secret(
    cloud: LoopbackCloud, tmp_path: Path
) -> None:
    services = Services(cloud)
    key_file, cert = _key_pair(tmp_path, "laptop")
    app = cloud.authority.register(
        AppRecord(
            BACKEND_ID, certificate=cert, roles={services.fhir_audience: ("FHIR Data Reader",)}
        )
    )
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, None)})
    key_lines = [ln for ln in key_file.read_text().splitlines() if "-----" not in ln]

    rc, out, _ = _verify(
        cloud, doc, "--certificate", f"backend={key_file}", private=tuple(key_lines)
    )

    assert rc == 0, out
    assert "ok: the token is accepted" in _row(out, "backend", "fhir")


def test_a_certificate_entra_does_not_know_is_named(cloud: LoopbackCloud, tmp_path: Path) -> None:
    services = Services(cloud)
    key_file, _ = _key_pair(tmp_path, "laptop")
    _, registered = _key_pair(tmp_path / "other", "registered")
    app = cloud.authority.register(AppRecord(BACKEND_ID, certificate=registered))
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, None)})

    rc, out, _ = _verify(cloud, doc, "--certificate", f"backend={key_file}")

    assert rc == 1
    row = _row(out, "backend", "fhir")
    assert "AADSTS700027" in row
    assert "the key does not belong to a certificate registered on backend" in row


def test_a_key_that_does_not_match_its_certificate_is_a_usage_error(
    cloud: LoopbackCloud, tmp_path: Path
) -> None:
    services = Services(cloud)
    key_file, _ = _key_pair(tmp_path, "laptop")
    _, other = _key_pair(tmp_path / "other", "other")
    (tmp_path / "laptop.pem").write_bytes(pem_certificate(other))
    app = cloud.authority.register(AppRecord(BACKEND_ID))
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, None)})

    rc, out, err = _verify(cloud, doc, "--certificate", f"backend={key_file}")

    assert (rc, out) == (2, "")
    assert err == (
        f"error: the certificate in {str(tmp_path / 'laptop.pem')!r} does not match the key "
        f"{str(key_file)!r}\n"
    )


# --------------------------------------------------------------------------- apps without a secret


def test_an_app_without_a_secret_is_listed_with_how_to_check_it(cloud: LoopbackCloud) -> None:
    services = Services(cloud)
    app = cloud.authority.register(AppRecord("77777777-7777-7777-7777-777777777777"))
    doc = _doc(cloud, {"ci": (app, {"fhir": services.outputs["fhir"]}, None)})

    rc, out, _ = _verify(cloud, doc)

    assert rc == 0  # not checkable is not a failure
    assert "skip: no client secret in the stack output" in _row(out, "ci", "fhir")
    assert "0 ok, 0 failed, 1 not checked" in out
    assert "--certificate ci=certs/<name>.key" in out
    assert (
        f'az rest --method get --url "{services.outputs["fhir"][1]}/Patient?_count=1" '
        f'--resource "{services.fhir_audience}"' in out
    )
    assert (
        "pulumi stack output --json | .venv/bin/python -m tools.clientfiles postman --app ci" in out
    )
    assert cloud.authority.token_requests == {}


def test_federated_only_hint_names_the_credential_and_the_command() -> None:
    hints = guidance.hints_from_config(
        {"applications": {"ci": {"federatedCredentials": {"main": {"github": {}}}}}}
    )
    app = _app_for_notes("ci")

    note = guidance.no_secret_note(app, hints["ci"])

    assert "Federated credential (main): only the workload it names can sign in" in note
    assert "--certificate" not in note
    assert "Postman" not in note


def _app_for_notes(name: str) -> Any:
    from tools.stack_output import Application, Service

    return Application(
        name=name,
        tenant_id="t",
        client_id=POSTMAN_ID,
        token_endpoint="https://login.microsoftonline.com/t/oauth2/v2.0/token",
        client_secret=None,
        client_secret_expires_at=None,
        services=(Service("fhir", "fhir", "https://f", "https://f", "https://f/.default"),),
    )


# --------------------------------------------------------------------------- the dev stack


def _dev_stack(cloud: LoopbackCloud) -> str:
    """Pulumi.dev.yaml's two apps, with the roles the stack config grants them."""
    services = Services(cloud)
    backend = cloud.authority.register(
        AppRecord(BACKEND_ID, secret=SECRET, roles={services.fhir_audience: ("FHIR Data Reader",)})
    )
    postman = cloud.authority.register(
        AppRecord(
            POSTMAN_ID,
            secret=POSTMAN_SECRET,
            roles={
                services.fhir_audience: ("FHIR Data Contributor",),
                DICOM_AUD: ("DICOM Data Owner",),
            },
        )
    )
    return _doc(
        cloud,
        {
            "postman": (postman, services.outputs, POSTMAN_SECRET),
            "backend": (backend, {"fhir": services.outputs["fhir"]}, SECRET),
        },
    )


def test_dev_stack_public_client_gets_the_postman_steps(cloud: LoopbackCloud) -> None:
    rc, out, _ = _verify(cloud, _dev_stack(cloud), "--stack", "dev")

    assert rc == 0, out
    assert "3 ok, 0 failed, 0 not checked" in out
    assert "postman is a public client (publicClientFlows: true)" in out
    assert (
        "pulumi stack output --json | .venv/bin/python -m tools.clientfiles postman --app postman"
        in out
    )
    assert 'select the environment "postman - fhir"' in out
    assert "Callback URL https://www.getpostman.com/oauth2/callback" in out
    assert "backend is a public client" not in out


def test_dev_stack_403_says_the_config_grants_the_role_already(cloud: LoopbackCloud) -> None:
    doc = _dev_stack(cloud)
    cloud.authority.apps[BACKEND_ID].roles = {}  # the assignment has not reached the service

    rc, out, _ = _verify(cloud, doc, "--stack", "dev", "--app", "backend")

    assert rc == 1
    row = _row(out, "backend", "fhir")
    assert "403: the stack config grants roles.fhir: [FHIR Data Reader], but the service" in row
    assert "postman" not in out


def test_automation_api_reads_the_stack_with_the_pulumi_cli(
    cloud: LoopbackCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _dev_stack(cloud)
    redacted = json.loads(doc)
    redacted["clientSecrets"] = "[secret]"
    (tmp_path / "shown.json").write_text(doc)
    (tmp_path / "masked.json").write_text(json.dumps(redacted))
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    # A stand-in CLI that answers what the Automation API asks: its version and the outputs,
    # masked and shown. It checks the stack is named on the command line, never selected.
    fake.write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        '  "version") echo v3.272.0 ;;\n'
        f'  *"stack output --json --show-secrets --stack dev") cat {tmp_path}/shown.json ;;\n'
        f'  *"stack output --json --stack dev") cat {tmp_path}/masked.json ;;\n'
        '  *) echo "error: unexpected pulumi $*" >&2; exit 1 ;;\n'
        "esac\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    out, err = io.StringIO(), io.StringIO()

    rc = cli.main(
        ["--stack", "dev", "--ca-bundle", str(cloud.pki.ca_file)],
        stdout=out,
        stderr=err,
        clock=Clock(cloud.clock.now, cloud.clock.sleep),
    )

    assert rc == 0, out.getvalue() + err.getvalue()
    assert "3 ok, 0 failed" in out.getvalue()
    assert SECRET not in out.getvalue() + err.getvalue()


def test_no_pulumi_cli_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    err = io.StringIO()

    rc = cli.main(["--stack", "dev"], stdout=io.StringIO(), stderr=err)

    assert rc == 2
    assert err.getvalue().startswith("error: the Pulumi CLI is not on PATH: install it, or run:")


# --------------------------------------------------------------------------- the command line


def test_a_secret_that_would_be_printed_stops_the_output(
    cloud: LoopbackCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services(cloud)
    app = _backend(cloud, services, {}, secret_expired=True)
    doc = _doc(cloud, {"backend": (app, {"fhir": services.outputs["fhir"]}, SECRET)})
    # A refusal message that echoes the secret, as a careless authority or a bug might.
    monkeypatch.setattr(tokens, "explain", lambda *a, **k: f"refused {SECRET}")
    out, err = io.StringIO(), io.StringIO()

    rc = cli.main(
        ["--stack-output", "-", "--ca-bundle", str(cloud.pki.ca_file)],
        stdin=io.StringIO(doc),
        stdout=out,
        stderr=err,
        clock=Clock(cloud.clock.now, cloud.clock.sleep),
    )

    assert rc == 3
    assert out.getvalue() == ""
    assert err.getvalue() == (
        "error: a secret would have been printed (a bug); nothing was printed\n"
    )


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        ([], "", "error: name the stack with --stack NAME, or pass --stack-output FILE (or -)\n"),
        (["--stack-output", "-"], "", "error: the stack output from stdin is empty; expected"),
        (["--stack-output", "-"], "{}", "error: the stack output has no 'applications' key"),
        (
            ["--stack-output", "-", "--app", "nope"],
            '{"applications": {}}',
            "error: unknown application 'nope'; known applications: none\n",
        ),
        (["--stack-output", "-", "--certificate", "x"], "{}", "error: --certificate takes"),
        (["--stack-output", "-", "--role-wait", "-1"], "{}", "error: --role-wait must be"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: list[str], stdin: str, message: str) -> None:
    out, err = io.StringIO(), io.StringIO()

    rc = cli.main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)

    assert (rc, out.getvalue()) == (2, "")
    assert err.getvalue().startswith(message)
    assert err.getvalue().count("\n") == 1


def test_module_entry_point_exits_2_without_a_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tools.verify", "--stack-output", "-"],
        input="not json",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: the stack output from stdin is not valid JSON")


def test_serve_dev_serves_the_dev_stack_the_readme_verifies(cloud: LoopbackCloud) -> None:
    from testbed.mockrun import run_program
    from testbed.serve_dev import _serve
    from testbed.stackfile import load_stack_file

    stack_file = load_stack_file("dev")
    outputs = json.loads(
        json.dumps(run_program(stack_file.config, now="2026-11-27T09:00:00Z").outputs)
    )
    served = _serve(cloud, outputs, stack_file.config)

    rc, out, _ = _verify(cloud, json.dumps(served), "--stack", "dev")

    assert rc == 0, out
    assert "3 ok, 0 failed, 0 not checked" in out
    assert "FHIR Data Contributor" in _row(out, "postman", "fhir")
    assert "DICOM Data Owner" in _row(out, "postman", "dicom")
    assert "FHIR Data Reader" in _row(out, "backend", "fhir")

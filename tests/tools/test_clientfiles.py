"""Tests for tools.clientfiles: stack output -> Postman / REST Client / .env files.

Longer than 400 lines: three formats times their quoting, secret and refusal cases.
"""

from __future__ import annotations

import copy
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tools import clientfiles

TENANT = "22222222-2222-2222-2222-222222222222"
CLIENT = "11111111-1111-1111-1111-111111111111"
# '+', '/' and '=' need form-url-encoding; '~' and '.' do not.
SECRET = "abc8Q~x+y/z=.secret"
SECRET_FORM = "abc8Q~x%2By%2Fz%3D.secret"
TOKEN_V2 = f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
TOKEN_V1 = f"https://login.microsoftonline.com/{TENANT}/oauth2/token"
FHIR_URL = "https://ws-fhir1.fhir.azurehealthcareapis.com"
FHIR_SCOPE = f"{FHIR_URL}/.default"
DICOM_URL = "https://ws-dicom1.dicom.azurehealthcareapis.com"
DICOM_AUD = "https://dicom.healthcareapis.azure.com"
DICOM_SCOPE = f"{DICOM_AUD}/.default"
APIFHIR_URL = "https://legacy.azurehealthcareapis.com"


def _app(**overrides: Any) -> dict[str, Any]:
    app: dict[str, Any] = {
        "clientId": CLIENT,
        "tenantId": TENANT,
        "applicationObjectId": "33333333-3333-3333-3333-333333333333",
        "servicePrincipalObjectId": "44444444-4444-4444-4444-444444444444",
        "clientSecret": SECRET,
        "clientSecretExpiresAt": "2027-05-26T00:00:00Z",
        "tokenEndpoint": TOKEN_V2,
        "tokenEndpointV1": TOKEN_V1,
        "services": {
            "fhir": {"kind": "fhir", "url": FHIR_URL, "audience": FHIR_URL, "scope": FHIR_SCOPE},
            "dicom": {
                "kind": "dicom",
                "url": DICOM_URL,
                "audience": DICOM_AUD,
                "scope": DICOM_SCOPE,
            },
        },
    }
    app.update(overrides)
    return app


def _doc(**apps: dict[str, Any]) -> dict[str, Any]:
    """The stack output document; each app's ``clientSecret`` (a test shorthand) moves to the
    top-level ``clientSecrets`` as the stack exports it. None, "" or no key: the app has no
    secret; "[secret]": the output was read without --show-secrets."""
    apps = copy.deepcopy(apps or {"postman": _app(), "etl": _app(services={})})
    secrets: dict[str, Any] | str = {}
    for name, app in apps.items():
        value = app.pop("clientSecret", None)
        if value in (None, ""):
            app["clientSecretExpiresAt"] = None
        elif value == "[secret]":
            secrets = "[secret]"
        elif isinstance(secrets, dict):
            secrets[name] = value
    return {"applications": apps, "clientSecrets": secrets}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(path: Path, doc: object) -> str:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    rc = clientfiles.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


HINT_POSTMAN = (
    "pulumi stack output --json --show-secrets | "
    ".venv/bin/python -m tools.clientfiles postman --app postman --include-secret"
)


# --------------------------------------------------------------------------- postman


def test_postman_environment_variables(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    src = _write(workdir / "so.json", _doc())
    rc, out, err = run(["postman", "--app", "postman", "--stack-output", src], capsys, monkeypatch)
    assert rc == 0
    assert out == ""
    env = json.loads((workdir / "postman.postman_environment.json").read_text())
    assert env["id"] == "2a04092b-92c6-5480-80ef-78535c628c46"
    assert env["name"] == "postman - fhir"
    assert env["_postman_variable_scope"] == "environment"
    assert [(v["key"], v["value"], v["type"], v["enabled"]) for v in env["values"]] == [
        ("tenantId", TENANT, "default", True),
        ("clientId", CLIENT, "default", True),
        ("clientSecret", "", "secret", True),
        ("bearerToken", "", "secret", True),
        ("resource", FHIR_URL, "default", True),
        ("fhirurl", FHIR_URL, "default", True),
        ("accessTokenUrl", TOKEN_V2, "default", True),
        ("scope", FHIR_SCOPE, "default", True),
    ]
    assert err.splitlines() == [
        "wrote postman.postman_environment.json",
        f"note: the client secret was not written; to include it run: {HINT_POSTMAN}",
    ]


def test_postman_with_secret_mode_0600(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    target = workdir / "env.json"
    target.write_text("old")
    target.chmod(0o644)
    src = _write(workdir / "so.json", _doc())
    argv = ["postman", "--app", "postman", "--stack-output", src, "--out", str(target)]
    rc, out, err = run([*argv, "--include-secret"], capsys, monkeypatch)
    assert rc == 0
    values = {v["key"]: v for v in json.loads(target.read_text())["values"]}
    assert values["clientSecret"] == {
        "key": "clientSecret",
        "value": SECRET,
        "type": "secret",
        "enabled": True,
    }
    assert _mode(target) == 0o600
    assert SECRET not in out + err
    assert err == f"wrote {target} (mode 0600)\n"


def test_postman_new_secret_file_is_0600_despite_umask(
    workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    old = os.umask(0)
    try:
        rc, _, _ = run(
            ["postman", "--app", "postman", "--include-secret"],
            capsys,
            monkeypatch,
            stdin=json.dumps(_doc()),
        )
    finally:
        os.umask(old)
    assert rc == 0
    assert _mode(workdir / "postman.postman_environment.json") == 0o600


def test_postman_picks_first_fhir_kind_service(
    workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    services = {
        "dicom": _app()["services"]["dicom"],
        "legacy": {
            "kind": "api-for-fhir",
            "url": APIFHIR_URL + "/",
            "audience": "https://azurehealthcareapis.com",
            "scope": "https://azurehealthcareapis.com/.default",
        },
        "fhir": _app()["services"]["fhir"],
    }
    doc = _doc(postman=_app(services=services))
    rc, out, _ = run(
        ["postman", "--app", "postman", "--out", "-"], capsys, monkeypatch, json.dumps(doc)
    )
    assert rc == 0
    env = json.loads(out)
    values = {v["key"]: v["value"] for v in env["values"]}
    assert env["name"] == "postman - legacy"
    assert values["fhirurl"] == APIFHIR_URL  # trailing slash dropped
    assert values["resource"] == "https://azurehealthcareapis.com"
    assert values["scope"] == "https://azurehealthcareapis.com/.default"


def test_postman_service_option_and_id_depends_on_inputs(
    workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    services = {
        "fhir": _app()["services"]["fhir"],
        "fhir2": {"kind": "fhir", "url": "https://b.x", "audience": "https://b.x", "scope": "s"},
    }
    doc = json.dumps(_doc(postman=_app(services=services)))
    _, out1, _ = run(["postman", "--app", "postman", "--out", "-"], capsys, monkeypatch, doc)
    argv = ["postman", "--app", "postman", "--out", "-", "--service", "fhir2"]
    _, out2, _ = run(argv, capsys, monkeypatch, doc)
    other = json.dumps(_doc(postman=_app(tenantId="99999999-2222-2222-2222-222222222222")))
    _, out3, _ = run(["postman", "--app", "postman", "--out", "-"], capsys, monkeypatch, other)
    env1, env2, env3 = json.loads(out1), json.loads(out2), json.loads(out3)
    assert {v["key"]: v["value"] for v in env2["values"]}["fhirurl"] == "https://b.x"
    assert len({env1["id"], env2["id"], env3["id"]}) == 3
    assert env1["id"] == "2a04092b-92c6-5480-80ef-78535c628c46"


def test_postman_rejects_dicom_service(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    argv = ["postman", "--app", "postman", "--service", "dicom"]
    rc, out, err = run(argv, capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 2
    assert out == ""
    assert err == (
        "error: service 'dicom' is kind 'dicom'; the Postman environment targets Microsoft's "
        "FHIR collection and needs a FHIR service\n"
    )
    assert not list(workdir.iterdir())


def test_postman_app_without_fhir_service(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    doc = _doc(viewer=_app(services={"dicom": _app()["services"]["dicom"]}))
    rc, _, err = run(["postman", "--app", "viewer"], capsys, monkeypatch, json.dumps(doc))
    assert rc == 2
    assert err == (
        "error: application 'viewer' has no FHIR service for the Postman FHIR collection "
        "(services: dicom (dicom))\n"
    )


@pytest.mark.parametrize("fmt", ["postman", "rest-client"])
def test_app_without_services(fmt: str, workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    rc, _, err = run([fmt, "--app", "etl"], capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 2
    assert err.startswith("error: application 'etl' has no services;")
    assert err.count("\n") == 1
    assert not list(workdir.iterdir())


# --------------------------------------------------------------------------- rest-client

REST_HEADER = [
    "# VS Code REST Client requests for application 'postman'.",
    "# Generated by `.venv/bin/python -m tools.clientfiles rest-client`; do not edit by hand.",
]
REST_BODY = [
    f"@tokenEndpoint = {TOKEN_V2}",
    f"@fhirurl = {FHIR_URL}",
    f"@dicomurl = {DICOM_URL}",
    "",
    "### Token for fhir (client credentials, v2 endpoint)",
    "# @name token",
    "POST {{tokenEndpoint}}",
    "Content-Type: application/x-www-form-urlencoded",
    "",
    "grant_type=client_credentials",
    "&client_id={{clientId}}",
    "&client_secret={{clientSecret}}",
    "&scope=https%3A%2F%2Fws-fhir1.fhir.azurehealthcareapis.com%2F.default",
    "",
    "### fhir: capability statement",
    "GET {{fhirurl}}/metadata",
    "Authorization: Bearer {{token.response.body.access_token}}",
    "Accept: application/fhir+json",
    "",
    "### Token for dicom (client credentials, v2 endpoint)",
    "# @name token_dicom",
    "POST {{tokenEndpoint}}",
    "Content-Type: application/x-www-form-urlencoded",
    "",
    "grant_type=client_credentials",
    "&client_id={{clientId}}",
    "&client_secret={{clientSecret}}",
    "&scope=https%3A%2F%2Fdicom.healthcareapis.azure.com%2F.default",
    "",
    "### dicom: change feed (DICOMweb API v2)",
    "GET {{dicomurl}}/v2/changefeed",
    "Authorization: Bearer {{token_dicom.response.body.access_token}}",
    "Accept: application/json",
]


def test_rest_client_without_secret(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    rc, out, err = run(["rest-client", "--app", "postman"], capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 0
    assert out == ""
    text = (workdir / "postman.http").read_text()
    assert text.splitlines() == [
        *REST_HEADER,
        "# The client secret expires at 2027-05-26T00:00:00Z.",
        "",
        f"@tenantId = {TENANT}",
        f"@clientId = {CLIENT}",
        "# clientSecret comes from AZURE_CLIENT_SECRET in a .env file next to this file: "
        ".venv/bin/python -m tools.clientfiles dotenv --app postman --include-secret --out .env",
        "# (inserted into the request body as is, without URL-encoding)",
        "@clientSecret = {{$dotenv AZURE_CLIENT_SECRET}}",
        *REST_BODY,
    ]
    assert text.endswith("Accept: application/json\n")
    assert SECRET not in text
    assert "--include-secret" in err


def test_rest_client_with_secret_is_form_encoded(
    workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    argv = ["rest-client", "--app", "postman", "--include-secret"]
    rc, out, err = run(argv, capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 0
    target = workdir / "postman.http"
    assert target.read_text().splitlines() == [
        *REST_HEADER,
        "# Contains a client secret: keep it out of version control.",
        "# The client secret expires at 2027-05-26T00:00:00Z.",
        "",
        f"@tenantId = {TENANT}",
        f"@clientId = {CLIENT}",
        "# clientSecret is form-url-encoded (it is only used in request bodies).",
        f"@clientSecret = {SECRET_FORM}",
        *REST_BODY,
    ]
    assert _mode(target) == 0o600
    assert SECRET not in out + err
    assert SECRET_FORM not in out + err


def test_rest_client_shares_token_per_scope_and_orders_fhir_first(
    workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    dicom = _app()["services"]["dicom"]
    services = {
        "dicom-a": dicom,
        "dicom-b": {**dicom, "url": "https://ws-dicom2.dicom.azurehealthcareapis.com"},
        "Legacy FHIR": {
            "kind": "api-for-fhir",
            "url": APIFHIR_URL,
            "audience": APIFHIR_URL,
            "scope": f"{APIFHIR_URL}/.default",
        },
    }
    doc = json.dumps(_doc(postman=_app(services=services, clientSecretExpiresAt=None)))
    rc, out, _ = run(["rest-client", "--app", "postman", "--out", "-"], capsys, monkeypatch, doc)
    assert rc == 0
    lines = out.splitlines()
    assert not any("expires" in line for line in lines)
    assert [line for line in lines if line.startswith(("@", "# @name", "GET", "Authorization"))][
        4:
    ] == [
        f"@legacy_fhirurl = {APIFHIR_URL}",
        f"@dicom_aurl = {DICOM_URL}",
        "@dicom_burl = https://ws-dicom2.dicom.azurehealthcareapis.com",
        "# @name token",
        "GET {{legacy_fhirurl}}/metadata",
        "Authorization: Bearer {{token.response.body.access_token}}",
        "# @name token_dicom_a",
        "GET {{dicom_aurl}}/v2/changefeed",
        "Authorization: Bearer {{token_dicom_a.response.body.access_token}}",
        "GET {{dicom_burl}}/v2/changefeed",
        "Authorization: Bearer {{token_dicom_a.response.body.access_token}}",
    ]
    assert lines.count("POST {{tokenEndpoint}}") == 2
    assert "&scope=https%3A%2F%2Flegacy.azurehealthcareapis.com%2F.default" in lines


def test_rest_client_service_option(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    argv = ["rest-client", "--app", "postman", "--out", "-", "--service", "dicom"]
    rc, out, _ = run(argv, capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 0
    lines = out.splitlines()
    assert "@fhirurl" not in out
    assert "# @name token" in lines
    assert "&scope=https%3A%2F%2Fdicom.healthcareapis.azure.com%2F.default" in lines
    assert "Authorization: Bearer {{token.response.body.access_token}}" in lines
    assert "GET {{dicomurl}}/v2/changefeed" in lines


def test_rest_client_skips_unknown_kind(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    services = {
        **_app()["services"],
        "medtech": {
            "kind": "medtech",
            "url": "https://m.x",
            "audience": "a",
            "scope": "a/.default",
        },
    }
    doc = json.dumps(_doc(postman=_app(services=services)))
    rc, out, err = run(["rest-client", "--app", "postman", "--out", "-"], capsys, monkeypatch, doc)
    assert rc == 0
    assert "m.x" not in out
    assert "note: no sample request for service 'medtech' of kind 'medtech'; skipped" in err


def test_rest_client_ident_collision(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    fhir = _app()["services"]["fhir"]
    doc = json.dumps(_doc(postman=_app(services={"fhir-1": fhir, "fhir_1": fhir})))
    rc, _, err = run(["rest-client", "--app", "postman"], capsys, monkeypatch, doc)
    assert rc == 2
    assert err == (
        "error: services 'fhir-1' and 'fhir_1' map to the same variable name 'fhir_1'; "
        "pick one with --service\n"
    )


# --------------------------------------------------------------------------- dotenv

DOTENV_COMMON = [
    "AZURE_AUTHORITY_HOST=https://login.microsoftonline.com",
    f"TOKEN_ENDPOINT={TOKEN_V2}",
    f"FHIR_URL={FHIR_URL}",
    f"FHIR_SCOPE={FHIR_SCOPE}",
    f"DICOM_URL={DICOM_URL}",
    f"DICOM_SCOPE={DICOM_SCOPE}",
]


def test_dotenv_without_secret(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    rc, out, err = run(["dotenv", "--app", "postman"], capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 0
    assert out == ""
    text = (workdir / "postman.env").read_text()
    assert text.splitlines() == [
        "# Client settings for application 'postman'.",
        "# Generated by `.venv/bin/python -m tools.clientfiles dotenv`; do not edit by hand.",
        "# The client secret expires at 2027-05-26T00:00:00Z.",
        f"AZURE_TENANT_ID={TENANT}",
        f"AZURE_CLIENT_ID={CLIENT}",
        *DOTENV_COMMON,
        "# AZURE_CLIENT_SECRET is not written without --include-secret.",
    ]
    assert "AZURE_CLIENT_SECRET=" not in text
    assert err.splitlines()[1] == (
        "note: the client secret was not written; to include it run: "
        "pulumi stack output --json --show-secrets | "
        ".venv/bin/python -m tools.clientfiles dotenv --app postman --include-secret"
    )


def test_dotenv_with_secret(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    out_path = workdir / "sub.env"
    argv = ["dotenv", "--app", "postman", "--include-secret", "--out", str(out_path)]
    rc, out, err = run(argv, capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 0
    assert out_path.read_text().splitlines()[2:] == [
        "# Contains a client secret: keep it out of version control.",
        "# The client secret expires at 2027-05-26T00:00:00Z.",
        f"AZURE_TENANT_ID={TENANT}",
        f"AZURE_CLIENT_ID={CLIENT}",
        f"AZURE_CLIENT_SECRET={SECRET}",
        *DOTENV_COMMON,
    ]
    assert _mode(out_path) == 0o600
    assert SECRET not in out + err


def test_dotenv_quoting_and_names(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    services = {
        "fhir-prod.eu": {
            "kind": "fhir",
            "url": "https://a.x/with space#frag",
            "audience": "https://a.x",
            "scope": "https://a.x/.default",
        }
    }
    token = "https://login.microsoftonline.us/t/oauth2/v2.0/token"
    doc = _doc(gov=_app(services=services, tokenEndpoint=token, clientSecretExpiresAt=None))
    argv = ["dotenv", "--app", "gov", "--out", "-"]
    rc, out, _ = run(argv, capsys, monkeypatch, json.dumps(doc))
    assert rc == 0
    assert out.splitlines()[2:] == [
        f"AZURE_TENANT_ID={TENANT}",
        f"AZURE_CLIENT_ID={CLIENT}",
        "AZURE_AUTHORITY_HOST=https://login.microsoftonline.us",
        f"TOKEN_ENDPOINT={token}",
        "FHIR_PROD_EU_URL='https://a.x/with space#frag'",
        "FHIR_PROD_EU_SCOPE=https://a.x/.default",
        "# AZURE_CLIENT_SECRET is not written without --include-secret.",
    ]


def test_dotenv_refuses_unquotable_value(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    doc = _doc(postman=_app(clientSecret="it's"))
    argv = ["dotenv", "--app", "postman", "--include-secret", "--out", "-"]
    rc, out, err = run(argv, capsys, monkeypatch, json.dumps(doc))
    assert rc == 2
    assert out == ""
    assert (
        err == "error: the value for AZURE_CLIENT_SECRET cannot be quoted safely for a .env file\n"
    )
    assert "it's" not in err


def test_dotenv_service_option_and_no_services(
    workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    argv = ["dotenv", "--app", "postman", "--out", "-", "--service", "dicom"]
    rc, out, _ = run(argv, capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 0
    assert "FHIR_URL" not in out
    assert f"DICOM_URL={DICOM_URL}\n" in out
    rc, out, _ = run(
        ["dotenv", "--app", "etl", "--out", "-"], capsys, monkeypatch, json.dumps(_doc())
    )
    assert rc == 0
    assert out.splitlines()[-2:] == [
        f"TOKEN_ENDPOINT={TOKEN_V2}",
        "# AZURE_CLIENT_SECRET is not written without --include-secret.",
    ]


# --------------------------------------------------------------------------- secrets


@pytest.mark.parametrize("fmt", ["postman", "rest-client", "dotenv"])
def test_redacted_secret_with_flag_exits_2_with_hint(
    fmt: str, workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    doc = json.dumps(_doc(postman=_app(clientSecret="[secret]")))
    rc, out, err = run([fmt, "--app", "postman", "--include-secret"], capsys, monkeypatch, doc)
    assert rc == 2
    assert out == ""
    assert err == (
        "error: the client secret of 'postman' is redacted ('[secret]'): the stack output was "
        "read without --show-secrets; run: pulumi stack output --json --show-secrets | "
        f".venv/bin/python -m tools.clientfiles {fmt} --app postman --include-secret\n"
    )
    assert not list(workdir.iterdir())


def test_redacted_hint_keeps_service_and_out(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    src = _write(workdir / "so.json", _doc(postman=_app(clientSecret="[secret]")))
    argv = ["dotenv", "--app", "postman", "--stack-output", src, "--include-secret"]
    rc, _, err = run([*argv, "--service", "fhir", "--out", "my file.env"], capsys, monkeypatch)
    assert rc == 2
    assert err.endswith(
        "run: pulumi stack output --json --show-secrets | .venv/bin/python -m tools.clientfiles dotenv "
        "--app postman --service fhir --out 'my file.env' --include-secret\n"
    )


def test_redacted_secret_without_flag_is_fine(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    doc = json.dumps(_doc(postman=_app(clientSecret="[secret]")))
    for fmt in ("postman", "rest-client", "dotenv"):
        rc, out, err = run([fmt, "--app", "postman", "--out", "-"], capsys, monkeypatch, doc)
        assert rc == 0
        assert "[secret]" not in out
        assert "--show-secrets" in err


def test_redacted_applications_exit_2(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    doc = json.dumps({"applications": "[secret]"})
    rc, _, err = run(["postman", "--app", "postman"], capsys, monkeypatch, doc)
    assert rc == 2
    assert err == (
        "error: 'applications' is redacted as '[secret]'; run: pulumi stack output --json "
        "--show-secrets | .venv/bin/python -m tools.clientfiles postman --app postman\n"
    )


@pytest.mark.parametrize("secret", [None, "", "absent"])
def test_missing_secret_with_flag_exits_2(
    secret: str | None, workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    app = _app(clientSecret=secret)
    if secret == "absent":
        del app["clientSecret"]
    rc, _, err = run(
        ["postman", "--app", "postman", "--include-secret"],
        capsys,
        monkeypatch,
        json.dumps(_doc(postman=app)),
    )
    assert rc == 2
    assert err == (
        "error: application 'postman' has no client secret in the stack output; run without "
        "--include-secret: pulumi stack output --json --show-secrets | "
        ".venv/bin/python -m tools.clientfiles postman --app postman\n"
    )


def test_missing_secret_without_flag_notes_it(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    doc = json.dumps(_doc(postman=_app(clientSecret=None)))
    rc, out, err = run(["postman", "--app", "postman", "--out", "-"], capsys, monkeypatch, doc)
    assert rc == 0
    assert {v["key"]: v["value"] for v in json.loads(out)["values"]}["clientSecret"] == ""
    assert err == "note: application 'postman' has no client secret\n"


@pytest.mark.parametrize("fmt", ["postman", "rest-client", "dotenv"])
def test_secret_to_stdout_only_when_asked(
    fmt: str, workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    doc = json.dumps(_doc())
    rc, out, err = run([fmt, "--app", "postman", "--out", "-"], capsys, monkeypatch, doc)
    assert rc == 0
    assert SECRET not in out + err
    assert SECRET_FORM not in out
    argv = [fmt, "--app", "postman", "--out", "-", "--include-secret"]
    rc, out, err = run(argv, capsys, monkeypatch, doc)
    assert rc == 0
    assert (SECRET_FORM if fmt == "rest-client" else SECRET) in out
    assert SECRET not in err
    assert err == ""
    assert not list(workdir.iterdir())


# --------------------------------------------------------------------------- errors


def test_unreadable_file(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    argv = ["postman", "--app", "postman", "--stack-output", "missing.json"]
    rc, out, err = run(argv, capsys, monkeypatch)
    assert rc == 2
    assert out == ""
    assert err == "error: cannot read stack output file 'missing.json': No such file or directory\n"


def test_directory_as_stack_output(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    rc, _, err = run(["postman", "--app", "x", "--stack-output", "."], capsys, monkeypatch)
    assert rc == 2
    assert err.startswith("error: cannot read stack output file '.': ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"applications": ',
            "error: the stack output from stdin is not valid JSON "
            "(line 1, column 18: Expecting value)\n",
        ),
        (
            "",
            "error: the stack output from stdin is empty; expected the JSON printed by "
            "`pulumi stack output --json --show-secrets`\n",
        ),
        ("[1]", "error: the stack output is not a JSON object; expected `--json` output\n"),
        (
            '{"other": 1, "apps": {}}',
            "error: the stack output has no 'applications' key (keys: apps, other)\n",
        ),
        (
            '{"stack": "dev", "resources": [], "outputs": {"applications": {}}}',
            "error: the input has no 'applications' key (keys: outputs, resources, stack): it is "
            "an offline plan (`tools.plan --json`), whose stack outputs are under its 'outputs' "
            "key, with the fake tenant's IDs and the secrets redacted. Pass that object, e.g. "
            "`jq .outputs plan.json | .venv/bin/python -m tools.clientfiles ...`\n",
        ),
        ('{"applications": []}', "error: 'applications' in the stack output is not an object\n"),
        (
            '{"applications": {"postman": 3}}',
            "error: application 'postman' is not an object in the stack output\n",
        ),
    ],
)
def test_bad_documents(
    text: str, message: str, workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    rc, out, err = run(["postman", "--app", "postman"], capsys, monkeypatch, text)
    assert rc == 2
    assert out == ""
    assert err == message


def test_unknown_app_lists_names(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    rc, _, err = run(["dotenv", "--app", "nope"], capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 2
    assert err == "error: unknown application 'nope'; known applications: etl, postman\n"


@pytest.mark.parametrize("fmt", ["postman", "rest-client", "dotenv"])
def test_unknown_service_lists_names(
    fmt: str, workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    argv = [fmt, "--app", "postman", "--service", "dicomm"]
    rc, _, err = run(argv, capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 2
    assert err == (
        "error: unknown service 'dicomm' for application 'postman'; known services: fhir, dicom\n"
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda a: a.pop("clientId"),
            "error: application 'postman' has no 'clientId' string in the stack output\n",
        ),
        (
            lambda a: a.update(tokenEndpoint=None),
            "error: application 'postman' has no 'tokenEndpoint' string in the stack output\n",
        ),
        (
            lambda a: a["services"]["fhir"].pop("scope"),
            "error: service 'fhir' of application 'postman' has no 'scope' string in the "
            "stack output\n",
        ),
        (
            lambda a: a.update(services=[1]),
            "error: application 'postman' field 'services' is not an object in the stack output\n",
        ),
        (
            lambda a: a["services"].update(fhir="x"),
            "error: service 'fhir' of application 'postman' is not an object in the stack output\n",
        ),
        (
            lambda a: a["services"]["fhir"].update(url="https://a\n@evil = 1"),
            "error: service 'fhir' of application 'postman' field 'url' contains control "
            "characters\n",
        ),
        (
            lambda a: a.update(clientSecret=5),
            "error: 'clientSecrets' in the stack output has no string for 'postman'\n",
        ),
    ],
)
def test_malformed_application(
    mutate: Any, message: str, workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    app = copy.deepcopy(_app())
    mutate(app)
    argv = ["rest-client", "--app", "postman"]
    rc, out, err = run(argv, capsys, monkeypatch, json.dumps(_doc(postman=app)))
    assert rc == 2
    assert out == ""
    assert err == message


def test_unwritable_output(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    argv = ["dotenv", "--app", "postman", "--out", "no/such/dir.env"]
    rc, out, err = run(argv, capsys, monkeypatch, json.dumps(_doc()))
    assert rc == 2
    assert out == ""
    assert err == "error: cannot write 'no/such/dir.env': No such file or directory\n"


def test_argparse_usage_errors(capsys: Any) -> None:
    with pytest.raises(SystemExit) as exc:
        clientfiles.main(["postman"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        clientfiles.main(["yaml", "--app", "x"])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- determinism, entry


@pytest.mark.parametrize("fmt", ["postman", "rest-client", "dotenv"])
def test_two_runs_are_identical(fmt: str, workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    src = _write(workdir / "so.json", _doc())
    outputs = []
    for name in ("a", "b"):
        argv = [fmt, "--app", "postman", "--stack-output", src, "--include-secret", "--out", name]
        assert run(argv, capsys, monkeypatch)[0] == 0
        outputs.append((workdir / name).read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 200


def test_default_output_names(workdir: Path, capsys: Any, monkeypatch: Any) -> None:
    doc = json.dumps(_doc(**{"../odd app": _app()}))
    for fmt in ("postman", "rest-client", "dotenv"):
        assert run([fmt, "--app", "../odd app"], capsys, monkeypatch, doc)[0] == 0
    assert sorted(p.name for p in workdir.iterdir()) == [
        "_odd_app.env",
        "_odd_app.http",
        "_odd_app.postman_environment.json",
    ]


def test_module_entry_point_reads_stdin(tmp_path: Path) -> None:
    root = Path(clientfiles.__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-m", "tools.clientfiles", "dotenv", "--app", "postman", "--out", "-"],
        input=json.dumps(_doc()),
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"AZURE_CLIENT_ID={CLIENT}\n" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "tools.clientfiles", "dotenv", "--app", "postman"],
        input="not json",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=False,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr == (
        "error: the stack output from stdin is not valid JSON (line 1, column 1: Expecting value)\n"
    )


def test_secret_missing_from_client_secrets_exits_2(
    workdir: Path, capsys: Any, monkeypatch: Any
) -> None:
    doc = _doc(postman=_app())
    del doc["clientSecrets"]
    rc, out, err = run(
        ["postman", "--app", "postman", "--include-secret"], capsys, monkeypatch, json.dumps(doc)
    )
    assert (rc, out) == (2, "")
    assert err == (
        "error: application 'postman' has a client secret, but the stack output has no "
        "'clientSecrets' key\n"
    )

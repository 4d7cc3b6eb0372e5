"""tools.clientfiles smart: the launch settings of Pulumi.smart.yaml's clients, read from the
stack outputs the program makes on the mock runtime."""

import io
import json
from typing import Any

import pytest

from testbed.stackfile import load_stack_file
from tests.conftest import Runner
from tools import clientfiles

URI = "https://fhir.contoso.com"


@pytest.fixture
def outputs(run: Runner) -> dict[str, Any]:
    result = run(load_stack_file("smart").config, stack="smart")
    return json.loads(json.dumps(result.outputs))


def render(outputs: dict[str, Any], app: str, *extra: str) -> tuple[int, str, str]:
    stdin = io.StringIO(json.dumps(outputs))
    stdout = io.StringIO()
    args = clientfiles.build_parser().parse_args(["smart", "--app", app, "--out", "-", *extra])
    stderr = io.StringIO()
    try:
        clientfiles._run(args, stdin, stdout)  # noqa: SLF001 (the command without sys streams)
    except clientfiles.UsageError as error:
        return 2, "", str(error)
    return 0, stdout.getvalue(), stderr.getvalue()


def test_a_public_client_gets_pkce_entra_scopes_and_smart_scopes(outputs: dict[str, Any]) -> None:
    code, text, _ = render(outputs, "smart-patient-app")
    assert code == 0
    settings = json.loads(text)
    tenant = outputs["applications"]["smart-patient-app"]["tenantId"]
    assert settings == {
        "clientId": outputs["applications"]["smart-patient-app"]["clientId"],
        "clientType": "public",
        "pkce": True,
        "issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
        "authorizationEndpoint": f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        "tokenEndpoint": f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "fhirServerUrl": "https://wsexample-fhirexample.fhir.azurehealthcareapis.com",
        "audience": URI,
        "scope": (
            f"{URI}/launch.patient {URI}/fhirUser {URI}/patient.Patient.rs "
            f"{URI}/patient.Observation.rs openid offline_access"
        ),
        "smartScopes": "launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs",
        "appRoles": [],
    }


def test_a_secret_is_written_for_a_confidential_client_only_when_asked(
    outputs: dict[str, Any],
) -> None:
    _, plain, _ = render(outputs, "smart-portal")
    assert "clientSecret" not in json.loads(plain)
    _, with_secret, _ = render(outputs, "smart-portal", "--include-secret")
    assert json.loads(with_secret)["clientSecret"] == outputs["clientSecrets"]["smart-portal"]


def test_a_backend_service_asks_for_the_audiences_default_scope(outputs: dict[str, Any]) -> None:
    settings = json.loads(render(outputs, "smart-bulk-export")[1])
    assert (settings["clientType"], settings["scope"], settings["appRoles"]) == (
        "backend",
        f"{URI}/.default",
        ["system.all.read"],
    )


def test_an_application_without_smart_settings_is_told_so(outputs: dict[str, Any]) -> None:
    outputs["applications"]["smart-portal"].pop("smart")
    code, _, error = render(outputs, "smart-portal")
    assert code == 2 and "has no SMART settings" in error

"""tools.adopt on recorded Graph payloads: the `az ad app show`, `az ad sp show`, owner,
grant and role assignment JSON of two portal registrations (tests/tools/adopt/), written
from Microsoft Graph's documented application and servicePrincipal resources."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config import load_settings
from tools import adopt

HERE = Path(__file__).parent / "adopt"
ROOT = Path(__file__).resolve().parents[2]
DEPLOYER = "a1b2c3d4-0000-4000-8000-000000000001"
APIS = ["--api", str(HERE / "fhir-api.json"), "--api", str(HERE / "dicom-api.json")]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = adopt.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def entry(out: str) -> tuple[str, dict[str, Any]]:
    ((name, config),) = yaml.safe_load(out).items()
    return name, config


def postman(*extra: str) -> tuple[int, str, str]:
    return run(
        str(HERE / "postman-app.json"),
        "--service-principal",
        str(HERE / "postman-sp.json"),
        "--owners",
        str(HERE / "postman-owners.json"),
        "--deployer",
        DEPLOYER,
        *APIS,
        *extra,
    )


def test_a_public_postman_client_becomes_its_config_entry() -> None:
    code, out, err = postman("--api", str(HERE / "graph-api.json"))
    assert code == 0
    name, config = entry(out)
    assert name == "healthcare-apis-postman"
    assert config["displayName"] == "Healthcare APIs - Postman"
    assert config["publicClientFlows"] is True
    # The two Postman callbacks, each as its preset, under the platform it was registered on.
    assert config["redirectUris"] == {"mobileDesktop": ["postman"], "web": ["postman-web"]}
    assert config["owners"] == ["b7a6c5d4-3e2f-4a1b-9c8d-7e6f5a4b3c2d"]  # the deployer is implied
    assert config["apiPermissions"] == {
        "azure-api-for-dicom": ["Dicom.ReadWrite"],
        "azure-healthcare-apis": ["user_impersonation"],
        "microsoft-graph": {"scopes": ["User.Read"], "roles": ["Application.Read.All"]},
    }
    assert "secret" not in config  # the stack adds its two slots beside the portal secrets
    assert config["adopt"] == {
        "applicationObjectId": "3f2b7c1e-5a4d-4c8b-9e21-7d6f0a1b2c3d",
        "servicePrincipalObjectId": "6e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098",
        "owners": ["b7a6c5d4-3e2f-4a1b-9c8d-7e6f5a4b3c2d"],
        "redirectUris": ["mobileDesktop", "web"],
        "apiAccess": ["azure-api-for-dicom", "azure-healthcare-apis", "microsoft-graph"],
    }
    # What the stack leaves alone, with end dates and how to revoke it.
    assert (
        "client secret 'Postman secret' (key ID 0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a) ends 2026-09-02T10:15:00Z"
        in err
    )
    assert "client secret 'Postman secret 2'" in err
    assert "certificate 'CN=postman-laptop'" in err and "--cert`" in err
    assert (
        "az ad app credential delete --id 9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d --key-id 0d9c8b7a"
        in err
    )


def test_permissions_of_an_api_without_its_service_principal_are_named_for_the_user() -> None:
    code, out, _ = postman()  # no Graph service principal given
    assert code == 0
    _, config = entry(out)
    assert "microsoft-graph" not in config["apiPermissions"]
    assert (
        "# unresolved scope e1fe6dd8-ba31-4d61-89e7-88639da4683d of API Microsoft Graph "
        "(00000003-0000-0000-c000-000000000000): name it from `az ad sp show --id "
        "00000003-0000-0000-c000-000000000000` (pass that file with --api, or run with "
        "--from-tenant) and add it under apiPermissions.microsoft-graph" in out
    )
    assert "# unresolved app role 9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30" in out


def test_consent_is_adopted_only_where_the_portal_app_has_it_for_every_api() -> None:
    code, out, err = postman("--grants", str(HERE / "postman-grants.json"))
    assert code == 0
    _, config = entry(out)
    assert "adminConsent" not in config and "grants" not in config["adopt"]
    assert "adminConsent is left off" in err
    assert "no tenant-wide consent for azure-healthcare-apis" in err
    assert "a user's own consent (grant Q0xJRU5ULUdSQU5ULUZISVItQURBLVBFUlNPTkFM)" in err

    code, out, err = run(
        str(HERE / "backend-app.json"),
        "--service-principal",
        str(HERE / "backend-sp.json"),
        "--grants",
        str(HERE / "backend-grants.json"),
        *APIS,
    )
    assert code == 0
    _, config = entry(out)
    assert config["adminConsent"] is True
    assert config["adopt"]["grants"] == {"azure-healthcare-apis": "QkFDS0VORC1HUkFOVC1GSElSLUFMTA"}
    assert config["publicClientFlows"] is False
    assert config["secret"] is False  # no portal secret: the stack does not add one either
    assert config["redirectUris"] == {
        "web": ["https://backend.contoso.example/signin-oidc"],
        "spa": ["https://portal.contoso.example/"],
    }


def test_role_assignments_on_declared_services_become_roles_and_the_rest_are_listed() -> None:
    code, out, _ = postman(
        "--role-assignments",
        str(HERE / "postman-role-assignments.json"),
        "--stack-file",
        str(ROOT / "Pulumi.dev.yaml"),
    )
    assert code == 0
    _, config = entry(out)
    assert config["roles"] == {"fhir": ["FHIR Data Contributor"]}
    (adopted,) = config["adopt"]["roleAssignments"]
    assert adopted["name"] == "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928"
    assert adopted["roleDefinitionId"] == "5a1fc7df-4bf1-4951-a576-89034ee01acd"
    assert (
        "# unresolved role assignment 8d7c6b5a-4938-4271-a09f-8e7d6c5b4a39 (Storage Blob Data Contributor)"
        in out
    )


def test_the_entry_passes_the_programs_validation() -> None:
    _, out, _ = postman("--api", str(HERE / "graph-api.json"))
    _, config = entry(out)
    services = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"][
        "healthcare-clients:services"
    ]
    settings = load_settings(
        {"services": services, "applications": {"postman": config}},
        now=adopt_now(),
        base_dir=ROOT,
    )
    assert settings.applications["postman"].display_name == "Healthcare APIs - Postman"


def adopt_now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 11, 27, 9, tzinfo=UTC)


def test_a_deployer_that_does_not_own_the_app_is_warned_about() -> None:
    code, _, err = postman("--deployer", "99999999-8888-4777-8666-555555555555")
    assert code == 0
    assert (
        "warning: the deploying identity 99999999-8888-4777-8666-555555555555 does not own this "
        "application" in err
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.json"], "error: cannot read the application 'missing.json'"),
        ([str(HERE / "fhir-api.json")], "error: the application file holds a service principal"),
        ([str(HERE / "postman-owners.json")], "error: the application is not what `az` prints"),
        (
            [str(HERE / "postman-app.json"), "--service-principal", str(HERE / "backend-sp.json")],
            "error: the service principal belongs to application 2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
        ),
        (
            [str(HERE / "postman-app.json"), "--grants", str(HERE / "postman-app.json")],
            "error: the grants file is not the JSON list `az` prints",
        ),
    ],
)
def test_inputs_it_cannot_use_exit_2_with_one_line(argv: list[str], message: str) -> None:
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1


def test_a_grant_to_an_api_it_no_longer_asks_of_is_left_alone(tmp_path: Path) -> None:
    # Consent given, the permission since removed from the registration: adopting the grant
    # would write an entry the program refuses (adopt.grants names apiPermissions keys).
    app = json.loads((HERE / "backend-app.json").read_text())
    app["requiredResourceAccess"] = []
    (tmp_path / "app.json").write_text(json.dumps(app), encoding="utf-8")
    code, out, err = run(
        str(tmp_path / "app.json"),
        *("--service-principal", str(HERE / "backend-sp.json")),
        *("--grants", str(HERE / "backend-grants.json")),
        *APIS,
    )
    assert code == 0, err
    _, config = entry(out)
    assert "adminConsent" not in config and "grants" not in config["adopt"]
    assert "admin consent grant QkFDS0VORC1HUkFOVC1GSElSLUFMTA to azure-healthcare-apis" in err
    services = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"][
        "healthcare-clients:services"
    ]
    load_settings(
        {"services": services, "applications": {"backend": config}}, now=adopt_now(), base_dir=ROOT
    )

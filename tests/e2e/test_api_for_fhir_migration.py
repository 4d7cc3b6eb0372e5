"""Moving from Azure API for FHIR, under the engine: a stack deployed with release 0.1.0 with a
role on an Azure API for FHIR keeps working under this release (no change), and moves to a
FHIR service in one reviewed change whose preview shows the new role assignment, the old one
going and the service in the outputs, nothing else; the client ID, secrets and Key Vault
secrets stay, and the new assignment exists before the old one is deleted."""

from typing import Any

import pytest

from testbed.engine import EngineWorkspace
from testbed.scenarios import LEGACY_ID, api_for_fhir_migration, migrated_config
from tools.record_previews import preview

pytestmark = pytest.mark.e2e


def backend(workspace: EngineWorkspace) -> dict[str, Any]:
    (app,) = workspace.tenant()["applications"].values()
    return dict(app)


def test_a_client_of_azure_api_for_fhir_moves_to_the_fhir_service(
    workspace: EngineWorkspace,
) -> None:
    previews = api_for_fhir_migration(workspace, preview)
    assert "Resources:\n    " in previews["upgrade"]
    assert "to create" not in previews["upgrade"] and "to delete" not in previews["upgrade"]
    before = backend(workspace)
    secrets_before = {k: v["versions"] for k, v in workspace.tenant()["vaultSecrets"].items()}
    old_assignments = set(workspace.tenant()["roleAssignments"])
    (old,) = old_assignments
    assert old.startswith(LEGACY_ID.lower())

    move = previews["move"]
    assert "+ 1 to create" in move and "- 1 to delete" in move
    assert "to update" not in move and "to replace" not in move
    new_scope = migrated_config()["services"]["fhir"]["resourceId"]
    # The CLI cuts long values; the new scope is the workspace FHIR service, the old one goes.
    assert f'scope             : "{new_scope[:100]}' in move
    assert f'scope             : "{LEGACY_ID}"' in move
    assert "was retired on 30 September 2026" in previews["upgrade"]

    log_start = len(workspace.tenant()["log"])
    workspace.cli("up", "--yes", "--suppress-outputs", stack="dev", check=True)
    after = backend(workspace)
    assert after["appId"] == before["appId"]
    assert [p["keyId"] for p in after["passwordCredentials"]] == [
        p["keyId"] for p in before["passwordCredentials"]
    ]
    secrets_after = {k: v["versions"] for k, v in workspace.tenant()["vaultSecrets"].items()}
    assert secrets_after == secrets_before  # Key Vault holds the secret and client ID only
    (new,) = workspace.tenant()["roleAssignments"]
    assert new.startswith(new_scope.lower())
    changes = [
        (e["operation"], e["id"].lower())
        for e in workspace.tenant()["log"][log_start:]
        if "roleassignments" in e["id"].lower()
    ]
    assert changes == [("create", new), ("delete", old)]  # created before the old one goes
    outputs = workspace.stack("dev").outputs()["applications"].value["backend"]["services"]
    assert set(outputs) == {"fhir"}
    assert outputs["fhir"]["url"] == "https://wsexample-fhirexample.fhir.azurehealthcareapis.com"

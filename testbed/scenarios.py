"""Stories under the engine that both the end-to-end tests and the recorded previews
(tools.record_previews) tell: each leaves its workspace for a test to read, and returns the
``pulumi preview --diff`` texts a reviewer would see, as ``preview`` (the caller's) prints
them."""

from __future__ import annotations

import copy
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from testbed.engine import ROOT, EngineWorkspace
from testbed.stackfile import load_stack_file

# The release whose program a stack that reached an Azure API for FHIR was deployed with:
# 0.1.0 created role assignments there (commit "Release 0.1.0").
RELEASE_0_1_0 = "87476f0"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
HEALTH = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-health-example/providers/Microsoft.HealthcareApis"
LEGACY_ID = f"{HEALTH}/services/apifhirexample"
VAULT = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-healthcare"
REMOVED_SCOPE = "patient/Observation.rs"


def released_components(revision: str, into: Path) -> Path:
    """The ``components`` package as it was at ``revision`` (from this repository's history)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "components"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "components"


def legacy_config() -> dict[str, Any]:
    """A backend that reached an Azure API for FHIR, with its secret delivered to Key Vault."""
    return {
        "services": {"legacy": {"kind": "api-for-fhir", "resourceId": LEGACY_ID}},
        "applications": {
            "backend": {
                "displayName": "Healthcare APIs - backend reader",
                "secret": {"expiresIn": "6 months"},
                "roles": {"legacy": ["FHIR Data Reader"]},
                "keyVault": {"id": VAULT},
            }
        },
    }


def migrated_config() -> dict[str, Any]:
    """The same backend on the FHIR service it moved to: a new service entry, its role there."""
    config = legacy_config()
    dev = load_stack_file("dev").config["services"]["fhir"]
    config["services"] = {"fhir": {"kind": "fhir", "resourceId": dev["resourceId"]}}
    config["applications"]["backend"]["roles"] = {"fhir": ["FHIR Data Reader"]}
    return config


Preview = Callable[[EngineWorkspace, str], str]


def api_for_fhir_migration(workspace: EngineWorkspace, preview: Preview) -> dict[str, str]:
    """Deploy the legacy stack with release 0.1.0, upgrade the program, then move the backend
    to a FHIR service: the upgrade's preview (no change) and the move's preview."""
    with tempfile.TemporaryDirectory() as scratch:
        old = released_components(RELEASE_0_1_0, Path(scratch))
        workspace.link_program(components=old)
        workspace.write_stack_file("dev", legacy_config())
        workspace.cli("stack", "init", "dev", check=True)
        workspace.cli("up", "--yes", "--suppress-outputs", stack="dev", check=True)
    workspace.link_program()
    upgraded = preview(workspace, "dev")
    workspace.write_stack_file("dev", migrated_config())
    moved = preview(workspace, "dev")
    return {"upgrade": upgraded, "move": moved}


def smart_scope_removal(workspace: EngineWorkspace, preview: Preview) -> dict[str, str]:
    """Deploy Pulumi.smart.yaml, then the two reviewed changes that remove a scope: its client
    stops asking for it (previewed, applied), then the resource drops it (previewed)."""
    config = copy.deepcopy(load_stack_file("smart").config)
    workspace.write_stack_file("smart", config)
    workspace.cli("stack", "init", "smart", check=True)
    workspace.cli("up", "--yes", "--suppress-outputs", stack="smart", check=True)
    config["applications"]["smart-patient-app"]["smart"]["scopes"].remove(REMOVED_SCOPE)
    workspace.write_stack_file("smart", config)
    clients = preview(workspace, "smart")
    workspace.cli("up", "--yes", "--suppress-outputs", stack="smart", check=True)
    config["smartResources"]["fhir-smart"]["scopes"].remove(REMOVED_SCOPE)
    workspace.write_stack_file("smart", config)
    resource = preview(workspace, "smart")
    return {"clients": clients, "resource": resource}

"""SMART on FHIR under the engine, with the real azuread provider against the Graph fake:
the example stack goes up as its plan says and reruns quiet, and a scope leaves in two
reviewed runs (its clients first, then the resource), with Graph seeing it disabled before
it is removed."""

import copy
import json
from typing import Any

import pytest

from testbed.engine import EngineWorkspace
from testbed.stackfile import load_stack_file

pytestmark = pytest.mark.e2e

URI = "https://fhir.contoso.com"
REMOVED = "patient/Observation.rs"


@pytest.fixture
def smart_config() -> dict[str, Any]:
    return copy.deepcopy(load_stack_file("smart").config)


def resource_app(workspace: EngineWorkspace) -> dict[str, Any]:
    (app,) = [
        a
        for a in workspace.tenant()["applications"].values()
        if a["displayName"] == "FHIR SMART resource"
    ]
    return dict(app)


def scope_values(app: dict[str, Any]) -> dict[str, bool]:
    return {
        s["value"]: s["isEnabled"] for s in (app.get("api") or {}).get("oauth2PermissionScopes", [])
    }


def steps(preview: Any) -> dict[str, int]:
    return {op: count for op, count in preview.change_summary.items() if op != "same"}


def test_the_smart_stack_goes_up_with_entra_scopes_fhir_user_and_no_consent(
    workspace: EngineWorkspace, smart_config: dict[str, Any]
) -> None:
    workspace.write_stack_file("smart", smart_config)
    stack = workspace.stack("smart")
    stack.up()
    state = workspace.tenant()
    app = resource_app(workspace)
    assert app["identifierUris"] == [URI]
    assert app["requestedAccessTokenVersion"] == 1
    assert scope_values(app) == {
        value: True
        for value in (
            "launch",
            "launch.patient",
            "fhirUser",
            "patient.all.read",
            "user.all.read",
            "patient.Patient.rs",
            "patient.Observation.rs",
        )
    }
    assert [r["value"] for r in app["appRoles"]] == ["system.all.read"]
    (policy,) = state["claimsMappingPolicies"].values()
    (claim,) = json.loads(policy["definition"][0])["ClaimsMappingPolicy"]["ClaimsSchema"]
    assert claim["ExtensionID"] == f"extension_{app['appId'].replace('-', '')}_fhirUser"
    assert claim["JWTClaimType"] == "fhirUser"
    with_policy = {
        sp["displayName"]
        for sp in state["servicePrincipals"].values()
        if sp.get("claimsMappingPolicies")
    }
    assert with_policy == {"FHIR SMART resource", "SMART clinician portal", "SMART patient app"}
    # No delegated consent anywhere; the backend's app role is its only consent.
    assert state["oauth2PermissionGrants"] == {}
    (assignment,) = state["appRoleAssignments"].values()
    assert assignment["appRoleId"] == app["appRoles"][0]["id"]
    outputs = stack.outputs()
    launch = outputs["applications"].value["smart-patient-app"]["smart"]
    assert launch["entraScopes"][0] == f"{URI}/launch.patient"
    assert outputs["smartResources"].value["fhir-smart"]["identifierUri"] == URI
    stack.preview(expect_no_changes=True)


def test_a_scope_leaves_its_clients_first_then_the_resource(
    workspace: EngineWorkspace, smart_config: dict[str, Any]
) -> None:
    workspace.write_stack_file("smart", smart_config)
    stack = workspace.stack("smart")
    stack.up()
    scope_id = next(
        s["id"]
        for s in (resource_app(workspace).get("api") or {})["oauth2PermissionScopes"]
        if s["value"] == "patient.Observation.rs"
    )

    # Removing it from the resource while a client still asks for it is refused, before anything.
    still_asked = copy.deepcopy(smart_config)
    still_asked["smartResources"]["fhir-smart"]["scopes"].remove(REMOVED)
    workspace.write_stack_file("smart", still_asked)
    refused = workspace.cli("preview", stack="smart", merged=True)
    assert refused.returncode != 0
    assert (
        f"applications.smart-patient-app.smart.scopes[5]: '{REMOVED}' is not published"
        in refused.stdout
    )

    # Run 1: the client stops asking; its API access is updated, the scope stays enabled.
    clients_first = copy.deepcopy(smart_config)
    clients_first["applications"]["smart-patient-app"]["smart"]["scopes"].remove(REMOVED)
    workspace.write_stack_file("smart", clients_first)
    assert steps(stack.preview()) == {"update": 1}
    stack.up()
    patient = next(
        a
        for a in workspace.tenant()["applications"].values()
        if a["displayName"] == "SMART patient app"
    )
    held = {a["id"] for e in patient["requiredResourceAccess"] for a in e["resourceAccess"]}
    assert scope_id not in held
    assert scope_values(resource_app(workspace))["patient.Observation.rs"] is True

    # Run 2: the resource drops it; the provider disables it, then removes it (Graph refuses
    # to remove an enabled scope), in one delete.
    both = copy.deepcopy(clients_first)
    both["smartResources"]["fhir-smart"]["scopes"].remove(REMOVED)
    workspace.write_stack_file("smart", both)
    assert steps(stack.preview()) == {"delete": 1}
    before = len(workspace.tenant()["log"])
    stack.up()
    assert "patient.Observation.rs" not in scope_values(resource_app(workspace))
    patches = [
        entry for entry in workspace.tenant()["log"][before:] if entry["type"] == "application"
    ]
    assert [p["operation"] for p in patches] == ["update", "update"]  # disable, then remove
    stack.preview(expect_no_changes=True)


def test_one_change_that_drops_a_scope_everywhere_also_holds(
    workspace: EngineWorkspace, smart_config: dict[str, Any]
) -> None:
    """The provider's delete does Graph's two steps itself, and the engine deletes after it
    updates, so a single reviewed change is safe too: the two runs are for the reviewer."""
    workspace.write_stack_file("smart", smart_config)
    stack = workspace.stack("smart")
    stack.up()
    both = copy.deepcopy(smart_config)
    both["applications"]["smart-patient-app"]["smart"]["scopes"].remove(REMOVED)
    both["smartResources"]["fhir-smart"]["scopes"].remove(REMOVED)
    workspace.write_stack_file("smart", both)
    assert steps(stack.preview()) == {"update": 1, "delete": 1}
    stack.up()
    assert "patient.Observation.rs" not in scope_values(resource_app(workspace))
    writes = [
        e["name"]
        for e in workspace.tenant()["log"]
        if e["operation"] == "update" and e["type"] == "application"
    ]
    # The client's access changes before the resource disables and removes the scope.
    assert writes[-3:] == ["SMART patient app", "FHIR SMART resource", "FHIR SMART resource"]

"""Azure API for FHIR after its retirement (components.legacy): the stack keeps the role
assignments that exist on one and creates none, checked against ARM before anything is
registered; a preview that cannot read role assignments is told, and `pulumi up` refuses.
An assignment that exists there is kept: a stack holds it in its state, so that is shown under
the engine (tests/e2e/test_api_for_fhir_migration.py)."""

import copy
from typing import Any

import pulumi
import pytest

from components import provider_resources as types
from testbed.fake_tenant import FakeTenant
from tests.conftest import SUBSCRIPTION, Runner

LEGACY_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.HealthcareApis/services/legacyfhir"


def legacy_config(dev_config: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(dev_config)
    config["services"]["legacy"] = {"kind": "api-for-fhir", "resourceId": LEGACY_ID}
    config["applications"]["backend"]["roles"] = {"legacy": ["FHIR Data Reader"]}
    return config


def test_a_new_role_assignment_on_a_retired_api_for_fhir_is_refused(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    tenant = FakeTenant()
    with pytest.raises(pulumi.RunError) as caught:
        run(legacy_config(dev_config), tenant=tenant)
    message = str(caught.value)
    assert (
        "applications.backend.roles.legacy: FHIR Data Reader would be a new role assignment on an "
        "Azure API for FHIR, which was retired on 30 September 2026: the stack creates nothing new "
        "for it"
    ) in message
    assert "docs/api-for-fhir-migration.md" in message
    assert tenant.applications == {} and tenant.tenant.state["roleAssignments"] == {}


def test_a_preview_that_cannot_read_role_assignments_warns_and_an_up_refuses(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    # An identity that may write role assignments but not read them: the lookup is refused.
    def unable() -> FakeTenant:
        write_only = {"scope": "/", "actions": ["Microsoft.Authorization/roleAssignments/write"]}
        return FakeTenant(azure_roles=[{**write_only, "dataActions": []}])

    previewed = run(legacy_config(dev_config), tenant=unable(), preview=True)
    warnings = [text for level, text in previewed.logs if level == "warning"]
    assert any(
        w.startswith(
            "applications.backend.roles.legacy: could not check that FHIR Data Reader exists"
        )
        and "`pulumi up` checks it again" in w
        for w in warnings
    )
    with pytest.raises(pulumi.RunError) as caught:
        run(legacy_config(dev_config), tenant=unable())
    assert "looking up FHIR Data Reader on the Azure API for FHIR failed" in str(caught.value)
    assert "Microsoft.Authorization/roleAssignments/read" in str(caught.value)


def test_nothing_is_looked_up_for_a_stack_without_api_for_fhir_roles(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    result = run(dev_config)
    assert not [token for token, _ in result.invokes if token == types.GET_ROLE_ASSIGNMENT]


def test_a_secret_key_withholds_the_role_name(run: Runner, dev_config: dict[str, Any]) -> None:
    with pytest.raises(pulumi.RunError) as caught:
        run(legacy_config(dev_config), secret_keys=("applications",))
    assert "FHIR Data Reader" not in str(caught.value)
    assert "[secret] would be a new role assignment" in str(caught.value)

"""Client secret rotation under the real engine (docs/design.md, "Rotation", invariants 2 and 5; README
"Credentials and rotation"): one slot replaced per boundary, the new password created first,
and no run deleting a password, whatever the cadence or the edit."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from components.rotation import EPOCH
from testbed.engine import EngineWorkspace
from tests.conftest import SUBSCRIPTION

pytestmark = pytest.mark.e2e

# The Graph fake logs each password it adds (addPassword) or removes (removePassword).
PASSWORD = "passwordCredential"
PERIOD = timedelta(days=90)  # 6 months: lifetime 180 days, period 90 days
# Ten days into generation 11 (2026-09-17 + 10 days).
START = EPOCH + 11 * PERIOD + timedelta(days=10)
SERVICE = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg"
    "/providers/Microsoft.HealthcareApis/workspaces/wsone/fhirservices/fhirone"
)


def config(secret: dict[str, Any]) -> dict[str, Any]:
    return {
        "services": {"fhir": {"kind": "fhir", "resourceId": SERVICE}},
        "applications": {"etl": {"secret": secret, "roles": {"fhir": ["FHIR Data Reader"]}}},
    }


def passwords(workspace: EngineWorkspace) -> list[dict[str, Any]]:
    (app,) = workspace.tenant()["applications"].values()
    return list(app["passwordCredentials"])


def valid_at(password: dict[str, Any], moment: datetime) -> bool:
    start = datetime.fromisoformat(password["startDateTime"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(password["endDateTime"].replace("Z", "+00:00"))
    return start <= moment < end


def active_key(stack: Any) -> str:
    (slot,) = [s for s in stack.outputs()["applications"].value["etl"]["secrets"] if s["active"]]
    return str(slot["keyId"])


def password_deletes(workspace: EngineWorkspace) -> list[dict[str, Any]]:
    return [
        entry
        for entry in workspace.tenant()["log"]
        if entry["type"] == PASSWORD and entry["operation"] == "delete"
    ]


def run_at(workspace: EngineWorkspace, stack: Any, moment: datetime) -> Any:
    workspace.set_clock(moment.isoformat())
    return stack.up()


def test_crossing_a_boundary_replaces_one_slot_creating_the_new_password_first(
    workspace: EngineWorkspace,
) -> None:
    workspace.write_stack_file("dev", config({"expiresIn": "6 months"}))
    stack = workspace.stack("dev")
    run_at(workspace, stack, START)
    first_active = active_key(stack)

    workspace.set_clock((START + PERIOD).isoformat())
    events: list[Any] = []
    preview = stack.preview(on_event=events.append)
    assert preview.change_summary.get("replace") == 1
    replaced = [
        e.resource_pre_event.metadata.urn
        for e in events
        if e.resource_pre_event and e.resource_pre_event.metadata.op.value == "replace"
    ]
    assert len(replaced) == 1 and replaced[0].endswith("ApplicationPassword::etl-secret-a")

    log_before = len(workspace.tenant()["log"])
    steps: list[Any] = []
    stack.up(on_event=steps.append)
    # The engine's own order for the slot: the replacement is created before the replaced
    # password leaves the state (create-before-delete; its delete is a release, below).
    slot_ops = [
        e.resource_pre_event.metadata.op.value
        for e in steps
        if e.resource_pre_event
        and e.resource_pre_event.metadata.urn.endswith("ApplicationPassword::etl-secret-a")
    ]
    assert "create-replacement" in slot_ops and "delete-replaced" in slot_ops, slot_ops
    assert slot_ops.index("create-replacement") < slot_ops.index("delete-replaced")

    now_active = active_key(stack)
    assert now_active != first_active
    held = {p["keyId"]: p for p in passwords(workspace)}
    # The retired slot's password is released, not deleted: still valid for a period.
    assert first_active in held and valid_at(held[first_active], START + PERIOD)
    assert now_active in held
    assert password_deletes(workspace) == []
    # Replayed from the tenant's log, request by request: once the first password exists,
    # the application never has fewer than two (the slots), during the rotation too.
    live, written = 0, workspace.tenant()["log"]
    for index, entry in enumerate(written):
        if entry["type"] == PASSWORD:
            live += {"create": 1, "delete": -1}.get(entry["operation"], 0)
        if index >= log_before:
            assert live >= 2, entry
    assert live == 3  # two slots and the released password


@pytest.mark.parametrize("idle_periods", [1, 2, 5])
def test_an_idle_stack_never_loses_the_secret_it_last_handed_out(
    workspace: EngineWorkspace, idle_periods: int
) -> None:
    workspace.write_stack_file("dev", config({"expiresIn": "6 months"}))
    stack = workspace.stack("dev")
    run_at(workspace, stack, START)
    handed_out = active_key(stack)
    handed_out_end = next(p for p in passwords(workspace) if p["keyId"] == handed_out)

    later = START + idle_periods * PERIOD
    run_at(workspace, stack, later)
    assert password_deletes(workspace) == []
    # Invariant 5: whatever the idle time, the last delivered secret is left to expire.
    assert handed_out in {p["keyId"] for p in passwords(workspace)}
    assert handed_out_end["endDateTime"] == next(
        p["endDateTime"] for p in passwords(workspace) if p["keyId"] == handed_out
    )
    assert any(valid_at(p, later) for p in passwords(workspace))
    assert stack.preview(expect_no_changes=True)


@pytest.mark.parametrize(
    "edit", [{"expiresIn": "3 months"}, {"expiresIn": "6 months", "rotateEvery": "30 days"}]
)
def test_editing_the_lifetime_or_the_period_keeps_the_active_secret_valid(
    workspace: EngineWorkspace, edit: dict[str, str]
) -> None:
    workspace.write_stack_file("dev", config({"expiresIn": "6 months"}))
    stack = workspace.stack("dev")
    run_at(workspace, stack, START)
    handed_out = active_key(stack)

    workspace.write_stack_file("dev", config(edit))
    preview = stack.preview()
    assert preview.change_summary.get("replace") == 2  # both slots: a new schedule
    stack.up()
    assert password_deletes(workspace) == []
    still = [p for p in passwords(workspace) if p["keyId"] == handed_out]
    assert still and valid_at(still[0], START + timedelta(days=1))
    assert len(passwords(workspace)) == 4  # two released, two managed

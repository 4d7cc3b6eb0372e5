"""Adopting a registration made in the portal, under the real engine: tools.adopt turns what
`az` prints into the entry, the first preview shows imports (and no create of the
registration or its service principal), the client ID stays, the next preview has no change,
a later edit updates in place, and an entry that does not match is refused with the
differences."""

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from testbed import portal
from testbed.engine import EngineWorkspace
from testbed.first_party import DICOM_API, HEALTHCARE_APIS
from tools import adopt

pytestmark = pytest.mark.e2e

FHIR_USER_IMPERSONATION = "db75143a-8f20-4238-9450-8b73ef4992f4"
POSTMAN = "https://www.getpostman.com/oauth2/callback"


def portal_postman(workspace: EngineWorkspace) -> dict[str, str]:
    """The tutorial's Postman client, clicked through in the portal, with admin consent."""
    with workspace.edit_tenant() as state:
        ids = portal.register(
            state,
            "Healthcare APIs - Postman",
            public_client=True,
            redirect_uris={"PublicClient": [POSTMAN]},
            api_access={HEALTHCARE_APIS: [(FHIR_USER_IMPERSONATION, "Scope")]},
        )
        portal.grant_admin_consent(
            state, ids["servicePrincipalObjectId"], HEALTHCARE_APIS, ["user_impersonation"]
        )
    return ids


def adopt_entry(workspace: EngineWorkspace, ids: dict[str, str], tmp: Path) -> dict[str, Any]:
    """Run tools.adopt on what `az` would print for the registration, as docs/adoption.md says."""
    argv = portal.az_files(workspace.tenant(), ids, tmp, (HEALTHCARE_APIS, DICOM_API))
    out, err = io.StringIO(), io.StringIO()
    assert adopt.main([*argv, "--name", "postman"], stdout=out, stderr=err) == 0, err.getvalue()
    entry: dict[str, Any] = yaml.safe_load(out.getvalue())["postman"]
    return entry


def import_ops(stack: Any, **kwargs: Any) -> dict[str, set[str]]:
    """The steps a preview plans per custom resource name (an import may be followed by an
    update); the component shares the registration's name, so components are left out."""
    events: list[Any] = []
    stack.preview(on_event=events.append, **kwargs)
    ops: dict[str, set[str]] = {}
    for event in events:
        if event.resource_pre_event:
            metadata = event.resource_pre_event.metadata
            if metadata.type.startswith("healthcare-clients:"):
                continue
            ops.setdefault(metadata.urn.rsplit("::", 1)[1], set()).add(metadata.op.value)
    return ops


def test_a_portal_registration_is_adopted_with_its_client_id(
    workspace: EngineWorkspace, tmp_path: Path
) -> None:
    ids = portal_postman(workspace)
    entry = adopt_entry(workspace, ids, tmp_path)
    assert entry["adopt"]["grants"]  # the admin consent is adopted too
    workspace.write_stack_file("dev", {"applications": {"postman": entry}})
    stack = workspace.stack("dev")

    ops = import_ops(stack)
    for adopted in (
        "postman",
        "postman-sp",
        "postman-redirect-publicclient",
        "postman-api-azure-healthcare-apis",
        "postman-consent-azure-healthcare-apis",
    ):
        assert "import" in ops[adopted] and "create" not in ops[adopted], (adopted, ops[adopted])
    # Imported, then updated in the same run by what the stack itself sets: its note on the
    # registration, and the deploying identity as the service principal's owner.
    assert ops["postman"] == {"import", "update"} and ops["postman-sp"] == {"import", "update"}
    assert ops["postman-secret-a"] == {"create"}  # the stack's own slots, beside the portal one

    stack.up()
    outputs = stack.outputs()["applications"].value["postman"]
    assert outputs["clientId"] == ids["clientId"]
    assert outputs["applicationObjectId"] == ids["applicationObjectId"]
    state = workspace.tenant()
    app = state["applications"][ids["applicationObjectId"]]
    assert len(state["applications"]) == 1  # nothing was created beside it
    assert len(app["passwordCredentials"]) == 3  # the portal secret is left alone
    assert app["notes"].startswith("Managed by Pulumi: stack healthcare-clients/dev")
    # Adopted: the key is inert now, and a rerun changes nothing.
    stack.preview(expect_no_changes=True)

    entry["displayName"] = "Healthcare APIs - Postman (managed)"
    workspace.write_stack_file("dev", {"applications": {"postman": entry}})
    assert import_ops(stack)["postman"] == {"update"}
    stack.up()
    assert workspace.tenant()["applications"][ids["applicationObjectId"]]["displayName"] == (
        "Healthcare APIs - Postman (managed)"
    )


def test_an_entry_that_does_not_match_the_registration_is_refused_with_the_differences(
    workspace: EngineWorkspace, tmp_path: Path
) -> None:
    ids = portal_postman(workspace)
    entry = adopt_entry(workspace, ids, tmp_path)
    entry["displayName"] = "Postman, renamed while adopting"
    entry["publicClientFlows"] = False
    workspace.write_stack_file("dev", {"applications": {"postman": entry}})
    before = workspace.tenant()
    with pytest.raises(auto.CommandError) as error:
        workspace.stack("dev").preview()
    message = str(error.value)
    assert (
        "applications.postman.adopt: the entry does not match the registration it adopts" in message
    )
    assert (
        "displayName is 'Postman, renamed while adopting' here and 'Healthcare APIs - Postman' in Entra"
        in message
    )
    assert "publicClientFlows is False here and True in Entra" in message
    assert "Regenerate the entry with `.venv/bin/python -m tools.adopt`" in message
    assert "Traceback" not in message
    assert workspace.tenant() == before

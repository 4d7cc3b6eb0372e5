"""Config edits, drift and faults under the real engine: the tenant ends as the config says,
client IDs stay, drift is found and undone, a failed run loses nothing and the next converges."""

from typing import Any

import pytest
from pulumi import automation as auto

from components import provider_resources as types
from testbed.engine import EngineWorkspace
from testbed.mockrun import run_program
from tests.e2e.conftest import DEV_NOW
from tests.e2e.tenant_view import from_plan, from_tenant

pytestmark = pytest.mark.e2e

GITHUB = "https://token.actions.githubusercontent.com"


def client_ids(stack: Any) -> dict[str, str]:
    apps = stack.outputs()["applications"].value
    return {name: app["clientId"] for name, app in apps.items()}


def app_named(workspace: EngineWorkspace, display_name: str) -> dict[str, Any]:
    (app,) = [
        a for a in workspace.tenant()["applications"].values() if a["displayName"] == display_name
    ]
    return dict(app)


def test_toggles_uri_edits_and_credential_renames_end_as_configured(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    backend = dev_config["applications"]["backend"]
    backend["federatedCredentials"] = {"deploy": {"repository": "contoso/loader", "branch": "main"}}
    workspace.write_stack_file("dev", dev_config)
    stack = workspace.stack("dev")
    stack.up()
    before = client_ids(stack)

    # Flip both public-client flags, edit the URIs, rename the credential's key.
    postman = dev_config["applications"]["postman"]
    postman["publicClientFlows"] = False
    backend["publicClientFlows"] = True
    postman["redirectUris"] = {"mobileDesktop": ["postman", "msauth.com.contoso.app://auth"]}
    backend["redirectUris"] = {"web": ["https://backend.contoso.example/callback"]}
    backend["federatedCredentials"] = {"ship": {"repository": "contoso/loader", "branch": "main"}}
    workspace.write_stack_file("dev", dev_config)
    stack.up()

    assert client_ids(stack) == before
    tenant_postman = app_named(workspace, "Healthcare APIs - Postman")
    tenant_backend = app_named(workspace, "Healthcare APIs - backend reader")
    assert (tenant_postman["isFallbackPublicClient"], tenant_backend["isFallbackPublicClient"]) == (
        False,
        True,
    )
    assert sorted(tenant_postman["redirectUris"]["PublicClient"]) == [
        "https://www.getpostman.com/oauth2/callback",
        "msauth.com.contoso.app://auth",
    ]
    assert tenant_backend["redirectUris"]["Web"] == ["https://backend.contoso.example/callback"]
    (credential,) = tenant_backend["federatedIdentityCredentials"]
    assert credential["name"].startswith("ship-")
    assert credential["subject"] == "repo:contoso/loader:ref:refs/heads/main"
    # The drift check of rotate.yml stays quiet afterwards: the tenant is what the state says.
    stack.preview(refresh=True, expect_no_changes=True)

    # A new subject under the same key: a new credential, created before the old is deleted.
    backend["federatedCredentials"] = {
        "ship": {"repository": "contoso/loader", "branch": "release"}
    }
    workspace.write_stack_file("dev", dev_config)
    stack.up()
    (credential,) = app_named(workspace, "Healthcare APIs - backend reader")[
        "federatedIdentityCredentials"
    ]
    assert credential["subject"] == "repo:contoso/loader:ref:refs/heads/release"
    assert client_ids(stack) == before
    # And the whole tenant is what the offline plan of the final config shows, not only
    # the parts edited above.
    assert from_tenant(workspace.tenant()) == from_plan(run_program(dev_config, now=DEV_NOW))


def test_drift_is_found_by_the_refresh_check_and_undone_by_up(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    workspace.write_stack_file("dev", dev_config)
    stack = workspace.stack("dev")
    stack.up()
    with workspace.edit_tenant() as state:  # someone deletes a password in the portal
        app = next(
            a for a in state["applications"].values() if a["displayName"].endswith("Postman")
        )
        removed = app["passwordCredentials"].pop(0)

    with pytest.raises(auto.CommandError) as error:
        stack.preview(refresh=True, expect_no_changes=True)
    assert "postman-secret-a" in str(error.value)
    # rotate.yml tells drift from a failed check by the CLI's exit code: 7 is "the preview
    # ran and proposed changes" (pkg/cmd/pulumi/cmd/exit_codes.go).
    check = ("preview", "--refresh", "--expect-no-changes")
    assert workspace.cli(*check, stack="dev").returncode == 7
    workspace.extra_env["PULUMI_CONFIG_PASSPHRASE"] = "not the passphrase"
    assert workspace.cli(*check, stack="dev").returncode not in (0, 7)  # could not run
    del workspace.extra_env["PULUMI_CONFIG_PASSPHRASE"]

    stack.up(refresh=True)
    app = app_named(workspace, "Healthcare APIs - Postman")
    assert len(app["passwordCredentials"]) == 2
    assert removed["keyId"] not in {p["keyId"] for p in app["passwordCredentials"]}
    stack.preview(refresh=True, expect_no_changes=True)


def _switch_off_public_client_flows(app: dict[str, Any]) -> str:
    app["isFallbackPublicClient"] = False
    return "postman-public-client-flows"


def _remove_the_postman_redirect(app: dict[str, Any]) -> str:
    app["redirectUris"]["PublicClient"] = []
    return "postman-redirect-publicclient"


def _rename_in_the_portal(app: dict[str, Any]) -> str:
    app["displayName"] = "Renamed in the portal"
    return "postman"


@pytest.mark.parametrize(
    "portal_edit",
    [_switch_off_public_client_flows, _remove_the_postman_redirect, _rename_in_the_portal],
)
def test_portal_edits_to_the_registration_are_drift_the_check_names_and_up_undoes(
    workspace: EngineWorkspace, dev_config: dict[str, Any], portal_edit: Any
) -> None:
    workspace.write_stack_file("dev", dev_config)
    stack = workspace.stack("dev")
    stack.up()
    configured = from_tenant(workspace.tenant())
    with workspace.edit_tenant() as state:
        app = next(
            a for a in state["applications"].values() if a["displayName"].endswith("Postman")
        )
        resource = portal_edit(app)

    check = workspace.cli("preview", "--refresh", "--expect-no-changes", stack="dev")
    assert check.returncode == 7, check.stdout + check.stderr
    assert resource in check.stdout

    stack.up(refresh=True)
    assert from_tenant(workspace.tenant()) == configured
    stack.preview(refresh=True, expect_no_changes=True)


def test_a_failed_create_loses_nothing_and_the_next_up_converges(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    workspace.write_stack_file("dev", dev_config)
    with workspace.edit_tenant() as state:
        state["faults"].append(
            {
                "operation": "create",
                "type": types.ROLE_ASSIGNMENT.token,
                "nth": 2,
                "seen": 0,
                "message": "",
            }
        )
    stack = workspace.stack("dev")
    with pytest.raises(auto.CommandError) as error:
        stack.up()
    assert "injected fault" in str(error.value)
    half = workspace.tenant()
    assert [e["operation"] for e in half["log"] if e["operation"] == "delete"] == []
    created = from_tenant(half)

    stack.up()
    stack.preview(expect_no_changes=True)
    done = from_tenant(workspace.tenant())
    # Everything the failed run made is still there, unchanged, in the converged tenant.
    for name, app in created["applications"].items():
        for key, value in app.items():
            if value:
                assert done["applications"][name][key] == value
    assert set(created["roleAssignments"]) < set(done["roleAssignments"])
    assert len(done["roleAssignments"]) == 3

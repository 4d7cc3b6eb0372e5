"""A secret ``applications`` key under the real engine: what derives from it is encrypted in
the state and withheld from a preview's diff, not only marked secret on the mock runtime
(docs/configuration.md, "Secret config values")."""

import json
from typing import Any

import pytest
from pulumi import automation as auto

from testbed.engine import EngineWorkspace
from testbed.fake_tenant import SECRET_KEY

pytestmark = pytest.mark.e2e

KEY = "healthcare-clients:applications"
# Values the dev stack writes under `applications`, each reaching a resource input.
WRITTEN = (
    "Healthcare APIs - Postman",
    "Healthcare APIs - backend reader",
    "https://www.getpostman.com/oauth2/callback",  # the `postman` preset, expanded
)


def test_a_secret_applications_key_stays_secret_in_the_state_and_the_diff(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    applications = dev_config.pop("applications")
    workspace.write_stack_file("dev", dev_config)
    stack = workspace.stack("dev")
    stack.set_config(KEY, auto.ConfigValue(json.dumps(applications), secret=True))
    assert "secure:" in (workspace.project / "Pulumi.dev.yaml").read_text()

    stack.up()
    state = workspace.checkpoint_text()
    assert f'"{SECRET_KEY}"' in state  # how the state marks an encrypted value
    for value in WRITTEN:
        # A service principal's displayName is its application's, copied by the provider:
        # only the program's additional secret outputs keep it out of the state.
        assert value not in state, value

    applications["backend"]["displayName"] = "Healthcare APIs - backend, renamed"
    stack.set_config(KEY, auto.ConfigValue(json.dumps(applications), secret=True))
    preview = workspace.cli("preview", "--diff", stack="dev", merged=True)
    assert preview.returncode == 0, preview.stdout
    assert "displayName" in preview.stdout and "[secret]" in preview.stdout
    for value in (*WRITTEN, "renamed"):
        assert value not in preview.stdout, value

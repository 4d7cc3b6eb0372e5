"""The dev stack's `pulumi up` under a throttling, lagging Microsoft Graph.

Graph answers 429 with Retry-After when a tenant is throttled, and a replica may not yet know
an object that was just created (testbed/graphapi/server.py cites both). The real azuread
provider must ride both out with its own retries: the up succeeds, and the tenant ends exactly
as it does under a calm Graph.
"""

from typing import Any

import pytest

from testbed.engine import EngineWorkspace
from tests.e2e.tenant_view import from_tenant

pytestmark = pytest.mark.e2e


def test_a_429_storm_and_slow_replication_change_nothing_in_the_end_state(
    workspace: EngineWorkspace, dev_config: dict[str, Any], tmp_path: Any
) -> None:
    with EngineWorkspace.create(tmp_path / "calm", now=workspace.now) as calm:
        calm.write_stack_file("dev", dev_config)
        calm.stack("dev").up()
        expected = from_tenant(calm.tenant())

    workspace.write_stack_file("dev", dev_config)
    with workspace.edit_tenant() as state:
        state["graph"] = {"throttleShare": 0.3, "retryAfterSeconds": 1, "replicationSeconds": 5}
    stack = workspace.stack("dev")
    result = stack.up()
    assert result.summary.result == "succeeded"
    stormy = workspace.tenant()
    assert stormy["throttled"] > 10  # the storm happened
    assert workspace.graph is not None
    # Reads of objects younger than 5 s were answered 404 and retried by the provider.
    assert any(status == 404 for _, _, status in workspace.graph.requests)
    assert from_tenant(stormy) == expected

    with workspace.edit_tenant() as state:
        state["graph"] = {}
    stack.preview(expect_no_changes=True)

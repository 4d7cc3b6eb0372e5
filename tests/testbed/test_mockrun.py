"""testbed.mockrun: what a run leaves behind."""

import asyncio
import threading
import time
from typing import Any

import pytest

from testbed.mockrun import run_program
from testbed.tenant import Tenant
from tests.conftest import DEV_NOW


def test_a_run_leaves_no_event_loop_open(
    dev_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK's mock monitor gives every executor thread an event loop of its own. Left
    open, such a loop closes itself when collected, at exit or mid-test, after its self-pipe
    is gone: "Exception ignored in BaseEventLoop.__del__ ... Invalid file descriptor: -1"
    (about 1 run in 40 of tools.plan)."""
    created: list[asyncio.AbstractEventLoop] = []
    original = asyncio.new_event_loop

    def tracked() -> asyncio.AbstractEventLoop:
        loop = original()
        created.append(loop)
        return loop

    monkeypatch.setattr(asyncio, "new_event_loop", tracked)
    run_program(dev_config, now=DEV_NOW)
    assert len(created) > 1  # the run's own loop and the worker threads' loops
    assert [loop for loop in created if not loop.is_closed()] == []


def test_the_fake_tenant_serves_one_request_at_a_time(
    dev_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The mock runtime registers resources from several threads; the tenant's handlers share
    # its maps (a delegated grant scans every grant), so overlapping requests once broke a
    # benchmark run with "dictionary changed size during iteration".
    inside, most = 0, 0
    guard = threading.Lock()
    create = Tenant.create

    def timed_create(self: Tenant, *args: Any) -> Any:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        time.sleep(0.002)  # long enough for another thread to enter, if it may
        try:
            return create(self, *args)
        finally:
            with guard:
                inside -= 1

    monkeypatch.setattr(Tenant, "create", timed_create)
    run_program(dev_config, now=DEV_NOW)
    assert most == 1

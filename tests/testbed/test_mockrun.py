"""testbed.mockrun: what a run leaves behind."""

import asyncio
from typing import Any

import pytest

from testbed.mockrun import run_program
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

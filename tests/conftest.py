"""Shared fixtures. Every program run goes through testbed.mockrun.run_program, which gives
each run a fresh event loop and calls reset_options() afterwards (pulumi-practice.md 1.6);
the autouse fixture below guards tests that touch the SDK directly."""

import asyncio
import copy
from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime.settings import reset_options

from testbed.fake_tenant import FakeTenant
from testbed.mockrun import MockRun, run_program
from testbed.stackfile import load_stack_file

DEV_NOW = "2026-11-27T09:00:00Z"


@pytest.fixture(autouse=True)
def _isolated_runtime() -> Iterator[None]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    pulumi.runtime.set_all_config({}, secret_keys=[])
    reset_options()
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture(scope="session")
def _dev_stack_config() -> dict[str, Any]:
    return load_stack_file("dev").config


@pytest.fixture
def dev_config(_dev_stack_config: dict[str, Any]) -> dict[str, Any]:
    """A private copy of Pulumi.dev.yaml's config, safe to edit in a test."""
    return copy.deepcopy(_dev_stack_config)


Runner = Callable[..., MockRun]


@pytest.fixture
def run() -> Runner:
    """Run __main__.py on the mock runtime: run(config, now=..., tenant=..., secret_keys=...)."""

    def _run(config: dict[str, Any], **kwargs: Any) -> MockRun:
        kwargs.setdefault("now", DEV_NOW)
        return run_program(config, **kwargs)

    return _run


@pytest.fixture
def tenant() -> FakeTenant:
    return FakeTenant()

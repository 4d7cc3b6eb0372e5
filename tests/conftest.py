"""Shared fixtures and constants. Every program run goes through testbed.mockrun.run_program,
which gives each run a fresh event loop and calls reset_options() afterwards (the SDK keeps
its runtime settings in module globals); the autouse fixture below guards tests that touch
the SDK directly.

The tests are laid out like the packages they test: tests/components (and components/config),
tests/tools, tests/testbed, tests/policy, tests/bench; tests/e2e runs the real engine.
"""

import asyncio
import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pulumi
import pytest
from hypothesis import settings
from pulumi.runtime.settings import reset_options

from testbed.fake_tenant import FakeTenant
from testbed.mockrun import MockRun, run_program
from testbed.stackfile import load_stack_file

# No per-example deadline: the properties are exact, and a CI machine running four workers
# beside the engine's e2e tests is slow enough to trip Hypothesis's default 200 ms at random.
settings.register_profile("healthcare-clients", deadline=None)
settings.load_profile("healthcare-clients")

ROOT = Path(__file__).resolve().parent.parent  # the repository
# The clock of the dev stack's tests: inside generation 11 of the 6-month preset.
NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)
DEV_NOW = "2026-11-27T09:00:00Z"
# The placeholder subscription of Pulumi.dev.yaml and of most test configs, and another one.
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
OTHER_SUBSCRIPTION = "0b5e3c1a-7d2f-4e8a-9c61-2f4b8d9e0a11"
_HEALTH = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-health-example/providers/Microsoft.HealthcareApis"
# The dev stack's placeholder services (Pulumi.dev.yaml).
DEV_FHIR_ID = f"{_HEALTH}/workspaces/wsexample/fhirservices/fhirexample"
DEV_DICOM_ID = f"{_HEALTH}/workspaces/wsexample/dicomservices/dicomexample"


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

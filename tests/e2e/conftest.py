"""Fixtures for the end-to-end tests: the real engine (``make engine``) and a workspace per test.

Each test gets its own project directory, local file backend, ``PULUMI_HOME`` with the fake
providers installed under the pinned plugin versions, and fake tenant file. The engine is
never skipped: without it these tests fail and say how to build it.
"""

import copy
from pathlib import Path
from typing import Any

import pytest

from testbed.engine import EngineWorkspace, locate
from testbed.stackfile import load_stack_file

DEV_NOW = "2026-11-27T09:00:00+00:00"


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    found = locate()
    if found is None:
        pytest.fail("no Pulumi engine: run `make engine` (it builds one from source)")
    return found


@pytest.fixture
def workspace(tmp_path: Path, engine_bin: Path) -> EngineWorkspace:
    return EngineWorkspace.create(tmp_path / "ws", now=DEV_NOW, bin_dir=engine_bin)


@pytest.fixture(scope="session")
def _dev_config() -> dict[str, Any]:
    return load_stack_file("dev").config


@pytest.fixture
def dev_config(_dev_config: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(_dev_config)

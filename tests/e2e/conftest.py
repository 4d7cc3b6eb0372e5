"""Fixtures for the end-to-end tests: the real engine (``make engine``) and a workspace per test.

Each test gets its own project directory, local file backend, ``PULUMI_HOME`` with the fake
providers installed under the pinned plugin versions, and fake tenant file. The engine is
never skipped: without it these tests fail and say how to build it. ``dev_config`` and the
shared constants come from tests/conftest.py.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed.engine import EngineWorkspace, locate
from tests.conftest import NOW

DEV_NOW = NOW.isoformat()  # 2026-11-27T09:00:00+00:00, as the engine tests have spelt it


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    found = locate()
    if found is None:
        pytest.fail("no Pulumi engine: run `make engine` (it builds one from source)")
    return found


@pytest.fixture
def workspace(tmp_path: Path, engine_bin: Path) -> Iterator[EngineWorkspace]:
    with EngineWorkspace.create(tmp_path / "ws", now=DEV_NOW, bin_dir=engine_bin) as created:
        yield created

"""The previews under docs/previews are what the current program makes the engine print.

The engine registers resources as the program's outputs resolve, so blocks come in a
different order from run to run; the comparison is of the lines, not their order."""

from pathlib import Path

import pytest

from testbed.engine import ROOT
from tools.record_previews import record

pytestmark = pytest.mark.e2e


def test_the_recorded_previews_are_current(tmp_path: Path, engine_bin: Path) -> None:
    fresh = record(tmp_path)
    for name, text in fresh.items():
        committed = (ROOT / "docs" / "previews" / name).read_text(encoding="utf-8")
        assert sorted(text.splitlines()) == sorted(committed.splitlines()), (
            f"docs/previews/{name} is stale: run `python -m tools.record_previews docs/previews`"
        )
    assert "replace[retain]" in fresh["rotation.txt"]
    assert fresh["rotation.txt"].count("(replace[retain])") == 2  # one slot per application
    clients, resource = (
        fresh["smart-scope-removal-1-clients.txt"],
        fresh["smart-scope-removal-2-resource.txt"],
    )
    assert "~ 1 to update" in clients and "to delete" not in clients
    assert (
        "- 1 to delete" in resource and "to create" not in resource and "to update" not in resource
    )
    assert "applicationPermissionScope:ApplicationPermissionScope: (delete)" in resource
    migration = fresh["api-for-fhir-migration.txt"]
    assert "+ 1 to create" in migration and "- 1 to delete" in migration
    assert "to update" not in migration and "to replace" not in migration
    assert "to create" not in fresh["api-for-fhir-upgrade.txt"]

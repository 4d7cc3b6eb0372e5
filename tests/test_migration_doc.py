"""docs/api-for-fhir-migration.md shows the preview the engine recorded, not a copy that drifted
from it (tests/e2e/test_recorded_previews.py keeps the recording itself current)."""

import re

from tests.conftest import ROOT


def test_the_migration_guide_shows_the_recorded_preview() -> None:
    guide = (ROOT / "docs" / "api-for-fhir-migration.md").read_text(encoding="utf-8")
    recorded = (ROOT / "docs" / "previews" / "api-for-fhir-migration.txt").read_text(
        encoding="utf-8"
    )
    (block,) = re.findall(r"^```\n(.*?)^```$", guide, flags=re.S | re.M)
    assert block.rstrip("\n") == recorded.rstrip("\n")
    assert "+ 1 to create" in block and "- 1 to delete" in block

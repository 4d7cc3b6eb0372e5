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


def test_the_readme_shows_lines_of_the_recorded_preview_in_its_order() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Moving from Azure API for FHIR", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"^```\n(.*?)^```$", section, flags=re.S | re.M)
    recorded = iter(
        (ROOT / "docs" / "previews" / "api-for-fhir-migration.txt")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    # Each shown line is the recording's next matching line: an excerpt, never an edit.
    missing = [line for line in block.splitlines() if not any(line == r for r in recorded)]
    assert missing == []
    assert "+ 1 to create" in block and "- 1 to delete" in block

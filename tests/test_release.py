"""The release number is written in three places a reader meets: pyproject.toml, the
changelog and the stack output. They name the same release."""

import re
import tomllib
from pathlib import Path

from components import VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_pyproject_names_the_release_the_stack_reports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == VERSION


def test_the_changelog_has_an_entry_for_the_release_under_unreleased() -> None:
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    # Keep a Changelog: Unreleased on top, then releases newest first.
    assert headings[:2] == ["Unreleased", VERSION]

"""What every check of ``tools.lint_workflows`` reports: findings at a path and line, and
the tool that could not run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ToolMissing(Exception):  # noqa: N818 (a condition the caller reports, not a bug)
    pass


@dataclass(frozen=True)
class Finding:
    tool: str
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.tool}] {self.message}"


def relative(path: Path | str) -> str:
    """How a finding names a path: from the repository root when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)

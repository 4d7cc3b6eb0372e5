"""Regenerate docs/sdk/nodejs: the TypeScript SDK of the component package, as
`pulumi package gen-sdk --language nodejs` generates it, for reviewers to read the component's
API in a language other than Python. tests/e2e/test_component_package.py regenerates it and
compares.

    .venv/bin/python -m testbed.record_sdk docs/sdk/nodejs
"""

import shutil
import sys
import tempfile
from pathlib import Path

from testbed.engine import ROOT, EngineWorkspace

# The component and its types; the rest (package.json, utilities) is boilerplate.
SDK_FILES = ("clientApplication.ts", "types/input.ts", "types/output.ts")


def record(out: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        workspace = EngineWorkspace.create(Path(scratch) / "ws", now="2026-11-27T09:00:00+00:00")
        sdks = Path(scratch) / "sdks"
        workspace.cli(
            "package",
            "gen-sdk",
            str(ROOT / "package"),
            "--language",
            "nodejs",
            "--out",
            str(sdks),
            check=True,
        )
        for name in SDK_FILES:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sdks / "nodejs" / name, target)


if __name__ == "__main__":
    record(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "sdk" / "nodejs")

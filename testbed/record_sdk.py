"""Regenerate docs/sdk/nodejs: the TypeScript declarations (.d.ts) of the component package's
SDK, for reviewers to read the component's API in a language other than Python.
`pulumi package gen-sdk --language nodejs` writes the SDK's TypeScript sources; the pinned
TypeScript compiler in tools/sdk-declarations turns them into the declarations a TypeScript
user's editor shows, with the SDK's own tsconfig.json. tests/e2e/test_component_package.py
regenerates them and compares.

    make sdk-declarations && .venv/bin/python -m testbed.record_sdk docs/sdk/nodejs
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from testbed.engine import ROOT, EngineWorkspace

# The component and its types; the rest (provider, utilities) is the same for every package.
DECLARATIONS = ("index.d.ts", "clientApplication.d.ts", "types/input.d.ts", "types/output.d.ts")
COMPILER = ROOT / "tools" / "sdk-declarations"


def _compiler() -> Path:
    """node_modules of tools/sdk-declarations, which `make sdk-declarations` (a prerequisite of
    `make e2e`) installs at its lock file's pins."""
    node_modules = COMPILER / "node_modules"
    if not (node_modules / "typescript" / "bin" / "tsc").exists():
        raise RuntimeError(
            "the SDK's declarations need the pinned TypeScript compiler: run `make sdk-declarations`"
        )
    return node_modules


def declarations(workspace: EngineWorkspace) -> dict[str, str]:
    """The .d.ts files of DECLARATIONS, by path, for the package as it is now."""
    node_modules = _compiler()
    with tempfile.TemporaryDirectory() as scratch:
        sdks, emitted = Path(scratch) / "sdks", Path(scratch) / "d.ts"
        workspace.cli(
            "package", "gen-sdk", str(ROOT / "package"), "--language", "nodejs", "--out", str(sdks),
            check=True,
        )  # fmt: skip
        sdk = sdks / "nodejs"
        # The SDK imports @pulumi/pulumi; tsc resolves it from a node_modules beside the sources.
        (sdk / "node_modules").symlink_to(node_modules)
        compiled = subprocess.run(
            [
                "node",
                str(node_modules / "typescript" / "bin" / "tsc"),
                "--project",
                str(sdk / "tsconfig.json"),
                "--declaration",
                "--emitDeclarationOnly",
                "--outDir",
                str(emitted),
            ],
            cwd=sdk,
            capture_output=True,
            text=True,
            check=False,
        )
        if compiled.returncode != 0:
            raise RuntimeError(
                f"tsc failed on the generated SDK:\n{compiled.stdout}{compiled.stderr}"
            )
        return {name: (emitted / name).read_text(encoding="utf-8") for name in DECLARATIONS}


def record(out: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        workspace = EngineWorkspace.create(Path(scratch) / "ws", now="2026-11-27T09:00:00+00:00")
        for name, text in declarations(workspace).items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    record(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "sdk" / "nodejs")

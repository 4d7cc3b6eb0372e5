"""Programs of other teams that consume the component package (package/), set up as a user
sets them up, in a directory of their own beside the workspace's project: Pulumi YAML with
`pulumi package add`, and Python with the SDK that `pulumi package gen-sdk` generates."""

import json
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import yaml

from testbed.engine import ROOT, EngineWorkspace

PACKAGE = ROOT / "package"
# A consumer's own project name: it appears in its URNs, its registrations' notes and the seed
# of its role assignment names, never this repository's.
CONSUMER_PROJECT = "clinic-platform"
COMPONENT = "healthcare-clients:index:ClientApplication"


GUIDE = ROOT / "docs" / "use-from-your-own-program.md"


def guide_example(language: str) -> str:
    """The complete program the guide gives for a language (its first code block of it)."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(f"```{language}\n") + len(f"```{language}\n")
    return text[start : text.index("```", start)]


def yaml_program(workspace: EngineWorkspace, resources: dict[str, Any], **extra: Any) -> Path:
    """A Pulumi YAML project that has run `pulumi package add` on the package, with these
    resources (and other top-level sections, such as outputs)."""
    project = workspace.root / "yaml-program"
    project.mkdir()
    document = {"name": CONSUMER_PROJECT, "runtime": "yaml", "resources": {}}
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    added = workspace.cli("package", "add", str(PACKAGE), cwd=project)
    assert added.returncode == 0, added.stderr
    document = yaml.safe_load((project / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert document["packages"] == {"healthcare-clients": str(PACKAGE)}
    # A copy without shared objects, which PyYAML would write as anchors Pulumi YAML refuses.
    document.update(json.loads(json.dumps({"resources": resources, **extra})))
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
    return project


def python_program(workspace: EngineWorkspace, program: str) -> Path:
    """A Python project using the SDK that `pulumi package gen-sdk --language python`
    generates, installed into the project's own virtualenv, which sees this repository's
    pinned packages (pulumi, pulumi-azure-native) through a .pth file instead of a second
    install of them."""
    project = workspace.root / "python-program"
    project.mkdir()
    generated = workspace.cli(
        "package", "gen-sdk", str(PACKAGE), "--language", "python", "--out", str(project / "sdks")
    )
    assert generated.returncode == 0, generated.stderr
    venv = project / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "pinned-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", "utf-8")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip, "--disable-pip-version-check", str(project / "sdks" / "python")], check=True
    )
    document = {
        "name": CONSUMER_PROJECT,
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}},
        # What `pulumi package add` records: where the engine finds the package's plugin.
        "packages": {"healthcare-clients": str(PACKAGE)},
    }
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    (project / "__main__.py").write_text(program, encoding="utf-8")
    return project

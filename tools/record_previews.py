"""Record what a reviewer sees in a pull request: real ``pulumi preview --diff`` output.

``python -m tools.record_previews docs/previews`` deploys the dev stack under the engine
built from source (``make engine``) against the fake tenant, then previews two typical
changes with the policy pack, as ``preview.yml`` does, and writes each preview to a file:

- ``add-application.txt``: a new application entry in ``Pulumi.dev.yaml``;
- ``rotation.txt``: the same stack run after a rotation period boundary has passed;
- ``adoption.txt``: adopting a Postman client made in the portal (``tools.adopt``);
- ``smart-scope-removal-1-clients.txt`` and ``-2-resource.txt``: Pulumi.smart.yaml's two runs
  that remove a SMART scope (testbed.scenarios);
- ``api-for-fhir-upgrade.txt`` and ``api-for-fhir-migration.txt``: a stack deployed with 0.1.0
  on an Azure API for FHIR, under this release, then moved to a FHIR service; the migration
  preview is also the one docs/api-for-fhir-migration.md shows.

The tests regenerate them and compare (tests/e2e/test_recorded_previews.py), so the files
always show what the current program does. Nothing talks to Azure: IDs come from the fake.
"""

from __future__ import annotations

import copy
import io
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from testbed import portal
from testbed.engine import ROOT, EngineWorkspace
from testbed.first_party import HEALTHCARE_APIS
from testbed.scenarios import api_for_fhir_migration, smart_scope_removal
from testbed.stackfile import load_stack_file
from tools import adopt

DEV_NOW = "2026-11-27T09:00:00+00:00"
FHIR_USER_IMPERSONATION = "db75143a-8f20-4238-9450-8b73ef4992f4"
# The first day of generation 12 of the 6-month preset: one slot per application rotates.
AFTER_BOUNDARY = "2026-12-17T09:00:00+00:00"
NEW_APPLICATION = {
    "displayName": "Healthcare APIs - reporting",
    "secret": {"expiresIn": "3 months"},
    "roles": {"fhir": ["FHIR Data Reader"]},
    "federatedCredentials": {"reports-main": {"repository": "contoso/reports", "branch": "main"}},
}


def preview(workspace: EngineWorkspace, stack: str = "dev") -> str:
    result = workspace.cli(
        "preview",
        "--diff",
        "--suppress-progress",
        "--color",
        "never",
        "--policy-pack",
        str(ROOT / "policy"),
        "--policy-pack-config",
        str(ROOT / "policy" / "config.json"),
        stack=stack,
        check=True,
        # As preview.yml writes it to the job summary (`> preview.txt 2>&1`): with --diff the
        # CLI prints the program's warnings on stderr.
        merged=True,
    )
    return normalize(result.stdout, workspace)


def normalize(text: str, workspace: EngineWorkspace) -> str:
    """The parts of a preview that differ from run to run: where the repository and the test
    live, and the ID the engine gives the default provider instance."""
    text = text.replace(str(ROOT), "<repository>").replace(str(workspace.root), "<workspace>")
    text = re.sub(r"(pulumi:providers:[\w-]+::default[\w]*)::[0-9a-f-]{36}", r"\1::<id>", text)
    # The policy pack table pads its header to the pack's path, which holds the repository's.
    text = re.sub(r"^(\s+Name)\s+(Version)$", r"\1  \2", text, flags=re.MULTILINE)
    text = re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE)
    return _sorted_violations("\n".join(_sorted_steps(text.split("\n"))))


# A step of `preview --diff`: "+ azuread:index/x:X: (create)", "+-azuread:...: (replace)".
_STEP = re.compile(r"^(\s*)(?:\+-|\+\+|--|[-+~=]) ?[\w-]+:[\w/.-]*:?\w+: \(")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _sorted_steps(lines: list[str]) -> list[str]:
    """Sibling steps in URN order. The engine prints steps as the providers answer, and the
    real azuread provider's timing varies from run to run; the set of steps does not."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _STEP.match(lines[index])
        if match is None:
            out.append(lines[index])
            index += 1
            continue
        depth = len(match[1])
        blocks: list[list[str]] = []
        while index < len(lines):
            step = _STEP.match(lines[index])
            if step is None or len(step[1]) != depth:
                break
            end = index + 1
            while end < len(lines) and lines[end] and _indent(lines[end]) > depth:
                end += 1
            head, body = lines[index], lines[index + 1 : end]
            blocks.append([head, *_sorted_steps(body)])
            index = end
        blocks.sort(key=lambda block: next((b for b in block if "[urn=" in b), block[0]))
        out.extend(line for block in blocks for line in block)
    return out


def _sorted_violations(text: str) -> str:
    """The policy pack reports each resource's violations as the engine's steps finish, which
    the real provider's timing reorders; a reader wants them in one order (two lines each)."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("    healthcare-clients-guardrails@"):
            out.append(lines[index])
            index += 1
            continue
        blocks = []
        while index < len(lines) and lines[index].startswith("    healthcare-clients-guardrails@"):
            blocks.append(lines[index : index + 2])
            index += 2
        out.extend(line for block in sorted(blocks) for line in block)
    return "\n".join(out)


def _adoption_preview(scratch: Path) -> str:
    """A Postman client made in the portal, adopted: the entry from tools.adopt, previewed."""
    workspace = EngineWorkspace.create(scratch / "adopt", now=DEV_NOW)
    with workspace.edit_tenant() as state:
        ids = portal.register(
            state,
            "Healthcare APIs - Postman",
            public_client=True,
            redirect_uris={"PublicClient": ["https://www.getpostman.com/oauth2/callback"]},
            api_access={HEALTHCARE_APIS: [(FHIR_USER_IMPERSONATION, "Scope")]},
        )
        portal.grant_admin_consent(
            state, ids["servicePrincipalObjectId"], HEALTHCARE_APIS, ["user_impersonation"]
        )
    files = scratch / "az"
    files.mkdir()
    argv = portal.az_files(workspace.tenant(), ids, files, (HEALTHCARE_APIS,))
    out, err = io.StringIO(), io.StringIO()
    if adopt.main([*argv, "--name", "postman"], stdout=out, stderr=err) != 0:
        raise RuntimeError(err.getvalue())
    entry = yaml.safe_load(out.getvalue())["postman"]
    workspace.write_stack_file("dev", {"applications": {"postman": entry}})
    workspace.cli("stack", "init", "dev", check=True)
    return preview(workspace)


def record(target: Path) -> dict[str, str]:
    config: dict[str, Any] = load_stack_file("dev").config
    with tempfile.TemporaryDirectory() as scratch:
        workspace = EngineWorkspace.create(Path(scratch) / "ws", now=DEV_NOW)
        workspace.write_stack_file("dev", config)
        workspace.cli("stack", "init", "dev", check=True)
        workspace.cli("up", "--yes", "--suppress-outputs", stack="dev", check=True)

        grown = copy.deepcopy(config)
        grown["applications"]["reporting"] = NEW_APPLICATION
        workspace.write_stack_file("dev", grown)
        added = preview(workspace)

        workspace.write_stack_file("dev", config)
        workspace.set_clock(AFTER_BOUNDARY)
        rotated = preview(workspace)
        workspace.close()
        adopted = _adoption_preview(Path(scratch))
        with EngineWorkspace.create(Path(scratch) / "smart", now=DEV_NOW) as smart:
            removal = smart_scope_removal(smart, preview)
        with EngineWorkspace.create(Path(scratch) / "legacy", now=DEV_NOW) as legacy:
            migration = api_for_fhir_migration(legacy, preview)
    previews = {
        "add-application.txt": added,
        "rotation.txt": rotated,
        "adoption.txt": adopted,
        "smart-scope-removal-1-clients.txt": removal["clients"],
        "smart-scope-removal-2-resource.txt": removal["resource"],
        "api-for-fhir-upgrade.txt": migration["upgrade"],
        "api-for-fhir-migration.txt": migration["move"],
    }
    target.mkdir(parents=True, exist_ok=True)
    for name, text in previews.items():
        (target / name).write_text(text, encoding="utf-8")
    return previews


GUIDE = ROOT / "docs" / "api-for-fhir-migration.md"


def refresh_guide(preview: str) -> None:
    """Put the recorded migration preview into docs/api-for-fhir-migration.md, whose one code
    block shows it (tests/test_migration_doc.py)."""
    text = GUIDE.read_text(encoding="utf-8")
    block = "```\n" + preview.rstrip("\n") + "\n```"
    GUIDE.write_text(
        re.sub(r"^```\n.*?^```$", lambda _: block, text, flags=re.S | re.M), encoding="utf-8"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tools.record_previews DIRECTORY")
    recorded = record(Path(sys.argv[1]))
    for name in recorded:
        print(f"wrote {Path(sys.argv[1]) / name}")
    if Path(sys.argv[1]).resolve() == (ROOT / "docs" / "previews").resolve():
        refresh_guide(recorded["api-for-fhir-migration.txt"])
        print(f"wrote {GUIDE.relative_to(ROOT)}")

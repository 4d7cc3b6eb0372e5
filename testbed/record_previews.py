"""Record what a reviewer sees in a pull request: real ``pulumi preview --diff`` output.

``python -m testbed.record_previews docs/previews`` deploys the dev stack under the engine
built from source (``make engine``) against the fake tenant, then previews two typical
changes with the policy pack, as ``preview.yml`` does, and writes each preview to a file:

- ``add-application.txt``: a new application entry in ``Pulumi.dev.yaml``;
- ``rotation.txt``: the same stack run after a rotation period boundary has passed;
- ``adoption.txt``: adopting a Postman client made in the portal (``tools.adopt``);
- ``smart-scope-removal-1-clients.txt`` and ``-2-resource.txt``: Pulumi.smart.yaml's two runs
  that remove a SMART scope (testbed.scenarios);
- ``api-for-fhir-upgrade.txt`` and ``api-for-fhir-migration.txt``: a stack deployed with 0.1.0
  on an Azure API for FHIR, under this release, then moved to a FHIR service.

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
from testbed.scenarios import api_for_fhir_migration, preview_text, smart_scope_removal
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


def _preview(workspace: EngineWorkspace) -> str:
    return preview_text(workspace, "dev")


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
    return _preview(workspace)


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
        added = _preview(workspace)

        workspace.write_stack_file("dev", config)
        workspace.set_clock(AFTER_BOUNDARY)
        rotated = _preview(workspace)
        workspace.close()
        adopted = _adoption_preview(Path(scratch))
        with EngineWorkspace.create(Path(scratch) / "smart", now=DEV_NOW) as smart:
            removal = smart_scope_removal(smart)
        with EngineWorkspace.create(Path(scratch) / "legacy", now=DEV_NOW) as legacy:
            migration = api_for_fhir_migration(legacy)
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
        sys.exit("usage: python -m testbed.record_previews DIRECTORY")
    recorded = record(Path(sys.argv[1]))
    for name in recorded:
        print(f"wrote {Path(sys.argv[1]) / name}")
    if Path(sys.argv[1]).resolve() == (ROOT / "docs" / "previews").resolve():
        refresh_guide(recorded["api-for-fhir-migration.txt"])
        print(f"wrote {GUIDE.relative_to(ROOT)}")

"""A stack deployed with the former component layout keeps every resource under the new one.

Until the program registered every resource of an application directly under its
``ClientApplication``, each application had five child components between them
(``components/parent.py``). The former program is taken from git, as it was at the last
commit with that layout, deployed under the real engine, and then the current program runs
on the same state: the aliases map each old URN onto the new one, so no resource of the
tenant is created, replaced or deleted (each registration gains the stack's note, a later
change). The engine drops the five former component
records per application from the state on the next ``pulumi up`` (state only: a component
has no provider), after which ``preview --expect-no-changes`` passes. A protected stack must
unprotect those records first (README, "Upgrading a deployed stack").
"""

import io
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from components.parent import (
    FORMER_API_PERMISSIONS,
    FORMER_CREDENTIALS,
    FORMER_DATA_PLANE,
    FORMER_PLATFORMS,
    FORMER_ROTATING_SECRET,
)
from testbed.engine import ROOT, EngineWorkspace
from tests.e2e.conftest import DEV_NOW
from tests.e2e.tenant_view import from_tenant

pytestmark = pytest.mark.e2e

# The last commit of the former layout: main before the one-component change.
FORMER_LAYOUT_COMMIT = "f0ac86e130b9f9a9af2b9c70b81e1c26b23d55fd"
FORMER_TYPES = {
    FORMER_PLATFORMS,
    FORMER_ROTATING_SECRET,
    FORMER_CREDENTIALS,
    FORMER_API_PERMISSIONS,
    FORMER_DATA_PLANE,
}


# That commit's ``__main__.py`` and ``components/``, archived into the repository
# (``git archive --format=tar f0ac86e __main__.py components | gzip -n -9``), so a shallow
# clone, as CI may make, runs this test as well as a full one.
FORMER_LAYOUT_ARCHIVE = Path(__file__).parent / "fixtures" / "former-layout.tar.gz"


def former_program(target: Path) -> Path:
    """``__main__.py`` and ``components/`` as they were at FORMER_LAYOUT_COMMIT."""
    with tarfile.open(FORMER_LAYOUT_ARCHIVE) as tar:
        tar.extractall(target, filter="data")
    return target


def test_the_archive_is_the_former_layout_commit(tmp_path: Path) -> None:
    """Where git has the commit, the archive holds exactly its files."""
    command = ["git", "-C", str(ROOT), "archive", "--format=tar", FORMER_LAYOUT_COMMIT]
    archive = subprocess.run([*command, "__main__.py", "components"], capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"this clone does not have {FORMER_LAYOUT_COMMIT[:7]} (shallow)")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        from_git = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    with tarfile.open(FORMER_LAYOUT_ARCHIVE) as tar:
        stored = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    assert stored == from_git


@pytest.fixture
def former(tmp_path: Path, engine_bin: Path) -> EngineWorkspace:
    old = former_program(tmp_path / "former")
    return EngineWorkspace.create(
        tmp_path / "ws",
        now=DEV_NOW,
        bin_dir=engine_bin,
        program=old / "__main__.py",
        components=old / "components",
    )


def with_a_federated_credential(config: dict[str, Any]) -> dict[str, Any]:
    """The dev stack uses four of the five former components; a credential adds the fifth."""
    config["applications"]["backend"]["federatedCredentials"] = {
        "deploy": {"repository": "contoso/loader", "branch": "main"}
    }
    return config


def resources(stack: Any) -> list[dict[str, Any]]:
    return list(stack.export_stack().deployment["resources"])


def custom_ids(stack: Any) -> dict[tuple[str, str], str]:
    """Every custom resource of the stack's state by (type, name), with its ID."""
    return {
        (r["type"], r["urn"].rsplit("::", 1)[1]): r["id"]
        for r in resources(stack)
        if r.get("custom") and not r["type"].startswith("pulumi:providers:")
    }


def preview_steps(stack: Any) -> dict[str, str]:
    """The operation the engine plans for each URN."""
    steps: dict[str, str] = {}

    def record(event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            metadata = event.resource_pre_event.metadata
            steps[metadata.urn] = metadata.op.value

    stack.preview(on_event=record)
    return steps


def test_the_new_layout_takes_over_a_stack_deployed_with_the_former_one(
    former: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    former.write_stack_file("dev", with_a_federated_credential(dev_config))
    stack = former.stack("dev")
    stack.up()
    old_components = {r["urn"] for r in resources(stack) if r["type"] in FORMER_TYPES}
    assert {urn.split("$", 1)[1].split("::")[0] for urn in old_components} == FORMER_TYPES
    assert len(old_components) == 8  # postman 4, backend 4
    ids = custom_ids(stack)
    tenant = former.tenant()

    former.link_program()  # this repository's program, on the same state
    steps = preview_steps(stack)
    changed = {urn: op for urn, op in steps.items() if op != "same"}
    # The former component records leave the state, and each registration gains the stack's
    # note (README, "Upgrading a deployed stack"), a change made after that layout.
    registrations = {urn for urn in steps if "ApplicationRegistration::" in urn}
    assert changed == {
        **dict.fromkeys(old_components, "delete"),
        **dict.fromkeys(registrations, "update"),
    }

    stack.up()
    written = former.tenant()["log"][len(tenant["log"]) :]
    # No other request reached the tenant: the two notes, nothing created or deleted.
    assert sorted((e["operation"], e["name"]) for e in written) == [
        ("update", "backend"),
        ("update", "postman"),
    ]
    assert from_tenant(former.tenant()) == from_tenant(tenant)
    assert custom_ids(stack) == ids  # same resources, same IDs, new URNs
    assert not [r for r in resources(stack) if r["type"] in FORMER_TYPES]
    stack.preview(expect_no_changes=True)
    stack.preview(refresh=True, expect_no_changes=True)


def test_a_protected_stack_takes_the_new_layout_once_the_former_records_are_unprotected(
    former: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    dev_config["protect"] = True
    former.write_stack_file("dev", with_a_federated_credential(dev_config))
    stack = former.stack("dev")
    stack.up()
    tenant = former.tenant()

    former.link_program()
    # The engine refuses to drop a protected record, even from the state, even in a preview.
    with pytest.raises(auto.CommandError) as refused:
        stack.preview()
    assert "because it is protected" in str(refused.value)
    assert former.tenant()["log"] == tenant["log"]

    # README, "Upgrading a deployed stack": unprotect exactly the former component records.
    old_components = [r["urn"] for r in resources(stack) if r["type"] in FORMER_TYPES]
    former.cli("state", "unprotect", *old_components, "--yes", stack="dev", check=True)
    stack.up()
    written = former.tenant()["log"][len(tenant["log"]) :]
    assert sorted((e["operation"], e["name"]) for e in written) == [
        ("update", "backend"),
        ("update", "postman"),
    ]  # the stack's note on each registration, nothing else
    stack.preview(expect_no_changes=True)
    # Everything else is still protected: a destroy stops before the tenant changes.
    unprotected = {
        r["urn"].rsplit("::", 1)[1]
        for r in resources(stack)
        if r["type"] != "pulumi:pulumi:Stack"
        and not r["type"].startswith("pulumi:providers:")
        and not r.get("protect")
    }
    assert unprotected == {"postman-secret-a", "postman-secret-b", "backend-secret-a"} | {
        "backend-secret-b"
    }
    logged = former.tenant()["log"]
    with pytest.raises(auto.CommandError):
        stack.destroy()
    assert former.tenant()["log"] == logged

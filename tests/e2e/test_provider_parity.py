"""The real azuread provider against our resource table (components/provider_resources.py).

The mock runtime, ``tools.plan`` and the policy pack read the table's ``replace_on`` and
``provider_deletes_first``; under the engine the real pulumi-resource-azuread decides. This
test starts the real binary as the engine does (it prints its port), unconfigured and offline,
and for every azuread resource the example stacks register and every input the program sets on
it, asks the provider's Diff about a change of that one input, and its Check about the inputs
as the program sends them. A disagreement names the type and the input.

azure-native rows (RoleAssignment, Key Vault Secret) are not here: their provider under the
engine is our plugin, and their rows cite pulumi-azure-native's source, not a binary.
"""

import base64
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives import serialization
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.provider_resources import RESOURCE_TYPES, ResourceType
from testbed.azuread_provider import BINARY, plugin_dir, wanted_version
from testbed.mockrun import PROJECT_DIR, Registration, run_program
from testbed.portal import PORTAL_USER
from testbed.stackfile import load_stack_file
from tests.conftest import DEV_NOW
from tools.selfsigned import build_certificate

pytestmark = pytest.mark.e2e

AZUREAD = {token: row for token, row in RESOURCE_TYPES.items() if token.startswith("azuread:")}


def _dev_with_every_credential(project: Path) -> dict[str, Any]:
    """The dev stack plus a certificate, a federated credential and an owner, so that every azuread type
    of the table is registered by one of the example stacks."""
    shutil.copy(PROJECT_DIR / "__main__.py", project / "__main__.py")
    (project / "components").symlink_to(PROJECT_DIR / "components", target_is_directory=True)
    now = datetime.fromisoformat(DEV_NOW.replace("Z", "+00:00"))
    certificate, _ = build_certificate("parity", days=365, key_size=2048, now=now)
    (project / "ci.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    config = load_stack_file("dev").config
    backend = config["applications"]["backend"]
    backend["certificates"] = {"ci": {"file": "ci.pem"}}
    backend["federatedCredentials"] = {"main": {"repository": "contoso/clinic", "branch": "main"}}
    backend["owners"] = [PORTAL_USER]  # an owner besides the deployer: ApplicationOwner
    return config


def _registrations() -> list[Registration]:
    with tempfile.TemporaryDirectory(prefix="parity-") as scratch:
        project = Path(scratch)
        dev = run_program(_dev_with_every_credential(project), now=DEV_NOW, project_dir=project)
    smart = run_program(load_stack_file("smart").config, now=DEV_NOW)
    return [r for run in (dev, smart) for r in run.resources if r.type in AZUREAD]


REGISTRATIONS = _registrations()
# One registration per type: the first with the most inputs, so that each input is tried.
INPUTS: dict[str, dict[str, Any]] = {}
for _registration in REGISTRATIONS:
    _merged = INPUTS.setdefault(_registration.type, {})
    for _key, _value in _registration.inputs.items():
        _merged.setdefault(_key, _value)
CASES = sorted((token, key) for token, inputs in INPUTS.items() for key in inputs)


def _changed(value: Any) -> Any:
    """The same shape, another value."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        if not value:
            return "x"
        last = value[-1]
        return value[:-1] + (
            "1" if last == "0" else "0" if last.isdigit() else "a" if last != "a" else "b"
        )
    if isinstance(value, list):
        return [*value, _changed(value[0])] if value else ["x"]
    if isinstance(value, dict):
        if not value:
            return {"x": "y"}
        key = sorted(value)[0]
        return {**value, key: _changed(value[key])}
    raise TypeError(value)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


@pytest.fixture(scope="module")
def provider() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    binary = plugin_dir(wanted_version()) / BINARY
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `make provider`")
    process = subprocess.Popen(
        [str(binary)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        channel.close()
        process.kill()
        process.wait()


def _urn(token: str) -> str:
    return f"urn:pulumi:dev::healthcare-clients::{token}::parity"


def test_every_azuread_type_of_the_table_is_tried() -> None:
    assert set(INPUTS) == set(AZUREAD)


@pytest.mark.parametrize(
    ("token", "key"), CASES, ids=[f"{t.rsplit(':', 1)[1]}.{k}" for t, k in CASES]
)
def test_the_providers_diff_agrees_with_the_table(
    provider: provider_pb2_grpc.ResourceProviderStub, token: str, key: str
) -> None:
    row: ResourceType = AZUREAD[token]
    olds = INPUTS[token]
    news = {**olds, key: _changed(olds[key])}
    diff = provider.Diff(
        provider_pb2.DiffRequest(
            id="parity",
            urn=_urn(token),
            olds=_struct(olds),
            news=_struct(news),
            old_inputs=_struct(olds),
        )
    )
    assert key in {path.split(".")[0].split("[")[0] for path in diff.diffs} | set(diff.diffs)
    replaces = {path.split(".")[0].split("[")[0] for path in diff.replaces}
    assert replaces == ({key} & row.replace_on), (
        f"{row.short}.{key}: the provider replaces on {sorted(replaces)}, "
        f"the table on {sorted({key} & row.replace_on)}"
    )
    assert diff.deleteBeforeReplace == (row.provider_deletes_first and bool(replaces))


@pytest.mark.parametrize("token", sorted(INPUTS), ids=lambda t: t.rsplit(":", 1)[1])
def test_the_providers_check_takes_the_programs_inputs(
    provider: provider_pb2_grpc.ResourceProviderStub, token: str
) -> None:
    failures = []
    for registration in (r for r in REGISTRATIONS if r.type == token):
        checked = provider.Check(
            provider_pb2.CheckRequest(
                urn=_urn(token),
                olds=_struct({}),
                news=_struct(registration.inputs),
                randomSeed=base64.b64decode(base64.b64encode(b"0" * 32)),
            )
        )
        failures += [f"{registration.name}: {f.property} {f.reason}" for f in checked.failures]
    assert failures == []


def test_the_binary_is_the_version_the_sdk_asks_for() -> None:
    binary = Path(plugin_dir(wanted_version())) / BINARY
    assert binary.exists()

"""Run the real ``__main__.py`` on Pulumi's mock runtime against the fake tenant.

Shared by the tests, ``tools.plan`` and the benchmark, so all three see exactly what the
program registers: types, names, parents, inputs (with which of them are secret), resource
options, invokes and the stack outputs (with their secret-ness).
"""

import asyncio
import contextlib
import json
import logging
import os
import runpy
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format  # type: ignore[import-untyped]
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import get_root_resource, reset_options

from components import PROJECT
from components.clock import NOW_ENV, ClockError, parse_instant
from testbed.fake_tenant import SECRET_KEY, SECRET_SIG, FakeTenant, unwrap_secrets

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Registration:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    secret_inputs: frozenset[str]
    protect: bool
    delete_before_replace: bool
    retain_on_delete: bool
    dependencies: tuple[str, ...]
    # Each alias as (name, parent URN); "" stands for the resource's current one.
    # URNs; an alias the program gave as a spec reads "<parent URN>::<name>".
    aliases: tuple[str, ...] = ()
    import_id: str | None = None  # the `import` option: the existing resource it takes over
    # Outputs the engine is asked to keep secret beyond those whose input was secret.
    additional_secret_outputs: frozenset[str] = frozenset()
    id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class MockRun:
    resources: list[Registration]
    outputs: dict[str, Any]
    secret_output_paths: set[str]
    invokes: list[tuple[str, dict[str, Any]]]
    logs: list[tuple[str, str]]

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> Registration:
        """The custom resource with this name (components share their app's name)."""
        matches = [r for r in self.resources if r.custom and r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} custom resources named {name!r}")
        return matches[0]


def _secret_paths(value: Any, path: str = "") -> set[str]:
    """Where in a wire-format value the secret envelope appears."""
    found: set[str] = set()
    if isinstance(value, dict):
        if value.get(SECRET_KEY) == SECRET_SIG:
            return {path or "."}
        for key, item in value.items():
            found |= _secret_paths(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= _secret_paths(item, f"{path}[{index}]")
    return found


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, also recording what the engine would see of each request."""

    def __init__(self, mocks: FakeTenant) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the SDK's method name)
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type != "pulumi:pulumi:Stack" and urn in self.resources:
            # The real engine rejects duplicate URNs; the SDK's mock does not.
            raise RuntimeError(f"Duplicate resource URN '{urn}'")
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == "pulumi:pulumi:Stack":
            return response
        raw = json_format.MessageToDict(request.object)
        registered = self.resources[urn]
        self.registrations.append(
            Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                inputs=unwrap_secrets(rpc.deserialize_properties(request.object)),
                secret_inputs=frozenset(_secret_paths(raw)),
                protect=bool(request.protect),
                delete_before_replace=bool(request.deleteBeforeReplace),
                retain_on_delete=bool(request.retainOnDelete),
                import_id=request.importId or None,
                additional_secret_outputs=frozenset(request.additionalSecretOutputs),
                aliases=tuple(
                    alias.urn or f"{alias.spec.parentUrn}::{alias.spec.name}"
                    for alias in request.aliases
                ),
                dependencies=tuple(request.dependencies),
                id=registered.id,
                outputs=dict(registered.state),
            )
        )
        return response


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname.lower(), record.getMessage()))


@contextlib.contextmanager
def _environment(name: str, value: str | None) -> Iterator[None]:
    previous = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def config_to_wire(config: Mapping[str, Any]) -> dict[str, str]:
    """Stack config as the CLI hands it to the program: JSON for structured values."""
    wire = {}
    for key, value in config.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        wire[full] = value if isinstance(value, str) else json.dumps(value, default=str)
    return wire


async def _resolve(value: Any, path: str, secrets: set[str]) -> Any:
    if isinstance(value, pulumi.Output):
        if await value.is_secret():
            secrets.add(path)
        value = await value.future()
    if isinstance(value, dict):
        return {k: await _resolve(v, f"{path}.{k}", secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [await _resolve(v, f"{path}[{i}]", secrets) for i, v in enumerate(value)]
    return value


def run_program(  # noqa: PLR0913 (keyword-only run options, each with a default)
    config: Mapping[str, Any],
    *,
    now: str | None = None,
    tenant: FakeTenant | None = None,
    secret_keys: tuple[str, ...] = (),
    stack: str = "dev",
    project_dir: Path = PROJECT_DIR,
    preview: bool = False,
) -> MockRun:
    """Run ``__main__.py`` once, on a fresh event loop, and return what it registered.

    Raises what the program raises (``pulumi.RunError`` for a configuration error).
    """
    tenant = tenant or FakeTenant()
    handler = _ListHandler()
    logger = logging.getLogger(f"healthcare-clients.mockrun.{id(handler)}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)  # the SDK logs every RPC at debug
    monitor = RecordingMonitor(tenant)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # The SDK runs every RPC in the loop's default executor, and the mock monitor gives each
    # worker thread an event loop of its own (pulumi.runtime.sync_await._ensure_event_loop)
    # that nothing closes. Collected later, at exit or mid-test, such a loop closes itself
    # after its self-pipe socket is gone: "Exception ignored in BaseEventLoop.__del__ ...
    # Invalid file descriptor: -1". So the workers get their loops here, and both the
    # workers and their loops are closed with the run.
    worker_loops: list[asyncio.AbstractEventLoop] = []
    lock = threading.Lock()

    def _worker_loop() -> None:
        worker = asyncio.new_event_loop()
        asyncio.set_event_loop(worker)
        with lock:
            worker_loops.append(worker)

    loop.set_default_executor(ThreadPoolExecutor(initializer=_worker_loop))
    outputs: dict[str, Any] = {}
    secret_paths: set[str] = set()
    try:
        with _environment(NOW_ENV, now), contextlib.chdir(project_dir):
            if now is not None and tenant.now is None:
                # The fake needs the clock to judge end dates; a bad value is the program's
                # to report, so it is left unset here.
                with contextlib.suppress(ClockError):
                    tenant.now = parse_instant(now)
            pulumi.runtime.set_mocks(
                tenant,
                project=PROJECT,
                stack=stack,
                preview=preview,
                logger=logger,
                monitor=monitor,
            )
            pulumi.runtime.set_all_config(
                config_to_wire(config), secret_keys=[f"{PROJECT}:{k}" for k in secret_keys]
            )

            def program() -> Any:
                runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
                exported = dict(get_root_resource().outputs)  # type: ignore[union-attr]
                return pulumi.Output.from_input(_collect(exported, outputs, secret_paths))

            pulumi.runtime.test(program)()  # type: ignore[no-untyped-call]
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
        reset_options()
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_default_executor())  # joins the workers
        loop.close()
        for worker in worker_loops:
            worker.close()
        asyncio.set_event_loop(None)
        logger.removeHandler(handler)
    return MockRun(
        resources=monitor.registrations,
        outputs=outputs,
        secret_output_paths=secret_paths,
        invokes=list(tenant.invokes),
        logs=handler.records,
    )


async def _collect(exported: dict[str, Any], into: dict[str, Any], secrets: set[str]) -> None:
    for key, value in exported.items():
        into[key] = await _resolve(value, key, secrets)

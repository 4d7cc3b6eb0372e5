"""A provider plugin backed by the fake tenant, for the real Pulumi engine.

``python -m testbed.plugin azure-native 3.29.0`` serves Pulumi's ResourceProvider gRPC service
the way pulumi-azure-native does for the ARM resource types this stack declares (the azuread
provider is the real one, against the Graph fake in ``testbed.graphapi``): Check with the provider's validation and schema defaults, Diff from the
replace-forcing inputs in ``components.provider_resources`` (delete-first where the provider
does so), Create/Read/Update/Delete/Invoke against the tenant in the JSON file named by
``HEALTHCARE_CLIENTS_FAKE_TENANT``, secrets marked as the provider marks them, and previews that
leave computed outputs unknown. ``testbed.engine`` installs it under the pinned plugin version.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Iterable
from concurrent import futures
from pathlib import Path
from typing import Any, NoReturn

import grpc  # type: ignore[import-untyped]
from google.protobuf import empty_pb2, json_format, struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from testbed.fake_tenant import SECRET_KEY, SECRET_SIG, sdk_signature
from testbed.served_types import SERVED_TYPES
from testbed.store import ENV, TenantStore
from testbed.tenant import UNKNOWN, Inputs, ProviderError

# Inputs the provider's schema declares as sets (TF TypeSet): their order is not a change.
SET_INPUTS = frozenset(
    {"redirectUris", "owners", "claimValues", "scopeIds", "roleIds", "allowedMemberTypes"}
)


def to_plain(struct: struct_pb2.Struct) -> tuple[Inputs, set[str]]:
    """A property map as plain values, and the top-level keys that were secret."""
    raw = json_format.MessageToDict(struct)
    secret = {key for key, value in raw.items() if _is_secret(value)}
    return {key: _unwrap(value) for key, value in raw.items()}, secret


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_KEY) == SECRET_SIG


def _unwrap(value: Any) -> Any:
    if _is_secret(value):
        return _unwrap(value.get("value"))
    if isinstance(value, dict):
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    return value


def to_struct(values: Inputs, secret: Iterable[str] = ()) -> struct_pb2.Struct:
    hidden = set(secret)
    struct = struct_pb2.Struct()
    struct.update(
        {
            key: ({SECRET_KEY: SECRET_SIG, "value": value} if key in hidden else value)
            for key, value in values.items()
            if value is not None
        }
    )
    return struct


def _same(key: str, old: Any, new: Any) -> bool:
    if key in SET_INPUTS and isinstance(old, list) and isinstance(new, list):
        return sorted(map(str, old)) == sorted(map(str, new))
    return bool(old == new)


# When set, the plugin appends the number of calls it served per method to this file as it
# stops (one JSON line): the benchmark's provider-calls-per-resource figure.
STATS_ENV = "HEALTHCARE_CLIENTS_PLUGIN_STATS"


class CallCounter(grpc.ServerInterceptor):  # type: ignore[misc]
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def intercept_service(self, continuation: Any, details: Any) -> Any:
        self.calls[details.method.rsplit("/", 1)[-1]] += 1
        return continuation(details)


class FakeProvider(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, package: str, version: str, store: TenantStore) -> None:
        self.package = package
        self.version = version
        self.store = store

    @staticmethod
    def _fail(context: grpc.ServicerContext, error: Exception) -> NoReturn:
        context.abort(grpc.StatusCode.UNKNOWN, str(error))
        raise AssertionError("unreachable")  # abort raises

    def GetPluginInfo(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        return plugin_pb2.PluginInfo(version=self.version)

    def CheckConfig(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    def Configure(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, supportsPreview=True, acceptResources=True
        )

    def Cancel(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        args, _ = to_plain(request.args)
        try:
            with self.store.tenant(write=False) as tenant:
                result = tenant.invoke(request.tok, args)
        except ProviderError as error:
            self._fail(context, error)
        return provider_pb2.InvokeResponse(**{"return": to_struct(result)})

    def Check(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        news, secret = to_plain(request.news)
        token = request.type
        if token not in SERVED_TYPES:
            self._fail(context, NotImplementedError(f"unknown resource type {token}"))
        allowed, _ = sdk_signature(token)
        failures = [
            provider_pb2.CheckFailure(property=key, reason=f"unknown input {key}")
            for key in sorted(set(news) - allowed)
        ]
        with self.store.tenant(write=False) as tenant:
            checked, problems = tenant.check(token, news)
        failures += [
            provider_pb2.CheckFailure(
                property=p.property,
                reason=f"{p.reason}. Examine values at '{request.name}.{p.property}'.",
            )
            for p in problems
        ]
        return provider_pb2.CheckResponse(inputs=to_struct(checked, secret), failures=failures)

    def Diff(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        resource = SERVED_TYPES[request.type]
        olds, _ = to_plain(request.old_inputs if request.HasField("old_inputs") else request.olds)
        news, _ = to_plain(request.news)
        ignored = set(request.ignoreChanges)
        changed = sorted(
            key
            for key in set(olds) | set(news)
            if key not in ignored
            and not key.startswith("__")
            and (news.get(key) == UNKNOWN or not _same(key, olds.get(key), news.get(key)))
        )
        replaces = [key for key in changed if key in resource.replace_on]
        kind = provider_pb2.PropertyDiff
        detailed = {
            key: kind(kind=kind.UPDATE_REPLACE if key in replaces else kind.UPDATE, inputDiff=True)
            for key in changed
        }
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME
            if changed
            else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
            replaces=replaces,
            stables=sorted(resource.replace_on - set(replaces)),
            deleteBeforeReplace=bool(replaces) and resource.provider_deletes_first,
            detailedDiff=detailed,
            hasDetailedDiff=True,
        )

    def _secret_outputs(self, token: str, secret_inputs: set[str]) -> set[str]:
        return secret_inputs | set(SERVED_TYPES[token].secret_outputs)

    def Create(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        inputs, secret = to_plain(request.properties)
        token = request.type
        try:
            with self.store.tenant(write=not request.preview) as tenant:
                if request.preview:
                    resource_id, outputs = "", tenant.preview_create(token, inputs)
                else:
                    resource_id, outputs = tenant.create(token, request.name, inputs)
        except ProviderError as error:
            self._fail(context, error)
        return provider_pb2.CreateResponse(
            id=resource_id, properties=to_struct(outputs, self._secret_outputs(token, secret))
        )

    def Read(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        state, secret = to_plain(request.properties)
        inputs, _ = to_plain(request.inputs)
        try:
            with self.store.tenant(write=False) as tenant:
                live = tenant.read(request.type, request.id, state)
        except ProviderError as error:
            self._fail(context, error)
        if live is None:
            return provider_pb2.ReadResponse(id="")  # gone: the engine drops it from state
        if inputs:
            live_inputs = {key: live.get(key, value) for key, value in inputs.items()}
        else:
            # An import (`import` resource option or `pulumi import`): the engine has no
            # inputs yet and takes them from what the provider reads, as the bridge extracts
            # the inputs from the state it read.
            allowed, _ = sdk_signature(request.type)
            live_inputs = {key: value for key, value in live.items() if key in allowed}
        hidden = self._secret_outputs(request.type, secret)
        return provider_pb2.ReadResponse(
            id=request.id,
            properties=to_struct({**state, **live}, hidden),
            inputs=to_struct(live_inputs, hidden),
        )

    def Update(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        olds, secret = to_plain(request.olds)
        news, news_secret = to_plain(request.news)
        token = request.type
        hidden = self._secret_outputs(token, secret | news_secret)
        if request.preview:
            return provider_pb2.UpdateResponse(properties=to_struct({**olds, **news}, hidden))
        try:
            with self.store.tenant() as tenant:
                outputs = tenant.update(token, request.name, request.id, olds, news)
        except ProviderError as error:
            self._fail(context, error)
        return provider_pb2.UpdateResponse(properties=to_struct({**olds, **outputs}, hidden))

    def Delete(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 (gRPC method)
        state, _ = to_plain(request.properties)
        try:
            with self.store.tenant() as tenant:
                tenant.delete(request.type, request.name, request.id, state)
        except ProviderError as error:
            self._fail(context, error)
        return empty_pb2.Empty()


# The azuread provider is the real one now (testbed.azuread_provider, testbed.graphapi); this
# plugin's azuread half retired with it.
SERVED_PACKAGES = ("azure-native",)


def serve(package: str, version: str) -> None:
    if package not in SERVED_PACKAGES:
        sys.exit(
            f"testbed.plugin serves {', '.join(SERVED_PACKAGES)} only; {package} runs the real "
            "provider (make provider)"
        )
    path = os.environ.get(ENV)
    if not path:
        sys.exit(f"pulumi-resource-{package} (fake tenant): set {ENV} to the tenant's JSON file")
    counter = CallCounter()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), interceptors=[counter])
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(
        FakeProvider(package, version, TenantStore(Path(path))), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The engine reads the port from the first line of stdout.
    print(port, flush=True)
    # The engine interrupts a plugin when it is done with it (SIGINT, then SIGKILL after 5 s);
    # every operation has already been written, so stopping at once loses nothing.
    signal.signal(signal.SIGINT, lambda *_: server.stop(0))
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    server.wait_for_termination()
    stats = os.environ.get(STATS_ENV)
    if stats:
        with Path(stats).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"plugin": package, "calls": dict(counter.calls)}) + "\n")


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])

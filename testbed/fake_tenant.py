"""The fake tenant on Pulumi's mock runtime: what the tests and ``tools.plan`` run against.

The mock runtime only ever creates, so this face checks each resource's inputs as the
provider's Check would (first against the installed SDK's own signature, then the provider's
validation) and creates it in a ``testbed.tenant`` state, whose resource types are written
from the providers' source. Invokes answer from the same state. Nothing talks to Azure.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import grpc  # type: ignore[import-untyped]
import pulumi
from pulumi.runtime import rpc

from components.provider_resources import GET_CLIENT_CONFIG, GET_SERVICE_PRINCIPAL, RESOURCE_TYPES
from testbed import credentials
from testbed.first_party import first_party_service_principals
from testbed.served_types import SERVED_TYPES
from testbed.tenant import (
    DEPLOYER_CLIENT_ID,
    DEPLOYER_OBJECT_ID,
    TENANT_ID,
    ProviderError,
    Tenant,
    new_state,
)

__all__ = [
    "DEPLOYER_CLIENT_ID",
    "DEPLOYER_OBJECT_ID",
    "TENANT_ID",
    "TOKEN_CLIENT_CONFIG",
    "TOKEN_SERVICE_PRINCIPAL",
    "FakeServiceError",
    "FakeTenant",
    "unwrap_secrets",
    "well_known_service_principals",
]

TOKEN_CLIENT_CONFIG = GET_CLIENT_CONFIG
TOKEN_SERVICE_PRINCIPAL = GET_SERVICE_PRINCIPAL


class FakeServiceError(Exception):
    """What the real provider or service would answer with an error."""


class InvokeError(grpc.RpcError):  # type: ignore[misc]
    """A failed invoke as the engine hands it to the SDK: the provider's error in a gRPC
    status (the bridge returns a data source's failure as an error, not as check failures)."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self._details = details

    def code(self) -> Any:
        return grpc.StatusCode.UNKNOWN

    def details(self) -> str:
        return self._details


# How the SDK and the engine mark a secret value on the wire: {SECRET_KEY: SECRET_SIG, "value": ...}.
# The SDK gives these constants no public name; they are read once, here.
SECRET_KEY: str = rpc._special_sig_key  # noqa: SLF001 (the wire marker has no public name)
SECRET_SIG: str = rpc._special_secret_sig  # noqa: SLF001 (the wire marker has no public name)


def unwrap_secrets(value: Any) -> Any:
    """Replace the SDK's secret envelopes with their values, recursively."""
    if isinstance(value, dict):
        if value.get(SECRET_KEY) == SECRET_SIG:
            return unwrap_secrets(value.get("value"))
        return {key: unwrap_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(item) for item in value]
    return value


@dataclass(frozen=True)
class PublishedPermission:
    name: str
    id: str


@dataclass(frozen=True)
class PublishedApi:
    app_id: str
    display_name: str
    object_id: str
    scopes: tuple[PublishedPermission, ...]
    roles: tuple[PublishedPermission, ...]


def well_known_service_principals() -> dict[str, PublishedApi]:
    """The first-party APIs as the fake tenant publishes them, by app ID."""
    found = {}
    for sp in first_party_service_principals().values():
        found[sp["appId"]] = PublishedApi(
            sp["appId"],
            sp["displayName"],
            sp["id"],
            tuple(PublishedPermission(s["value"], s["id"]) for s in sp["oauth2PermissionScopes"]),
            tuple(PublishedPermission(r["value"], r["id"]) for r in sp["appRoles"]),
        )
    return found


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_SIGNATURES: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def sdk_signature(token: str) -> tuple[frozenset[str], frozenset[str]]:
    """The inputs a type accepts and requires, read from the installed SDK's constructor:
    what the provider's schema check would refuse as unknown or missing."""
    if token not in _SIGNATURES:
        resource_type = SERVED_TYPES[token]
        module = importlib.import_module(resource_type.module)
        cls = getattr(module, resource_type.class_name)
        params = inspect.signature(cls._internal_init).parameters
        allowed = {
            _camel(name)
            for name in params
            if name not in ("__self__", "resource_name", "opts", "__props__")
        }
        # The SDK renames an Args class that collides with an inline type (ApplicationPassword).
        args_class = getattr(module, f"{resource_type.class_name}Args", None) or getattr(
            module, f"{resource_type.class_name}InitArgs"
        )
        required = {
            _camel(name)
            for name, p in inspect.signature(args_class.__init__).parameters.items()
            if name != "__self__" and p.default is inspect.Parameter.empty
        }
        _SIGNATURES[token] = (frozenset(allowed), frozenset(required))
    return _SIGNATURES[token]


class FakeTenant(pulumi.runtime.Mocks):
    """Entra ID and the azuread / azure-native providers, as the mock runtime sees them."""

    def __init__(  # noqa: PLR0913 (keyword-only knobs of the fake, each with a default)
        self,
        *,
        now: datetime | None = None,
        missing_apis: Iterable[str] = (),
        tenant_id: str = TENANT_ID,
        deployer_object_id: str = DEPLOYER_OBJECT_ID,
        graph_permissions: Iterable[str] | None = None,
        azure_roles: list[dict[str, Any]] | None = None,
    ) -> None:
        self.tenant = Tenant(
            new_state(
                tenant_id=tenant_id,
                caller_object_id=deployer_object_id,
                missing_apis=missing_apis,
                now=now,
            )
        )
        caller = self.tenant.state["caller"]
        caller["graphPermissions"] = (
            None if graph_permissions is None else sorted(graph_permissions)
        )
        caller["azureRoles"] = azure_roles
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        # The mock runtime registers resources from several threads at once; the tenant's
        # handlers read and write shared maps, so each request runs alone, as the engine's
        # plugins do (testbed/store.py locks every operation).
        self._lock = threading.Lock()

    @property
    def now(self) -> datetime | None:
        clock = self.tenant.state["clock"]
        return datetime.fromisoformat(clock) if clock else None

    @now.setter
    def now(self, value: datetime | None) -> None:
        self.tenant.state["clock"] = value.isoformat() if value else None

    @property
    def tenant_id(self) -> str:
        return self.tenant.tenant_id

    @property
    def deployer_object_id(self) -> str:
        return str(self.tenant.caller["objectId"])

    # -- what the stack has created (tests check that a refused config created nothing) ------

    @property
    def applications(self) -> dict[str, Any]:
        return self.tenant.applications

    @property
    def created_sps(self) -> dict[str, Any]:
        return {k: v for k, v in self.tenant.service_principals.items() if not v.get("firstParty")}

    @property
    def grants(self) -> set[tuple[str, str]]:
        grants = self.tenant.state["oauth2PermissionGrants"].values()
        return {(g["clientId"], g["resourceId"]) for g in grants}

    @property
    def arm_names(self) -> set[str]:
        return {r["name"] for r in self.tenant.state["roleAssignments"].values()}

    @staticmethod
    def secret_value(key_id: str, tenant_id: str = TENANT_ID) -> str:
        return credentials.secret_value(tenant_id, key_id)

    # -- the mock runtime's two calls ----------------------------------------------------------

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        self.invokes.append((args.token, dict(args.args)))
        try:
            with self._lock:
                return self.tenant.invoke(args.token, unwrap_secrets(dict(args.args)))
        except ProviderError as exc:
            raise InvokeError(str(exc)) from None

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return None, {}  # a component: no provider holds state for it
        if args.typ not in RESOURCE_TYPES:
            raise NotImplementedError(
                f"the fake tenant does not implement resource type {args.typ}"
            )
        inputs = unwrap_secrets(dict(args.inputs))
        allowed, required = sdk_signature(args.typ)
        unknown = sorted(set(inputs) - allowed)
        if unknown:
            raise FakeServiceError(f"{args.typ} {args.name}: unknown input(s) {unknown}")
        missing = sorted(k for k in required if inputs.get(k) in (None, "", []))
        if missing:
            raise FakeServiceError(f"{args.typ} {args.name}: missing required input(s) {missing}")
        with self._lock:
            return self._check_and_create(args, inputs)

    def _check_and_create(
        self, args: pulumi.runtime.MockResourceArgs, inputs: dict[str, Any]
    ) -> tuple[str | None, dict[str, Any]]:
        checked, failures = self.tenant.check(args.typ, inputs)
        if failures:
            reasons = "; ".join(
                f"{f.reason}. Examine values at '{args.name}.{f.property}'" for f in failures
            )
            raise FakeServiceError(f"{args.typ} {args.name}: {reasons}")
        try:
            return self.tenant.create(args.typ, args.name, checked)
        except ProviderError as exc:
            raise FakeServiceError(f"{args.typ} {args.name}: {exc}") from None

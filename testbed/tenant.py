"""The fake tenant's state: Entra ID's directory and the ARM resources the stack touches.

One model with two faces: ``testbed.fake_tenant`` (Pulumi's mock runtime) and
``testbed.plugin`` (provider plugins that the real engine drives over gRPC). Both call
``create``/``read``/``update``/``delete``/``invoke`` here; what each resource type does is in
``testbed.entra``, ``principals``, ``credentials`` and ``arm`` (tabled by type token in
``testbed.handlers``), written from the provider's source, never from the program's own rules.

The state is a JSON document (``TenantStore`` keeps it in a file between engine runs) so that
tests can read it, change it behind the stack's back (drift), arm faults and read the
operation log.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from testbed.first_party import first_party_service_principals
from testbed.handlers import INVOKE_HANDLERS, RESOURCE_HANDLERS, SERVED_HANDLERS

# CheckFailure, Inputs and ProviderError are named here too (``as``): whoever drives a Tenant
# (the plugins, the mock runtime, a Graph fake) takes them from the module it calls.
from testbed.resource_handler import CheckFailure as CheckFailure
from testbed.resource_handler import Handler, ServedHandler
from testbed.resource_handler import Inputs as Inputs
from testbed.resource_handler import ProviderError as ProviderError

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DEPLOYER_OBJECT_ID = "a1b2c3d4-0000-4000-8000-000000000001"
DEPLOYER_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # the Azure CLI's app ID
# The engine's marker for a value that is not known before the resource exists.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
_NAMESPACE = uuid.UUID("6b1d3f0e-2a51-4d1c-9f7a-3c5e8d2b9a10")


def new_state(
    *,
    tenant_id: str = TENANT_ID,
    caller_object_id: str = DEPLOYER_OBJECT_ID,
    missing_apis: Iterable[str] = (),
    now: datetime | None = None,
) -> dict[str, Any]:
    """An empty tenant with the first-party APIs' service principals (less ``missing_apis``)."""
    return {
        "tenantId": tenant_id,
        # None: the caller may do anything; a list: only those Graph application permissions.
        "caller": {
            "objectId": caller_object_id,
            "clientId": DEPLOYER_CLIENT_ID,
            "graphPermissions": None,
            "azureRoles": None,
        },
        "subscriptionId": "00000000-0000-0000-0000-000000000000",
        "clock": now.astimezone(UTC).isoformat() if now else None,
        "applications": {},
        "servicePrincipals": first_party_service_principals(frozenset(missing_apis)),
        "oauth2PermissionGrants": {},
        "appRoleAssignments": {},
        "roleAssignments": {},
        "vaultSecrets": {},
        "serials": {},
        "faults": [],
        "log": [],
    }


class Tenant:
    """Operations on a tenant state; every change is recorded in the operation log."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state

    # -- the directory and ARM, as plain dictionaries --------------------------------------

    @property
    def tenant_id(self) -> str:
        return str(self.state["tenantId"])

    @property
    def caller(self) -> dict[str, Any]:
        return dict(self.state["caller"])

    @property
    def applications(self) -> dict[str, Any]:
        return dict(self.state["applications"])

    @property
    def service_principals(self) -> dict[str, Any]:
        return dict(self.state["servicePrincipals"])

    def now(self) -> datetime:
        clock = self.state.get("clock")
        return datetime.fromisoformat(clock) if clock else datetime.now(UTC)

    def new_id(self, seed: str) -> str:
        """A GUID from the seed and how many objects that seed already had, so that a fresh
        tenant gives the same IDs to the same program (mock runs), while a replacement under
        the same name gets a new one (engine runs)."""
        serials = self.state["serials"]
        serial = serials.get(seed, 0)
        serials[seed] = serial + 1
        return str(uuid.uuid5(_NAMESPACE, f"{self.tenant_id}/{seed}/{serial}"))

    # -- operations --------------------------------------------------------------------------

    def check(self, token: str, inputs: Inputs) -> tuple[Inputs, list[CheckFailure]]:
        handler = handler_for(token)
        checked = {**handler.defaults, **inputs}
        # The provider validates only what is known: during a preview, an input computed from
        # a resource not created yet is unknown (BR pkg/tfbridge: unknowns skip validators).
        return checked, handler.check(_known(checked))

    def create(self, token: str, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        handler = handler_for(token)
        self._fail_if_armed("create", token, name)
        resource_id, computed = handler.create(self, name, inputs)
        self._record("create", token, name, resource_id)
        return resource_id, {**inputs, **computed}

    def preview_create(self, token: str, inputs: Inputs) -> Inputs:
        handler = handler_for(token)
        return {**inputs, **{key: UNKNOWN for key in handler.computed if key not in inputs}}

    def read(self, token: str, resource_id: str, state: Inputs) -> Inputs | None:
        # Reads are not logged: a refresh changes nothing, and the log is of changes.
        return served_handler_for(token).read(self, resource_id, state)

    def update(self, token: str, name: str, resource_id: str, olds: Inputs, news: Inputs) -> Inputs:
        self._fail_if_armed("update", token, name)
        outputs = served_handler_for(token).update(self, resource_id, olds, news)
        self._record("update", token, name, resource_id)
        return outputs

    def delete(self, token: str, name: str, resource_id: str, state: Inputs) -> None:
        self._fail_if_armed("delete", token, name)
        served_handler_for(token).delete(self, resource_id, state)
        self._record("delete", token, name, resource_id)

    def invoke(self, token: str, args: Mapping[str, Any]) -> Inputs:
        handler = INVOKE_HANDLERS.get(token)
        if handler is None:
            raise NotImplementedError(f"the fake tenant does not implement invoke {token}")
        return handler(self, args)

    # -- faults and the log --------------------------------------------------------------------

    def arm_fault(self, operation: str, token: str, nth: int = 1, message: str = "") -> None:
        """Make the ``nth`` next ``operation`` on ``token`` fail, as a 503 from the service."""
        self.state["faults"].append(
            {"operation": operation, "type": token, "nth": nth, "seen": 0, "message": message}
        )

    def _fail_if_armed(self, operation: str, token: str, name: str) -> None:
        for fault in self.state["faults"]:
            if fault["operation"] != operation or fault["type"] != token:
                continue
            fault["seen"] += 1
            if fault["seen"] == fault["nth"]:
                self._record(f"{operation}-failed", token, name, "")
                raise ProviderError(
                    fault["message"]
                    or f"{operation} {name}: unexpected status 503 (503 Service Unavailable) "
                    "with error: ServiceUnavailable: injected fault"
                )

    def _record(self, operation: str, token: str, name: str, resource_id: str) -> None:
        log = self.state["log"]
        log.append(
            {
                "seq": len(log) + 1,
                "operation": operation,
                "type": token,
                "name": name,
                "id": resource_id,
                "time": self.now().isoformat(),
            }
        )

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.state)


def _known(inputs: Inputs) -> Inputs:
    """Inputs with each unknown value as None (the key stays: it is given, just not known)."""

    def known(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: known(v) for k, v in value.items() if v != UNKNOWN}
        if isinstance(value, list):
            return [known(v) for v in value if v != UNKNOWN]
        return value

    return {key: None if value == UNKNOWN else known(value) for key, value in inputs.items()}


def handler_for(token: str) -> Handler:
    handler = RESOURCE_HANDLERS.get(token)
    if handler is None:
        raise NotImplementedError(f"the fake tenant does not implement resource type {token}")
    return handler


def served_handler_for(token: str) -> ServedHandler:
    handler = SERVED_HANDLERS.get(token)
    if handler is None:
        raise NotImplementedError(
            f"the fake tenant does not read, update or delete {token}: under the engine the"
            " real azuread provider does, through the Graph fake (testbed.graphapi)"
        )
    return handler

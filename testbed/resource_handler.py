"""What one resource type of the fake tenant does, as ``testbed.tenant`` calls it: the
handler protocol, the inputs it takes and the two ways it fails, in the provider's words.

The handler modules (``testbed.entra``, ``principals``, ``credentials``, ``api_exposure``:
azuread; ``arm``, ``healthcare_services``: served by our plugin too) implement it and import it from here; ``testbed.handlers`` tables them by type token. The tenant they
act on is a type only, so no handler imports ``testbed.tenant`` at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from testbed.tenant import Tenant

Inputs = dict[str, Any]


class ProviderError(Exception):
    """A failed operation, worded as the real provider reports it."""


@dataclass(frozen=True)
class CheckFailure:
    """An input the provider's Check refuses, with the provider's reason."""

    property: str
    reason: str


class Handler(Protocol):
    """What one resource type does on the mock runtime: check and create (``testbed.mockrun``).

    Under the engine the real azuread provider reads, updates and deletes Entra objects
    through the Graph fake (``testbed.graphapi``), so the azuread handlers stop here; the rules
    that imitated its update and delete went with them."""

    @property
    def computed(self) -> frozenset[str]:
        """Outputs the provider computes: unknown in a preview of a create."""

    @property
    def defaults(self) -> Mapping[str, Any]:
        """Non-empty schema defaults the provider writes into the checked inputs."""

    def check(self, inputs: Inputs) -> list[CheckFailure]: ...

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]: ...


class ServedHandler(Handler, Protocol):
    """A type our provider plugin serves under the engine (``testbed.plugin``: azure-native
    and the consumer's Healthcare APIs types): its whole lifecycle."""

    def read(self, tenant: Tenant, resource_id: str, state: Inputs) -> Inputs | None: ...

    def update(self, tenant: Tenant, resource_id: str, olds: Inputs, news: Inputs) -> Inputs: ...

    def delete(self, tenant: Tenant, resource_id: str, state: Inputs) -> None: ...


InvokeHandler = Callable[["Tenant", Mapping[str, Any]], Inputs]

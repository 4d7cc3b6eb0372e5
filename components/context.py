"""What every component needs from the stack besides its own settings."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pulumi

from components.config import StackSettings
from components.tenant import TenantView

T = TypeVar("T")


def _keep(value: Any) -> Any:
    return value


def _secret(value: Any) -> Any:
    return pulumi.Output.secret(value)


@dataclass(frozen=True)
class StackContext:
    stack: str
    now: datetime
    protect: bool
    # Owner of every service principal; Entra makes it the applications' owner by itself.
    deployer_object_id: str
    tenant: TenantView
    settings: StackSettings

    def guard(self, *config_keys: str) -> Callable[[T], "pulumi.Input[T]"]:
        """Wrap values drawn from any of these config keys, so that they stay secret in
        state and diffs when one of the keys is secret.

        Pulumi marks secret-ness per top-level key: one ``--secret`` leaf under
        ``applications`` makes the whole key secret, and so every input derived from it,
        down to IDs looked up by a name it holds and dates computed from its settings.
        """
        return _secret if set(config_keys) & self.settings.secret_keys else _keep

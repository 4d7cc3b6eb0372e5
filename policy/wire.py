"""What the engine hands a rule: the resource type tokens, properties in wire format
(camelCase) and the sentinels that stand for values unknown during a preview.

Unknown values (outputs not yet known during ``pulumi preview``):

* Under the policy engine, reading an unknown property raises ``UnknownValueError``. The rules
  let it propagate; the framework then skips the policy for that resource and reports an
  advisory "can't run policy during preview" diagnostic instead of a violation.
* Plain dictionaries (the mock runtime) carry unknowns as the engine's sentinel strings; a rule
  that meets one skips the value instead of failing it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from components import provider_resources as resource_types

# From the one table of resource types (components/provider_resources.py).
APPLICATION_REGISTRATION: Final = resource_types.APPLICATION_REGISTRATION.token
APPLICATION_LEGACY: Final = resource_types.LEGACY_APPLICATION_TOKEN
APPLICATION_PASSWORD: Final = resource_types.APPLICATION_PASSWORD.token
APPLICATION_REDIRECT_URIS: Final = resource_types.REDIRECT_URIS.token
ROLE_ASSIGNMENT: Final = resource_types.ROLE_ASSIGNMENT.token
FEDERATED_CREDENTIAL: Final = resource_types.FEDERATED_CREDENTIAL.token
APPLICATION_OWNER: Final = resource_types.APPLICATION_OWNER.token

# The engine's sentinels for values that are unknown during preview (pulumi_policy/proxy.py and
# pulumi.runtime.rpc.UNKNOWN). They reach plain dictionaries built from the mock runtime.
UNKNOWN_SENTINELS: Final = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (also pulumi.runtime.rpc.UNKNOWN)
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)

Props = Mapping[str, Any]
Config = Mapping[str, Any]
# Every resource rule: (resource_type, props, config) -> violation messages; none means a pass.
Rule = Callable[[str, Props, Config], list[str]]


def is_unknown(value: object) -> bool:
    """True for a value that the engine does not know yet (preview of a not-yet-created output)."""
    return isinstance(value, str) and value in UNKNOWN_SENTINELS

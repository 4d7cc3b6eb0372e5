"""The stack rule (advisory): every application registration has at least ``minOwners``
owners, counted over the whole resource graph."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from policy.settings import DEFAULT_MIN_OWNERS, MIN_OWNERS_KEY, int_config
from policy.wire import APPLICATION_OWNER, APPLICATION_REGISTRATION, Config, Props, is_unknown


@dataclass(frozen=True)
class StackResource:
    """What the stack-level owner rule needs from each resource.

    ``property_dependencies`` maps a property to the URNs of the resources it came from; during
    preview it still names the ApplicationRegistration when ``applicationId`` is unknown.
    """

    resource_type: str
    props: Props
    urn: str = ""
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _registration_keys(resource: StackResource) -> set[str]:
    keys = {resource.urn} if resource.urn else set()
    for prop in ("id", "objectId"):
        value = resource.props.get(prop)
        if isinstance(value, str) and value and not is_unknown(value):
            keys.add(value if value.startswith("/applications/") else f"/applications/{value}")
    return keys


# The identity that creates an application, which Entra makes its owner.
CREATOR_OWNERS: Final = 1


def check_min_owners(resources: Iterable[StackResource], config: Config) -> list[tuple[str, str]]:
    """(advisory) every application registration has at least ``minOwners`` owners.

    Entra makes the identity that creates an application its owner by itself (msgraph-sdk-
    powershell #829, terraform-provider-azuread #1367), and the stack declares only the extra
    owners as ApplicationOwner resources: an application has those plus one.

    Owners are counted per ``applicationId``; when that is unknown (preview of a new app) they are
    attributed through ``property_dependencies``. If some owner cannot be attributed at all the
    count would be a guess, so the rule reports nothing rather than a false alarm.
    Returns ``(urn, message)`` pairs; the urn is the registration's (or the first owner's when the
    application is not registered in this stack).
    """
    minimum = int_config(config, MIN_OWNERS_KEY, DEFAULT_MIN_OWNERS)
    resources = list(resources)
    registrations = [r for r in resources if r.resource_type == APPLICATION_REGISTRATION]
    owner_keys: list[tuple[str, StackResource]] = []
    for owner in (r for r in resources if r.resource_type == APPLICATION_OWNER):
        app_id = owner.props.get("applicationId")
        if isinstance(app_id, str) and app_id and not is_unknown(app_id):
            owner_keys.append((app_id, owner))
            continue
        deps = owner.property_dependencies.get("applicationId") or []
        if not deps:
            return []  # unattributable owner: do not guess
        owner_keys.append((deps[0], owner))

    violations: list[tuple[str, str]] = []
    claimed: set[str] = set()
    for registration in registrations:
        keys = _registration_keys(registration)
        claimed |= keys
        count = CREATOR_OWNERS + sum(1 for key, _ in owner_keys if key in keys)
        if count < minimum:
            name = registration.props.get("displayName")
            label = repr(name) if isinstance(name, str) and not is_unknown(name) else "application"
            violations.append(
                (
                    registration.urn,
                    f"{label} has {count} owner(s) (the deploying identity, and "
                    f"{count - CREATOR_OWNERS} in `owners`); at least {minimum} are recommended so "
                    "the registration is never orphaned when one person leaves.",
                )
            )
    unclaimed: dict[str, list[StackResource]] = {}
    for key, owner in owner_keys:
        if key not in claimed:
            unclaimed.setdefault(key, []).append(owner)
    for key, owners in unclaimed.items():
        if len(owners) < minimum:
            violations.append(
                (
                    owners[0].urn,
                    f"application {key} has {len(owners)} owner(s) in this stack; at least "
                    f"{minimum} are recommended.",
                )
            )
    return violations

"""``adopt``: an application registered in the portal, which the stack imports instead of
creating (docs/adoption.md).

``tools.adopt`` writes the block from what `az` prints: the registration's and the service
principal's object IDs, and the parts that exist at that moment (owners, platforms, API
access entries, admin-consent grants, data role assignments). The first ``pulumi up``
imports exactly those; whatever the config adds later is created as usual, so the block is
inert once adopted and can stay.
"""

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictStr

from components.config.base import ConfigModel, ObjectId, Rule, empty_map, frozen_map
from components.errors import Invalid, Plain

Platform = Literal["mobileDesktop", "web", "spa"]


class AdoptedRoleAssignment(ConfigModel):
    scope: StrictStr
    role_definition_id: ObjectId  # the role definition's GUID
    name: ObjectId  # the assignment's name, a GUID


class AdoptSettings(ConfigModel):
    application_object_id: ObjectId
    service_principal_object_id: ObjectId | None = None
    owners: tuple[ObjectId, ...] = ()
    redirect_uris: tuple[Platform, ...] = ()
    api_access: tuple[StrictStr, ...] = ()
    grants: Annotated[Mapping[str, StrictStr], AfterValidator(frozen_map)] = Field(
        default_factory=empty_map
    )
    role_assignments: tuple[AdoptedRoleAssignment, ...] = ()


def adoption_rules(
    adopt: AdoptSettings,
    *,
    owners: tuple[str, ...],
    platforms: frozenset[str],
    permission_keys: frozenset[str],
    admin_consent: bool,
) -> list[Rule]:
    """What the block imports must be what the entry declares: an imported part the entry
    does not declare would be deleted by the same run that imports it."""
    out: list[Rule] = []
    for index, owner in enumerate(adopt.owners):
        if owner not in owners:
            out.append(
                (
                    ("owners", index),
                    Invalid(
                        "{} is adopted as an owner but is not in the entry's owners", Plain(owner)
                    ),
                )
            )
    for index, platform in enumerate(adopt.redirect_uris):
        if platform not in platforms:
            out.append(
                (
                    ("redirectUris", index),
                    Invalid("the entry has no redirectUris.{} to adopt", Plain(platform)),
                )
            )
    for index, key in enumerate(adopt.api_access):
        if key not in permission_keys:
            out.append((("apiAccess", index), Invalid("the entry has no apiPermissions.{}", key)))
    for key in adopt.grants:
        if key not in permission_keys or not admin_consent:
            out.append(
                (
                    ("grants", key),
                    Invalid(
                        "adopts an admin-consent grant, but the entry has no apiPermissions.{} "
                        "with adminConsent: true",
                        key,
                    ),
                )
            )
    return out

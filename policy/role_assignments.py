"""Rules on Azure role assignments: only at Microsoft.HealthcareApis scopes, only to service
principals, and never a built-in role that can grant access or administer resources."""

from __future__ import annotations

import re
from typing import Final

from components.azure_roles import privileged_role
from policy.wire import ROLE_ASSIGNMENT, Config, Props, is_unknown

PRINCIPAL_TYPE: Final = "ServicePrincipal"

_HEALTHCARE_SCOPE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.HealthcareApis/[^/]+/[^/]+"
    r"(/[^/]+/[^/]+)*/?$",
    re.IGNORECASE,
)


def check_role_assignment(resource_type: str, props: Props, config: Config) -> list[str]:
    """Role assignments only at ``Microsoft.HealthcareApis`` scopes, to service principals."""
    if resource_type != ROLE_ASSIGNMENT:
        return []
    messages = []
    scope = props.get("scope")
    if not is_unknown(scope) and (
        not isinstance(scope, str)
        or not _HEALTHCARE_SCOPE.match(scope)
        or scope.lower().count("/providers/") != 1  # nothing nested under another provider
    ):
        messages.append(
            f"scope {scope!r} is not a Microsoft.HealthcareApis resource: assign data-plane "
            "roles at the FHIR, DICOM or Azure API for FHIR service (or its workspace), never "
            "at a subscription, resource group or other provider."
        )
    principal_type = props.get("principalType")
    if not is_unknown(principal_type) and principal_type != PRINCIPAL_TYPE:
        messages.append(
            f"principalType is {principal_type!r}: it must be {PRINCIPAL_TYPE!r} (the client's "
            "service principal), set explicitly so the assignment does not race replication."
        )
    return messages


def check_no_privileged_role(resource_type: str, props: Props, config: Config) -> list[str]:
    """No built-in role that can grant access or administer resources (Owner, Contributor, User
    Access Administrator ...: ``components.azure_roles``), whatever the config called it."""
    if resource_type != ROLE_ASSIGNMENT:
        return []
    role = props.get("roleDefinitionId")
    if is_unknown(role) or not isinstance(role, str):
        return []
    name = privileged_role(role.rstrip("/").rsplit("/", 1)[-1])
    if name is None:
        return []
    # The message names the role, not the ID: the ID carries the subscription.
    return [
        f"roleDefinitionId is the built-in role {name!r}, which can grant access or administer "
        "resources: a client application holds a FHIR or DICOM data role, or a custom role with "
        "data actions only."
    ]

"""Azure RBAC data roles on FHIR and DICOM services for an application's service principal."""

from collections.abc import Callable
from typing import Any

import pulumi
from pulumi_azure_native import authorization

from components import healthcare
from components.config import RoleGrant, ServiceSettings


def _slug(role_name: str) -> str:
    return "-".join(role_name.lower().split())


class DataPlaneAccess(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        stack: str,
        principal_id: pulumi.Input[str],
        grants: tuple[RoleGrant, ...],
        services: dict[str, ServiceSettings],
        guard: Callable[[Any], Any] = lambda value: value,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("healthcare-clients:index:DataPlaneAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.assignments: list[authorization.RoleAssignment] = []
        for grant in grants:
            service = services[grant.service]
            resource = service.resource
            self.assignments.append(
                authorization.RoleAssignment(
                    f"{name}-{grant.service}-{_slug(grant.role_name)}",
                    scope=guard(resource.resource_id),
                    principal_id=principal_id,
                    # Stated, not looked up: ARM's lookup of a just-created principal fails
                    # with PrincipalNotFound while Entra replicates it.
                    principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
                    role_definition_id=guard(
                        healthcare.role_definition_id(resource.subscription_id, grant.role_guid)
                    ),
                    role_assignment_name=guard(
                        healthcare.role_assignment_name(
                            stack, name, resource.resource_id, grant.role_guid
                        )
                    ),
                    description=guard(
                        f"healthcare-clients: {name} holds {grant.role_name} on {grant.service}"
                    ),
                    opts=child,
                )
            )
        self.register_outputs(
            {"roles": guard([f"{grant.service}: {grant.role_name}" for grant in grants])}
        )

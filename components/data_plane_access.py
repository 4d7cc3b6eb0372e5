"""Azure RBAC data roles on FHIR and DICOM services for an application's service principal."""

import pulumi
from pulumi_azure_native import authorization

from components import healthcare
from components.config import RoleGrant
from components.healthcare import HealthcareResource
from components.parent import Parent
from components.provider_resources import ROLE_ASSIGNMENT
from components.secrecy import secret_if


def _slug(role_name: str) -> str:
    return "-".join(role_name.lower().split())


def data_plane_access(
    parent: Parent,
    *,
    stack: str,
    principal_id: pulumi.Input[str],
    roles: tuple[tuple[RoleGrant, HealthcareResource], ...],
    secret: bool,
) -> None:
    """One role assignment per role granted, at the scope of the service it is granted on.

    Names, scopes and descriptions derive from both ``applications`` and ``services``, so
    ``secret`` is whether either key is secret (not ``parent.secret`` alone).
    """
    name, adoption = parent.name, parent.adoption
    for grant, resource in roles:
        # An adopted assignment keeps the name it was given in the portal: the name is part
        # of its ID, and ARM allows one assignment per principal, role and scope.
        adopted = (
            adoption.role_assignment(resource.resource_id, grant.role_guid) if adoption else None
        )
        assignment_name = (
            adopted[0]
            if adopted
            else healthcare.role_assignment_name(stack, name, resource.resource_id, grant.role_guid)
        )
        resource_name = f"{name}-{grant.service}-{_slug(grant.role_name)}"
        authorization.RoleAssignment(
            resource_name,
            scope=secret_if(resource.resource_id, secret),
            principal_id=principal_id,
            # Stated, not looked up: ARM's lookup of a just-created principal fails
            # with PrincipalNotFound while Entra replicates it.
            principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
            role_definition_id=secret_if(
                healthcare.role_definition_id(resource.subscription_id, grant.role_guid), secret
            ),
            role_assignment_name=secret_if(assignment_name, secret),
            description=secret_if(
                f"healthcare-clients: {name} holds {grant.role_name} on {grant.service}", secret
            ),
            opts=parent.options(
                ROLE_ASSIGNMENT,
                import_id=adopted[1] if adopted else None,
            ),
        )

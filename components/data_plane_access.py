"""Azure RBAC data roles on FHIR and DICOM services for an application's service principal."""

from collections.abc import Mapping

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


def _from_unknown(  # noqa: PLR0913 (what the assignment's inputs derive from, by name)
    resource_id: pulumi.Output[str],
    resource: HealthcareResource,
    grant: RoleGrant,
    stack: str,
    application: str,
    project: str,
) -> tuple[pulumi.Output[str], pulumi.Output[str], pulumi.Output[str]]:
    """Scope, role definition and assignment name from a resource ID still unknown: unknown
    in a preview, and derived as for a known ID should it resolve."""

    def definition(value: str) -> str:
        parsed = healthcare.parse_resource_id(value, resource.kind)
        return healthcare.role_definition_id(parsed.subscription_id, grant.role_guid)

    def assignment(value: str) -> str:
        return healthcare.role_assignment_name(stack, application, value, grant.role_guid, project)

    return resource_id, resource_id.apply(definition), resource_id.apply(assignment)


def data_plane_access(  # noqa: PLR0913 (the plain values it uses, by name)
    parent: Parent,
    *,
    stack: str,
    principal_id: pulumi.Input[str],
    roles: tuple[tuple[RoleGrant, HealthcareResource], ...],
    secret: bool,
    project: str = "healthcare-clients",
    pending: Mapping[str, pulumi.Output[str]] | None = None,
) -> None:
    """One role assignment per role granted, at the scope of the service it is granted on.

    Names, scopes and descriptions derive from both ``applications`` and ``services``, so
    ``secret`` is whether either key is secret (not ``parent.secret`` alone). A service in
    ``pending`` has a resource ID that is unknown until its resource is deployed: its scope,
    role definition and assignment name are that unknown value's, as a preview shows them.
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
            else healthcare.role_assignment_name(
                stack, name, resource.resource_id, grant.role_guid, project
            )
        )
        scope, role_definition_id, role_assignment_name = (
            secret_if(resource.resource_id, secret),
            secret_if(
                healthcare.role_definition_id(resource.subscription_id, grant.role_guid), secret
            ),
            secret_if(assignment_name, secret),
        )
        unknown = (pending or {}).get(grant.service)
        if unknown is not None:
            scope, role_definition_id, role_assignment_name = (
                pulumi.Output.secret(value) if secret else value
                for value in _from_unknown(unknown, resource, grant, stack, name, project)
            )
        resource_name = f"{name}-{grant.service}-{_slug(grant.role_name)}"
        authorization.RoleAssignment(
            resource_name,
            scope=scope,
            principal_id=principal_id,
            # Stated, not looked up: ARM's lookup of a just-created principal fails
            # with PrincipalNotFound while Entra replicates it.
            principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
            role_definition_id=role_definition_id,
            role_assignment_name=role_assignment_name,
            description=secret_if(
                f"healthcare-clients: {name} holds {grant.role_name} on {grant.service}", secret
            ),
            opts=parent.options(
                ROLE_ASSIGNMENT,
                import_id=adopted[1] if adopted else None,
            ),
        )

"""Azure API for FHIR, retired on 30 September 2026: the stack keeps what exists on it and
creates nothing new for it (docs/api-for-fhir-migration.md).

Microsoft Learn (healthcare-apis/fhir/migration-faq): "Azure API for FHIR will be retired on
September 30, 2026", new deployments not allowed since April 1, 2025, and after retirement
customers cannot create or manage Azure API for FHIR accounts. A role assignment on one is
therefore only ever kept: before anything is registered the program reads each assignment it
would hold there (ARM RoleAssignments_Get, by scope and name) and refuses the configuration for
every one that does not exist yet, instead of creating it.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from pulumi_azure_native import authorization

from components import healthcare
from components.adoption import adoption_of
from components.config import Application, ServiceSettings
from components.errors import Problem, join_path
from components.tenant import lookup_failure

RETIRED_ON = "30 September 2026"
MIGRATION_DOC = "docs/api-for-fhir-migration.md"


@dataclass(frozen=True)
class LegacyCheck:
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...]


def _assignment_name(app: Application, stack: str, service: ServiceSettings, role_guid: str) -> str:
    scope = service.resource.resource_id
    adoption = adoption_of(app)
    adopted = adoption.role_assignment(scope, role_guid) if adoption else None
    if adopted is not None:
        return adopted[0]
    return healthcare.role_assignment_name(stack, app.name, scope, role_guid)


def check_legacy_roles(
    applications: Iterable[Application],
    services: dict[str, ServiceSettings],
    *,
    stack: str,
    preview: bool,
    secret: bool,
) -> LegacyCheck:
    """One lookup per role an application holds on an Azure API for FHIR: missing is a
    problem; a lookup that fails otherwise is a problem at `pulumi up` and a warning in a
    preview, whose identity may not read role assignments (it checks again at `pulumi up`)."""
    problems: list[Problem] = []
    warnings: list[str] = []
    for app in applications:
        for grant in app.roles:
            service = services[grant.service]
            if service.kind != "api-for-fhir":
                continue
            path = join_path("applications", app.name, "roles", grant.service)
            role = "[secret]" if secret else grant.role_name
            name = _assignment_name(app, stack, service, grant.role_guid)
            try:
                authorization.get_role_assignment(
                    scope=service.resource.resource_id, role_assignment_name=name
                )
            except Exception as exc:  # the SDK raises a bare Exception for a failed invoke
                text = lookup_failure(str(exc))
                if "Status=404" in text:
                    problems.append(
                        Problem(
                            path,
                            f"{role} would be a new role assignment on an Azure API for FHIR, "
                            f"which was retired on {RETIRED_ON}: the stack creates nothing new "
                            "for it. Keep only the assignments that exist there, or move the "
                            f"application to a FHIR service ({MIGRATION_DOC})",
                        )
                    )
                elif preview:
                    warnings.append(
                        f"{path}: could not check that {role} exists on the Azure API for FHIR "
                        f"({text}); `pulumi up` checks it again and creates nothing new there"
                    )
                else:
                    problems.append(
                        Problem(
                            path,
                            f"looking up {role} on the Azure API for FHIR failed: {text}. The "
                            "deploying identity needs Microsoft.Authorization/roleAssignments/"
                            "read there",
                        )
                    )
    return LegacyCheck(tuple(problems), tuple(warnings))

"""Every resource type the fake providers serve: the stack program's own
(``components.provider_resources``) and those that only a consumer's program declares beside
the component package (``testbed.healthcare_services``, whose docstring cites their sources).
"""

from typing import Final

from components.provider_resources import RESOURCE_TYPES, ResourceType

WORKSPACE: Final = ResourceType(
    token="azure-native:healthcareapis:Workspace",
    module="pulumi_azure_native.healthcareapis.workspace",
    class_name="Workspace",
    replace_on=frozenset({"resourceGroupName", "workspaceName"}),
    provider_deletes_first=True,
    on_delete="deletes the workspace (ARM)",
    secret_outputs=frozenset(),
    import_id="/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.HealthcareApis/workspaces/{name}",
    source="azure-native diff.go (path parameters), provider.go Diff",
)
FHIR_SERVICE: Final = ResourceType(
    token="azure-native:healthcareapis:FhirService",
    module="pulumi_azure_native.healthcareapis.fhir_service",
    class_name="FhirService",
    replace_on=frozenset({"resourceGroupName", "workspaceName", "fhirServiceName"}),
    provider_deletes_first=True,
    on_delete="deletes the FHIR service (ARM)",
    secret_outputs=frozenset(),
    import_id=(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.HealthcareApis/"
        "workspaces/{workspace}/fhirservices/{name}"
    ),
    source="azure-native diff.go (path parameters), provider.go Diff",
)
SERVED_TYPES: Final[dict[str, ResourceType]] = {
    **RESOURCE_TYPES,
    WORKSPACE.token: WORKSPACE,
    FHIR_SERVICE.token: FHIR_SERVICE,
}

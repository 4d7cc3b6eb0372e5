"""Azure Health Data Services resources that only a consumer's program declares, beside the
component package: a workspace and a FHIR service (azure-native ``healthcareapis``).

The stack program never declares them (components.provider_resources lists what it does); the
end-to-end test of a program that creates its FHIR service and passes the service's ID to
``ClientApplication`` does. Written from pulumi-azure-native 3.29.0, the version pinned: its
Python SDK (``healthcareapis/workspace.py``, ``healthcareapis/fhir_service.py``, generated from
the provider's schema, REST API version 2024-03-31) for the inputs and outputs;
``provider/pkg/provider/diff.go`` (path parameters force a replacement; a name the program
gives is replaced delete-first, ``provider.go`` Diff); and Azure Resource Manager's
"Resolve resource not found errors" (a child resource whose parent does not exist fails with
ParentResourceNotFound).

Only named resources are served: azure-native names a resource without a name input itself
(auto-naming, with a random suffix), which no test here needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from testbed.resource_handler import CheckFailure, Inputs, ProviderError

if TYPE_CHECKING:
    from testbed.tenant import Tenant

API_VERSION = "2024-03-31"


def _named(inputs: Inputs, *keys: str) -> list[CheckFailure]:
    return [
        CheckFailure(key, f"missing required property '{key}' (the fake serves named resources)")
        for key in keys
        if key not in inputs
    ]


def _workspace_id(tenant: Tenant, resource_group: object, workspace: object) -> str:
    return (
        f"/subscriptions/{tenant.state['subscriptionId']}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.HealthcareApis/workspaces/{workspace}"
    )


def _records(tenant: Tenant) -> dict[str, Any]:
    records: dict[str, Any] = tenant.state.setdefault("healthcareResources", {})
    return records


class Workspace:
    """healthcareapis.Workspace: a PUT of /subscriptions/.../workspaces/{workspaceName}."""

    computed = frozenset({"name", "type", "provisioningState", "azureApiVersion"})
    defaults: dict[str, Any] = {}

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return _named(inputs, "resourceGroupName", "workspaceName")

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        resource_id = _workspace_id(tenant, inputs["resourceGroupName"], inputs["workspaceName"])
        _records(tenant)[resource_id.lower()] = {"id": resource_id, "inputs": dict(inputs)}
        return resource_id, {**inputs, **self._computed(inputs)}

    @staticmethod
    def _computed(inputs: Inputs) -> Inputs:
        return {
            "name": inputs["workspaceName"],
            "type": "Microsoft.HealthcareApis/workspaces",
            "provisioningState": "Succeeded",
            "azureApiVersion": API_VERSION,
        }

    def read(self, tenant: Tenant, resource_id: str, state: Inputs) -> Inputs | None:
        record = _records(tenant).get(resource_id.lower())
        return None if record is None else {**record["inputs"], **self._computed(record["inputs"])}

    def update(self, tenant: Tenant, resource_id: str, olds: Inputs, news: Inputs) -> Inputs:
        _records(tenant)[resource_id.lower()] = {"id": resource_id, "inputs": dict(news)}
        return {**news, **self._computed(news)}

    def delete(self, tenant: Tenant, resource_id: str, state: Inputs) -> None:
        _records(tenant).pop(resource_id.lower(), None)


class FhirService:
    """healthcareapis.FhirService: a PUT of .../workspaces/{workspaceName}/fhirservices/
    {fhirServiceName}; its workspace must exist (ParentResourceNotFound). ARM names a child
    resource by its parent's name and its own."""

    computed = frozenset({"name", "type", "provisioningState", "azureApiVersion"})
    defaults: dict[str, Any] = {}

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return _named(inputs, "resourceGroupName", "workspaceName", "fhirServiceName")

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        workspace = _workspace_id(tenant, inputs["resourceGroupName"], inputs["workspaceName"])
        if workspace.lower() not in _records(tenant):
            raise ProviderError(
                'Status=404 Code="ParentResourceNotFound" Message="Failed to perform \'write\' '
                "on resource(s) of type 'workspaces/fhirservices', because the parent resource "
                f"'{workspace}' could not be found.\""
            )
        resource_id = f"{workspace}/fhirservices/{inputs['fhirServiceName']}"
        _records(tenant)[resource_id.lower()] = {"id": resource_id, "inputs": dict(inputs)}
        return resource_id, {**inputs, **self._computed(inputs)}

    @staticmethod
    def _computed(inputs: Inputs) -> Inputs:
        return {
            "name": f"{inputs['workspaceName']}/{inputs['fhirServiceName']}",
            "type": "Microsoft.HealthcareApis/workspaces/fhirservices",
            "provisioningState": "Succeeded",
            "azureApiVersion": API_VERSION,
        }

    def read(self, tenant: Tenant, resource_id: str, state: Inputs) -> Inputs | None:
        record = _records(tenant).get(resource_id.lower())
        return None if record is None else {**record["inputs"], **self._computed(record["inputs"])}

    def update(self, tenant: Tenant, resource_id: str, olds: Inputs, news: Inputs) -> Inputs:
        _records(tenant)[resource_id.lower()] = {"id": resource_id, "inputs": dict(news)}
        return {**news, **self._computed(news)}

    def delete(self, tenant: Tenant, resource_id: str, state: Inputs) -> None:
        _records(tenant).pop(resource_id.lower(), None)

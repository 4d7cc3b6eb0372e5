"""FHIR and DICOM data-plane roles, service validation, and service endpoints."""

import copy
from typing import Any

import pulumi
import pytest

from components import healthcare
from testbed.fake_tenant import TENANT_ID, FakeTenant
from testbed.mockrun import MockRun
from tests.conftest import DEV_DICOM_ID, DEV_FHIR_ID, OTHER_SUBSCRIPTION, SUBSCRIPTION, Runner

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

# Microsoft Learn, "Azure built-in roles", Integration (docs/design.md, "Sources")
CONTRIBUTOR = "5a1fc7df-4bf1-4951-a576-89034ee01acd"
READER = "4c8d0bbc-75d3-4935-991f-5f3c56d81508"
DICOM_OWNER = "58a3b984-7adf-4c20-983a-32417c86fbc8"
CUSTOM_ROLE = "9a8b7c6d-1111-4222-8333-444455556666"


def role_definition(subscription: str, guid: str) -> str:
    return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def assignments(result: MockRun) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in result.of_type(ROLE_ASSIGNMENT)}


def sp_object_id(result: MockRun, app: str) -> str:
    object_id = result.named(f"{app}-sp").outputs["objectId"]
    assert isinstance(object_id, str) and object_id
    return object_id


def expect_config_error(run: Runner, config: dict[str, Any]) -> str:
    tenant = FakeTenant()
    with pytest.raises(pulumi.RunError) as info:
        run(config, tenant=tenant)
    assert tenant.applications == {}
    assert tenant.created_sps == {}
    assert tenant.arm_names == set()
    return str(info.value)


# --- the dev stack -----------------------------------------------------------------------------


def test_dev_stack_role_assignments(run: Runner, dev_config: dict[str, Any]) -> None:
    result = run(dev_config)
    services = dev_config["services"]
    postman, backend = sp_object_id(result, "postman"), sp_object_id(result, "backend")
    found = assignments(result)
    assert set(found) == {
        "postman-fhir-fhir-data-contributor",
        "postman-dicom-dicom-data-owner",
        "backend-fhir-fhir-data-reader",
    }
    expected = {
        "postman-fhir-fhir-data-contributor": ("fhir", CONTRIBUTOR, postman),
        "postman-dicom-dicom-data-owner": ("dicom", DICOM_OWNER, postman),
        "backend-fhir-fhir-data-reader": ("fhir", READER, backend),
    }
    for name, (service, role_guid, principal) in expected.items():
        inputs = found[name]
        assert inputs["scope"] == services[service]["resourceId"]
        assert inputs["roleDefinitionId"] == role_definition(SUBSCRIPTION, role_guid)
        assert inputs["principalType"] == "ServicePrincipal"
        assert inputs["principalId"] == principal
        app = name.split("-", 1)[0]
        assert inputs["roleAssignmentName"] == healthcare.role_assignment_name(
            "dev", app, services[service]["resourceId"], role_guid
        )
    assert postman != backend


def test_role_assignments_depend_on_the_service_principal(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    result = run(dev_config)
    sp_urn = result.named("postman-sp").urn
    for registration in result.of_type(ROLE_ASSIGNMENT):
        if registration.name.startswith("postman-"):
            assert sp_urn in registration.dependencies
            assert registration.parent.endswith("ClientApplication::postman")


def test_reruns_register_identical_assignment_names(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    first = {n: i["roleAssignmentName"] for n, i in assignments(run(dev_config)).items()}
    second = {n: i["roleAssignmentName"] for n, i in assignments(run(dev_config)).items()}
    assert first == second
    assert len(set(first.values())) == len(first) == 3


def test_assignment_names_differ_per_stack(run: Runner, dev_config: dict[str, Any]) -> None:
    dev = {n: i["roleAssignmentName"] for n, i in assignments(run(dev_config)).items()}
    prod = {
        n: i["roleAssignmentName"] for n, i in assignments(run(dev_config, stack="prod")).items()
    }
    assert dev.keys() == prod.keys()
    assert not set(dev.values()) & set(prod.values())


# --- role names and GUIDs ----------------------------------------------------------------------


def test_role_names_forgive_case_and_custom_guids_pass_through(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    config = copy.deepcopy(dev_config)
    config["applications"]["backend"]["roles"] = {"fhir": ["fhir data reader", CUSTOM_ROLE.upper()]}
    found = assignments(run(config))
    assert found["backend-fhir-fhir-data-reader"]["roleDefinitionId"] == role_definition(
        SUBSCRIPTION, READER
    )
    custom = found[f"backend-fhir-{CUSTOM_ROLE}"]
    assert custom["roleDefinitionId"] == role_definition(SUBSCRIPTION, CUSTOM_ROLE)
    assert custom["roleAssignmentName"] == healthcare.role_assignment_name(
        "dev", "backend", custom["scope"], CUSTOM_ROLE
    )


def test_one_role_spelled_twice_is_assigned_once(run: Runner, dev_config: dict[str, Any]) -> None:
    """ARM rejects a second assignment of one role to one principal on one scope."""
    config = copy.deepcopy(dev_config)
    config["applications"]["backend"]["roles"] = {
        "fhir": ["FHIR Data Reader", "fhir  data READER", READER.upper(), "FHIR Data Writer"]
    }
    found = assignments(run(config))
    backend = sorted(name for name in found if name.startswith("backend-"))
    assert backend == ["backend-fhir-fhir-data-reader", "backend-fhir-fhir-data-writer"]


def test_role_definition_uses_the_services_own_subscription(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    config = copy.deepcopy(dev_config)
    dicom_id = config["services"]["dicom"]["resourceId"].replace(
        SUBSCRIPTION, OTHER_SUBSCRIPTION.upper()
    )
    config["services"]["dicom"]["resourceId"] = dicom_id
    found = assignments(run(config))
    owner = found["postman-dicom-dicom-data-owner"]
    assert owner["roleDefinitionId"] == role_definition(OTHER_SUBSCRIPTION, DICOM_OWNER)
    assert owner["scope"] == dicom_id
    assert found["postman-fhir-fhir-data-contributor"]["roleDefinitionId"] == role_definition(
        SUBSCRIPTION, CONTRIBUTOR
    )


# --- errors ------------------------------------------------------------------------------------


def test_unknown_role_lists_the_known_roles(run: Runner, dev_config: dict[str, Any]) -> None:
    config = copy.deepcopy(dev_config)
    config["applications"]["backend"]["roles"] = {"fhir": ["FHIR Data Reader", "FHIR Data Admin"]}
    message = expect_config_error(run, config)
    assert (
        "applications.backend.roles.fhir[1]: 'FHIR Data Admin' is not a built-in role; known roles: "
        + ", ".join(healthcare.BUILT_IN_ROLES)
    ) in message
    assert "custom role" in message


@pytest.mark.parametrize(
    ("service", "role", "kind"),
    [
        ("dicom", "FHIR Data Reader", "dicom"),
        ("dicom", "FHIR Data Contributor", "dicom"),
        ("fhir", "DICOM Data Owner", "fhir"),
        ("fhir", "DICOM Data Reader", "fhir"),
    ],
)
def test_role_on_the_wrong_service_kind(
    run: Runner, dev_config: dict[str, Any], service: str, role: str, kind: str
) -> None:
    config = copy.deepcopy(dev_config)
    config["applications"]["backend"]["roles"] = {service: [role]}
    message = expect_config_error(run, config)
    assert (
        f"applications.backend.roles.{service}[0]: '{role}' does not apply to service "
        f"'{service}' of kind {kind}"
    ) in message


def test_fhir_data_importer_is_not_for_azure_api_for_fhir(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    config = copy.deepcopy(dev_config)
    config["services"]["legacy"] = {
        "kind": "api-for-fhir",
        "resourceId": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.HealthcareApis/services/legacyfhir",
    }
    config["applications"]["backend"]["roles"] = {
        "legacy": ["FHIR Data Importer"],
        "fhir": ["FHIR Data Importer"],  # fine on a workspace FHIR service
    }
    message = expect_config_error(run, config)
    assert (
        "applications.backend.roles.legacy[0]: 'FHIR Data Importer' does not apply to service "
        "'legacy' of kind api-for-fhir"
    ) in message
    assert "roles.fhir" not in message

    del config["services"]["legacy"]
    config["applications"]["backend"]["roles"] = {"fhir": ["FHIR Data Importer"]}
    assert "backend-fhir-fhir-data-importer" in assignments(run(config))


_GOOD_FHIR = DEV_FHIR_ID
_GOOD_DICOM = DEV_DICOM_ID


@pytest.mark.parametrize(
    ("service", "resource_id", "expected"),
    [
        (
            "fhir",
            _GOOD_FHIR.replace("Microsoft.HealthcareApis", "Microsoft.Storage"),
            "is not a fhir resource ID; expected /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.HealthcareApis/workspaces/<ws>/fhirservices/<name>",
        ),
        ("fhir", _GOOD_FHIR.replace("/workspaces/wsexample", ""), "is not a fhir resource ID"),
        (
            "dicom",
            _GOOD_DICOM.replace("/resourceGroups/rg-health-example", ""),
            "is not a dicom resource ID",
        ),
        (
            "fhir",
            _GOOD_FHIR.replace(SUBSCRIPTION, "contoso-prod"),
            "subscription 'contoso-prod' is not a GUID",
        ),
        ("fhir", _GOOD_DICOM, "is the ID of a 'dicom' service, but kind is 'fhir'"),
        ("dicom", _GOOD_FHIR, "is the ID of a 'fhir' service, but kind is 'dicom'"),
    ],
)
def test_malformed_resource_id(
    run: Runner, dev_config: dict[str, Any], service: str, resource_id: str, expected: str
) -> None:
    config = copy.deepcopy(dev_config)
    config["services"][service]["resourceId"] = resource_id
    message = expect_config_error(run, config)
    assert f"services.{service}.resourceId: {expected}" in message


# --- service endpoints -------------------------------------------------------------------------


def test_dev_stack_service_endpoints(run: Runner, dev_config: dict[str, Any]) -> None:
    result = run(dev_config)
    apps = result.outputs["applications"]
    fhir_url = "https://wsexample-fhirexample.fhir.azurehealthcareapis.com"
    dicom_audience = "https://dicom.healthcareapis.azure.com"
    fhir = {"kind": "fhir", "url": fhir_url, "audience": fhir_url, "scope": f"{fhir_url}/.default"}
    assert apps["postman"]["services"] == {
        "fhir": fhir,
        "dicom": {
            "kind": "dicom",
            "url": "https://wsexample-dicomexample.dicom.azurehealthcareapis.com",
            "audience": dicom_audience,
            "scope": f"{dicom_audience}/.default",
        },
    }
    assert apps["backend"]["services"] == {"fhir": fhir}  # it holds nothing on DICOM
    for app in apps.values():
        assert app["tenantId"] == TENANT_ID
        assert app["tokenEndpoint"] == (
            f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token"
        )
        assert app["tokenEndpointV1"] == (
            f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/token"
        )


def test_endpoint_overrides(run: Runner, dev_config: dict[str, Any]) -> None:
    config = copy.deepcopy(dev_config)
    config["services"]["fhir"]["url"] = "https://fhir.contoso.example/"
    config["services"]["dicom"]["url"] = "https://dicom.contoso.example"
    config["services"]["second"] = {
        "kind": "fhir",
        "resourceId": _GOOD_FHIR.replace("fhirexample", "fhirsecond"),
        "url": "https://proxy.contoso.example/fhir",
        "audience": "https://wsexample-fhirsecond.fhir.azurehealthcareapis.com",
    }
    config["applications"]["backend"]["roles"]["second"] = ["FHIR Data Reader"]
    services = run(config).outputs["applications"]["backend"]["services"]
    assert services["fhir"] == {
        "kind": "fhir",
        "url": "https://fhir.contoso.example",
        "audience": "https://fhir.contoso.example",
        "scope": "https://fhir.contoso.example/.default",
    }
    assert services["second"] == {
        "kind": "fhir",
        "url": "https://proxy.contoso.example/fhir",
        "audience": "https://wsexample-fhirsecond.fhir.azurehealthcareapis.com",
        "scope": "https://wsexample-fhirsecond.fhir.azurehealthcareapis.com/.default",
    }
    postman = run(config).outputs["applications"]["postman"]["services"]
    assert postman["dicom"]["url"] == "https://dicom.contoso.example"
    assert postman["dicom"]["audience"] == "https://dicom.healthcareapis.azure.com"


def test_a_permission_through_a_service_exports_its_endpoint(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    config = copy.deepcopy(dev_config)
    config["applications"]["backend"] = {
        "secret": False,
        "apiPermissions": {"dicom": ["Dicom.ReadWrite"]},
    }
    services = run(config).outputs["applications"]["backend"]["services"]
    assert list(services) == ["dicom"]
    assert services["dicom"]["scope"] == "https://dicom.healthcareapis.azure.com/.default"


def test_two_stacks_with_the_same_names_on_different_services_do_not_collide(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    # A role assignment's name is its identity in the tenant; the same name at another scope
    # is refused as a move (RoleAssignmentUpdateNotPermitted). The scope is in the seed.
    tenant = FakeTenant()
    run(dev_config, tenant=tenant)
    other = copy.deepcopy(dev_config)
    for service in other["services"].values():
        service["resourceId"] = service["resourceId"].replace("wsexample", "wsother")
    run(other, tenant=tenant)
    assert len(tenant.arm_names) == 6

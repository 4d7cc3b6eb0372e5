"""The component package under the engine: its schema, the TypeScript SDK in docs/, and two
programs of another team that declare ClientApplication themselves (Pulumi YAML, and Python
through the generated SDK with a FHIR service created in the same program). Each runs
preview, up, a rerun that changes nothing, and destroy; what each leaves in the tenant is
compared with what the stack program makes of the same entries."""

import json
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from components import healthcare
from testbed.engine import ROOT, EngineWorkspace
from testbed.mockrun import run_program
from testbed.record_sdk import declarations
from testbed.tenant import UNKNOWN
from tests.conftest import DEV_FHIR_ID
from tests.e2e.conftest import DEV_NOW
from tests.e2e.consumers import (
    COMPONENT,
    CONSUMER_PROJECT,
    PACKAGE,
    guide_example,
    python_program,
    yaml_program,
)
from tests.e2e.tenant_view import from_plan, from_tenant

pytestmark = pytest.mark.e2e

SDK_DOCS = ROOT / "docs" / "sdk" / "nodejs"


def _without_assignment_names(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "roleAssignments": [r[:3] for r in view["roleAssignments"]]}


def _assignment_names(view: dict[str, Any]) -> set[str]:
    return {r[3] for r in view["roleAssignments"]}


def _stack_program_view(config: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """What the stack program registers for these entries of ``config``, on the mock runtime."""
    only = {**config, "applications": {n: config["applications"][n] for n in names}}
    return from_plan(run_program(only, now=DEV_NOW))


def _consumer_assignment_names(view: dict[str, Any]) -> set[str]:
    """The role assignment names the consumer's project derives for the same grants."""
    names = set()
    for principal, scope, definition, _ in view["roleAssignments"]:
        application = {"Healthcare APIs - Postman": "postman"}.get(principal, "backend")
        names.add(
            healthcare.role_assignment_name(
                "dev", application, scope, definition.rsplit("/", 1)[1], CONSUMER_PROJECT
            )
        )
    return names


def test_get_schema_prints_the_component_with_descriptions(workspace: EngineWorkspace) -> None:
    printed = workspace.cli("package", "get-schema", str(PACKAGE))
    assert printed.returncode == 0, printed.stderr
    schema = json.loads(printed.stdout)
    component = schema["resources"][COMPONENT]
    assert component["isComponent"] is True
    assert set(component["properties"]) == {
        "clientId",
        "applicationObjectId",
        "servicePrincipalObjectId",
        "clientSecret",
        "clientSecretExpiresAt",
        "secrets",
    }
    assert component["properties"]["clientSecret"]["secret"] is True
    # The entry's own names (docs/configuration.md, "`healthcare-clients:applications`"), plus the services.
    assert set(component["inputProperties"]) == {
        "displayName",
        "description",
        "publicClientFlows",
        "redirectUris",
        "owners",
        "secret",
        "certificates",
        "federatedCredentials",
        "apiPermissions",
        "adminConsent",
        "roles",
        "services",
        "keyVault",
    }
    # A service's resource ID may be another resource's output; nothing else may.
    service = schema["types"]["healthcare-clients:index:Service"]["properties"]
    assert "plain" not in service["resourceId"] and service["kind"]["plain"] is True
    described = [component, *component["properties"].values()]
    described += component["inputProperties"].values()
    for type_ in schema["types"].values():
        described += [type_, *type_["properties"].values()]
    for item in described:
        text = item["description"]
        assert text == text.strip() and "\n " not in text  # no docstring indentation
    assert "FHIR Data Reader" in component["inputProperties"]["roles"]["description"]


def test_the_typescript_declarations_in_docs_are_what_gen_sdk_and_tsc_generate(
    workspace: EngineWorkspace,
) -> None:
    fresh = declarations(workspace)
    for name, text in fresh.items():
        assert text == (SDK_DOCS / name).read_text(encoding="utf-8"), (
            f"docs/sdk/nodejs/{name} is stale: run `python -m testbed.record_sdk docs/sdk/nodejs`"
        )
    # What a reviewer reads there: the component and the arguments it takes.
    component = fresh["clientApplication.d.ts"]
    assert "export declare class ClientApplication extends pulumi.ComponentResource" in component
    assert "readonly clientSecret: pulumi.Output<string | undefined>;" in component
    index = fresh["index.d.ts"]
    assert 'export declare const ClientApplication: typeof import("./clientApplication")' in index


def test_the_guides_yaml_program_declares_the_tutorial_clients(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    guide = yaml.safe_load(guide_example("yaml"))
    project = yaml_program(
        workspace,
        guide["resources"],
        variables=guide["variables"],
        outputs={**guide["outputs"], "backendSlots": "${backend.secrets}"},
    )
    stack = workspace.stack("dev", project)

    preview = stack.preview(diff=True)
    assert preview.change_summary == {"create": 19}
    assert workspace.tenant()["applications"] == {}
    up = stack.up()
    assert up.summary.result == "succeeded"

    here = from_tenant(workspace.tenant())
    stack_program = _stack_program_view(dev_config, ("postman", "backend"))
    assert _without_assignment_names(here) == _without_assignment_names(stack_program)
    assert _assignment_names(here) == _consumer_assignment_names(here)
    assert not _assignment_names(here) & _assignment_names(stack_program)
    notes = {app["notes"] for app in workspace.tenant()["applications"].values()}
    assert notes == {
        f"Managed by Pulumi: stack {CONSUMER_PROJECT}/dev, application {name}. Change it in "
        "the stack's program; changes made here are undone by its next update."
        for name in ("postman", "backend")
    }

    outputs = stack.outputs()
    assert outputs["backendSecret"].secret
    assert outputs["backendSecret"].value not in up.stdout
    slots = outputs["backendSlots"].value
    assert [(s["slot"], s["generation"], s["active"]) for s in slots] == [
        ("a", 10, False),
        ("b", 11, True),
    ]

    rerun = stack.up()
    assert rerun.summary.resource_changes == {"same": 19}
    destroyed = stack.destroy()
    assert destroyed.summary.result == "succeeded"
    tenant = workspace.tenant()
    assert tenant["applications"] == {} and tenant["roleAssignments"] == {}


def _program(*, kind: str, role: str) -> str:
    """The guide's Python program, with the service's kind and the role it grants."""
    program = guide_example("python")
    assert 'kind="fhir"' in program and '"FHIR Data Reader"' in program
    return program.replace('kind="fhir"', f'kind="{kind}"').replace(
        '"FHIR Data Reader"', f'"{role}"'
    )


def _events(events: list[auto.EngineEvent], urn_part: str) -> list[Any]:
    return [
        event.resource_pre_event.metadata
        for event in events
        if event.resource_pre_event and event.resource_pre_event.metadata.urn.endswith(urn_part)
    ]


def test_the_guides_python_program_passes_the_id_of_the_fhir_service_it_creates(
    workspace: EngineWorkspace, dev_config: dict[str, Any]
) -> None:
    project = python_program(workspace, _program(kind="fhir", role="FHIR Data Reader"))
    stack = workspace.stack("dev", project)

    events: list[auto.EngineEvent] = []
    preview = stack.preview(on_event=events.append)
    assert preview.change_summary == {"create": 10}
    (assignment,) = _events(events, "RoleAssignment::backend-fhir-fhir-data-reader")
    # The FHIR service does not exist yet: its ID, and all that derives from it, is unknown.
    inputs = assignment.new.inputs
    assert inputs["scope"] == inputs["roleDefinitionId"] == inputs["roleAssignmentName"] == UNKNOWN
    assert workspace.tenant()["applications"] == {}

    up = stack.up()
    assert up.summary.result == "succeeded"
    tenant = workspace.tenant()
    (fhir,) = (r for r in tenant["healthcareResources"].values() if "/fhirservices/" in r["id"])
    assert fhir["id"] == DEV_FHIR_ID
    here = from_tenant(tenant)
    stack_program = _stack_program_view(dev_config, ("backend",))
    assert _without_assignment_names(here) == _without_assignment_names(stack_program)
    assert _assignment_names(here) == _consumer_assignment_names(here)
    assert stack.outputs()["clientSecret"].secret

    rerun = stack.up()
    assert rerun.summary.resource_changes == {"same": 10}
    stack.destroy()
    tenant = workspace.tenant()
    assert tenant["applications"] == {} and tenant["healthcareResources"] == {}


def test_argument_problems_come_together_at_argument_paths(workspace: EngineWorkspace) -> None:
    properties = {
        "redirectUris": {"web": ["http://portal.contoso.example/callback"]},
        "secret": {"expiresIn": "7 months"},
        "roles": {"fhir": ["FHIR Data Reviewer"], "dicom": ["DICOM Data Reader"]},
        "services": {"fhir": {"kind": "fhir", "resourceId": DEV_FHIR_ID}},
    }
    project = yaml_program(
        workspace,
        {"portal": {"type": "healthcare-clients:ClientApplication", "properties": properties}},
    )
    workspace.stack("dev", project)
    printed = workspace.cli("preview", stack="dev", cwd=project, merged=True)
    assert printed.returncode != 0
    text = printed.stdout
    assert (
        "ClientApplication portal: 4 problems in its arguments; nothing of it was registered"
        in text
    )
    for path, reason in (
        ("redirectUris.web[0]", "uses http; only https is accepted"),
        ("secret.expiresIn", "'7 months' is not one of"),
        ("roles.fhir[0]", "'FHIR Data Reviewer' is not a built-in role"),
        ("roles.dicom", "is not a service in services (known: fhir)"),
    ):
        assert f"property {path} " in text and reason in text, (path, text)
    assert "applications." not in text and "healthcare-clients:services" not in text
    assert workspace.tenant()["log"] == []


def test_a_service_id_known_only_once_deployed_is_checked_when_it_is_known(
    workspace: EngineWorkspace,
) -> None:
    # The FHIR service's ID given as a DICOM service's: unknown in the preview, wrong once
    # known, and then refused before anything of the application is registered.
    project = python_program(workspace, _program(kind="dicom", role="DICOM Data Reader"))
    stack = workspace.stack("dev", project)
    preview = stack.preview()
    assert preview.change_summary == {"create": 10}
    up = workspace.cli("up", "--yes", stack="dev", cwd=project, merged=True)
    assert up.returncode != 0
    text = up.stdout
    assert "property services.fhir.resourceId" in text
    assert "is the ID of a 'fhir' service, but kind is 'dicom'" in text
    assert "checked once that resource exists" in text
    tenant = workspace.tenant()
    assert tenant["applications"] == {}  # nothing of the application was registered
    assert any("/fhirservices/" in r["id"] for r in tenant["healthcareResources"].values())

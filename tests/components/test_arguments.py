"""ClientApplication from its typed arguments (the component package's entry), on the mock
runtime: the same resources as the stack program makes of the same entry, every problem at
its argument path in one error, nothing registered then, and secret arguments kept secret.
The engine runs of the package are tests/e2e/test_component_package.py."""

from pathlib import Path
from typing import Any

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.arguments import argument_path, argument_text, to_config
from components.errors import join_path
from testbed.mockrun import MockRun, run_program
from tests.conftest import DEV_FHIR_ID, DEV_NOW

BACKEND_ARGS = """{
    "display_name": "Healthcare APIs - backend reader",
    "public_client_flows": False,
    "secret": {"expires_in": "6 months"},
    "roles": {"fhir": ["FHIR Data Reader"]},
    "services": {"fhir": {"kind": "fhir", "resource_id": FHIR_ID}},
}"""


def _component_program(tmp_path: Path, name: str, args: str) -> MockRun:
    """A Python program that declares ClientApplication with ``args`` (Python source)."""
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n"
        "from components.client_application import ClientApplication\n"
        f"FHIR_ID = {DEV_FHIR_ID!r}\n"
        f"app = ClientApplication({name!r}, {args})\n"
        "pulumi.export('clientId', app.client_id)\n"
        "pulumi.export('clientSecret', app.client_secret)\n"
        "pulumi.export('secrets', app.secrets)\n",
        encoding="utf-8",
    )
    return run_program({}, now=DEV_NOW, project_dir=tmp_path)


def _registered(run: MockRun) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r.type, r.name): r.inputs for r in run.resources}


def test_the_arguments_register_what_the_stack_entry_does(
    tmp_path: Path, dev_config: dict[str, Any]
) -> None:
    component = _component_program(tmp_path, "backend", BACKEND_ARGS)
    only_backend = {
        **dev_config,
        "applications": {"backend": dev_config["applications"]["backend"]},
    }
    stack = run_program(only_backend, now=DEV_NOW)

    here, there = _registered(component), _registered(stack)
    assert set(here) == set(there)
    for key, inputs in there.items():
        if key[0] == "azuread:index/applicationRegistration:ApplicationRegistration":
            assert "stack's program" in here[key]["notes"]
            assert "stack's configuration" in inputs["notes"]
            inputs, mine = dict(inputs), dict(here[key])
            del inputs["notes"], mine["notes"]
            assert mine == inputs
        else:
            assert here[key] == inputs, key
    assert component.outputs["clientSecret"] == stack.outputs["clientSecrets"]["backend"]
    assert "clientSecret" in component.secret_output_paths
    assert [(s["slot"], s["generation"], s["active"]) for s in component.outputs["secrets"]] == [
        ("a", 10, False),
        ("b", 11, True),
    ]


def test_every_problem_comes_in_one_error_at_its_argument_path(tmp_path: Path) -> None:
    args = """{
        "display_name": " padded ",
        "redirect_uris": {"web": ["http://portal.contoso.example/callback"]},
        "secret": {"enabled": False, "expires_in": "6 months"},
        "roles": {"fhir": ["FHIR Data Reviewer"], "dicom": ["DICOM Data Reader"]},
        "api_permissions": {"dicom": ["user_impersonation"]},
        "services": {"fhir": {"kind": "fhir", "resource_id": FHIR_ID + "/x"}},
    }"""
    with pytest.raises(pulumi.InputPropertiesError) as raised:
        _component_program(tmp_path, "portal", args)
    error = raised.value
    located = {e["property_path"]: e["reason"] for e in error.errors or []}
    assert set(located) == {
        "displayName",
        "redirectUris.web[0]",
        "secret.enabled",
        "roles.fhir[0]",
        "roles.dicom",
        "apiPermissions.dicom",
        "services.fhir.resourceId",
    }
    assert "uses http; only https is accepted" in located["redirectUris.web[0]"]
    assert located["roles.dicom"].startswith("is not a service in services (known: fhir)")
    assert error.message.startswith(
        f"ClientApplication portal: {len(located)} problems in its arguments; nothing of it was "
        "registered"
    )
    assert not any("applications." in reason for reason in located.values())


def test_nothing_is_registered_when_the_arguments_have_a_problem(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(
        "from components.client_application import ClientApplication\n"
        "import pulumi\n"
        "try:\n"
        "    ClientApplication('portal', {'secret': {'expires_in': '7 months'}})\n"
        "except pulumi.InputPropertiesError as error:\n"
        "    pulumi.export('error', error.message)\n",
        encoding="utf-8",
    )
    run = run_program({}, now=DEV_NOW, project_dir=tmp_path)
    assert run.resources == []
    assert run.outputs["error"].startswith("ClientApplication portal: 1 problem")


def test_secret_arguments_are_registered_as_secret(tmp_path: Path) -> None:
    args = BACKEND_ARGS.replace(
        '"Healthcare APIs - backend reader"', 'pulumi.Output.secret("Healthcare APIs - backend")'
    )
    run = _component_program(tmp_path, "backend", args)
    registration = run.named("backend")
    assert "displayName" in registration.secret_inputs
    assert "notes" in registration.secret_inputs  # derives from the application's settings
    (assignment,) = run.of_type("azure-native:authorization:RoleAssignment")
    assert {"scope", "roleDefinitionId", "roleAssignmentName"} <= assignment.secret_inputs


def test_a_service_id_from_another_resource_is_checked_and_used(tmp_path: Path) -> None:
    args = BACKEND_ARGS.replace(
        '"resource_id": FHIR_ID', '"resource_id": pulumi.Output.from_input(FHIR_ID)'
    )
    run = _component_program(tmp_path, "backend", args)
    (assignment,) = run.of_type("azure-native:authorization:RoleAssignment")
    assert assignment.inputs["scope"] == DEV_FHIR_ID


_KEY = st.from_regex(r"[a-z][a-zA-Z0-9-]{0,12}", fullmatch=True)
_PARTS = st.lists(st.one_of(_KEY, st.integers(min_value=0, max_value=300)), max_size=5)


@given(name=st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), parts=_PARTS)
def test_an_entrys_key_path_is_the_argument_path_below_it(
    name: str, parts: list[str | int]
) -> None:
    config_path = join_path("applications", name, *parts)
    assert argument_path(name, config_path) == join_path(*parts)
    services_path = join_path("services", "fhir", *parts)
    assert argument_path(name, services_path) == services_path


@given(name=st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), parts=_PARTS)
def test_key_paths_inside_messages_become_argument_paths(name: str, parts: list[str | int]) -> None:
    if not parts or isinstance(parts[0], int):
        parts = ["apiPermissions", *parts]
    text = f"needed by {join_path('applications', name, *parts)}."
    assert argument_text(name, text) == f"needed by {join_path(*parts)}."


def test_arguments_read_as_the_entry_they_stand_for() -> None:
    entry, services = to_config(
        {
            "display_name": "x",
            # Nested names as the provider passes them (the schema's) or as Python names.
            "redirect_uris": {"mobileDesktop": ["postman"], "web": []},
            "federated_credentials": {"ci_main": {"repository": "contoso/x", "pull_request": True}},
            "roles": {"fhir_main": ["FHIR Data Reader"]},
            "key_vault": {"id": "v", "client_id_secret_name": "n"},
            "services": {"fhir_main": {"kind": "fhir", "resource_id": "r"}},
        }
    )
    assert entry == {
        "displayName": "x",
        "redirectUris": {"mobileDesktop": ["postman"], "web": []},
        # Map keys are the user's: only field names are camel-cased.
        "federatedCredentials": {"ci_main": {"repository": "contoso/x", "pullRequest": True}},
        "roles": {"fhir_main": ["FHIR Data Reader"]},
        "keyVault": {"id": "v", "clientIdSecretName": "n"},
    }
    assert services == {"fhir_main": {"kind": "fhir", "resourceId": "r"}}


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ({"enabled": False}, False),
        ({"enabled": True, "expires_in": "3 months"}, {"expiresIn": "3 months"}),
        # Left as a mapping: the config's check names `enabled` beside other keys.
        (
            {"enabled": False, "expires_in": "3 months"},
            {"enabled": False, "expiresIn": "3 months"},
        ),
    ],
)
def test_secret_enabled_false_is_the_entrys_secret_false(secret: Any, expected: Any) -> None:
    entry, _ = to_config({"secret": secret})
    assert entry["secret"] == expected

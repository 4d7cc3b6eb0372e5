"""The README's three short programs ("Use it from your own program") name only what the
component package takes and gives: its arguments, its service fields and its outputs.

The longer programs of docs/use-from-your-own-program.md run under the engine
(tests/e2e/test_component_package.py); these checks keep the README's short ones from naming
an argument the component does not have."""

import ast
import re
from typing import Any

import yaml
from pulumi.provider.experimental.util import camel_case

from components.arguments import ClientApplicationArgs, Service
from components.client_application import ClientApplication
from tests.conftest import ROOT

SECTION = "## Use it from your own program"
ARGUMENTS = {camel_case(name) for name in ClientApplicationArgs.__annotations__}
SERVICE_FIELDS = {camel_case(name) for name in Service.__annotations__}
OUTPUTS = {camel_case(name) for name in ClientApplication.__annotations__}


def program(language: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(rf"^```{language}\n(.*?)^```$", section, flags=re.S | re.M)
    return block


def test_the_yaml_program_names_the_components_arguments_and_outputs() -> None:
    document: dict[str, Any] = yaml.safe_load(program("yaml"))
    assert document["runtime"] == "yaml"
    (package,) = document["packages"].values()
    # The README's path is a clone beside the consumer's project.
    assert (ROOT / package.removeprefix("../healthcare-clients/") / "PulumiPlugin.yaml").exists()
    (resource,) = document["resources"].values()
    assert resource["type"] == "healthcare-clients:ClientApplication"
    assert set(resource["properties"]) <= ARGUMENTS
    for service in resource["properties"]["services"].values():
        assert set(service) <= SERVICE_FIELDS
    referenced = set(re.findall(r"\$\{(\w+)\}", yaml.safe_dump(resource)))
    assert referenced <= set(document["config"])
    outputs = {v.split(".", 1)[1].rstrip("}") for v in document["outputs"].values()}
    assert outputs <= OUTPUTS


def test_the_typescript_program_names_the_components_arguments_and_outputs() -> None:
    source = program("typescript")
    assert 'import { ClientApplication } from "@pulumi/healthcare-clients";' in source
    body = source.split("new ClientApplication(", 1)[1].split("});", 1)[0]
    top_level = set(re.findall(r"^    (\w+):", body, flags=re.M))
    assert top_level and top_level <= ARGUMENTS
    service_keys = set(re.findall(r"\{ (kind): .*?, (resourceId):", body)[0])
    assert service_keys <= SERVICE_FIELDS
    assert set(re.findall(r"backend\.(\w+)", source)) <= OUTPUTS


def test_the_python_program_names_the_components_arguments_and_outputs() -> None:
    tree = ast.parse(program("python"))
    calls = {
        node.func.attr: node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    component = calls["ClientApplication"]
    assert {camel_case(k.arg or "") for k in component.keywords} <= ARGUMENTS
    assert {camel_case(k.arg or "") for k in calls["ServiceArgs"].keywords} <= SERVICE_FIELDS
    read = {
        camel_case(node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "backend"
    }
    assert read and read <= OUTPUTS

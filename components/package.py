"""The component package: ``ClientApplication`` served to programs in any language
(docs/use-from-your-own-program.md; package/PulumiPlugin.yaml starts it).

``pulumi.provider.experimental`` infers the schema from the component's annotations and
docstrings and constructs it on the engine's request (pulumi 3.272.0, the version pinned).
Two things are added to its ``ComponentProvider``:

- Arguments arrive with their values resolved; one that is secret, or another resource's
  output, arrives wrapped in an output, and the SDK's mapping of argument names reads a
  nested argument type (``redirectUris``) only from a plain mapping, so it would drop such a
  value (``ComponentProvider.map_input_properties``). Only the top-level names are mapped
  here; the component reads the outputs and the nested names itself.
- The SDK reports any exception from the constructor with the traceback of its source
  (``ComponentInitError``, ``ProviderServicer.Construct``). The component's own argument
  errors are the user's mistakes, so they go to the engine as the SDK's
  ``InputPropertiesError``, which the CLI prints as one message with a line per argument.
"""

import inspect
import json
import sys
from typing import Any

import pulumi
from pulumi.provider import ConstructResult
from pulumi.provider import main as serve_provider
from pulumi.provider.experimental.analyzer import ComponentDefinition
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError

from components import PROJECT, VERSION
from components.client_application import TYPE, ClientApplication


class ClientApplicationProvider(ComponentProvider):
    def __init__(self) -> None:
        super().__init__([ClientApplication], PROJECT, version=VERSION)
        assert self.schema is not None  # ComponentProvider always generates one
        self.schema = json.dumps(readable_schema(json.loads(self.schema)))

    def map_inputs(
        self, inputs: pulumi.Inputs, component_def: ComponentDefinition
    ) -> pulumi.Inputs:
        """The arguments under their Python names, their values as they arrived: the
        component reads outputs itself (``components.arguments.Arrival``)."""
        mapping = component_def.inputs_mapping
        return {mapping.get(key, key): value for key, value in inputs.items()}

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: pulumi.Inputs,
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as error:
            if isinstance(error.inner, pulumi.InputPropertiesError):
                raise error.inner from None
            raise


def readable_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The inferred schema as a user reads it in an SDK: descriptions without the docstrings'
    indentation, and the client secret marked secret, so generated SDKs say so too (its value
    is a secret output either way)."""

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: inspect.cleandoc(value)
                if key == "description" and isinstance(value, str)
                else clean(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [clean(item) for item in node]
        return node

    readable: dict[str, Any] = clean(schema)
    component = readable["resources"][TYPE]
    component["properties"]["clientSecret"]["secret"] = True
    return readable


def serve() -> None:
    """Run the package's provider, as ``component_provider_host`` does for a plain
    ``ComponentProvider``: the engine passes its address as the first argument."""
    serve_provider(ClientApplicationProvider(), sys.argv[1:])

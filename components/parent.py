"""The application whose resources a builder registers, and where those resources sat before.

Every resource of an application is registered directly under its ``ClientApplication``,
the one component per application (docs/design.md, "Components"). Until that layout, an
application had five child components between its ``ClientApplication`` and most of its
resources, one per concern, each named like the application. A URN holds its parent's type
chain, so each moved resource carries an alias naming its old parent: the engine maps the
old URN onto the new one instead of replacing the resource. The old component records
themselves stay in a deployed stack's state until its next ``pulumi up`` removes them
(README, "Upgrading a deployed stack").
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from components.provider_resources import ResourceType
from components.secrecy import copied_outputs

if TYPE_CHECKING:
    from components.adoption import Adoption

# The former child components' type tokens, named in aliases only.
FORMER_PLATFORMS = "healthcare-clients:index:AuthenticationPlatforms"
FORMER_ROTATING_SECRET = "healthcare-clients:index:RotatingClientSecret"  # noqa: S105 (a type token)
FORMER_CREDENTIALS = "healthcare-clients:index:ApplicationCredentials"
FORMER_API_PERMISSIONS = "healthcare-clients:index:ApiPermissions"
FORMER_DATA_PLANE = "healthcare-clients:index:DataPlaneAccess"


@dataclass(frozen=True)
class Parent:
    """An application as its builders need it: the component they register under, its
    logical name (every resource name starts with it) and whether its settings come from a
    secret config key (then every input derived from them is registered as secret)."""

    component: pulumi.Resource
    name: str
    secret: bool
    # The import IDs of a registration adopted from the portal (components.adoption).
    adoption: "Adoption | None" = None
    component_type: str = "healthcare-clients:index:ClientApplication"

    def formerly_under(self, component_type: str, resource: ResourceType, name: str) -> str:
        """The URN a resource named ``name`` had in the former child component of this type."""
        # A URN string, not pulumi.Alias(parent=...): the SDK turns every Alias into Outputs,
        # an apply and a create_urn per resource, which cost a tenth of the program's time
        # under the engine at 50 applications (bench/notes-engine.md); a string is sent as
        # it is. A ClientApplication is a child of the stack, whose type is not part of its
        # children's URNs.
        types = f"{self.component_type}${component_type}${resource.token}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{types}::{name}"

    def options(  # noqa: PLR0913 (each a Pulumi resource option, by its own name)
        self,
        former_component: str,
        resource: ResourceType,
        name: str,
        *,
        former_names: tuple[str, ...] = (),
        delete_before_replace: bool | None = None,
        retain_on_delete: bool | None = None,
        protect: bool | None = None,
        import_id: str | None = None,
    ) -> pulumi.ResourceOptions:
        """``parent=`` this application, an alias to the URN the resource of this type and
        name had under its former parent (and one per earlier name there), and the options
        given (``import_id``: the part of an adopted registration this resource takes over)."""
        aliases: list[pulumi.Input[str | pulumi.Alias]] = [
            self.formerly_under(former_component, resource, old) for old in (name, *former_names)
        ]
        return pulumi.ResourceOptions(
            aliases=aliases,
            delete_before_replace=delete_before_replace,
            retain_on_delete=retain_on_delete,
            protect=protect,
            **self._child(resource, import_id),
        )

    def direct(
        self, resource: ResourceType, *, import_id: str | None = None
    ) -> pulumi.ResourceOptions:
        """The options of a resource that was a direct child of the application in every
        layout (registration, owners, service principal): no alias."""
        return pulumi.ResourceOptions(**self._child(resource, import_id))

    def _child(self, resource: ResourceType, import_id: str | None) -> dict[str, Any]:
        """What every resource of the application gets: this parent, the outputs its provider
        copies kept secret under a secret key, and the import ID of an adopted part."""
        return {
            "parent": self.component,
            "additional_secret_outputs": copied_outputs(resource, self.secret),
            "import_": import_id,
        }

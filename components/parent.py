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
from typing import TYPE_CHECKING

import pulumi

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

    def formerly_under(self, component_type: str, name: str | None = None) -> pulumi.Alias:
        """The alias of a resource that sat in the former child component of this type,
        under ``name`` or, by default, under its current name."""
        # Written out rather than built with pulumi.create_urn, which would make an Output
        # (and asyncio tasks) per alias: at 50 applications that was a tenth of the
        # program's time under the engine (bench/results.md). A ClientApplication is a child
        # of the stack, whose type is not part of its children's URNs.
        old_parent = (
            f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::"
            f"{self.component_type}${component_type}::{self.name}"
        )
        if name is None:  # left out, not None: the SDK reads None as "no name"
            return pulumi.Alias(parent=old_parent)
        return pulumi.Alias(name=name, parent=old_parent)

    def options(  # noqa: PLR0913 (each a Pulumi resource option, by its own name)
        self,
        former_component: str,
        *,
        former_names: tuple[str, ...] = (),
        delete_before_replace: bool | None = None,
        retain_on_delete: bool | None = None,
        protect: bool | None = None,
        import_id: str | None = None,
    ) -> pulumi.ResourceOptions:
        """``parent=`` this application, an alias to the resource's former parent (and one
        per earlier name under it), and the options given (``import_id``: the part of an
        adopted registration this resource takes over)."""
        aliases = [self.formerly_under(former_component)]
        aliases += [self.formerly_under(former_component, name) for name in former_names]
        return pulumi.ResourceOptions(
            parent=self.component,
            aliases=aliases,
            delete_before_replace=delete_before_replace,
            retain_on_delete=retain_on_delete,
            protect=protect,
            import_=import_id,
        )

"""The application whose resources a builder registers.

Every resource of an application is registered directly under its ``ClientApplication``,
the one component per application (docs/design.md, "Components"). No resource carries an
alias: no stack was deployed before 0.1.0, the first release, so no earlier URN exists to
map. A later release that moves resources adds aliases from the previous release's URNs,
with an upgrade test (README, "Compatibility").
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from components.provider_resources import ResourceType
from components.secrecy import copied_outputs

if TYPE_CHECKING:
    from components.adoption import Adoption


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

    def options(
        self,
        resource: ResourceType,
        *,
        delete_before_replace: bool | None = None,
        retain_on_delete: bool | None = None,
        protect: bool | None = None,
        import_id: str | None = None,
    ) -> pulumi.ResourceOptions:
        """``parent=`` this application and the options given (``import_id``: the part of an
        adopted registration this resource takes over)."""
        return pulumi.ResourceOptions(
            delete_before_replace=delete_before_replace,
            retain_on_delete=retain_on_delete,
            protect=protect,
            **self._child(resource, import_id),
        )

    def _child(self, resource: ResourceType, import_id: str | None) -> dict[str, Any]:
        """What every resource of the application gets: this parent, the outputs its provider
        copies kept secret under a secret key, and the import ID of an adopted part."""
        return {
            "parent": self.component,
            "additional_secret_outputs": copied_outputs(resource, self.secret),
            "import_": import_id,
        }

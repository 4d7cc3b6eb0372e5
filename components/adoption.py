"""Adopting a registration made in the portal: what the first ``pulumi up`` imports, and the
check that the entry describes the registration as it is.

The engine imports a resource whose inputs differ from what it reads and then updates it in
the same run ("import, then update"), so an edited entry would change the registration while
it is adopted, in one step a reviewer may not notice. The program therefore compares the entry
with the live registration first (the azuread getApplication data source) and refuses any
difference, until the registration carries the stack's note: the stack writes that note on
every registration it manages, so once adopted the check, like the rest of ``adopt``, is
inert, and later edits apply as usual.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi_azuread as azuread

from components import PROJECT
from components.config import AdoptSettings, Application
from components.errors import Problem, join_path
from components.tenant import ApiAccess

# Config platform -> (the provider's redirect type, getApplication's block).
PLATFORMS = {
    "mobileDesktop": ("PublicClient", "public_clients"),
    "web": ("Web", "webs"),
    "spa": ("SPA", "single_page_applications"),
}


def managed_note(
    stack: str, name: str, project: str = PROJECT, declared_in: str = "configuration"
) -> str:
    """The note on every registration the stack manages (the portal's "Notes" field). A
    program of its own that declares the application (the component package) names its
    project and its program."""
    return (
        f"Managed by Pulumi: stack {project}/{stack}, application {name}. Change it in the "
        f"stack's {declared_in}; changes made here are undone by its next update."
    )


@dataclass(frozen=True)
class Adoption:
    """The import IDs of what an ``adopt`` block names, by the resource that takes each."""

    settings: AdoptSettings
    api_by_key: Mapping[str, str]  # apiPermissions key -> API app ID

    @property
    def object_id(self) -> str:
        return self.settings.application_object_id

    def registration(self) -> str:
        return f"/applications/{self.object_id}"

    def service_principal(self) -> str | None:
        sp = self.settings.service_principal_object_id
        return f"/servicePrincipals/{sp}" if sp else None

    def owner(self, owner: str) -> str | None:
        if owner not in self.settings.owners:
            return None
        return f"/applications/{self.object_id}/owners/{owner}"

    def platform(self, redirect_type: str) -> str | None:
        adopted = {PLATFORMS[key][0] for key in self.settings.redirect_uris}
        if redirect_type not in adopted:
            return None
        return f"/applications/{self.object_id}/redirectUris/{redirect_type}"

    def api_access(self, api_app_id: str) -> str | None:
        adopted = {self.api_by_key.get(key) for key in self.settings.api_access}
        if api_app_id not in adopted:
            return None
        return f"/applications/{self.object_id}/apiAccess/{api_app_id}"

    def grant(self, api_app_id: str) -> str | None:
        for key, grant_id in self.settings.grants.items():
            if self.api_by_key.get(key) == api_app_id:
                return f"/oauth2PermissionGrants/{grant_id}"
        return None

    def role_assignment(self, scope: str, role_guid: str) -> tuple[str, str] | None:
        """The adopted assignment's name and import ID, for a role on a service scope."""
        for adopted in self.settings.role_assignments:
            if adopted.scope.lower() == scope.lower() and adopted.role_definition_id == role_guid:
                return adopted.name, (
                    f"{scope}/providers/Microsoft.Authorization/roleAssignments/{adopted.name}"
                )
        return None


def adoption_of(app: Application) -> Adoption | None:
    adopt = app.settings.adopt
    if adopt is None:
        return None
    return Adoption(adopt, {request.key: request.app_id for request in app.api_permissions})


def check_adoption(
    app: Application, accesses: Iterable[ApiAccess], *, deployer: str, stack: str, secret: bool
) -> list[Problem]:
    """The differences between the entry and the registration it adopts, as one problem."""
    adopt = app.settings.adopt
    if adopt is None:
        return []
    path = join_path("applications", app.name, "adopt")
    try:
        live = azuread.get_application(object_id=adopt.application_object_id)
    except Exception as error:  # the SDK raises a bare Exception for a failed invoke
        return [
            Problem(
                join_path(path, "applicationObjectId"),
                f"the registration to adopt cannot be read: {error}",
            )
        ]
    if live.notes == managed_note(stack, app.name):
        return []  # adopted by this stack already: the entry is the truth now
    found = differences(app, live, accesses, deployer)
    if not found:
        return []
    shown = [name for name, _ in found] if secret else [text for _, text in found]
    what = "; ".join(shown)
    return [
        Problem(
            path,
            f"the entry does not match the registration it adopts ({live.client_id}): {what}. "
            "Regenerate the entry with `.venv/bin/python -m tools.adopt` (README, 'Already registered in "
            "the portal?'), adopt it unchanged, and make your edits in a second `pulumi up`.",
        )
    ]


def _live_uris(live: Any, block: str) -> set[str]:
    values = getattr(live, block) or []
    return {uri for item in values for uri in (item.redirect_uris or [])}


def differences(
    app: Application, live: Any, accesses: Iterable[ApiAccess], deployer: str
) -> list[tuple[str, str]]:
    """(key, how it differs) for every key where the entry and the registration disagree."""
    settings = app.settings
    found: list[tuple[str, str]] = []

    def differ(key: str, here: object, there: object) -> None:
        found.append((key, f"{key} is {here!r} here and {there!r} in Entra"))

    if app.display_name != live.display_name:
        differ("displayName", app.display_name, live.display_name)
    if (settings.description or "") != (live.description or ""):
        differ("description", settings.description, live.description)
    if live.sign_in_audience != "AzureADMyOrg":
        differ("signInAudience", "AzureADMyOrg", live.sign_in_audience)
    if settings.public_client_flows != bool(live.fallback_public_client_enabled):
        differ(
            "publicClientFlows",
            settings.public_client_flows,
            bool(live.fallback_public_client_enabled),
        )
    by_type = settings.redirect_uris.by_platform()
    for key, (redirect_type, block) in PLATFORMS.items():
        here, there = set(by_type.get(redirect_type, ())), _live_uris(live, block)
        if here != there:
            differ(f"redirectUris.{key}", sorted(here), sorted(there))
    wanted = {
        access.api.app_id: {(i, "Scope") for i in access.scope_ids}
        | {(i, "Role") for i in access.role_ids}
        for access in accesses
    }
    held = {
        entry.resource_app_id: {(a.id, a.type) for a in entry.resource_accesses}
        for entry in live.required_resource_accesses or []
    }
    if wanted != held:
        differ("apiPermissions", _permission_ids(wanted), _permission_ids(held))
    extra_owners = set(live.owners or []) - {deployer}
    if set(settings.owners) != extra_owners:
        differ("owners", sorted(settings.owners), sorted(extra_owners))
    return found


def _permission_ids(permissions: Mapping[str, set[tuple[str, str]]]) -> dict[str, list[str]]:
    return {
        api: sorted(f"{kind} {pid}" for pid, kind in ids)
        for api, ids in sorted(permissions.items())
    }

"""The validated configuration, as the components read it: immutable, cross-checked."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from components.certificates import CertificateInfo
from components.config.models import ApplicationSettings, ServiceSettings
from components.config.smart import SmartClient, SmartResource


@dataclass(frozen=True)
class ApiPermissionRequest:
    """An apiPermissions entry with its API resolved to an app ID (names still to resolve)."""

    key: str
    app_id: str
    service: str | None  # the service the key names, when it names one
    names: tuple[str, ...]
    scopes: tuple[str, ...]
    roles: tuple[str, ...]
    # The entry's key path as messages show it (user keys withheld under a secret key).
    path: str = ""


@dataclass(frozen=True)
class RoleGrant:
    service: str
    role_name: str
    role_guid: str


@dataclass(frozen=True)
class Application:
    name: str
    settings: ApplicationSettings
    display_name: str
    certificates: Mapping[str, CertificateInfo]
    api_permissions: tuple[ApiPermissionRequest, ...]
    roles: tuple[RoleGrant, ...]
    smart: SmartClient | None = None

    @property
    def reachable_services(self) -> tuple[str, ...]:
        """Services the app holds a role on or a permission through, in config order."""
        names = [grant.service for grant in self.roles]
        names += [req.service for req in self.api_permissions if req.service is not None]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class StackSettings:
    services: Mapping[str, ServiceSettings]
    smart_resources: Mapping[str, SmartResource]
    applications: Mapping[str, Application]
    protect: bool
    now: datetime
    # The identity that runs `pulumi up`, when the stack pins it (pipelines do).
    deployer_object_id: str | None = None
    secret_keys: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = field(default=())

    def distinct_api_app_ids(self) -> tuple[str, ...]:
        ids = [req.app_id for app in self.applications.values() for req in app.api_permissions]
        return tuple(dict.fromkeys(ids))

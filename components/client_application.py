"""One Entra ID client application: the whole registration for one config entry."""

from typing import Any

import pulumi
import pulumi_azuread as azuread

from components import healthcare
from components.api_permissions import ApiPermissions
from components.application_credentials import ApplicationCredentials
from components.authentication_platforms import AuthenticationPlatforms
from components.config import Application
from components.context import StackContext
from components.data_plane_access import DataPlaneAccess
from components.rotating_client_secret import RotatingClientSecret
from components.tenant import ApiAccess


class ClientApplication(pulumi.ComponentResource):
    """Registration, owners, service principal, platforms, credentials and access.

    ``outputs`` is the application's entry in the stack output ``applications``
    (DESIGN section 4).
    """

    def __init__(
        self,
        name: str,
        *,
        app: Application,
        context: StackContext,
        accesses: tuple[ApiAccess, ...],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # protect covers the whole application, so that a destroy (or a removal) stops before
        # it deletes anything: Pulumi's engine deletes the unprotected resources of a stack and
        # only then fails on the protected ones. Children inherit it from their parent; the
        # password slots opt out (RotatingClientSecret), as they must be replaced to rotate,
        # and a replaced or removed password is released, never deleted.
        protected = pulumi.ResourceOptions(protect=context.protect)
        super().__init__(
            "healthcare-clients:index:ClientApplication",
            name,
            None,
            pulumi.ResourceOptions.merge(opts, protected),
        )
        child = pulumi.ResourceOptions(parent=self)
        guard = context.guard("applications")
        settings = app.settings

        self.registration = azuread.ApplicationRegistration(
            name,
            display_name=guard(app.display_name),
            description=guard(settings.description) if settings.description else None,
            sign_in_audience="AzureADMyOrg",
            implicit_access_token_issuance_enabled=False,
            implicit_id_token_issuance_enabled=False,
            opts=child,
        )
        # Only the extra owners: Entra already made the creating identity an owner, and the
        # provider's ApplicationOwner fails with "already exists" for it.
        self.owners = [
            azuread.ApplicationOwner(
                f"{name}-owner-{owner}",
                application_id=self.registration.id,
                owner_object_id=guard(owner),
                opts=child,
            )
            for owner in settings.owners
        ]
        # Without owners the provider adds the caller and then removes it again, so with
        # Application.ReadWrite.OwnedBy a later update or destroy of the SP is refused.
        self.service_principal = azuread.ServicePrincipal(
            f"{name}-sp",
            client_id=self.registration.client_id,
            owners=guard([context.deployer_object_id, *settings.owners]),
            opts=child,
        )
        self.platforms = AuthenticationPlatforms(
            name,
            application_id=self.registration.id,
            redirect_uris=settings.redirect_uris,
            public_client_flows=settings.public_client_flows,
            guard=guard,
            opts=child,
        )

        secret = settings.rotating_secret
        self.secret = (
            RotatingClientSecret(
                name,
                application_id=self.registration.id,
                client_id=self.registration.client_id,
                settings=secret,
                now=context.now,
                key_vault=settings.key_vault,
                guard=guard,
                opts=child,
            )
            if secret is not None
            else None
        )
        self.credentials = (
            ApplicationCredentials(
                name,
                application_id=self.registration.id,
                certificates=app.certificates,
                federated_credentials=settings.federated_credentials,
                guard=guard,
                opts=child,
            )
            if app.certificates or settings.federated_credentials
            else None
        )
        self.permissions = (
            ApiPermissions(
                name,
                application_id=self.registration.id,
                service_principal_object_id=self.service_principal.object_id,
                accesses=accesses,
                admin_consent=settings.admin_consent,
                guard=guard,
                opts=child,
            )
            if accesses
            else None
        )
        services = dict(context.settings.services)
        self.data_plane = (
            DataPlaneAccess(
                name,
                stack=context.stack,
                principal_id=self.service_principal.object_id,
                grants=app.roles,
                services=services,
                guard=context.guard("applications", "services"),
                opts=child,
            )
            if app.roles
            else None
        )

        self.client_secret: pulumi.Output[str] | None = (
            self.secret.client_secret if self.secret else None
        )
        tenant_id = context.tenant.tenant_id
        self.outputs: dict[str, Any] = {
            "clientId": self.registration.client_id,
            "tenantId": tenant_id,
            "applicationObjectId": self.registration.object_id,
            "servicePrincipalObjectId": self.service_principal.object_id,
            "clientSecretExpiresAt": guard(self.secret.expires_at) if self.secret else None,
            "secrets": guard(self.secret.secrets) if self.secret else [],
            "tokenEndpoint": healthcare.token_endpoint_v2(tenant_id),
            "tokenEndpointV1": healthcare.token_endpoint_v1(tenant_id),
            "services": context.guard("applications", "services")(
                {
                    service_name: {
                        "kind": services[service_name].kind,
                        "url": services[service_name].endpoint_url,
                        "audience": services[service_name].token_audience,
                        "scope": services[service_name].scope,
                    }
                    for service_name in app.reachable_services
                }
            ),
        }
        self.register_outputs(self.outputs)

"""One Entra ID client application: the whole registration for one config entry, and the
one component resource per application (docs/design.md, "Components")."""

from collections.abc import Mapping
from datetime import datetime

import pulumi
import pulumi_azuread as azuread

from components.adoption import adoption_of, managed_note
from components.api_permissions import api_permissions
from components.application_credentials import application_credentials
from components.authentication_platforms import authentication_platforms
from components.config import Application, ServiceSettings
from components.data_plane_access import data_plane_access
from components.parent import Parent
from components.provider_resources import (
    APPLICATION_OWNER,
    APPLICATION_REGISTRATION,
    SERVICE_PRINCIPAL,
)
from components.rotating_client_secret import (
    SecretSlot,
    key_vault_delivery,
    rotating_client_secret,
)
from components.secrecy import secret_if
from components.smart_access import smart_access
from components.smart_resource import SmartResourceApplication
from components.tenant import ApiAccess

TYPE = "healthcare-clients:index:ClientApplication"


class ClientApplication(pulumi.ComponentResource):
    """Registration, owners, service principal, platforms, credentials and access.

    Every resource of the application is its direct child; the builders of the other
    modules register them. The attributes are what the stack outputs of it
    (``components.stack``).
    """

    client_id: pulumi.Output[str]
    application_object_id: pulumi.Output[str]
    service_principal_object_id: pulumi.Output[str]
    # None for an application without a client secret (`secret: false`).
    client_secret: pulumi.Output[str] | None
    client_secret_expires_at: pulumi.Output[str] | None
    secret_slots: tuple[SecretSlot, ...]

    def __init__(  # noqa: PLR0913 (the plain values its parts use, by name, instead of a context object)
        self,
        name: str,
        *,
        app: Application,
        accesses: tuple[ApiAccess, ...],
        services: Mapping[str, ServiceSettings],
        stack: str,
        now: datetime,
        protect: bool,
        deployer_object_id: str,
        secret_keys: frozenset[str],
        smart_resource: SmartResourceApplication | None = None,
    ) -> None:
        # protect covers the whole application, so that a destroy (or a removal) stops before
        # it deletes anything: Pulumi's engine deletes the unprotected resources of a stack and
        # only then fails on the protected ones. Children inherit it from their parent; the
        # password slots opt out (rotating_client_secret), as they must be replaced to rotate,
        # and a replaced or removed password is released, never deleted.
        super().__init__(TYPE, name, None, pulumi.ResourceOptions(protect=protect))
        secret = "applications" in secret_keys
        adoption = adoption_of(app)
        parent = Parent(self, name, secret, adoption)
        settings = app.settings

        registration = azuread.ApplicationRegistration(
            name,
            display_name=secret_if(app.display_name, secret),
            description=secret_if(settings.description, secret) if settings.description else None,
            notes=secret_if(managed_note(stack, name), secret),
            sign_in_audience="AzureADMyOrg",
            implicit_access_token_issuance_enabled=False,
            implicit_id_token_issuance_enabled=False,
            opts=parent.options(
                APPLICATION_REGISTRATION,
                import_id=adoption.registration() if adoption else None,
            ),
        )
        # Only the extra owners: Entra already made the creating identity an owner, and the
        # provider's ApplicationOwner fails with "already exists" for it.
        for owner in settings.owners:
            azuread.ApplicationOwner(
                f"{name}-owner-{owner}",
                application_id=registration.id,
                owner_object_id=secret_if(owner, secret),
                opts=parent.options(
                    APPLICATION_OWNER, import_id=adoption.owner(owner) if adoption else None
                ),
            )
        # Without owners the provider adds the caller and then removes it again, so with
        # Application.ReadWrite.OwnedBy a later update or destroy of the SP is refused.
        service_principal = azuread.ServicePrincipal(
            f"{name}-sp",
            client_id=registration.client_id,
            owners=secret_if([deployer_object_id, *settings.owners], secret),
            opts=parent.options(
                SERVICE_PRINCIPAL, import_id=adoption.service_principal() if adoption else None
            ),
        )
        authentication_platforms(
            parent,
            application_id=registration.id,
            redirect_uris=settings.redirect_uris.by_platform(),
            public_client_flows=settings.public_client_flows,
        )

        self.client_secret = self.client_secret_expires_at = None
        self.secret_slots = ()
        if settings.rotating_secret is not None:
            client_secret = rotating_client_secret(
                parent, application_id=registration.id, settings=settings.rotating_secret, now=now
            )
            if settings.key_vault is not None:
                key_vault_delivery(
                    parent,
                    vault=settings.key_vault,
                    client_secret=client_secret,
                    client_id=registration.client_id,
                )
            self.client_secret = client_secret.value
            self.client_secret_expires_at = client_secret.expires_at
            self.secret_slots = client_secret.slots
        if app.certificates or settings.federated_credentials:
            application_credentials(
                parent,
                application_id=registration.id,
                certificates=app.certificates,
                federated_credentials=settings.federated_credentials,
            )
        if accesses:
            api_permissions(
                parent,
                application_id=registration.id,
                service_principal_object_id=service_principal.object_id,
                accesses=accesses,
                admin_consent=settings.admin_consent,
            )
        if app.smart is not None and smart_resource is not None:
            smart_access(
                parent,
                application_id=registration.id,
                service_principal=service_principal,
                client=app.smart,
                resource=smart_resource,
                admin_consent=settings.admin_consent,
            )
        if app.roles:
            data_plane_access(
                parent,
                stack=stack,
                principal_id=service_principal.object_id,
                roles=tuple((grant, services[grant.service].resource) for grant in app.roles),
                secret=bool({"applications", "services"} & secret_keys),
            )

        self.client_id = registration.client_id
        self.application_object_id = registration.object_id
        self.service_principal_object_id = service_principal.object_id
        self.register_outputs(
            {
                "clientId": self.client_id,
                "applicationObjectId": self.application_object_id,
                "servicePrincipalObjectId": self.service_principal_object_id,
            }
        )

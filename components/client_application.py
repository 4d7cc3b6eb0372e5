"""One Entra ID client application: the whole registration for one config entry, and the
one component resource per application (docs/design.md, "Components").

The same component is the stack program's, built from validated settings
(``ClientApplication.from_settings``), and the component package's, built from its typed
arguments (``components.arguments``; docs/use-from-your-own-program.md). Its annotated
attributes are the package's outputs, read by ``pulumi.provider.experimental``.
"""

from typing import cast

import pulumi
import pulumi_azuread as azuread

from components.adoption import adoption_of, managed_note
from components.api_permissions import api_permissions
from components.application_credentials import application_credentials
from components.arguments import ClientApplicationArgs, ClientSecretSlot, check_arguments
from components.authentication_platforms import authentication_platforms
from components.data_plane_access import data_plane_access
from components.parent import Parent
from components.provider_resources import (
    APPLICATION_OWNER,
    APPLICATION_REGISTRATION,
    SERVICE_PRINCIPAL,
)
from components.resolution import ApplicationPlan
from components.rotating_client_secret import (
    SecretSlot,
    key_vault_delivery,
    rotating_client_secret,
)
from components.secrecy import secret_if
from components.smart_access import smart_access

TYPE = "healthcare-clients:index:ClientApplication"


class ClientApplication(pulumi.ComponentResource):
    """An Entra ID client application for Azure Health Data Services (FHIR, DICOM) or Azure
    API for FHIR: app registration, service principal, redirect URIs, a client secret that
    rotates without downtime, API permissions with admin consent, and Azure RBAC data roles on
    the services. Every problem in the arguments is reported at once, before anything is
    registered."""

    client_id: pulumi.Output[str]
    """The application (client) ID."""
    application_object_id: pulumi.Output[str]
    """The object ID of the app registration."""
    service_principal_object_id: pulumi.Output[str]
    """The object ID of the application's service principal (enterprise application), the
    principal that holds the data roles."""
    client_secret: pulumi.Output[str] | None
    """The active client secret (secret). Absent when `secret.enabled` is false."""
    client_secret_expires_at: pulumi.Output[str] | None
    """When the active client secret expires (RFC 3339)."""
    secrets: pulumi.Output[list[ClientSecretSlot]]
    """Every password slot of the client secret, and which one is active."""

    def __init__(
        self,
        name: str,
        args: ClientApplicationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """The component package's entry: the arguments are checked as a stack entry is, and
        every problem is raised together (``pulumi.InputPropertiesError``) before anything is
        registered."""
        self._register(name, check_arguments(name, args), opts)

    @classmethod
    def from_settings(
        cls, name: str, plan: ApplicationPlan, *, protect: bool
    ) -> "ClientApplication":
        """The stack program's entry: one entry of ``healthcare-clients:applications``,
        checked and resolved already (``components.resolution``)."""
        application = cls.__new__(cls)
        # protect covers the whole application, so that a destroy (or a removal) stops
        # before it deletes anything: Pulumi's engine deletes the unprotected resources of a
        # stack and only then fails on the protected ones. Children inherit it from their
        # parent; the password slots opt out (rotating_client_secret), as they must be
        # replaced to rotate, and a replaced or removed password is released, never deleted.
        application._register(name, plan, pulumi.ResourceOptions(protect=protect))  # noqa: SLF001 (its own class's)
        return application

    @property
    def secret_slots(self) -> tuple[SecretSlot, ...]:
        """The password slots, each field its own output (the stack's ``secrets`` output)."""
        return self._slots

    def _register(
        self, name: str, plan: ApplicationPlan, opts: pulumi.ResourceOptions | None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        app, secret, stack = plan.app, plan.secret, plan.stack
        adoption = adoption_of(app)
        parent = Parent(self, name, secret, adoption)
        settings = app.settings

        registration = azuread.ApplicationRegistration(
            name,
            display_name=secret_if(app.display_name, secret),
            description=secret_if(settings.description, secret) if settings.description else None,
            notes=secret_if(managed_note(stack, name, plan.project, plan.declared_in), secret),
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
            owners=secret_if([plan.deployer_object_id, *settings.owners], secret),
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
        self._slots: tuple[SecretSlot, ...] = ()
        if settings.rotating_secret is not None:
            client_secret = rotating_client_secret(
                parent,
                application_id=registration.id,
                settings=settings.rotating_secret,
                now=plan.now,
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
            self._slots = client_secret.slots
        if app.certificates or settings.federated_credentials:
            application_credentials(
                parent,
                application_id=registration.id,
                certificates=app.certificates,
                federated_credentials=settings.federated_credentials,
            )
        if plan.accesses:
            api_permissions(
                parent,
                application_id=registration.id,
                service_principal_object_id=service_principal.object_id,
                accesses=plan.accesses,
                admin_consent=settings.admin_consent,
            )
        if app.smart is not None and plan.smart_resource is not None:
            smart_access(
                parent,
                application_id=registration.id,
                service_principal=service_principal,
                client=app.smart,
                resource=plan.smart_resource,
                admin_consent=settings.admin_consent,
            )
        if app.roles:
            data_plane_access(
                parent,
                stack=stack,
                principal_id=service_principal.object_id,
                roles=tuple((grant, plan.services[grant.service].resource) for grant in app.roles),
                secret=plan.reach_secret,
                project=plan.project,
                pending=plan.pending_resource_ids,
            )

        self.client_id = registration.client_id
        self.application_object_id = registration.object_id
        self.service_principal_object_id = service_principal.object_id
        # The package's `secrets` output: one list, its items under the schema's names (the
        # provider passes list items through as they are, ComponentProvider.get_state).
        self.secrets = cast(
            "pulumi.Output[list[ClientSecretSlot]]",
            pulumi.Output.all(*(slot.output() for slot in self._slots)),
        )
        self.register_outputs(
            {
                "clientId": self.client_id,
                "applicationObjectId": self.application_object_id,
                "servicePrincipalObjectId": self.service_principal_object_id,
            }
        )

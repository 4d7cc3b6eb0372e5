"""Client secrets that rotate without downtime: two slots, one generation apart
(docs/design.md, "Rotation"), and their delivery to a Key Vault."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pulumi
import pulumi_azuread as azuread

from components.clock import rfc3339
from components.config import KeyVaultSettings, SecretSettings
from components.parent import Parent
from components.provider_resources import APPLICATION_PASSWORD, KEY_VAULT_SECRET
from components.rotation import SlotState
from components.secrecy import secret_if

KEY_VAULT_CONTENT_TYPE = "Entra client secret for application {client_id}"


@dataclass(frozen=True)
class SecretSlot:
    """One password of the secret, as the stack outputs it (``secrets``)."""

    slot: str  # "a", "b", or "fixed"
    key_id: pulumi.Output[str]
    end_date: pulumi.Output[str]
    generation: int | None
    active: bool

    def output(self) -> dict[str, Any]:
        # Each field its own value, so a preview shows the known ones (the slot that
        # becomes active) while a replaced password's key ID is still unknown.
        return {
            "slot": self.slot,
            "keyId": self.key_id,
            "endDate": self.end_date,
            "generation": self.generation,
            "active": self.active,
        }


@dataclass(frozen=True)
class ClientSecret:
    """An application's client secret: the active slot's value (secret) and end date, and
    its slots."""

    value: pulumi.Output[str]
    expires_at: pulumi.Output[str]
    slots: tuple[SecretSlot, ...]
    # The active slot's end, as the program computed it (a Key Vault secret expires then).
    end_date: datetime


def rotating_client_secret(
    parent: Parent,
    *,
    application_id: pulumi.Input[str],
    settings: SecretSettings,
    now: datetime,
) -> ClientSecret:
    """Two password slots (``overlap``) or one password with fixed dates (``none``).

    Every date and name derives from the application's settings, so all of them are
    registered as secret when those are.
    """
    name, secret = parent.name, parent.secret

    # A replaced or removed password leaves the stack but stays in Entra until its own end
    # date: create-before-delete protects one slot, not the pair, and a stack left idle
    # for two periods, or a new expiresIn or rotateEvery, replaces both slots in one run.
    # Revoking a password before its end is an explicit act (docs/rotation.md, "Revoking a secret").
    # Never protected either: a protected password could not be replaced, so never rotate.
    def released(password_name: str) -> pulumi.ResourceOptions:
        return parent.options(
            APPLICATION_PASSWORD,
            retain_on_delete=True,
            protect=False,
        )

    slots: list[tuple[SlotState | None, azuread.ApplicationPassword]] = []
    if settings.mode == "overlap":
        policy = settings.policy()
        for state in policy.slots(now):
            password_name = f"{name}-secret-{state.slot}"
            password = azuread.ApplicationPassword(
                password_name,
                application_id=application_id,
                display_name=secret_if(
                    f"healthcare-clients slot {state.slot}, generation {state.generation}", secret
                ),
                # The start date is left to Entra (the moment of creation); the end
                # derives from the generation only, so reruns register identical inputs.
                end_date=secret_if(rfc3339(state.end_date), secret),
                rotate_when_changed=secret_if(
                    {
                        "generation": str(state.generation),
                        "generationStart": rfc3339(state.generation_start),
                    },
                    secret,
                ),
                opts=released(password_name),
            )
            slots.append((state, password))
        active_state = policy.active(now)
        active = next(password for state, password in slots if state == active_state)
        end_date = active_state.end_date
    else:
        assert settings.start is not None and settings.end is not None
        active = azuread.ApplicationPassword(
            f"{name}-secret",
            application_id=application_id,
            display_name="healthcare-clients fixed dates",
            start_date=secret_if(rfc3339(settings.start), secret),
            end_date=secret_if(rfc3339(settings.end), secret),
            opts=released(f"{name}-secret"),
        )
        slots.append((None, active))
        end_date = settings.end

    return ClientSecret(
        # Wrapped here, not left to provider metadata, so the contract is this module's.
        value=pulumi.Output.secret(active.value),
        expires_at=active.end_date,
        slots=tuple(
            SecretSlot(
                slot=state.slot if state else "fixed",
                key_id=password.key_id,
                end_date=password.end_date,
                generation=state.generation if state else None,
                active=password is active,
            )
            for state, password in slots
        ),
        end_date=end_date,
    )


def key_vault_delivery(
    parent: Parent,
    *,
    vault: KeyVaultSettings,
    client_secret: ClientSecret,
    client_id: pulumi.Input[str],
) -> None:
    """The active secret and the client ID as Key Vault secrets, so consumers never need
    the stack output."""
    # Only stacks that deliver to a vault pay this import.
    from pulumi_azure_native import keyvault

    name, secret = parent.name, parent.secret
    secret_resource, id_resource = f"{name}-vault-client-secret", f"{name}-vault-client-id"
    keyvault.Secret(
        secret_resource,
        resource_group_name=secret_if(vault.resource_group, secret),
        vault_name=secret_if(vault.vault_name, secret),
        secret_name=secret_if(vault.secret_name or f"{name}-client-secret", secret),
        properties=keyvault.SecretPropertiesArgs(
            value=client_secret.value,
            content_type=pulumi.Output.from_input(client_id).apply(
                lambda cid: KEY_VAULT_CONTENT_TYPE.format(client_id=cid)
            ),
            attributes=keyvault.SecretAttributesArgs(
                enabled=True, expires=secret_if(int(client_secret.end_date.timestamp()), secret)
            ),
        ),
        opts=parent.options(KEY_VAULT_SECRET),
    )
    keyvault.Secret(
        id_resource,
        resource_group_name=secret_if(vault.resource_group, secret),
        vault_name=secret_if(vault.vault_name, secret),
        secret_name=secret_if(vault.client_id_secret_name or f"{name}-client-id", secret),
        properties=keyvault.SecretPropertiesArgs(
            value=client_id, content_type="Entra application (client) ID"
        ),
        opts=parent.options(KEY_VAULT_SECRET),
    )

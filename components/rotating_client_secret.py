"""Client secrets that rotate without downtime: two slots, one generation apart (DESIGN 5)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pulumi
import pulumi_azuread as azuread

from components.clock import rfc3339
from components.config import KeyVaultSettings, SecretSettings
from components.rotation import SlotState

KEY_VAULT_CONTENT_TYPE = "Entra client secret for application {client_id}"


class RotatingClientSecret(pulumi.ComponentResource):
    """Two password slots (``overlap``) or one password with fixed dates (``none``).

    Outputs ``client_secret`` (the active slot, secret), ``expires_at`` and ``secrets``
    (non-secret metadata per slot). With ``key_vault`` it also writes the active secret
    and the client ID to the vault, so consumers never need the stack output.
    """

    def __init__(
        self,
        name: str,
        *,
        application_id: pulumi.Input[str],
        client_id: pulumi.Input[str],
        settings: SecretSettings,
        now: datetime,
        key_vault: KeyVaultSettings | None = None,
        guard: Callable[[Any], Any] = lambda value: value,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("healthcare-clients:index:RotatingClientSecret", name, None, opts)
        # Every date and name below derives from the application's settings.
        self._guard = guard
        child = pulumi.ResourceOptions(parent=self)
        # A replaced or removed password leaves the stack but stays in Entra until its own end
        # date: create-before-delete protects one slot, not the pair, and a stack left idle
        # for two periods, or a new expiresIn or rotateEvery, replaces both slots in one run.
        # Revoking a password before its end is an explicit act (README, "Revoking a secret").
        # Never protected either: a protected password could not be replaced, so never rotate.
        released = pulumi.ResourceOptions(parent=self, retain_on_delete=True, protect=False)
        slots: list[tuple[SlotState | None, azuread.ApplicationPassword]] = []
        if settings.mode == "overlap":
            policy = settings.policy()
            for state in policy.slots(now):
                password = azuread.ApplicationPassword(
                    f"{name}-secret-{state.slot}",
                    application_id=application_id,
                    display_name=guard(
                        f"healthcare-clients slot {state.slot}, generation {state.generation}"
                    ),
                    # The start date is left to Entra (the moment of creation); the end
                    # derives from the generation only, so reruns register identical inputs.
                    end_date=guard(rfc3339(state.end_date)),
                    rotate_when_changed=guard(
                        {
                            "generation": str(state.generation),
                            "generationStart": rfc3339(state.generation_start),
                        }
                    ),
                    opts=released,
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
                start_date=guard(rfc3339(settings.start)),
                end_date=guard(rfc3339(settings.end)),
                opts=released,
            )
            slots.append((None, active))
            end_date = settings.end

        # Wrapped here, not left to provider metadata, so the contract is this component's.
        self.client_secret: pulumi.Output[str] = pulumi.Output.secret(active.value)
        self.expires_at: pulumi.Output[str] = active.end_date
        self.secrets: list[dict[str, Any]] = [
            {
                "slot": state.slot if state else "fixed",
                "keyId": password.key_id,
                "endDate": password.end_date,
                "generation": state.generation if state else None,
                "active": password is active,
            }
            for state, password in slots
        ]

        self.key_vault_secrets: list[pulumi.CustomResource] = []
        if key_vault is not None:
            self.key_vault_secrets = self._deliver(name, key_vault, client_id, end_date, child)

        self.register_outputs(
            {
                "clientSecret": self.client_secret,
                "expiresAt": guard(self.expires_at),
                "secrets": guard(self.secrets),
            }
        )

    def _deliver(
        self,
        name: str,
        vault: KeyVaultSettings,
        client_id: pulumi.Input[str],
        end_date: datetime,
        child: pulumi.ResourceOptions,
    ) -> list[pulumi.CustomResource]:
        # Only stacks that deliver to a vault pay this import.
        from pulumi_azure_native import keyvault

        guard = self._guard
        secret = keyvault.Secret(
            f"{name}-vault-client-secret",
            resource_group_name=guard(vault.resource_group),
            vault_name=guard(vault.vault_name),
            secret_name=guard(vault.secret_name or f"{name}-client-secret"),
            properties=keyvault.SecretPropertiesArgs(
                value=self.client_secret,
                content_type=pulumi.Output.from_input(client_id).apply(
                    lambda cid: KEY_VAULT_CONTENT_TYPE.format(client_id=cid)
                ),
                attributes=keyvault.SecretAttributesArgs(
                    enabled=True, expires=guard(int(end_date.timestamp()))
                ),
            ),
            opts=child,
        )
        client = keyvault.Secret(
            f"{name}-vault-client-id",
            resource_group_name=guard(vault.resource_group),
            vault_name=guard(vault.vault_name),
            secret_name=guard(vault.client_id_secret_name or f"{name}-client-id"),
            properties=keyvault.SecretPropertiesArgs(
                value=client_id, content_type="Entra application (client) ID"
            ),
            opts=child,
        )
        return [secret, client]

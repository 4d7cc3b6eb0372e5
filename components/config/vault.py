"""Key Vault secret names: each application's, and the names two applications would share."""

from __future__ import annotations

from components.config.checking import AppCheck, Run
from components.config.credentials import KeyVaultSettings
from components.config.disclosure import Say


def vault_secret_names(app: AppCheck) -> list[tuple[str, str, str, str]]:
    """(vault, secret name folded, key path, how to name it) for each secret the app writes."""
    vault = app.settings.key_vault
    if not (
        isinstance(vault, KeyVaultSettings)
        and not vault.failed_fields
        and app.ok("secret")
        and app.settings.secret is not False
    ):
        return []
    vault_id = vault.id.lower()
    out = []
    for field_name, alias, default in (
        ("secret_name", "secretName", f"{app.name}-client-secret"),
        ("client_id_secret_name", "clientIdSecretName", f"{app.name}-client-id"),
    ):
        given = getattr(vault, field_name)
        name = given or default
        where = app.at("keyVault", alias) if given else app.at("keyVault")
        label = app.say.value(name) if given else f"the default {alias} {app.say.value(name)}"
        # Key Vault object names are case-insensitive (Key Vault, "Object identifiers").
        out.append((vault_id, name.lower(), where, label))
    return out


def vault_collisions(names: list[tuple[str, str, str, str]], say: Say, run: Run) -> None:
    first: dict[tuple[str, str], tuple[str, str]] = {}
    for vault, name, where, label in names:
        earlier = first.get((vault, name))
        if earlier is None:
            first[(vault, name)] = (where, label)
            continue
        run.problem(
            where,
            f"{label} names the same Key Vault secret as {earlier[0]} ({earlier[1]}) in the "
            "same vault: each write would overwrite the other; give each a distinct name",
        )

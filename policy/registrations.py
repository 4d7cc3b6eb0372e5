"""Rules on the application registration itself: one tenant, no implicit grant, and only the
granular azuread resources."""

from __future__ import annotations

from typing import Final

from policy.wire import APPLICATION_LEGACY, APPLICATION_REGISTRATION, Config, Props, is_unknown

SINGLE_TENANT_AUDIENCE: Final = "AzureADMyOrg"


def check_single_tenant(resource_type: str, props: Props, config: Config) -> list[str]:
    """``signInAudience`` must be ``AzureADMyOrg``; absent means the provider default, which is."""
    if resource_type != APPLICATION_REGISTRATION:
        return []
    audience = props.get("signInAudience")
    if audience is None or is_unknown(audience) or audience == SINGLE_TENANT_AUDIENCE:
        return []
    return [
        f"signInAudience is {audience!r}: only single-tenant applications "
        f"({SINGLE_TENANT_AUDIENCE!r}, 'Accounts in this organizational directory only') are "
        "allowed for Health Data Services clients."
    ]


def check_no_implicit_grant(resource_type: str, props: Props, config: Config) -> list[str]:
    """Implicit-grant issuance of access or ID tokens stays off (use auth code + PKCE instead)."""
    if resource_type != APPLICATION_REGISTRATION:
        return []
    messages = []
    for key, token in (
        ("implicitAccessTokenIssuanceEnabled", "access"),
        ("implicitIdTokenIssuanceEnabled", "ID"),
    ):
        if props.get(key) is True:
            messages.append(
                f"{key} is true: implicit-grant {token} token issuance is not allowed; use the "
                "authorization code flow with PKCE."
            )
    return messages


def check_no_legacy_application(resource_type: str, props: Props, config: Config) -> list[str]:
    """``azuread.Application`` is forbidden: mixing it with the granular resources wipes settings."""
    if resource_type != APPLICATION_LEGACY:
        return []
    return [
        "azuread.Application is not allowed: declare applications with "
        "azuread.ApplicationRegistration and the granular resources (mixing the two wipes "
        "settings, pulumi-azuread #1169 and #1685)."
    ]

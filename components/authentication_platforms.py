"""The portal's "Authentication" blade: public client flows and redirect URIs per platform."""

import pulumi
import pulumi_azuread as azuread

from components.parent import Parent
from components.provider_resources import FALLBACK_PUBLIC_CLIENT, REDIRECT_URIS
from components.secrecy import secret_if


def authentication_platforms(
    parent: Parent,
    *,
    application_id: pulumi.Input[str],
    redirect_uris: dict[str, tuple[str, ...]],
    public_client_flows: bool,
) -> None:
    """The public-client flag and one ``ApplicationRedirectUris`` per platform that has URIs
    (``redirect_uris`` keyed by the provider's type: ``PublicClient``, ``Web``, ``SPA``)."""
    name, secret = parent.name, parent.secret
    # Always declared, also when false, so a portal toggle is drift the next run corrects.
    # A toggle replaces it (`enabled` forces a new resource) and its ID is fixed per app,
    # while its delete sets the flag to null: created before the old one is deleted, the
    # new value would be cleared again at once. Deleting first ends in the configured value.
    flag_name = f"{name}-public-client-flows"
    azuread.ApplicationFallbackPublicClient(
        flag_name,
        application_id=application_id,
        enabled=secret_if(public_client_flows, secret),
        opts=parent.options(FALLBACK_PUBLIC_CLIENT, delete_before_replace=True),
    )
    for kind, uris in redirect_uris.items():
        uris_name = f"{name}-redirect-{kind.lower()}"
        azuread.ApplicationRedirectUris(
            uris_name,
            application_id=application_id,
            type=kind,
            redirect_uris=secret_if(list(uris), secret),
            opts=parent.options(
                REDIRECT_URIS,
                import_id=parent.adoption.platform(kind) if parent.adoption else None,
            ),
        )

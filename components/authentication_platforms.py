"""The portal's "Authentication" blade: public client flows and redirect URIs per platform."""

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_azuread as azuread

from components.config import RedirectUris


class AuthenticationPlatforms(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        application_id: pulumi.Input[str],
        redirect_uris: RedirectUris,
        public_client_flows: bool,
        guard: Callable[[Any], Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("healthcare-clients:index:AuthenticationPlatforms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Always declared, also when false, so a portal toggle is drift the next run corrects.
        # A toggle replaces it (`enabled` forces a new resource) and its ID is fixed per app,
        # while its delete sets the flag to null: created before the old one is deleted, the
        # new value would be cleared again at once. Deleting first ends in the configured value.
        self.fallback_public_client = azuread.ApplicationFallbackPublicClient(
            f"{name}-public-client-flows",
            application_id=application_id,
            enabled=guard(public_client_flows),
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.redirects = {
            kind: azuread.ApplicationRedirectUris(
                f"{name}-redirect-{kind.lower()}",
                application_id=application_id,
                type=kind,
                redirect_uris=guard(list(uris)),
                opts=child,
            )
            for kind, uris in redirect_uris.by_platform().items()
        }
        self.register_outputs(
            {
                "publicClientFlows": guard(public_client_flows),
                "platforms": sorted(self.redirects),
            }
        )

"""What Graph refuses when an application's redirect URIs are written, past the provider's
own check (``testbed.graph.redirect_uri_problem``): Entra's documented restrictions on each
URI, and one value on one platform only.

The restrictions are Microsoft's "Redirect URI (reply URL) restrictions and limitations"
(MicrosoftDocs/entra-docs ``docs/identity-platform/reply-url.md`` @0358995): https, with http
only for localhost (the IPv6 loopback ``[::1]`` "is not currently supported"); none of the
characters ``! $ ' ( ) , ;``. Mobile and desktop clients also take custom schemes such as
``msal{CLIENT_ID}://auth`` ("How to add a redirect URI", ``how-to-add-redirect-uri.md``
@09040cc1). Graph's wording of such a refusal names the platform's property, not the rule
("Invalid value specified for property 'web' of resource 'Application'.", as quoted for
``az ad app create --web-redirect-uris``); the status code and error code are not documented,
so the fake uses the 400 ``Request_BadRequest`` it gives the duplicate-value refusal.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

from testbed.graph import graph_status, typed
from testbed.resource_handler import ProviderError

# The Graph property each of the provider's redirect types writes.
GRAPH_PROPERTY: Final = {"Web": "web", "SPA": "spa", "PublicClient": "publicClient"}
LOCALHOST: Final = frozenset({"localhost", "127.0.0.1"})
UNSUPPORTED_CHARACTERS: Final = frozenset("!$'(),;")


def entra_redirect_uri_problem(uri: str, kind: str) -> str | None:
    """Which documented restriction a redirect URI of the given platform breaks, or None."""
    if UNSUPPORTED_CHARACTERS & set(uri):
        return "redirect URIs do not support the characters ! $ ' ( ) , ;"
    try:
        parts = urlsplit(uri)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None  # the provider's own check refuses what does not parse
    scheme = parts.scheme.lower()
    if scheme == "http" and host not in LOCALHOST:
        return "http is supported only for localhost URIs"
    if scheme not in ("http", "https") and kind != "PublicClient":
        return "redirect URIs must begin with the scheme https"
    return None


def refuse_redirect_uris(app: dict[str, Any], kind: str, uris: list[str]) -> None:
    """Raise the provider's error for the first URI Graph would refuse on this platform."""
    for uri in uris:
        if entra_redirect_uri_problem(uri, kind) is not None:
            _refuse(
                kind,
                f"Invalid value specified for property '{GRAPH_PROPERTY[kind]}' of resource 'Application'.",
            )
    # Entra keeps an application's redirect URIs distinct across platforms ("Redirect URIs
    # must have distinct values", MicrosoftDocs/azure-docs #89929).
    for other, listed in app["redirectUris"].items():
        shared = sorted(set(uris) & set(listed)) if other != kind else []
        if shared:
            _refuse(
                kind,
                f"Redirect URIs must have distinct values: {shared[0]} is also a {other} URI.",
            )


def _refuse(kind: str, message: str) -> None:
    raise ProviderError(
        typed(
            f"setting redirect URIs ({kind}): "
            + graph_status(400, "Bad Request", "Request_BadRequest", message)
        )
    )

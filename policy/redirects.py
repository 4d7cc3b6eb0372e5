"""The redirect URI rule: https, or http on a loopback host. Web and SPA URIs use https (or
loopback http); mobile and desktop (PublicClient) URIs may use a custom scheme such as
``msal...://auth``, but http only on a loopback host too.

Entra's rule, from Microsoft's "Redirect URI (reply URL) restrictions and limitations"
(entra-docs ``docs/identity-platform/reply-url.md``): the http scheme "is supported only for
localhost URIs", and the IPv6 loopback ``[::1]`` "is not currently supported". The pack checks
this scheme rule only, the one that decides where tokens may go; the provider's check and
Entra refuse malformed URIs before any change (tests/redirect_uri_cases.py lists both).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from policy.wire import APPLICATION_REDIRECT_URIS, Config, Props, is_unknown

LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1"})
PLATFORMS: Final = ("Web", "SPA", "PublicClient")


def _redirect_uri_problem(uri: str, platform: str) -> str | None:
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return "is not a valid URI"
    scheme = parts.scheme.lower()
    if scheme == "http":
        if host in LOOPBACK_HOSTS:
            return None
        return "uses http for a host that is not loopback (localhost, 127.0.0.1)"
    if platform == "PublicClient" or (scheme == "https" and host):
        return None
    return "must use https (or http on a loopback host)"


def check_redirect_uris(resource_type: str, props: Props, config: Config) -> list[str]:
    """Redirect URIs are https, or http on a loopback host; PublicClient ones may use a custom
    scheme instead."""
    if resource_type != APPLICATION_REDIRECT_URIS:
        return []
    platform = props.get("type")
    if platform not in PLATFORMS:
        return []
    uris = props.get("redirectUris") or []
    if is_unknown(uris):
        return []
    messages = []
    for uri in uris:
        if is_unknown(uri):
            continue
        problem = _redirect_uri_problem(str(uri), str(platform))
        if problem:
            messages.append(f"{platform} redirect URI {uri!r} {problem}.")
    return messages

"""The redirect URI rule: Web and SPA redirect URIs use https, or http on a loopback host."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from policy.wire import APPLICATION_REDIRECT_URIS, Config, Props, is_unknown

LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})


def _redirect_uri_problem(uri: str) -> str | None:
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return "is not a valid URI"
    scheme = parts.scheme.lower()
    if scheme == "https" and host:
        return None
    if scheme == "http" and host in LOOPBACK_HOSTS:
        return None
    if scheme == "http":
        return "uses http for a host that is not loopback (localhost, 127.0.0.1, [::1])"
    return "must use https (or http on a loopback host)"


def check_redirect_uris(resource_type: str, props: Props, config: Config) -> list[str]:
    """Web and SPA redirect URIs are https, or http on a loopback host. PublicClient may use
    custom schemes (``msal...://auth``), so it is not checked here."""
    if resource_type != APPLICATION_REDIRECT_URIS:
        return []
    platform = props.get("type")
    if platform not in ("Web", "SPA"):
        return []
    uris = props.get("redirectUris") or []
    if is_unknown(uris):
        return []
    messages = []
    for uri in uris:
        if is_unknown(uri):
            continue
        problem = _redirect_uri_problem(str(uri))
        if problem:
            messages.append(f"{platform} redirect URI {uri!r} {problem}.")
    return messages

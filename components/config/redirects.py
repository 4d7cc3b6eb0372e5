"""Redirect URIs: the checks of one URI (Entra's and the azuread provider's) and the rules
across the platforms of one application."""

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StrictStr

from components.config.base import ConfigModel, Rule, dedupe
from components.errors import Invalid, Plain

# Entra: redirect URIs are at most 256 characters, and an app holds at most 256 of them.
MAX_REDIRECT_URI_LENGTH = 256
MAX_REDIRECT_URIS = 256

REDIRECT_PRESETS = {
    "postman": "https://www.getpostman.com/oauth2/callback",
    "postman-web": "https://oauth.pstmn.io/v1/callback",
}
# Entra, "Redirect URI (reply URL) restrictions and limitations" (entra-docs reply-url.md): http
# only for localhost, and "The IPv6 loopback address ([::1]) is not currently supported".
LOOPBACK_HOSTS = {"localhost", "127.0.0.1"}
# The same page: "Redirect URIs do not support special characters - ! $ ' ( ) , ;".
UNSUPPORTED_CHARACTERS = "!$'(),;"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Go decodes only %25 and the bytes of a multi-byte UTF-8 character in a host.
_BAD_HOST_ESCAPE = re.compile(r"%(?!25|[89A-Fa-f][0-9A-Fa-f])")
# The ASCII characters Go's url.Parse leaves in a host (net/url shouldEscape, encodeHost).
_HOST_CHARACTERS = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:\[\]<>\"%]|[^\x00-\x7f])*$")


def provider_uri_problem(uri: str) -> str | None:
    """The azuread provider's own check of a redirect URI, as its message, or None.

    terraform-provider-azuread v3.9.0 internal/helpers/tf/validation/uri.go,
    IsRedirectUriFunc(urnAllowed=true, allowAllSchemes=true), which
    application_redirect_uris_resource.go applies to every platform type. It parses with Go's
    net/url; where Python's urlsplit differs, the Go behaviour is spelled out here: control
    characters; no scheme and a ':' in the first segment; a '%' that is no escape anywhere but
    in the query (which Parse keeps raw); an escaped ASCII byte, or a character Go escapes (a
    space, '{', '|', '^' ...), in the host.
    """
    if uri == "":
        return "URI must not be empty"
    if uri.startswith("urn:") and len(uri.split(":")) >= 3:
        return None  # accepted as is, before any parsing
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return "URI is in an invalid format"
    if not _go_parses(uri, parts.netloc.rpartition("@")[2]):
        return "URI is in an invalid format"
    if not parts.netloc.rpartition("@")[2]:
        return "URI has no host"
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return f"URI must be {MAX_REDIRECT_URI_LENGTH} characters or less"
    return None


def _go_parses(uri: str, host: str) -> bool:
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in uri):
        return False
    if not _SCHEME.match(uri) and ":" in uri.split("/", 1)[0]:
        return False  # "missing protocol scheme", "first path segment ... cannot contain colon"
    before_fragment, _, fragment = uri.partition("#")
    if _BAD_ESCAPE.search(before_fragment.split("?", 1)[0]) or _BAD_ESCAPE.search(fragment):
        return False  # "invalid URL escape"
    return not _BAD_HOST_ESCAPE.search(host) and _HOST_CHARACTERS.match(host) is not None


def _check_redirect_uri(value: str, *, web_like: bool) -> str:
    uri = REDIRECT_PRESETS.get(value, value)
    _check_form(uri)
    provider = provider_uri_problem(uri)
    if provider == "URI has no host":
        raise Invalid(
            "{} has no host: the azuread provider refuses it ('URI has no host'); give the URI "
            "a host, e.g. msal<client-id>://auth or <scheme>://callback",
            uri,
        )
    if provider is not None:
        raise Invalid(f"{{}} is refused by the azuread provider: {provider}", uri)
    _check_scheme(uri, web_like=web_like)
    return uri


def _check_form(uri: str) -> None:
    """Length, characters, wildcards, fragments, and an absolute URI at all."""
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        # Entra's limit and the provider's (uri.go): same number.
        raise Invalid(
            f"is {{}} characters; Entra accepts at most {MAX_REDIRECT_URI_LENGTH}",
            Plain(str(len(uri))),
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in uri):
        raise Invalid("{} contains whitespace or control characters", uri)
    # Which ones is left out: under a secret key, a message shows nothing of the value.
    if set(UNSUPPORTED_CHARACTERS) & set(uri):
        raise Invalid(
            "{} contains a character that Entra does not support in redirect URIs "
            f"({' '.join(UNSUPPORTED_CHARACTERS)})",
            uri,
        )
    # Stricter than Entra on purpose: Entra takes a wildcard in a single-tenant app's manifest
    # but "strongly" recommends exact URIs (reply-url.md, "Restrictions on wildcards"), and
    # OAuth forbids a fragment in a redirection endpoint (RFC 6749 section 3.1.2).
    if "*" in uri:
        raise Invalid(
            "{} contains a wildcard; give the exact redirect URI (Microsoft strongly advises "
            "against wildcard redirect URIs)",
            uri,
        )
    if "#" in uri:
        raise Invalid(
            "{} contains a fragment ('#'); a redirect URI must not have one (RFC 6749 3.1.2)",
            uri,
        )
    parts = urlsplit(uri)
    if not parts.scheme or not (parts.netloc or parts.path):
        presets = ", ".join(REDIRECT_PRESETS)
        raise Invalid(f"{{}} is not an absolute URI or a preset ({presets})", uri)


def _check_scheme(uri: str, *, web_like: bool) -> None:
    """Entra: web and SPA redirect URIs use https, except http on a loopback host."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme == "http":
        if host in ("[::1]", "::1"):
            raise Invalid(
                "{} uses http on the IPv6 loopback, which Entra does not support; use "
                "http://127.0.0.1 or http://localhost",
                uri,
            )
        if host not in LOOPBACK_HOSTS:
            raise Invalid(
                "{} uses http; only https is accepted, except http://localhost "
                "and http://127.0.0.1 loopback",
                uri,
            )
    elif web_like and scheme != "https":
        raise Invalid(
            "{} must use https (or http://localhost / http://127.0.0.1 for loopback); "
            "custom schemes belong under mobileDesktop",
            uri,
        )
    elif scheme == "https" and not host:
        raise Invalid("{} has no host", uri)


WebUri = Annotated[StrictStr, AfterValidator(lambda v: _check_redirect_uri(v, web_like=True))]
NativeUri = Annotated[StrictStr, AfterValidator(lambda v: _check_redirect_uri(v, web_like=False))]


class RedirectUris(ConfigModel):
    mobile_desktop: Annotated[tuple[NativeUri, ...], AfterValidator(dedupe)] = ()
    web: Annotated[tuple[WebUri, ...], AfterValidator(dedupe)] = ()
    spa: Annotated[tuple[WebUri, ...], AfterValidator(dedupe)] = ()

    def by_platform(self) -> dict[str, tuple[str, ...]]:
        """Non-empty platforms keyed by the provider's redirect type."""
        platforms = {"PublicClient": self.mobile_desktop, "Web": self.web, "SPA": self.spa}
        return {kind: uris for kind, uris in platforms.items() if uris}


def redirect_rules(uris: RedirectUris, failed: frozenset[str]) -> list[Rule]:
    out: list[Rule] = []
    platforms = {"mobileDesktop": uris.mobile_desktop, "web": uris.web, "spa": uris.spa}
    parsed = {key: values for key, values in platforms.items() if to_snake(key) not in failed}
    if len(parsed) == len(platforms):
        total = sum(len(values) for values in platforms.values())
        if total > MAX_REDIRECT_URIS:
            out.append(
                (
                    (),
                    Invalid(
                        f"{{}} redirect URIs; Entra accepts at most {MAX_REDIRECT_URIS} per app",
                        Plain(str(total)),
                    ),
                )
            )
    # Entra keeps one list of redirect URIs per app across platforms and refuses a value
    # twice: "Redirect URIs must have distinct values" (MicrosoftDocs/azure-docs #89929).
    seen: dict[str, str] = {}
    for key, values in parsed.items():
        for index, uri in enumerate(values):
            if uri in seen and seen[uri] != key:
                out.append(
                    (
                        (key, index),
                        Invalid(
                            f"{{}} is also under {seen[uri]}; Entra refuses the same redirect URI "
                            "on two platforms ('Redirect URIs must have distinct values'); keep it "
                            "under one",
                            uri,
                        ),
                    )
                )
            seen.setdefault(uri, key)
    return out


def to_snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()

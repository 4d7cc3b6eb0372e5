"""One table of redirect URIs, with what each rule that applies says of them; the config's
validation, the fake tenant and the policy pack are all tested against it
(tests/test_redirect_uris.py), so the three copies of the rules cannot drift apart again.

Three sources decide a case:

* ``entra``: the Entra rule that refuses it, or None. Microsoft, "Redirect URI (reply URL)
  restrictions and limitations" (MicrosoftDocs/entra-docs ``docs/identity-platform/reply-url.md``
  @0358995), for a single-tenant (AzureADMyOrg) app:

  - ``scheme``: "Redirect URIs must begin with the scheme https"; "The HTTP scheme (http://) is
    supported only for localhost URIs" (127.0.0.1 too, "Prefer 127.0.0.1 over localhost");
    "The IPv6 loopback address ([::1]) is not currently supported". Mobile and desktop apps
    also take custom schemes such as ``msal{CLIENT_ID}://auth`` ("How to add a redirect URI",
    ``how-to-add-redirect-uri.md`` @09040cc1).
  - ``characters``: "Redirect URIs do not support special characters - ! $ ' ( ) , ;".
  - ``length``: "a maximum of 256 characters for each redirect URI".

  Query parameters are allowed for apps that sign in work or school accounts only, and so are
  wildcards (through the manifest), which the page "strongly" advises against.

* ``provider``: the azuread provider's message when its own check refuses the URI, or None.
  terraform-provider-azuread v3.9.0 ``internal/helpers/tf/validation/uri.go``,
  ``IsRedirectUriFunc(urnAllowed=true, allowAllSchemes=true)`` over Go's ``net/url.Parse``
  (go1.26; each "invalid format" case below was run through it).

* ``program``: why the config refuses a URI that both of the above accept, or "". Only the
  config is stricter, and only for the reasons written here.

What each copy must do, derived from those three (tests/test_redirect_uris.py):

* the config refuses a case when any of the three does;
* the fake refuses it when the provider or Entra does: the provider's check at Check, Entra's
  rules when the redirect URIs are written (``testbed.redirect_restrictions``); the Graph fake
  (``testbed.graphapi``), behind the real provider's own check, refuses the ``entra`` cases;
* the policy pack refuses exactly the ``scheme`` cases, the rule that decides where tokens may
  go; the provider and Entra refuse the rest before any change reaches the tenant. ``policy``
  overrides that for a case, with its reason in ``note``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Platform = Literal["Web", "SPA", "PublicClient"]
EntraRule = Literal["scheme", "characters", "length"]

# The config's key for each of the provider's redirect types.
CONFIG_KEY: dict[Platform, str] = {"Web": "web", "SPA": "spa", "PublicClient": "mobileDesktop"}

INVALID = "URI is in an invalid format"
NO_HOST = "URI has no host"


@dataclass(frozen=True)
class RedirectCase:
    uri: str
    platform: Platform
    entra: EntraRule | None = None
    provider: str | None = None
    program: str = ""
    policy: bool | None = None  # refused by the pack, where that differs from entra == "scheme"
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.platform}:{self.uri[:60] or '<empty>'}"


CASES: tuple[RedirectCase, ...] = (
    # Accepted by every rule: the page's own examples, and the URIs this project's users register.
    RedirectCase("https://contoso.com", "Web"),
    RedirectCase("https://contoso.com/abc/response-oidc", "SPA"),
    RedirectCase("https://localhost/myApp", "Web"),
    RedirectCase("http://localhost/abc", "Web"),
    RedirectCase("http://localhost:3000", "SPA"),
    RedirectCase("http://127.0.0.1:5000/cb", "Web"),
    RedirectCase("https://app.contoso.com/cb?tenant=one", "Web"),  # query: work accounts only
    RedirectCase("msal00000000-1111-2222-3333-444444444444://auth", "PublicClient"),
    RedirectCase("https://login.microsoftonline.com/common/oauth2/nativeclient", "PublicClient"),
    RedirectCase("https://www.getpostman.com/oauth2/callback", "PublicClient"),
    RedirectCase("http://localhost", "PublicClient"),
    RedirectCase("msauth.com.example://auth", "PublicClient"),
    RedirectCase("urn:ietf:wg:oauth:2.0:oob", "PublicClient"),  # the provider passes a URN as is
    # Entra's scheme rule.
    RedirectCase("http://contoso.com/abc/response-oidc", "Web", entra="scheme"),
    RedirectCase("http://192.168.1.10/cb", "SPA", entra="scheme"),
    RedirectCase("http://10.0.0.1/", "PublicClient", entra="scheme"),
    RedirectCase("http://[::1]:8400/", "Web", entra="scheme"),
    RedirectCase("http://[::1]/cb", "PublicClient", entra="scheme"),
    RedirectCase("msal123://auth", "SPA", entra="scheme"),
    RedirectCase("ftp://files.contoso.com/", "Web", entra="scheme"),
    RedirectCase(
        "urn:ietf:wg:oauth:2.0:oob",
        "Web",
        entra="scheme",
        note="terraform-provider-azuread #575 saw Graph take a URN under web in 2021; the "
        "page says https, and the fake follows the page",
    ),
    RedirectCase("not a uri", "SPA", entra="scheme", provider=NO_HOST),
    RedirectCase("x:y", "Web", entra="scheme", provider=NO_HOST),
    RedirectCase("", "Web", entra="scheme", provider="URI must not be empty"),
    # Entra's characters and length.
    RedirectCase("https://app.contoso.com/cb?a=1;b=2", "Web", entra="characters"),
    RedirectCase("https://app.contoso.com/it's", "SPA", entra="characters"),
    RedirectCase("https://app.contoso.com/(cb)", "PublicClient", entra="characters"),
    RedirectCase(
        "https://a.example.com/" + "x" * 240,
        "Web",
        entra="length",
        provider="URI must be 256 characters or less",
    ),
    # The provider's check alone: Go's url.Parse and "has no host".
    RedirectCase("myapp:callback", "PublicClient", provider=NO_HOST),
    RedirectCase("com.example.app:/oauth2redirect", "PublicClient", provider=NO_HOST),
    RedirectCase("urn:only-two", "PublicClient", provider=NO_HOST),
    RedirectCase(
        "https:///path",
        "Web",
        provider=NO_HOST,
        policy=True,
        note="the pack reads an https URI without a host as not https",
    ),
    RedirectCase("https://a.example.com/%zz", "Web", provider=INVALID),  # invalid URL escape
    RedirectCase("https://a.example.com/cb#%zz", "PublicClient", provider=INVALID),
    RedirectCase("https://a%41.example.com/", "Web", provider=INVALID),  # escaped ASCII in a host
    RedirectCase("https://us%zzer@a.example.com/", "Web", provider=INVALID),
    RedirectCase(":nothing", "PublicClient", provider=INVALID),  # missing protocol scheme
    RedirectCase("1app:callback", "PublicClient", provider=INVALID),  # colon in first segment
    RedirectCase("https://a.example.com:port/", "Web", provider=INVALID),
    RedirectCase(
        "https://[::1/cb",
        "SPA",
        provider=INVALID,  # missing ']' in host
        policy=True,
        note="the pack refuses a URI it cannot parse: it cannot tell that it is https",
    ),
    RedirectCase("https://exa mple.com/cb", "Web", provider=INVALID),
    # Accepted by Go's url.Parse, which keeps the query raw; no Entra rule refuses it.
    RedirectCase("https://a.example.com/cb?x=%zz", "Web"),
    # Stricter in the config, on purpose.
    RedirectCase(
        "https://*.contoso.com/cb",
        "Web",
        program="wildcard: Entra takes one only through a single-tenant app's manifest and "
        "strongly advises against it (reply-url.md); this project registers exact URIs",
    ),
    RedirectCase(
        "https://app.contoso.com/cb#frag",
        "Web",
        program="fragment: a redirection endpoint must not have one (RFC 6749 section 3.1.2)",
    ),
    RedirectCase(
        "https://app.contoso.com/a b",
        "Web",
        program="whitespace: not a URI character (RFC 3986 section 2); Go's url.Parse keeps "
        "it in a path, and the browser would send %20, which does not match",
    ),
)


def refused_by_config(case: RedirectCase) -> bool:
    return case.entra is not None or case.provider is not None or bool(case.program)


def refused_by_fake(case: RedirectCase) -> bool:
    return case.entra is not None or case.provider is not None


def refused_by_policy(case: RedirectCase) -> bool:
    return case.policy if case.policy is not None else case.entra == "scheme"

"""Shared pieces of the azuread handlers: ID parsing, the provider's error wording, checks.

Citations: ``TF`` = terraform-provider-azuread v3.9.0 ``internal/``, which pulumi-azuread
6.11.1 bundles; ``BR`` = pulumi-terraform-bridge ``pkg/tfbridge``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from testbed.resource_handler import CheckFailure, ProviderError
from testbed.rights import Denied

if TYPE_CHECKING:
    from testbed.tenant import Tenant

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# TF common-types/stable/id_application.go: the ID must be /applications/{id}.
APPLICATION_ID = re.compile(r"^/applications/([^/]+)$")


def typed(message: str) -> str:
    """The "typed" resources (ApplicationRegistration, ApplicationOwner, the fallback public
    client, redirect URIs, API access) put the error in both the summary and the detail of
    their diagnostic, so users read it twice (TF internal/sdk/wrapper_resource.go:188-205)."""
    return f"{message}: {message}"


def import_error(resource_id: str, tf_type: str) -> str:
    """TF internal/helpers/tf/errors.go:62-64 (ImportAsExistsError); reported for the
    identity that created an application in terraform-provider-azuread #1367."""
    return (
        f'A resource with the ID "{resource_id}" already exists - to be managed via Terraform '
        "this resource needs to be imported into the State. Please see the resource "
        f'documentation for "{tf_type}" for more information.'
    )


def graph_status(status: int, reason: str, code: str, message: str) -> str:
    """How the provider's Graph client words a failed request (go-azure-sdk client.go)."""
    return f"unexpected status {status} ({status} {reason}) with error: {code}: {message}"


def denied(what: str, error: Denied) -> ProviderError:
    return ProviderError(f"{what}: {error}")


def application(tenant: Tenant, application_id: Any) -> tuple[str, dict[str, Any] | None]:
    """The object ID in ``/applications/{id}`` and the application, None when absent."""
    match = APPLICATION_ID.match(str(application_id))
    if not match:
        raise ProviderError(f"parsing {application_id!r}: parsing the Application ID")
    object_id = match[1]
    return object_id, tenant.state["applications"].get(object_id)


def check_application_id(inputs: dict[str, Any]) -> list[CheckFailure]:
    """ValidateApplicationID, TF common-types/stable/id_application.go:28-41."""
    value = inputs.get("applicationId")
    if value is None or APPLICATION_ID.match(str(value)):
        return []
    return [
        CheckFailure(
            "applicationId",
            f'parsing "{value}": parsing the Application ID: the number of segments didn\'t match',
        )
    ]


def check_uuid(inputs: dict[str, Any], key: str, tf_name: str) -> list[CheckFailure]:
    """validation.IsUUID (terraform-plugin-sdk helper/validation/uuid.go:21)."""
    value = inputs.get(key)
    if value is None or GUID.match(str(value)):
        return []
    return [CheckFailure(key, f'expected "{tf_name}" to be a valid UUID, got {value}')]


def check_rfc3339(inputs: dict[str, Any], key: str, tf_name: str) -> list[CheckFailure]:
    """validation.IsRFC3339Time (helper/validation/time.go:53): an offset is required."""
    value = inputs.get(key)
    if value is None:
        return []
    try:
        parse_rfc3339(str(value))
    except ValueError as exc:
        return [
            CheckFailure(
                key, f'expected "{tf_name}" to be a valid RFC3339 date, got "{value}": {exc}'
            )
        ]
    return []


def parse_rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no time zone offset")
    return parsed


def redirect_uri_problem(uri: str) -> str | None:
    """TF internal/helpers/tf/validation/uri.go, IsRedirectUriFunc(urnAllowed=true,
    allowAllSchemes=true), which application_redirect_uris_resource.go applies to every
    platform: a URN passes as it is; otherwise the URI must parse and have a host; any
    scheme; at most 256 characters."""
    if uri == "":
        return "URI must not be empty"
    if uri.startswith("urn:") and len(uri.split(":")) >= 3:
        return None
    if not _go_parses(uri):
        return "URI is in an invalid format"
    if not urlsplit(uri).netloc.rpartition("@")[2]:
        return "URI has no host"
    if len(uri) > 256:
        return "URI must be 256 characters or less"
    return None


_PORT = re.compile(r"^(\[[^\]]*\]|[^:\[\]]*)(:[0-9]*)?$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# In a host, Go decodes only %25 (an IPv6 zone's '%') and bytes of a multi-byte UTF-8 letter.
_HOST_ESCAPE = re.compile(r"%(?!25|[89A-Fa-f][0-9A-Fa-f])")
# The ASCII characters Go's url.Parse leaves in a host (net/url shouldEscape, encodeHost).
_HOST_CHARACTERS = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:\[\]<>\"%]|[^\x00-\x7f])*$")


def _go_parses(uri: str) -> bool:
    """What Go's net/url.Parse refuses, for the shapes a redirect URI takes (checked against
    go1.26 url.Parse): control characters anywhere; no scheme and a ':' in the first path
    segment (":x", "1app:cb"); a '%' that is not an escape outside the query, which Parse
    keeps raw; an escape of an ASCII byte in the host; a character Go escapes (a space, '{',
    '|', '^' ...) in the host, an unbalanced '[' or a port that is not digits."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in uri):
        return False
    if not _SCHEME.match(uri) and ":" in uri.split("/", 1)[0]:
        return False
    before_fragment, _, fragment = uri.partition("#")
    if _ESCAPE.search(before_fragment.split("?", 1)[0]) or _ESCAPE.search(fragment):
        return False
    try:
        host = urlsplit(uri).netloc.rpartition("@")[2]
    except ValueError:
        return False
    if _HOST_ESCAPE.search(host):
        return False
    return _HOST_CHARACTERS.match(host) is not None and _PORT.match(host) is not None

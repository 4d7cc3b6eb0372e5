"""The schema of SMART on FHIR settings: ``smartResources.<name>`` and an application's
``smart`` block. The scopes and the rules across keys are checked in
``components.config.smart``."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StrictStr

from components.config.base import ConfigModel, DisplayName, Owners, dedupe
from components.errors import Invalid


def _identifier_uri(value: str) -> str:
    """Microsoft Entra's secure identifier URI patterns for https (learn.microsoft.com/entra/
    identity-platform/identifier-uri-restrictions, enforced on v1.0-token applications by the
    policy Microsoft enabled in tenants in June and July 2025): a verified custom domain or a
    host under it, or the tenant's initial domain with a path."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise Invalid("{} is not an https URI without query or fragment", value)
    if value.endswith("/") or any(ch.isspace() for ch in value):
        raise Invalid(
            "{} ends with '/' or contains whitespace; the FHIR audience must match it exactly",
            value,
        )
    host = parts.hostname
    if host.endswith(".onmicrosoft.com"):
        if host.count(".") > 2:
            raise Invalid(
                "{} puts a host under the tenant's initial domain; Entra accepts "
                "https://<tenant>.onmicrosoft.com/<path> or a verified custom domain "
                "(https://fhir.contoso.com)",
                value,
            )
        if parts.path in ("", "/"):
            raise Invalid(
                "{} needs a path after the initial domain (https://<tenant>.onmicrosoft.com/fhir)",
                value,
            )
    return value


# Each scope is parsed by the checks (components.config.smart), so that one that does not
# parse leaves the others to be checked against each other and against the resource.
ScopeList = Annotated[tuple[StrictStr, ...], AfterValidator(dedupe), Field(min_length=1)]


class SmartResourceSettings(ConfigModel):
    """``smartResources.<name>``: the custom Entra application that protects a FHIR service
    for SMART clients (Microsoft's first-party Healthcare APIs application allows no claims
    mapping, so the fhirUser claim needs an application of the tenant's own)."""

    display_name: DisplayName | None = None
    description: Annotated[StrictStr, Field(max_length=1024)] | None = None
    owners: Owners = ()
    identifier_uri: Annotated[StrictStr, AfterValidator(_identifier_uri)]
    service: StrictStr
    scopes: ScopeList


class SmartClientSettings(ConfigModel):
    """``applications.<name>.smart``: the SMART resource a client signs users in for, and the
    scopes it asks for, as SMART spells them."""

    resource: StrictStr
    scopes: ScopeList

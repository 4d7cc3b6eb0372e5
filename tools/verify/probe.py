"""Call a FHIR or DICOM service with a token and say what its answer means for the app.

FHIR: ``GET <url>/metadata`` (anonymous: proves the URL is a FHIR service) and an authenticated
read, ``GET <url>/Patient?_count=1``. DICOM: ``GET <url>/v2/changefeed?limit=1`` (v2 is the
newest DICOM API version; the change feed needs only the reader role).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import requests

from tools.stack_output import DICOM_API_VERSION, DICOM_KINDS, FHIR_KINDS, Application, Service
from tools.verify import net

FHIR_READ = "/Patient?_count=1"
DICOM_READ = f"/{DICOM_API_VERSION}/changefeed?limit=1"
# The least role that lets the read above succeed: what a 403 verdict tells the user to add.
READER_ROLE = {"fhir": "FHIR Data Reader", "api-for-fhir": "FHIR Data Reader"}
DICOM_READER_ROLE = "DICOM Data Reader"
# Role assignments reach the data plane within minutes (Azure API for FHIR caches decisions for
# up to 5 minutes, per its "Configure Azure RBAC" page); with --role-wait, a 403 is retried this often.
ROLE_RETRY_EVERY = 15.0
_DESCRIPTION = re.compile(r'error_description="([^"]*)"')


@dataclass(frozen=True)
class ProbeResult:
    status: str  # ok | fail | skip
    http: tuple[tuple[str, str], ...]  # (request, status code or network code)
    verdict: str


def reader_role(service: Service) -> str:
    return DICOM_READER_ROLE if service.kind in DICOM_KINDS else READER_ROLE[service.kind]


def _label(service: Service) -> str:
    return "DICOM" if service.kind in DICOM_KINDS else "FHIR"


def _get(session: requests.Session, url: str, token: str | None, accept: str) -> requests.Response:
    headers = {"Accept": accept}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return session.get(url, headers=headers, timeout=net.TIMEOUT, allow_redirects=False)


def _verdict(  # noqa: PLR0913 (the answer, the request, and everything a verdict names)
    response: requests.Response,
    request: str,
    app: Application,
    service: Service,
    audience: str,
    configured_roles: tuple[str, ...] | None,
    waited: float,
) -> tuple[str, str]:
    status = response.status_code
    label = _label(service)
    if 200 <= status < 300:
        return "ok", f"ok: the token is accepted and {request} answered {status}"
    if status == 401:
        found = _DESCRIPTION.search(response.headers.get("WWW-Authenticate", ""))
        said = f" ({found.group(1)})" if found else ""
        if service.kind in DICOM_KINDS:
            fix = (
                f"a DICOM service accepts only tokens for {service.audience}: correct "
                f"services.{service.name}.audience"
            )
        else:
            fix = (
                f"set services.{service.name}.audience to the audience on the {label} "
                "service's Authentication page, and check that its authority is this tenant"
            )
        return "fail", (f"401: the service refused the token for audience {audience}{said}: {fix}")
    if status == 403:
        role = reader_role(service)
        verdict = (
            f"403: the app holds no {label} data role on this service: add "
            f"`roles.{service.name}: [{role}]` to applications.{app.name} and run `pulumi up`"
        )
        if configured_roles:
            verdict = (
                f"403: the stack config grants roles.{service.name}: "
                f"[{', '.join(configured_roles)}], but the service refuses the app: the role "
                "assignment has not reached the service yet, or the service is not in Azure "
                "RBAC mode (Azure API for FHIR with allowed object IDs)"
            )
        if waited > 0:
            return "fail", f"{verdict} (still 403 after waiting {waited:.0f} s)"
        return "fail", (
            f"{verdict}; a role assigned in the last few minutes may not have propagated: "
            "rerun with --role-wait 300"
        )
    if status == 404:
        return "fail", (
            f"404: {request} was not found at {service.url}: check services.{service.name} "
            f"(the URL must be the {label} service's endpoint)"
        )
    if status >= 500:
        return "fail", f"{status}: the service failed: retry later, then check its health"
    return "fail", f"{status}: unexpected answer to {request}"


def probe(  # noqa: PLR0913 (what it probes, then keyword-only the injected session, clock and waits)
    app: Application,
    service: Service,
    token: str,
    audience: str,
    *,
    session: requests.Session,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    role_wait: float,
    configured_roles: tuple[str, ...] | None,
) -> ProbeResult:
    http: list[tuple[str, str]] = []
    if service.kind in FHIR_KINDS:
        accept = "application/fhir+json"
        try:
            metadata = _get(session, f"{service.url}/metadata", None, accept)
        except requests.RequestException as exc:
            code, words = net.describe(exc, service.url)
            http.append(("GET /metadata", code))
            return ProbeResult("fail", tuple(http), _unreachable(code, words, service))
        http.append(("GET /metadata", str(metadata.status_code)))
        if metadata.status_code != 200:
            return ProbeResult(
                "fail",
                tuple(http),
                f"{metadata.status_code}: GET /metadata is not a FHIR capability statement: "
                f"check services.{service.name} (the URL must be the FHIR service's endpoint)",
            )
        read = FHIR_READ
    elif service.kind in DICOM_KINDS:
        accept = "application/json"
        read = DICOM_READ
    else:
        return ProbeResult("skip", (), f"no check is known for a service of kind {service.kind!r}")

    start = clock()
    while True:
        try:
            response = _get(session, f"{service.url}{read}", token, accept)
        except requests.RequestException as exc:
            code, words = net.describe(exc, service.url)
            http.append((f"GET {read}", code))
            return ProbeResult("fail", tuple(http), _unreachable(code, words, service))
        waited = clock() - start
        if response.status_code == 403 and waited + ROLE_RETRY_EVERY <= role_wait:
            sleep(ROLE_RETRY_EVERY)
            continue
        http.append((f"GET {read}", str(response.status_code)))
        status, verdict = _verdict(
            response, f"GET {read}", app, service, audience, configured_roles, waited
        )
        return ProbeResult(status, tuple(http), verdict)


def _unreachable(code: str, words: str, service: Service) -> str:
    if code == "tls":
        return words
    return (
        f"{words}: check services.{service.name} (url {service.url}), DNS, and network access "
        "to the service (firewall, private endpoint, public network access)"
    )

"""HTTP settings shared by the token requests and the service calls, and network errors in words.

Both go through ``requests`` with the same CA choice, so a proxy's or a test authority's CA is
trusted for both or for neither. TLS is always verified: the only knob is which CA bundle.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import requests

# (connect, read) seconds: a service behind a firewall that drops packets should fail in
# seconds, not hang the deploy job.
TIMEOUT = (10.0, 30.0)

_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Connection refused", re.I), "connection refused"),
    (
        re.compile(r"Name or service not known|nodename nor servname|getaddrinfo failed", re.I),
        "the host name does not resolve",
    ),
    (re.compile(r"Network is unreachable", re.I), "the network is unreachable"),
    (re.compile(r"No route to host", re.I), "no route to host"),
    (re.compile(r"Connection reset", re.I), "the connection was reset"),
)
_CERT_DETAIL = re.compile(r"certificate verify failed: ([^()'\"]+)")


class Session(requests.Session):
    """A session that passes its CA choice and timeouts on every request.

    ``requests`` lets REQUESTS_CA_BUNDLE override a session's ``verify`` (psf/requests#3829), so
    a --ca-bundle set only on the session would be ignored where that variable is set; a
    per-request ``verify`` is not overridden. With no --ca-bundle, ``verify=True`` keeps the
    default: REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE if set, else certifi's bundle.
    """

    def __init__(self, ca_bundle: str | None) -> None:
        super().__init__()
        self._verify: bool | str = ca_bundle if ca_bundle else True

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["verify"] = self._verify
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def describe(exc: requests.RequestException, url: str) -> tuple[str, str]:
    """A short code for the TOKEN/HTTP column and a sentence saying what went wrong."""
    host = host_of(url)
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        found = _CERT_DETAIL.search(text)
        detail = found.group(1).strip() if found else "the TLS handshake failed"
        return "tls", (
            f"TLS verification of {host} failed ({detail}): if a proxy or a private CA signs "
            "its certificate, pass that CA with --ca-bundle FILE (verification stays on)"
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return "timeout", f"{host} did not answer within {TIMEOUT[1]:.0f} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = next((words for pattern, words in _REASONS if pattern.search(text)), None)
        return "unreachable", f"cannot reach {host}" + (f" ({reason})" if reason else "")
    return "error", f"the request to {host} failed ({type(exc).__name__})"

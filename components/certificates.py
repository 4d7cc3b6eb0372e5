"""Read and check the public certificates that become Entra ID certificate credentials.

Config points at a file (``certificates: {laptop: {file: certs/laptop.pem}}``, docs/design.md, "Configuration")
and everything Entra needs (the certificate, its start and end dates) comes from that file. This
module turns the file into a :class:`CertificateInfo` or raises :class:`CertificateError` with a
sentence a user can act on.

It has one hard rule: **private keys never go into stack config or state.** A Pulumi input is
stored in the state file, so a key that slipped into a ``.pem`` would end up there. Every form of
private key we can recognise (PEM blocks, DER keys, PKCS#12/PFX bundles) is rejected before any
certificate parsing happens, and error messages never echo file contents.

Pure code: no Pulumi import, so config validation and ``tools/`` can use it without a runtime.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# cryptography is imported inside the functions that parse: importing x509 costs ~0.4 s,
# and only stacks that declare certificates should pay it (bench/results.md, cold start).

__all__ = [
    "MAX_CERTIFICATE_FILE_BYTES",
    "CertificateError",
    "CertificateInfo",
    "load_certificate",
    "parse_certificate",
]

# A leaf certificate with a 4096-bit key and a long SAN list is a few KiB. Anything beyond 64 KiB
# is a bundle, an archive or the wrong file, and reading it whole would only slow validation.
MAX_CERTIFICATE_FILE_BYTES = 64 * 1024

_EXTRACT_HINT = "openssl x509 -in cert.pem -out public.pem"
_PFX_HINT = "openssl pkcs12 -in bundle.pfx -clcerts -nokeys -out public.pem"

# Any PEM label ending in "PRIVATE KEY" is a key: "PRIVATE KEY", "RSA PRIVATE KEY",
# "EC PRIVATE KEY", "DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY", ...
# Matching the label family instead of a fixed list also catches forms we did not think of.
_PEM_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----")
# Labels that hold exactly one X.509 certificate. "X509 CERTIFICATE" is an old alias (RFC 7468).
# OpenSSL's "TRUSTED CERTIFICATE" is not accepted: it appends trust settings after the DER.
_CERTIFICATE_LABELS = frozenset({"CERTIFICATE", "X509 CERTIFICATE"})
_CERTIFICATE_BLOCK = re.compile(
    rb"-----BEGIN (X509 CERTIFICATE|CERTIFICATE)-----"
    rb"(.*?)"
    rb"-----END \1-----",
    re.DOTALL,
)
# PuTTY keys are text but not PEM; recognise them so they get the private-key message.
_PUTTY_KEY = re.compile(rb"^PuTTY-User-Key-File-\d+:", re.MULTILINE)

_BASE64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
_WHITESPACE = frozenset(b" \t\r\n\v\f")

# DER of the OID prefix 1.2.840.113549.1.7 (PKCS#7 content types), which a PFX's authSafe uses.
_PKCS7_OID_PREFIX = bytes.fromhex("06092a864886f70d0107")


class CertificateError(ValueError):
    """A certificate file cannot be used. ``str(error)`` is a complete, user-facing sentence.

    ``source`` is the name the message uses for the file (usually its path relative to the
    project), so callers can group errors per file.
    """

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(message)
        self.source = source


@dataclass(frozen=True)
class CertificateInfo:
    """What Entra needs from one public certificate, plus what a reviewer wants to see.

    ``pem`` is the certificate re-encoded by us (one ``CERTIFICATE`` block, ``\\n`` line ends,
    trailing newline) rather than the file's bytes, so comments, CRLF line ends or DER input do not
    produce a diff in the registered credential.
    """

    pem: str
    not_before: datetime
    not_after: datetime
    subject: str
    thumbprint: str

    def expiry_problems(self, now: datetime, warn_days: int = 30) -> tuple[list[str], list[str]]:
        """Return ``(errors, warnings)`` for this certificate at the instant ``now``.

        - expired (``now >= not_after``): an error, because Entra would register a credential
          nobody can authenticate with, and the fix (a new file) is the user's;
        - not yet valid: a warning only, since Entra accepts future-dated key credentials
          (pre-staging a replacement is a legitimate rotation step);
        - fewer than ``warn_days`` days left: a warning giving the days and the end date.

        Messages do not name the file; the caller prefixes them with the config key path.
        ``now`` must be timezone-aware: comparing a naive time with the certificate's UTC dates
        would silently be off by the local UTC offset.
        """
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be a timezone-aware datetime")
        errors: list[str] = []
        warnings: list[str] = []
        end = _day(self.not_after)
        if now >= self.not_after:
            errors.append(
                f"certificate {self.subject} expired on {end}; "
                "replace the file with a current certificate"
            )
            return errors, warnings
        if now < self.not_before:
            warnings.append(
                f"certificate {self.subject} is not valid until {_day(self.not_before)}; "
                "Entra accepts it, but clients cannot sign in with it before then"
            )
        remaining = self.not_after - now
        if remaining.days < warn_days:
            left = (
                "less than 1 day"
                if remaining.days == 0
                else f"{remaining.days} day{'s' if remaining.days != 1 else ''}"
            )
            warnings.append(
                f"certificate {self.subject} expires on {end} ({left} left); "
                "add a replacement certificate before then"
            )
        return errors, warnings


def parse_certificate(data: bytes, *, source: str) -> CertificateInfo:
    """Parse one public X.509 certificate from ``data``.

    Accepted encodings: PEM with exactly one certificate block (text around it, such as the
    ``subject=`` lines openssl prints, is ignored), DER, or base64 of DER (whitespace allowed, no
    PEM headers). ``source`` names the data in error messages, e.g. ``certs/laptop.pem``.

    Raises :class:`CertificateError` for anything else, in particular for any data that contains
    a private key, a PKCS#12/PFX bundle, or more than one certificate.
    """
    if not data.strip():
        raise CertificateError(
            f"Certificate file '{source}' is empty; it must contain one PEM, DER or base64 "
            "X.509 certificate.",
            source=source,
        )
    # Keys first, on the raw bytes: a file holding a certificate *and* its key must be refused
    # even though the certificate inside it would parse.
    _reject_private_key_text(data, source)
    if _PEM_BEGIN.search(data):
        der = _der_from_pem(data, source)
    elif _looks_like_base64(data):
        der = _decode_base64(data, source)
        # A base64 blob is how Key Vault and CI variables carry PFX files, so check it again.
        _reject_private_key_der(der, source)
    else:
        der = data
        _reject_private_key_der(der, source)
    return _info_from_der(der, source)


def load_certificate(path: Path, *, source: str | None = None) -> CertificateInfo:
    """Read ``path`` and parse it with :func:`parse_certificate`.

    ``source`` is the name used in messages (default: ``str(path)``); pass the path as written in
    config so the user recognises it. A missing file, a directory, an unreadable file or one
    larger than :data:`MAX_CERTIFICATE_FILE_BYTES` raises :class:`CertificateError`.
    """
    name = source if source is not None else str(path)
    try:
        if path.is_dir():
            raise CertificateError(
                f"Certificate file '{name}' is a directory; give the path of a certificate file.",
                source=name,
            )
        # Read one byte past the limit instead of trusting stat(): the file may change between
        # the two calls, and this never loads more than the limit into memory.
        with path.open("rb") as handle:
            data = handle.read(MAX_CERTIFICATE_FILE_BYTES + 1)
    except FileNotFoundError:
        raise CertificateError(
            f"Certificate file '{name}' does not exist; check the path (it is relative to the "
            "project directory) or create the certificate first.",
            source=name,
        ) from None
    except PermissionError:
        raise CertificateError(
            f"Certificate file '{name}' cannot be read: permission denied.", source=name
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CertificateError(
            f"Certificate file '{name}' cannot be read: {reason}.", source=name
        ) from None
    if len(data) > MAX_CERTIFICATE_FILE_BYTES:
        raise CertificateError(
            f"Certificate file '{name}' is larger than 64 KiB, so it is not a single "
            "certificate; give only the public certificate of the application.",
            source=name,
        )
    return parse_certificate(data, source=name)


# --- private-key detection ------------------------------------------------------------------


def _private_key_error(source: str, *, pfx: bool = False) -> CertificateError:
    what = "a PKCS#12/PFX bundle, which holds a private key" if pfx else "a private key"
    hint = _PFX_HINT if pfx else _EXTRACT_HINT
    return CertificateError(
        f"Certificate file '{source}' contains {what}. Private keys never go into stack config "
        f"or state; give only the public certificate (for example: {hint}) and keep the key "
        "out of the repository.",
        source=source,
    )


def _reject_private_key_text(data: bytes, source: str) -> None:
    for match in _PEM_BEGIN.finditer(data):
        if match.group(1).endswith(b"PRIVATE KEY"):
            raise _private_key_error(source)
    if _PUTTY_KEY.search(data):
        raise _private_key_error(source)


def _reject_private_key_der(der: bytes, source: str) -> None:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    if _looks_like_pfx(der):
        raise _private_key_error(source, pfx=True)
    try:
        serialization.load_der_private_key(der, password=None)
    except TypeError:
        # cryptography raises TypeError for an encrypted key loaded without a password: the data
        # *is* a private key, we just cannot read it.
        raise _private_key_error(source) from None
    except UnsupportedAlgorithm:
        # Parsed as a key structure, for an algorithm cryptography does not support.
        raise _private_key_error(source) from None
    except ValueError:
        return  # not a DER private key
    raise _private_key_error(source)


def _looks_like_pfx(der: bytes) -> bool:
    """True if ``der`` is a PKCS#12 PFX, whether or not it is password protected.

    Loading with ``password=None`` fails for protected bundles, which are the common case, so
    recognise the structure instead: ``PFX ::= SEQUENCE { version INTEGER (3), authSafe
    ContentInfo (SEQUENCE { contentType OID 1.2.840.113549.1.7.x, ... }), ... }``. A certificate
    starts ``SEQUENCE { SEQUENCE { [0] ...`` and can never match.
    """
    outer = _der_header_length(der, 0)
    if outer is None or der[0] != 0x30:
        return False
    if der[outer : outer + 3] != b"\x02\x01\x03":
        return False
    auth_safe = outer + 3
    if auth_safe >= len(der) or der[auth_safe] != 0x30:
        return False
    inner = _der_header_length(der, auth_safe)
    if inner is None:
        return False
    start = auth_safe + inner
    return der[start : start + len(_PKCS7_OID_PREFIX)] == _PKCS7_OID_PREFIX


def _der_header_length(der: bytes, offset: int) -> int | None:
    """Length of the tag+length header of the DER element at ``offset``, or None if malformed."""
    if offset + 2 > len(der):
        return None
    first = der[offset + 1]
    if first < 0x80:
        return 2
    count = first & 0x7F
    if count == 0 or count > 4 or offset + 2 + count > len(der):
        return None
    return 2 + count


# --- decoding -------------------------------------------------------------------------------


def _der_from_pem(data: bytes, source: str) -> bytes:
    labels = {m.group(1).decode("ascii") for m in _PEM_BEGIN.finditer(data)}
    blocks = _CERTIFICATE_BLOCK.findall(data)
    if len(blocks) > 1:
        raise CertificateError(
            f"Certificate file '{source}' contains {len(blocks)} certificates (a chain); give "
            "only the leaf certificate of the application, without intermediates or roots.",
            source=source,
        )
    if not blocks:
        others = sorted(labels - _CERTIFICATE_LABELS)
        if others:
            found = ", ".join(others)
            raise CertificateError(
                f"Certificate file '{source}' contains a PEM block of type {found}, not a "
                "CERTIFICATE; give the public X.509 certificate.",
                source=source,
            )
        raise CertificateError(
            f"Certificate file '{source}' has a PEM header without a matching "
            "'-----END CERTIFICATE-----' line; the file is truncated or damaged.",
            source=source,
        )
    body = b"".join(blocks[0][1].split())
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise _not_a_certificate(source) from None
    return der


def _looks_like_base64(data: bytes) -> bool:
    stripped = bytes(b for b in data if b not in _WHITESPACE)
    return bool(stripped) and all(b in _BASE64_ALPHABET for b in stripped)


def _decode_base64(data: bytes, source: str) -> bytes:
    compact = b"".join(data.split())
    # Accept the URL-safe alphabet and missing padding too: both appear when a certificate is
    # copied out of JSON or an environment variable.
    compact = compact.replace(b"-", b"+").replace(b"_", b"/").rstrip(b"=")
    compact += b"=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise _not_a_certificate(source) from None


def _not_a_certificate(source: str) -> CertificateError:
    return CertificateError(
        f"Certificate file '{source}' is not a PEM, DER or base64 X.509 certificate.",
        source=source,
    )


def _info_from_der(der: bytes, source: str) -> CertificateInfo:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization

    try:
        certificate = x509.load_der_x509_certificate(der)
        # Field access decodes lazily and can fail on malformed names or dates, so it stays
        # inside the same guard as the load.
        info = CertificateInfo(
            pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            not_before=certificate.not_valid_before_utc.astimezone(UTC),
            not_after=certificate.not_valid_after_utc.astimezone(UTC),
            subject=certificate.subject.rfc4514_string(),
            # SHA-1 because that is the thumbprint Entra and Windows display; it identifies the
            # certificate for humans and protects nothing.
            thumbprint=certificate.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 (see above)
        )
    except (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion):
        # InvalidVersion is not a ValueError; found by fuzzing (a version field of 51).
        _reject_public_key(der, source)
        raise _not_a_certificate(source) from None
    return info


def _reject_public_key(der: bytes, source: str) -> None:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    """Give a specific message for a bare public key: a common mix-up with a certificate."""
    try:
        serialization.load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return
    raise CertificateError(
        f"Certificate file '{source}' contains a bare public key, not an X.509 certificate; "
        "Entra needs the certificate (PEM or DER) that wraps the key.",
        source=source,
    )


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()

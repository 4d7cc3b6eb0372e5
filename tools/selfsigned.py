"""Create a self-signed client certificate for testing (the tutorial's New-SelfSignedCertificate).

    python -m tools.selfsigned laptop --days 180 [--out-dir certs] [--key-size 2048] [--force]

Writes ``<out-dir>/NAME.pem`` (the public certificate, which config references) and
``<out-dir>/NAME.key`` (the unencrypted PKCS#8 private key, for the client that signs token
requests). The key file is created with mode 0600 from the first byte, and ``certs/*.key`` is
git-ignored: the key never belongs in the repository, in stack config or in state.

Microsoft recommends a CA-issued certificate (ideally kept in Key Vault) for production; this tool
is for development and tests only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from components import clock

# Same rule as a credential name in config, so NAME can be used as the config key unchanged.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
MIN_DAYS = 1
# Entra shows and recommends credential lifetimes of at most 24 months; a test certificate that
# outlives that is a credential nobody remembers to rotate.
MAX_DAYS = 730
KEY_SIZES = (2048, 3072, 4096)
# Backdate the start a little so a client whose clock runs slightly behind can use it at once.
CLOCK_SKEW = timedelta(minutes=5)
NOW_ENV = clock.NOW_ENV
GITIGNORED_KEYS = "certs/*.key"


def current_time() -> datetime:
    """The project clock (:func:`components.clock.now`): ``$HEALTHCARE_CLIENTS_NOW`` or UTC now.

    Raises ValueError (``ClockError``) for an unparsable value.
    """
    return clock.now()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.selfsigned",
        description=(
            "Create a self-signed client certificate (public .pem + private .key) for testing "
            "certificate credentials. Use a CA-issued certificate in production."
        ),
    )
    parser.add_argument(
        "name",
        metavar="NAME",
        help="certificate name: the CN and the credential key under 'certificates:' in config "
        "(lower case letters, digits and '-', 2-40 characters)",
    )
    parser.add_argument(
        "--days",
        type=int,
        required=True,
        help=f"validity in days ({MIN_DAYS}-{MAX_DAYS})",
    )
    parser.add_argument(
        "--out-dir", default="certs", help="directory for NAME.pem and NAME.key (default: certs)"
    )
    parser.add_argument(
        "--key-size",
        type=int,
        choices=KEY_SIZES,
        default=2048,
        help="RSA key size in bits (default: 2048)",
    )
    parser.add_argument(
        "--app",
        default="<app>",
        help="application name in config, used in the printed snippet (default: <app>)",
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite NAME.pem and NAME.key if they exist"
    )
    return parser


def build_certificate(
    name: str, *, days: int, key_size: int, now: datetime
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """Create the key and the self-signed client-authentication certificate for CN=``name``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a file that must not exist yet, created with ``mode`` from the start.

    O_EXCL means we never write through a symlink or into a file someone else opened, and
    passing the mode to open() (instead of chmod afterwards) means a key file is never readable
    by others, not even for a moment. fchmod then sets the exact mode regardless of the umask.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            fd = -1  # the file object owns the descriptor now
            handle.write(data)
    finally:
        if fd >= 0:
            os.close(fd)


def _snippet(name: str, app: str, cert_path: str, key_path: str, out_dir: Path) -> str:
    lines = [
        f"Add it under applications.{app} in Pulumi.<stack>.yaml:",
        "",
        "certificates:",
        f"  {name}: {{file: {cert_path}}}",
        "",
        "or:",
        "",
        "pulumi config set --path "
        f"'healthcare-clients:applications.{app}.certificates.{name}.file' {cert_path}",
        "",
        f"The private key is {key_path}. {GITIGNORED_KEYS} is git-ignored; never commit the key "
        "and never reference it from config: only the .pem goes there.",
    ]
    if out_dir.as_posix().rstrip("/") != "certs":
        lines.append(
            f"Note: only {GITIGNORED_KEYS} is git-ignored; {key_path} is outside certs/, so keep "
            "it out of the repository yourself."
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the process exit code (0 ok, 1 refused or failed, 2 bad usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    name: str = args.name
    days: int = args.days
    if not NAME_PATTERN.fullmatch(name):
        parser.error(
            f"NAME {name!r} is not valid: use 2-40 lower case letters, digits and '-', starting "
            "with a letter and not ending with '-' (for example: laptop, ci-runner)"
        )
    if not MIN_DAYS <= days <= MAX_DAYS:
        parser.error(
            f"--days {days} is out of range: give {MIN_DAYS} to {MAX_DAYS} days "
            "(Entra credentials should not outlive 24 months)"
        )
    try:
        now = current_time()
    except ValueError as exc:
        parser.error(str(exc))

    out_dir = Path(args.out_dir)
    cert_file = out_dir / f"{name}.pem"
    key_file = out_dir / f"{name}.key"
    existing = [p for p in (cert_file, key_file) if p.exists() or p.is_symlink()]
    if existing and not args.force:
        listed = " and ".join(p.as_posix() for p in existing)
        print(
            f"error: {listed} already exist{'s' if len(existing) == 1 else ''}; "
            "pass --force to replace them (clients of the old key must switch to the new one).",
            file=sys.stderr,
        )
        return 1

    certificate, key = build_certificate(name, days=days, key_size=args.key_size, now=now)
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path in existing:
            # Remove rather than truncate, so the O_EXCL create below still applies and an old
            # key file with looser permissions is not reused.
            path.unlink()
        _write_new(key_file, key_pem, 0o600)
        try:
            _write_new(cert_file, cert_pem, 0o644)
        except OSError:
            key_file.unlink(missing_ok=True)  # do not leave a key without its certificate
            raise
    except OSError as exc:
        print(
            f"error: cannot write to {out_dir.as_posix()}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1

    thumbprint = certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 (Entra names a certificate by its SHA-1 thumbprint)
    print(f"Wrote {cert_file.as_posix()} (public certificate)")
    print(f"  and {key_file.as_posix()} (private key, mode 0600).")
    print(
        f"CN={name}, valid {certificate.not_valid_before_utc:%Y-%m-%d %H:%M} to "
        f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC, thumbprint {thumbprint}."
    )
    print()
    print(_snippet(name, args.app, cert_file.as_posix(), key_file.as_posix(), out_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

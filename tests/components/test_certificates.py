"""Tests for components.certificates: every certificate is generated here, none is committed.

Longer than 400 lines: every certificate format, date rule and message, each with the
certificate it needs generated in place.
"""

from __future__ import annotations

import base64
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.certificates import (
    MAX_CERTIFICATE_FILE_BYTES,
    CertificateError,
    CertificateInfo,
    load_certificate,
    parse_certificate,
)

NOW = datetime(2026, 11, 27, tzinfo=UTC)
SOURCE = "certs/laptop.pem"
PRIVATE_KEY_WORDS = "contains a private key. Private keys never go into stack config or state"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_cert(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    *,
    cn: str = "laptop",
    not_before: datetime = NOW - timedelta(days=10),
    not_after: datetime = NOW + timedelta(days=180),
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )


def pem_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def der_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def thumbprint_of(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 (Entra names a certificate by its SHA-1 thumbprint)


def key_pem(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    fmt: serialization.PrivateFormat,
    *,
    password: bytes | None = None,
) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption)


# --- accepted encodings ---------------------------------------------------------------------


def test_pem_is_parsed_and_normalised(key: rsa.RSAPrivateKey) -> None:
    cert = make_cert(key)
    # CRLF line ends and openssl's text header around the block must not matter.
    data = b"subject=CN = laptop\r\n" + pem_of(cert).replace(b"\n", b"\r\n") + b"\r\n\r\n"
    info = parse_certificate(data, source=SOURCE)
    assert info == CertificateInfo(
        pem=pem_of(cert).decode("ascii"),
        not_before=NOW - timedelta(days=10),
        not_after=NOW + timedelta(days=180),
        subject="CN=laptop",
        thumbprint=thumbprint_of(cert),
    )
    assert info.pem.startswith("-----BEGIN CERTIFICATE-----\n")
    assert info.pem.endswith("-----END CERTIFICATE-----\n")
    assert info.pem.count("BEGIN") == 1
    assert info.not_before.tzinfo is not None
    assert info.not_after.utcoffset() == timedelta(0)
    assert len(info.thumbprint) == 40
    assert info.thumbprint == info.thumbprint.upper()


def test_der_gives_the_same_result_as_pem(key: rsa.RSAPrivateKey) -> None:
    cert = make_cert(key)
    assert parse_certificate(der_of(cert), source=SOURCE) == parse_certificate(
        pem_of(cert), source=SOURCE
    )


@pytest.mark.parametrize("wrap", [0, 64, 76], ids=["one-line", "wrapped-64", "wrapped-76"])
def test_base64_der_with_or_without_line_breaks(key: rsa.RSAPrivateKey, wrap: int) -> None:
    cert = make_cert(key)
    text = base64.b64encode(der_of(cert)).decode("ascii")
    if wrap:
        text = "\n".join(text[i : i + wrap] for i in range(0, len(text), wrap))
    info = parse_certificate(f"  {text}\n".encode(), source=SOURCE)
    assert info.pem == pem_of(cert).decode("ascii")


def test_ec_certificate_is_accepted() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    cert = make_cert(ec_key, cn="ec-client")
    assert parse_certificate(pem_of(cert), source=SOURCE).subject == "CN=ec-client"


def test_subject_is_rfc4514(key: rsa.RSAPrivateKey) -> None:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Contoso, Ltd"),
            x509.NameAttribute(NameOID.COMMON_NAME, "loader"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    assert parse_certificate(pem_of(cert), source=SOURCE).subject == r"CN=loader,O=Contoso\, Ltd"


# --- expiry ---------------------------------------------------------------------------------


def test_valid_certificate_has_no_problems(key: rsa.RSAPrivateKey) -> None:
    info = parse_certificate(pem_of(make_cert(key)), source=SOURCE)
    assert info.expiry_problems(NOW) == ([], [])


def test_expired_certificate_is_an_error(key: rsa.RSAPrivateKey) -> None:
    cert = make_cert(
        key,
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        not_after=datetime(2026, 1, 1, tzinfo=UTC),
    )
    errors, warnings = parse_certificate(pem_of(cert), source=SOURCE).expiry_problems(NOW)
    assert errors == [
        "certificate CN=laptop expired on 2026-01-01; replace the file with a current certificate"
    ]
    assert warnings == []


def test_expiry_instant_itself_is_expired(key: rsa.RSAPrivateKey) -> None:
    info = parse_certificate(pem_of(make_cert(key, not_after=NOW)), source=SOURCE)
    errors, _ = info.expiry_problems(NOW)
    assert len(errors) == 1
    assert "expired on 2026-11-27" in errors[0]
    assert info.expiry_problems(NOW - timedelta(seconds=1))[0] == []


def test_near_expiry_is_a_warning_with_days_and_date(key: rsa.RSAPrivateKey) -> None:
    cert = make_cert(key, not_after=NOW + timedelta(days=12, hours=3))
    errors, warnings = parse_certificate(pem_of(cert), source=SOURCE).expiry_problems(NOW)
    assert errors == []
    assert warnings == [
        "certificate CN=laptop expires on 2026-12-09 (12 days left); "
        "add a replacement certificate before then"
    ]


def test_warn_days_threshold(key: rsa.RSAPrivateKey) -> None:
    info = parse_certificate(
        pem_of(make_cert(key, not_after=NOW + timedelta(days=30))), source=SOURCE
    )
    assert info.expiry_problems(NOW, warn_days=30) == ([], [])
    _, warnings = info.expiry_problems(NOW, warn_days=31)
    assert warnings and "(30 days left)" in warnings[0]


def test_last_day_is_reported_as_less_than_a_day(key: rsa.RSAPrivateKey) -> None:
    info = parse_certificate(
        pem_of(make_cert(key, not_after=NOW + timedelta(hours=5))), source=SOURCE
    )
    _, warnings = info.expiry_problems(NOW)
    assert warnings and "(less than 1 day left)" in warnings[0]


def test_not_yet_valid_is_only_a_warning(key: rsa.RSAPrivateKey) -> None:
    cert = make_cert(
        key,
        not_before=datetime(2027, 1, 1, tzinfo=UTC),
        not_after=datetime(2027, 12, 31, tzinfo=UTC),
    )
    errors, warnings = parse_certificate(pem_of(cert), source=SOURCE).expiry_problems(NOW)
    assert errors == []
    assert warnings == [
        "certificate CN=laptop is not valid until 2027-01-01; "
        "Entra accepts it, but clients cannot sign in with it before then"
    ]


def test_expiry_problems_needs_an_aware_time(key: rsa.RSAPrivateKey) -> None:
    info = parse_certificate(pem_of(make_cert(key)), source=SOURCE)
    with pytest.raises(ValueError, match="timezone-aware"):
        info.expiry_problems(datetime(2026, 11, 27))


# --- private keys are always refused --------------------------------------------------------


def assert_private_key_error(exc: pytest.ExceptionInfo[CertificateError]) -> None:
    message = str(exc.value)
    assert message.startswith(f"Certificate file '{SOURCE}' contains ")
    assert "private key" in message
    assert "never go into stack config or state" in message
    assert "give only the public certificate" in message
    assert exc.value.source == SOURCE


def test_certificate_with_its_key_in_one_file_is_refused(key: rsa.RSAPrivateKey) -> None:
    data = pem_of(make_cert(key)) + key_pem(key, serialization.PrivateFormat.PKCS8)
    with pytest.raises(CertificateError) as exc:
        parse_certificate(data, source=SOURCE)
    assert_private_key_error(exc)
    assert PRIVATE_KEY_WORDS in str(exc.value)
    assert "openssl x509 -in cert.pem -out public.pem" in str(exc.value)
    # The message must never echo key material.
    assert "MII" not in str(exc.value)


def test_key_before_certificate_is_refused(key: rsa.RSAPrivateKey) -> None:
    data = key_pem(key, serialization.PrivateFormat.TraditionalOpenSSL) + pem_of(make_cert(key))
    with pytest.raises(CertificateError) as exc:
        parse_certificate(data, source=SOURCE)
    assert_private_key_error(exc)


@pytest.mark.parametrize(
    ("fmt", "password", "label"),
    [
        (serialization.PrivateFormat.PKCS8, None, b"PRIVATE KEY"),
        (serialization.PrivateFormat.TraditionalOpenSSL, None, b"RSA PRIVATE KEY"),
        (serialization.PrivateFormat.PKCS8, b"pw", b"ENCRYPTED PRIVATE KEY"),
        (serialization.PrivateFormat.OpenSSH, None, b"OPENSSH PRIVATE KEY"),
    ],
)
def test_pem_key_alone_is_refused(
    key: rsa.RSAPrivateKey,
    fmt: serialization.PrivateFormat,
    password: bytes | None,
    label: bytes,
) -> None:
    data = key_pem(key, fmt, password=password)
    assert f"-----BEGIN {label.decode()}-----".encode() in data
    with pytest.raises(CertificateError) as exc:
        parse_certificate(data, source=SOURCE)
    assert_private_key_error(exc)


def test_ec_private_key_is_refused() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    data = key_pem(ec_key, serialization.PrivateFormat.TraditionalOpenSSL)
    assert b"-----BEGIN EC PRIVATE KEY-----" in data
    with pytest.raises(CertificateError) as exc:
        parse_certificate(data, source=SOURCE)
    assert_private_key_error(exc)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
@pytest.mark.parametrize("as_base64", [False, True], ids=["der", "base64"])
def test_der_key_is_refused(key: rsa.RSAPrivateKey, encrypted: bool, as_base64: bool) -> None:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(b"pw") if encrypted else serialization.NoEncryption()
    )
    data = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, encryption
    )
    if as_base64:
        data = base64.encodebytes(data)
    with pytest.raises(CertificateError) as exc:
        parse_certificate(data, source=SOURCE)
    assert_private_key_error(exc)


@pytest.mark.parametrize("password", [None, b"secret"], ids=["no-password", "password"])
@pytest.mark.parametrize("as_base64", [False, True], ids=["binary", "base64"])
def test_pkcs12_bundle_is_refused(
    key: rsa.RSAPrivateKey, password: bytes | None, as_base64: bool
) -> None:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(b"laptop", key, make_cert(key), None, encryption)
    if as_base64:
        data = base64.b64encode(data)
    with pytest.raises(CertificateError) as exc:
        parse_certificate(data, source=SOURCE)
    assert_private_key_error(exc)
    assert "PKCS#12/PFX bundle" in str(exc.value)
    assert "openssl pkcs12 -in bundle.pfx -clcerts -nokeys -out public.pem" in str(exc.value)


def test_pkcs12_without_a_key_is_still_refused(key: rsa.RSAPrivateKey) -> None:
    # A PFX is never what config wants, and we cannot see inside a protected one anyway.
    data = pkcs12.serialize_key_and_certificates(
        None, None, None, [make_cert(key)], serialization.BestAvailableEncryption(b"pw")
    )
    with pytest.raises(CertificateError, match="PKCS#12/PFX bundle"):
        parse_certificate(data, source=SOURCE)


def test_putty_key_is_refused() -> None:
    data = b"PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: x\n"
    with pytest.raises(CertificateError) as exc:
        parse_certificate(data, source=SOURCE)
    assert_private_key_error(exc)


# --- other bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"this is not a certificate\n",
        b"\x00\x01\x02\xff\xfe garbage",
        b"\x30\x82\x01\x00" + b"\x00" * 20,
        b"QUJD\n",  # valid base64 ("ABC"), not DER
        b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        b"-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n",
    ],
    ids=["text", "binary", "short-der", "base64-not-der", "pem-bad-base64", "pem-not-der"],
)
def test_garbage_is_not_a_certificate(data: bytes) -> None:
    with pytest.raises(CertificateError) as exc:
        parse_certificate(data, source=SOURCE)
    assert str(exc.value) == (
        f"Certificate file '{SOURCE}' is not a PEM, DER or base64 X.509 certificate."
    )


def test_invalid_x509_version_is_not_a_certificate(key: rsa.RSAPrivateKey) -> None:
    # cryptography raises x509.InvalidVersion, which is not a ValueError, for this one.
    der = der_of(make_cert(key))
    assert der.count(b"\xa0\x03\x02\x01\x02") == 1
    bad = der.replace(b"\xa0\x03\x02\x01\x02", b"\xa0\x03\x02\x01\x33")
    with pytest.raises(CertificateError, match=r"is not a PEM, DER or base64 X\.509 certificate"):
        parse_certificate(bad, source=SOURCE)


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t"], ids=["empty", "whitespace"])
def test_empty_data(data: bytes) -> None:
    with pytest.raises(CertificateError, match=r"^Certificate file 'certs/laptop.pem' is empty;"):
        parse_certificate(data, source=SOURCE)


def test_chain_of_two_certificates_is_refused(key: rsa.RSAPrivateKey) -> None:
    data = pem_of(make_cert(key, cn="leaf")) + pem_of(make_cert(key, cn="intermediate"))
    with pytest.raises(CertificateError) as exc:
        parse_certificate(data, source=SOURCE)
    assert str(exc.value) == (
        f"Certificate file '{SOURCE}' contains 2 certificates (a chain); give only the leaf "
        "certificate of the application, without intermediates or roots."
    )


def test_truncated_pem_is_reported(key: rsa.RSAPrivateKey) -> None:
    data = pem_of(make_cert(key)).split(b"-----END")[0]
    with pytest.raises(CertificateError, match="truncated or damaged"):
        parse_certificate(data, source=SOURCE)


def test_other_pem_types_are_named(key: rsa.RSAPrivateKey) -> None:
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")]))
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(CertificateError, match="PEM block of type CERTIFICATE REQUEST, not a"):
        parse_certificate(csr.public_bytes(serialization.Encoding.PEM), source=SOURCE)


def test_bare_public_key_is_named(key: rsa.RSAPrivateKey) -> None:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(CertificateError, match=r"contains a bare public key, not an X\.509"):
        parse_certificate(der, source=SOURCE)


def test_error_is_a_value_error() -> None:
    assert issubclass(CertificateError, ValueError)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_only_raise_certificate_error(data: bytes) -> None:
    try:
        parse_certificate(data, source=SOURCE)
    except CertificateError as exc:
        assert str(exc).startswith(f"Certificate file '{SOURCE}' ")
        assert str(exc).endswith(".")


_PEMISH = st.one_of(
    st.binary(max_size=512),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n -_").map(
        str.encode
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [b"", b"-----BEGIN CERTIFICATE-----\n", b"-----BEGIN PUBLIC KEY-----\n", b"\x30\x82\x02"]
    ),
    _PEMISH,
    st.sampled_from([b"", b"\n-----END CERTIFICATE-----\n", b"\n-----END PUBLIC KEY-----\n"]),
)
def test_structured_noise_only_raises_certificate_error(
    head: bytes, body: bytes, tail: bytes
) -> None:
    with contextlib.suppress(CertificateError):
        parse_certificate(head + body + tail, source=SOURCE)


# --- files ----------------------------------------------------------------------------------


def test_load_certificate_reads_the_file(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    cert = make_cert(key)
    path = tmp_path / "laptop.pem"
    path.write_bytes(pem_of(cert))
    info = load_certificate(path, source="certs/laptop.pem")
    assert info.thumbprint == thumbprint_of(cert)


def test_load_certificate_names_the_path_by_default(tmp_path: Path) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(b"nope")
    with pytest.raises(CertificateError) as exc:
        load_certificate(path)
    assert str(exc.value) == (
        f"Certificate file '{path}' is not a PEM, DER or base64 X.509 certificate."
    )
    assert exc.value.source == str(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CertificateError) as exc:
        load_certificate(tmp_path / "nope.pem", source="certs/nope.pem")
    assert str(exc.value).startswith("Certificate file 'certs/nope.pem' does not exist;")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match=r"^Certificate file 'certs' is a directory;"):
        load_certificate(tmp_path, source="certs")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pem"
    path.touch()
    with pytest.raises(CertificateError, match=r"^Certificate file 'certs/empty.pem' is empty;"):
        load_certificate(path, source="certs/empty.pem")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.pem"
    path.write_bytes(b"x")

    # chmod 0 does not stop root (CI containers), so simulate the denial instead.
    def deny(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(CertificateError) as exc:
        load_certificate(path, source="certs/locked.pem")
    assert (
        str(exc.value) == "Certificate file 'certs/locked.pem' cannot be read: permission denied."
    )


def test_other_os_errors_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(Path, "open", fail)
    with pytest.raises(CertificateError) as exc:
        load_certificate(tmp_path / "x.pem", source="certs/x.pem")
    assert str(exc.value) == "Certificate file 'certs/x.pem' cannot be read: Input/output error."


def test_oversized_file(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    path = tmp_path / "big.pem"
    # A valid certificate followed by padding: the size limit applies before any parsing.
    path.write_bytes(pem_of(make_cert(key)) + b"\n" * MAX_CERTIFICATE_FILE_BYTES)
    with pytest.raises(CertificateError) as exc:
        load_certificate(path, source="certs/big.pem")
    assert str(exc.value) == (
        "Certificate file 'certs/big.pem' is larger than 64 KiB, so it is not a single "
        "certificate; give only the public certificate of the application."
    )


def test_file_of_exactly_the_limit_is_read(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    pem = pem_of(make_cert(key))
    path = tmp_path / "padded.pem"
    path.write_bytes(pem + b"\n" * (MAX_CERTIFICATE_FILE_BYTES - len(pem)))
    assert load_certificate(path).pem == pem.decode("ascii")

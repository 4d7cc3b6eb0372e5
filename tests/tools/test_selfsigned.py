"""Tests for tools.selfsigned: run main() in a temporary directory and inspect what it wrote."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from components.certificates import CertificateError, load_certificate
from tools import selfsigned

NOW = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEALTHCARE_CLIENTS_NOW", "2026-11-27T00:00:00Z")
    return tmp_path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_certificate_and_key(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert selfsigned.main(["laptop", "--days", "90"]) == 0

    cert_path = in_tmp / "certs" / "laptop.pem"
    key_path = in_tmp / "certs" / "laptop.key"
    info = load_certificate(cert_path)  # also proves the .pem holds no private key
    assert info.subject == "CN=laptop"
    assert info.not_before == NOW - timedelta(minutes=5)
    assert info.not_after == NOW + timedelta(days=90)
    assert info.expiry_problems(NOW) == ([], [])

    assert b"PRIVATE KEY" not in cert_path.read_bytes()
    assert mode(cert_path) == 0o644
    assert mode(key_path) == 0o600

    key_pem = key_path.read_bytes()
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")  # PKCS#8, unencrypted
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 2048
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert cert.public_key() == key.public_key()
    # The key itself is refused by the certificate loader.
    with pytest.raises(CertificateError, match="contains a private key"):
        load_certificate(key_path)

    out = capsys.readouterr().out
    assert f"thumbprint {info.thumbprint}" in out


def test_certificate_extensions(in_tmp: Path) -> None:
    assert selfsigned.main(["ci-runner", "--days", "1", "--key-size", "3072"]) == 0
    cert = x509.load_pem_x509_certificate((in_tmp / "certs" / "ci-runner.pem").read_bytes())
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "ci-runner"
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    public_key = cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == 3072
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=1, minutes=5)


def test_prints_config_snippet(capsys: pytest.CaptureFixture[str]) -> None:
    assert selfsigned.main(["laptop", "--days", "30", "--app", "postman"]) == 0
    out = capsys.readouterr().out
    assert "certificates:\n  laptop: {file: certs/laptop.pem}\n" in out
    assert (
        "pulumi config set --path "
        "'healthcare-clients:applications.postman.certificates.laptop.file' certs/laptop.pem"
    ) in out
    assert "certs/*.key is git-ignored" in out
    assert "never reference it from config" in out
    assert "Note: only certs/*.key is git-ignored" not in out


def test_default_app_placeholder_and_other_out_dir(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert selfsigned.main(["laptop", "--days", "30", "--out-dir", "keys/test"]) == 0
    assert (in_tmp / "keys" / "test" / "laptop.pem").is_file()
    out = capsys.readouterr().out
    assert "laptop: {file: keys/test/laptop.pem}" in out
    assert "'healthcare-clients:applications.<app>.certificates.laptop.file'" in out
    assert "Note: only certs/*.key is git-ignored; keys/test/laptop.key is outside certs/" in out


def test_refuses_to_overwrite(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert selfsigned.main(["laptop", "--days", "30"]) == 0
    cert_path = in_tmp / "certs" / "laptop.pem"
    before = cert_path.read_bytes()
    capsys.readouterr()

    assert selfsigned.main(["laptop", "--days", "60"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        "error: certs/laptop.pem and certs/laptop.key already exist; pass --force" in captured.err
    )
    assert cert_path.read_bytes() == before


def test_refuses_when_only_the_key_exists(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "certs").mkdir()
    (in_tmp / "certs" / "laptop.key").write_text("someone's key")
    assert selfsigned.main(["laptop", "--days", "30"]) == 1
    assert "error: certs/laptop.key already exists;" in capsys.readouterr().err
    assert not (in_tmp / "certs" / "laptop.pem").exists()
    assert (in_tmp / "certs" / "laptop.key").read_text() == "someone's key"


def test_force_replaces_and_keeps_key_private(in_tmp: Path) -> None:
    assert selfsigned.main(["laptop", "--days", "30"]) == 0
    key_path = in_tmp / "certs" / "laptop.key"
    old_key = key_path.read_bytes()
    key_path.chmod(0o644)  # a loosened old file must not pass its mode on

    assert selfsigned.main(["laptop", "--days", "60", "--force"]) == 0
    assert key_path.read_bytes() != old_key
    assert mode(key_path) == 0o600
    info = load_certificate(in_tmp / "certs" / "laptop.pem")
    assert info.not_after == NOW + timedelta(days=60)


@pytest.mark.parametrize(
    "name", ["Laptop", "a", "-laptop", "laptop-", "1laptop", "lap_top", "a" * 41, "lap top"]
)
def test_invalid_name_exits_2(name: str, in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        # "--" so that argparse hands "-laptop" to our check instead of reading it as an option
        selfsigned.main(["--days", "30", "--", name])
    assert exc.value.code == 2
    assert f"NAME {name!r} is not valid" in capsys.readouterr().err
    assert not (in_tmp / "certs").exists()


@pytest.mark.parametrize("name", ["ab", "laptop", "ci-runner-2", "a" * 40])
def test_valid_names(name: str, in_tmp: Path) -> None:
    assert selfsigned.main([name, "--days", "1"]) == 0
    assert (in_tmp / "certs" / f"{name}.pem").is_file()


@pytest.mark.parametrize("days", ["0", "-1", "731", "10000"])
def test_days_out_of_range_exits_2(
    days: str, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        selfsigned.main(["laptop", "--days", days])
    assert exc.value.code == 2
    assert f"--days {days} is out of range: give 1 to 730 days" in capsys.readouterr().err
    assert not (in_tmp / "certs").exists()


def test_days_upper_bound_is_accepted(in_tmp: Path) -> None:
    assert selfsigned.main(["laptop", "--days", "730"]) == 0
    info = load_certificate(in_tmp / "certs" / "laptop.pem")
    assert info.not_after == NOW + timedelta(days=730)


@pytest.mark.parametrize(
    "argv",
    [["laptop"], ["laptop", "--days", "ten"], ["laptop", "--days", "5", "--key-size", "1024"]],
    ids=["no-days", "days-not-int", "bad-key-size"],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        selfsigned.main(argv)
    assert exc.value.code == 2


def test_bad_clock_env_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEALTHCARE_CLIENTS_NOW", "next tuesday")
    with pytest.raises(SystemExit) as exc:
        selfsigned.main(["laptop", "--days", "30"])
    assert exc.value.code == 2
    assert "HEALTHCARE_CLIENTS_NOW='next tuesday' is not an ISO 8601 time" in (
        capsys.readouterr().err
    )


def test_now_reads_env_or_real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHCARE_CLIENTS_NOW", "2026-11-27T01:00:00+01:00")
    assert selfsigned.current_time() == NOW
    monkeypatch.setenv("HEALTHCARE_CLIENTS_NOW", "2026-11-27T00:00:00")  # naive means UTC
    assert selfsigned.current_time() == NOW
    monkeypatch.delenv("HEALTHCARE_CLIENTS_NOW")
    before = datetime.now(UTC)
    now = selfsigned.current_time()
    assert now.tzinfo is not None
    assert before <= now <= datetime.now(UTC)


def test_key_file_is_created_private_even_with_open_umask(in_tmp: Path) -> None:
    old = os.umask(0)
    try:
        assert selfsigned.main(["laptop", "--days", "30"]) == 0
    finally:
        os.umask(old)
    assert mode(in_tmp / "certs" / "laptop.key") == 0o600
    assert mode(in_tmp / "certs" / "laptop.pem") == 0o644

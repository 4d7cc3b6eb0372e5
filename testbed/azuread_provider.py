"""The real ``pulumi-resource-azuread`` plugin, at the version the installed SDK asks for.

``python -m testbed.engine provider`` (``make provider``) puts the plugin in
``.engine/plugins/resource-azuread-v<version>/``, the plugin folder that every engine test's
``PULUMI_HOME`` links to. It takes the first of these that works, and says which:

1. a plugin already there at that version (or in the user's own ``PULUMI_HOME``), checked by
   asking the binary its version;
2. ``pulumi plugin install resource azuread v<version>``: what a machine with internet does;
3. a build from source: ``AZUREAD_PROVIDER_SOURCES`` names a folder holding the
   pulumi-azuread ``provider/`` tree and terraform-provider-azuread beside it. The Go module
   proxy does not serve those two modules, so they come as files; everything else the build
   needs comes from the proxy, pinned by the provider's own ``go.sum``. The folder's content
   must hash to ``SOURCES_SHA256``, so a build is of the sources that were reviewed.

The build runs in a scratch copy, because it writes ``schema-embed.json`` and edits both
``go.mod`` files (``go mod edit -replace``). The steps are the provider's own: its
``cmd/pulumi-resource-azuread/generate.go`` embeds the schema, and the version is set through
``pkg/version.Version`` at link time, as pulumi-azuread's Makefile does.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / ".engine" / "plugins"
BINARY = "pulumi-resource-azuread"
SOURCES_ENV = "AZUREAD_PROVIDER_SOURCES"
# pulumi-azuread 7819dedd (master of 2026-07-20) and terraform-provider-azuread v3.9.0
# (df2a07a3): the hash of every file under both folders, as `sources_digest` computes it.
SOURCES_SHA256 = "57433cf55764eb0a35f243685457f41ca3eece66b6e8d50ceb62470d83151716"
VERSION_SYMBOL = "github.com/pulumi/pulumi-azuread/provider/v6/pkg/version.Version"
UPSTREAM_MODULE = "github.com/hashicorp/terraform-provider-azuread"
PROVENANCE = "provenance.json"


class ProviderError(RuntimeError):
    """No way to get the plugin worked; the message says what each way answered."""


def wanted_version() -> str:
    """The plugin version the installed ``pulumi_azuread`` SDK asks the engine for."""
    import pulumi_azuread

    manifest = Path(str(pulumi_azuread.__file__)).parent / "pulumi-plugin.json"
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def plugin_dir(version: str) -> Path:
    return PLUGINS / f"resource-azuread-v{version}"


def binary_version(binary: Path) -> str | None:
    """What the plugin says its version is (the bridge answers ``-version``)."""
    try:
        out = subprocess.run(
            [str(binary), "-version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().removeprefix("v") or None


def sources_digest(sources: Path) -> str:
    """One SHA-256 over the relative path and content of every file of both trees."""
    digest = hashlib.sha256()
    for folder in ("pulumi-azuread", "terraform-provider-azuread"):
        for path in sorted(p for p in (sources / folder).rglob("*") if p.is_file()):
            digest.update(path.relative_to(sources).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def provenance(version: str) -> dict[str, object] | None:
    """How the installed plugin got there, as ``install`` recorded it."""
    path = plugin_dir(version) / PROVENANCE
    if not path.exists():
        return None
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _record(version: str, how: str, **details: object) -> None:
    record = {"version": version, "how": how, **details}
    (plugin_dir(version) / PROVENANCE).write_text(json.dumps(record, indent=2) + "\n")
    print(f"provider: pulumi-resource-azuread {version} from {how} in {plugin_dir(version)}")


def _place(binary: Path, version: str) -> Path:
    target = plugin_dir(version)
    target.mkdir(parents=True, exist_ok=True)
    placed = target / BINARY
    temporary = target / f".{BINARY}.tmp"
    shutil.copyfile(binary, temporary)
    temporary.chmod(0o755)
    temporary.replace(placed)
    return placed


def _already_installed(version: str) -> Path | None:
    placed = plugin_dir(version) / BINARY
    if placed.exists() and binary_version(placed) == version:
        return placed
    home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    users = home / "plugins" / f"resource-azuread-v{version}" / BINARY
    if users.exists() and binary_version(users) == version:
        _place(users, version)
        _record(version, "the user's PULUMI_HOME", path=str(users))
        return plugin_dir(version) / BINARY
    return None


def _plugin_install(version: str, pulumi: Path | None) -> tuple[Path | None, str]:
    """``pulumi plugin install`` into a scratch PULUMI_HOME; (binary, what happened)."""
    if pulumi is None:
        return None, "no pulumi CLI to run `pulumi plugin install` with"
    with tempfile.TemporaryDirectory(prefix="azuread-plugin-") as home:
        env = {**os.environ, "PULUMI_HOME": home, "PULUMI_SKIP_UPDATE_CHECK": "true"}
        try:
            done = subprocess.run(
                [str(pulumi), "plugin", "install", "resource", "azuread", f"v{version}"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, "`pulumi plugin install` did not finish in 300 s"
        installed = Path(home) / "plugins" / f"resource-azuread-v{version}" / BINARY
        if done.returncode != 0 or not installed.exists():
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            return None, f"`pulumi plugin install` failed: {last}"
        _place(installed, version)
    return plugin_dir(version) / BINARY, "pulumi plugin install"


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise ProviderError("building the azuread provider needs Go (https://go.dev/dl/)")
    return go


def build_from_sources(version: str, sources: Path) -> Path:
    """Build the plugin from ``sources`` in a scratch copy, then place it."""
    found = sources_digest(sources)
    if found != SOURCES_SHA256:
        raise ProviderError(
            f"{SOURCES_ENV}={sources} does not hold the reviewed provider sources "
            f"(sha256 {found}, expected {SOURCES_SHA256}); see testbed/azuread_provider.py"
        )
    go = _go()
    # Go's own toolchain, not one go.mod could download: the build stays on pinned inputs.
    env = {**os.environ, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="azuread-build-") as scratch:
        work = Path(scratch)
        for folder in ("pulumi-azuread", "terraform-provider-azuread"):
            shutil.copytree(sources / folder, work / folder)
            for path in (work / folder).rglob("*"):
                path.chmod(path.stat().st_mode | 0o200)
        provider = work / "pulumi-azuread" / "provider"
        upstream = work / "terraform-provider-azuread"

        def run(args: list[str], cwd: Path, extra: dict[str, str] | None = None) -> None:
            subprocess.run(args, cwd=cwd, env={**env, **(extra or {})}, check=True)

        for module in (provider, provider / "shim"):
            run([go, "mod", "edit", "-replace", f"{UPSTREAM_MODULE}={upstream}"], module)
        run([go, "run", "./generate.go"], provider / "cmd" / BINARY, {"VERSION": version})
        output = work / BINARY
        ldflags = f"-X {VERSION_SYMBOL}={version} -s -w"
        print(f"provider: building pulumi-resource-azuread {version} from {sources} (minutes)")
        run([go, "build", "-o", str(output), "-ldflags", ldflags, f"./cmd/{BINARY}"], provider)
        placed = _place(output, version)
    seconds = round(time.monotonic() - started)
    _record(
        version,
        "a build from source",
        sources=str(sources),
        sourcesSha256=found,
        go=subprocess.run([go, "version"], capture_output=True, text=True).stdout.strip(),
        seconds=seconds,
        bytes=placed.stat().st_size,
    )
    return placed


def install(pulumi: Path | None = None) -> Path:
    """The plugin's path, after whichever of the three ways first worked."""
    version = wanted_version()
    placed = _already_installed(version)
    if placed is not None:
        how = (provenance(version) or {}).get("how", "an earlier install")
        print(f"provider: pulumi-resource-azuread {version} is installed ({how})")
        return placed
    placed, said = _plugin_install(version, pulumi)
    if placed is not None:
        _record(version, said)
        return placed
    print(f"provider: {said}; trying a build from source")
    sources = os.environ.get(SOURCES_ENV)
    if not sources:
        raise ProviderError(
            f"no azuread provider plugin {version}: {said}, and {SOURCES_ENV} is not set "
            "to a folder with the provider sources to build from"
        )
    return build_from_sources(version, Path(sources).resolve())

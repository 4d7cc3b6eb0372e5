"""The real Pulumi engine, built from source, with provider plugins backed by the fake tenant.

``python -m testbed.engine build`` (``make engine``) builds the Pulumi CLI from the Go module
``github.com/pulumi/pulumi/pkg/v3`` at the version pinned in ``engine/go.mod``, this
project's Python language host (``engine/languagehost``), a Node.js host that only generates
TypeScript SDKs (``engine/nodejshost``), and Pulumi's YAML language host from the Go module
``github.com/pulumi/pulumi-yaml`` at the version ``engine/yamlhost/go.mod`` pins, into
``.engine/bin``. It does nothing when that is built already, or when a ``pulumi`` on PATH is
the same or newer and has those language hosts beside it (a user's laptop).

``EngineWorkspace`` is what the end-to-end tests drive through the Automation API: a project
directory that runs the real ``__main__.py``, a local file backend with passphrase secrets,
a private ``PULUMI_HOME`` where the provider plugins are this package's fakes under the
pinned provider versions, and the fake tenant's JSON file. Nothing talks to Azure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from testbed import azuread_provider, store
from testbed.graphapi.server import GraphServer
from testbed.tenant import new_state
from testbed.testpki import TestPki, key_id, new_key, sign_jwt

ROOT = Path(__file__).resolve().parent.parent
ENGINE_MODULE = ROOT / "engine"
ENGINE_BIN = ROOT / ".engine" / "bin"
LANGUAGE_HOST = "pulumi-language-python"
EXEC_SHIM = "pulumi-language-python-exec"
NODEJS_HOST = "pulumi-language-nodejs"
YAML_HOST = "pulumi-language-yaml"
YAML_MODULE = ENGINE_MODULE / "yamlhost"
VERSION_SYMBOL = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
YAML_VERSION_SYMBOL = "github.com/pulumi/pulumi-yaml/pkg/version.Version"
PROVIDERS = ("azuread", "azure-native")
PASSPHRASE = "healthcare-clients-e2e"  # noqa: S105 (the test backend's passphrase)
# The deploying identity signs in as the pipelines do: workload identity federation, with an
# external OIDC token whose issuer and subject match a federated credential on the deployer.
PIPELINE_ISSUER = "https://pipeline-oidc.loopback.test"
PIPELINE_SUBJECT = "repo:contoso/healthcare-clients:environment:dev"


class EngineError(RuntimeError):
    """The engine is missing and cannot be built here."""


def pinned_version() -> str:
    """The pulumi/pkg/v3 version engine/go.mod requires, e.g. ``3.274.0``."""
    text = (ENGINE_MODULE / "go.mod").read_text(encoding="utf-8")
    match = re.search(r"github\.com/pulumi/pulumi/pkg/v3 v(\d+\.\d+\.\d+)", text)
    if not match:
        raise EngineError("engine/go.mod does not require github.com/pulumi/pulumi/pkg/v3")
    return match[1]


def pinned_yaml_version() -> str:
    """The pulumi-yaml version engine/yamlhost/go.mod requires, e.g. ``1.38.3``."""
    text = (YAML_MODULE / "go.mod").read_text(encoding="utf-8")
    match = re.search(r"github\.com/pulumi/pulumi-yaml v(\d+\.\d+\.\d+)", text)
    if not match:
        raise EngineError("engine/yamlhost/go.mod does not require github.com/pulumi/pulumi-yaml")
    return match[1]


def _version_of(pulumi: Path) -> tuple[int, ...] | None:
    try:
        out = subprocess.run(
            [str(pulumi), "version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", out.strip())
    return tuple(int(part) for part in match.groups()) if match else None


def _parse(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def locate() -> Path | None:
    """The directory holding ``pulumi`` and its Python language host, at the pinned version or
    newer: one on PATH first (a user's own CLI), else the one ``build`` made."""
    wanted = _parse(pinned_version())
    on_path = shutil.which("pulumi")
    if on_path:
        directory = Path(on_path).resolve().parent
        found = _version_of(Path(on_path))
        if (
            found
            and found >= wanted
            and all(shutil.which(h) or (directory / h).exists() for h in HOSTS)
        ):
            return directory
    built = ENGINE_BIN / "pulumi"
    if (
        built.exists()
        and all((ENGINE_BIN / name).exists() for name in (*HOSTS, EXEC_SHIM))
        and _version_of(built) == wanted
        and _yaml_stamp().exists()
    ):
        return ENGINE_BIN
    return None


# The language hosts the tests use: Python (programs, policy packs, the component package),
# Node.js (TypeScript SDK generation) and YAML (a consumer program).
HOSTS = (LANGUAGE_HOST, NODEJS_HOST, YAML_HOST)


def _yaml_stamp() -> Path:
    """Marks the YAML host as built at the pinned version: it prints no version of its own
    outside the engine's GetPluginInfo call."""
    return ENGINE_BIN / f".{YAML_HOST}-v{pinned_yaml_version()}"


def build() -> Path:
    """Build the CLI and the language host unless a usable engine exists; return its bin."""
    found = locate()
    if found is not None:
        print(
            f"engine: using pulumi {'.'.join(map(str, _version_of(found / 'pulumi') or ()))} in {found}"
        )
        return found
    go = shutil.which("go")
    if go is None:
        raise EngineError("building the engine needs Go (https://go.dev/dl/); none is on PATH")
    version = pinned_version()
    ENGINE_BIN.mkdir(parents=True, exist_ok=True)
    flags = ["-trimpath", "-ldflags", f"-X {VERSION_SYMBOL}=v{version}"]
    env = {**os.environ, "GOFLAGS": "-mod=readonly"}
    yaml_version = pinned_yaml_version()
    print(
        f"engine: building pulumi v{version}, its Python and Node.js language hosts and "
        f"pulumi-language-yaml v{yaml_version} (a few minutes)"
    )
    for target, output in (
        ("github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", "pulumi"),
        ("./languagehost", LANGUAGE_HOST),
        ("./nodejshost", NODEJS_HOST),
    ):
        subprocess.run(
            [go, "build", *flags, "-o", str(ENGINE_BIN / output), target],
            cwd=ENGINE_MODULE,
            env=env,
            check=True,
        )
    # Its own module: pulumi-yaml builds against the Pulumi libraries its go.mod names, as its
    # release binaries (the ones the CLI bundles) are built; the version symbol is set as its
    # .goreleaser.yml sets it (the tag, with its "v").
    yaml_flags = ["-trimpath", "-ldflags", f"-X {YAML_VERSION_SYMBOL}=v{yaml_version}"]
    subprocess.run(
        [
            go,
            "build",
            *yaml_flags,
            "-o",
            str(ENGINE_BIN / YAML_HOST),
            "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml",
        ],
        cwd=YAML_MODULE,
        env=env,
        check=True,
    )
    for stale in ENGINE_BIN.glob(f".{YAML_HOST}-v*"):
        stale.unlink()
    _yaml_stamp().touch()
    # The SDK's exec shim that runs a Python program ships in the sdk/v3 Go module.
    sdk_dir = subprocess.run(
        [go, "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi/sdk/v3"],
        cwd=ENGINE_MODULE,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shim = ENGINE_BIN / EXEC_SHIM
    shim.unlink(missing_ok=True)
    shutil.copyfile(Path(sdk_dir) / "python" / "cmd" / EXEC_SHIM, shim)
    shim.chmod(0o755)
    print(f"engine: built {ENGINE_BIN}")
    return ENGINE_BIN


def provider_versions() -> dict[str, str]:
    """The provider plugin versions the installed SDKs ask for (their pulumi-plugin.json)."""
    import pulumi_azure_native
    import pulumi_azuread

    versions = {}
    for package in (pulumi_azuread, pulumi_azure_native):
        manifest = json.loads(
            (Path(str(package.__file__)).parent / "pulumi-plugin.json").read_text()
        )
        versions[manifest["name"]] = manifest["version"]
    return versions


def install_plugins(home: Path) -> None:
    """Put the plugins in ``home`` at the pinned versions: the real azuread provider (``make
    provider``), and this package's azure-native plugin over the fake tenant's ARM."""
    for name, version in provider_versions().items():
        directory = home / "plugins" / f"resource-{name}-v{version}"
        if name == "azuread":
            real = azuread_provider.plugin_dir(version)
            if not (real / azuread_provider.BINARY).exists():
                raise EngineError(
                    f"no pulumi-resource-azuread {version} in {real}: run `make provider`"
                )
            # A real folder holding a link to the binary: the CLI skips linked plugin folders.
            directory.mkdir(parents=True, exist_ok=True)
            (directory / azuread_provider.BINARY).symlink_to(real / azuread_provider.BINARY)
            continue
        directory.mkdir(parents=True, exist_ok=True)
        launcher = directory / f"pulumi-resource-{name}"
        launcher.write_text(
            "#!/bin/sh\n"
            "# The fake tenant's provider plugin (testbed/plugin.py), not the real provider.\n"
            "# -P: the engine starts it in the project directory, whose modules must not\n"
            "# shadow this repository's.\n"
            f"PYTHONPATH='{ROOT}'${{PYTHONPATH:+:$PYTHONPATH}} "
            f"exec '{sys.executable}' -P -m testbed.plugin {name} {version} \"$@\"\n",
            encoding="utf-8",
        )
        launcher.chmod(0o755)


# The files of the project a workspace runs; the rest of the repository stays out of it.
PROJECT_FILES = ("__main__.py", "components", "requirements.txt", ".venv")


@dataclass
class EngineWorkspace:
    """A project, backend, plugin home and fake tenant in ``root``, for one test."""

    root: Path
    now: str
    bin_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    graph: GraphServer | None = None
    pki: Any = None
    _stacks: list[Any] = field(default_factory=list)
    _oidc_token: str = ""

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def tenant_file(self) -> Path:
        return self.root / "tenant.json"

    @property
    def backend(self) -> Path:
        return self.root / "backend"

    @classmethod
    def create(
        cls,
        root: Path,
        *,
        now: str,
        bin_dir: Path | None = None,
        program: Path | None = None,
        components: Path | None = None,
    ) -> EngineWorkspace:
        """``program`` replaces ``__main__.py`` (the benchmark's flat baseline), ``components``
        the ``components`` package (an earlier version of the program, checked out)."""
        found = bin_dir or locate()
        if found is None:
            raise EngineError("no Pulumi engine: run `make engine`")
        workspace = cls(root=root, now=now, bin_dir=found)
        workspace.project.mkdir(parents=True)
        shutil.copyfile(ROOT / "Pulumi.yaml", workspace.project / "Pulumi.yaml")
        workspace.link_program(program, components)
        workspace.backend.mkdir()
        install_plugins(workspace.root / "home")
        state = new_state(now=datetime.fromisoformat(now))
        state["caller"]["federatedIdentityCredentials"] = [
            {"issuer": PIPELINE_ISSUER, "subject": PIPELINE_SUBJECT}
        ]
        store.save(workspace.tenant_file, state)
        workspace.pki = TestPki.create(workspace.root / "pki")
        workspace.graph = GraphServer(workspace.tenant_file, workspace.pki).start()
        issuer_key = new_key()
        workspace.graph.trust_issuer(PIPELINE_ISSUER, issuer_key.public_key())
        moment = int(datetime.now().timestamp())
        workspace._oidc_token = sign_jwt(
            issuer_key,
            {"kid": key_id(issuer_key.public_key())},
            {
                "iss": PIPELINE_ISSUER,
                "sub": PIPELINE_SUBJECT,
                "aud": "api://AzureADTokenExchange",
                "iat": moment,
                "nbf": moment,
                "exp": moment + 24 * 3600,
            },
        )
        return workspace

    def close(self) -> None:
        """Stop the Graph server (the stacks' files stay for a test to read)."""
        if self.graph is not None:
            self.graph.stop()
            self.graph = None

    def __enter__(self) -> EngineWorkspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def provider_env(self) -> dict[str, str]:
        """The real azuread provider's own settings (pulumi-azuread provider/resources.go;
        terraform-provider-azuread internal/provider/provider.go): a custom cloud from
        metadataHost, OIDC sign-in, and Go's TLS trusting the test CA (SSL_CERT_FILE)."""
        if self.graph is None:
            return {}
        state = self.tenant()
        tenant_id, client_id = state["tenantId"], state["caller"]["clientId"]
        return {
            "ARM_METADATA_HOSTNAME": self.graph.host,
            "ARM_TENANT_ID": tenant_id,
            "ARM_CLIENT_ID": client_id,
            "ARM_USE_OIDC": "true",
            "ARM_OIDC_TOKEN": self._oidc_token,
            "ARM_USE_CLI": "false",
            "SSL_CERT_FILE": str(self.pki.ca_file),
        }

    def link_program(self, program: Path | None = None, components: Path | None = None) -> None:
        """Point the project at a program: by default this repository's own files."""
        replaced = {"__main__.py": program, "components": components}
        for name in PROJECT_FILES:
            link = self.project / name
            link.unlink(missing_ok=True)
            link.symlink_to(replaced.get(name) or ROOT / name)

    def env(self) -> dict[str, str]:
        return {
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_HOME": str(self.root / "home"),
            "PULUMI_BACKEND_URL": f"file://{self.backend}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "HEALTHCARE_CLIENTS_NOW": self.now,
            store.ENV: str(self.tenant_file),
            **self.provider_env(),
            **self.extra_env,
        }

    def set_clock(self, now: str) -> None:
        """Move the program's clock and the tenant's together."""
        self.now = now
        with self.edit_tenant() as state:
            state["clock"] = datetime.fromisoformat(now).isoformat()
        self.sync()

    def tenant(self) -> dict[str, Any]:
        return store.load(self.tenant_file)

    def checkpoint_text(self) -> str:
        """Every file of the stack's state as the backend stores it: secrets stay encrypted
        (``pulumi stack export`` and the Automation API's export would decrypt them)."""
        files = sorted(self.backend.rglob("*.json"))
        if not files:
            raise EngineError(f"the backend {self.backend} holds no checkpoint")
        return "\n".join(path.read_text(encoding="utf-8") for path in files)

    @contextmanager
    def edit_tenant(self) -> Iterator[dict[str, Any]]:
        """Change the tenant behind the stack's back (drift, faults, the caller's rights)."""
        state = self.tenant()
        yield state
        store.save(self.tenant_file, state)

    def write_stack_file(self, stack: str, config: Mapping[str, Any]) -> Path:
        """Pulumi.<stack>.yaml with ``healthcare-clients:`` keys (plain values only)."""
        import yaml

        path = self.project / f"Pulumi.{stack}.yaml"
        document = {"config": {f"healthcare-clients:{key}": value for key, value in config.items()}}
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    def stack(self, name: str, project: Path | None = None) -> Any:
        """The stack through the Automation API, created on first use; ``project`` is another
        program's directory (one that consumes the component package) instead of this one's."""
        from pulumi import automation as auto

        work_dir = project or self.project
        options = auto.LocalWorkspaceOptions(
            work_dir=str(work_dir),
            pulumi_home=str(self.root / "home"),
            env_vars=self.env(),
            pulumi_command=auto.PulumiCommand(
                root=str(self.bin_dir.parent), skip_version_check=True
            ),
        )
        stack = auto.create_or_select_stack(name, work_dir=str(work_dir), opts=options)
        self._stacks.append(stack)
        return stack

    def sync(self) -> None:
        """Hand the current clock (and any extra environment) to every stack's next run."""
        for stack in self._stacks:
            stack.workspace.env_vars.update(self.env())

    def cli(
        self,
        *args: str,
        stack: str | None = None,
        check: bool = False,
        merged: bool = False,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the CLI itself, as a user would type it, in the project (or ``cwd``);
        ``merged`` puts stderr into stdout, in order, as a CI log or `> file 2>&1` shows them."""
        command = [str(self.bin_dir / "pulumi"), *args, "--non-interactive"]
        if stack:
            command += ["--stack", stack]
        return subprocess.run(
            command,
            cwd=cwd or self.project,
            env={**os.environ, **self.env()},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merged else subprocess.PIPE,
            text=True,
            timeout=900,
            check=check,
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["build"]:
        try:
            build()
        except (EngineError, subprocess.CalledProcessError) as error:
            sys.exit(f"engine: {error}")
    elif sys.argv[1:] == ["provider"]:
        # Here, not in testbed.azuread_provider: it needs this module's locate(), and this
        # module needs it, so only one of the two may import the other.
        engine = locate()
        try:
            azuread_provider.install(engine / "pulumi" if engine else None)
        except (azuread_provider.ProviderError, subprocess.CalledProcessError) as error:
            sys.exit(f"provider: {error}")
    elif sys.argv[1:] == ["where"]:
        location = locate()
        if location is None:
            sys.exit("engine: none built; run `make engine`")
        print(location)
    else:
        sys.exit("usage: python -m testbed.engine build|provider|where")

"""``python -m tools.verify``: argument handling, input, the checks per app and service, exit code."""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import requests

from tools.stack_output import REDACTED, Application, UsageError, parse_applications
from tools.stack_output import read_document as read_output_file
from tools.verify import guidance, net, probe, report, smart, tokens

PROJECT_DIR = Path(__file__).resolve().parents[2]
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LEAK = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # what a shell reports for Ctrl-C
SHOW_SECRETS = (
    "pulumi stack output --json --show-secrets | .venv/bin/python -m tools.verify --stack-output -"
)
_CLI_ERROR = re.compile(r"^\s*error: (.+)$", re.M)


@dataclass(frozen=True)
class Clock:
    """Time as the retries see it; tests pass one that moves on instead of sleeping."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


REFUSED_SECRET = f"AADSTS{tokens.NOT_YET_ACCEPTED}"  # the token code of a refused secret


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.verify",
        description=(
            "Prove that the deployed client applications work: per application with a secret "
            "(or a certificate key you give), a client-credentials token for each service and "
            "a call to that service. Exit 0: every checked row passed; 1: a row failed; "
            "2: bad arguments or input; 3: a secret would have been printed (a bug)."
        ),
    )
    parser.add_argument(
        "--stack",
        help="stack name: its outputs are read with the Pulumi Automation API (unless "
        "--stack-output is given) and Pulumi.<stack>.yaml says which apps are public clients",
    )
    parser.add_argument(
        "--stack-output",
        metavar="FILE",
        help="read `pulumi stack output --json --show-secrets` from FILE, or - for stdin",
    )
    parser.add_argument("--app", action="append", default=[], help="check only this app")
    parser.add_argument(
        "--certificate",
        action="append",
        default=[],
        metavar="APP=KEYFILE",
        help="sign in as APP with this PEM private key; its certificate is in the same file "
        "or next to it as NAME.pem for NAME.key",
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="CA bundle to trust for TLS (default: REQUESTS_CA_BUNDLE, else certifi's bundle); "
        "TLS is always verified",
    )
    parser.add_argument(
        "--role-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="retry a 403 for this long, for role assignments made by the last `pulumi up` "
        "(default 0)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def _certificates(args: argparse.Namespace) -> dict[str, tokens.CertificateCredential]:
    found: dict[str, tokens.CertificateCredential] = {}
    for item in args.certificate:
        app, sep, key_file = str(item).partition("=")
        if not sep or not app or not key_file:
            raise UsageError(f"--certificate takes APP=KEYFILE, not {item!r}")
        found[app] = tokens.load_certificate_credential(app, key_file)
    return found


def outputs_from_automation(stack: str, project_dir: Path) -> dict[str, object]:
    """The stack outputs with secrets shown, without changing the selected stack."""
    from pulumi import automation

    try:
        workspace = automation.LocalWorkspace(work_dir=str(project_dir))
        outputs = workspace.stack_outputs(stack)
    except FileNotFoundError:
        raise UsageError(
            f"the Pulumi CLI is not on PATH: install it, or run: {SHOW_SECRETS}"
        ) from None
    except automation.errors.CommandError as exc:
        # Only the CLI's own error lines from its stderr: the message also carries its stdout.
        stderr = str(exc).partition("\n stderr: ")[2]
        said = "; ".join(_CLI_ERROR.findall(stderr)) or "see `pulumi stack output` for why"
        raise UsageError(f"cannot read the outputs of stack {stack!r}: {said}") from None
    return {key: value.value for key, value in outputs.items()}


def _select(apps: Sequence[Application], names: Sequence[str]) -> list[Application]:
    if not names:
        return list(apps)
    known = {app.name for app in apps}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(
            f"unknown application {unknown[0]!r}; known applications: "
            + (", ".join(sorted(known)) or "none")
        )
    return [app for app in apps if app.name in names]


def _skip_rows(app: Application, verdict: str) -> list[report.Row]:
    if not app.services:
        return [report.Row(app.name, "-", "-", "-", "-", 0, "-", (), (), "skip", verdict)]
    return [
        report.Row(app.name, s.name, s.kind, "-", "-", 0, "-", (), (), "skip", verdict)
        for s in app.services
    ]


@dataclass
class Checker:
    session: requests.Session
    clock: Clock
    role_wait: float
    hints: dict[str, guidance.AppHints] | None
    secrets: list[str]

    def check(self, app: Application, credential: tokens.Credential) -> list[report.Row]:
        kind = "certificate" if isinstance(credential, tokens.CertificateCredential) else "secret"
        if not app.services:
            verdict = "the app holds no role or permission on a configured service: no call"
            return [report.Row(app.name, "-", "-", kind, "-", 0, "-", (), (), "skip", verdict)]
        rows = []
        by_scope: dict[str, tokens.TokenResult] = {}
        app_hints = self.hints.get(app.name) if self.hints is not None else None
        # One wait per app for a new secret: once Entra has refused it for the whole wait,
        # another scope would only wait as long again (FHIR and DICOM: two minutes).
        refused_for: str | None = None
        for service in app.services:
            result = by_scope.get(service.scope)
            if result is None:
                result = tokens.acquire_token(
                    app,
                    service,
                    credential,
                    session=self.session,
                    clock=self.clock.now,
                    sleep=self.clock.sleep,
                    secret_wait=0.0 if refused_for else tokens.SECRET_WAIT,
                )
                if result.code == REFUSED_SECRET:
                    if refused_for is None:
                        refused_for = service.name
                    else:
                        result = dataclasses.replace(
                            result,
                            message=f"Entra refused the same client secret: see the "
                            f"{refused_for} row (not waited for again)",
                        )
                by_scope[service.scope] = result
            if result.token is None:
                rows.append(
                    report.Row(
                        app.name,
                        service.name,
                        service.kind,
                        kind,
                        result.code,
                        result.attempts,
                        "-",
                        (),
                        (),
                        "fail",
                        result.message,
                    )
                )
                continue
            self.secrets.append(result.token)
            claims = tokens.read_claims(result.token)
            audience = str(claims.get("aud") or "-")
            roles_claim = claims.get("roles")
            roles = tuple(str(r) for r in roles_claim) if isinstance(roles_claim, list) else ()
            outcome = probe.probe(
                app,
                service,
                result.token,
                audience,
                session=self.session,
                clock=self.clock.now,
                sleep=self.clock.sleep,
                role_wait=self.role_wait,
                configured_roles=app_hints.roles.get(service.name) if app_hints else None,
            )
            rows.append(
                report.Row(
                    app.name,
                    service.name,
                    service.kind,
                    kind,
                    "ok",
                    result.attempts,
                    audience,
                    roles,
                    outcome.http,
                    outcome.status,
                    outcome.verdict,
                )
            )
        return rows

    def smart(self, app: Application, credential: tokens.Credential) -> report.Row:
        """One row for the SMART resource (tools.verify.smart)."""
        return smart.check(
            app, credential, session=self.session, clock=self.clock, secrets=self.secrets
        )


def _check_arguments(args: argparse.Namespace) -> None:
    if not args.stack and not args.stack_output:
        raise UsageError("name the stack with --stack NAME, or pass --stack-output FILE (or -)")
    if args.role_wait < 0:
        raise UsageError("--role-wait must be 0 or more seconds")
    if args.ca_bundle and not Path(args.ca_bundle).is_file():
        raise UsageError(f"the CA bundle {args.ca_bundle!r} is not a file")


def _applications(
    args: argparse.Namespace, stdin: TextIO, certificates: Mapping[str, tokens.Credential]
) -> tuple[Sequence[Application], list[Application]]:
    """Every application of the stack output, and those this run checks."""
    if args.stack_output:
        doc = read_output_file(args.stack_output, stdin)
    else:
        doc = outputs_from_automation(args.stack, PROJECT_DIR)
    every_app = parse_applications(doc, SHOW_SECRETS)
    apps = _select(every_app, args.app)
    unknown = sorted(set(certificates) - {app.name for app in apps})
    if unknown:
        raise UsageError(f"--certificate names {unknown[0]!r}, which is not an app checked here")
    if any(app.client_secret == REDACTED and app.name not in certificates for app in apps):
        raise UsageError(
            f"the client secrets are redacted ({REDACTED!r}): the stack output was read without "
            f"--show-secrets; run: {SHOW_SECRETS}"
        )
    return every_app, apps


def _hints(stack: str | None, notes: list[str]) -> dict[str, guidance.AppHints] | None:
    """What the stack file says of each application, when the stack is named and readable."""
    if not stack:
        return None
    hints, why_not = guidance.load_hints(stack, PROJECT_DIR)
    if why_not:
        notes.append(f"note: {why_not}")
        return None
    return hints


def _secret_texts(
    every_app: Sequence[Application], certificates: Mapping[str, tokens.CertificateCredential]
) -> list[str]:
    """Every text the output must never contain: client secrets and private key lines."""
    secrets: list[str] = [app.client_secret for app in every_app if app.client_secret]
    for cert in certificates.values():
        secrets += [line for line in cert.private_key_pem.splitlines() if "-----" not in line]
    return secrets


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, clock: Clock) -> int:
    _check_arguments(args)
    certificates = _certificates(args)
    every_app, apps = _applications(args, stdin, certificates)
    notes: list[str] = []
    hints = _hints(args.stack, notes)
    secrets = _secret_texts(every_app, certificates)

    rows: list[report.Row] = []
    with net.Session(args.ca_bundle) as session:
        checker = Checker(session, clock, args.role_wait, hints, secrets)
        for app in apps:
            app_hints = hints.get(app.name) if hints is not None else None
            credential: tokens.Credential | None = certificates.get(app.name)
            if credential is None and app.client_secret is not None:
                credential = tokens.SecretCredential(app.client_secret)
            if credential is None:
                rows += _skip_rows(app, "no client secret in the stack output: see the note below")
                notes.append(guidance.no_secret_note(app, app_hints))
                continue
            rows += checker.check(app, credential)
            if app.smart is not None:
                rows.append(checker.smart(app, credential))
            if app_hints is not None and app_hints.public_client:
                notes.append(guidance.public_client_note(app, app_hints))

    text = report.as_json(rows, notes, args.stack) if args.json else report.as_text(rows, notes)
    report.check_no_secret(text, secrets)
    stdout.write(text)
    stdout.flush()
    return EXIT_FAILED if any(row.status == "fail" for row in rows) else EXIT_OK


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    clock: Clock | None = None,
) -> int:
    args = build_parser().parse_args(argv)
    err = stderr or sys.stderr
    try:
        return run(args, stdin or sys.stdin, stdout or sys.stdout, clock or Clock())
    except UsageError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except report.LeakError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_LEAK
    except KeyboardInterrupt:
        print("error: interrupted; nothing was checked to the end", file=err)
        return EXIT_INTERRUPTED

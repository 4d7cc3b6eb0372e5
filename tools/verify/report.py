"""The rows ``tools.verify`` prints, as a table for people or JSON for machines.

Nothing secret is ever a field of a row: client secrets, tokens and keys stay in the checks.
``render`` still scans the finished text for them, because a secret that slipped into a
message (an echoed request, say) would otherwise reach a CI log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tools.stack_output import REDACTED

COLUMNS = ("APP", "SERVICE", "TOKEN", "AUDIENCE", "ROLES", "HTTP", "RESULT")
# Shorter pieces of a secret could occur by chance; real secrets and tokens are far longer.
MIN_SECRET_LENGTH = 8


class LeakError(Exception):
    """A secret would have been printed: a bug, and nothing is printed."""


@dataclass(frozen=True)
class Row:
    app: str
    service: str
    kind: str
    credential: str  # secret | certificate | -
    token: str  # ok | AADSTS<n> | a network code | -
    attempts: int
    audience: str
    roles: tuple[str, ...]
    http: tuple[tuple[str, str], ...]
    status: str  # ok | fail | skip
    verdict: str

    def http_text(self) -> str:
        return ", ".join(
            f"{request.split()[1].split('?')[0]} {code}" for request, code in self.http
        )


def summary(rows: Sequence[Row]) -> dict[str, int]:
    return {s: sum(1 for r in rows if r.status == s) for s in ("ok", "fail", "skip")}


def as_text(rows: Sequence[Row], notes: Sequence[str]) -> str:
    cells = [
        (
            r.app,
            r.service,
            r.token if r.attempts <= 1 else f"{r.token} ({r.attempts} tries)",
            r.audience,
            ", ".join(r.roles) or "-",
            r.http_text() or "-",
            f"{r.status.upper() if r.status == 'fail' else r.status}: {_after_status(r.verdict)}",
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [COLUMNS, *cells]) for i in range(len(COLUMNS) - 1)]
    lines = []
    for cell in [COLUMNS, *cells]:
        head = "  ".join(value.ljust(widths[i]) for i, value in enumerate(cell[:-1]))
        lines.append(f"{head}  {cell[-1]}".rstrip())
    counts = summary(rows)
    lines.append("")
    lines.append(f"{counts['ok']} ok, {counts['fail']} failed, {counts['skip']} not checked")
    for note in notes:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def _after_status(verdict: str) -> str:
    # "ok: ..." verdicts would read "ok: ok: ..." after the status prefix.
    return verdict.removeprefix("ok: ")


def as_json(rows: Sequence[Row], notes: Sequence[str], stack: str | None) -> str:
    counts = summary(rows)
    doc = {
        "stack": stack,
        "ok": counts["fail"] == 0,
        "summary": counts,
        "rows": [
            {
                "app": r.app,
                "service": r.service,
                "kind": r.kind,
                "credential": r.credential,
                "token": r.token,
                "tokenAttempts": r.attempts,
                "audience": None if r.audience == "-" else r.audience,
                "roles": list(r.roles),
                "http": [{"request": req, "status": code} for req, code in r.http],
                "result": r.status,
                "verdict": r.verdict,
            }
            for r in rows
        ],
        "notes": list(notes),
    }
    return json.dumps(doc, indent=2) + "\n"


def check_no_secret(text: str, secrets: Iterable[str]) -> None:
    for secret in secrets:
        if secret and secret != REDACTED and len(secret) >= MIN_SECRET_LENGTH and secret in text:
            raise LeakError("a secret would have been printed (a bug); nothing was printed")

"""Keeping secrets out of the offline plan: the security-critical part of ``tools.plan``.

Two layers. ``redact`` replaces every value at a path the mock runtime recorded as secret
(an input wrapped as a secret, a secret stack output) with the placeholder before anything
is rendered. ``check_no_leak`` is the net behind it: every secret value the run produced
(``produced_secrets``: the generated passwords, secret inputs, secret outputs) is searched
for in the text and the JSON about to be written, and a hit stops the tool with nothing
written, naming where, never what.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from testbed.mockrun import MockRun
from testbed.stackfile import SECRET_PLACEHOLDER

SECRET = SECRET_PLACEHOLDER  # one spelling for "redacted", shared with the stack file loader


class SecretLeakError(Exception):
    """The rendered plan contains a secret value: a redaction bug, so nothing is written."""


def join(path: str, key: str | int) -> str:
    """Paths as ``testbed.mockrun`` spells secret paths: ``a.b``, ``a[0]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def redact(value: Any, secret_paths: Iterable[str], path: str = "") -> Any:
    """Replace every value at (or under) a secret path with the placeholder."""
    paths = frozenset(secret_paths)
    if "." in paths or path in paths:  # "." is how mockrun names a wholly secret value
        return SECRET
    if isinstance(value, dict):
        return {k: redact(v, paths, join(path, str(k))) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, paths, join(path, i)) for i, v in enumerate(value)]
    return value


def strings_at(value: Any, secret_paths: Iterable[str], path: str = "") -> set[str]:
    """Every string found at or under the given paths (the inverse view of ``redact``)."""
    paths = frozenset(secret_paths)
    if "." in paths or path in paths:
        return all_strings(value)
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found |= strings_at(v, paths, join(path, str(k)))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found |= strings_at(v, paths, join(path, i))
    return found


def all_strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(all_strings(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(all_strings(v) for v in value)) if value else set()
    return set()


def produced_secrets(run: MockRun) -> set[str]:
    """Every secret value the run produced, for the final leak check.

    Provider outputs are never printed, but the generated passwords live there, and a
    program bug could route one into an input or an unmarked output; so they are all
    collected: every string output of a credential resource that is not one of its inputs,
    the secret stack outputs and the secret inputs.
    """
    found: set[str] = set()
    for registration in run.resources:
        plain_inputs = registration.inputs  # mockrun records them with envelopes removed
        inputs = all_strings(plain_inputs)
        for key, value in registration.outputs.items():
            if key in ("value", "secretValue") or _looks_generated_secret(value):
                found |= all_strings(value) - inputs
        found |= strings_at(plain_inputs, registration.secret_inputs)
    found |= strings_at(run.outputs, run.secret_output_paths)
    # Short values ("a", "10") would match by accident; the placeholder is not a secret.
    return {s for s in found if len(s) >= 8 and s != SECRET}


def _looks_generated_secret(value: Any) -> bool:
    """The shape of an Entra client secret: 40 characters with ``8Q~`` after three."""
    return isinstance(value, str) and len(value) == 40 and value[3:6] == "8Q~"


def check_no_leak(rendered: dict[str, str], secrets: Iterable[str]) -> None:
    """The safety net behind ``redact``: refuse to emit text containing a secret value.

    The message names where, never what.
    """
    for where, text in rendered.items():
        for secret in secrets:
            if secret in text:
                line = text[: text.index(secret)].count("\n") + 1
                raise SecretLeakError(
                    f"internal error: a secret value would have been written in the {where} "
                    f"(line {line}); nothing was written. This is a redaction bug in tools.plan "
                    "or the program: please report it."
                )

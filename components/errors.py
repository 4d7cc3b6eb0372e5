"""The one error type for a user's mistake in stack configuration.

It carries every problem found, each with its key path, so that one run reports all of
them. ``__main__`` and the tools print it without a traceback.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the configuration, located by its key path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """The stack configuration is invalid; nothing has been registered."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(dict.fromkeys(problems))
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"healthcare-clients: invalid configuration ({count} {noun}):"]
        lines += [f"  - {problem}" for problem in self.problems]
        lines.append("Nothing was registered. Fix the keys above in Pulumi.<stack>.yaml and rerun.")
        return "\n".join(lines)


def join_path(*parts: str | int) -> str:
    """Build a key path like ``applications.postman.redirectUris.web[0]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = part
    return out

"""The one error type for a user's mistake in stack configuration, and its parts.

It carries every problem found, each with its key path, so that one run reports all of
them. ``__main__`` and the tools print it without a traceback. Import-free, so the facts
modules (``healthcare``) can raise ``Invalid`` too.
"""

from collections.abc import Iterable
from dataclasses import dataclass

SECRET = "[secret]"  # noqa: S105 (the redaction marker, not a password)
MAX_SHOWN = 80


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the configuration, located by its key path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """The stack configuration is invalid; nothing has been registered."""

    def __init__(self, problems: Iterable[Problem], notes: Iterable[str] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(dict.fromkeys(problems))
        self.notes: tuple[str, ...] = tuple(notes)
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"healthcare-clients: invalid configuration ({count} {noun}):"]
        lines += [f"  - {problem}" for problem in self.problems]
        lines += [f"Note: {note}" for note in self.notes]
        lines.append("Nothing was registered. Fix the keys above in Pulumi.<stack>.yaml and rerun.")
        return "\n".join(lines)


class Plain(str):
    """A value shown as is, without quotes (a URL or kind inside a sentence)."""


def shown(value: object) -> str:
    """A value as a message quotes it: repr, cut at 80 characters; null is 'empty'."""
    if value is None:
        return "empty"
    if isinstance(value, Plain):
        return str(value)
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


class Invalid(ValueError):  # noqa: N818 (a validator's complaint, read as "Invalid('...')")
    """A validator's complaint with the user's values kept apart from the sentence.

    ``template`` has one ``{}`` per value; ``render`` fills them in as written, or withholds
    them when they come from a secret key. ``str()`` is the clear form.
    """

    def __init__(self, template: str, *values: object) -> None:
        self.template = template
        self.values = values
        super().__init__(template.format(*(shown(v) for v in values)))

    def render(self, withhold: bool) -> str:
        return self.template.format(*(SECRET if withhold else shown(v) for v in self.values))


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

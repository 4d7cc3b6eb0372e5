"""What the checks of the stack's config share: the run that collects problems and
warnings, the services the applications may name, parsing an entry so that the parts
that parsed are kept, and the view of one application that its checks (``application``,
``access``, ``vault``) take, kept here so that they import it from below, not from each
other."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from components.config import partial
from components.config.base import NAME_RE, NAME_RULE, Rule
from components.config.disclosure import Say
from components.config.models import ApplicationSettings, ServiceSettings
from components.config.translate import problems_from
from components.errors import Problem, join_path


@dataclass(frozen=True)
class Findings:
    """What one check found: problems, which stop the run, and warnings, which do not.

    Checks return their findings beside their value; the run that called them records them,
    so no check writes into a list it was handed."""

    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()

    def __add__(self, other: "Findings") -> "Findings":
        return Findings(self.problems + other.problems, self.warnings + other.warnings)


NOTHING = Findings()


@dataclass
class Run:
    now: datetime
    base_dir: Path
    secret_keys: frozenset[str]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def say(self, top_key: str) -> Say:
        return Say(top_key in self.secret_keys)

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def record(self, findings: Findings) -> None:
        self.problems += findings.problems
        self.warnings += findings.warnings


@dataclass(frozen=True)
class DeclaredServices:
    """What the applications may refer to: every declared name, the kinds that parsed, and
    the services that validated whole."""

    declared: tuple[str, ...]
    kinds: Mapping[str, str]
    complete: Mapping[str, ServiceSettings]


def as_mapping(value: Any, path: str, say: Say, run: Run) -> Mapping[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        run.problem(path, f"must be a mapping of names to settings, not {say.value(value)}")
        return {}
    return value


def valid_name(name: object, path: str, say: Say, run: Run) -> bool:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        run.problem(path, f"name {say.value(name)} is not valid: {NAME_RULE}")
        return False
    return True


def parse_entry(annotation: Any, entry: Any, path: str, say: Say, run: Run) -> tuple[Any, bool]:
    """The validated model, or what parsed of it; every schema problem is recorded."""
    try:
        return _adapter(annotation).validate_python(entry, context={"now": run.now}), True
    except ValidationError as exc:
        run.problems += problems_from(exc, annotation, entry, (path,), say)
    value, _ = partial.parse(annotation, entry, {"now": run.now})
    return value, False


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    if annotation not in _ADAPTERS:
        _ADAPTERS[annotation] = TypeAdapter(annotation)
    return _ADAPTERS[annotation]


def rule_problems(path: str, rules: list[Rule], say: Say) -> Findings:
    """The problems of a model's cross-key rules, at their key paths under ``path``."""
    return Findings(
        tuple(
            Problem(join_path(path, *sub_path), complaint.render(say.secret))
            for sub_path, complaint in rules
        )
    )


def report_rules(path: str, rules: list[Rule], say: Say, run: Run) -> int:
    run.record(rule_problems(path, rules, say))
    return len(rules)


@dataclass(frozen=True)
class AppCheck:
    """What the checks of one application share: its path, what parsed, what may be shown,
    and the project clock and directory. Each check returns its findings."""

    name: str
    path: str
    settings: ApplicationSettings
    services: DeclaredServices
    say: Say
    services_say: Say
    now: datetime
    base_dir: Path

    def at(self, *parts: str | int) -> str:
        return join_path(self.path, *parts)

    def problem(self, *parts: str | int, message: str) -> Problem:
        return Problem(self.at(*parts), message)

    def key(self, name: object, siblings: Iterable[object]) -> str:
        return self.say.key(name, siblings)

    def ok(self, field_name: str) -> bool:
        """The field parsed (given and valid, or left to its default)."""
        return field_name not in self.settings.failed_fields

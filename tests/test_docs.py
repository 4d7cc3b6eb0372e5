"""README.md and docs/*.md against the code (``make docs-check``; ``make unit`` runs it too).

A newcomer types the README's quick start as it stands, follows its links, and copies the
commands, options and keys the pages name. So: the quick start runs as typed, in a copy of the
repository; the application example plans as the README shows; every relative link and
``#anchor`` resolves, with GitHub's heading slugs; every ``make`` target, tool option and
repository path named in code exists; every config key the schema accepts is documented, and
every documented key exists; and the README stays short enough to read in five minutes.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from components.config import load as config_load
from components.config.credentials import (
    CertificateRef,
    GenericCredential,
    GitHubCredential,
    KeyVaultSettings,
)
from components.config.models import (
    ApplicationSettings,
    ExplicitPermissions,
    ServiceSettings,
)
from components.config.redirects import RedirectUris
from components.config.secret import SecretSettings
from tests.conftest import DEV_NOW, ROOT

pytestmark = pytest.mark.docs

README = ROOT / "README.md"
PAGES = (README, *sorted((ROOT / "docs").glob("*.md")))
# The bound: a README read in five minutes.
README_MAX_LINES = 250

# --- reading Markdown ------------------------------------------------------------------------

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<lang>[\w-]*)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SHELL_LANGS = frozenset({"bash", "sh", "shell", "console"})


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, its text (dedented) and where it is."""

    lang: str
    text: str
    line: int
    section: str  # the heading above it


@dataclass(frozen=True)
class Page:
    path: Path
    headings: tuple[tuple[int, str], ...]  # (level, text), outside code blocks
    blocks: tuple[Block, ...]
    prose: tuple[tuple[int, str], ...]  # (line number, line) outside code blocks

    @property
    def name(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


@functools.cache
def read_page(path: Path) -> Page:
    headings: list[tuple[int, str]] = []
    blocks: list[Block] = []
    prose: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    section, index = "", 0
    while index < len(lines):
        line = lines[index]
        opened = FENCE.match(line)
        if opened:
            indent, fence = len(opened["indent"]), opened["fence"]
            body: list[str] = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith(fence):
                body.append(
                    lines[index][indent:] if lines[index][:indent].isspace() else lines[index]
                )
                index += 1
            start = index - len(body)
            blocks.append(Block(opened["lang"], "\n".join(body), start, section))
        else:
            prose.append((index + 1, line))
            heading = HEADING.match(line)
            if heading:
                headings.append((len(heading[1]), heading[2]))
                section = heading[2]
        index += 1
    return Page(path, tuple(headings), tuple(blocks), tuple(prose))


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: the rendered text in lower case, every character
    that is not a letter, digit, ``_``, ``-`` or space dropped, spaces turned into ``-``
    (github/cmark-gfm's and github-slugger's rule)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link renders as its text
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(page: Page) -> set[str]:
    """Every heading's anchor; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for _, text in page.headings:
        slug = github_slug(text)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.add(slug if count == 0 else f"{slug}-{count}")
    return out


def without_code_spans(line: str) -> str:
    return CODE_SPAN.sub("", line)


def code_spans(page: Page) -> Iterator[tuple[int, str]]:
    for number, line in page.prose:
        for span in CODE_SPAN.finditer(line):
            yield number, span[2].strip()


def shell_commands(page: Page) -> Iterator[tuple[int, str]]:
    """Commands a reader may type: inline code, and the lines of shell blocks (in console
    blocks only the ``$`` lines), continuation lines joined, comments dropped."""
    yield from code_spans(page)
    for block in page.blocks:
        if block.lang not in SHELL_LANGS:
            continue
        joined, start = "", block.line
        for offset, raw in enumerate(block.text.splitlines()):
            line = raw.strip()
            if block.lang == "console" and not joined:
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            if not joined:
                start = block.line + offset
            if line.endswith("\\"):
                joined += line[:-1] + " "
                continue
            yield start + 1, joined + line
            joined = ""


def segments(command: str) -> Iterator[list[str]]:
    """The words of each simple command in ``command`` (split at pipes, ``&&``, ``;``),
    comments cut off; a fragment shlex cannot split (prose in backticks) is skipped."""
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words = list(lexer)
    except ValueError:
        return
    current: list[str] = []
    for word in words:
        if word and set(word) <= set(";&|"):
            if current:
                yield current
            current = []
        else:
            current.append(word)
    if current:
        yield current


# --- (c) the README is short -----------------------------------------------------------------


def test_the_readme_reads_in_five_minutes() -> None:
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines, over {README_MAX_LINES}: move reference material to "
        "a page under docs/ and link it"
    )


# --- (b) links and anchors ------------------------------------------------------------------


def relative_links(page: Page) -> Iterator[tuple[int, str]]:
    for number, line in page.prose:
        for link in LINK.finditer(without_code_spans(line)):
            target = link[1]
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
                continue  # a web address: not checked offline
            yield number, target


def broken_links(page: Page) -> list[str]:
    problems = []
    for number, target in relative_links(page):
        where = f"{page.name}:{number}: {target}"
        path_part, _, anchor = target.partition("#")
        resolved = (page.path.parent / path_part).resolve() if path_part else page.path
        if ROOT not in (resolved, *resolved.parents):
            problems.append(f"{where} points outside the repository")
            continue
        if not resolved.exists():
            problems.append(f"{where}: no such file")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(read_page(resolved)):
            problems.append(f"{where}: no heading with the anchor #{anchor}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken_links(read_page(page)) == []


def test_github_slugs_follow_githubs_rule() -> None:
    # Headings of these pages whose anchors are linked, as GitHub renders them.
    assert github_slug("`healthcare-clients:protect`") == "healthcare-clientsprotect"
    assert github_slug("State in Azure Blob Storage (`azblob://`)") == (
        "state-in-azure-blob-storage-azblob"
    )
    assert github_slug("What is tested, and how") == "what-is-tested-and-how"
    assert github_slug("Many stacks: one per environment or tenant") == (
        "many-stacks-one-per-environment-or-tenant"
    )


def test_a_broken_link_or_anchor_is_reported() -> None:
    # The check itself bites: a page of docs/ with one good link, a missing file and a
    # missing anchor; a link in inline code is not a link.
    page = ROOT / "docs" / "configuration.md"
    probe = read_page(page)
    fake = Page(
        page,
        probe.headings,
        (),
        (
            (1, "[ok](rotation.md#revoking-a-secret) [gone](nowhere.md)"),
            (2, "[anchor](#no-such-heading) `[in code](nowhere.md)`"),
        ),
    )
    assert broken_links(fake) == [
        "docs/configuration.md:1: nowhere.md: no such file",
        "docs/configuration.md:2: #no-such-heading: no heading with the anchor #no-such-heading",
    ]


# --- (a) the quick start runs as typed ----------------------------------------------------------


def section_blocks(page: Page, heading: str, lang: str) -> list[Block]:
    return [b for b in page.blocks if b.section == heading and b.lang == lang]


def quick_start_commands() -> list[str]:
    blocks = section_blocks(read_page(README), "Quick start", "bash")
    assert blocks, "README.md: no ```bash block under '## Quick start'"
    return [line.strip() for line in blocks[0].text.splitlines() if line.strip()]


def application_example() -> tuple[dict[str, Any], list[str]]:
    """The README's example entry, and the plan lines it says the entry adds."""
    page = read_page(README)
    entry = section_blocks(page, "Add your own application", "yaml")
    shown = section_blocks(page, "Add your own application", "console")
    assert entry and shown, "README.md: the application example or its plan lines are gone"
    document = yaml.safe_load(entry[0].text)
    lines = [line.strip() for line in shown[0].text.splitlines() if line.strip()]
    return document, lines


# What a copy of the repository leaves out: built or installed, never read by the program.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".engine", "policy/venv", "venv", "node_modules", "__pycache__",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "out", "plan.json",
)  # fmt: skip


def copy_of_the_repository(destination: Path) -> Path:
    """The repository as a reader has it after `make plan` once: the files (their times kept,
    so make sees the installed virtualenv as up to date) and the installed .venv, linked."""
    shutil.copytree(ROOT, destination, ignore=NOT_COPIED, symlinks=True)
    venv = ROOT / ".venv" if (ROOT / ".venv").is_dir() else Path(sys.prefix)
    (destination / ".venv").symlink_to(venv, target_is_directory=True)
    return destination


def add_application(project: Path, entry: dict[str, Any]) -> None:
    stack_file = project / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text(encoding="utf-8"))
    for key, value in entry.items():
        document["config"][key].update(value)
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def is_edit_step(line: str) -> bool:
    """A comment in the quick start that asks the reader to edit the stack file."""
    return line.startswith("#") and "edit Pulumi.dev.yaml" in line


@dataclass(frozen=True)
class Ran:
    command: str
    returncode: int
    output: str
    after_edit: bool


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory: pytest.TempPathFactory) -> list[Ran]:
    project = copy_of_the_repository(tmp_path_factory.mktemp("quick-start") / "repo")
    # As a reader's shell has it: no make of ours around it, one clock for every plan (a
    # rotation boundary between two commands would otherwise show in the diff).
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env["HEALTHCARE_CLIENTS_NOW"] = DEV_NOW
    entry, _ = application_example()
    ran, edited = [], False
    for line in quick_start_commands():
        if is_edit_step(line):
            add_application(project, entry)
            edited = True
            continue
        if line.startswith("#"):
            continue
        proc = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        ran.append(Ran(line, proc.returncode, proc.stdout + proc.stderr, edited))
    return ran


def test_the_quick_start_runs_as_typed(quick_start: list[Ran]) -> None:
    assert quick_start, "README.md: the quick start block holds no command"
    for step in quick_start:
        assert step.returncode == 0, f"`{step.command}` exited {step.returncode}:\n{step.output}"


def test_the_application_example_plans_as_the_readme_shows(quick_start: list[Ran]) -> None:
    after = [step for step in quick_start if step.after_edit and "--diff" in step.command]
    assert after, (
        "README.md: the quick start no longer edits Pulumi.dev.yaml and then diffs the plan, "
        "which is what tests the application example"
    )
    _, shown = application_example()
    output = {line.strip() for line in after[-1].output.splitlines()}
    missing = [line for line in shown if line not in output]
    assert missing == [], f"the README shows lines the plan does not print:\n{after[-1].output}"


# --- every make target, tool option and repository path named exists ----------------------------


def make_targets(words: list[str]) -> list[str]:
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        words = words[1:]  # VAR=value make ...
    if not words or words[0] != "make":
        return []
    return [w for w in words[1:] if "=" not in w and not w.startswith("-")]


def tool_invocations(words: list[str]) -> Iterator[tuple[str, list[str]]]:
    """(module, its --options) for each ``python -m tools.x ...`` in the words."""
    for index, word in enumerate(words[:-1]):
        if word == "-m" and re.fullmatch(r"(tools|testbed|bench)(\.\w+)+", words[index + 1]):
            options = [w.split("=")[0] for w in words[index + 2 :] if w.startswith("--")]
            yield words[index + 1], options


def named_in_code() -> Iterator[tuple[str, int, list[str]]]:
    for path in PAGES:
        page = read_page(path)
        for number, command in shell_commands(page):
            for words in segments(command):
                yield page.name, number, words


@functools.cache
def make_knows(target: str) -> bool:
    proc = subprocess.run(
        ["make", "-n", "--no-print-directory", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS"}},
    )
    return proc.returncode == 0


@functools.cache
def help_text(module: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True
    )
    return proc.stdout + proc.stderr


def test_every_make_target_named_exists() -> None:
    unknown = [
        f"{page}:{number}: make {target}"
        for page, number, words in named_in_code()
        for target in make_targets(words)
        if not make_knows(target)
    ]
    assert unknown == []


def test_every_tool_and_option_named_exists() -> None:
    problems = []
    for page, number, words in named_in_code():
        for module, options in tool_invocations(words):
            if importlib.util.find_spec(module) is None:
                problems.append(f"{page}:{number}: no module {module}")
                continue
            usage = help_text(module)
            problems += [
                f"{page}:{number}: {module} has no option {option}"
                for option in options
                if option != "--help" and not re.search(rf"(?<![\w-]){option}(?![\w-])", usage)
            ]
    assert problems == []


PATH_ROOTS = ("components", "tools", "testbed", "tests", "policy", "bench", "engine", "docs")
REPO_PATH = re.compile(rf"(?:\.\./)?((?:{'|'.join(PATH_ROOTS)}|\.github|\.ci)/[\w./*-]*)")
# Named in the docs, made by a make target rather than kept in git.
GENERATED = frozenset({"policy/venv"})


def test_every_repository_path_named_exists() -> None:
    missing = []
    for path in PAGES:
        page = read_page(path)
        for number, span in code_spans(page):
            for token in span.split():
                found = REPO_PATH.fullmatch(token.split("::")[0].rstrip(".,;:)"))
                if not found or found[1].rstrip("/") in GENERATED:
                    continue
                named = found[1]
                exists = any(ROOT.glob(named)) if "*" in named else (ROOT / named).exists()
                if not exists:
                    missing.append(f"{page.name}:{number}: {named}")
    assert missing == []


def test_every_dotted_tool_module_named_exists() -> None:
    missing = []
    for path in PAGES:
        page = read_page(path)
        for number, span in code_spans(page):
            for package, name in re.findall(r"\b(tools|testbed)\.(\w+)", span):
                if (
                    not (ROOT / package / f"{name}.py").exists()
                    and not (ROOT / package / name).is_dir()
                ):
                    missing.append(f"{page.name}:{number}: {package}.{name}")
    assert missing == []


def test_a_wrong_target_option_or_path_is_reported() -> None:
    # The checks themselves bite.
    assert not make_knows("no-such-target")
    assert make_knows("docs-check")
    assert [
        t for w in segments('make plan STACK=dev PLAN_ARGS="--json x"') for t in make_targets(w)
    ] == ["plan"]
    (invocation,) = [
        inv
        for words in segments("pulumi stack output --json | .venv/bin/python -m tools.verify --stack-output - --nope")
        for inv in tool_invocations(words)
    ]  # fmt: skip
    assert invocation == ("tools.verify", ["--stack-output", "--nope"])
    assert not re.search(r"(?<![\w-])--nope(?![\w-])", help_text("tools.verify"))
    assert REPO_PATH.fullmatch("tests/e2e/test_nothing.py")
    assert not (ROOT / "tests/e2e/test_nothing.py").exists()


# --- every config key documented, every documented key real -------------------------------------

CONFIGURATION = ROOT / "docs" / "configuration.md"


def aliases(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def table_under(page: Page, heading: str) -> list[list[str]]:
    """The rows (cells) of the first table after ``heading``, header and rule left out."""
    lines = [line for _, line in page.prose]
    texts = [text for _, text in page.headings]
    assert heading in texts, f"{page.name}: no heading {heading!r}"
    start = next(
        i for i, line in enumerate(lines) if (m := HEADING.match(line)) and m[2] == heading
    )
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
        elif rows or HEADING.match(line):
            break
    return rows[2:]


def first_column_keys(rows: list[list[str]]) -> set[str]:
    return {key for row in rows for key in re.findall(r"`([^`]+)`", row[0])}


def test_every_top_level_key_has_its_heading() -> None:
    texts = {text for _, text in read_page(CONFIGURATION).headings}
    missing = {
        key for key in config_load.TOP_LEVEL_KEYS if f"`healthcare-clients:{key}`" not in texts
    }
    assert missing == set()


def test_the_service_keys_are_the_schemas() -> None:
    rows = table_under(read_page(CONFIGURATION), "`healthcare-clients:services`")
    assert first_column_keys(rows) == aliases(ServiceSettings)


def test_the_application_keys_are_the_schemas() -> None:
    rows = table_under(read_page(CONFIGURATION), "`healthcare-clients:applications`")
    expected = aliases(ApplicationSettings) - {"redirectUris"}
    expected |= {f"redirectUris.{key}" for key in aliases(RedirectUris)}
    assert first_column_keys(rows) == expected


def test_the_secret_keys_are_the_schemas() -> None:
    rows = table_under(read_page(CONFIGURATION), "`secret`")
    assert first_column_keys(rows) == aliases(SecretSettings)


@pytest.mark.parametrize(
    ("key", "models"),
    [
        ("keyVault", (KeyVaultSettings,)),
        ("federatedCredentials", (GitHubCredential, GenericCredential)),
        ("certificates", (CertificateRef,)),
        ("apiPermissions", (ExplicitPermissions,)),
    ],
)
def test_nested_keys_are_named_in_their_row(key: str, models: tuple[type[BaseModel], ...]) -> None:
    rows = table_under(read_page(CONFIGURATION), "`healthcare-clients:applications`")
    (row,) = [row for row in rows if row[0] == f"`{key}`"]
    words = set(re.findall(r"[A-Za-z]+", " ".join(row[1:])))
    missing = {alias for model in models for alias in aliases(model) if alias not in words}
    assert missing == set()


# --- what the code tells a reader to read exists ------------------------------------------------

# Where code, messages and comments send a reader: the program's sources, the tools, the fakes,
# the tests and the build files (the pages themselves are checked above).
SOURCE_DIRS = ("components", "tools", "testbed", "policy", "bench", "tests", "engine", "package")
SOURCE_FILES = ("Makefile", ".ci/run", "pyproject.toml", "__main__.py")
SOURCE_SUFFIXES = frozenset({".py", ".sh", ".go", ".yml", ".yaml", ".toml"})
# A page of this repository: directly under docs/, or a recorded preview.
DOC_REFERENCE = re.compile(r"(?<![\w./-])(docs/[\w-]+\.md|docs/previews/[\w.-]+\.txt)")
# ... and a section of one: `docs/design.md, "Rotation"`, `(README, "Compatibility")`.
SECTION_REFERENCE = re.compile(
    # A comma or a parenthesis between the page and the quoted heading, as in
    # `docs/pipelines.md ("Permissions")`; `README.md").read_text(` is code, not a reference.
    r"(?<![\w./-])(docs/[\w-]+\.md|README(?:\.md)?)(?:,\s*\(?|\s*\()[\"']([^\"'\n]+)[\"']"
)
# What another repository calls docs/x.md, named after that repository (`rhysd/actionlint
# docs/checks.md`), is not a page of ours.
OTHER_REPOSITORY = re.compile(r"[\w.-]+/[\w.-]+[\s#/`(]*$")


def source_texts() -> Iterator[tuple[str, str]]:
    paths = (
        [ROOT / name for name in SOURCE_FILES]
        + sorted(ROOT.glob("Pulumi*.yaml"))
        + [
            path
            for directory in SOURCE_DIRS
            for path in sorted((ROOT / directory).rglob("*"))
            if path.suffix in SOURCE_SUFFIXES and "venv" not in path.parts and path.is_file()
        ]
    )
    for path in paths:
        if path.exists() and path != Path(__file__):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def of_another_repository(text: str, offset: int) -> bool:
    return OTHER_REPOSITORY.search(text[max(0, offset - 80) : offset]) is not None


def pages_the_code_names() -> dict[str, list[str]]:
    """Each page of ours that the code names, and where it is named."""
    named: dict[str, list[str]] = {}
    for name, text in source_texts():
        for found in DOC_REFERENCE.finditer(text):
            if not of_another_repository(text, found.start()):
                named.setdefault(found[1], []).append(f"{name}:{line_of(text, found.start())}")
    return named


@pytest.mark.parametrize(
    ("page", "named_at"),
    [pytest.param(page, where, id=page) for page, where in sorted(pages_the_code_names().items())],
)
def test_every_page_the_code_names_exists(page: str, named_at: list[str]) -> None:
    assert (ROOT / page).exists(), f"{page} is named at {', '.join(named_at)} and does not exist"


def headings_of(page: str) -> set[str]:
    path = ROOT / ("README.md" if page.startswith("README") else page)
    return (
        {text.replace("`", "") for _, text in read_page(path).headings} if path.exists() else set()
    )


def test_every_section_the_code_names_exists() -> None:
    missing = [
        f"{name}:{line_of(text, found.start())}: {found[1]}, {found[2]!r}"
        for name, text in source_texts()
        for found in SECTION_REFERENCE.finditer(text)
        if not of_another_repository(text, found.start())
        and found[2].replace("`", "") not in headings_of(found[1])
    ]
    assert missing == []


def test_a_dangling_reference_is_reported() -> None:
    text = 'see docs/nowhere.md and (docs/design.md, "No such section"); rhysd/actionlint docs/checks.md'
    pages = [m[1] for m in DOC_REFERENCE.finditer(text)]
    assert pages == ["docs/nowhere.md", "docs/design.md", "docs/checks.md"]
    assert of_another_repository(text, text.index("docs/checks.md"))
    assert not of_another_repository(text, text.index("docs/nowhere.md"))
    ((page, section),) = [(m[1], m[2]) for m in SECTION_REFERENCE.finditer(text)]
    assert section not in headings_of(page)

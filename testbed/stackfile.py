"""Read ``Pulumi.<stack>.yaml`` the way the CLI would hand it to the program.

Used where there is no CLI (tests, ``tools.plan``, the benchmark). ``secure:`` values cannot
be decrypted without the CLI, so they become a redacted placeholder and their top-level key
is reported as secret, which is how the program sees a secret key on a real run.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components import PROJECT
from testbed.mockrun import PROJECT_DIR

SECRET_PLACEHOLDER = "[secret]"  # noqa: S105 (a redaction marker, not a password)


class StackFileError(ValueError):
    """The stack file is missing or is not valid YAML for a Pulumi stack."""


def _duplicate_key(node: yaml.Node, path: str = "") -> tuple[str, int] | None:
    """The first key written twice in one mapping, as a key path, and its line.

    YAML 1.1 silently keeps the last of two equal keys; a reviewed stack file must not. The
    check walks the composed nodes, so it knows where in the document each key sits.
    """
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                return child, key_node.start_mark.line + 1
            seen.add(key)
            found = _duplicate_key(value_node, child)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found = _duplicate_key(item, f"{path}[{index}]")
            if found:
                return found
    return None


@dataclass(frozen=True)
class StackFile:
    path: Path
    config: dict[str, Any]  # keys without the project prefix
    secret_keys: tuple[str, ...]
    other_namespaces: tuple[str, ...]
    # Keys of other namespaces, with their namespace (``azuread:tenantId``): the program
    # reads them only to spot a misspelt project namespace.
    other_keys: tuple[str, ...] = ()
    # The ``config`` mapping as written, every namespace, ``secure:`` values as ciphertext.
    raw: dict[str, Any] = field(default_factory=dict)


def _redact(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        found = False
        out = {}
        for key, item in value.items():
            out[key], secret = _redact(item)
            found = found or secret
        return out, found
    if isinstance(value, list):
        items = [_redact(item) for item in value]
        return [item for item, _ in items], any(secret for _, secret in items)
    return value, False


def load_stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> StackFile:
    path = project_dir / f"Pulumi.{stack}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StackFileError(f"cannot read {path.name}: {exc.strerror}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        duplicate = _duplicate_key(node) if node is not None else None
        if duplicate:
            key_path, line = duplicate
            raise StackFileError(
                f"{path.name}, line {line}: duplicate key {key_path}; YAML would silently keep "
                "only the last one: merge the two"
            )
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StackFileError(f"{path.name} is not valid YAML: {exc}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise StackFileError(f"{path.name}: expected a mapping with a 'config' mapping")
    config: dict[str, Any] = {}
    secret_keys: list[str] = []
    others: set[str] = set()
    other_keys: list[str] = []
    for full_key, value in (document.get("config") or {}).items():
        namespace, _, key = str(full_key).partition(":")
        if namespace != PROJECT or not key:
            others.add(namespace)
            other_keys.append(str(full_key))
            continue
        config[key], secret = _redact(value)
        if secret:
            secret_keys.append(key)
    return StackFile(
        path,
        config,
        tuple(secret_keys),
        tuple(sorted(others)),
        tuple(sorted(other_keys)),
        raw=dict(document.get("config") or {}),
    )

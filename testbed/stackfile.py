"""Read ``Pulumi.<stack>.yaml`` the way the CLI would hand it to the program.

Used where there is no CLI (tests, ``tools.plan``, the benchmark). ``secure:`` values cannot
be decrypted without the CLI, so they become a redacted placeholder and their top-level key
is reported as secret, which is how the program sees a secret key on a real run.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components import PROJECT
from testbed.mockrun import PROJECT_DIR

SECRET_PLACEHOLDER = "[secret]"  # noqa: S105 (a redaction marker, not a password)


class StackFileError(ValueError):
    """The stack file is missing or is not valid YAML for a Pulumi stack."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML 1.1 silently keeps the last of two equal keys; a reviewed stack file must not."""


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise StackFileError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class StackFile:
    path: Path
    config: dict[str, Any]  # keys without the project prefix
    secret_keys: tuple[str, ...]
    other_namespaces: tuple[str, ...]


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
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise StackFileError(f"{path.name} is not valid YAML: {exc}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise StackFileError(f"{path.name}: expected a mapping with a 'config' mapping")
    config: dict[str, Any] = {}
    secret_keys: list[str] = []
    others: set[str] = set()
    for full_key, value in (document.get("config") or {}).items():
        namespace, _, key = str(full_key).partition(":")
        if namespace != PROJECT or not key:
            others.add(namespace)
            continue
        config[key], secret = _redact(value)
        if secret:
            secret_keys.append(key)
    return StackFile(path, config, tuple(secret_keys), tuple(sorted(others)))

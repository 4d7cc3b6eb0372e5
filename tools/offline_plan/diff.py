"""Two plans compared resource by resource and leaf by leaf, as ``--diff`` shows them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from components.provider_resources import RESOURCE_TYPES
from tools.offline_plan.document import canonical, flatten

# Inputs whose change makes the provider replace the resource rather than update it, from
# the providers' own sources (components/provider_resources.py).
FORCE_NEW: dict[str, frozenset[str]] = {
    token: resource.replace_on for token, resource in RESOURCE_TYPES.items()
}


@dataclass(frozen=True)
class PropertyChange:
    op: str  # "+", "-", "~"
    path: str
    old: Any = None
    new: Any = None
    replaces: bool = False


@dataclass
class PlanDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], list[PropertyChange]]] = field(default_factory=list)
    unchanged: int = 0
    outputs: list[PropertyChange] = field(default_factory=list)
    uncompared_secrets: int = 0

    @property
    def replaced(self) -> int:
        return sum(1 for _, changes in self.changed if any(c.replaces for c in changes))

    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.outputs)


def compare_values(
    old: Any,
    new: Any,
    old_secret: Iterable[str],
    new_secret: Iterable[str],
    force_new: frozenset[str] = frozenset(),
) -> tuple[list[PropertyChange], int]:
    """Leaf-by-leaf changes, and how many secret leaves could not be compared.

    A redacted value hides its content, so two redacted leaves are counted, not called
    equal; a leaf that became (or stopped being) secret is shown as a change.
    """
    before, after = flatten(old), flatten(new)
    old_s, new_s = set(old_secret), set(new_secret)
    changes: list[PropertyChange] = []
    uncompared = 0
    for path in sorted(set(before) | set(after)):
        top = re.split(r"[.\[]", path, maxsplit=1)[0]
        replaces = top in force_new
        if path not in after:
            changes.append(PropertyChange("-", path, old=before[path], replaces=replaces))
        elif path not in before:
            changes.append(PropertyChange("+", path, new=after[path], replaces=replaces))
        elif path in old_s and path in new_s:
            uncompared += 1
        elif canonical(before[path]) != canonical(after[path]) or (path in old_s) != (
            path in new_s
        ):
            changes.append(PropertyChange("~", path, before[path], after[path], replaces))
    return changes, uncompared


def diff_plans(old: dict[str, Any], new: dict[str, Any]) -> PlanDiff:
    result = PlanDiff()
    before = {r["urn"]: r for r in old.get("resources", [])}
    after = {r["urn"]: r for r in new["resources"]}
    for urn in sorted(set(before) | set(after)):
        if urn not in before:
            result.added.append(after[urn])
            continue
        if urn not in after:
            result.removed.append(before[urn])
            continue
        was, now = before[urn], after[urn]
        changes, uncompared = compare_values(
            was.get("inputs") or {},
            now.get("inputs") or {},
            was.get("secretInputs") or (),
            now.get("secretInputs") or (),
            FORCE_NEW.get(now["type"], frozenset()),
        )
        result.uncompared_secrets += uncompared
        if bool(was.get("protect")) != bool(now.get("protect")):
            changes.append(PropertyChange("~", "[protect]", was.get("protect"), now["protect"]))
        if changes:
            result.changed.append((now, changes))
        else:
            result.unchanged += 1
    result.outputs, uncompared = compare_values(
        old.get("outputs") or {},
        new["outputs"],
        old.get("secretOutputs") or (),
        new["secretOutputs"],
    )
    result.uncompared_secrets += uncompared
    return result

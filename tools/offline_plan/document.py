"""The plan as data: built once from a mock run, redacted and sorted, the one source of
both the text and the JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from testbed.mockrun import MockRun
from tools.offline_plan.redaction import SECRET, join, redact


def short_type(token: str) -> str:
    """``azuread:index/applicationPassword:ApplicationPassword`` -> ``azuread:index:ApplicationPassword``,
    as the Pulumi CLI displays type tokens."""
    parts = token.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        parts[1] = parts[1].split("/", 1)[0]
    return ":".join(parts)


def build_plan(
    run: MockRun, *, stack: str, clock: str, secret_keys: Iterable[str] = ()
) -> dict[str, Any]:
    """The redacted, sorted plan: the one source of both the text and the JSON.

    The service-principal lookups name the APIs that ``applications`` asks permissions on,
    so with that key secret their arguments are withheld like any value derived from it.
    """
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "custom": r.custom,
            "inputs": redact(r.inputs, r.secret_inputs),
            "protect": r.protect,
            "secretInputs": sorted(r.secret_inputs),
        }
        for r in run.resources
    ]
    hide_args = "applications" in set(secret_keys)
    invokes = [
        {"token": token, "args": {k: SECRET for k in args} if hide_args else args}
        for token, args in run.invokes
    ]
    return {
        "stack": stack,
        "clock": clock,
        "resources": sorted(resources, key=lambda r: r["urn"]),
        "outputs": redact(run.outputs, run.secret_output_paths),
        "secretOutputs": sorted(run.secret_output_paths),
        "invokes": sorted(invokes, key=lambda i: (i["token"], canonical(i["args"]))),
        "warnings": [message for level, message in run.logs if level == "warning"],
    }


def canonical(value: Any) -> str:
    """Compact, key-sorted JSON: the form values are printed and compared in."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def plan_json(plan: dict[str, Any]) -> str:
    return json.dumps(plan, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n"


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaves by path (``rotateWhenChanged.generation``, ``redirectUris[0]``); empty
    containers are leaves so that ``[]`` versus a missing key still shows."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k in sorted(value):
            out.update(flatten(value[k], join(path, str(k))))
        return out
    if isinstance(value, (list, tuple)) and value:
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, join(path, i)))
        return out
    return {path: value}

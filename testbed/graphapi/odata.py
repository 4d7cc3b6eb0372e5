"""Graph's wire conventions: its error shape, ``$filter`` and ``$select`` as the provider uses
them, and a directory object's ``@odata`` annotations."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any


class GraphError(Exception):
    """A refusal in Graph's words: HTTP status, error code and message."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The error resource of learn.microsoft.com/graph/errors: ``code``, ``message`` and
        ``innerError`` with the request's ID and date."""
        request_id = str(uuid.uuid4())
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": request_id,
                },
            }
        }


def not_found(what: str = "") -> GraphError:
    # The message Graph gives for a directory object ID that resolves to nothing.
    detail = f"Resource '{what}' does not exist or one of its queried reference-property objects are not present."
    return GraphError(
        404, "Request_ResourceNotFound", detail if what else "Resource does not exist."
    )


def bad_request(message: str, code: str = "Request_BadRequest") -> GraphError:
    return GraphError(400, code, message)


# `$filter` clauses as the provider writes them: `appId eq '<guid>'`, joined by `and`
# (go-azure-sdk odata.Query; TF helpers build single-property equality filters).
_CLAUSE = re.compile(r"^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$")


def parse_filter(text: str | None) -> list[tuple[str, str]]:
    if not text:
        return []
    clauses = []
    for part in re.split(r"\s+and\s+", text):
        match = _CLAUSE.match(part)
        if match is None:
            raise bad_request(f"Invalid filter clause: {part.strip()}", "BadRequest")
        clauses.append((match[1], match[2].replace("''", "'")))
    return clauses


def matches(entity: Mapping[str, Any], clauses: Iterable[tuple[str, str]]) -> bool:
    # Graph compares GUIDs and names case-insensitively in `eq` filters on these properties.
    return all(str(entity.get(key, "")).lower() == value.lower() for key, value in clauses)


def select(entity: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """``$select``: the named properties (and ``id``), as Graph trims its answer."""
    if not fields:
        return entity
    wanted = {f.strip() for f in fields.split(",") if f.strip()} | {"id"}
    return {k: v for k, v in entity.items() if k in wanted or k.startswith("@odata")}


def collection(base: str, entities: list[dict[str, Any]], context: str) -> dict[str, Any]:
    return {"@odata.context": f"{base}/$metadata#{context}", "value": entities}


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

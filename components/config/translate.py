"""pydantic's errors, as sentences located by the user's own key path.

pydantic locates an error by a tuple that mixes the user's map keys, our field aliases, list
indexes and, for tagged unions, the tag it chose. The tag is dropped by walking the schema
alongside the location (a tag is only ever where the schema has a tagged union), never by
its spelling: a federated credential the user named ``github`` keeps its name in the path.
"""

import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from components.config.base import EMPTY
from components.config.disclosure import Say
from components.errors import Invalid, Problem, join_path


@dataclass(frozen=True)
class Located:
    """Where an error is, as the user wrote it, and what the schema expects there."""

    parts: tuple[str | int, ...]
    field: FieldInfo | None  # the model field the location ends on, if it ends on one
    parent: Any  # the schema of the mapping that holds the last part
    parent_raw: Any  # the user's mapping that holds the last part


def unwrap(annotation: Any) -> tuple[Any, Any]:
    """The annotation without ``Annotated``, and the union discriminator it carries, if any."""
    discriminator = None
    while typing.get_origin(annotation) is Annotated:
        args = typing.get_args(annotation)
        for meta in args[1:]:
            if type(meta).__name__ == "Discriminator":
                discriminator = meta
        annotation = args[0]
    return annotation, discriminator


def without_none(annotation: Any) -> Any:
    """``X | None`` as ``X``: pydantic adds nothing to a location for the optional part."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [m for m in typing.get_args(annotation) if m is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def tagged_members(union: Any) -> dict[str, Any]:
    members = {}
    for member in typing.get_args(union):
        for meta in typing.get_args(member)[1:] if typing.get_origin(member) is Annotated else ():
            if type(meta).__name__ == "Tag":
                members[meta.tag] = member
    return members


def _field_annotation(model: type[BaseModel], name: str) -> Any:
    return typing.get_type_hints(model, include_extras=True)[name]


def _model_field(model: type[BaseModel], alias: object) -> tuple[str, FieldInfo] | None:
    for name, info in model.model_fields.items():
        if (info.alias or name) == alias:
            return name, info
    return None


def locate(annotation: Any, raw: Any, loc: tuple[str | int, ...], say: Say) -> Located:
    """Walk ``loc`` through the schema and the user's input, rendering each user key."""
    parts: list[str | int] = []
    field: FieldInfo | None = None
    parent: Any = annotation
    parent_raw: Any = raw
    queue = list(loc)
    while queue:
        current, discriminator = unwrap(annotation)
        if discriminator is None and without_none(current) is not current:
            annotation = without_none(current)
            continue
        if discriminator is not None and typing.get_origin(current) in (
            typing.Union,
            types.UnionType,
        ):
            members = tagged_members(current)
            tag = queue[0]
            if isinstance(tag, str) and tag in members:
                queue.pop(0)
                annotation = members[tag]
                continue
            break  # the error is about the union itself (no form fits)
        part = queue.pop(0)
        parent, parent_raw = current, raw
        field = None
        if isinstance(current, type) and issubclass(current, BaseModel):
            found = _model_field(current, part)
            if found is None:  # an unknown key: the user's
                siblings = raw.keys() if isinstance(raw, Mapping) else ()
                parts.append(say.key(part, siblings))
                annotation, raw = None, None
                continue
            name, field = found
            parts.append(str(part))
            annotation = _field_annotation(current, name)
            raw = raw.get(part) if isinstance(raw, Mapping) else None
        elif typing.get_origin(current) in (Mapping, dict):
            siblings = raw.keys() if isinstance(raw, Mapping) else ()
            parts.append(say.key(part, siblings))
            annotation = typing.get_args(current)[1]
            raw = raw.get(part) if isinstance(raw, Mapping) else None
        elif typing.get_origin(current) is tuple and isinstance(part, int):
            parts.append(part)
            annotation = typing.get_args(current)[0]
            raw = raw[part] if isinstance(raw, (list, tuple)) and part < len(raw) else None
        else:
            # Nothing else in the schema adds to a location; keep what pydantic says.
            parts.append(part if isinstance(part, int) else say.key(part, ()))
            annotation, raw = None, None
    return Located(tuple(parts), field, parent, parent_raw)


def allowed_keys(schema: Any) -> list[str]:
    current, _ = unwrap(schema)
    models = [
        m
        for m in (current, *typing.get_args(current))
        if isinstance(m, type) and issubclass(m, BaseModel)
    ]
    return sorted({info.alias or name for m in models for name, info in m.model_fields.items()})


def problems_from(
    error: ValidationError,
    annotation: Any,
    raw: Any,
    prefix: tuple[str | int, ...],
    say: Say,
) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        where = locate(annotation, raw, tuple(item["loc"]), say)
        message = _message(item, where, say)
        problems.append(Problem(join_path(*prefix, *where.parts), message))
    return problems


# What a value of the wrong type is told, by pydantic's error type; {} is the value as shown.
_WRONG_TYPE = {
    "literal_error": "{} is not one of {expected}",
    "bool_type": "must be true or false, not {}",
    "bool_parsing": "must be true or false, not {}",
    "string_type": "must be a string, not {}",
    "tuple_type": "must be a list, not {}",
    "list_type": "must be a list, not {}",
    "iterable_type": "must be a list, not {}",
    "dict_type": "must be a mapping of keys to values, not {}",
    "model_type": "must be a mapping of keys to values, not {}",
    "model_attributes_type": "must be a mapping of keys to values, not {}",
    "mapping_type": "must be a mapping of keys to values, not {}",
}
_NOT_A_DATE = "{} is not an ISO 8601 date (e.g. 2027-01-31)"


def _message(item: Any, where: Located, say: Say) -> str:
    kind = item["type"]
    value = item.get("input")
    ctx = item.get("ctx") or {}
    if value is EMPTY:
        required = where.field is not None and where.field.is_required()
        if required:
            return "is empty; give a value"
        return "is empty; give a value, or leave the key out to use its default"
    if kind == "extra_forbidden":
        return _unknown_key(item["loc"][-1], where, say)
    if kind == "missing":
        return "is required"
    if kind in _WRONG_TYPE:
        return _WRONG_TYPE[kind].format(say.value(value), expected=ctx.get("expected", ""))
    if kind.startswith(("datetime", "date_")):
        return _NOT_A_DATE.format(say.value(value))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return "is not a recognised form"
    return _size_message(kind, value, ctx, say) or _validator_message(item, ctx, say)


def _size_message(kind: str, value: Any, ctx: Mapping[str, Any], say: Say) -> str | None:
    """A string or list that is too long or too short, or None for another kind of error."""
    if kind == "string_too_long":
        maximum = ctx.get("max_length")
        if say.secret or not isinstance(value, str):
            return f"is longer than {maximum} characters, the most accepted"
        return f"is {len(value)} characters; at most {maximum} are accepted"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_long":
        return f"has {ctx.get('actual_length')} items; at most {ctx.get('max_length')} are accepted"
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        return "must not be empty" if minimum == 1 else f"needs at least {minimum} items"
    return None


def _validator_message(item: Any, ctx: Mapping[str, Any], say: Say) -> str:
    """One of our validators' complaints (``Invalid``), or pydantic's own words."""
    error = ctx.get("error")
    if isinstance(error, Invalid):
        return error.render(say.secret)
    if say.secret:
        return "is not valid (the details would quote the value, which is secret)"
    return str(item["msg"]).removeprefix("Value error, ")


def _unknown_key(key: object, where: Located, say: Say) -> str:
    allowed = allowed_keys(where.parent)
    siblings = where.parent_raw.keys() if isinstance(where.parent_raw, Mapping) else ()
    shown_key = say.quoted_key(key, siblings)
    listing = f" Known keys: {', '.join(allowed)}." if allowed else ""
    if say.secret:
        # Even a suggestion would tell something about the key.
        return f"unknown key {shown_key}.{listing}"
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key {shown_key}; did you mean '{close[0]}'?"
    return f"unknown key {shown_key}.{listing}"

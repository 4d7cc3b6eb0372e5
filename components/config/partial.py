"""Keep whatever parts of a mapping parsed, so the checks across keys still run on them.

When a model fails validation, pydantic gives the errors (reported in full elsewhere) but no
object. Here each field is validated on its own; a model is then built from the fields that
parsed (``model_construct``), remembering which did not (``failed_fields``). Maps keep the
entries that parsed, and a nested model that failed is itself built from its parts. A list
or scalar that failed is left out: there is nothing partial to check in it.
"""

import functools
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from components.config.translate import tagged_members, unwrap, without_none


class _Missing:
    pass


MISSING: Any = _Missing()


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


@functools.cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, str, Any, bool], ...]:
    hints = typing.get_type_hints(model, include_extras=True)
    return tuple(
        (name, info.alias or name, hints[name], info.is_required())
        for name, info in model.model_fields.items()
    )


def parse(annotation: Any, raw: Any, context: Mapping[str, Any]) -> tuple[Any, bool]:
    """``(value, complete)``: the validated value, or what parsed of it, or ``MISSING``."""
    try:
        return _adapter(annotation).validate_python(raw, context=dict(context)), True
    except ValidationError:
        pass
    current, discriminator = unwrap(annotation)
    if discriminator is None and without_none(current) is not current:
        return parse(without_none(current), raw, context)
    if discriminator is not None:
        members = tagged_members(current)
        tag = discriminator.discriminator(raw) if callable(discriminator.discriminator) else None
        if tag in members:
            value, _ = parse(members[tag], raw, context)
            return value, False
        return MISSING, False
    if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(raw, Mapping):
        return _model(current, raw, context), False
    if typing.get_origin(current) in (Mapping, dict) and isinstance(raw, Mapping):
        value_type = typing.get_args(current)[1]
        entries = {}
        for key, item in raw.items():
            value, _ = parse(value_type, item, context)
            if value is not MISSING and isinstance(key, str):
                entries[key] = value
        return entries, False
    return MISSING, False


def _model(model: type[BaseModel], raw: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
    values: dict[str, Any] = {}
    failed: set[str] = set()
    for name, alias, annotation, required in _fields(model):
        if alias not in raw:
            if required:
                failed.add(name)
            continue
        item = raw[alias]
        value, complete = (MISSING, False) if item is None else parse(annotation, item, context)
        if not complete:
            failed.add(name)
        if value is not MISSING:
            values[name] = value
    instance = model.model_construct(**values)
    instance.__pydantic_private__ = {"_failed": frozenset(failed)}
    return instance

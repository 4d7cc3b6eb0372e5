"""What every part of the stack configuration's schema shares: the model base, names,
instants, object IDs, and the shape of a rule across the keys of one mapping.

pydantic checks what one key can tell on its own: types, unknown keys, formats. Rules that
read several keys of one mapping (``rotation: none`` needs ``start`` and ``end``) are plain
functions next to their model (``secret_rules`` ...), not model validators: they run on
whatever parts parsed (``components.config.partial``), so a malformed ``expiresIn`` does not
hide a missing ``end`` until the next run. Validators raise ``Invalid`` so that a secret
key's values can be withheld from the message.
"""

import re
import types
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictStr,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components import healthcare
from components.errors import Invalid, Plain

# Logical names are part of every URN, resource name and Key Vault secret name.
NAME_RE = re.compile(r"^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$")
NAME_RULE = "1-40 characters: lowercase letters, digits and '-', starting with a letter"


class Empty:
    """What an explicit null becomes before validation, so every type refuses it alike."""

    def __repr__(self) -> str:
        return "empty"


EMPTY = Empty()


class ConfigModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
        # Strictness is per field (StrictStr, StrictBool) so YAML lists still become tuples.
        strict=False,
    )

    # Names of the fields that did not parse, on a model built from the parts that did
    # (components.config.partial); empty on a model that validated whole.
    _failed: frozenset[str] = PrivateAttr(default=frozenset())

    @property
    def failed_fields(self) -> frozenset[str]:
        return self._failed

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        # YAML writes an empty value (`secret:`) as null. An optional key would take null as
        # "use the default" and a required one would refuse it: one rule for all is clearer.
        if isinstance(data, Mapping):
            return {key: EMPTY if value is None else value for key, value in data.items()}
        return data


def frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return types.MappingProxyType(dict(value))


def empty_map() -> Mapping[str, Any]:
    return types.MappingProxyType({})


def dedupe(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _as_instant(value: object) -> object:
    """Accept YAML dates/timestamps and ISO 8601 strings; a bare date means 00:00 UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid("{} is not an ISO 8601 date (e.g. 2027-01-31)", value) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, (bool, int, float)):
        # pydantic would read a number as seconds since 1970.
        raise Invalid("{} is not an ISO 8601 date (e.g. 2027-01-31)", value)
    return value


Instant = Annotated[datetime, BeforeValidator(_as_instant)]


def _check_uuid(value: str) -> str:
    if not healthcare.is_guid(value):
        raise Invalid("{} is not an object ID (a GUID)", value)
    return value.lower()


ObjectId = Annotated[StrictStr, AfterValidator(_check_uuid)]

# Graph application.displayName: at most 256 characters.
MAX_DISPLAY_NAME = 256

# Entra: at most 100 owners per application.
MAX_OWNERS = 100


def _check_display_name(value: str) -> str:
    if not value.strip():
        raise Invalid("must not be empty")
    if value != value.strip():
        raise Invalid("{} has leading or trailing spaces", value)
    if len(value) > MAX_DISPLAY_NAME:
        raise Invalid(
            f"is {{}} characters; Entra accepts at most {MAX_DISPLAY_NAME}", Plain(str(len(value)))
        )
    return value


DisplayName = Annotated[StrictStr, AfterValidator(_check_display_name)]
Owners = Annotated[tuple[ObjectId, ...], AfterValidator(dedupe), Field(max_length=MAX_OWNERS)]


# Each takes the parsed model and the names of its fields that did not parse, and returns
# (sub-path, complaint) pairs; a rule that needs a field that did not parse is skipped.

Rule = tuple[tuple[str | int, ...], Invalid]


def given(model: ConfigModel, name: str) -> bool:
    """The user wrote the key (whether or not its value parsed)."""
    return name in model.model_fields_set or name in model.failed_fields

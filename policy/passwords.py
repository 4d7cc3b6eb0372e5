"""The client secret rule: every password expires, at most ``maxPasswordLifetimeMonths``
after it starts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from components.clock import add_months
from policy.settings import (
    DEFAULT_MAX_PASSWORD_LIFETIME_MONTHS,
    MAX_PASSWORD_LIFETIME_MONTHS,
    int_config,
)
from policy.wire import APPLICATION_PASSWORD, Config, Props, is_unknown


def _parse_rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def check_password_lifetime(
    resource_type: str,
    props: Props,
    config: Config,
    now: Callable[[], datetime] | None = None,
) -> list[str]:
    """Every password has an ``endDate`` at most ``maxPasswordLifetimeMonths`` after its start.

    The start is ``startDate`` when set, otherwise the validation time (``now()``, injectable for
    tests; the service starts the password when it creates it).
    """
    if resource_type != APPLICATION_PASSWORD:
        return []
    limit = int_config(config, MAX_PASSWORD_LIFETIME_MONTHS, DEFAULT_MAX_PASSWORD_LIFETIME_MONTHS)
    end_raw = props.get("endDate")
    if is_unknown(end_raw):
        return []
    if not end_raw:
        hint = (
            " (endDateRelative is deprecated; set endDate)" if props.get("endDateRelative") else ""
        )
        return [f"password has no endDate{hint}: every client secret must expire."]
    try:
        end = _parse_rfc3339(str(end_raw))
    except ValueError:
        return [f"endDate {end_raw!r} is not an RFC 3339 timestamp."]
    start_raw = props.get("startDate")
    if is_unknown(start_raw):
        return []
    found = _password_start(start_raw, now)
    if isinstance(found, str):
        return [found]
    start, start_label = found
    if end <= start:
        return [f"endDate {end_raw} is not after {start_label}."]
    latest = add_months(start, limit)
    if end > latest:
        return [
            f"endDate {end_raw} is more than {limit} months after {start_label} "
            f"(latest allowed: {latest.isoformat(timespec='seconds')})."
        ]
    return []


def _password_start(
    start_raw: Any, now: Callable[[], datetime] | None
) -> tuple[datetime, str] | str:
    """When a password starts, and how a message names that moment; or the complaint."""
    if start_raw:
        try:
            return _parse_rfc3339(str(start_raw)), f"startDate {start_raw}"
        except ValueError:
            return f"startDate {start_raw!r} is not an RFC 3339 timestamp."
    start = (now or (lambda: datetime.now(UTC)))()
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start, f"now ({start.isoformat(timespec='seconds')})"

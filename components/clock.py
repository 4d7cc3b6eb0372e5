"""The program's one clock.

Every date the stack derives (secret generations, expiry warnings) comes from a single
reading of "now", taken once per program run. Tests, offline plans and the benchmark set
it with ``HEALTHCARE_CLIENTS_NOW`` so that a rerun with the same clock registers the same
inputs and previews no changes.
"""

import os
from datetime import UTC, datetime

NOW_ENV = "HEALTHCARE_CLIENTS_NOW"


class ClockError(ValueError):
    """HEALTHCARE_CLIENTS_NOW is set but is not an ISO 8601 timestamp."""


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 date or timestamp; a value without an offset is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ClockError(
            f"{NOW_ENV}={text!r} is not an ISO 8601 timestamp (e.g. 2026-11-27T09:00:00Z)"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def now() -> datetime:
    """Read the clock: ``HEALTHCARE_CLIENTS_NOW`` when set, else the system's UTC time."""
    override = os.environ.get(NOW_ENV)
    if override:
        return parse_instant(override)
    return datetime.now(UTC)


def rfc3339(value: datetime) -> str:
    """Format as the RFC 3339 UTC form the azuread provider and Graph expect."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months, the day clamped to the target month (Jan 31 + 1 = Feb 28).

    How the portal and the policy count a lifetime given in months."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has at least 28 days")  # pragma: no cover

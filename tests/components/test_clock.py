"""Calendar arithmetic shared by the config checks and the policy pack."""

from datetime import UTC, datetime

from components.clock import add_months


def test_add_months_clamps_the_day() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2027, 11, 30, tzinfo=UTC), 3) == datetime(2028, 2, 29, tzinfo=UTC)

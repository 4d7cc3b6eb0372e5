"""Two-slot client secret rotation arithmetic (docs/design.md, "Rotation"). Pure: no Pulumi.

Time is cut into generations of length ``period`` counted from a fixed epoch. Generation
``g`` belongs to slot ``"ab"[g % 2]``. Each slot holds the password of the newest
generation it owns, ending at that generation's start + ``lifetime``. Because
``lifetime >= 2 * period``, the slot that just stopped being active stays valid for at
least one more period: a consumer that refreshes once per period never holds a dead secret.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# The portal's presets, as it counts them ("180 days (6 months)" and so on).
LIFETIMES: dict[str, timedelta] = {
    "3 months": timedelta(days=90),
    "6 months": timedelta(days=180),
    "12 months": timedelta(days=365),
    "24 months": timedelta(days=730),
}
# Entra refuses client secrets that live longer than two years.
MAX_LIFETIME = timedelta(days=730)
# A Monday, so weekly periods line up with calendar weeks. Never change it: every
# generation number in every stack's state is counted from here.
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SLOTS = ("a", "b")


@dataclass(frozen=True)
class SlotState:
    slot: str
    generation: int
    generation_start: datetime
    end_date: datetime
    active: bool


@dataclass(frozen=True)
class RotationPolicy:
    lifetime: timedelta
    period: timedelta

    def __post_init__(self) -> None:
        if self.period < timedelta(days=1):
            raise ValueError("the rotation period must be at least one day")
        if self.lifetime > MAX_LIFETIME:
            raise ValueError("a client secret may live at most 24 months (730 days)")
        if self.lifetime < 2 * self.period:
            raise ValueError(
                f"lifetime ({self.lifetime.days} days) must be at least twice the rotation "
                f"period ({self.period.days} days) so the previous secret outlives a full period"
            )

    @classmethod
    def default_for(cls, lifetime: timedelta) -> "RotationPolicy":
        return cls(lifetime=lifetime, period=timedelta(days=lifetime.days // 2))

    def generation_at(self, now: datetime) -> int:
        return (now - EPOCH) // self.period

    def generation_start(self, generation: int) -> datetime:
        return EPOCH + generation * self.period

    def slots(self, now: datetime) -> tuple[SlotState, SlotState]:
        """The state of both slots at ``now``; the first is slot ``a``."""
        current = self.generation_at(now)
        states = []
        for index, slot in enumerate(SLOTS):
            generation = current if current % 2 == index else current - 1
            start = self.generation_start(generation)
            states.append(
                SlotState(
                    slot=slot,
                    generation=generation,
                    generation_start=start,
                    end_date=start + self.lifetime,
                    active=generation == current,
                )
            )
        return states[0], states[1]

    def active(self, now: datetime) -> SlotState:
        first, second = self.slots(now)
        return first if first.active else second

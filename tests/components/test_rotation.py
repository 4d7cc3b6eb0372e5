"""Rotation arithmetic (components/rotation.py, docs/design.md "Rotation"), without Pulumi.

The step checker here (``check_step``) is shared with the mock-runtime simulation in
``tests/components/test_rotating_secret.py``: both feed it what two consecutive runs registered.
The figures both simulations observe are collected in ``SIMULATION``, printed, and written
to ``rotation-simulation.json`` in pytest's base temporary directory, never into the tree.

Longer than 400 lines: the step checker is the rotation invariants as code, shared with the
mock-runtime simulation, and the property-based tests drive it.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from components.rotation import EPOCH, LIFETIMES, MAX_LIFETIME, RotationPolicy, SlotState

TWENTY_FOUR_MONTHS = timedelta(days=730)


# --- the step checker, shared with the mock-runtime simulation ---------------------------------


@dataclass(frozen=True)
class SlotView:
    """One password as a run registered it: what the checker needs to know."""

    slot: str
    inputs: Mapping[str, Any]  # everything registered; a change means a replacement
    generation: int
    generation_start: datetime
    end: datetime
    active: bool


@dataclass
class SimulationRecord:
    """What one simulation observed; several examples accumulate into one record."""

    runs: int = 0
    examples: int = 0
    clock_days: float = 0.0  # the longest simulated span, in days
    replacements: int = 0
    policies: set[tuple[int, int]] = field(default_factory=set)  # (lifetime, period) in days
    min_overlap: timedelta | None = None  # min over replacements of other.end - now
    min_overlap_policy: tuple[int, int] | None = None
    min_overlap_margin: timedelta | None = None  # min of (other.end - now) - period
    below_one_period: int = 0  # replacements where other.end < now + period

    def overlap(self, overlap: timedelta, policy: RotationPolicy) -> None:
        """Record the retired slot's remaining validity at a replacement."""
        key = (policy.lifetime.days, policy.period.days)
        if self.min_overlap is None or overlap < self.min_overlap:
            self.min_overlap, self.min_overlap_policy = overlap, key
        margin = overlap - policy.period
        if self.min_overlap_margin is None or margin < self.min_overlap_margin:
            self.min_overlap_margin = margin
        if overlap < policy.period:
            self.below_one_period += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "examples": self.examples,
            "years": round(self.clock_days / 365.25, 2),
            "replacements": self.replacements,
            "lifetimesDays": sorted({life for life, _ in self.policies}),
            "policies": [
                {"lifetimeDays": life, "periodDays": p} for life, p in sorted(self.policies)
            ],
            "smallestOverlapDays": _days(self.min_overlap),
            "smallestOverlapPolicy": (
                {
                    "lifetimeDays": self.min_overlap_policy[0],
                    "periodDays": self.min_overlap_policy[1],
                }
                if self.min_overlap_policy
                else None
            ),
            "smallestOverlapMinusPeriodDays": _days(self.min_overlap_margin),
            "replacementsWithOverlapBelowOnePeriod": self.below_one_period,
        }


def _days(value: timedelta | None) -> float | None:
    return None if value is None else round(value / timedelta(days=1), 3)


SIMULATION: dict[str, SimulationRecord] = {}


def simulation_record(name: str) -> SimulationRecord:
    return SIMULATION.setdefault(name, SimulationRecord())


def write_figures(directory: Path) -> None:
    """Print the figures and write them to ``directory/rotation-simulation.json``."""
    if not SIMULATION:
        return
    figures = {name: record.as_json() for name, record in sorted(SIMULATION.items())}
    out_file = directory / "rotation-simulation.json"
    print(f"\nrotation simulation ({out_file}):", json.dumps(figures, indent=1))
    out_file.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def _figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield
    write_figures(tmp_path_factory.getbasetemp())


def check_step(  # noqa: PLR0913 (a run's whole description, keyword-only)
    *,
    now: datetime,
    previous: Mapping[str, SlotView] | None,
    current: Mapping[str, SlotView],
    policy: RotationPolicy,
    run_interval: timedelta,
    expires_at: datetime | None = None,
    record: SimulationRecord | None = None,
) -> list[str]:
    """Every way the step ``previous -> current`` (a run at ``now``) breaks the rotation
    invariants (docs/design.md, "Rotation").

    ``run_interval`` is the longest gap between two runs: a replacement happens at the first
    run after a boundary, so the retired slot's overlap measured from the run can fall short
    of a full period by at most that gap (the design measures it from the boundary).
    """
    problems = _state_problems(now, current, policy, expires_at)
    if previous is None:
        return problems
    replaced = [
        slot
        for slot, view in current.items()
        if slot not in previous or previous[slot].inputs != view.inputs
    ]
    if record is not None:
        record.replacements += len(replaced)
    at = now.isoformat()
    if len(replaced) > 1:
        problems.append(f"{at}: {len(replaced)} slots replaced in one run ({replaced})")
    elif len(replaced) == 1 and len(current) == 2:
        (slot,) = replaced
        problems += _replacement_problems(now, previous, current, slot, policy)
        (other,) = [view for key, view in current.items() if key != slot]
        overlap = other.end - now
        # Measured from the run: short of a period by at most the gap between runs.
        if overlap < policy.period - run_interval:
            problems.append(f"{at}: retired slot {other.slot} has only {overlap} left")
        if record is not None:
            record.overlap(overlap, policy)
    return problems


def _state_problems(
    now: datetime,
    current: Mapping[str, SlotView],
    policy: RotationPolicy,
    expires_at: datetime | None,
) -> list[str]:
    """What is wrong with the slots a run registers, whatever came before."""
    problems: list[str] = []
    at = now.isoformat()
    if len(current) > 2:
        problems.append(f"{at}: {len(current)} passwords")
    active = [view for view in current.values() if view.active]
    if len(active) != 1:
        problems.append(f"{at}: {len(active)} active slots")
    for view in current.values():
        if view.end - view.generation_start > TWENTY_FOUR_MONTHS:
            problems.append(f"{at}: slot {view.slot} ends {view.end}, > 24 months after its start")
        if view.end - view.generation_start != policy.lifetime:
            problems.append(
                f"{at}: slot {view.slot} ends {view.end}, not generation start + lifetime"
            )
        if view.end <= now:
            problems.append(f"{at}: slot {view.slot} registered with a past end date {view.end}")
    if active and expires_at is not None and expires_at != active[0].end:
        problems.append(
            f"{at}: clientSecretExpiresAt {expires_at} is not the active end {active[0].end}"
        )
    if active and active[0].end < now + policy.period:
        problems.append(f"{at}: the active secret ends within one period ({active[0].end})")
    return problems


def _replacement_problems(
    now: datetime,
    previous: Mapping[str, SlotView],
    current: Mapping[str, SlotView],
    slot: str,
    policy: RotationPolicy,
) -> list[str]:
    """What is wrong with a run that replaced ``slot`` and kept the other."""
    problems: list[str] = []
    at = now.isoformat()
    (other,) = [view for key, view in current.items() if key != slot]
    old = previous[slot]
    if old.generation >= previous[other.slot].generation:
        problems.append(f"{at}: replaced slot {slot} was the newer one")
    if current[slot].generation <= old.generation:
        problems.append(f"{at}: slot {slot} went back to generation {current[slot].generation}")
    if other.inputs != previous[other.slot].inputs:
        problems.append(f"{at}: the kept slot {other.slot} changed inputs")
    boundary = current[slot].generation_start
    # Invariant: valid for a full period after it stopped being active.
    if other.end < boundary + policy.period:
        problems.append(
            f"{at}: retired slot {other.slot} ends {other.end}, less than one period after "
            f"the boundary {boundary}"
        )
    return problems


def policy_views(policy: RotationPolicy, now: datetime) -> dict[str, SlotView]:
    """What the component registers at ``now``, derived from the policy alone."""
    return {
        state.slot: SlotView(
            slot=state.slot,
            inputs={"generation": state.generation, "end": state.end_date},
            generation=state.generation,
            generation_start=state.generation_start,
            end=state.end_date,
            active=state.active,
        )
        for state in policy.slots(now)
    }


# --- strategies ----------------------------------------------------------------------------

lifetimes = st.sampled_from(sorted(LIFETIMES.values()))


@st.composite
def policies(draw: st.DrawFn, min_period_days: int = 1) -> RotationPolicy:
    """A lifetime preset and a rotateEvery in days or weeks with lifetime >= 2P."""
    lifetime = draw(lifetimes)
    longest = lifetime.days // 2
    if draw(st.booleans()) and longest // 7 >= max(1, -(-min_period_days // 7)):
        weeks = draw(st.integers(max(1, -(-min_period_days // 7)), longest // 7))
        period = timedelta(weeks=weeks)
    else:
        period = timedelta(days=draw(st.integers(min_period_days, longest)))
    return RotationPolicy(lifetime=lifetime, period=period)


instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


# --- the policy itself ---------------------------------------------------------------------


def test_presets_and_defaults() -> None:
    assert {k: v.days for k, v in LIFETIMES.items()} == {
        "3 months": 90,
        "6 months": 180,
        "12 months": 365,
        "24 months": 730,
    }
    for lifetime in LIFETIMES.values():
        policy = RotationPolicy.default_for(lifetime)
        assert policy.period == timedelta(days=lifetime.days // 2)
        assert policy.lifetime >= 2 * policy.period


@pytest.mark.parametrize(
    ("lifetime", "period", "message"),
    [
        (90, 46, "at least twice the rotation period"),
        (731, 30, "at most 24 months"),
        (90, 0, "at least one day"),
    ],
)
def test_policy_rejects_broken_invariants(lifetime: int, period: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RotationPolicy(lifetime=timedelta(days=lifetime), period=timedelta(days=period))


def test_slots_at_a_known_instant() -> None:
    policy = RotationPolicy.default_for(timedelta(days=180))  # period 90 days
    now = datetime(2026, 11, 27, 9, tzinfo=UTC)
    a, b = policy.slots(now)
    assert policy.generation_at(now) == 11  # 1061 days since 2024-01-01
    assert (a.slot, a.generation, a.active) == ("a", 10, False)
    assert (b.slot, b.generation, b.active) == ("b", 11, True)
    assert b.generation_start == EPOCH + timedelta(days=990)
    assert a.end_date == EPOCH + timedelta(days=900 + 180)
    assert policy.active(now) == b


def test_before_the_epoch_still_has_two_slots() -> None:
    policy = RotationPolicy(lifetime=timedelta(days=90), period=timedelta(days=30))
    now = EPOCH - timedelta(days=1)
    a, b = policy.slots(now)
    assert {a.generation, b.generation} == {-1, -2}
    assert policy.active(now).generation == -1
    assert policy.active(now).slot == "b"


# --- the five invariants on the arithmetic ---------------------------------------------------


@given(policy=policies(), now=instants, shift=st.floats(0, 1))
def test_invariant_1_same_generation_same_slots(
    policy: RotationPolicy, now: datetime, shift: float
) -> None:
    start = policy.generation_start(policy.generation_at(now))
    later = start + (policy.period - timedelta(seconds=1)) * shift
    assert policy.slots(later) == policy.slots(now)


@given(policy=policies(), now=instants)
def test_invariant_2_a_boundary_replaces_only_the_older_slot(
    policy: RotationPolicy, now: datetime
) -> None:
    generation = policy.generation_at(now)
    boundary = policy.generation_start(generation + 1)
    before = {s.slot: s for s in policy.slots(boundary - timedelta(seconds=1))}
    after = {s.slot: s for s in policy.slots(boundary)}

    def password(state: SlotState) -> tuple[int, datetime]:
        return state.generation, state.end_date  # what the password is registered with

    changed = [slot for slot in before if password(before[slot]) != password(after[slot])]
    unchanged = [slot for slot in before if slot not in changed]
    assert len(changed) == 1
    assert before[changed[0]].generation == generation - 1  # the older one
    assert after[changed[0]].generation == generation + 1
    assert before[unchanged[0]].generation == generation
    # Only the active flag of the kept slot moves; its password inputs do not.
    assert (before[unchanged[0]].end_date, before[unchanged[0]].generation) == (
        after[unchanged[0]].end_date,
        after[unchanged[0]].generation,
    )


@given(policy=policies(), now=instants)
def test_invariant_3_previous_outlives_a_period(policy: RotationPolicy, now: datetime) -> None:
    current = policy.active(now)
    previous = next(s for s in policy.slots(now) if not s.active)
    assert previous.generation == current.generation - 1
    # It stopped being active at the current generation's start; one full period later it
    # is still valid.
    assert previous.end_date >= current.generation_start + policy.period
    assert previous.end_date > now


@given(policy=policies(), now=instants)
def test_invariant_4_two_slots_at_most_24_months(policy: RotationPolicy, now: datetime) -> None:
    states = policy.slots(now)
    assert len(states) == 2
    assert [s.slot for s in states] == ["a", "b"]
    for state in states:
        assert state.end_date - state.generation_start == policy.lifetime <= MAX_LIFETIME
        assert state.slot == "ab"[state.generation % 2]


@given(policy=policies(), now=instants)
def test_invariant_5_dates_derive_from_the_generation(
    policy: RotationPolicy, now: datetime
) -> None:
    boundary = policy.generation_start(policy.generation_at(now))
    for state in policy.slots(now):
        assert state.generation_start == EPOCH + state.generation * policy.period
        assert state.end_date == state.generation_start + policy.lifetime
        if now != boundary:  # "now" itself never becomes a date
            assert now not in (state.generation_start, state.end_date)
    assert policy.slots(now) == policy.slots(boundary)


# --- the arithmetic simulation ---------------------------------------------------------------

THREE_YEARS = timedelta(days=1096)  # 3 x 365.25 days, rounded up


def simulate(
    policy: RotationPolicy,
    start: datetime,
    interval: timedelta,
    record: SimulationRecord | None = None,
) -> list[str]:
    """Run ``policy`` every ``interval`` for three years; return every broken invariant."""
    problems: list[str] = []
    previous: dict[str, SlotView] | None = None
    now = start
    runs = 0
    while True:
        current = policy_views(policy, now)
        problems += check_step(
            now=now,
            previous=previous,
            current=current,
            policy=policy,
            run_interval=interval,
            expires_at=policy.active(now).end_date,
            record=record,
        )
        runs += 1
        if now - start >= THREE_YEARS:
            break
        previous, now = current, now + interval
    if record is not None:
        record.runs += runs
        record.examples += 1
        record.clock_days = max(record.clock_days, (now - start) / timedelta(days=1))
        record.policies.add((policy.lifetime.days, policy.period.days))
    return problems


@st.composite
def schedules(draw: st.DrawFn) -> tuple[RotationPolicy, datetime, timedelta]:
    """A policy, a first run, and the gap between runs: weekly (as the mock simulation and
    docs/rotation.md, "Schedule") or any whole number of days up to one period."""
    weekly = draw(st.booleans())
    policy = draw(policies(min_period_days=7 if weekly else 1))
    days = 7 if weekly else draw(st.integers(1, policy.period.days))
    start = EPOCH + timedelta(
        days=draw(st.integers(0, 3 * 365)), seconds=draw(st.integers(0, 86_399))
    )
    return policy, start, timedelta(days=days)


@settings(max_examples=300, deadline=None)
@given(schedule=schedules())
@example(
    schedule=(
        RotationPolicy.default_for(timedelta(days=90)),
        datetime(2026, 1, 1, 9, tzinfo=UTC),
        timedelta(weeks=1),
    )
)
def test_arithmetic_simulation(schedule: tuple[RotationPolicy, datetime, timedelta]) -> None:
    policy, start, interval = schedule
    name = "arithmetic-weekly" if interval == timedelta(weeks=1) else "arithmetic-other-intervals"
    assert simulate(policy, start, interval, simulation_record(name)) == []


def test_the_simulation_catches_broken_rotation() -> None:
    """The checker is not vacuous: lifetimes shorter than 2P, or runs rarer than once per
    period, are reported."""
    short = RotationPolicy(lifetime=timedelta(days=90), period=timedelta(days=45))
    object.__setattr__(short, "lifetime", timedelta(days=80))  # bypass __post_init__
    start = datetime(2026, 1, 1, tzinfo=UTC)
    problems = simulate(short, start, timedelta(days=1))
    assert any("less than one period after the boundary" in p for p in problems)

    sound = RotationPolicy(lifetime=timedelta(days=90), period=timedelta(days=7))
    problems = simulate(sound, start, timedelta(days=15))  # two boundaries between runs
    assert any("2 slots replaced in one run" in p for p in problems)

    class Frozen(RotationPolicy):
        def slots(self, now: datetime) -> Any:  # never rotates
            return super().slots(start)

    frozen = Frozen(lifetime=timedelta(days=90), period=timedelta(days=30))
    problems = simulate(frozen, start, timedelta(weeks=1))
    assert any("past end date" in p for p in problems)

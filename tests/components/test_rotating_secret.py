"""The rotating client secret on the mock runtime: the invariants of docs/design.md, "Rotation", as registered
inputs, a three-year weekly simulation, secret-ness, rotation: none and Key Vault delivery.

Longer than 400 lines: one file for the one module's behaviour, sharing its fixtures; the pure
arithmetic has its own tests in test_rotation.py."""

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from components.clock import parse_instant, rfc3339
from components.rotation import LIFETIMES, RotationPolicy
from testbed.mockrun import MockRun, Registration, run_program
from tests.components.test_rotation import (
    THREE_YEARS,
    SlotView,
    check_step,
    simulation_record,
    write_figures,
)
from tests.conftest import DEV_NOW, SUBSCRIPTION

Runner = Callable[..., MockRun]
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
VAULT_SECRET = "azure-native:keyvault:Secret"
KEY_VAULT_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-secrets"
    "/providers/Microsoft.KeyVault/vaults/kv-healthcare"
)
# 2026-11-27 lies in generation 11 of the default 6-month policy (90-day periods).
SIX_MONTHS = RotationPolicy.default_for(LIFETIMES["6 months"])


@pytest.fixture(scope="module", autouse=True)
def _figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield
    write_figures(tmp_path_factory.getbasetemp())


def one_app(secret: Any, **extra: Any) -> dict[str, Any]:
    """The smallest program: one app with a secret, no roles, no permissions."""
    return {"applications": {"sim": {"secret": secret, **extra}}}


def passwords(run: MockRun, app: str) -> dict[str, Registration]:
    found = {r.name: r for r in run.of_type(PASSWORD) if r.name.startswith(f"{app}-secret")}
    return dict(sorted(found.items()))


def password_inputs(run: MockRun) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in run.of_type(PASSWORD)}


def views(run: MockRun, app: str) -> dict[str, SlotView]:
    """Each slot as registered, with its activity from the ``secrets`` output."""
    meta = {entry["slot"]: entry for entry in run.outputs["applications"][app]["secrets"]}
    found = {}
    for name, reg in passwords(run, app).items():
        slot = name.rsplit("-", 1)[1]
        rotation = reg.inputs["rotateWhenChanged"]
        found[slot] = SlotView(
            slot=slot,
            inputs=copy.deepcopy(reg.inputs),
            generation=int(rotation["generation"]),
            generation_start=parse_instant(rotation["generationStart"]),
            end=parse_instant(reg.inputs["endDate"]),
            active=bool(meta[slot]["active"]),
        )
        assert meta[slot]["endDate"] == reg.inputs["endDate"]
        assert meta[slot]["keyId"] == reg.outputs["keyId"]
        assert meta[slot]["generation"] == int(rotation["generation"])
    return found


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf with the path mockrun uses (``a.b[0].c``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
    else:
        yield path, value


def _under(path: str, secret_paths: set[str] | frozenset[str]) -> bool:
    return any(
        path == s or path.startswith(f"{s}.") or path.startswith(f"{s}[") for s in secret_paths
    )


def leaks(run: MockRun, values: set[str]) -> list[str]:
    """Where any of ``values`` shows up outside a secret: outputs, inputs, logs."""
    found = []
    for path, leaf in walk(run.outputs):
        if not _under(path, run.secret_output_paths) and any(v in str(leaf) for v in values):
            found.append(f"output {path}")
    for reg in run.resources:
        for path, leaf in walk(reg.inputs):
            if not _under(path, reg.secret_inputs) and any(v in str(leaf) for v in values):
                found.append(f"input {reg.name}.{path}")
    for level, message in run.logs:
        if any(v in message for v in values):
            found.append(f"log {level}: {message[:40]}")
    return found


def secret_values(run: MockRun) -> set[str]:
    return {str(r.outputs["value"]) for r in run.of_type(PASSWORD)}


def at(moment: datetime) -> str:
    return moment.isoformat()


# --- the five invariants, as registered inputs -------------------------------------------


def test_invariant_1_same_generation_registers_identical_inputs(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    start = SIX_MONTHS.generation_start(SIX_MONTHS.generation_at(parse_instant(DEV_NOW)))
    first = run(dev_config, now=at(start + timedelta(hours=1)))
    second = run(dev_config, now=at(start + SIX_MONTHS.period - timedelta(minutes=1)))
    assert len(first.of_type(PASSWORD)) == 4  # postman and backend, two slots each
    assert password_inputs(first) == password_inputs(second)
    assert first.outputs["applications"] == second.outputs["applications"]


def test_invariant_2_a_boundary_replaces_only_the_older_slot(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    generation = SIX_MONTHS.generation_at(parse_instant(DEV_NOW))  # 11: b active, a holds 10
    boundary = SIX_MONTHS.generation_start(generation + 1)
    before = views(run(dev_config, now=at(boundary - timedelta(seconds=1))), "postman")
    after = views(run(dev_config, now=at(boundary)), "postman")
    changed = [slot for slot in before if before[slot].inputs != after[slot].inputs]
    assert changed == ["a"]  # generation 10, the older one
    assert before["a"].generation == generation - 1
    assert after["a"].generation == generation + 1
    assert after["a"].active and not after["b"].active
    assert before["b"].inputs == after["b"].inputs


@pytest.mark.parametrize("preset", sorted(LIFETIMES))
def test_invariant_3_previous_secret_outlives_a_period(run: Runner, preset: str) -> None:
    policy = RotationPolicy.default_for(LIFETIMES[preset])  # lifetime = 2P, the tight case
    boundary = policy.generation_start(policy.generation_at(parse_instant(DEV_NOW)) + 1)
    result = run(one_app({"expiresIn": preset}), now=at(boundary))
    slots = views(result, "sim")
    (retired,) = [v for v in slots.values() if not v.active]
    (active,) = [v for v in slots.values() if v.active]
    # It stopped being active at the boundary and stays valid a full period beyond it.
    assert retired.end - boundary >= policy.period
    assert retired.generation == active.generation - 1
    assert active.end - boundary == policy.lifetime


@pytest.mark.parametrize("preset", sorted(LIFETIMES))
def test_invariant_4_two_passwords_within_24_months(
    run: Runner, dev_config: dict[str, Any], preset: str
) -> None:
    for app in dev_config["applications"].values():
        app["secret"] = {"expiresIn": preset}
    result = run(dev_config)
    for app in dev_config["applications"]:
        slots = views(result, app)
        assert 1 <= len(slots) <= 2
        for view in slots.values():
            assert view.end - view.generation_start <= timedelta(days=730)
            assert view.end - view.generation_start == LIFETIMES[preset]
    assert len(result.of_type(PASSWORD)) == 2 * len(dev_config["applications"])


def test_invariant_5_dates_derive_from_the_generation(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    start = SIX_MONTHS.generation_start(SIX_MONTHS.generation_at(parse_instant(DEV_NOW)))
    clocks = [start + timedelta(days=3, hours=7, minutes=13), start + timedelta(days=61, hours=2)]
    runs = [run(dev_config, now=at(clock)) for clock in clocks]
    ends = [
        {n: r.inputs["endDate"] for n, r in passwords(result, "postman").items()} for result in runs
    ]
    assert ends[0] == ends[1]
    for clock, result in zip(clocks, runs, strict=True):
        forms = {rfc3339(clock), clock.isoformat(), clock.date().isoformat()}
        dated = [
            f"{reg.name}.{path}"
            for reg in result.resources
            for path, leaf in walk(reg.inputs)
            if isinstance(leaf, str) and any(form in leaf for form in forms)
        ]
        assert dated == []
        assert [n for n, r in passwords(result, "postman").items() if "startDate" in r.inputs] == []


# --- the three-year weekly simulation on the mock runtime ------------------------------------

WEEK = timedelta(weeks=1)


@st.composite
def rotation_settings(draw: st.DrawFn) -> tuple[str, str, timedelta]:
    """expiresIn, rotateEvery (days or weeks, P >= one week so weekly runs see every
    generation, lifetime >= 2P) and the start offset of the weekly clock."""
    preset = draw(st.sampled_from(sorted(LIFETIMES)))
    longest = LIFETIMES[preset].days // 2
    if draw(st.booleans()):
        weeks = draw(st.integers(1, longest // 7))
        every = f"{weeks} week{'s' if weeks > 1 else ''}"
    else:
        every = f"{draw(st.integers(7, longest))} days"
    offset = timedelta(days=draw(st.integers(0, 400)), minutes=draw(st.integers(0, 7 * 1440 - 1)))
    return preset, every, offset


@settings(
    max_examples=3,  # plus the explicit example: 4 x 158 runs, about 25 s
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(choice=rotation_settings())
# The default (lifetime = 2P) with runs off the boundary: the tightest overlap.
@example(choice=("3 months", "45 days", timedelta(days=3, hours=9)))
def test_weekly_simulation_over_three_years(choice: tuple[str, str, timedelta]) -> None:
    preset, every, offset = choice
    config = one_app({"expiresIn": preset, "rotateEvery": every})
    policy = RotationPolicy(
        LIFETIMES[preset], timedelta(days=int(every.split()[0]) * (7 if "week" in every else 1))
    )
    record = simulation_record("mock-runtime-weekly")
    start = datetime(2026, 1, 5, tzinfo=UTC) + offset
    now, previous, runs, problems = start, None, 0, []
    while True:
        result = run_program(config, now=at(now))
        assert len(result.of_type(PASSWORD)) <= 2
        current = views(result, "sim")
        expires = parse_instant(result.outputs["applications"]["sim"]["clientSecretExpiresAt"])
        problems += check_step(
            now=now,
            previous=previous,
            current=current,
            policy=policy,
            run_interval=WEEK,
            expires_at=expires,
            record=record,
        )
        runs += 1
        if now - start >= THREE_YEARS:
            break
        previous, now = current, now + WEEK
    record.runs += runs
    record.examples += 1
    record.clock_days = max(record.clock_days, (now - start) / timedelta(days=1))
    record.policies.add((policy.lifetime.days, policy.period.days))
    assert runs >= 157
    assert problems == []


def test_passwords_leave_the_stack_without_being_deleted(run: Runner) -> None:
    # Rotation invariant 5: a replaced or removed password stays valid in Entra until its end.
    for config in (
        one_app({}),
        one_app({"rotation": "none", "start": "2026-11-01", "end": "2027-04-30"}),
    ):
        passwords = run(config).of_type(PASSWORD)
        assert passwords and all(p.retain_on_delete for p in passwords)


# --- secret-ness ---------------------------------------------------------------------------


def test_client_secret_never_leaves_a_secret(run: Runner, dev_config: dict[str, Any]) -> None:
    for app in dev_config["applications"].values():
        app["keyVault"] = {"id": KEY_VAULT_ID}
    result = run(dev_config)
    values = secret_values(result)
    assert len(values) == 4
    assert result.secret_output_paths == {"clientSecrets"}
    for app in dev_config["applications"]:
        assert result.outputs["clientSecrets"][app] in values
        vault = result.named(f"{app}-vault-client-secret")
        assert "properties.value" in vault.secret_inputs
    assert leaks(result, values) == []
    # The detector itself finds a value put where it does not belong.
    leaked = copy.deepcopy(result)
    leaked.logs.append(("warning", f"oops {next(iter(values))}"))
    leaked.outputs["applications"]["postman"]["tokenEndpoint"] = next(iter(values))
    assert len(leaks(leaked, values)) == 2


def test_secret_values_stay_secret_with_fixed_dates(run: Runner) -> None:
    config = one_app(
        {"rotation": "none", "start": "2026-11-01", "end": "2026-12-10"},
        keyVault={"id": KEY_VAULT_ID},
    )
    result = run(config)  # warns: 12 days left
    values = secret_values(result)
    assert len(values) == 1
    assert result.secret_output_paths == {"clientSecrets"}
    assert result.outputs["clientSecrets"]["sim"] in values
    assert result.logs  # the warning is there, without the value
    assert leaks(result, values) == []


# --- rotation: none --------------------------------------------------------------------------


def test_rotation_none_is_one_password_with_the_given_dates(run: Runner) -> None:
    config = one_app({"rotation": "none", "start": "2026-10-01", "end": "2027-09-30T12:00:00Z"})
    result = run(config)
    (password,) = passwords(result, "sim").values()
    assert password.name == "sim-secret"
    assert password.inputs["startDate"] == "2026-10-01T00:00:00Z"
    assert password.inputs["endDate"] == "2027-09-30T12:00:00Z"
    assert "rotateWhenChanged" not in password.inputs
    outputs = result.outputs["applications"]["sim"]
    assert outputs["clientSecretExpiresAt"] == "2027-09-30T12:00:00Z"
    assert outputs["secrets"] == [
        {
            "slot": "fixed",
            "keyId": password.outputs["keyId"],
            "endDate": "2027-09-30T12:00:00Z",
            "generation": None,
            "active": True,
        }
    ]
    assert [m for level, m in result.logs if level == "warning"] == []


def test_rotation_none_warns_within_30_days(run: Runner) -> None:
    config = one_app({"rotation": "none", "start": "2026-06-01", "end": "2026-12-20"})
    result = run(config, now=DEV_NOW)
    warnings = [m for level, m in result.logs if level == "warning"]
    assert len(warnings) == 1
    assert warnings[0].startswith("applications.sim.secret:")
    assert "2026-12-20" in warnings[0] and "22 days left" in warnings[0]
    assert [
        m for level, m in run(config, now="2026-11-19T09:00:00Z").logs if level == "warning"
    ] == []


def test_rotation_none_fails_once_the_end_has_passed(run: Runner) -> None:
    config = one_app({"rotation": "none", "start": "2026-06-01", "end": "2026-11-20"})
    with pytest.raises(pulumi.RunError) as error:
        run(config, now=DEV_NOW)
    message = str(error.value)
    assert "applications.sim.secret" in message
    assert "2026-11-20" in message and "'end'" in message


# --- Key Vault delivery ------------------------------------------------------------------------


def test_key_vault_gets_the_active_secret_and_the_client_id(run: Runner) -> None:
    config = one_app({"expiresIn": "6 months"}, keyVault={"id": KEY_VAULT_ID})
    result = run(config)
    outputs = result.outputs["applications"]["sim"]
    vault = result.of_type(VAULT_SECRET)
    assert sorted(r.name for r in vault) == ["sim-vault-client-id", "sim-vault-client-secret"]

    secret = dict(walk(result.named("sim-vault-client-secret").inputs))
    active = SIX_MONTHS.active(parse_instant(DEV_NOW))
    assert secret["properties.attributes.expires"] == int(active.end_date.timestamp())
    assert (
        rfc3339(datetime.fromtimestamp(secret["properties.attributes.expires"], UTC))
        == outputs["clientSecretExpiresAt"]
    )
    assert outputs["clientId"] in secret["properties.contentType"]
    assert secret["properties.value"] == result.outputs["clientSecrets"]["sim"]
    assert (secret["vaultName"], secret["resourceGroupName"]) == ("kv-healthcare", "rg-secrets")

    client = result.named("sim-vault-client-id")
    assert client.secret_inputs == frozenset()
    assert client.inputs["properties"]["value"] == outputs["clientId"]


def test_key_vault_expiry_follows_the_fixed_end(run: Runner) -> None:
    config = one_app(
        {"rotation": "none", "start": "2026-10-01", "end": "2027-06-30"},
        keyVault={"id": KEY_VAULT_ID, "secretName": "sim-secret", "clientIdSecretName": "sim-id"},
    )
    result = run(config)
    secret = dict(walk(result.named("sim-vault-client-secret").inputs))
    assert secret["properties.attributes.expires"] == int(
        datetime(2027, 6, 30, tzinfo=UTC).timestamp()
    )
    assert secret["secretName"] == "sim-secret"
    assert result.named("sim-vault-client-id").inputs["secretName"] == "sim-id"


def test_key_vault_expiry_moves_with_the_active_slot(run: Runner) -> None:
    config = one_app(
        {"expiresIn": "3 months", "rotateEvery": "4 weeks"}, keyVault={"id": KEY_VAULT_ID}
    )
    policy = RotationPolicy(LIFETIMES["3 months"], timedelta(weeks=4))
    for clock in (parse_instant(DEV_NOW), parse_instant(DEV_NOW) + timedelta(weeks=4)):
        secret = dict(walk(run(config, now=at(clock)).named("sim-vault-client-secret").inputs))
        assert secret["properties.attributes.expires"] == int(
            policy.active(clock).end_date.timestamp()
        )

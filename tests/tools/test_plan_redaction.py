"""tools.offline_plan.redaction: what keeps secrets out of the offline plan, on its own.

The plan tool's own tests (test_plan.py) show the whole path on the dev stack; these pin
each layer: redaction by path, the values a run counts as secret, and the leak check."""

from typing import Any

import pytest

from testbed.fake_tenant import FakeTenant
from testbed.mockrun import MockRun, Registration
from tools.offline_plan import redaction

PASSWORD = FakeTenant.secret_value("key-1")


def registration(
    inputs: dict[str, Any], outputs: dict[str, Any], secret_inputs: frozenset[str] = frozenset()
) -> Registration:
    return Registration(
        urn="urn:pulumi:dev::p::t::n",
        type="azuread:index/applicationPassword:ApplicationPassword",
        name="n",
        parent="",
        custom=True,
        inputs=inputs,
        secret_inputs=secret_inputs,
        protect=False,
        delete_before_replace=False,
        retain_on_delete=True,
        dependencies=(),
        outputs=outputs,
    )


def mock_run(
    *registrations: Registration, outputs: Any = None, secret: set[str] | None = None
) -> MockRun:
    return MockRun(
        resources=list(registrations),
        outputs=outputs or {},
        secret_output_paths=secret or set(),
        invokes=[],
        logs=[],
    )


def test_redact_replaces_values_at_secret_paths() -> None:
    value = {"a": {"b": "x", "c": ["y", "z"]}, "d": 1}
    assert redaction.redact(value, {"a.b", "a.c[1]"}) == {
        "a": {"b": "[secret]", "c": ["y", "[secret]"]},
        "d": 1,
    }
    assert redaction.redact(value, set()) == value


def test_a_wholly_secret_value_is_one_placeholder() -> None:
    # "." is how testbed.mockrun names a value that is secret as a whole.
    assert redaction.redact({"a": [1, {"b": "x"}]}, {"."}) == "[secret]"
    assert redaction.strings_at({"a": ["x", {"b": "y"}], "n": 3}, {"."}) == {"x", "y"}


def test_strings_at_collects_every_string_under_a_secret_path() -> None:
    value = {"a": {"b": "x", "c": ["y", "z"]}, "d": "w"}
    assert redaction.strings_at(value, {"a.c"}) == {"y", "z"}
    assert redaction.strings_at(value, {"a"}) == {"x", "y", "z"}
    assert redaction.strings_at(value, {"d", "a.c[0]"}) == {"w", "y"}


def test_produced_secrets_holds_generated_passwords_secret_inputs_and_outputs() -> None:
    password = registration(
        inputs={"displayName": "slot a", "endDate": "2027-01-01T00:00:00Z"},
        outputs={"value": PASSWORD, "keyId": "0f2c4a8e-0000-4000-8000-000000000001"},
    )
    vault = registration(
        inputs={"properties": {"value": "a secret input value"}, "vaultName": "kv-example"},
        outputs={},
        secret_inputs=frozenset({"properties.value"}),
    )
    run = mock_run(
        password,
        vault,
        outputs={"clientSecrets": {"app": "a secret output value"}, "plain": "shown"},
        secret={"clientSecrets"},
    )
    assert redaction.produced_secrets(run) == {
        PASSWORD,
        "a secret input value",
        "a secret output value",
    }


def test_produced_secrets_ignores_short_values_and_the_placeholder() -> None:
    # A short secret ("a", "10") would match any text by accident.
    vault = registration(
        inputs={"a": "short", "b": "[secret]"},
        outputs={},
        secret_inputs=frozenset({"a", "b"}),
    )
    assert redaction.produced_secrets(mock_run(vault)) == set()


def test_a_string_shaped_like_an_entra_secret_counts_even_under_another_key() -> None:
    leaked = registration(inputs={}, outputs={"note": PASSWORD})
    assert redaction.produced_secrets(mock_run(leaked)) == {PASSWORD}


def test_check_no_leak_names_the_place_not_the_value() -> None:
    secret = FakeTenant.secret_value("key")
    redaction.check_no_leak({"plan text": "nothing here"}, {secret})
    with pytest.raises(redaction.SecretLeakError) as raised:
        redaction.check_no_leak({"plan text": "clean", "JSON plan": f"a\nb {secret}"}, {secret})
    assert "JSON plan (line 2)" in str(raised.value)
    assert secret not in str(raised.value)

"""The estimate of PULUMI_CONFIG's size (tools/config_size.py). The estimate is checked
byte for byte against the engine in tests/e2e/test_config_limit.py; these pin the encoding
rules that test cannot reach one by one."""

from pathlib import Path

from tools import config_size
from tools.config_size import config_variable_bytes

ROOT = Path(__file__).resolve().parents[2]


def test_values_are_strings_in_a_json_object() -> None:
    # {"a:b":"c"} is 11 bytes; a map value is its own JSON text, then escaped again.
    assert config_variable_bytes({"a:b": "c"}) == len('{"a:b":"c"}')
    assert config_variable_bytes({"a:b": True}) == len('{"a:b":"true"}')
    assert config_variable_bytes({"a:b": 7}) == len('{"a:b":"7"}')
    assert config_variable_bytes({"a:b": {"k": "v"}}) == len('{"a:b":"{\\"k\\":\\"v\\"}"}')


def test_go_escapes_html_characters_and_keeps_utf8() -> None:
    plain = config_variable_bytes({"a:b": "x"})
    # Go's json.Marshal writes <, > and & as \u003c etc.: six bytes each.
    assert config_variable_bytes({"a:b": "<"}) == plain + 5
    assert config_variable_bytes({"a:b": "&"}) == plain + 5
    # Non-ASCII stays UTF-8: é is two bytes, not a six-byte escape.
    assert config_variable_bytes({"a:b": "é"}) == plain + 1
    # Inside a map value the escape is escaped once more (\\u003c: seven bytes).
    inner = config_variable_bytes({"a:b": {"k": "x"}})
    assert config_variable_bytes({"a:b": {"k": "<"}}) == inner + 6


def test_a_secure_value_counts_as_its_ciphertext() -> None:
    ciphertext = "A" * 100
    assert config_variable_bytes({"a:b": {"secure": ciphertext}}) == len('{"a:b":""}') + 100


def test_the_projects_declared_defaults_count_unless_the_stack_sets_them() -> None:
    defaults = config_size.project_defaults(ROOT)
    assert defaults == {"healthcare-clients:protect": False}
    assert config_variable_bytes({}, defaults) == len('{"healthcare-clients:protect":"false"}')
    set_in_stack = {"healthcare-clients:protect": True}
    assert config_variable_bytes(set_in_stack, defaults) == len(
        '{"healthcare-clients:protect":"true"}'
    )


def test_the_limit_is_the_kernels_per_string_cap_less_the_name() -> None:
    # MAX_ARG_STRLEN (32 pages) counts "PULUMI_CONFIG=", the value and the NUL.
    assert config_size.LIMIT + len("PULUMI_CONFIG=") + 1 == 131_072

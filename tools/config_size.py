"""How big the stack config is when the engine hands it to the program.

The Python language host passes the whole stack config (every namespace, secrets decrypted)
to the program in one environment variable, ``PULUMI_CONFIG``: a JSON object of key to string,
where structured values are themselves JSON text (sdk/python/cmd/pulumi-language-python/
main.go, ``pulumiConfigVar``; the Node.js host does the same). Linux refuses to start a process
with any single argument or environment string longer than MAX_ARG_STRLEN, 32 pages
(131,072 bytes with its terminating NUL), and the engine reports ``fork/exec .../python:
argument list too long`` before one line of the program runs (pulumi/pulumi#8680, #20402; the
policy pack gets the same variable). ``tools.plan`` measures the variable first, so the
error comes with a cause and a way out instead.
"""

import json
from pathlib import Path
from typing import Any

import yaml

# include/uapi/linux/binfmts.h: MAX_ARG_STRLEN = PAGE_SIZE * 32, counted with the NUL.
MAX_ARG_STRLEN = 4096 * 32
VARIABLE = "PULUMI_CONFIG"
LIMIT = MAX_ARG_STRLEN - len(f"{VARIABLE}=") - 1  # bytes of the JSON value itself
WARN_FRACTION = 0.8


def _go_json(value: Any) -> str:
    """JSON as Go's encoding/json writes it: compact, UTF-8 kept, and <, >, & escaped (its
    HTML-safe default), which is what the engine's json.Marshal puts in the variable."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _as_config_string(value: Any) -> str:
    """A config value as the engine holds it: strings as they are, scalars as YAML wrote
    them, maps and lists as JSON text. A ``secure:`` value counts as its ciphertext, which is
    longer than the plaintext the program receives, so the estimate errs on the safe side."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return str(value["secure"])
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _go_json(_decrypted_shape(value))
    return str(value)


def _decrypted_shape(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return str(value["secure"])
        return {key: _decrypted_shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decrypted_shape(item) for item in value]
    return value


def project_defaults(project_dir: Path) -> dict[str, Any]:
    """Defaults that Pulumi.yaml declares: the engine adds them to the config it passes."""
    document = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    declared = document.get("config") or {}
    return {
        str(key): spec["default"]
        for key, spec in declared.items()
        if isinstance(spec, dict) and "default" in spec
    }


def config_variable_bytes(config: dict[str, Any], defaults: dict[str, Any] | None = None) -> int:
    """Bytes of ``PULUMI_CONFIG``'s value for a stack file's ``config`` mapping, with the
    project's declared defaults for the keys it leaves out."""
    merged = {**(defaults or {}), **{str(key): value for key, value in config.items()}}
    flat = {key: _as_config_string(value) for key, value in merged.items()}
    return len(_go_json(flat).encode("utf-8"))


def problem(
    config: dict[str, Any], stack_file: str, defaults: dict[str, Any] | None = None
) -> tuple[str | None, str | None]:
    """(error, warning) about the size of the config a stack file gives the program."""
    size = config_variable_bytes(config, defaults)
    share = f"{size:,} of the {LIMIT:,} bytes ({size / LIMIT:.0%})"
    if size > LIMIT:
        return (
            f"{stack_file}: the stack config takes {share} Linux allows in the one "
            f"environment variable ({VARIABLE}) that carries it to the program; pulumi would "
            "fail with 'argument list too long' before the program starts. Split the "
            "applications across stacks (docs/pipelines.md, 'Many stacks: one per environment or tenant')",
            None,
        )
    if size > LIMIT * WARN_FRACTION:
        return None, (
            f"the stack config takes {share} that {VARIABLE} may hold; past the limit pulumi "
            "cannot start the program (docs/troubleshooting.md)"
        )
    return None, None

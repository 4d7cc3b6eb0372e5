"""Per-process figures for the engine benchmark (bench/engine.py), loaded by Python at start-up.

The benchmark puts this directory on PYTHONPATH and names a file in
HEALTHCARE_CLIENTS_PROBE_FILE; every Python process the engine starts (the program, the
provider plugins, the policy pack) then appends one JSON line as it exits: its role, wall
and CPU seconds, and peak resident memory. Without the variable it does nothing.

With HEALTHCARE_CLIENTS_PROFILE_DIR set as well, the program (not the plugins) runs under
cProfile and leaves ``program-<pid>.prof`` there: where the program's own CPU goes.
"""

import atexit
import json
import os
import resource
import sys
import time

_FILE = os.environ.get("HEALTHCARE_CLIENTS_PROBE_FILE")
_STARTED = time.perf_counter()


def _role(argv: list[str]) -> str:
    """From the interpreter's own command line (sys.orig_argv): the exec shim replaces
    sys.argv with the program's before the program runs."""
    text = " ".join(argv)
    if "pulumi-language-python-exec" in text:
        return "program"
    if "testbed.plugin" in text:
        package = argv[argv.index("testbed.plugin") + 1] if "testbed.plugin" in argv else "?"
        return f"plugin:{package}"
    if "pulumi.policy" in text:
        return "policy"
    return "other"


def _write(path: str) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    line = {
        "pid": os.getpid(),
        "role": _role(list(sys.orig_argv)),
        "wall": time.perf_counter() - _STARTED,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_mib": usage.ru_maxrss / 1024,  # Linux reports KiB
    }
    with open(path, "a", encoding="utf-8") as handle:  # noqa: PTH123 (start-up cost)
        handle.write(json.dumps(line) + "\n")


def _profile(directory: str) -> None:
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()

    def dump() -> None:
        profiler.disable()
        profiler.dump_stats(os.path.join(directory, f"program-{os.getpid()}.prof"))  # noqa: PTH118 (start-up cost)

    atexit.register(dump)


if _FILE:
    atexit.register(_write, _FILE)
    _PROFILE_DIR = os.environ.get("HEALTHCARE_CLIENTS_PROFILE_DIR")
    if _PROFILE_DIR and _role(list(sys.orig_argv)) == "program":
        _profile(_PROFILE_DIR)

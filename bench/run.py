"""Benchmark: what the program costs as the catalogue grows, against a raw-resource baseline.

    .venv/bin/python -m bench.run                 # N = 1, 10, 100, 500; 3 repeats; writes bench/results.*
    .venv/bin/python -m bench.run --quick         # N = 1, 10; 1 repeat; writes to a temp dir
    .venv/bin/python -m bench.run --sizes 10 100 --repeats 5 --no-setup

Every measurement runs in a fresh subprocess (``--child ...``), which prints one JSON line.
Programs run on Pulumi's mock runtime against ``testbed.fake_tenant.FakeTenant`` through
``testbed.mockrun.run_program``; ours is the real ``__main__.py``, the baseline is
``bench/baseline.py`` (copied to ``baseline-project/__main__.py`` in a temp dir, as
``run_program`` runs the ``__main__.py`` of a project directory).

Longer than 400 lines: the runner, the child processes it measures and the report it writes are
one protocol; splitting them would split its JSON shape.
"""

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# Scratch space outside the repository (the baseline project, set-up virtualenvs, --quick
# results), one per checkout: nothing the benchmark writes lands in the source tree but the
# results a full run is asked to write (bench/results.*, or --out).
OUT = (
    Path(tempfile.gettempdir())
    / f"healthcare-clients-bench-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]}"
)
BASELINE_PROJECT = OUT / "baseline-project"
PROGRAMS = ("ours", "baseline")

# The columns of the per-N table in results.md; the smoke test checks every one is there.
COLUMNS = (
    "N",
    "program",
    "resources",
    "custom",
    "invokes",
    "distinct APIs",
    "critical path",
    "wall s (median)",
    "wall spread",
    "CPU s (median)",
    "peak RSS MiB (median)",
    "RSS spread",
    "process wall s",
    "time ratio",
    "CPU ratio",
    "memory ratio",
)


# --- children --------------------------------------------------------------------------------


def _maxrss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def critical_path_depth(resources: Sequence[Any]) -> int:
    """Longest chain of custom resources linked by dependencies, counted in resources.

    Edges come from each registration request's ``dependencies`` (the URNs the SDK sends:
    explicit ``depends_on`` plus every resource whose output feeds an input). A dependency
    on a component would stand for its custom children; the SDK already expands those.
    """
    custom = {r.urn: r for r in resources if r.custom}
    children: dict[str, list[str]] = {}
    for r in resources:
        if r.parent:
            children.setdefault(r.parent, []).append(r.urn)

    def expand(urn: str) -> list[str]:
        if urn in custom:
            return [urn]
        return [leaf for child in children.get(urn, []) for leaf in expand(child)]

    deps = {urn: {d for dep in r.dependencies for d in expand(dep)} for urn, r in custom.items()}
    depth: dict[str, int] = {}

    def visit(urn: str, stack: frozenset[str]) -> int:
        if urn in depth:
            return depth[urn]
        if urn in stack:
            raise ValueError(f"dependency cycle through {urn}")
        value = 1 + max((visit(d, stack | {urn}) for d in deps[urn]), default=0)
        depth[urn] = value
        return value

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    return max((visit(urn, frozenset()) for urn in custom), default=0)


def _prepare_baseline_project() -> Path:
    BASELINE_PROJECT.mkdir(parents=True, exist_ok=True)
    target = BASELINE_PROJECT / "__main__.py"
    source = BENCH / "baseline.py"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        # Written to a temporary name and renamed, so parallel children never see half a file.
        temporary = BASELINE_PROJECT / f".__main__.{os.getpid()}.py"
        shutil.copyfile(source, temporary)
        temporary.replace(target)
    return BASELINE_PROJECT


def _run(program: str, n: int) -> Any:
    from bench.configs import NOW, stack_config
    from testbed.mockrun import PROJECT_DIR, run_program

    project = PROJECT_DIR if program == "ours" else _prepare_baseline_project()
    return run_program(stack_config(n), now=NOW, project_dir=project)


def child_program(program: str, n: int) -> dict[str, Any]:
    """One run of one program at one N; the SDK core is imported before the clock starts."""
    import bench.configs
    import testbed.mockrun  # pulumi, grpc, protobuf: common to both programs

    del bench.configs, testbed.mockrun
    rss_before = _maxrss_mib()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = _run(program, n)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    from components.provider_resources import GET_SERVICE_PRINCIPAL

    return {
        "program": program,
        "n": n,
        "wall": wall,
        "cpu": cpu,
        "rss_mib": _maxrss_mib(),
        "rss_before_mib": rss_before,
        "resources": len(result.resources),
        "custom": sum(r.custom for r in result.resources),
        "invokes": len(result.invokes),
        "invoke_tokens": sorted(Counter(token for token, _ in result.invokes).items()),
        "distinct_apis": len(
            {
                args.get("clientId")
                for token, args in result.invokes
                if token == GET_SERVICE_PRINCIPAL
            }
        ),
        "critical_path": critical_path_depth(result.resources),
        "edges": sum(len(r.dependencies) for r in result.resources if r.custom),
    }


def _canonical(resources: Sequence[Any]) -> Counter[str]:
    return Counter(
        json.dumps(
            {"type": r.type, "name": r.name, "inputs": r.inputs, "protect": r.protect},
            sort_keys=True,
            default=str,
        )
        for r in resources
        if r.custom
    )


def child_equivalence(n: int) -> dict[str, Any]:
    """Do ours and the baseline register the same multiset of (type, name, inputs)?"""
    ours, base = _run("ours", n), _run("baseline", n)
    a, b = _canonical(ours.resources), _canonical(base.resources)
    only_ours, only_base = a - b, b - a
    return {
        "n": n,
        "same_resources": not only_ours and not only_base,
        "custom_resources": sum(a.values()),
        "only_ours": sorted(only_ours)[:3],
        "only_baseline": sorted(only_base)[:3],
        "same_outputs": ours.outputs == base.outputs,
        "same_secret_outputs": ours.secret_output_paths == base.secret_output_paths,
        "same_invokes": sorted(map(repr, ours.invokes)) == sorted(map(repr, base.invokes)),
    }


def child_cold(kind: str) -> dict[str, Any]:
    """Cold start: imports (and, for ours, validating Pulumi.dev.yaml) in a fresh process."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    if kind == "bare":
        import pulumi
        import pulumi_azuread

        del pulumi, pulumi_azuread
    elif kind == "bare-native":
        # What the baseline imports: the SDK plus azure-native's authorization module.
        import pulumi
        import pulumi_azuread
        from pulumi_azure_native import authorization

        del pulumi, pulumi_azuread, authorization
    elif kind == "ours":
        from datetime import UTC, datetime

        import yaml

        import components.stack  # everything __main__.py imports
        from components.config import load_settings

        document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
        prefix = f"{components.PROJECT}:"
        raw = {k.removeprefix(prefix): v for k, v in document["config"].items()}
        load_settings(raw, now=datetime(2026, 11, 27, 9, tzinfo=UTC), base_dir=ROOT)
    else:
        raise ValueError(kind)
    return {
        "kind": kind,
        "wall": time.perf_counter() - wall0,
        "cpu": time.process_time() - cpu0,
        "rss_mib": _maxrss_mib(),
    }


# --- the parent ------------------------------------------------------------------------------


def _spawn(args: list[str], timeout: float = 1800) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        },
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1]), elapsed


def _spread(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure_programs(sizes: Sequence[int], repeats: int, log: Any) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for n in sizes:
        for program in PROGRAMS:
            runs = []
            for repeat in range(repeats):
                data, process_wall = _spawn(["--child", program, "--n", str(n)])
                data["process_wall"] = process_wall
                runs.append(data)
                log(
                    f"  N={n:<4} {program:<8} run {repeat + 1}/{repeats}: "
                    f"{data['wall']:.2f} s, {data['rss_mib']:.0f} MiB"
                )
            first = runs[0]
            rows[f"{program}/{n}"] = {
                "program": program,
                "n": n,
                "resources": first["resources"],
                "custom": first["custom"],
                "invokes": first["invokes"],
                "invoke_tokens": first["invoke_tokens"],
                "distinct_apis": first["distinct_apis"],
                "critical_path": first["critical_path"],
                "edges": first["edges"],
                "wall": _spread([r["wall"] for r in runs]),
                "cpu": _spread([r["cpu"] for r in runs]),
                "rss_mib": _spread([r["rss_mib"] for r in runs]),
                "rss_before_mib": statistics.median(r["rss_before_mib"] for r in runs),
                "process_wall": _spread([r["process_wall"] for r in runs]),
                "runs": runs,
            }
    return rows


def measure_cold(repeats: int, log: Any) -> dict[str, Any]:
    cold: dict[str, Any] = {}
    for kind in ("bare", "bare-native", "ours"):
        runs = []
        for _ in range(repeats):
            data, process_wall = _spawn(["--child", "cold", "--kind", kind])
            data["process_wall"] = process_wall
            runs.append(data)
        cold[kind] = {
            "wall": _spread([r["wall"] for r in runs]),
            "process_wall": _spread([r["process_wall"] for r in runs]),
            "rss_mib": statistics.median(r["rss_mib"] for r in runs),
        }
        log(f"  cold {kind:<12} {cold[kind]['wall']['median']:.3f} s")
    return cold


def _dir_size_mib(path: Path) -> float | None:
    if not path.exists():
        return None
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).lstat().st_size
    return round(total / 2**20, 1)


def _cache_state() -> dict[str, Any]:
    pip_dir = subprocess.run(
        [sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True, check=False
    ).stdout.strip()
    uv = shutil.which("uv")
    uv_dir = (
        subprocess.run(
            [uv, "cache", "dir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if uv
        else ""
    )
    return {
        "pip_cache": pip_dir or None,
        "pip_cache_mib": _dir_size_mib(Path(pip_dir)) if pip_dir else None,
        "uv_cache": uv_dir or None,
        "uv_cache_mib": _dir_size_mib(Path(uv_dir)) if uv_dir else None,
    }


def measure_setup(log: Any) -> dict[str, Any]:
    """A fresh virtualenv from requirements.txt: pip (compile / --no-compile) against uv."""
    requirements = str(ROOT / "requirements.txt")
    python = sys.executable
    uv = shutil.which("uv")
    setup: dict[str, Any] = {"cache_before": _cache_state(), "variants": {}}
    variants: list[tuple[str, list[list[str]]]] = [
        (
            "pip",
            [
                [python, "-m", "venv", "{env}"],
                ["{env}/bin/python", "-m", "pip", "install", "-q", "-r", requirements],
            ],
        ),
        (
            "pip --no-compile",
            [
                [python, "-m", "venv", "{env}"],
                [
                    "{env}/bin/python",
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--no-compile",
                    "-r",
                    requirements,
                ],
            ],
        ),
    ]
    if uv:
        variants.append(
            (
                "uv",
                [
                    [uv, "venv", "-q", "--python", python, "{env}"],
                    [
                        uv,
                        "pip",
                        "install",
                        "-q",
                        "--python",
                        "{env}/bin/python",
                        "-r",
                        requirements,
                    ],
                ],
            )
        )
    OUT.mkdir(parents=True, exist_ok=True)
    for label, commands in variants:
        with tempfile.TemporaryDirectory(dir=OUT, prefix="venv-") as scratch:
            env_dir = str(Path(scratch) / "env")
            started = time.perf_counter()
            ok = True
            for command in commands:
                done = subprocess.run(
                    [part.replace("{env}", env_dir) for part in command],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    ok = False
                    setup["variants"][label] = {"error": done.stderr[-2000:]}
                    break
            if ok:
                setup["variants"][label] = {"wall": time.perf_counter() - started}
        log(f"  setup {label:<18} {setup['variants'][label]}")
    setup["cache_after"] = _cache_state()
    return setup


# --- the report ------------------------------------------------------------------------------


def analyse(rows: dict[str, Any], sizes: Sequence[int], cold: dict[str, Any]) -> dict[str, Any]:
    ratios: dict[str, Any] = {}
    for n in sizes:
        ours, base = rows[f"ours/{n}"], rows[f"baseline/{n}"]
        ratios[str(n)] = {
            key: ours[key]["median"] / base[key]["median"] for key in ("wall", "cpu", "rss_mib")
        }
        # Memory the programs add on top of the process (interpreter + SDK core, before the run).
        added_ours = ours["rss_mib"]["median"] - ours["rss_before_mib"]
        added_base = base["rss_mib"]["median"] - base["rss_before_mib"]
        ratios[str(n)]["rss_added"] = added_ours / added_base if added_base > 0 else None
    analysis: dict[str, Any] = {"ratios": ratios}
    if 100 in sizes and 500 in sizes:
        scaling = {
            p: rows[f"{p}/500"]["wall"]["median"] / rows[f"{p}/100"]["wall"]["median"]
            for p in PROGRAMS
        }
        scaling["relative"] = scaling["ours"] / scaling["baseline"]
        analysis["scaling_500_100"] = scaling
    # Linearity: the marginal cost per custom resource between consecutive sizes.
    marginal: dict[str, list[dict[str, float]]] = {p: [] for p in PROGRAMS}
    for p in PROGRAMS:
        for lo, hi in itertools.pairwise(sizes):
            a, b = rows[f"{p}/{lo}"], rows[f"{p}/{hi}"]
            per = (b["wall"]["median"] - a["wall"]["median"]) / (b["custom"] - a["custom"])
            marginal[p].append({"from": lo, "to": hi, "ms_per_custom_resource": per * 1000})
    analysis["marginal"] = marginal
    analysis["overhead"] = program_overhead(rows, sizes)
    invokes = {n: rows[f"ours/{n}"]["invokes"] - rows[f"ours/{n}"]["distinct_apis"] for n in sizes}
    analysis["invokes_minus_apis"] = invokes
    analysis["critical_paths"] = {n: rows[f"ours/{n}"]["critical_path"] for n in sizes}
    if cold:
        analysis["cold_over_bare"] = cold["ours"]["wall"]["median"] - cold["bare"]["wall"]["median"]
        analysis["cold_over_bare_native"] = (
            cold["ours"]["wall"]["median"] - cold["bare-native"]["wall"]["median"]
        )
    return analysis


# The cheap regression check: what the program adds over the flat baseline per application,
# in milliseconds of mock-runtime wall time. Six components per application cost ~27 ms;
# one ~10 ms (notes.md; measured with the former layout's aliases, since removed), and each further
# registration ~4 ms. The bound sits just above, so a layout or SDK change that adds
# registrations per application shows as "no" (and `--check` exits 3).
OVERHEAD_BOUND_MS = 12.0


def program_overhead(rows: dict[str, Any], sizes: Sequence[int]) -> dict[str, Any]:
    """ms per application that ours costs over the baseline.

    From the two largest sizes: the difference of the two programs' marginal cost per added
    application, so the fixed start-up costs of both cancel. With one size (``--quick``), the
    difference of the totals over N, start-up included, labelled as such."""
    if len(sizes) >= 2:
        lo, hi = sizes[-2], sizes[-1]

        def marginal(program: str) -> float:
            a, b = rows[f"{program}/{lo}"], rows[f"{program}/{hi}"]
            return float(b["wall"]["median"] - a["wall"]["median"]) / (hi - lo)

        ms = (marginal("ours") - marginal("baseline")) * 1000
        return {"ms_per_app": ms, "basis": f"marginal, N={lo} to {hi}", "checked": True}
    (n,) = sizes
    ms = (rows[f"ours/{n}"]["wall"]["median"] - rows[f"baseline/{n}"]["wall"]["median"]) / n
    return {
        "ms_per_app": ms * 1000,
        "basis": f"totals at N={n}, start-up included",
        "checked": False,
    }


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def _target_lines(analysis: dict[str, Any], sizes: Sequence[int]) -> list[str]:
    lines = ["| target | measured | met |", "|---|---|---|"]
    ratios = analysis["ratios"]
    for n in (100, 500):
        if str(n) in ratios:
            r = ratios[str(n)]
            lines.append(
                f"| time overhead <= 1.25x at N={n} | {_fmt(r['wall'])}x (CPU {_fmt(r['cpu'])}x) "
                f"| {'yes' if r['wall'] <= 1.25 else 'no'} |"
            )
            lines.append(
                f"| memory overhead <= 1.25x at N={n} | {_fmt(r['rss_mib'])}x peak RSS"
                + (f" ({_fmt(r['rss_added'])}x of RSS added by the run)" if r["rss_added"] else "")
                + f" | {'yes' if r['rss_mib'] <= 1.25 else 'no'} |"
            )
    if "scaling_500_100" in analysis:
        s = analysis["scaling_500_100"]
        within = abs(s["relative"] - 1) <= 0.15
        lines.append(
            f"| time(500)/time(100) within 15% of baseline's | ours {_fmt(s['ours'])}, "
            f"baseline {_fmt(s['baseline'])} ({(s['relative'] - 1) * 100:+.0f}%) "
            f"| {'yes' if within else 'no'} |"
        )
    overhead = analysis.get("overhead")
    if overhead:
        ms = overhead["ms_per_app"]
        met = "yes" if ms <= OVERHEAD_BOUND_MS else "no"
        lines.append(
            f"| program overhead <= {OVERHEAD_BOUND_MS:.0f} ms per application | "
            f"{_fmt(ms, 1)} ms ({overhead['basis']}) | "
            f"{met if overhead['checked'] else 'not checked (one size)'} |"
        )
    inv = analysis["invokes_minus_apis"]
    constant = len(set(inv.values())) == 1
    lines.append(
        f"| invokes = distinct APIs + constant | invokes - APIs = "
        f"{', '.join(f'{v} (N={n})' for n, v in inv.items())} | {'yes' if constant else 'no'} |"
    )
    cps = analysis["critical_paths"]
    ok = max(cps.values()) <= 4 and len(set(cps.values())) == 1
    lines.append(
        f"| critical path <= 4, independent of N | "
        f"{', '.join(f'{v} (N={n})' for n, v in cps.items())} | {'yes' if ok else 'no'} |"
    )
    if "cold_over_bare" in analysis:
        over = analysis["cold_over_bare"]
        lines.append(
            f"| cold start <= 0.3 s over bare SDK import | +{_fmt(over, 3)} s "
            f"(+{_fmt(analysis['cold_over_bare_native'], 3)} s over SDK + azure-native authorization) "
            f"| {'yes' if over <= 0.3 else 'no'} |"
        )
    return lines


def _setup_lines(setup: dict[str, Any] | None) -> list[str]:
    out = ["", "## Set-up time (fresh virtualenv from requirements.txt, each once)", ""]
    if setup:
        out += ["| tool | wall s |", "|---|---|"]
        for label, v in setup["variants"].items():
            out.append(f"| {label} | {_fmt(v['wall'], 1) if 'wall' in v else 'failed'} |")
        before, after = setup["cache_before"], setup["cache_after"]

        def cache(tool: str, state: dict[str, Any]) -> str:
            size, where = state[f"{tool}_cache_mib"], state[f"{tool}_cache"]
            return f"{size} MiB at `{where}`" if size is not None else "absent"

        uv_line = (
            f"uv cache {cache('uv', before)} before the runs and {cache('uv', after)} after"
            if "uv" in setup["variants"]
            else "uv was not on PATH, so it was not timed"
        )
        out += [
            "",
            f"Cache state (measured, not assumed): pip cache {cache('pip', before)} before the "
            f"runs; {uv_line}. See the notes for where each tool fetched its packages from.",
        ]
    else:
        out.append("Not measured in this run (`--no-setup` or `--quick`).")
    return out


def render_markdown(results: dict[str, Any]) -> str:
    rows, sizes, analysis = results["rows"], results["sizes"], results["analysis"]
    out = [
        "# Benchmark results",
        "",
        f"Generated by `python -m bench.run` ({results['mode']}, {results['repeats']} repeat(s), "
        f"{results['machine']}). Medians; spreads are min-max. Every run is a fresh process; "
        "`wall`/`CPU` time the program run on the mock runtime after the SDK core (pulumi, grpc) "
        "is imported, `process wall` is the whole subprocess. Ratios are ours / baseline.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for n in sizes:
        for program in PROGRAMS:
            row = rows[f"{program}/{n}"]
            ratio = analysis["ratios"][str(n)]
            mine = program == "ours"
            cells = [
                str(n),
                program,
                str(row["resources"]),
                str(row["custom"]),
                str(row["invokes"]),
                str(row["distinct_apis"]),
                str(row["critical_path"]),
                _fmt(row["wall"]["median"]),
                f"{_fmt(row['wall']['min'])}-{_fmt(row['wall']['max'])}",
                _fmt(row["cpu"]["median"]),
                _fmt(row["rss_mib"]["median"], 0),
                f"{_fmt(row['rss_mib']['min'], 0)}-{_fmt(row['rss_mib']['max'], 0)}",
                _fmt(row["process_wall"]["median"]),
                _fmt(ratio["wall"]) if mine else "",
                _fmt(ratio["cpu"]) if mine else "",
                _fmt(ratio["rss_mib"]) if mine else "",
            ]
            out.append("| " + " | ".join(cells) + " |")
    out += ["", "![time against N](results.png)", "", "## Targets", ""]
    out += _target_lines(analysis, sizes)
    out += ["", "## Scaling of the SDK on the mock runtime (the baseline)", ""]
    out += ["| program | from N | to N | ms per added custom resource |", "|---|---|---|---|"]
    for program in PROGRAMS:
        for m in analysis["marginal"][program]:
            out.append(
                f"| {program} | {m['from']} | {m['to']} | {_fmt(m['ms_per_custom_resource'])} |"
            )
    cold = results.get("cold")
    out += ["", "## Cold start", ""]
    if cold:
        out += [
            "| what | in-process s (median) | spread | process wall s | peak RSS MiB |",
            "|---|---|---|---|---|",
        ]
        labels = {
            "bare": "`import pulumi, pulumi_azuread`",
            "bare-native": "bare + `from pulumi_azure_native import authorization`",
            "ours": "program modules + validate Pulumi.dev.yaml",
        }
        for kind, label in labels.items():
            c = cold[kind]
            out.append(
                f"| {label} | {_fmt(c['wall']['median'], 3)} | "
                f"{_fmt(c['wall']['min'], 3)}-{_fmt(c['wall']['max'], 3)} | "
                f"{_fmt(c['process_wall']['median'], 3)} | {_fmt(c['rss_mib'], 0)} |"
            )
    else:
        out.append("Not measured in this run.")
    out += _setup_lines(results.get("setup"))
    eq = results["equivalence"]
    out += [
        "",
        "## Honesty check",
        "",
        f"At N={eq['n']}, ours and the baseline register the same multiset of custom resources "
        f"(type, name, inputs, protect; parents ignored): **{'yes' if eq['same_resources'] else 'NO'}** "
        f"({eq['custom_resources']} resources). Same stack outputs: "
        f"{'yes' if eq['same_outputs'] else 'no'}; same invokes: {'yes' if eq['same_invokes'] else 'no'}.",
        "",
        "Critical path: edges are the `dependencies` of each RegisterResource request as the "
        "mock monitor receives them (the SDK fills them from input dependencies), expanded "
        "from components to their custom children; depth counts resources on the longest chain.",
    ]
    if results.get("notes"):
        out += ["", "## Notes", "", *results["notes"]]
    engine = results.get("engine_report")
    if engine:
        out += ["", engine.rstrip()]
    return "\n".join(out) + "\n"


def plot(results: dict[str, Any], path: Path, engine: dict[str, Any] | None = None) -> None:
    """Time against N on the mock runtime and, when given, under the real engine."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if engine else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.4 * panels, 4.2), squeeze=False)
    ax = axes[0][0]
    sizes = results["sizes"]
    for program, marker in zip(PROGRAMS, ("o", "s"), strict=True):
        rows = [results["rows"][f"{program}/{n}"]["wall"] for n in sizes]
        _errorbar(ax, sizes, rows, program, marker=marker)
    _decorate(ax, "healthcare-clients on the mock runtime", "wall time of the program run, s")
    if engine:
        ax = axes[0][1]
        for operation, style in (("preview", "-"), ("rerun", ":")):
            for program, marker in zip(PROGRAMS, ("o", "s"), strict=True):
                cells = [engine["table"][f"{program}/{n}/{operation}"] for n in engine["sizes"]]
                rows = [
                    {"median": c["wall"], "min": c["spread"][0], "max": c["spread"][1]}
                    for c in cells
                ]
                _errorbar(
                    ax,
                    engine["sizes"],
                    rows,
                    f"{program}, {operation}",
                    marker=marker,
                    linestyle=style,
                )
        _decorate(ax, "under the real engine (fake tenant)", "wall time of the pulumi command, s")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _errorbar(
    ax: Any, sizes: Sequence[int], rows: Sequence[dict[str, float]], label: str, **style: str
) -> None:
    medians = [r["median"] for r in rows]
    below = [r["median"] - r["min"] for r in rows]
    above = [r["max"] - r["median"] for r in rows]
    ax.errorbar(sizes, medians, yerr=[below, above], capsize=3, label=label, **style)


def _decorate(ax: Any, title: str, ylabel: str) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("applications (N)")
    ax.set_ylabel(f"{ylabel} (median, min-max)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()


def _engine_results(out_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The engine benchmark's figures (bench/engine.py) beside these, if it has run."""
    data, report = out_dir / "results-engine.json", out_dir / "results-engine.md"
    if not (data.exists() and report.exists()):
        return None, None
    text = report.read_text(encoding="utf-8")
    # Without the generator's comment line: results.md says where each part comes from.
    lines = [line for line in text.splitlines() if not line.startswith("<!--")]
    return json.loads(data.read_text(encoding="utf-8")), "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", choices=("ours", "baseline", "equivalence", "cold"))
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--kind", choices=("bare", "bare-native", "ours"))
    parser.add_argument("--quick", action="store_true", help="N=1,10, 1 repeat, no set-up timing")
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--no-setup", action="store_true", help="skip the virtualenv timings")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start timings")
    parser.add_argument("--out", type=Path, help="where results.{md,json,png} go")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 3 if the program overhead exceeds {OVERHEAD_BOUND_MS:.0f} ms per application",
    )
    parser.add_argument(
        "--render", action="store_true", help="rewrite results.md/png from results.json + notes.md"
    )
    return parser


def _write_report(results: dict[str, Any], out_dir: Path, *, with_notes: bool) -> None:
    """results.md and the plot, with the hand-written notes and the engine figures beside."""
    notes_file = BENCH / "notes.md"
    if with_notes and notes_file.exists():
        results["notes"] = notes_file.read_text(encoding="utf-8").splitlines()
    engine, results["engine_report"] = _engine_results(out_dir)
    plot(results, out_dir / "results.png", engine)
    (out_dir / "results.md").write_text(render_markdown(results), encoding="utf-8")


def _child(args: argparse.Namespace) -> int:
    """One measurement in a fresh process; its figures go to stdout as JSON."""
    if args.child in ("ours", "baseline"):
        data = child_program(args.child, args.n)
    elif args.child == "equivalence":
        data = child_equivalence(args.n)
    else:
        data = child_cold(args.kind)
    print(json.dumps(data))
    return 0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    """The whole run: equivalence, programs per size, cold start and set-up, as results.md
    reports them."""
    sizes = sorted(set(args.sizes or ((1, 10) if args.quick else (1, 10, 100, 500))))
    repeats = args.repeats or (1 if args.quick else 3)
    started = time.perf_counter()
    _log("equivalence check (N=10)")
    equivalence, _ = _spawn(["--child", "equivalence", "--n", "10"])
    _log(f"  {equivalence}")
    _log(f"programs: sizes {sizes}, {repeats} repeat(s)")
    rows = measure_programs(sizes, repeats, _log)
    cold: dict[str, Any] = {}
    if not args.no_cold:
        _log("cold start")
        cold = measure_cold(max(repeats, 3) if not args.quick else 1, _log)
    setup: dict[str, Any] = {}
    if not (args.quick or args.no_setup):
        _log("set-up time")
        setup = measure_setup(_log)
    return {
        "mode": "quick" if args.quick else "full",
        "sizes": sizes,
        "repeats": repeats,
        "machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        "equivalence": equivalence,
        "rows": rows,
        "cold": cold,
        "setup": setup,
        "analysis": analyse(rows, sizes, cold),
        "elapsed_s": time.perf_counter() - started,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.render:
        out_dir = args.out or BENCH
        saved: dict[str, Any] = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
        _write_report(saved, out_dir, with_notes=True)
        return 0
    if args.child:
        return _child(args)

    out_dir = args.out or (OUT / "quick" if args.quick else BENCH)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = _measure(args)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    _write_report(results, out_dir, with_notes=not args.quick)
    _log(f"wrote {out_dir}/results.md, results.json, results.png in {results['elapsed_s']:.0f} s")
    return _exit_code(results, check=args.check, log=_log)


def _exit_code(results: dict[str, Any], *, check: bool, log: Any) -> int:
    """1 if the two programs stopped registering the same resources (the comparison is void),
    3 with ``--check`` if the program overhead is over its bound, else 0."""
    if not results["equivalence"]["same_resources"]:
        return 1
    overhead = results["analysis"]["overhead"]
    log(f"program overhead: {overhead['ms_per_app']:.1f} ms per application ({overhead['basis']})")
    if check and overhead["checked"] and overhead["ms_per_app"] > OVERHEAD_BOUND_MS:
        log(f"over the bound of {OVERHEAD_BOUND_MS:.0f} ms per application")
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())

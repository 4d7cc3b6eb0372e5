"""Benchmark under the real engine: what a pull-request preview and a deploy cost.

    .venv/bin/python -m bench.engine                      # N = 1, 10, 50, 200; 3 repeats
    .venv/bin/python -m bench.engine --sizes 1 --repeats 1 --out DIR   # a smoke run

For each N and each program (ours: the real ``__main__.py``; the baseline: the same resources
from ``bench/baseline.py``, flat, no components), in a fresh workspace per repeat (project,
local backend, fake tenant, ``PULUMI_HOME`` with the fake providers), it times three CLI runs
as users run them: ``pulumi preview`` of the new stack (with ``PULUMI_SKIP_CHECKPOINTS``, as
``preview.yml`` and ``make preview`` run it), ``pulumi up``, and ``pulumi up`` again with no
change (as ``deploy.yml`` and the weekly rotation run it). One run at a time, so the two cores are not shared between
measurements. Python writes and reads its bytecode caches, as on a user's machine (this
sandbox sets PYTHONDONTWRITEBYTECODE, which the benchmark drops), after one unrecorded run of
each program that fills them. Per run it records wall time, the CPU of the whole process tree (``wait4``),
the CPU, wall span and peak memory of each Python process the engine started (the program,
each provider plugin; ``bench/probe``), and the calls each plugin served.

The CPU split reads: program (the Python program: ours or the baseline), plugins (the fake
providers, the same for both programs), engine (the rest: the CLI and the language host).
Nothing talks to Azure; the providers are the fake tenant's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.configs import NOW, stack_config
from testbed.engine import ROOT, EngineWorkspace, locate
from testbed.plugin import STATS_ENV

SIZES = (1, 10, 50, 200)
PROGRAMS = ("ours", "baseline")
# The baseline with one bare component per application (bench/baseline.py): measured on
# request (--programs), to tell the structure's cost under the engine from the program's.
FLOOR = "floor"
ALL_PROGRAMS = (*PROGRAMS, FLOOR)
OPERATIONS = ("preview", "up", "rerun")
PROBE = ROOT / "bench" / "probe"
BASELINE = ROOT / "bench" / "baseline.py"
# What the figures mean and where the time goes, written after reading them (kept by hand).
NOTES = ROOT / "bench" / "notes-engine.md"


def _cli(
    workspace: EngineWorkspace, args: list[str], scratch: Path, extra_env: dict[str, str]
) -> dict[str, Any]:
    probe, stats = scratch / "probe.jsonl", scratch / "stats.jsonl"
    probe.unlink(missing_ok=True)
    stats.unlink(missing_ok=True)
    # Python caches bytecode, as on any machine but this sandbox, which turns it off: the
    # warm-up run (main) compiles both programs and the plugins once, like a user's first run.
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {
        **inherited,
        **workspace.env(),
        "PYTHONPATH": str(PROBE),
        "HEALTHCARE_CLIENTS_PROBE_FILE": str(probe),
        STATS_ENV: str(stats),
        **extra_env,
    }
    command = [str(workspace.bin_dir / "pulumi"), *args, "--non-interactive", "--stack", "bench"]
    # The azuread provider is the real binary: what it asks of Microsoft Graph is counted at the
    # Graph fake, by path (its invokes in a preview are reads of servicePrincipals).
    graph_requests = workspace.graph.requests if workspace.graph is not None else []
    graph_before = len(graph_requests)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=workspace.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"pulumi {' '.join(args)} failed:\n{output.decode()[-3000:]}")
    lines = [json.loads(line) for line in probe.read_text().splitlines()] if probe.exists() else []
    calls: dict[str, int] = {}
    for line in stats.read_text().splitlines() if stats.exists() else []:
        for method, count in json.loads(line)["calls"].items():
            calls[method] = calls.get(method, 0) + count
    program = [p for p in lines if p["role"] == "program"]
    plugins = [p for p in lines if p["role"].startswith("plugin:")]
    return {
        "wall": wall,
        "program_cpu": sum(p["cpu"] for p in program),
        "program_wall": sum(p["wall"] for p in program),
        "program_rss_mib": max((p["maxrss_mib"] for p in program), default=0.0),
        "plugin_cpu": sum(p["cpu"] for p in plugins),
        "calls": calls,
        "graph": _graph_counts(graph_requests[graph_before:]),
    }


def _graph_counts(requests: list[tuple[str, str, int]]) -> dict[str, int]:
    """Graph requests by method and collection (``GET servicePrincipals``), no IDs or query."""
    counts: dict[str, int] = {}
    for method, target, _ in requests:
        path = target.split("?", 1)[0].strip("/").split("/")
        # /v1.0/servicePrincipals/<id>/... -> servicePrincipals; token and metadata paths as is.
        collection = path[1] if len(path) > 1 and path[0] in ("v1.0", "beta") else "/".join(path)
        key = f"{method} {collection}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def measure_once(program: str, n: int, scratch: Path) -> dict[str, Any]:
    root = scratch / f"{program}-{n}"
    shutil.rmtree(root, ignore_errors=True)
    workspace = EngineWorkspace.create(
        root, now=NOW, program=None if program == "ours" else BASELINE
    )
    workspace.write_stack_file("bench", stack_config(n))
    workspace.cli("stack", "init", "bench", check=True)
    variant = {"HEALTHCARE_CLIENTS_BENCH_FLOOR": "1"} if program == FLOOR else {}
    results = {}
    for operation, args, env in (
        # As preview.yml and `make preview` run it (no per-step snapshot work: bench/notes-engine.md).
        ("preview", ["preview", "--suppress-outputs"], {"PULUMI_SKIP_CHECKPOINTS": "true"}),
        ("up", ["up", "--yes", "--suppress-outputs"], {}),
        ("rerun", ["up", "--yes", "--suppress-outputs"], {}),
    ):
        before = os.times()
        run = _cli(workspace, args, scratch, {**env, **variant})
        after = os.times()
        # CPU of the whole tree: the CLI and every descendant it waited for.
        run["tree_cpu"] = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        run["engine_cpu"] = max(run["tree_cpu"] - run["program_cpu"] - run["plugin_cpu"], 0.0)
        results[operation] = run
    # The provider resources in the stack's state (Graph's log counts requests, not resources).
    exported = json.loads(workspace.cli("stack", "export", stack="bench", check=True).stdout)
    custom = sum(
        1
        for resource in exported["deployment"].get("resources", [])
        if resource.get("custom") and not resource["type"].startswith("pulumi:providers:")
    )
    workspace.close()
    shutil.rmtree(root, ignore_errors=True)
    return {"program": program, "n": n, "custom": custom, "runs": results}


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def summarise(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians and spreads per (program, N, operation)."""
    table: dict[str, Any] = {}
    for program in ALL_PROGRAMS:
        for n in sorted({s["n"] for s in samples}):
            runs = [s for s in samples if s["program"] == program and s["n"] == n]
            if not runs:
                continue
            for operation in OPERATIONS:
                values = [r["runs"][operation] for r in runs]
                walls = [v["wall"] for v in values]
                calls = values[0]["calls"]
                table[f"{program}/{n}/{operation}"] = {
                    "wall": _median(walls),
                    "spread": [min(walls), max(walls)],
                    "program_cpu": _median([v["program_cpu"] for v in values]),
                    "plugin_cpu": _median([v["plugin_cpu"] for v in values]),
                    "engine_cpu": _median([v["engine_cpu"] for v in values]),
                    "program_rss_mib": _median([v["program_rss_mib"] for v in values]),
                    "custom": runs[0]["custom"],
                    "calls": calls,
                    "graph": values[0]["graph"],
                    "repeats": len(values),
                }
    return table


# The targets under the engine (docs/performance.md, "Under the real engine").
RATIO_TARGET = 1.10
RATIO_SIZES = (50, 200)
RATIO_OPERATIONS = ("preview", "rerun")
PER_APP_TOLERANCE = 0.15


def _against_baseline(
    table: dict[str, Any], sizes: Sequence[int], program: str
) -> dict[str, float]:
    """Wall time of ``program`` over the baseline's, per "N/operation" both have."""
    return {
        f"{n}/{op}": table[f"{program}/{n}/{op}"]["wall"] / table[f"baseline/{n}/{op}"]["wall"]
        for n in sizes
        for op in OPERATIONS
        if f"{program}/{n}/{op}" in table and f"baseline/{n}/{op}" in table
    }


def analyse(table: dict[str, Any], sizes: Sequence[int]) -> dict[str, Any]:
    ratios = _against_baseline(table, sizes, "ours")
    floor_ratios = _against_baseline(table, sizes, FLOOR)
    # Seconds per added application between consecutive sizes, for both programs: the
    # baseline's own curve says how much of any growth is the engine's.
    per_app: dict[str, float] = {}
    for program in PROGRAMS:
        for n_low, n_high in itertools.pairwise(sizes):
            for op in OPERATIONS:
                low = table.get(f"{program}/{n_low}/{op}")
                high = table.get(f"{program}/{n_high}/{op}")
                if low and high:
                    per_app[f"{program}/{n_low}-{n_high}/{op}"] = (high["wall"] - low["wall"]) / (
                        n_high - n_low
                    )
    # A preview of a new stack creates nothing: the Graph reads it makes are the azuread
    # invokes (getServicePrincipal per API) and the provider's own start-up.
    invokes = {
        f"{p}/{n}": sum(
            count
            for key, count in table[f"{p}/{n}/preview"]["graph"].items()
            if key.startswith("GET ")
        )
        for p in PROGRAMS
        for n in sizes
        if f"{p}/{n}/preview" in table
    }
    return {
        "ratios": ratios,
        "floor_ratios": floor_ratios,
        "per_app_seconds": per_app,
        "invokes": invokes,
    }


def targets(analysis: dict[str, Any], sizes: Sequence[int]) -> list[dict[str, Any]]:
    """Each target of the issue with what was measured; only those the sizes allow."""
    rows: list[dict[str, Any]] = []
    for n in RATIO_SIZES:
        for op in RATIO_OPERATIONS:
            ratio = analysis["ratios"].get(f"{n}/{op}")
            if ratio is not None:
                rows.append(
                    {
                        "target": f"{op} <= {RATIO_TARGET:.2f}x the baseline at N={n}",
                        "measured": f"{ratio:.2f}x",
                        "met": ratio <= RATIO_TARGET,
                    }
                )
    per_app = analysis["per_app_seconds"]
    if 50 in sizes and 200 in sizes:
        index = list(sizes).index(50)
        before = sizes[index - 1] if index else None
        for op in OPERATIONS:
            late = per_app.get(f"ours/50-200/{op}")
            early = per_app.get(f"ours/{before}-50/{op}") if before else None
            if late is None or early is None:
                continue
            change = late / early - 1
            base_late = per_app.get(f"baseline/50-200/{op}")
            base_early = per_app.get(f"baseline/{before}-50/{op}")
            base = (
                f"; baseline {base_early * 1000:.0f} -> {base_late * 1000:.0f} ms"
                if base_late and base_early
                else ""
            )
            rows.append(
                {
                    "target": f"{op}: time per added application constant up to N=200 "
                    f"(within {PER_APP_TOLERANCE:.0%})",
                    "measured": f"{early * 1000:.0f} ms (N={before}-50) -> "
                    f"{late * 1000:.0f} ms (N=50-200), {change:+.0%}{base}",
                    "met": abs(change) <= PER_APP_TOLERANCE,
                }
            )
    invokes = {k: v for k, v in analysis["invokes"].items() if k.startswith("ours/")}
    if invokes:
        rows.append(
            {
                "target": "Graph reads in a preview independent of N",
                "measured": ", ".join(f"{v} (N={k.split('/')[1]})" for k, v in invokes.items()),
                "met": len(set(invokes.values())) == 1,
            }
        )
    return rows


def render(results: dict[str, Any]) -> str:
    table, analysis = results["table"], results["analysis"]
    lines = [
        "<!-- engine benchmark: written by `python -m bench.engine` -->",
        "## Under the real engine",
        "",
        f"Engine {results['engine']}; the real azuread provider against the Graph fake, our "
        "azure-native plugin (the plugin columns and provider calls count only the latter). "
        "Medians over fresh workspaces (runs column), one CLI run at a time, "
        "bytecode caches warm, "
        f"on {results['machine']}. CPU is split by process: program (the Python program), "
        "plugins (the fake providers, identical for both programs), engine (CLI and "
        "language host).",
        "",
        "| N | op | program | custom | runs | wall s | spread | ratio | program CPU s | engine CPU s | plugin CPU s | program RSS MiB | provider calls / resource |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in results["sizes"]:
        for op in OPERATIONS:
            for program in ALL_PROGRAMS:
                row = table.get(f"{program}/{n}/{op}")
                if row is None:
                    continue
                against_baseline = {"ours": "ratios", FLOOR: "floor_ratios"}.get(program)
                ratio = (
                    analysis.get(against_baseline, {}).get(f"{n}/{op}")
                    if against_baseline
                    else None
                )
                calls = sum(row["calls"].values()) / max(row["custom"], 1)
                lines.append(
                    f"| {n} | {op} | {program} | {row['custom']} | {row['repeats']} | "
                    f"{row['wall']:.2f} | "
                    f"{row['spread'][0]:.2f}-{row['spread'][1]:.2f} | "
                    f"{f'{ratio:.2f}x' if ratio else ''} | {row['program_cpu']:.2f} | "
                    f"{row['engine_cpu']:.2f} | {row['plugin_cpu']:.2f} | "
                    f"{row['program_rss_mib']:.0f} | {calls:.1f} |"
                )
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    for row in targets(analysis, results["sizes"]):
        lines.append(f"| {row['target']} | {row['measured']} | {'yes' if row['met'] else 'no'} |")
    if NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8").rstrip()]
    lines.append("")
    return "\n".join(lines)


def _measure(
    sizes: Sequence[int],
    repeats: int,
    warm_up: bool,
    journal: Path,
    programs: Sequence[str] = PROGRAMS,
) -> list[dict[str, Any]]:
    """Every size in turn, its repeats together, so the small sizes are complete before
    the long N=200 deploys start."""
    samples = []
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as scratch:
        for program in programs if warm_up else ():
            measure_once(program, 1, Path(scratch))  # not recorded: fills the bytecode caches
        for n in sizes:
            for repeat in range(repeats):
                for program in programs:
                    started = time.perf_counter()
                    sample = measure_once(program, n, Path(scratch))
                    samples.append(sample)
                    with journal.open("a", encoding="utf-8") as handle:
                        handle.write(json.dumps(sample) + "\n")
                    print(
                        f"N={n:<4} {program:<8} repeat {repeat + 1}/{repeats}: "
                        + ", ".join(
                            f"{op} {r['wall']:.1f} s (program {r['program_cpu']:.1f}, "
                            f"engine {r['engine_cpu']:.1f}, plugins {r['plugin_cpu']:.1f} CPU s)"
                            for op, r in sample["runs"].items()
                        )
                        + f" ({time.perf_counter() - started:.0f} s)",
                        flush=True,
                    )
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--programs",
        nargs="+",
        choices=ALL_PROGRAMS,
        default=list(PROGRAMS),
        help=f"add {FLOOR!r}: the baseline with one bare component per application",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="skip the unrecorded first run that fills Python's bytecode caches",
    )
    parser.add_argument(
        "--from-samples",
        action="store_true",
        help="summarise the samples an earlier run left in results-engine-samples.jsonl",
    )
    parser.add_argument(
        "--render", action="store_true", help="rewrite results-engine.md from its JSON and notes"
    )
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads((args.out / "results-engine.json").read_text(encoding="utf-8"))
        (args.out / "results-engine.md").write_text(render(saved), encoding="utf-8")
        return 0
    engine = locate()
    if engine is None:
        sys.exit("bench.engine: no Pulumi engine; run `make engine`")
    args.out.mkdir(parents=True, exist_ok=True)
    # Each sample is appended as soon as it is measured: a run of two hours that stops
    # early still leaves what it measured (--from-samples summarises it).
    journal = args.out / "results-engine-samples.jsonl"
    if args.from_samples:
        samples = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
        args.sizes = sorted({s["n"] for s in samples})
    else:
        journal.write_text("", encoding="utf-8")
        samples = _measure(args.sizes, args.repeats, args.warm_up, journal, args.programs)
    table = summarise(samples)
    version = subprocess.run(
        [str(engine / "pulumi"), "version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    results = {
        "engine": f"pulumi {version}",
        "machine": f"{os.cpu_count()} CPUs",
        "sizes": args.sizes,
        "repeats": min(row["repeats"] for row in table.values()),
        "samples": samples,
        "table": table,
        "analysis": analyse(table, args.sizes),
    }
    (args.out / "results-engine.json").write_text(json.dumps(results, indent=1) + "\n")
    (args.out / "results-engine.md").write_text(render(results))
    print(f"wrote {args.out / 'results-engine.json'} and results-engine.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

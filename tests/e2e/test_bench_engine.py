"""Smoke test of the engine benchmark (bench/engine.py) at N=1: every figure is there.

No timing is asserted; the benchmark itself reports the figures (bench/results-engine.md)."""

import json
from pathlib import Path

import pytest

from bench import engine as bench_engine

pytestmark = pytest.mark.e2e


def test_the_engine_benchmark_reports_every_figure(tmp_path: Path, engine_bin: Path) -> None:
    assert (
        bench_engine.main(
            [
                *("--sizes", "1", "--repeats", "1", "--no-warm-up", "--out", str(tmp_path)),
                *("--programs", *bench_engine.ALL_PROGRAMS),
            ]
        )
        == 0
    )
    results = json.loads((tmp_path / "results-engine.json").read_text())
    for program in bench_engine.ALL_PROGRAMS:
        for operation in bench_engine.OPERATIONS:
            row = results["table"][f"{program}/1/{operation}"]
            assert row["custom"] == 15  # the same resources for both programs
            assert row["wall"] > 0 and row["program_cpu"] > 0 and row["plugin_cpu"] > 0
            assert row["program_rss_mib"] > 0
            # Calls are counted in our plugin only, the azure-native one: the azuread provider
            # is the real binary. The dev stack at N=1 has two role assignments.
            assert row["calls"]["Check"] >= 2
    # The real azuread provider's reads in a preview, counted at the Graph fake: both programs
    # look up the same APIs, so they ask Graph the same.
    invokes = results["analysis"]["invokes"]
    assert invokes["ours/1"] == invokes["baseline/1"] > 0
    preview = results["table"]["ours/1/preview"]["graph"]
    assert preview.get("GET servicePrincipals", 0) >= 2  # one per API the dev stack names
    assert not [key for key in preview if not key.startswith("GET ") and "token" not in key]
    report = (tmp_path / "results-engine.md").read_text()
    assert "| 1 | preview | ours | 15 | 1 |" in report
    assert "| 1 | preview | floor | 15 | 1 |" in report
    assert set(results["analysis"]["floor_ratios"]) == {"1/preview", "1/up", "1/rerun"}

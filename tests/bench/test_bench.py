"""Smoke test of the benchmark (bench/run.py): quick mode at N=10, no timing assertions."""

import json
import subprocess
import sys
from pathlib import Path

from bench.configs import CUSTOM_PER_APP, stack_config
from bench.run import COLUMNS, PROGRAMS
from tests.conftest import ROOT


def test_configs_use_every_feature() -> None:
    app = stack_config(3)["applications"]["app-0002"]
    assert set(app["redirectUris"]) == {"mobileDesktop", "web", "spa"}
    assert app["secret"]["rotation"] == "overlap"
    assert set(app["apiPermissions"]) == {"fhir", "dicom"}
    assert app["adminConsent"] is True
    assert set(app["roles"]) == {"fhir", "dicom"}
    assert "branch" in next(iter(app["federatedCredentials"].values()))
    assert "owners" not in app
    assert len(stack_config(500)["applications"]) == 500


def test_quick_benchmark_reports_every_column(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--sizes", "10", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]

    report = (tmp_path / "results.md").read_text(encoding="utf-8")
    header = next(line for line in report.splitlines() if line.startswith("| N |"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == list(COLUMNS)
    rows = [line for line in report.splitlines() if line.startswith("| 10 |")]
    assert [row.split("|")[2].strip() for row in rows] == list(PROGRAMS)
    for row in rows:
        assert len(row.strip("|").split("|")) == len(COLUMNS)
    for section in ("## Targets", "## Cold start", "## Set-up time", "## Honesty check"):
        assert section in report
    assert (tmp_path / "results.png").stat().st_size > 0

    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["equivalence"]["same_resources"] is True
    ours, baseline = results["rows"]["ours/10"], results["rows"]["baseline/10"]
    assert ours["custom"] == baseline["custom"] == 10 * CUSTOM_PER_APP
    assert ours["invokes"] == baseline["invokes"] == 3  # getClientConfig + 2 APIs
    assert ours["critical_path"] == 3  # registration -> service principal -> grant/role
    assert set(results["cold"]) == {"bare", "bare-native", "ours"}

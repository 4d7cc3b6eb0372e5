"""tools.require_deployer: the pipelines' guard against owners that follow whoever runs."""

from pathlib import Path

import pytest
import yaml

from tools import require_deployer
from tools.require_deployer import main

DEPLOYER = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def project(tmp_path: Path, config: dict[str, object]) -> Path:
    document = {"config": {f"healthcare-clients:{k}": v for k, v in config.items()}}
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return tmp_path


def test_a_stack_that_names_its_deployer_passes(tmp_path: Path) -> None:
    directory = project(tmp_path, {"deployerObjectId": DEPLOYER, "protect": True})
    assert main(["--stack", "prod", "--project-dir", str(directory)]) == 0


def test_a_secret_deployer_passes_unread(tmp_path: Path) -> None:
    directory = project(tmp_path, {"deployerObjectId": {"secure": "AAABAKmJ0aG"}})
    assert main(["--stack", "prod", "--project-dir", str(directory)]) == 0


def test_a_missing_deployer_stops_the_pipeline_with_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = project(tmp_path, {"protect": True})
    assert main(["--stack", "prod", "--project-dir", str(directory)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "error: Pulumi.prod.yaml does not set healthcare-clients:deployerObjectId:"
    )
    assert "pulumi config set healthcare-clients:deployerObjectId <object ID> --stack prod" in err


def test_a_deployer_that_is_not_an_object_id_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = project(tmp_path, {"deployerObjectId": "deploy-sp"})
    assert main(["--stack", "prod", "--project-dir", str(directory)]) == 1
    assert "is not an object ID" in capsys.readouterr().err


def test_the_dev_stack_example_does_not_name_one_yet() -> None:
    # Pulumi.dev.yaml is the laptop example; the walkthrough sets the key before pipelines run.
    assert require_deployer.problem("dev", Path(__file__).resolve().parents[2]) is not None


def test_an_unreadable_stack_file_exits_2(tmp_path: Path) -> None:
    assert main(["--stack", "prod", "--project-dir", str(tmp_path)]) == 2

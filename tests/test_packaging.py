"""The project installs like a Dagster project: the wheel carries the suites, the standards and the assets
inside the package, and `dg` loads the code location from the checkout.

Both run real tools in subprocesses (pip, dg); they take about a minute together.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
PACKAGE = "balanced_pipeline"
# The card's top-level folders and the package each is installed as.
MAPPED = {"assets": f"{PACKAGE}/defs", "expectations": f"{PACKAGE}/expectations"}
pytestmark = pytest.mark.checkout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(CHECKOUT)],
        check=True, capture_output=True, text=True,
    )
    (built,) = out.glob("balanced_pipeline-*.whl")
    return zipfile.ZipFile(built)


def _source_files() -> set[str]:
    """Every file the wheel must hold, named as installed: the package's modules and data, and the mapped folders."""
    expected = set()
    for path in (CHECKOUT / PACKAGE).rglob("*"):
        relative = path.relative_to(CHECKOUT)
        if path.is_file() and not path.is_symlink() and relative.parts[1] != "defs" and path.suffix in {".py", ".yaml"}:
            expected.add(relative.as_posix())
    for folder, installed in MAPPED.items():
        for path in (CHECKOUT / folder).iterdir():
            if path.suffix in {".py", ".json"}:
                expected.add(f"{installed}/{path.name}")
    return expected


def test_the_wheel_holds_every_module_suite_and_standards_file(wheel):
    names = {name for name in wheel.namelist() if not name.startswith(f"{PACKAGE}-")}
    assert names == _source_files()
    assert {f"{PACKAGE}/standards/national.yaml", f"{PACKAGE}/standards/anhui.yaml"} <= names
    suites = {Path(name).stem for name in names if name.startswith(f"{PACKAGE}/expectations/") and name.endswith(".json")}
    assert {"schools", "classes", "rooms", "registry", "counties"} <= suites


def test_the_wheel_installs_no_top_level_package_but_its_own(wheel):
    top_levels = {name.split("/")[0] for name in wheel.namelist()}
    assert top_levels == {PACKAGE, *(n for n in top_levels if n.startswith(f"{PACKAGE}-"))}
    (top_level_txt,) = [n for n in wheel.namelist() if n.endswith(".dist-info/top_level.txt")]
    assert wheel.read(top_level_txt).decode().split() == [PACKAGE]


def _dg(*args: str, home: Path) -> subprocess.CompletedProcess:
    dg = Path(sys.executable).with_name("dg")
    return subprocess.run(
        [str(dg), *args], cwd=CHECKOUT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "DAGSTER_HOME": str(home), "BALANCED_DATA_DIR": str(home / "data")},
    )


def test_dg_checks_and_lists_the_code_location(tmp_path):
    checked = _dg("check", "defs", home=tmp_path)
    assert checked.returncode == 0, checked.stderr
    listed = _dg("list", "defs", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    assets = {asset["asset_key"]: asset for asset in found["assets"]}
    assert {"county_trends", "county_indicator_values", "staged_schools", "county_reports"} <= set(assets)
    assert "county_indicator_values" in assets["county_trends"]["dependency_keys"]
    assert assets["county_trends"]["owners"] == [{"team": "supervision-office"}]
    assert {schedule["name"] for schedule in found["schedules"]} == {
        "preliminary_evaluation_schedule", "final_evaluation_schedule",
    }
    assert {sensor["name"] for sensor in found["sensors"]} == {"new_submissions_sensor"}

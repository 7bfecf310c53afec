"""The expectation suites (`expectations/<form>.json`) and the standards values they refer to.

A suite names a standards-owned threshold as a GX suite parameter (`{"$PARAMETER": name}`);
`suite_parameters` reads every such value from the standards file at run time.
"""

from __future__ import annotations

import json
from pathlib import Path

from balanced_pipeline import expectations
from balanced_pipeline.contract.issues import ERROR, WARNING
from balanced_pipeline.validation._gx import gx
from balanced_pipeline.standards.loader import Standards

# The card's top-level expectations/ folder, installed as the package `balanced_pipeline.expectations`.
SUITES_DIR = Path(expectations.__file__).resolve().parent
SEVERITY_TO_ISSUE = {"critical": ERROR, "warning": WARNING}
META_KEYS = ("rule", "field", "message_zh", "message_en")


class SuiteError(ValueError):
    pass


def suite_path(form_name: str) -> Path:
    return SUITES_DIR / f"{form_name}.json"


def suite_names() -> list[str]:
    return sorted(path.stem for path in SUITES_DIR.glob("*.json"))


def load_suite(form_name: str, path: Path | None = None) -> gx.ExpectationSuite:
    """The suite of one form; fails loudly when GX dropped an expectation it did not understand."""
    path = path or suite_path(form_name)
    document = json.loads(path.read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(
        name=document.get("name", form_name),
        expectations=document["expectations"],
        meta=document.get("meta"),
    )
    if len(suite.expectations) != len(document["expectations"]):
        loaded = {e.meta.get("rule") for e in suite.expectations}
        dropped = [e.get("meta", {}).get("rule", e.get("type")) for e in document["expectations"]
                   if e.get("meta", {}).get("rule") not in loaded]
        raise SuiteError(f"{path}: GX loaded {len(suite.expectations)} of {len(document['expectations'])} "
                         f"expectations; dropped (unknown type or bad arguments): {dropped}")
    for expectation in suite.expectations:
        missing = [key for key in META_KEYS if not expectation.meta.get(key)]
        if missing or expectation.severity.value not in SEVERITY_TO_ISSUE:
            raise SuiteError(f"{path}: expectation {expectation.meta.get('rule', expectation.expectation_type)} "
                             f"needs meta {list(META_KEYS)} and severity critical or warning")
    return suite


def suite_parameters(standards: Standards) -> dict[str, object]:
    """Every value a suite may reference as `$PARAMETER`, from the standards file."""
    data_quality = standards.section("data_quality")
    parameters: dict[str, object] = {"class_students_tolerance": float(data_quality["class_students_tolerance"])}
    for quantity, bounds in data_quality["plausibility"].items():
        parameters[f"plausibility_{quantity}_min"] = float(bounds["min"])
        parameters[f"plausibility_{quantity}_max"] = float(bounds["max"])
    parameters["respondent_groups"] = list(standards.section("social_recognition")["groups"])
    return parameters

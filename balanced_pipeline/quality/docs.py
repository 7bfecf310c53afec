"""GX Data Docs: the validation results of one or more quality reports as a static HTML site."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from balanced_pipeline.quality._gx import new_context
from balanced_pipeline.quality.suites import load_suite
from balanced_pipeline.quality.validate import QualityReport
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

SITE_NAME = "data_quality"


def build_data_docs(reports: QualityReport | Iterable[QualityReport], folder: Path) -> Path:
    """Write the Data Docs site for `reports` into `folder`; returns its index.html."""
    reports = [reports] if isinstance(reports, QualityReport) else list(reports)
    folder = Path(folder).resolve()
    context = new_context()
    context.add_data_docs_site(site_name=SITE_NAME, site_config={
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    for form_name in sorted({form for report in reports for form in report.validation_results}):
        context.suites.add(load_suite(form_name))
    for report in reports:
        for form_name, result in report.validation_results.items():
            identifier = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=form_name),
                run_id=result.meta["run_id"],
                batch_identifier=form_name,
            )
            context.validation_results_store.set(identifier, result)
    context.build_data_docs(site_names=[SITE_NAME])
    return folder / "index.html"

"""Data quality of the submitted forms: GX Core suites (expectations/*.json) and their runner."""

from balanced_pipeline.validation.derive import derive_validation_columns
from balanced_pipeline.validation.docs import build_data_docs, write_validation_summary
from balanced_pipeline.validation.suites import SuiteError, load_suite, suite_names, suite_parameters
from balanced_pipeline.validation.validate import FormSummary, QualityReport, validate_forms

__all__ = [
    "FormSummary",
    "QualityReport",
    "SuiteError",
    "build_data_docs",
    "write_validation_summary",
    "derive_validation_columns",
    "load_suite",
    "suite_names",
    "suite_parameters",
    "validate_forms",
]

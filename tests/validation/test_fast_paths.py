"""The shortcuts validation takes for speed give what the slow way gave: GX's kwarg lookups, rebuilt
once per call instead of once per key, and survey answers judged only where not exactly an option."""

from __future__ import annotations

import pandas as pd
import pytest

from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.validation._gx import GX_LOOKUPS
from balanced_pipeline.validation.derive import unrecognised_answers
from balanced_pipeline.validation.suites import load_suite, suite_names
from balanced_pipeline.validation.validate import RESULT_FORMAT

STANDARDS = load_standards("national")


@pytest.mark.parametrize("form_name", suite_names())
def test_kwarg_lookups_equal_gx_own_for_every_expectation(form_name):
    runtime = {"result_format": RESULT_FORMAT}
    for expectation in load_suite(form_name).expectations:
        for name, gx_own in GX_LOOKUPS.items():
            arguments = (runtime,) if name == "_get_runtime_kwargs" else ()
            assert getattr(expectation, name)(*arguments) == gx_own(expectation, *arguments), (name, expectation)
        assert expectation._get_runtime_kwargs() == GX_LOOKUPS["_get_runtime_kwargs"](expectation)


def test_unrecognised_answers_by_hand():
    """Padded options and numbers that read as an option are recognised, as when every answer was stripped."""
    survey = pd.DataFrame({
        "q01": pd.Series([" 满意 ", 5, "很好", None, "4 "], dtype=object),
        "q02": pd.Series(["2", " x", pd.NA, "满意", "9"], dtype="string"),
        "question_note": ["not", "an", "answer", "column", "!"],
    })
    assert unrecognised_answers(survey, STANDARDS).tolist() == [pd.NA, "q02=x", "q01=很好", pd.NA, "q02=9"]

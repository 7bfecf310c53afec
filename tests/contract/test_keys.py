"""The table keys and their types, defined once in contract/forms.py."""

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import YEAR_CAMPUS_KEY, YEAR_COUNTY_KEY, conform_keys


def test_conform_keys_types_the_keys_a_frame_has_and_leaves_the_rest():
    # As intake stages it: year int64, a code read as a number-looking object column.
    frame = pd.DataFrame({"year": np.array([2026, 2026], dtype="int64"), "county_code": ["340401", None],
                          "school_code": ["3404010001", "3404010002"], "students": [40, 41]})
    keyed = conform_keys(frame)
    assert str(keyed["year"].dtype) == "Int64"
    assert [str(keyed[c].dtype) for c in ("county_code", "school_code")] == ["string", "string"]
    assert keyed["county_code"].isna().tolist() == [False, True]  # a missing code stays missing, not "None"
    assert keyed["students"].dtype == frame["students"].dtype
    assert str(frame["year"].dtype) == "int64"  # the caller's frame is not changed


def test_conform_keys_at_county_level_leaves_campus_codes_alone():
    frame = pd.DataFrame({"year": [2026], "county_code": ["340401"], "school_code": pd.Series([1], dtype="int64")})
    keyed = conform_keys(frame, YEAR_COUNTY_KEY)
    assert str(keyed["county_code"].dtype) == "string" and keyed["school_code"].dtype == "int64"
    assert YEAR_CAMPUS_KEY[:2] == YEAR_COUNTY_KEY

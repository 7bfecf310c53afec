"""The floor's coefficients against the job's: same parts and same value, or not."""

import math

import pandas as pd

from balanced_pipeline.demo.floor import agrees_with_floor

KEY = {"county_code": ["340403"] * 4 + ["340404"], "stage": ["primary"] * 5,
       "indicator_id": ["R1", "R2", "R3", "R4", "R1"]}


def test_agreement_needs_the_same_parts_and_the_same_value_but_for_rounding():
    job = pd.DataFrame({**KEY, "cv": [0.3, 0.25, None, 0.1, 0.3], "schools_in_scope": [4, 4, 3, 5, 2]})
    # R1 differs only in the last bits (0.3 computed as 0.1 + 0.2); R2 by 1e-6; R3 is NULL in
    # both (weighted mean 0); R4 has the same value over one more part; 340404 is not in the floor.
    floor = pd.DataFrame({"county_code": ["340403"] * 4, "stage": ["primary"] * 4,
                          "indicator_id": ["R4", "R3", "R2", "R1"],
                          "cv": [0.1, math.nan, 0.250001, 0.1 + 0.2], "schools_in_scope": [6, 3, 4, 4]})
    assert 0.1 + 0.2 != 0.3
    assert agrees_with_floor(job, floor).tolist() == [True, False, True, False, False]

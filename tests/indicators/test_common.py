"""The number text of details: rounded, trailing zeros dropped, '—' when missing."""

import pandas as pd

from balanced_pipeline.indicators.common import number_text


def test_number_text_writes_repeated_and_missing_values():
    values = pd.Series([45, 45.0, 1.005, 2.50, None, -0.001, 45], index=[7, 3, 5, 1, 2, 4, 6])
    text = number_text(values)
    assert text.tolist() == ["45", "45", "1", "2.5", "—", "0", "45"]  # 1.005 rounds (binary) to 1.0; -0 is 0
    assert list(text.index) == [7, 3, 5, 1, 2, 4, 6] and str(text.dtype) == "string"
    assert number_text(pd.Series([52.4, 52.6]), 0).tolist() == ["52", "53"]

"""Typed form frames for tests, as the reader would produce them."""

import pandas as pd

from balanced_pipeline.contract.forms import FORMS


def typed(form_name: str, rows, year: int = 2026) -> pd.DataFrame:
    """Rows of a form (dicts or lists in field order) with every field in its pandas dtype, plus `year`."""
    form = FORMS[form_name]
    frame = pd.DataFrame(rows, columns=form.field_names).astype({f.name: f.pandas_dtype for f in form.fields})
    frame.insert(0, "year", pd.Series([year] * len(frame), dtype="Int64"))
    return frame

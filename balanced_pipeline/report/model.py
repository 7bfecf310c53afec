"""What a county report says, independent of its format: sections of display tables (with a
tone per coloured cell) and charts. The HTML page and the workbook render the same tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from balanced_pipeline.indicators.common import scalar_text

PASS, FAIL, WARN, MISSING, NEUTRAL = "pass", "fail", "warn", "missing", ""
"""Cell tones: met, not met (or below the floor), below the standard but above the floor, no data."""

VERDICT_TEXT = {PASS: "达标 pass", FAIL: "未达标 fail", MISSING: "无法判定 not judged"}
STAGE_EN = {"primary": "Primary", "junior": "Junior secondary"}
NOTHING = "无 none"


@dataclass
class ReportTable:
    title_zh: str
    title_en: str
    frame: pd.DataFrame
    """Display values (text), columns labelled 中文 English."""
    tones: pd.DataFrame | None = None
    """Same shape as `frame`: a tone per cell ('' for uncoloured cells)."""
    note: str = ""
    grid: bool = False
    """A school × indicator grid: numbers right-aligned, narrow headers."""
    page_rows: int | None = None
    """At most this many rows on the page (the workbook holds them all)."""

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"


@dataclass
class Chart:
    svg: str
    caption: str


@dataclass
class ReportSection:
    key: str
    title_zh: str
    title_en: str
    verdict: bool | None = None
    """Shown beside the heading: True 达标, False 未达标, None no verdict for this section."""
    items: list[ReportTable | Chart | str] = field(default_factory=list)
    """In page order; a str is a paragraph."""
    not_judged: bool = False
    """A dimension that cannot be judged (campuses missing or rejected, items not computed): a grey badge."""

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"

    @property
    def tables(self) -> list[ReportTable]:
        return [item for item in self.items if isinstance(item, ReportTable)]


@dataclass
class CountyReport:
    year: int
    county_code: str
    county_name: str
    city: str
    province: str
    standards_version: str
    ready: bool | None
    status: str | None
    """county_readiness.status: ready, not_ready or incomplete (None when readiness was not evaluated)."""
    verdict_zh: str
    verdict_en: str
    reasons: list[tuple[str, list[str]]]
    """(dimension in Chinese, one reason per blocking county_shortfalls row) in dimension order."""
    not_judged: list[str]
    """The campuses the verdict could not judge (missing or rejected), each with why."""
    failed_dimensions: list[str]
    """Dimensions (in Chinese) with a failure that stands, the veto included."""
    unjudged_dimensions: list[str]
    """Dimensions (in Chinese) that cannot be judged."""
    sections: list[ReportSection]

    @property
    def title_zh(self) -> str:
        return f"{self.county_name}{self.year}年县域义务教育优质均衡发展自评报告"

    @property
    def title_en(self) -> str:
        return f"{self.county_name} ({self.county_code}): {self.year} self-evaluation, high-quality balanced compulsory education"


def _series(values) -> pd.Series:
    return values if isinstance(values, pd.Series) else pd.Series(values)


def _flags(passed) -> list:
    """True, False or pd.NA per value, as astype('boolean') reads them."""
    series = _series(passed)
    if series.dtype == bool or isinstance(series.dtype, pd.BooleanDtype):
        return series.tolist()
    return series.astype("boolean").tolist()


def verdict_tone(passed: pd.Series) -> pd.Series:
    tones = [flag_tone(flag) for flag in _flags(passed)]
    return pd.Series(tones, index=_series(passed).index, dtype=object)


def verdict_text(passed: pd.Series) -> pd.Series:
    tones = verdict_tone(passed)
    return pd.Series([VERDICT_TEXT[tone] for tone in tones.tolist()], index=tones.index, dtype=object)


def flag_tone(passed) -> str:
    """One verdict's tone: True, False or pd.NA (not judged)."""
    return MISSING if passed is pd.NA else PASS if passed else FAIL


def ratio_tone_of(ratio: float, floor_ratio: float) -> str:
    """Grid colour of a value's ratio to its standard: below the floor red, below 1 amber, else green;
    NaN is missing."""
    return MISSING if ratio != ratio else FAIL if ratio < floor_ratio else WARN if ratio < 1.0 else PASS


class Number(str):
    """The display text of a number that also carries the number and its Excel format, so the page
    shows the text while the workbook stores a number a clerk can sum and sort."""

    value: float
    excel_format: str

    def __new__(cls, text: str, value: float, excel_format: str) -> "Number":
        number = super().__new__(cls, text)
        number.value, number.excel_format = float(value), excel_format
        return number


def _decimals_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def _floats(values) -> np.ndarray:
    """Values as floats, NaN for a missing one (numpy columns skip the nullable detour)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype(float)
    series = _series(values)
    if series.dtype.kind in "fiub" and series.dtype != bool:
        return series.to_numpy(dtype=float, na_value=np.nan)
    return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _each(values, one) -> pd.Series:
    """`one(v)` for every present value, '—' for a missing one (the page's blank).

    A Python loop over plain floats: a county's tables are a few dozen rows, where a pandas map per
    column costs more than the formatting itself."""
    index = values.index if isinstance(values, pd.Series) else None
    shown = ["—" if v != v else one(v) for v in _floats(values).tolist()]
    return pd.Series(shown, index=index, dtype=object)


def number_cell(value: float, decimals: int = 2) -> Number | str:
    """One number as a clerk writes it: rounded, no trailing zeros; '—' when missing (NaN)."""
    if value != value:
        return "—"
    return Number(scalar_text(value, decimals), round(value, decimals), _decimals_format(decimals))


def numbers(values: pd.Series, decimals: int = 2) -> pd.Series:
    return _each(values, lambda v: number_cell(v, decimals))


def fixed_cell(value: float, decimals: int) -> Number | str:
    """A number with exactly `decimals` decimals (coefficients are shown to 3); '—' when missing (NaN)."""
    if value != value:
        return "—"
    return Number(f"{value:.{decimals}f}", round(value, decimals), f"0.{'0' * decimals}")


def fixed(values: pd.Series, decimals: int) -> pd.Series:
    return _each(values, lambda v: fixed_cell(v, decimals))


def grid_cell(value: float) -> Number | str:
    """A grid cell: two decimals, none from 100 up (yuan per student), '—' when missing (NaN)."""
    if value != value:
        return "—"
    return (Number(f"{value:.0f}", round(value), "#,##0") if abs(value) >= 100
            else Number(f"{value:.2f}", round(value, 2), "0.00"))


def signed_change(values: pd.Series, decimals: int) -> pd.Series:
    """+0.012 / −0.004; a change that rounds to zero but is not zero shows as +<0.001."""
    smallest = 10 ** -decimals
    places = "0" * decimals
    excel_format = f"+0.{places};-0.{places};0.{places}"

    def one(v: float) -> Number:
        if v != 0 and abs(v) < smallest / 2:
            return Number(f"{'+' if v > 0 else '−'}<{smallest:.{decimals}f}", v, excel_format)
        if v == 0:
            return Number(f"{0:.{decimals}f}", 0.0, excel_format)
        return Number(f"{v:+.{decimals}f}".replace("-", "−"), round(v, decimals), excel_format)
    return _each(values, one)


def percent_cell(value: float, decimals: int = 1) -> Number | str:
    """A share as a percentage, e.g. 0.9312 → 93.1%; '—' when missing (NaN)."""
    if value != value:
        return "—"
    percent_format = "0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return Number(scalar_text(value * 100, decimals) + "%", round(value, decimals + 2), percent_format)


def _is_blank(value) -> bool:
    return value is None or value is pd.NA or (type(value) is float and value != value)


def text(values: pd.Series, blank: str = "") -> pd.Series:
    series = _series(values)
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        items = series.tolist()
        if all(type(v) is str or _is_blank(v) for v in items):
            return pd.Series([v if type(v) is str and v else blank for v in items], index=series.index, dtype=object)
    return series.astype("string").fillna(blank).replace("", blank).astype(object)


def text_cells(items: list, blank: str = "") -> list:
    """`text` of a column already read as a list."""
    if all(type(v) is str or _is_blank(v) for v in items):
        return [v if type(v) is str and v else blank for v in items]
    return text(pd.Series(items, dtype=object), blank).tolist()


def _column(values) -> np.ndarray:
    if isinstance(values, list) and all(isinstance(value, str) for value in values):
        return np.array(values, dtype=object)
    return _series(values).to_numpy()


def display(columns: dict[str, pd.Series | list]) -> pd.DataFrame:
    """A display frame from labelled columns (each aligned on position, not index; a list of text
    as it is)."""
    arrays = [_column(values) for values in columns.values()]
    if arrays and all(array.dtype == object for array in arrays) and len({len(array) for array in arrays}) == 1:
        # One object block: building it column by column costs more than the county's formatting.
        return pd.DataFrame(np.stack(arrays, axis=1) if len(arrays[0]) else np.empty((0, len(arrays)), dtype=object),
                            columns=list(columns))
    return pd.DataFrame({label: _series(values).reset_index(drop=True) for label, values in columns.items()})


def tones_for(frame: pd.DataFrame, coloured: dict[str, pd.Series]) -> pd.DataFrame:
    """A tone frame of `frame`'s shape: the given columns' tones, '' elsewhere."""
    if not set(coloured) <= set(frame.columns):
        raise ValueError(f"tones for columns the table does not have: {sorted(set(coloured) - set(frame.columns))}")
    tones = np.full(frame.shape, NEUTRAL, dtype=object)
    for position, label in enumerate(frame.columns):
        if label in coloured:
            tone = coloured[label]
            tones[:, position] = np.asarray(tone if isinstance(tone, (list, np.ndarray)) else _series(tone).to_numpy(),
                                            dtype=object)
    return pd.DataFrame(tones, index=frame.index, columns=frame.columns)

"""The county report's charts drawn directly as SVG markup: bars against a maximum, text left as text
for the reader's browser to draw in its Chinese font.

matplotlib took about a second per county for the three charts of a report (laying out every tick
and label), most of `county_reports` at national scale; the charts are plain bars on a linear
axis, which a few lines of geometry draw in well under a millisecond. Every label is escaped, so a
name can never become markup.
"""

from __future__ import annotations

import math
import textwrap
from html import escape

import numpy as np
import pandas as pd

from balanced_pipeline.report.fonts import BROWSER_FONT_STACK

PASS_COLOUR = "#4C78A8"
FAIL_COLOUR = "#D62728"
THRESHOLD_COLOUR = "#333333"
PREVIOUS_COLOUR = "#9E9E9E"
AXIS_COLOUR = "#888888"
LABEL_WIDTH = 6
"""Characters per line of a Chinese indicator name under a bar."""
FONT_STACK = ", ".join(f"'{name}'" if " " in name else name for name in BROWSER_FONT_STACK)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 up to at least `top` (steps of 1, 2 or 5 × a power of ten)."""
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [round(step * n, 10) for n in range(int(math.ceil(top / step - 1e-9)) + 1)]


class Canvas:
    """An SVG document in user units (px), built element by element."""

    def __init__(self, width: float, height: float):
        self.width, self.height, self.parts = width, height, []

    def text(self, x: float, y: float, content: str, size: float = 10, anchor: str = "middle",
             weight: str = "normal", colour: str = "#222222") -> None:
        lines = str(content).split("\n")
        spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if n == 0 else size * 1.2:.1f}">{escape(line)}</tspan>'
                        for n, line in enumerate(lines))
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" style="font-size: {size}px; fill: {colour}; '
                          f'font-weight: {weight}" text-anchor="{anchor}">{spans}</text>')

    def rect(self, x: float, y: float, width: float, height: float, colour: str) -> None:
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{max(height, 0):.1f}" '
                          f'style="fill: {colour.lower()}"/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str, dashed: bool = False,
             width: float = 1.0) -> None:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                          f'style="stroke: {colour.lower()}; stroke-width: {width}"{dash}/>')

    def markup(self) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
                f'style="font-family: {FONT_STACK}">{"".join(self.parts)}</svg>')


class Panel:
    """A bar panel: a value axis from 0 to the top tick, one slot per category."""

    def __init__(self, canvas: Canvas, left: float, top: float, width: float, height: float, peak: float,
                 slots: int, axis_label: str = ""):
        self.canvas, self.left, self.top, self.width, self.height = canvas, left, top, width, height
        self.ticks = nice_ticks(max(peak, 0.1) * 1.15)
        self.maximum, self.slots = self.ticks[-1], max(slots, 1)
        bottom = top + height
        for tick in self.ticks:
            y = self.y(tick)
            canvas.line(left - 4, y, left, y, AXIS_COLOUR)
            canvas.text(left - 6, y + 3, f"{tick:g}", size=8, anchor="end")
        canvas.line(left, top, left, bottom, AXIS_COLOUR)
        canvas.line(left, bottom, left + width, bottom, AXIS_COLOUR)
        if axis_label:
            canvas.parts.append(f'<text transform="translate({left - 38:.1f} {top + height / 2:.1f}) rotate(-90)" '
                                f'style="font-size: 9px" text-anchor="middle">{escape(axis_label)}</text>')

    def y(self, value: float) -> float:
        return self.top + self.height * (1 - value / self.maximum)

    def slot(self, index: int) -> tuple[float, float]:
        """Centre and width of category `index`."""
        width = self.width / self.slots
        return self.left + width * (index + 0.5), width

    def bar(self, index: int, value: float, colour: str, share: float = 0.6, offset: float = 0.0) -> None:
        centre, width = self.slot(index)
        if not np.isnan(value):
            self.canvas.rect(centre + (offset - share / 2) * width, self.y(value), share * width,
                             self.y(0) - self.y(value), colour)

    def threshold(self, value: float, colour: str = THRESHOLD_COLOUR) -> None:
        if not np.isnan(value):
            self.canvas.line(self.left, self.y(value), self.left + self.width, self.y(value), colour,
                             dashed=True, width=1.2)


def legend(canvas: Canvas, x: float, y: float, entries: list[tuple[str, str, bool]]) -> None:
    """Entries (colour, label, is_line) in a row from (x, y)."""
    for colour, label, is_line in entries:
        if is_line:
            canvas.line(x, y - 3, x + 14, y - 3, colour, dashed=True, width=1.2)
        else:
            canvas.rect(x + 2, y - 8, 10, 10, colour)
        canvas.text(x + 18, y, label, size=9, anchor="start")
        x += 24 + 9 * _text_width(label)


def _text_width(label: str) -> float:
    """Width in ems: a Chinese character is one, other characters about half."""
    return sum(1.0 if ord(c) > 0x2E80 else 0.55 for c in label)


def _values(series: pd.Series) -> np.ndarray:
    return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def coefficient_chart(coefficients: pd.DataFrame, stage_zh: str, stage_en: str) -> str:
    """One stage's difference coefficients (indicator_id, indicator_name_zh, cv, threshold, passed)
    as bars against the stage's maximum; failing bars red, a coefficient that could not be
    computed marked 无数据 (no data)."""
    frame = coefficients.reset_index(drop=True)
    cv = _values(frame["cv"])
    threshold = float(frame["threshold"].dropna().iloc[0]) if frame["threshold"].notna().any() else np.nan
    failing = frame["passed"].astype("boolean").eq(False).fillna(False).to_numpy()
    canvas = Canvas(720, 350)
    canvas.text(360, 18, f"{stage_zh} / {stage_en}", size=12)
    entries = [(PASS_COLOUR, "达标 within the maximum", False)]
    if failing.any():
        entries.append((FAIL_COLOUR, "超标 above the maximum", False))
    if not np.isnan(threshold):
        entries.append((THRESHOLD_COLOUR, f"标准 ≤{threshold:.2f} maximum", True))
    legend(canvas, 70, 40, entries)
    panel = Panel(canvas, 70, 55, 630, 220, np.nanmax([*np.nan_to_num(cv), 0 if np.isnan(threshold) else threshold]),
                  len(frame), "差异系数 CV")
    for index, (value, fail) in enumerate(zip(cv, failing)):
        panel.bar(index, value, FAIL_COLOUR if fail else PASS_COLOUR)
        centre, _ = panel.slot(index)
        canvas.text(centre, panel.y(0 if np.isnan(value) else value) - 4, "无数据" if np.isnan(value) else f"{value:.3f}",
                    size=9)
    panel.threshold(threshold)
    for index, (indicator, name) in enumerate(zip(frame["indicator_id"], frame["indicator_name_zh"].fillna(""))):
        centre, _ = panel.slot(index)
        canvas.text(centre, 290, "\n".join([str(indicator), *textwrap.wrap(str(name), LABEL_WIDTH)]), size=8)
    return canvas.markup()


def coefficient_trend_chart(trends: pd.DataFrame, stages: dict[str, tuple[str, str]]) -> str:
    """Last year's and this year's difference coefficients side by side, one panel per stage.

    `trends`: county_trends rows of the `<id>_CV` indicators with value, previous_value and
    threshold; `stages`: stage code → (Chinese, English) name, in panel order."""
    panel_width, left = 300, 60
    canvas = Canvas(left + (panel_width + 40) * len(stages), 290)
    peak = float(np.nanmax([0.0, *_values(trends["value"]), *_values(trends["previous_value"]),
                            *_values(trends["threshold"])]))
    for number, (stage, (stage_zh, stage_en)) in enumerate(stages.items()):
        rows = trends[trends["stage"] == stage].reset_index(drop=True)
        x = left + number * (panel_width + 40)
        canvas.text(x + panel_width / 2, 18, f"{stage_zh} / {stage_en}", size=11)
        panel = Panel(canvas, x, 32, panel_width, 180, peak, len(rows), "差异系数 CV" if number == 0 else "")
        for index, (previous, current) in enumerate(zip(_values(rows["previous_value"]), _values(rows["value"]))):
            panel.bar(index, previous, PREVIOUS_COLOUR, share=0.38, offset=-0.2)
            panel.bar(index, current, PASS_COLOUR, share=0.38, offset=0.2)
        if rows["threshold"].notna().any():
            panel.threshold(float(rows["threshold"].dropna().iloc[0]), FAIL_COLOUR)
        for index, indicator in enumerate(rows["indicator_id"].str.replace("_CV", "", regex=False)):
            canvas.text(panel.slot(index)[0], 226, indicator, size=8)
    legend(canvas, left, 270, [(PREVIOUS_COLOUR, "上一年度 previous year", False),
                               (PASS_COLOUR, "本年度 this year", False), (FAIL_COLOUR, "标准（不高于） maximum", True)])
    return canvas.markup()

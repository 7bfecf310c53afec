"""The report's charts as inline SVG markup (matplotlib, Chinese labels)."""

from __future__ import annotations

import io
import re
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from balanced_pipeline.report.fonts import chart_style

PASS_COLOUR = "#4C78A8"
FAIL_COLOUR = "#D62728"
THRESHOLD_COLOUR = "#333333"
PREVIOUS_COLOUR = "#9E9E9E"
LABEL_WIDTH = 6
"""Characters per line of a Chinese indicator name under a bar."""


def svg_markup(figure) -> str:
    """The figure as an <svg> element to inline in HTML (no XML prolog, no fixed pixel size)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="chart"', svg, count=1)


def wrapped(name: str, width: int = LABEL_WIDTH) -> str:
    return "\n".join(textwrap.wrap(name, width)) if name else ""


def coefficient_chart(coefficients: pd.DataFrame, stage_zh: str, stage_en: str) -> str:
    """One stage's difference coefficients (indicator_id, indicator_name_zh, cv, threshold, passed)
    as bars against the stage's maximum; failing bars red, a coefficient that could not be
    computed marked 无数据 (no data)."""
    frame = coefficients.reset_index(drop=True)
    cv = frame["cv"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    threshold = float(frame["threshold"].dropna().iloc[0]) if frame["threshold"].notna().any() else np.nan
    failing = frame["passed"].astype("boolean").eq(False).fillna(False).to_numpy()
    labels = [f"{i}\n{wrapped(str(n))}" for i, n in zip(frame["indicator_id"], frame["indicator_name_zh"].fillna(""))]
    with chart_style():
        figure, axes = plt.subplots(figsize=(7.2, 3.8))
        positions = np.arange(len(frame))
        heights = np.nan_to_num(cv, nan=0.0)
        axes.bar(positions, heights, color=[FAIL_COLOUR if fail else PASS_COLOUR for fail in failing], width=0.6)
        top = np.nanmax([*heights, 0 if np.isnan(threshold) else threshold, 0.1]) * 1.3
        for x, value in zip(positions, cv):
            label = "无数据" if np.isnan(value) else f"{value:.3f}"
            axes.text(x, (0 if np.isnan(value) else value) + top * 0.015, label, ha="center", va="bottom", fontsize=9)
        handles = [Patch(color=PASS_COLOUR, label="达标 within the maximum")]
        if failing.any():
            handles.append(Patch(color=FAIL_COLOUR, label="超标 above the maximum"))
        if not np.isnan(threshold):
            handles.append(axes.axhline(threshold, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1.2,
                                        label=f"标准 ≤{threshold:.2f} maximum"))
        axes.legend(handles=handles, loc="upper left", ncol=3, fontsize=8, frameon=False)
        axes.set_ylim(0, top)
        axes.set_xticks(positions, labels, fontsize=8)
        axes.set_ylabel("差异系数 CV")
        axes.set_title(f"{stage_zh} / {stage_en}", fontsize=11)
        axes.spines[["top", "right"]].set_visible(False)
        return svg_markup(figure)


def coefficient_trend_chart(trends: pd.DataFrame, stages: dict[str, tuple[str, str]]) -> str:
    """Last year's and this year's difference coefficients side by side, one panel per stage.

    `trends`: county_trends rows of the `<id>_CV` indicators with value, previous_value and
    threshold; `stages`: stage code → (Chinese, English) name, in panel order."""
    with chart_style():
        figure, panels = plt.subplots(1, len(stages), figsize=(3.8 * len(stages), 3.0), sharey=True, squeeze=False)
        for axes, (stage, (stage_zh, stage_en)) in zip(panels[0], stages.items()):
            rows = trends[trends["stage"] == stage].reset_index(drop=True)
            positions = np.arange(len(rows))
            previous = rows["previous_value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            current = rows["value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            axes.bar(positions - 0.2, np.nan_to_num(previous), width=0.4, color=PREVIOUS_COLOUR)
            axes.bar(positions + 0.2, np.nan_to_num(current), width=0.4, color=PASS_COLOUR)
            if rows["threshold"].notna().any():
                axes.axhline(float(rows["threshold"].dropna().iloc[0]), color=FAIL_COLOUR, linestyle="--", linewidth=1)
            axes.set_xticks(positions, rows["indicator_id"].str.replace("_CV", "", regex=False), fontsize=8)
            axes.set_title(f"{stage_zh} / {stage_en}", fontsize=10)
            axes.spines[["top", "right"]].set_visible(False)
        panels[0][0].set_ylabel("差异系数 CV")
        handles = [Patch(color=PREVIOUS_COLOUR, label="上一年度 previous year"), Patch(color=PASS_COLOUR, label="本年度 this year"),
                   Line2D([], [], color=FAIL_COLOUR, linestyle="--", label="标准（不高于） maximum")]
        figure.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False, bbox_to_anchor=(0.5, -0.08))
        return svg_markup(figure)

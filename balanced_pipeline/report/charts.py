"""The Dagster UI's charts (matplotlib, Chinese labels): small SVG images in markdown metadata whose
text the viewer's browser draws. The county report's own charts are drawn directly, in `report.svg`."""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from balanced_pipeline.report.fonts import chart_style, matplotlib_agg
from balanced_pipeline.report.svg import THRESHOLD_COLOUR
from balanced_pipeline.report.model import STAGE_EN
from balanced_pipeline.contract.forms import STAGES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported on first drawing (pyplot, after fonts.matplotlib_agg chose the backend), not
# when the code location loads, which imports this module with the assets.

# --- Charts for the Dagster UI -------------------------------------------------------------
# The UI renders markdown metadata with a sanitiser that allows data: image sources, so a chart
# travels inside the materialisation event. It is an SVG whose text stays text: the viewer's
# browser draws the Chinese with its own fonts, so the chart reads on a server set up without a
# Chinese font (a PNG drawn there showed every label as □), and text weighs far less than glyph
# outlines. Without a Chinese font on the server, matplotlib measures the labels with a Latin
# fallback narrower than the browser's glyphs: UI_PAD_INCHES of margin keeps them inside.

UI_PAD_INCHES = 0.45
UI_ROWS_SHOWN = 20
"""Counties in one UI chart; beyond this, the ones with most shortfalls."""
COLOUR_MAPS = {
    "WITHIN_COLOURS": ("within", ["#F4F8FC", "#7FA6CF"]),
    "ABOVE_COLOURS": ("above", ["#F1A3A3", "#B71C1C"]),
    "RATIO_COLOURS": ("ratio", [(0.0, "#F4F8FC"), (0.5, "#7FA6CF"), (0.5, "#F1A3A3"), (1.0, "#B71C1C")]),
}
"""The module's colour maps (charts.WITHIN_COLOURS ...), built on first use: within the maximum,
above it, and CV ÷ maximum from 0 to 2 as the colour bar shows it (the blues, then the reds)."""


@lru_cache(maxsize=None)
def _colour_map(name: str):
    from matplotlib.colors import LinearSegmentedColormap

    matplotlib_agg()
    return LinearSegmentedColormap.from_list(*COLOUR_MAPS[name])


def __getattr__(name: str):
    if name in COLOUR_MAPS:
        return _colour_map(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _pyplot():
    matplotlib_agg()
    import matplotlib.pyplot as plt

    return plt


def _to_rgba(colour: str) -> tuple:
    from matplotlib.colors import to_rgba

    return to_rgba(colour)
NO_DATA_COLOUR = "#DDDDDD"
LEGEND_ITEMS_PER_LINE = 3
GOOD_CELL, BAD_CELL, GOOD_VERDICT, BAD_VERDICT = "#D7EFD8", "#F8CFCF", "#2E7D32", "#C62828"
"""The county report's pass and fail tones (cells, and the headline for the verdict)."""
READINESS_GRID = (
    ("resource_allocation_passed", "资源配置\nresources", True, "达标", "未达标"),
    ("government_guarantee_passed", "政府保障\ngovernment", True, "达标", "未达标"),
    ("education_quality_passed", "教育质量\nquality", True, "达标", "未达标"),
    ("social_recognition_passed", "社会认可\nrecognition", True, "达标", "未达标"),
    ("precondition_met", "基本均衡满3年\nprecondition", True, "满足", "未满足"),
    ("vetoed", "一票否决\nveto", False, "无", "否决"),
    ("ready", "优质均衡\nready", True, "达到", "未达到"),
)
"""county_readiness column, header, the good value, and the cell's text when good and when not."""


def svg_image(figure: Figure) -> bytes:
    """The figure as a standalone SVG with its text as text in the browser's Chinese font stack
    (closes the figure)."""
    buffer = io.BytesIO()
    with chart_style():  # the settings the figure was drawn with, again at drawing time
        figure.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=UI_PAD_INCHES, facecolor="white",
                       metadata={"Date": None})
    _pyplot().close(figure)
    return _one_font_rule(buffer.getvalue().decode("utf-8")).encode("utf-8")


def _one_font_rule(svg: str) -> str:
    """matplotlib repeats the whole font stack (and a rotation by 0) on every text element: state
    the stack once, in a style rule, which keeps a chart of many counties a light event."""
    stacks = set(re.findall(r"font-family: ([^;\"]*)", svg))
    if len(stacks) != 1:
        return svg
    svg = re.sub(r";? ?font-family: [^;\"]*", "", svg)
    svg = re.sub(r' transform="rotate\(-0 [^)]*\)"', "", svg)  # matplotlib's no-op rotation of level text
    opening = re.search(r"<svg[^>]*>", svg).end()
    return f"{svg[:opening]}<style>text {{ font-family: {stacks.pop()} }}</style>{svg[opening:]}"


def markdown_image(figure: Figure, alt: str) -> str:
    """Markdown that shows the figure as an SVG from a data: URI (closes the figure)."""
    return f"![{alt}](data:image/svg+xml;base64,{base64.b64encode(svg_image(figure)).decode('ascii')})"


def counties_to_show(shortfalls: pd.Series, limit: int) -> list[str]:
    """County codes in code order: all of them, or the `limit` with the highest `shortfalls`
    (a score per county code; ties keep the lower codes)."""
    ranked = shortfalls.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return sorted(ranked.head(limit).index)


def coefficient_ratio_colours(ratio: np.ndarray, passed: np.ndarray) -> np.ndarray:
    """RGBA per cell: within the maximum a blue that darkens towards it, above it a red that
    darkens up to twice the maximum, no coefficient grey. `passed` decides the hue, so a CV
    equal to its maximum is blue as it passes in the table."""
    known = np.nan_to_num(ratio)
    colours = np.where(passed[..., None], _colour_map("WITHIN_COLOURS")(np.clip(known, 0.0, 1.0)),
                       _colour_map("ABOVE_COLOURS")(np.clip(known - 1.0, 0.0, 1.0)))
    colours[np.isnan(ratio)] = _to_rgba(NO_DATA_COLOUR)
    return colours


def coefficient_heat_strip(coefficients: pd.DataFrame, limit: int = UI_ROWS_SHOWN) -> Figure:
    """The county_difference_coefficients table as one figure: a panel per stage, a row per
    county, a cell per indicator showing its CV, coloured by CV ÷ the stage's maximum (the colour
    bar below marks the maximum with a line, gid "threshold"). Above `limit` counties, those with
    most coefficients above the maximum."""
    frame = coefficients.astype({"county_code": str, "stage": str, "indicator_id": str})
    ratio = (frame["cv"].astype("Float64") / frame["threshold"].astype("Float64")).astype(float)
    above = frame["passed"].astype("boolean").eq(False).fillna(False)
    score = pd.DataFrame({"county_code": frame["county_code"], "above": above, "ratio": ratio.fillna(0.0)}) \
        .groupby("county_code").agg(above=("above", "sum"), ratio=("ratio", "max"))
    # the number above the maximum first; among equals the highest CV ÷ maximum (scaled below 1)
    counties = counties_to_show(score["above"] + score["ratio"] / (score["ratio"].max() + 1.0), limit)
    stages = [stage for stage in STAGES if stage in set(frame["stage"])]
    indicators = sorted(frame["indicator_id"].unique(), key=lambda i: (len(i), i))  # R2 before R10
    names = frame.drop_duplicates("indicator_id").set_index("indicator_id")["indicator_name_zh"]
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    plt = _pyplot()
    with chart_style():
        figure, panels = plt.subplots(1, len(stages), squeeze=False, sharey=True, layout="constrained",
                                      figsize=(1.0 + 3.2 * len(stages), 2.0 + 0.28 * len(counties)))
        for axes, stage in zip(panels[0], stages):
            _stage_strip(axes, frame[frame["stage"] == stage], stage, counties, indicators)
        panels[0][0].set_yticks(np.arange(len(counties)), counties, fontsize=8)
        bar = figure.colorbar(ScalarMappable(Normalize(0.0, 2.0), _colour_map("RATIO_COLOURS")), ax=panels[0],
                              orientation="horizontal", shrink=0.8, aspect=50, pad=0.02)
        bar.set_ticks([0.0, 0.5, 1.0, 1.5, 2.0], labels=["0", "50%", "100% 标准上限 maximum", "150%", "≥200%"],
                      fontsize=7)
        bar.set_label("差异系数 ÷ 标准上限  CV ÷ the stage's maximum", fontsize=8)
        bar.ax.axvline(1.0, color=THRESHOLD_COLOUR, linewidth=1.5).set_gid("threshold")
        figure.suptitle("县域校际差异系数 Between-school difference coefficients"
                        + _chosen_note(len(counties), frame["county_code"].nunique(), "超标最多", "most above"),
                        fontsize=10)
        legend = [f"{i} {names.get(i, '')}" for i in indicators]
        figure.supxlabel("\n".join("；".join(legend[i:i + LEGEND_ITEMS_PER_LINE])
                                   for i in range(0, len(legend), LEGEND_ITEMS_PER_LINE)), fontsize=7, color="#555555")
    return figure


def _stage_strip(axes, rows: pd.DataFrame, stage: str, counties: list[str], indicators: list[str]) -> None:
    def grid(column: str) -> pd.DataFrame:
        return rows.pivot(index="county_code", columns="indicator_id", values=column).reindex(
            index=counties, columns=indicators)

    cv = grid("cv").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    passed = grid("passed").astype("boolean").fillna(False).to_numpy(dtype=bool)
    threshold = float(rows["threshold"].dropna().iloc[0]) if rows["threshold"].notna().any() else np.nan
    axes.imshow(coefficient_ratio_colours(cv / threshold, passed), aspect="auto", interpolation="nearest")
    for (row, column), value in np.ndenumerate(cv):
        above = not passed[row, column] and not np.isnan(value)
        axes.text(column, row, "—" if np.isnan(value) else f"{value:.2f}", ha="center", va="center", fontsize=7.5,
                  color="white" if above else THRESHOLD_COLOUR, fontweight="bold" if above else "normal")
    _top_labels(axes, indicators)
    limit = "" if np.isnan(threshold) else f"  标准 ≤{threshold:.2f}"
    axes.set_title(f"{STAGES[stage]} {STAGE_EN.get(stage, stage)}{limit}", fontsize=9)


def readiness_grid(readiness: pd.DataFrame, limit: int = UI_ROWS_SHOWN) -> Figure:
    """The county_readiness table as a county × dimension grid of met / not met cells (grey "—"
    where unknown), the verdict last in the report's headline colours. Above `limit` counties,
    those with most dimensions not met."""
    frame = readiness.astype({"county_code": str}).set_index("county_code")
    # An incomplete county has no verdict: its cell is grey, never "not ready".
    frame["ready"] = frame["ready"].astype("boolean").mask(frame["status"].eq("incomplete"), pd.NA)
    good = pd.DataFrame({column: frame[column].astype("boolean").eq(good_value)
                         for column, _, good_value, _, _ in READINESS_GRID})
    counties = counties_to_show(good.eq(False).sum(axis=1), limit)
    good = good.loc[counties]
    plt = _pyplot()
    with chart_style():
        figure, axes = plt.subplots(figsize=(1.8 + 0.95 * len(READINESS_GRID), 1.3 + 0.28 * len(counties)),
                                    layout="constrained")
        verdict_column = len(READINESS_GRID) - 1
        colours = np.empty((len(counties), len(READINESS_GRID), 4))
        for (row, column), ok in np.ndenumerate(good.to_numpy(dtype=object)):
            _, _, _, good_text, bad_text = READINESS_GRID[column]
            verdict, known = column == verdict_column, not pd.isna(ok)
            tones = (GOOD_VERDICT, BAD_VERDICT) if verdict else (GOOD_CELL, BAD_CELL)
            colours[row, column] = _to_rgba(NO_DATA_COLOUR if not known else tones[0] if ok else tones[1])
            axes.text(column, row, ("不完整" if verdict else "—") if not known else good_text if ok else bad_text, ha="center", va="center",
                      fontsize=8, color="white" if verdict and known else THRESHOLD_COLOUR,
                      fontweight="bold" if verdict or (known and not ok) else "normal")
        axes.imshow(colours, aspect="auto", interpolation="nearest")
        _top_labels(axes, [header for _, header, _, _, _ in READINESS_GRID])
        names = frame["county_name"].astype("string").fillna("")
        axes.set_yticks(np.arange(len(counties)), [f"{code} {names[code]}".strip() for code in counties], fontsize=8)
        axes.set_title("是否达到优质均衡 Readiness by dimension"
                       + _chosen_note(len(counties), len(frame), "未达标项最多", "most dimensions not met"), fontsize=10)
    return figure


def _top_labels(axes, labels: list[str]) -> None:
    axes.set_xticks(np.arange(len(labels)), labels, fontsize=8)
    axes.xaxis.tick_top()
    axes.tick_params(length=0)
    axes.spines[:].set_visible(False)


def _chosen_note(shown: int, total: int, most_zh: str, most_en: str) -> str:
    return "" if shown == total else f"\n{most_zh}的{shown}个县（共{total}个） the {shown} of {total} counties with {most_en}"

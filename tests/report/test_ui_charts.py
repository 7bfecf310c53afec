"""The charts shown in the Dagster UI's asset metadata: what they draw (read back from the
matplotlib figure) and the small PNG in markdown that carries them."""

from __future__ import annotations

import base64
import io
import re
from xml.etree import ElementTree

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from PIL import Image

from balanced_pipeline.report import charts

PRIMARY_MAX, JUNIOR_MAX = 0.50, 0.45


def coefficients(rows: list[tuple]) -> pd.DataFrame:
    """county_difference_coefficients rows from (county, stage, indicator, cv)."""
    frame = pd.DataFrame(rows, columns=["county_code", "stage", "indicator_id", "cv"])
    frame["county_code"] = frame["county_code"].astype("string")
    frame["cv"] = frame["cv"].astype("Float64")
    frame["threshold"] = frame["stage"].map({"primary": PRIMARY_MAX, "junior": JUNIOR_MAX}).astype("Float64")
    frame["passed"] = (frame["cv"] <= frame["threshold"]).astype("boolean").fillna(False)
    frame["indicator_name_zh"] = frame["indicator_id"].map({"R1": "生均教学及辅助用房面积", "R2": "生均教学仪器设备值"})
    return frame


# County 340402: primary R2 above 0.50, junior R1 without a coefficient; 340403 all within.
TWO_COUNTIES = coefficients([
    ("340402", "primary", "R1", 0.30), ("340402", "primary", "R2", 0.62),
    ("340402", "junior", "R1", None), ("340402", "junior", "R2", 0.45),
    ("340403", "primary", "R1", 0.10), ("340403", "primary", "R2", 0.20),
    ("340403", "junior", "R1", 0.05), ("340403", "junior", "R2", 0.15),
])


@pytest.fixture(autouse=True)
def no_open_figures():
    yield
    plt.close("all")


def cell_colour(axes, row: int, column: int) -> tuple:
    return tuple(axes.images[0].get_array()[row, column])


def cell_texts(axes) -> list[str]:
    return [text.get_text() for text in axes.texts]


def test_ratio_colours_blue_within_red_above_grey_without_a_value():
    ratio = np.array([[0.0, 1.0, 1.5, np.nan]])
    passed = np.array([[True, True, False, False]])
    colours = charts.coefficient_ratio_colours(ratio, passed)
    assert tuple(colours[0, 0]) == charts.WITHIN_COLOURS(0.0)
    assert tuple(colours[0, 1]) == charts.WITHIN_COLOURS(1.0)  # equal to the maximum passes: still blue
    assert tuple(colours[0, 2]) == charts.ABOVE_COLOURS(0.5)  # halfway from the maximum to twice it
    assert tuple(colours[0, 3]) == to_rgba(charts.NO_DATA_COLOUR)


def test_counties_to_show_keeps_the_highest_scores_in_code_order():
    scores = pd.Series({"340405": 1, "340402": 3, "340404": 0, "340403": 3})
    assert charts.counties_to_show(scores, 10) == ["340402", "340403", "340404", "340405"]
    assert charts.counties_to_show(scores, 3) == ["340402", "340403", "340405"]
    assert charts.counties_to_show(scores, 1) == ["340402"]  # a tie goes to the lower code


def test_heat_strip_has_a_row_per_county_a_panel_per_stage_and_the_maximum_marked():
    figure = charts.coefficient_heat_strip(TWO_COUNTIES)
    primary, junior, bar = figure.axes
    assert [label.get_text() for label in primary.get_yticklabels()] == ["340402", "340403"]
    assert [label.get_text() for label in primary.get_xticklabels()] == ["R1", "R2"]
    assert primary.get_title().endswith("标准 ≤0.50") and primary.get_title().startswith("小学")
    assert junior.get_title().endswith("标准 ≤0.45") and junior.get_title().startswith("初中")
    threshold = [line for line in bar.lines if line.get_gid() == "threshold"]
    assert len(threshold) == 1 and list(threshold[0].get_xdata()) == [1.0, 1.0]  # CV ÷ maximum = 1
    assert figure.get_supxlabel() == "R1 生均教学及辅助用房面积；R2 生均教学仪器设备值"


def test_heat_strip_cells_show_the_cv_coloured_by_its_ratio_to_the_maximum():
    primary, junior, _ = charts.coefficient_heat_strip(TWO_COUNTIES).axes
    assert cell_texts(primary) == ["0.30", "0.62", "0.10", "0.20"]
    assert cell_texts(junior) == ["—", "0.45", "0.05", "0.15"]
    assert cell_colour(primary, 0, 1) == charts.ABOVE_COLOURS(0.62 / 0.50 - 1.0)
    assert cell_colour(primary, 0, 0) == charts.WITHIN_COLOURS(0.30 / 0.50)
    assert cell_colour(junior, 0, 1) == charts.WITHIN_COLOURS(1.0)  # 0.45 is the junior maximum: passes
    assert cell_colour(junior, 0, 0) == to_rgba(charts.NO_DATA_COLOUR)
    assert [t.get_color() for t in primary.texts][:2] == [charts.THRESHOLD_COLOUR, "white"]


def test_heat_strip_of_many_counties_shows_those_most_above_and_says_so():
    many = coefficients([
        ("340401", "primary", "R1", 0.10), ("340401", "primary", "R2", 0.10),
        ("340402", "primary", "R1", 0.60), ("340402", "primary", "R2", 0.70),  # two above
        ("340403", "primary", "R1", 0.90), ("340403", "primary", "R2", 0.10),  # one above, furthest
        ("340404", "primary", "R1", 0.55), ("340404", "primary", "R2", 0.10),  # one above
    ])
    figure = charts.coefficient_heat_strip(many, limit=2)
    primary, _ = figure.axes
    assert [label.get_text() for label in primary.get_yticklabels()] == ["340402", "340403"]
    assert "the 2 of 4 counties with most above" in figure.get_suptitle()
    assert "counties" not in charts.coefficient_heat_strip(many).get_suptitle()


def readiness(rows: list[tuple]) -> pd.DataFrame:
    """county_readiness rows; the status is ready / not_ready from `ready` unless a 10th value gives it."""
    flags = [column for column, *_ in charts.READINESS_GRID]
    rows = [(*row, "ready" if row[-1] else "not_ready") if len(row) == len(flags) + 2 else row for row in rows]
    frame = pd.DataFrame(rows, columns=["county_code", "county_name", *flags, "status"])
    return frame.astype({"county_code": "string", "county_name": "string", **{flag: "boolean" for flag in flags}})


def test_readiness_grid_shows_an_incomplete_county_as_no_verdict():
    table = readiness([("340422", "寿县", None, None, None, True, True, False, False, "incomplete")])
    (axes,) = charts.readiness_grid(table).axes
    assert cell_texts(axes)[-1] == "不完整" and cell_colour(axes, 0, 6) == to_rgba(charts.NO_DATA_COLOUR)


def test_readiness_grid_marks_each_dimension_and_the_verdict():
    table = readiness([
        # code, name, resources, government, quality, recognition, precondition, vetoed, ready
        ("340402", "大通区", False, True, True, True, True, False, False),
        ("340403", "田家庵区", True, True, True, True, True, False, True),
        ("340405", "八公山区", True, True, True, True, True, True, False),
    ])
    (axes,) = charts.readiness_grid(table).axes
    assert [label.get_text() for label in axes.get_yticklabels()] == ["340402 大通区", "340403 田家庵区", "340405 八公山区"]
    texts = np.array(cell_texts(axes)).reshape(3, len(charts.READINESS_GRID))
    assert texts[0].tolist() == ["未达标", "达标", "达标", "达标", "满足", "无", "未达到"]
    assert texts[1, -1] == "达到" and texts[2, -2] == "否决"
    assert cell_colour(axes, 0, 0) == to_rgba(charts.BAD_CELL) and cell_colour(axes, 0, 1) == to_rgba(charts.GOOD_CELL)
    assert cell_colour(axes, 2, 5) == to_rgba(charts.BAD_CELL)  # vetoed is the bad value of its column
    assert cell_colour(axes, 1, 6) == to_rgba(charts.GOOD_VERDICT) and cell_colour(axes, 2, 6) == to_rgba(charts.BAD_VERDICT)


def test_readiness_grid_shows_an_unknown_dimension_as_no_data_and_ranks_shortfalls():
    table = readiness([
        ("340401", "甲", True, True, True, True, True, False, True),
        ("340402", "乙", True, True, True, None, True, False, False),
        ("340403", "丙", False, False, True, True, True, True, False),
    ])
    figure = charts.readiness_grid(table, limit=2)
    (axes,) = figure.axes
    assert [label.get_text() for label in axes.get_yticklabels()] == ["340402 乙", "340403 丙"]
    assert "the 2 of 3 counties with most dimensions not met" in axes.get_title()
    assert cell_texts(axes)[3] == "—" and cell_colour(axes, 0, 3) == to_rgba(charts.NO_DATA_COLOUR)


def decoded_svg(markdown: str, alt: str) -> str:
    match = re.fullmatch(rf"!\[{re.escape(alt)}\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert match, markdown[:80]
    return base64.b64decode(match.group(1)).decode("utf-8")


def test_markdown_image_is_an_svg_whose_chinese_text_the_browser_draws():
    figure = charts.coefficient_heat_strip(TWO_COUNTIES)
    svg = decoded_svg(charts.markdown_image(figure, "差异系数"), "差异系数")
    assert not plt.fignum_exists(figure.number)
    root = ElementTree.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "县域校际差异系数 Between-school difference coefficients" in texts  # text, not glyph outlines
    assert "0.62" in texts and "340402" in texts
    style = next(root.iter("{http://www.w3.org/2000/svg}style")).text
    assert "'Noto Sans CJK SC'" in style and "sans-serif" in style
    assert "font-family" not in svg.replace(style, "")  # stated once
    # the cells are an embedded raster: the failing cell is there, in red
    href = next(root.iter("{http://www.w3.org/2000/svg}image")).get("{http://www.w3.org/1999/xlink}href")
    cells = Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1])))
    pixels = np.array(cells.convert("RGB")).reshape(-1, 3).astype(int)
    above = np.array(to_rgba(charts.ABOVE_COLOURS(0.62 / 0.50 - 1.0))[:3]) * 255
    assert (np.abs(pixels - above).max(axis=1) <= 12).sum() > 10


def test_a_chart_of_the_most_counties_shown_stays_small():
    rng = np.random.default_rng(7)
    rows = [(f"34{n:04d}", stage, indicator, float(rng.uniform(0.05, 1.2)))
            for n in range(charts.UI_ROWS_SHOWN + 10) for stage in ("primary", "junior")
            for indicator in ("R1", "R2", "R3", "R4", "R5", "R6", "R7")]
    markdown = charts.markdown_image(charts.coefficient_heat_strip(coefficients(rows)), "差异系数")
    assert len(markdown) < 100_000  # stays a light event in the run's log

"""Nothing a school typed is interpreted by an output: formula-looking text stays text in every workbook,
mathtext-looking text is drawn as typed in the charts."""

import io

import matplotlib.pyplot as plt
from openpyxl import Workbook, load_workbook

from balanced_pipeline.contract.text import put, set_value
from balanced_pipeline.report.fonts import chart_style

HOSTILE = ['=HYPERLINK("http://evil.example","点击")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]


def _round_trip(write) -> list:
    book = Workbook()
    write(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    return [(cell.value, cell.data_type) for cell in sheet["A"]]


def test_put_keeps_formula_looking_text_as_text():
    cells = _round_trip(lambda sheet: [put(sheet, row, 1, text) for row, text in enumerate(HOSTILE, start=1)])
    assert cells == [(text, "s") for text in HOSTILE]


def test_set_value_keeps_formula_looking_text_as_text_and_numbers_as_numbers():
    def write(sheet):
        set_value(sheet.cell(1, 1), HOSTILE[0])
        set_value(sheet.cell(2, 1), 3124)
    assert _round_trip(write) == [(HOSTILE[0], "s"), (3124, "n")]


def test_plain_openpyxl_would_have_written_a_formula():
    # The reason `put` exists: without it the same text becomes a live formula.
    assert _round_trip(lambda sheet: sheet.cell(1, 1, HOSTILE[0])) == [(HOSTILE[0], "f")]


def test_chart_labels_are_not_parsed_as_mathtext():
    with chart_style():
        figure, axes = plt.subplots()
        axes.set_title(r"$\foo{$ 县")
        axes.bar([r"$\frac{1}{0}$"], [1])
        figure.savefig(io.BytesIO(), format="svg")
        plt.close(figure)

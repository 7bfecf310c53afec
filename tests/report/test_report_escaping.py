"""Nothing a school typed is interpreted by the HTML report: markup in a school name, a county name
or an issue's value is shown as text, on the county page and on the overview page."""

from pathlib import Path

import pandas as pd

from balanced_pipeline.report import write_year_reports
from tests.report.test_report import JIA, STANDARDS, YEAR, hand_made_tables

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'


def test_markup_typed_by_a_school_is_escaped_in_every_page(tmp_path):
    tables = hand_made_tables()
    for frame in tables.values():
        for column, typed, markup in (("school_name", "甲五小", SCRIPT), ("county_name", "甲区", IMAGE)):
            if column in frame.columns:
                frame[column] = frame[column].replace(typed, markup)
    issues = tables["data_quality_issues"]
    issues["value"] = issues["value"].astype(object).where(issues["county_code"] != JIA, SCRIPT)
    issues["message_zh"] = issues["message_zh"].astype(object).where(issues["county_code"] != JIA, f"值「{SCRIPT}」")

    index = write_year_reports(tables, YEAR, tmp_path, STANDARDS).set_index("county_code")

    county_page = Path(index.loc[JIA, "html_path"]).read_text(encoding="utf-8")
    overview = (tmp_path / "index.html").read_text(encoding="utf-8")
    for page in (county_page, overview):
        assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in county_page  # shown, as typed, in the school grid
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in county_page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in overview
    assert not pd.isna(index.loc[JIA, "xlsx_path"])

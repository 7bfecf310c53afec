"""The county report's timeliness section (per campus: on time / late / missing, first submission and
last change, in Beijing time) and its 'changed since the preliminary run' section (the county's
submission_changes, newest first, capped with 'and N more'); what a school typed stays text."""

from pathlib import Path

import openpyxl
import pandas as pd

from balanced_pipeline.report import write_year_reports
from balanced_pipeline.report.sections import CHANGE_ROWS_SHOWN
from balanced_pipeline.warehouse.catalogue import TABLES
from tests.report.test_report import JIA, STANDARDS, YEAR, YI, hand_made_tables

HYPERLINK = '=HYPERLINK("http://example.invalid","点击")'
SCRIPT = "<script>alert(1)</script>"


def written(tmp_path, tables=None):
    index = write_year_reports(tables or hand_made_tables(), YEAR, tmp_path, STANDARDS).set_index("county_code")
    return index


def section(html: str, key: str) -> str:
    start = html.index(f'<section id="{key}"')
    return html[start:html.index("</section>", start)]


def sheet_rows(xlsx: str, name: str) -> list[list]:
    return [[c.value for c in row] for row in openpyxl.load_workbook(xlsx)[name].iter_rows()]


def test_timeliness_per_campus_missing_and_late_first(tmp_path):
    index = written(tmp_path)
    timeliness = section(Path(index.loc[JIA, "html_path"]).read_text(encoding="utf-8"), "timeliness")
    rows = timeliness[timeliness.index("<tbody>"):]
    # Missing, then late, then on time; times in Beijing (UTC+8): 2026-12-16 01:30 UTC is 09:30.
    assert rows.index("甲三小") < rows.index("甲二小") < rows.index("甲五小")
    assert "<td>甲二小</td><td>3404010002-01</td><td class=\"tone-warn\">逾期 late</td>" in rows
    assert "<td class=\"tone-fail\">未报 missing</td><td>—</td><td>—</td><td>—</td>" in rows
    assert "<td>2026-11-30 10:00</td><td>2026-12-16 09:30</td><td>甲五小.xlsx</td>" in rows
    assert "按时 1 个、逾期 1 个、未报 1 个" in timeliness and "2026年12月15日 00:00（北京时间）" in timeliness
    assert "乙一小" not in timeliness  # another county's campus
    book = sheet_rows(index.loc[JIA, "xlsx_path"], "报送时效")
    assert ["甲二小", "3404010002-01", "逾期 late", "2026-12-15 00:30", "2026-12-15 00:30", "schools.csv"] in book


def test_changes_since_the_preliminary_run_newest_first(tmp_path):
    index = written(tmp_path)
    changes = section(Path(index.loc[JIA, "html_path"]).read_text(encoding="utf-8"), "changes")
    assert "预评估以来的变更" in changes and "Changed since the preliminary run" in changes
    rows = changes[changes.index("<tbody>"):]
    assert ("<td>3404010001-01</td><td>学校表 school form</td><td>小学在校生数 students_primary</td>"
            "<td>480</td><td>500</td><td>schools.csv</td><td>甲五小.xlsx</td><td>2026-12-16 09:30</td>") in rows
    assert ("<td>—</td><td>县级表 county form</td><td>教师平均工资收入 teacher_avg_pay</td><td>90000.0</td>"
            "<td>（空）</td>") in rows
    assert rows.index("students_primary") < rows.index("teacher_avg_pay")  # 16 Dec before 3 Dec
    assert "共 2 项变更" in changes
    no_changes = section(Path(index.loc[YI, "html_path"]).read_text(encoding="utf-8"), "changes")
    assert "预评估以来没有变更" in no_changes and "<tbody>" not in no_changes
    book = sheet_rows(index.loc[JIA, "xlsx_path"], "预评估以来的变更")
    row = next(r for r in book if r[0] == "3404010001-01")
    assert row[3:5] == [480, 500]  # numbers stay numbers in the workbook


def test_many_changes_are_capped_with_and_n_more(tmp_path):
    tables = hand_made_tables()
    extra = CHANGE_ROWS_SHOWN + 3 - 2  # the county has 2 already
    tables["submission_changes"] = pd.concat([tables["submission_changes"], pd.DataFrame([
        dict(year=YEAR, county_code=JIA, school_code="3404010002", campus_code="01", form="schools",
             field="land_area_m2", old_value=str(n), new_value=str(n + 1), old_file="schools.csv", new_file=f"v{n}.xlsx",
             changed_at=pd.Timestamp("2026-12-01 00:00", tz="UTC") + pd.Timedelta(minutes=n)) for n in range(extra)
    ]).reindex(columns=TABLES["submission_changes"].column_names)], ignore_index=True)
    index = written(tmp_path, tables)
    changes = section(Path(index.loc[JIA, "html_path"]).read_text(encoding="utf-8"), "changes")
    assert changes.count("<tr>") == CHANGE_ROWS_SHOWN + 1  # header + the newest 50
    assert "另有 3 项变更未列出" in changes and "And 3 more" in changes
    assert "v0.xlsx" not in changes and f"v{extra - 1}.xlsx" in changes  # the oldest left out
    book = sheet_rows(index.loc[JIA, "xlsx_path"], "预评估以来的变更")
    assert sum(1 for r in book if r[0] in ("3404010001-01", "3404010002-01", "—")) == CHANGE_ROWS_SHOWN
    assert any(isinstance(r[0], str) and r[0].startswith("另有 3 项变更未列出") for r in book)


def test_what_a_school_typed_stays_text_in_both_sections(tmp_path):
    tables = hand_made_tables()
    timeliness = tables["submission_timeliness"]
    timeliness.loc[timeliness["school_name"] == "甲二小", "school_name"] = HYPERLINK
    timeliness.loc[timeliness["school_name"] == "甲三小", "school_name"] = SCRIPT
    changes = tables["submission_changes"]
    changes.loc[0, ["field", "old_value", "new_value"]] = ["school_name", SCRIPT, HYPERLINK]
    index = written(tmp_path, tables)
    html = Path(index.loc[JIA, "html_path"]).read_text(encoding="utf-8")
    assert "<script" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert html.count("=HYPERLINK(&quot;http://example.invalid&quot;,&quot;点击&quot;)") == 2
    book = openpyxl.load_workbook(index.loc[JIA, "xlsx_path"])
    typed = [c for name in ("报送时效", "预评估以来的变更") for row in book[name].iter_rows() for c in row
             if c.value in (HYPERLINK, SCRIPT)]
    assert len(typed) == 4 and {c.data_type for c in typed} == {"s"}  # kept as typed, never a formula

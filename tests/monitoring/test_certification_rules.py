"""What blocks a certification, worked by hand on small frames (the whole loop runs in test_certification.py)."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from balanced_pipeline.contract.issues import issues_frame
from balanced_pipeline.monitoring.certification import (
    INCOMPLETE_COUNTY,
    NOT_RUN,
    OPEN_WARNING,
    REASON_REQUIRED,
    SEVERAL_RUNS,
    certifier_blockers,
    certification_blockers,
    certification_row,
    incomplete_counties,
    inputs_sha256,
    open_required_warnings,
    run_blockers,
    warnings_to_explain,
)
from balanced_pipeline.standards.loader import load_standards

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"


def completeness(*rows):
    columns = ["county_code", "missing", "rejected", "missing_campuses", "rejected_campuses"]
    return pd.DataFrame([dict(zip(columns, row)) for row in rows], columns=columns)


def test_a_county_is_incomplete_with_a_missing_or_rejected_campus_or_without_its_county_form():
    table = completeness(
        ("340401", 1, 0, "甲小学（3404010001-01）", ""),
        ("340402", 0, 2, "", "乙小学（3404020001-01）、丙中学（3404020002-01）"),
        ("340403", 0, 0, "", ""),  # complete campuses, but its county form was rejected
        ("340404", 0, 0, "", ""),  # complete
    )
    county_forms = pd.DataFrame({"county_code": ["340401", "340402", "340404"]})
    blockers = incomplete_counties(table, county_forms)
    assert [(b.kind, b.county_code) for b in blockers] == [(INCOMPLETE_COUNTY, c) for c in ("340401", "340402", "340403")]
    assert "1 个校区未报送（甲小学（3404010001-01））" in blockers[0].message_zh
    assert "2 campus(es) rejected (乙小学（3404020001-01）、丙中学（3404020002-01）)" in blockers[1].message_en
    assert blockers[2].message_en == "incomplete: no accepted county form"


def test_a_county_whose_readiness_is_incomplete_blocks_though_every_campus_arrived():
    table = completeness(("340401", 0, 0, "", ""), ("340402", 0, 0, "", ""))
    county_forms = pd.DataFrame({"county_code": ["340401", "340402"]})
    readiness = pd.DataFrame({"county_code": ["340401", "340402"], "status": ["incomplete", "not_ready"]})
    blockers = incomplete_counties(table, county_forms, readiness)
    assert [b.county_code for b in blockers] == ["340401"]
    assert blockers[0].message_en == "incomplete: an indicator could not be computed: not a verdict"


def issue(county, rule, severity, row):
    return {"county_code": county, "school_code": "3404010001", "campus_code": "01", "form": "schools",
            "source_file": "schools.csv", "sheet": "", "row_number": row, "field": "sports_area_m2", "value": "1",
            "rule": rule, "severity": severity, "message_zh": "z", "message_en": "e"}


def test_only_warnings_of_the_listed_rules_block_and_each_county_and_rule_once():
    issues = issues_frame([
        issue("340401", "sports_area_m2_per_student_plausible", "warning", 5),
        issue("340401", "sports_area_m2_per_student_plausible", "warning", 6),
        issue("340401", "sports_area_m2_per_student_plausible", "warning", 7),
        issue("340401", "sports_area_m2_per_student_plausible", "warning", 8),
        issue("340401", "campus_in_registry", "warning", 9),  # not listed: reported, never blocks
        issue("340402", "sports_area_m2_per_student_plausible", "error", 3),  # an error is never "explained"
    ])
    blockers = open_required_warnings(issues, ["sports_area_m2_per_student_plausible"])
    assert [(b.kind, b.county_code) for b in blockers] == [(OPEN_WARNING, "340401")]
    # Three places named, the fourth counted.
    assert "(schools.csv row 5; schools.csv row 6; schools.csv row 7 and 1 more)" in blockers[0].message_en


def test_the_tables_must_come_from_one_recorded_run():
    assert [b.kind for b in run_blockers({})] == [NOT_RUN]
    assert run_blockers({"county_readiness": "a", "school_indicators": "a"}) == []
    several = run_blockers({"county_readiness": "a", "school_indicators": "b", "county_trends": "b"})
    assert [b.kind for b in several] == [SEVERAL_RUNS]
    assert "a: county_readiness; b: county_trends, school_indicators" in several[0].message_en


def test_a_second_certification_needs_a_reason():
    previous = pd.DataFrame({"certified_at": [pd.Timestamp("2026-12-15 02:00")], "certified_by": ["张三"]})
    assert certifier_blockers("李四", "", previous.iloc[0:0]) == []
    refused = certifier_blockers("李四", "  ", previous)
    assert [b.kind for b in refused] == [REASON_REQUIRED]
    assert "2026-12-15 02:00" in refused[0].message_en and "张三" in refused[0].message_zh
    assert certifier_blockers("李四", "学校更正了体育场地面积", previous) == []


def test_the_record_hashes_every_listed_file_and_counts_ready_counties():
    files = pd.DataFrame({"source_file": ["schools.csv", "a/学校.xlsx", "notes.txt"],
                          "source_sha256": ["bb", "aa", None]})
    readiness = pd.DataFrame({"county_code": ["340401", "340402", "340403"], "ready": [True, False, pd.NA],
                              "standards_version": ["national-2017"] * 3})
    row = certification_row(2026, datetime(2026, 12, 15, 1, tzinfo=timezone.utc), " 张三 ", "", "run-1",
                            load_standards("national"), {"submission_files": files, "county_readiness": readiness}, 1)
    record = row.iloc[0]
    assert json.loads(record["inputs_sha256"]) == {"a/学校.xlsx": "aa", "notes.txt": None, "schools.csv": "bb"}
    assert inputs_sha256(files) == {"a/学校.xlsx": "aa", "notes.txt": None, "schools.csv": "bb"}
    assert (record["input_files"], record["counties"], record["ready_counties"]) == (3, 3, 1)
    assert (record["certified_by"], record["standards_version"], record["sequence"]) == ("张三", "national-2017", 1)


def test_every_warning_to_explain_is_a_warning_rule_of_a_suite():
    warning_rules = {
        expectation["meta"]["rule"]
        for path in EXPECTATIONS.glob("*.json")
        for expectation in json.loads(path.read_text(encoding="utf-8"))["expectations"]
        if expectation.get("severity") == "warning"
    }
    listed = warnings_to_explain(load_standards("national"))
    assert listed and set(listed) <= warning_rules


def test_freezing_copies_the_report_files_a_later_run_would_overwrite(tmp_path):
    from balanced_pipeline.monitoring.certification import freeze_year
    from balanced_pipeline.warehouse.catalogue import TABLES, certified_tables
    from balanced_pipeline.warehouse.store import Warehouse

    reports_dir = tmp_path / "reports" / "2026"
    reports_dir.mkdir(parents=True)
    paths = {column: reports_dir / f"county_340401_2026{suffix}"
             for column, suffix in (("html_path", ".html"), ("xlsx_path", ".xlsx"),
                                    ("rectification_path", "_rectification.xlsx"))}
    for path in paths.values():
        path.write_text("certified version", encoding="utf-8")
    warehouse = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    warehouse.replace_partition(TABLES["county_reports"], 2026, pd.DataFrame([{
        "county_code": "340401", "county_name": "甲县", "city": "淮南市", "province": "安徽省", "ready": True,
        "status": "ready", "verdict_zh": "达到优质均衡要求", "verdict_en": "ready", "failed_dimensions": "",
        "dimensions_not_judged": "", "campuses_not_judged": "", **{column: str(path) for column, path in paths.items()}}]))

    copied = freeze_year(warehouse, 2026, datetime(2026, 12, 15, 1, tzinfo=timezone.utc))
    assert copied["certified_county_reports"] == 1 and copied["certified_school_submissions"] == 0
    for path in paths.values():
        path.write_text("a later preliminary run", encoding="utf-8")
    frozen = warehouse.read_partition(certified_tables()["county_reports"], 2026).iloc[0]
    for column, path in paths.items():
        assert Path(frozen[column]) == tmp_path / "reports" / "2026-certified" / path.name
        assert Path(frozen[column]).read_text(encoding="utf-8") == "certified version"


def test_a_required_warning_blocks_until_explained_and_an_explained_error_still_rejects_its_campus():
    """The fix-or-explain loop as certification sees it: campus 0001's implausible sports area (a required
    warning) blocks; an explanation row clears it; campus 0002's error, explained too, still rejects its
    record, so its county stays incomplete."""
    from balanced_pipeline.contract.issues import split_accepted
    from balanced_pipeline.validation.fix_or_explain import EXPLAINS_AN_ERROR, explain_warnings

    standards = load_standards("national")
    rule = "sports_area_m2_per_student_plausible"
    warning = {**issue("340401", rule, "warning", 2), "school_code": "3404010001"}
    error = {**issue("340402", "school_code_format", "error", 3), "school_code": "3404020001", "field": "school_code"}
    staged = pd.DataFrame({"county_code": ["340401", "340402"], "school_code": ["3404010001", "3404020001"],
                           "campus_code": ["01", "01"], "source_file": ["schools.csv"] * 2, "sheet": [""] * 2,
                           "row_number": pd.array([2, 3], dtype="Int64")})
    explanations = pd.DataFrame([
        {**{k: row[k] for k in ("county_code", "school_code", "campus_code", "rule", "field")},
         "explanation": "已核实", "explained_by": "王五", "source_file": "explanations.csv", "sheet": "", "row_number": n}
        for n, row in ((2, warning), (3, error))]).astype({"row_number": "Int64"})
    readiness = pd.DataFrame({"county_code": ["340401", "340402"], "status": ["ready", "ready"], "ready": [True, True],
                              "standards_version": [standards.version] * 2})

    def blockers(issues):
        rejected = split_accepted(staged, issues, "schools")[1]
        table = completeness(*[(c, 0, int((rejected["county_code"] == c).sum()), "", "被拦截") for c in ("340401", "340402")])
        tables = {"county_readiness": readiness, "submission_completeness": table,
                  "county_submissions": pd.DataFrame({"county_code": ["340401", "340402"]}),
                  "data_quality_issues": issues}
        found = certification_blockers(tables, {"county_readiness": "run-1"}, standards, "张三", "", pd.DataFrame())
        return [(b.kind, b.county_code) for b in found]

    issues = issues_frame([warning, error])
    assert blockers(issues) == [(INCOMPLETE_COUNTY, "340402"), (OPEN_WARNING, "340401")]
    explained = explain_warnings(issues, explanations)
    assert explained["status"].tolist() == ["explained", "open", "open"]
    assert explained["rule"].tolist()[2] == EXPLAINS_AN_ERROR
    assert blockers(explained) == [(INCOMPLETE_COUNTY, "340402")]


def test_a_warning_of_an_older_warehouse_without_a_status_is_open():
    issues = issues_frame([issue("340401", "sports_area_m2_per_student_plausible", "warning", 5)])
    issues["status"] = pd.Series([pd.NA], dtype="string")  # read back from a table that predates the column
    assert [b.county_code for b in open_required_warnings(issues, ["sports_area_m2_per_student_plausible"])] == ["340401"]


READER = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
for sql in sys.stdin:
    print(con.execute(sql).fetchone()[0], flush=True)
"""


def _complete_year(warehouse, year: int, standards) -> None:
    """The published tables of a year with nothing to block its certification."""
    from balanced_pipeline.warehouse.catalogue import TABLES

    county = "340401"
    tables = {
        "county_readiness": [{"county_code": county, "ready": True, "status": "ready",
                              "standards_version": standards.version}],
        "submission_completeness": [{"county_code": county, "expected": 1, "missing": 0, "rejected": 0,
                                     "missing_campuses": "", "rejected_campuses": ""}],
        "county_submissions": [{"county_code": county, "county_name": "甲县"}],
        "school_submissions": [{"county_code": county, "school_code": "3404010001", "campus_code": "01",
                                "school_name": "甲小学"}],
        "submission_files": [{"source_file": "schools.csv", "source_sha256": "ab" * 32, "rows_read": 1}],
    }
    for name, rows in tables.items():
        warehouse.replace_partition(TABLES[name], year, pd.DataFrame(rows).reindex(columns=TABLES[name].column_names))


def test_certifying_never_writes_the_published_file_a_reader_holds_open(tmp_path):
    """A BI tool holds the published DuckDB file open read-only (in its own process, as it would) while the
    year is certified: certification neither waits for it nor fails, the reader keeps the file it opened,
    and a new connection sees the certified copies and their record, written whole."""
    import subprocess
    import sys

    from balanced_pipeline.monitoring.certification import certify_year
    from balanced_pipeline.warehouse.catalogue import TABLES, certified_tables
    from balanced_pipeline.warehouse.store import Warehouse

    standards = load_standards("national")
    path = tmp_path / "warehouse.duckdb"
    warehouse = Warehouse(f"duckdb:///{path}")
    _complete_year(warehouse, 2026, standards)
    count = "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'certif%'\n"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        reader.stdin.write(count)
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "0"  # the reader holds the file from here on

        row = certify_year(warehouse, 2026, "张三", "", {"school_submissions": "run-1"}, standards,
                           datetime(2026, 12, 15, 1, tzinfo=timezone.utc))

        reader.stdin.write(count)
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "0"  # the file it opened is unchanged
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    assert row["sequence"] == 1 and row["certified_by"] == "张三"
    records = warehouse.read_partition(TABLES["certifications"], 2026)
    assert list(records["sequence"]) == [1] and records.iloc[0]["input_files"] == 1
    frozen = warehouse.read_partition(certified_tables()["school_submissions"], 2026)
    assert list(frozen["school_name"]) == ["甲小学"]
    assert not path.with_name(path.name + ".wal").exists() and not path.with_name(path.name + ".next").exists()


def test_certifying_on_postgresql_publishes_the_copies_and_the_record_together():
    """On PostgreSQL the copies are written in the schema certifying_<year>, then published in one
    transaction into the schema BI tools read."""
    import sqlalchemy as sa

    from balanced_pipeline.monitoring.certification import certify_year
    from balanced_pipeline.warehouse.catalogue import TABLES, certified_tables
    from balanced_pipeline.warehouse.store import Warehouse
    from tests.postgres_server import postgres_url

    standards = load_standards("national")
    with postgres_url() as url:
        warehouse = Warehouse(url)
        _complete_year(warehouse, 2026, standards)
        certify_year(warehouse, 2026, "张三", "", {"school_submissions": "run-1"}, standards,
                     datetime(2026, 12, 15, 1, tzinfo=timezone.utc))
        assert list(warehouse.read_partition(TABLES["certifications"], 2026)["certified_by"]) == ["张三"]
        frozen = warehouse.read_partition(certified_tables()["school_submissions"], 2026)
        assert list(frozen["school_name"]) == ["甲小学"]
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            schemas = dict(connection.execute(sa.text(
                "SELECT table_schema, count(*) FROM information_schema.tables WHERE table_name = 'certifications' "
                "GROUP BY table_schema")).all())
        engine.dispose()
        assert schemas == {"public": 1, "certifying_2026": 1}  # published, and the copy it came from

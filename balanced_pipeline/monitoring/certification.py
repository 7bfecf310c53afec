"""Certification: the county signs the year's figures, and they stop moving (issue 12 item 4).

The loop of the two weeks before the deadline: the preliminary run (1 December) shows what is
missing, wrong or implausible; schools fix or explain; on 15 December the office certifies the
year. Certification is refused, with every blocker listed, while

- a county is incomplete (a registry campus missing or rejected, or no accepted county form), or
- a warning the standards file lists under `certification.warnings_to_explain` is open, or
- the year's tables do not come from one recorded run judged by the standards in force.

A certification records who, when, which run, which standards and the SHA-256 of every input
file (table `certifications`), and copies the year's rows of every warehouse table into its
`certified_<table>` twin. Later runs of the year replace only the live (preliminary) tables; the
certified copies change only when the year is certified again, which needs a stated reason.

The certified copies and the `certifications` row are written into a certifying copy beside the
published warehouse (`certifying_warehouse`) and then published together like a run's year
(`publish_year`: on DuckDB a copy of the published file replaced in one rename, on PostgreSQL one
transaction), so a BI reader holding the published file never blocks a certification, and a
certification killed half-way leaves the published warehouse as it was: a `certifications` row
always describes copies that were completely written.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from balanced_pipeline.contract.issues import OPEN, WARNING
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import TABLES, certified_tables
from balanced_pipeline.warehouse.publish import certifying_warehouse, publish_year
from balanced_pipeline.warehouse.store import Warehouse

CERTIFICATIONS = TABLES["certifications"]
INPUT_TABLES = ("submission_completeness", "county_submissions", "data_quality_issues", "county_readiness",
                "submission_files")
COUNTY_FORM_TABLE = "county_submissions"
REPORT_PATH_COLUMNS = ("html_path", "xlsx_path", "rectification_path")
CERTIFIED_REPORTS_SUFFIX = "-certified"
NAMES_PER_BLOCKER = 3
"""An open-warning blocker names this many of its rows (file and row); the rest are counted."""

NOT_RUN = "not_run"
SEVERAL_RUNS = "several_runs"
STANDARDS_CHANGED = "standards_changed"
INCOMPLETE_COUNTY = "incomplete_county"
OPEN_WARNING = "open_warning"
NO_CERTIFIER = "no_certifier"
REASON_REQUIRED = "reason_required"


@dataclass(frozen=True)
class Blocker:
    kind: str
    county_code: str
    message_zh: str
    message_en: str

    def line(self) -> str:
        where = f"[{self.county_code}] " if self.county_code else ""
        return f"- {where}{self.message_zh} / {self.message_en}"


class CertificationRefused(RuntimeError):
    """The year cannot be certified yet; `blockers` says why, each in Chinese and English."""

    def __init__(self, year: int, blockers: list[Blocker]):
        self.year = year
        self.blockers = blockers
        super().__init__(
            f"{year} 年度不能认定，原因如下 / {year} cannot be certified:\n" + "\n".join(b.line() for b in blockers)
        )


def warnings_to_explain(standards: Standards) -> list[str]:
    """Rule ids of the warnings that must be fixed or explained before certification."""
    return list(standards.section("certification").get("warnings_to_explain", []))


def incomplete_counties(completeness: pd.DataFrame, county_submissions: pd.DataFrame,
                        readiness: pd.DataFrame | None = None) -> list[Blocker]:
    """Counties whose self-evaluation is not whole: a registry campus missing or rejected, no accepted
    county form, or a readiness `status` of incomplete (an item that could not be computed).

    Stricter than `status` alone on purpose: a county already `not_ready` on standing failures is
    still not certified while campuses are missing, since what the county signs is the whole year.
    """
    accepted_forms = set(county_submissions["county_code"])
    not_computed = set() if readiness is None else set(
        readiness.loc[readiness["status"].astype("string").eq("incomplete").fillna(False), "county_code"])
    blockers = []
    for row in completeness.sort_values("county_code").itertuples():
        missing, rejected = int(row.missing), int(row.rejected)
        has_form = row.county_code in accepted_forms
        if not (missing or rejected or not has_form or row.county_code in not_computed):
            continue
        zh, en = [], []
        if missing:
            zh.append(f"{missing} 个校区未报送（{row.missing_campuses}）")
            en.append(f"{missing} campus(es) missing ({row.missing_campuses})")
        if rejected:
            zh.append(f"{rejected} 个校区的学校表被拦截（{row.rejected_campuses}）")
            en.append(f"{rejected} campus(es) rejected ({row.rejected_campuses})")
        if not has_form:
            zh.append("县级填报表未通过校验或未报送")
            en.append("no accepted county form")
        if not zh:
            zh.append("有指标无法计算，不能作出结论")
            en.append("an indicator could not be computed: not a verdict")
        blockers.append(Blocker(INCOMPLETE_COUNTY, row.county_code, "填报不完整：" + "；".join(zh),
                                "incomplete: " + "; ".join(en)))
    return blockers


def open_required_warnings(issues: pd.DataFrame, rules: list[str]) -> list[Blocker]:
    """One blocker per county and rule with open warnings the standards require to be explained: an
    explained warning (explanations.csv) or a fixed one (no longer occurring) no longer blocks."""
    # A row written before issues had a status (an older warehouse) is open.
    is_open = issues["status"].astype("string").fillna(OPEN).eq(OPEN)
    open_warnings = issues[(issues["severity"] == WARNING) & is_open & issues["rule"].isin(rules)]
    blockers = []
    for (county, rule), rows in open_warnings.groupby(["county_code", "rule"], sort=True):
        named = rows.head(NAMES_PER_BLOCKER)
        places = "; ".join(
            f"{r.source_file}" + (f" {r.sheet}" if r.sheet else "") + (f" row {r.row_number}" if pd.notna(r.row_number) else "")
            for r in named.itertuples()
        )
        more = len(rows) - len(named)
        tail_zh, tail_en = (f" 等{len(rows)}处", f" and {more} more") if more > 0 else ("", "")
        blockers.append(Blocker(
            OPEN_WARNING, county,
            f"规则 {rule} 的警告未更正也未说明（{places}{tail_zh}）：请更正后重新报送，或在 explanations.csv 中说明",
            f"warning {rule} neither fixed nor explained ({places}{tail_en}): correct and resubmit, "
            "or explain it in explanations.csv",
        ))
    return blockers


def run_blockers(runs: dict[str, str]) -> list[Blocker]:
    """The year's tables must come from one recorded run: `runs` maps each table to the run that
    last wrote it for the year."""
    if not runs:
        return [Blocker(NOT_RUN, "", "本年度尚无运行记录：请先运行（balanced-pipeline run 年度）",
                        "no run of the year is recorded: run it first (balanced-pipeline run YEAR)")]
    distinct = sorted(set(runs.values()))
    if len(distinct) == 1:
        return []
    by_run = {run: sorted(t for t, r in runs.items() if r == run) for run in distinct}
    listed = "; ".join(f"{run}: {', '.join(tables)}" for run, tables in by_run.items())
    return [Blocker(SEVERAL_RUNS, "", f"各表来自不同的运行，请完整运行本年度一次（{listed}）",
                    f"the tables come from different runs; run the whole year once ({listed})")]


def standards_blockers(readiness: pd.DataFrame, standards: Standards) -> list[Blocker]:
    """The figures must have been judged by the standards version that certifies them."""
    judged_by = sorted(set(readiness["standards_version"].dropna()) - {standards.version})
    if not judged_by:
        return []
    return [Blocker(STANDARDS_CHANGED, "",
                    f"数据按标准 {'、'.join(judged_by)} 评判，现行标准为 {standards.version}：请重新运行本年度",
                    f"the tables were judged by {', '.join(judged_by)} but the standards in force are "
                    f"{standards.version}: run the year again")]


def certifier_blockers(by: str, reason: str, previous: pd.DataFrame) -> list[Blocker]:
    blockers = []
    if not by.strip():
        blockers.append(Blocker(NO_CERTIFIER, "", "请写明认定人（--by 姓名）", "say who certifies (--by NAME)"))
    if len(previous) and not reason.strip():
        last = previous.sort_values("certified_at").iloc[-1]
        blockers.append(Blocker(
            REASON_REQUIRED, "",
            f"本年度已于 {last['certified_at']:%Y-%m-%d %H:%M} (UTC) 由 {last['certified_by']} 认定；重新认定须说明原因（--reason）",
            f"the year was certified on {last['certified_at']:%Y-%m-%d %H:%M} UTC by {last['certified_by']}; "
            "certifying it again needs a reason (--reason)",
        ))
    return blockers


def certification_blockers(tables: dict[str, pd.DataFrame], runs: dict[str, str], standards: Standards,
                           by: str, reason: str, previous: pd.DataFrame) -> list[Blocker]:
    """Everything that stops the year's certification, most basic first (an empty list: certify)."""
    blockers = certifier_blockers(by, reason, previous) + run_blockers(runs)
    if not len(tables["county_readiness"]):
        return blockers
    return (
        blockers
        + standards_blockers(tables["county_readiness"], standards)
        + incomplete_counties(tables["submission_completeness"], tables[COUNTY_FORM_TABLE], tables["county_readiness"])
        + open_required_warnings(tables["data_quality_issues"], warnings_to_explain(standards))
    )


def inputs_sha256(files: pd.DataFrame) -> dict[str, str | None]:
    """Every file of the year folder the run listed (read, superseded or refused) → its SHA-256."""
    ordered = files.sort_values("source_file")
    return {row.source_file: (None if pd.isna(row.source_sha256) else row.source_sha256) for row in ordered.itertuples()}


def certification_row(year: int, certified_at: datetime, by: str, reason: str, run_id: str, standards: Standards,
                      tables: dict[str, pd.DataFrame], sequence: int) -> pd.DataFrame:
    hashes = inputs_sha256(tables["submission_files"])
    readiness = tables["county_readiness"]
    return pd.DataFrame([{
        "year": year,
        "certified_at": pd.Timestamp(certified_at),
        "certified_by": by.strip(),
        "sequence": sequence,
        "run_id": run_id,
        "standards_version": standards.version,
        "inputs_sha256": json.dumps(hashes, ensure_ascii=False, sort_keys=True),
        "input_files": len(hashes),
        "counties": int(readiness["county_code"].nunique()),
        "ready_counties": int(readiness.loc[readiness["ready"].astype("boolean").fillna(False), "county_code"].nunique()),
        "reason": reason.strip(),
    }])


def freeze_report_files(reports: pd.DataFrame) -> pd.DataFrame:
    """The county_reports rows with each report file copied to the sibling folder `<year>-certified/`
    and the paths pointing there: a later run rewrites the files of the year's folder in place.
    A path whose file is not on this machine is kept as it is."""
    frozen = reports.copy()
    for column in REPORT_PATH_COLUMNS:
        frozen[column] = pd.Series([_freeze_file(path) for path in reports[column]], index=reports.index, dtype="string")
    return frozen


def _freeze_file(path: str | None) -> str | None:
    if pd.isna(path) or not Path(path).is_file():
        return path
    source = Path(path)
    target = source.parent.with_name(source.parent.name + CERTIFIED_REPORTS_SUFFIX) / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return str(target)


def freeze_year(warehouse: Warehouse, year: int, certified_at: datetime, into: Warehouse | None = None
                ) -> dict[str, int]:
    """Copy the year's rows of every live table of `warehouse` into its certified twin in `into`
    (default: `warehouse` itself); returns rows per copy."""
    into = into or warehouse
    stamp = pd.Timestamp(certified_at)
    copied = {}
    for name, copy in certified_tables().items():
        rows = warehouse.read_partition(TABLES[name], year)
        if name == "county_reports":
            rows = freeze_report_files(rows)
        copied[copy.name] = into.replace_partition(copy, year, rows.assign(certified_at=stamp))
    return copied


def certify_year(warehouse: Warehouse, year: int, by: str, reason: str, runs: dict[str, str],
                 standards: Standards, now: datetime) -> dict:
    """Certify `year` or raise CertificationRefused listing every blocker; returns the recorded row."""
    tables = {name: warehouse.read_partition(TABLES[name], year) for name in INPUT_TABLES}
    previous = warehouse.read_partition(CERTIFICATIONS, year)
    blockers = certification_blockers(tables, runs, standards, by, reason, previous)
    if blockers:
        raise CertificationRefused(year, blockers)
    certifying = certifying_warehouse(warehouse, year)
    freeze_year(warehouse, year, now, into=certifying)
    row = certification_row(year, now, by, reason, next(iter(runs.values())), standards, tables, len(previous) + 1)
    certifying.replace_partition(CERTIFICATIONS, year, pd.concat([previous, row], ignore_index=True))
    publish_year(warehouse, certifying, year, [*certified_tables().values(), CERTIFICATIONS])
    return row.iloc[0].to_dict()

"""The self-evaluation deadline and, per county, what still stands between it and a complete report.

The county reports its self-evaluation to the leading group before 15 December (seed: 田家庵区
plan, 实施争创阶段 item 4). The dates below are calendar settings of that procedure, not
indicator thresholds, so they live here rather than in the standards file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from balanced_pipeline.contract.issues import ERROR, current_issues
from balanced_pipeline.contract.forms import CAMPUS_KEY, SCHOOLS
from balanced_pipeline.settings import TIMEZONE


@dataclass(frozen=True)
class ProcedureCalendar:
    """When the year's submissions close, and when the preliminary run leaves time to correct them."""

    timezone: str = TIMEZONE
    deadline_month: int = 12
    deadline_day: int = 15
    # Two weeks before the deadline: enough for a school to resubmit a rejected form.
    preliminary_month: int = 12
    preliminary_day: int = 1
    preliminary_hour: int = 8

    def deadline_date(self, year: int) -> date:
        return date(year, self.deadline_month, self.deadline_day)

    def deadline(self, year: int) -> datetime:
        """The instant submissions for `year` close: the first moment of the deadline day, local time
        (the report is due *before* 15 December)."""
        return datetime(year, self.deadline_month, self.deadline_day, tzinfo=ZoneInfo(self.timezone))

    def local_date(self, instant: datetime) -> date:
        if instant.tzinfo is None:
            raise ValueError(f"{instant!r} has no time zone; pass an aware datetime (e.g. UTC or {self.timezone})")
        return instant.astimezone(ZoneInfo(self.timezone)).date()


CALENDAR = ProcedureCalendar()

OK = "ok"
ACTION_NEEDED = "action_needed"
OVERDUE = "overdue"
NAMES_IN_MESSAGE = 5
"""A message names this many campuses and says 等 (etc.); the name columns list them all."""

_LABEL = re.compile(r"(?P<label>.*?（(?P<school_code>[^（）\-]+)-(?P<campus_code>[^（）]+)）)(?:、|$)")
"""One '学校名（school_code-campus_code）' label of a completeness name list; a name may itself
contain 、 or （…） as long as it does not end in the code pair."""


def submissions_closed(year: int, now: datetime, calendar: ProcedureCalendar = CALENDAR) -> bool:
    """Whether `year` is frozen: its deadline has come, the final run has judged it, and new files
    no longer re-run it on their own (an engineer can still launch a run by hand)."""
    return now >= calendar.deadline(year)


def days_left(year: int, as_of: datetime, calendar: ProcedureCalendar = CALENDAR) -> int:
    """Calendar days from `as_of` (local date) to the deadline day: 1 on 14 December, 0 on the
    deadline day (already too late), negative after."""
    return (calendar.deadline_date(year) - calendar.local_date(as_of)).days


def deadline_status(
    completeness: pd.DataFrame,
    issues: pd.DataFrame,
    year: int,
    as_of: datetime,
    calendar: ProcedureCalendar = CALENDAR,
) -> pd.DataFrame:
    """Per county: days left, campuses missing, campuses blocked by errors (with each one's first
    error), a status (ok | action_needed | overdue) and a message for the clerk in Chinese and English.

    `completeness` is the submission_completeness table; `issues` the data_quality_issues table.
    A campus is blocked when its school form was rejected; only error issues of that form explain why.
    """
    remaining = days_left(year, as_of, calendar)
    table = completeness.loc[completeness["year"] == year].copy()
    table["deadline"] = pd.Timestamp(calendar.deadline_date(year))
    table["as_of"] = pd.Timestamp(as_of).tz_convert(calendar.timezone)
    table["days_left"] = remaining
    table["missing_count"] = table["missing"].astype("Int64")
    table["missing_campuses"] = table["missing_campuses"].fillna("")
    table["blocked_count"] = table["rejected"].astype("Int64")
    table["blocked_campuses"] = table["rejected_campuses"].fillna("")
    reasons = blocked_reasons(table, issues)
    table = table.merge(reasons, on="county_code", how="left")
    table[["blocked_first_errors_zh", "blocked_first_errors_en"]] = (
        table[["blocked_first_errors_zh", "blocked_first_errors_en"]].fillna("")
    )
    table["status"] = county_status(table["missing_count"], table["blocked_count"], remaining)
    # One message per county (a few thousand at most), so a Python loop is cheap here.
    rows = list(table.itertuples())
    table["message_zh"] = pd.Series([clerk_message_zh(row, year, calendar) for row in rows], index=table.index, dtype="string")
    table["message_en"] = pd.Series([clerk_message_en(row, year, calendar) for row in rows], index=table.index, dtype="string")
    return table[
        [
            "year",
            "county_code",
            "deadline",
            "as_of",
            "days_left",
            "expected",
            "missing_count",
            "missing_campuses",
            "blocked_count",
            "blocked_campuses",
            "blocked_first_errors_zh",
            "blocked_first_errors_en",
            "status",
            "message_zh",
            "message_en",
        ]
    ].reset_index(drop=True)


def county_status(missing: pd.Series, blocked: pd.Series, remaining_days: int) -> pd.Series:
    """ok when nothing is missing or blocked; otherwise action_needed before the deadline day and
    overdue from it on."""
    needs_action = (missing.fillna(0) > 0) | (blocked.fillna(0) > 0)
    late = remaining_days <= 0
    status = np.where(needs_action, OVERDUE if late else ACTION_NEEDED, OK)
    return pd.Series(status, index=missing.index, dtype="string")


def first_school_errors(issues: pd.DataFrame) -> pd.DataFrame:
    """Per campus, the first error of its school form in file order (file, sheet, row): the one the
    clerk fixes first (an error already fixed is not one)."""
    issues = current_issues(issues)
    errors = issues[(issues["severity"] == ERROR) & (issues["form"] == SCHOOLS.name)]
    ordered = errors.sort_values(["source_file", "sheet", "row_number"], kind="stable", na_position="first")
    return ordered.drop_duplicates(list(CAMPUS_KEY))[[*CAMPUS_KEY, "message_zh", "message_en"]]


def blocked_reasons(table: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """Per county: '学校名（code-campus）：first error' for every blocked campus, joined with ；."""
    labels = table.set_index("county_code")["blocked_campuses"].str.extractall(_LABEL)
    labels = labels.reset_index(level="county_code").reset_index(drop=True)
    labels = labels.merge(first_school_errors(issues), on=list(CAMPUS_KEY), how="left")
    labels["zh"] = labels["label"] + "：" + labels["message_zh"].fillna("（无校验错误记录）")
    labels["en"] = labels["label"] + ": " + labels["message_en"].fillna("(no validation error recorded)")
    grouped = labels.groupby("county_code", sort=False)
    return pd.DataFrame(
        {"blocked_first_errors_zh": grouped["zh"].agg("；".join), "blocked_first_errors_en": grouped["en"].agg("; ".join)}
    ).reset_index()


def clerk_message_zh(row, year: int, calendar: ProcedureCalendar = CALENDAR) -> str:
    deadline = f"{year}年{calendar.deadline_month}月{calendar.deadline_day}日"
    if row.status == OK:
        return f"应报 {row.expected} 个校区均已报送并通过校验，可按期（{deadline}前）上报自评报告。"
    problems = []
    if row.missing_count > 0:
        problems.append(f"{row.missing_count} 个校区未报送（{_first_names(row.missing_campuses, '等')}）")
    if row.blocked_count > 0:
        problems.append(f"{row.blocked_count} 个校区的学校基本情况表有错误被退回（{_first_names(row.blocked_campuses, '等')}）")
    if row.status == OVERDUE:
        when = f"报送截止时间（{deadline}前）已过"
    else:
        when = f"距报送截止（{deadline}前）还有 {row.days_left} 天"
    return f"{when}：" + "；".join(problems) + "。请督促学校补报或更正，详见数据质量问题表。"


def clerk_message_en(row, year: int, calendar: ProcedureCalendar = CALENDAR) -> str:
    deadline = calendar.deadline_date(year).strftime("%d %B %Y")
    if row.status == OK:
        return f"All {row.expected} expected campuses submitted and passed validation; the report can go before {deadline}."
    problems = []
    if row.missing_count > 0:
        problems.append(f"{row.missing_count} campus(es) have not submitted ({_first_names(row.missing_campuses, ' etc.')})")
    if row.blocked_count > 0:
        problems.append(
            f"{row.blocked_count} campus(es) had their school form rejected for errors ({_first_names(row.blocked_campuses, ' etc.')})"
        )
    if row.status == OVERDUE:
        when = f"The deadline (before {deadline}) has passed"
    else:
        when = f"{row.days_left} day(s) left before the deadline ({deadline})"
    return f"{when}: " + "; ".join(problems) + ". Ask the schools to submit or correct; see the data-quality issues table."


def _first_names(names: str, etc: str) -> str:
    labels = [match.group("label") for match in _LABEL.finditer(names)]
    shown = "、".join(labels[:NAMES_IN_MESSAGE])
    return shown + etc if len(labels) > NAMES_IN_MESSAGE else shown


def deadline_summary_markdown(status: pd.DataFrame, max_rows: int = 50) -> str:
    """The asset check's summary: how many counties are ok, need action or are overdue, then the
    counties that are not ok (overdue first, then fewest days left)."""
    counts = status["status"].value_counts()
    headline = " · ".join(f"**{kind}**: {int(counts.get(kind, 0))}" for kind in (OVERDUE, ACTION_NEEDED, OK))
    pending = status[status["status"] != OK]
    if pending.empty:
        return f"{headline}\n\n所有县区均已完整报送 / every county is complete."
    order = pending.assign(_late=pending["status"] == OVERDUE).sort_values(
        ["_late", "days_left", "county_code"], ascending=[False, True, True]
    )
    shown = order.head(max_rows)[["county_code", "status", "days_left", "missing_count", "blocked_count", "message_zh"]]
    more = len(order) - len(shown)
    tail = f"\n\n… 另有 {more} 个县区 / {more} more counties" if more > 0 else ""
    return f"{headline}\n\n{shown.to_markdown(index=False)}{tail}"

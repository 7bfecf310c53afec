"""Run each form's suite once and turn GX results into issue rows and per-form summaries.

Failing rows come from `result_format` COMPLETE on a frame with a positional index: GX's
`unexpected_index_list` is then the list of row positions, with no per-row Python and without
the extra cost of `unexpected_index_column_names` (measured: twice as slow at 4 million rows).

Issue rows people read are capped (`IntakeLimits.issue_rows_per_rule` per file, sheet, field and
rule, the rest one summary row), so 200,000 garbage rows cannot make 400,000 messages; what each
failure does to its record (rejected, or one value quarantined) is decided from `failed_records`,
every failing record and rule without messages, so the cap loses no rejection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from balanced_pipeline.contract.issues import (ERROR, WARNING, conform_issues, failed_rows,
                                               issues_for_rows, issues_frame, location_en, location_zh)
from balanced_pipeline.settings import IntakeLimits
from balanced_pipeline.validation._gx import new_context
from balanced_pipeline.validation.derive import derive_validation_columns
from balanced_pipeline.validation.suites import SEVERITY_TO_ISSUE, SuiteError, load_suite, suite_parameters
from balanced_pipeline.standards.loader import Standards
from great_expectations.constants import DATAFRAME_REPLACEMENT_STR
from great_expectations.core.run_identifier import RunIdentifier

RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
PREVIEW_ROWS = 10
PREVIEW_COLUMNS = ["row_number", "source_file", "sheet", "field", "value", "rule", "severity", "message_zh"]
_BULKY_RESULT_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")


@dataclass(frozen=True)
class FormSummary:
    """What an asset check needs: pass/fail, failing records per rule, a preview."""

    form: str
    passed: bool
    records: int
    expectations_run: int
    errors: int
    warnings: int
    failing_records_by_rule: dict[str, int]
    preview_markdown: str


@dataclass
class QualityReport:
    issues: pd.DataFrame
    """Issue rows to read: at most `issue_rows_per_rule` per file, sheet, field and rule, then one summary row."""
    summaries: dict[str, FormSummary]
    failed_records: pd.DataFrame = field(default_factory=issues_frame)
    """Every failure, one row per record and rule, issue-shaped with empty messages: what rejects
    records and quarantines values (`split_accepted`), never capped."""
    validation_results: dict[str, object] = field(default_factory=dict)
    """GX results per form, without the per-row lists (kept for Data Docs)."""

    @property
    def passed(self) -> bool:
        return all(summary.passed for summary in self.summaries.values())


def validate_forms(forms: dict[str, pd.DataFrame], standards: Standards,
                   issue_rows_per_rule: int = IntakeLimits().issue_rows_per_rule) -> QualityReport:
    """Validate every submitted form against its suite; thresholds come from `standards`."""
    frames = derive_validation_columns(forms, standards)
    parameters = suite_parameters(standards)
    context = new_context()
    issue_parts, failed_parts, summaries, results = [], [], {}, {}
    for form_name, frame in frames.items():
        result = run_suite(context, load_suite(form_name), frame, parameters)
        form_issues, form_failed = issues_from_result(result, frame, form_name, issue_rows_per_rule)
        issue_parts.append(form_issues)
        failed_parts.append(form_failed)
        summaries[form_name] = summarise(form_name, frame, form_issues, form_failed, len(result.results))
        results[form_name] = without_row_lists(result)
    issues = pd.concat(issue_parts, ignore_index=True) if issue_parts else issues_frame()
    failed = pd.concat(failed_parts, ignore_index=True) if failed_parts else issues_frame()
    return QualityReport(issues=issues, summaries=summaries, validation_results=results, failed_records=failed)


def run_suite(context, suite, frame: pd.DataFrame, parameters: dict[str, object]):
    """One GX validation of `frame` (positional index) by `suite`, as a dataframe asset named after it."""
    missing = sorted(set(suite.suite_parameter_options) - set(parameters))
    if missing:
        raise SuiteError(f"suite {suite.name} refers to parameters the standards do not define: {missing}")
    # Batch.validate, not a stored ValidationDefinition: this run's context keeps neither the suite nor the
    # result (with COMPLETE's list of every failing row, serialised once per form); Data Docs store the
    # result without its row lists. They show what the definition would add: the run and its batch parameters.
    batch = (context.data_sources.add_pandas(f"{suite.name} submissions").add_dataframe_asset(suite.name)
             .add_batch_definition_whole_dataframe("whole")
             .get_batch(batch_parameters={"dataframe": suite_columns(frame, suite)}))
    result = batch.validate(suite, result_format=RESULT_FORMAT, expectation_parameters=parameters)
    run_id = RunIdentifier(run_name=run_name(frame))
    result.meta.update(run_id=run_id, validation_time=run_id.run_time,
                       batch_parameters={"dataframe": DATAFRAME_REPLACEMENT_STR})
    return result


def suite_columns(frame: pd.DataFrame, suite) -> pd.DataFrame:
    """The columns of `frame` the suite's expectations name, same rows: GX copies and filters its
    batch per expectation, so unjudged columns (file, sheet, survey answers) would be copied each time.
    The rows keep their positions, which map the failures back to `frame`."""
    named = {column for expectation in suite.expectations for column in expectation_columns(expectation.configuration.kwargs)}
    return pd.DataFrame({column: frame[column] for column in frame.columns if column in named}, index=frame.index)


def run_name(frame: pd.DataFrame) -> str:
    years = sorted(frame["year"].dropna().unique()) if "year" in frame.columns else []
    return "quality " + ", ".join(str(year) for year in years)


def issues_from_result(result, frame: pd.DataFrame, form_name: str,
                       issue_rows_per_rule: int = IntakeLimits().issue_rows_per_rule) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(issue rows to read, capped; every failing record and rule, without messages)."""
    parts, row_failures = [], []
    for outcome in result.results:
        if outcome.success:
            continue
        expectation = outcome.expectation_config
        meta = expectation.meta
        severity = SEVERITY_TO_ISSUE[expectation.severity.value]
        rule_args = dict(form=form_name, field=meta["field"], rule=meta["rule"], severity=severity,
                         message_zh=meta["message_zh"], message_en=meta["message_en"])
        columns = expectation_columns(expectation.kwargs)
        exception_message = raised_exception(outcome.exception_info)
        if exception_message is not None:
            if not set(columns) <= set(frame.columns):
                continue  # an absent required column has its own rule; an absent optional one is not judged
            parts.append(table_issue(frame, value=exception_message, **rule_args))
            continue
        positions = outcome.result.get("unexpected_index_list")
        if positions is None:
            parts.append(table_issue(frame, value=str(outcome.result.get("observed_value", "")), **rule_args))
            continue
        value_column = meta["field"] if meta["field"] in frame.columns else columns[0]
        row_failures.append((positions, value_column, rule_args))
    whole_form = pd.concat(parts, ignore_index=True) if parts else issues_frame()
    shown, summaries, failed = capped_row_issues(frame, row_failures, issue_rows_per_rule)
    return (conform_issues(pd.concat([whole_form, *shown, summaries], ignore_index=True)),
            conform_issues(pd.concat([whole_form, *failed], ignore_index=True)))


def capped_row_issues(frame: pd.DataFrame, row_failures: list[tuple[list, str, dict]], limit: int
                      ) -> tuple[list[pd.DataFrame], pd.DataFrame, list[pd.DataFrame]]:
    """(issue rows with messages, the first `limit` per file, sheet, field and rule; one summary row
    per such group past it; every failure without messages). Two expectations of one rule and field
    share their group, so the limit holds per rule, not per expectation."""
    files = frame["source_file"].astype("string").fillna("") if "source_file" in frame.columns \
        else pd.Series("", index=frame.index, dtype="string")
    sheets = frame["sheet"].astype("string").fillna("") if "sheet" in frame.columns \
        else pd.Series("", index=frame.index, dtype="string")
    located = pd.concat([pd.DataFrame({
        "_failure": number, "_position": positions,
        "field": args["field"], "rule": args["rule"],
        "source_file": files.to_numpy()[positions], "sheet": sheets.to_numpy()[positions],
    }) for number, (positions, _, args) in enumerate(row_failures)] or [pd.DataFrame(
        columns=["_failure", "_position", "field", "rule", "source_file", "sheet"])], ignore_index=True)
    group = ["source_file", "sheet", "field", "rule"]
    located["_rank"] = located.groupby(group, sort=False).cumcount()
    shown, failed = [], []
    for number, (positions, value_column, args) in enumerate(row_failures):
        mine = located[located["_failure"] == number]
        kept = mine.loc[mine["_rank"] < limit, "_position"].to_numpy()
        shown.append(issues_for_rows(frame.take(kept), value_column=value_column, **args))
        failed.append(failed_rows(frame.take(positions), **args))
    past = located[located["_rank"] >= limit]
    severities = {(a["field"], a["rule"]): a for _, _, a in row_failures}
    summaries = [summary_issue(file, sheet, count, past_rows=past_group, frame=frame, **severities[(fld, rule)])
                 for (file, sheet, fld, rule), past_group in past.groupby(group, sort=False)
                 for count in [len(past_group)]]
    return shown, issues_frame(summaries), failed


def summary_issue(file: str, sheet: str, count: int, *, past_rows: pd.DataFrame, frame: pd.DataFrame, form: str,
                  field: str, rule: str, severity: str, message_zh: str, message_en: str) -> dict:
    """One issue for the `count` rows of a file and sheet past the limit (row_number empty: it speaks for
    the sheet); it keeps the county, school and campus the summarised rows share, so a county's
    summarised warnings still count against that county."""
    shared = {}
    for column in ("county_code", "school_code", "campus_code"):
        if column in frame.columns:
            values = frame[column].take(past_rows["_position"].to_numpy()).astype("string").fillna("").unique()
            shared[column] = values[0] if len(values) == 1 else ""
    rule_zh, rule_en = message_zh.replace("{value}", "…"), message_en.replace("{value}", "…")
    outcome_zh, outcome_en = (("这些行与上面列出的行处理相同（被拦截或该值不予采用）",
                               "they are handled like the rows listed (rejected, or the value not used)")
                              if severity == ERROR else ("仅作提示", "a warning only"))
    return {**shared, "form": form, "source_file": file, "sheet": sheet, "row_number": None, "field": field,
            "value": "", "rule": rule, "severity": severity,
            "message_zh": f"{location_zh(file, sheet, '')}规则 {rule}：还有 {count:,} 行存在同样问题（{rule_zh}），"
                          f"{outcome_zh}",
            "message_en": f"{location_en(file, sheet, '')}rule {rule}: and {count:,} more rows with the same problem "
                          f"({rule_en}); {outcome_en}."}


def raised_exception(exception_info: dict) -> str | None:
    """The message of an exception GX caught, at the top level or per metric; None if none was raised."""
    candidates = [exception_info, *(v for v in exception_info.values() if isinstance(v, dict))]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            return str(candidate.get("exception_message") or "")
    return None


def expectation_columns(kwargs: dict) -> list[str]:
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_list" in kwargs:
        return list(kwargs["column_list"])
    return [kwargs[key] for key in ("column_A", "column_B") if key in kwargs]


def table_issue(frame: pd.DataFrame, *, form: str, field: str, rule: str, severity: str,
                message_zh: str, message_en: str, value: str) -> pd.DataFrame:
    """One issue about the whole form (row_number empty), e.g. a missing column."""
    files = frame["source_file"].dropna().unique() if "source_file" in frame.columns else []
    return issues_frame([{
        "form": form,
        "source_file": files[0] if len(files) == 1 else "",
        "field": field,
        "value": value,
        "rule": rule,
        "severity": severity,
        "message_zh": message_zh.replace("{value}", value),
        "message_en": message_en.replace("{value}", value),
    }])


def summarise(form_name: str, frame: pd.DataFrame, issues: pd.DataFrame, failed: pd.DataFrame,
              expectations_run: int) -> FormSummary:
    """Counts from every failure (`failed`), the preview from the issue rows people read."""
    located = failed.drop_duplicates(["rule", "source_file", "sheet", "row_number"])
    errors = int((failed["severity"] == ERROR).sum())
    shown_errors = issues[issues["severity"] == ERROR]
    preview = pd.concat([shown_errors, issues[issues["severity"] == WARNING]]).head(PREVIEW_ROWS)
    return FormSummary(
        form=form_name,
        passed=errors == 0,
        records=len(frame),
        expectations_run=expectations_run,
        errors=errors,
        warnings=len(failed) - errors,
        failing_records_by_rule={rule: int(count) for rule, count in located["rule"].value_counts().items()},
        preview_markdown=markdown_table(preview[PREVIEW_COLUMNS]),
    )


def markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return ""
    def cell(value) -> str:
        return "" if pd.isna(value) else str(value).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def without_row_lists(result):
    for outcome in result.results:
        for key in _BULKY_RESULT_KEYS:
            outcome.result.pop(key, None)
    return result



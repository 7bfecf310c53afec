"""The benchmark runs the real job and the floor (its figures are read by people, not asserted here)."""

from balanced_pipeline.demo.benchmark import run_benchmark


def test_benchmark_runs_the_real_job_and_the_floor(tmp_path):
    result = run_benchmark(100, tmp_path)
    assert result.counties == 7 and result.rows["schools.csv"] == 100
    assert result.rows["survey_responses.parquet"] > 0 and result.rows["classes.csv"] > 0
    # every asset of the job ran, the county reports included
    assert {"staged_submissions", "county_reports"} <= set(result.steps["step"])
    assert result.job_seconds > result.floor_seconds > 0 and result.peak_tree_rss_mb > 50
    # 7 counties × 2 stages × the coefficient indicators
    assert result.coefficients == 7 * 2 * 7
    # the floor is the same arithmetic: it agrees wherever no broken row reaches a coefficient
    agreement, complete = result.agreement, result.agreement["evidence_complete"].astype(bool)
    assert len(agreement) == result.coefficients and complete.sum() > len(agreement) / 2
    assert agreement.loc[complete, "agrees_with_floor"].all()
    assert (tmp_path / "data").exists()

"""The benchmark script keeps working (its figures are read by people, not asserted here)."""

from balanced_pipeline.demo.benchmark import run_benchmark


def test_benchmark_measures_every_stage_against_the_baseline(tmp_path):
    table = run_benchmark(100, tmp_path)
    assert table["stage"].str.split(":").str[0].tolist() == [
        "baseline", "ingest", "quality", "indicators", "evaluation", "warehouse",
    ]
    assert table.loc[0, "ratio_to_baseline"] == 1.0
    assert (table["seconds"] > 0).all() and (table["peak_rss_mb"] > 0).all()
    assert table.attrs["rows"]["campuses"] >= 100

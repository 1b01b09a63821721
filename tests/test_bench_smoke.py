"""A small run of the benchmark, so it cannot rot: every row of the table is there and the
figures are sane (no timing assertions: performance lives in bench/RESULTS.md)."""

from __future__ import annotations

from bench.__main__ import main


def test_a_small_benchmark_run_prints_every_measure(tmp_path, capsys):
    results = main(["--scale", "0.002", "--workdir", str(tmp_path)])
    table = capsys.readouterr().out
    for measure in ("ingest rows/s", "ingest peak memory", "raw baseline",
                    "nightly pipeline, one night on a year", "step ingest_inbox",
                    "step eligibility", "five-year history ingest rows/s",
                    "weekly funnel, one suite", "weekly funnel, all suites",
                    "nightly, same night, 5 years / 1 year", "nightly peak memory",
                    "step referrals (5y | 1y)", "page inspector funnel all suites p95",
                    "page custody detention lookup p95", "page provider list p95",
                    "dtoa --help start"):
        assert measure in table
    ingest, baseline = results["ingest"], results["baseline"]
    assert ingest["rejected"] == 0 and ingest["inserted"] == ingest["rows"] == baseline["rows"]
    year = results["generate_year"]
    assert ingest["rows"] == year["detentions"] + year["tests"]
    assert abs(year["detentions"] - results["rows"]) < 0.05 * results["rows"]
    assert 0 < ingest["peak_mb"] < 500 and ingest["seconds"] > 0
    night = results["nightly"]["steps"]["ingest_inbox"]["summary"]
    assert night["files"] == 2 and night["rows_rejected"] == 0
    funnel = results["funnel"]
    assert funnel["history_detentions"] == results["generate_five_years"]["detentions"]
    everyone, one = funnel["sql_all_suites"], funnel["sql_one_suite"]
    assert everyone["detentions"] > 0 and everyone["detentions"] >= one["detentions"]
    assert everyone["in_scope"] >= everyone["eligible"] >= everyone["tested"] >= \
        everyone["positive"] > 0
    nights = results["scale_nights"]
    for history in ("one_year", "five_years"):  # the same night, on histories with requirements
        assert nights[history]["prepare"]["served"]["referrals"] > 0
        night_in = nights[history]["steps"]["ingest_inbox"]["summary"]
        assert night_in["files"] == 2 and night_in["rows_inserted"] == \
            results["scale_generate_night"]["detentions"] + results["scale_generate_night"]["tests"]
    assert all(page["requests"] > 0 and page["bytes"] > 0
               for page in results["scale_pages"].values())

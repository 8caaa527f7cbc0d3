from bench.hostile import CASES, QUICK, run_case


def test_a_case_runs_the_pipeline_and_reads_its_documents_row():
    result = run_case("txt-empty-lines", timeout=120)
    assert result["passed"] and (result["exit"], result["review_exit"]) == (0, 0)
    assert (result["status"], result["reason"]) == ("skipped", "only whitespace")


def test_a_case_over_its_time_limit_fails_as_a_timeout():
    result = run_case("txt-short-lines", timeout=0.5)
    assert not result["passed"] and result["status"] == "timeout" and result["exit"] is None


def test_every_case_is_of_a_tenth_of_a_megabyte_to_five():
    assert set(QUICK) <= set(CASES)
    for name, (suffix, build) in CASES.items():
        assert suffix in (".md", ".txt", ".html") and 100_000 < len(build().encode()) <= 5_000_000, name

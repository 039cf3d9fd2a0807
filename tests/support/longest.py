"""The tests that take longest, started first under xdist.

With 4 workers on 2 cores the suite is CPU-bound until its last minute; a test of 10-20 s that
a worker picks up late is then run alone while the other workers have nothing left, and the
session waits on it (measured on a loaded 2-core machine: one worker ended 35-40 s after the
three others, running tests/e2e/test_pytest_plugin.py's xdist runs). Started first, these
tests share the cores with the short ones instead, which fill in around them at the end.

Each entry is a test function's node id (every parametrization of it), measured on 2 cores as
seconds of wall or CPU, whichever is larger, heaviest first. A renamed test only loses its
place here: the order never changes what runs, nor what a test checks; within each group
pytest-randomly's order is kept.
"""

from __future__ import annotations

import pytest

LONGEST = (
    "tests/e2e/test_perf_memory.py::test_peak_at_50000_matching_cases_is_within_1_5x_of_2000",
    "tests/e2e/test_review_regressions.py::test_evaluating_a_big_case_does_not_eat_the_next_cases_timeout",
    "tests/unit/report/test_html_chunks.py::test_chunked_rendering_equals_whole_rendering",
    "tests/e2e/test_perf_memory_reports.py::test_every_report_format_at_10000_cases_is_within_1_3x_of_1000",
    "tests/e2e/test_perf_memory.py::test_matching_cases_do_not_keep_their_outputs",
    "tests/unit/run/test_fuzz_inputs.py::test_drawn_inputs_are_valid_and_bring_the_literal_classes",
    "tests/e2e/test_fuzz.py::test_numbers_example_finds_the_known_classes_from_the_schema_alone",
    "tests/e2e/test_shards.py::test_four_shards_and_a_merge_write_exactly_the_reports_of_one_run",
    "tests/e2e/test_hostile_inputs.py::test_a_report_template_that_would_exhaust_the_machine_fails_before_the_run",
    "tests/unit/verdict/test_plain_match.py::test_plain_path_gives_the_general_result",
    "tests/unit/rules/test_normalize.py::test_numbered_rows_in_any_order_match_exactly_when_the_forests_are_alike",
    "tests/e2e/test_browser_report.py::test_html_report_in_headless_chromium",
    "tests/unit/cli/test_public_api.py::test_a_markdown_run_loads_no_html_renderer",
    "tests/unit/spec/test_load_fuzz.py::test_random_structures_never_crash",
    "tests/e2e/test_ci_examples.py::test_the_github_workflow_runs_here",
    "tests/e2e/test_ci_examples.py::test_the_gitlab_pipeline_runs_here",
    "tests/unit/verdict/test_elementwise.py::test_property_same_results_as_whole_trees",
    "tests/e2e/test_verdict_timing.py::test_a_stream_helper_with_a_banner_never_lends_an_answer_to_another_case",
    "tests/unit/report/test_html_chunks.py::test_the_html_file_is_the_page_of_the_whole_markdown",
    "tests/e2e/test_baselines.py::test_a_live_target_and_its_own_recording_updated_after_a_deliberate_change",
    "tests/unit/run/test_order_property.py::test_target_order_never_changes_a_verdict",
    "tests/unit/run/test_fuzz_inputs.py::test_a_draft4_integer_stays_an_integer_literal",
    "tests/unit/rules/test_normalize.py::test_del_of_a_random_leaf_removes_exactly_that_leaf",
    "tests/unit/rules/test_normalize.py::test_identity_and_empty_scrub_keep_the_value_exact",
    "tests/unit/verdict/test_compare.py::test_shuffled_arrays_are_equal_as_multisets",
    "tests/e2e/test_bench_smoke.py::test_bench_smoke_prints_every_figure",
    "tests/unit/rules/test_normalize.py::test_any_string_compiles_or_raises_rule_error",
    "tests/e2e/test_shards.py::test_a_split_by_measured_durations_merges_into_the_same_reports",
    "tests/unit/verdict/test_plain_match.py::test_same_values_is_canonical_equality",
    "tests/unit/rules/test_perf_normalize.py::test_delete_everywhere_matches_the_general_path",
    "tests/unit/rules/test_perf_normalize.py::test_update_everywhere_matches_the_general_path",
    "tests/e2e/test_http_hostile.py::test_every_hostile_answer_is_read_as_curl_reads_it_or_is_an_error",
    "tests/unit/verdict/test_compare.py::test_a_changed_leaf_is_found_at_its_path_and_nowhere_else",
    "tests/e2e/test_pytest_plugin.py::test_two_xdist_workers_share_nothing_and_merge_the_reports",
    "tests/e2e/test_pytest_plugin.py::test_under_xdist_the_controller_annotates_each_case_once",
    "tests/e2e/test_shards.py::test_an_interrupted_shard_writes_what_it_did_and_merge_names_the_rest",
    "tests/e2e/test_baselines.py::test_command_recording_keeps_bytes_that_are_not_utf8",
    "tests/unit/core/test_jsonvalue.py::test_dumps_then_loads_gives_the_same_value",
    "tests/unit/rules/test_normalize.py::test_graphs_with_their_lists_in_any_order_match_exactly_when_isomorphic",
    "tests/unit/run/test_fuzz_inputs.py::test_inputs_come_from_the_schema_and_the_seed_alone",
    "tests/e2e/test_verdict_timing.py::test_two_three_second_helpers_both_answer_in_their_own_time",
)
_RANK = {name: rank for rank, name in enumerate(LONGEST)}


def longest_first(items: list[pytest.Item]) -> None:
    """The listed tests first, heaviest first; every other test after them, in the order it
    had (a stable sort)."""
    items.sort(key=lambda item: _RANK.get(item.nodeid.split("[", 1)[0], len(LONGEST)))

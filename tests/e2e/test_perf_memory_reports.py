"""Memory of writing the reports: every format is written as it is produced (measured in child
processes, peak RSS). Whole-document HTML took 56 MiB at 1,000 cases and 310 MiB at 20,000;
a JUnit tree of 20,000 test cases ~16 MiB more than at 1,000."""

from __future__ import annotations

from tests.e2e.test_perf_memory import peak_kib

EVERY_FORMAT = ("--varying", "--reports", "md", "html", "json", "junit")


def test_every_report_format_at_10000_cases_is_within_1_3x_of_1000() -> None:
    small, large = peak_kib(1_000, *EVERY_FORMAT), peak_kib(10_000, *EVERY_FORMAT)
    assert large <= 1.3 * small, f"{small} KiB at 1,000 cases, {large} KiB at 10,000"

"""What an import prints as it goes: how far, how fast, how long still."""

from __future__ import annotations

from redress.importers.cfpb import progress_line


def test_progress_gives_the_rate_and_the_time_left() -> None:
    assert progress_line(2_000, 20_000, 4.0) == (
        "  2,000 of 20,000 rows (10%), 500 rows/s, about 0 min 36 s left"
    )


def test_rows_an_earlier_run_accounted_for_count_for_how_far_not_for_how_fast() -> None:
    # 9,000 rows passed over at once, 3,000 handled in 10 s: 300 a second,
    # and the 8,000 still to come take 26 s more.
    assert progress_line(12_000, 20_000, 10.0, resumed=9_000) == (
        "  12,000 of 20,000 rows (60%), 300 rows/s, about 0 min 26 s left"
    )


def test_no_time_left_is_guessed_before_a_row_is_handled() -> None:
    assert progress_line(9_000, 20_000, 1.0, resumed=9_000) == (
        "  9,000 of 20,000 rows (45%), 0 rows/s"
    )

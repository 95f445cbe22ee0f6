"""What an import prints as it goes: how far, how fast, how long still."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from redress.importers.cfpb import Checkpoint, progress_line


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


def test_the_resume_point_is_saved_whole(tmp_path: Path) -> None:
    file = tmp_path / "history.csv"
    file.write_text("header\nrow\n", encoding="utf-8")
    checkpoint = Checkpoint(file, "127.0.0.1:50051")
    checkpoint.save(1_200)
    checkpoint.save(1_700)
    assert Checkpoint(file, "127.0.0.1:50051").resume_after() == 1_700
    # Only the resume point is left beside the file, never a half-written one.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "history.csv",
        "history.csv.import-progress",
    ]
    # An import killed while saving leaves its partial write aside: the
    # resume point read is still the last whole one.
    (tmp_path / "history.csv.import-progress.new").write_text('{"file": {"si', encoding="utf-8")
    assert Checkpoint(file, "127.0.0.1:50051").resume_after() == 1_700
    # Another platform, or the file changed since: start from the top.
    assert Checkpoint(file, "10.0.0.9:50051").resume_after() == 0
    file.write_text("header\nrow\nrow\n", encoding="utf-8")
    assert Checkpoint(file, "127.0.0.1:50051").resume_after() == 0


def test_a_save_cut_off_half_way_keeps_the_last_resume_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "history.csv"
    file.write_text("header\nrow\n", encoding="utf-8")
    checkpoint = Checkpoint(file)
    checkpoint.save(1_200)
    written = Path.write_text

    def cut_off(self: Path, data: str, *args: object, **kwargs: object) -> int:
        # The disk fills (or the process dies) after part of the text.
        written(self, data[: len(data) // 2], encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", cut_off)
    checkpoint.save(1_700)
    monkeypatch.undo()
    assert Checkpoint(file).resume_after() == 1_200

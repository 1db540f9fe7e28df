"""Atomic writes: a file appears whole or not at all, with the mode any new file of the process gets."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from textdistill_lab.io import atomic_write_bytes, atomic_write_json


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_written_file_gets_the_process_umask_like_open_would(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"x")
        with open(tmp_path / "b.bin", "wb") as handle:
            handle.write(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.bin").stat().st_mode) == stat.S_IMODE((tmp_path / "b.bin").stat().st_mode) == 0o640


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "result.json"
    atomic_write_json(target, {"a": 1})

    with pytest.raises(TypeError):  # fails inside the write, after the temporary file exists
        atomic_write_bytes(target, "text, not bytes")  # type: ignore[arg-type]
    assert target.read_text() == '{\n  "a": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]

from __future__ import annotations

import os

import pytest

from symconv.core.files import MARKER, write_output


def test_writes_with_marker_and_overwrites_its_own(tmp_path):
    target = tmp_path / "a.tex"
    write_output(target, "one\n")
    write_output(target, "two\n")
    assert target.read_text() == f"{MARKER}\ntwo\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.tex"]  # no temporary left behind


def test_refuses_a_foreign_file_unless_forced(tmp_path):
    target = tmp_path / "notes.tex"
    target.write_text("my own notes\n")
    with pytest.raises(
        FileExistsError, match="notes.tex exists and was not written by symconv; pass --force"
    ):
        write_output(target, "x")
    assert target.read_text() == "my own notes\n"
    write_output(target, "x", force=True)
    assert target.read_text().startswith(MARKER)


def test_missing_folder_and_folder_target(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_output(tmp_path / "no" / "a.tex", "x")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        write_output(tmp_path, "x", force=True)


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "a.tex"
    write_output(target, "old\n")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_output(target, "new\n")
    assert target.read_text() == f"{MARKER}\nold\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.tex"]

from __future__ import annotations

import errno
import os
import stat
import tempfile

import pytest

from symconv.core.files import (
    MARKER,
    OutputError,
    check_output,
    copy_output,
    describe_os_error,
    header_line,
    ownership,
    split_header,
    write_output,
)


def test_writes_with_marker_and_overwrites_its_own(tmp_path):
    target = tmp_path / "a.tex"
    write_output(target, "one\n")
    write_output(target, "two\n")
    assert target.read_text() == f"{header_line('two' + chr(10))}\ntwo\n"
    assert target.read_text().startswith(MARKER + ", sha256 ")
    assert split_header(target.read_text()) == (header_line("two\n"), "two\n")
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


def test_hand_edits_are_kept_unless_forced(tmp_path):
    target = tmp_path / "a.tex"
    write_output(target, "\\section{A}\n")
    assert ownership(target) == "ours"
    edited = target.read_text().replace("{A}", "{A, with my note}")
    target.write_text(edited)
    assert ownership(target) == "edited"
    with pytest.raises(
        FileExistsError,
        match="a.tex was changed since symconv wrote it .*; pass --force",
    ):
        write_output(target, "\\section{B}\n")
    assert target.read_text() == edited
    write_output(target, "\\section{B}\n", force=True)
    assert ownership(target) == "ours"


def test_files_of_older_versions_without_a_hash_are_still_ours(tmp_path):
    target = tmp_path / "old.tex"
    target.write_text(f"{MARKER}\nold\n")
    assert ownership(target) == "ours"
    write_output(target, "new\n")
    assert target.read_text().endswith("\nnew\n")


def test_missing_folder_and_folder_target(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_output(tmp_path / "no" / "a.tex", "x")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        write_output(tmp_path, "x", force=True)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        check_output(tmp_path / "file" / "a.tex")
    with pytest.raises(ValueError, match="the output file name is empty"):
        check_output("")


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "a.tex"
    write_output(target, "old\n")
    before = target.read_text()

    def broken(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OutputError, match=r"cannot write .*a\.tex: No space left on device"):
        write_output(target, "new\n")
    assert target.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.tex"]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.EACCES, "Permission denied"),
        (errno.EROFS, "Read-only file system"),
        (errno.ENOSPC, "No space left on device"),
    ],
)
def test_unwritable_folders_are_found_before_writing(tmp_path, monkeypatch, code, reason):
    def refused(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(tmp_path / ".a.tex.x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(OutputError) as info:
        check_output(tmp_path / "a.tex")
    # One line naming the file asked for (not the temporary) and the system's reason.
    assert str(info.value) == f"cannot write {tmp_path / 'a.tex'}: {reason}"
    assert info.value.errno == code
    assert describe_os_error(info.value) == str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_output(tmp_path / "a.tex", "x\n")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        pdf = copy_output(path, tmp_path / "a.pdf")
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o644
        os.umask(0o027)
        assert stat.S_IMODE(write_output(tmp_path / "b.tex", "x\n").stat().st_mode) == 0o640
        os.chmod(path, 0o664)  # a file's own mode is kept when symconv replaces it
        assert stat.S_IMODE(write_output(path, "y\n").stat().st_mode) == 0o664
    finally:
        os.umask(old)

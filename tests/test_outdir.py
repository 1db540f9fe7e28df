"""Output folders: never the root or home, never someone else's files, one run at a time, nothing left by a refusal."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from conftest import assert_one_error, run_cli
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.outdir import LOCK, MARKER, OutputFolderError, check_folder, claim, folder_kind

TINY = ("--per-class", "2", "--outer-steps", "2", "--steps", "2", "--validate-every", "2", "--validate-inits", "1",
        "--real-batch", "32")


def test_root_and_home_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    for folder in ("/", tmp_path, "~"):
        with pytest.raises(OutputFolderError, match="refusing to write into"):
            check_folder(folder, "distill", overwrite=True)  # not even with --overwrite


def test_distill_out_root_is_refused_before_any_work(capsys, monkeypatch, toy_files):
    def no_loading(request):
        raise AssertionError("data was loaded before --out was checked")

    monkeypatch.setattr("textdistill_lab.cli.commands._load_data", no_loading)
    code, _, err = run_cli(capsys, "distill", toy_files[0], "--vectors", toy_files[1], "--out", "/")
    assert code == 2
    assert_one_error(err)
    assert not Path("/card.json").exists() and not Path(f"/{MARKER}").exists()


def test_a_foreign_non_empty_folder_is_refused_unless_overwrite(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputFolderError, match="not made by textdistill"):
        check_folder(tmp_path, "distill")
    assert check_folder(tmp_path, "distill", overwrite=True) == tmp_path
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_folder(empty, "distill") == empty and check_folder(tmp_path / "new", "distill") == tmp_path / "new"


def test_a_file_is_not_a_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputFolderError, match="is a file"):
        check_folder(tmp_path / "f", "demo", overwrite=True)


def test_a_set_saved_from_python_is_not_overwritten_by_distill(tmp_path, toy_files, capsys):
    saved = DistilledSet(torch.zeros(3, 4, 8), torch.eye(3), ["a", "b", "c"]).save(tmp_path / "mine")
    before = (saved / "card.json").read_bytes()
    code, _, err = run_cli(capsys, "distill", toy_files[0], "--vectors", toy_files[1], "--out", str(saved))
    assert code == 2 and "not made by textdistill" in err and "--overwrite" in err
    assert (saved / "card.json").read_bytes() == before and sorted(p.name for p in saved.iterdir()) == [
        "card.json", "distilled.safetensors"]


def test_each_command_writes_only_into_its_own_kind_of_folder(run_dir, toy_files, capsys):  # noqa: F811
    before = (run_dir / "run.json").read_text()
    assert folder_kind(run_dir) == "distill"
    code, _, err = run_cli(capsys, "baseline", toy_files[0], "--vectors", toy_files[1], "--out", str(run_dir))
    assert code == 2
    assert_one_error(err)
    assert "holds the output of `textdistill distill`" in err
    assert (run_dir / "run.json").read_text() == before
    code, _, err = run_cli(capsys, "distill", "--resume", str(run_dir.parent / "nothing"))
    assert code == 2


def test_claim_marks_the_folder_and_leaves_nothing_when_the_body_fails_early(tmp_path):
    with claim(tmp_path / "a", "baseline") as folder:
        (folder / "subset.json").write_text("{}")
    assert folder_kind(tmp_path / "a") == "baseline"
    with pytest.raises(RuntimeError), claim(tmp_path / "b" / "c" / "d", "distill"):
        raise RuntimeError("bad input found late")
    assert not (tmp_path / "b").exists()  # nor the parents it made


def test_claim_removes_stale_temp_files(tmp_path):
    with claim(tmp_path / "run", "distill") as folder:
        (folder / "checkpoint").mkdir()
        stale = [folder / ".run.json.x1.tmp", folder / "checkpoint" / ".checkpoint.safetensors.x2.tmp"]
        for path in stale:
            path.write_text("half written")
    with claim(tmp_path / "run", "distill"):
        assert not any(path.exists() for path in stale)


HOLDER = textwrap.dedent("""
    import sys, time
    from textdistill_lab.outdir import claim
    with claim(sys.argv[1], "distill"):
        print("held", flush=True)
        sys.stdin.read()  # hold the folder until the test closes stdin
""")


@pytest.fixture()
def held_folder(tmp_path):
    """A folder locked by a second, real process for as long as the test runs."""
    folder = tmp_path / "busy"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield folder
    holder.stdin.close()
    assert holder.wait(timeout=30) == 0


def test_a_second_process_cannot_write_into_a_held_folder(held_folder, toy_files, capsys):
    with pytest.raises(OutputFolderError, match="in use by another textdistill run"):
        with claim(held_folder, "distill"):
            pass
    code, _, err = run_cli(capsys, "-q", "distill", toy_files[0], "--vectors", toy_files[1], *TINY,
                           "--out", str(held_folder))
    assert code == 2
    assert_one_error(err)
    assert "in use by another textdistill run" in err
    assert sorted(p.name for p in held_folder.iterdir()) == sorted([MARKER, LOCK])


def test_a_run_refused_for_bad_input_leaves_nothing_and_the_rerun_works(tmp_path, toy_files, capsys):
    out = tmp_path / "run"
    code, _, err = run_cli(capsys, "distill", toy_files[0], "--vectors", toy_files[1], "--out", str(out),
                           "--per-class", "1000")  # more per class than the toy training split holds
    assert code == 2, err
    assert not out.exists()
    code, _, err = run_cli(capsys, "-q", "distill", toy_files[0], "--vectors", toy_files[1], *TINY, "--out", str(out))
    assert code == 0, err


def test_a_run_failing_before_its_first_step_leaves_nothing(tmp_path, toy_files, capsys, monkeypatch):
    from textdistill_lab.distill.distiller import Distiller

    def fails(self, *args, **kwargs):
        raise ValueError("found bad input while setting up")

    monkeypatch.setattr(Distiller, "fit", fails)
    out = tmp_path / "run"
    code, _, _ = run_cli(capsys, "distill", toy_files[0], "--vectors", toy_files[1], "--out", str(out))
    assert code == 2 and not out.exists()


def test_a_failed_resume_leaves_the_finished_run_as_it_was(run_dir, capsys, monkeypatch):  # noqa: F811
    from textdistill_lab.distill.distiller import Distiller

    before = (run_dir / "run.json").read_text()

    def fails(self, *args, **kwargs):
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(Distiller, "fit", fails)
    code, _, _ = run_cli(capsys, "distill", "--resume", str(run_dir), "--outer-steps", "3")
    assert code == 1
    assert (run_dir / "run.json").read_text() == before
    assert json.loads(before)["status"] == "done"


def test_overwrite_replaces_a_finished_run(run_dir, toy_files, capsys):  # noqa: F811
    code, _, err = run_cli(capsys, "-q", "distill", toy_files[0], "--vectors", toy_files[1], *TINY,
                           "--outer-steps", "1", "--out", str(run_dir), "--overwrite")
    assert code == 0, err
    assert json.loads((run_dir / "run.json").read_text())["metrics"]["steps_done"] == 1


def test_demo_checks_out_before_any_work(tmp_path, toy_files, capsys, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("the demo ran before --out was checked")

    monkeypatch.setattr("textdistill_lab.demo.run_demo", no_work)
    (tmp_path / "a-file").write_text("x")
    code, _, err = run_cli(capsys, "demo", "--dataset", toy_files[0], "--vectors", toy_files[1], "--smoke",
                           "--out", str(tmp_path / "a-file"))
    assert code == 2
    assert_one_error(err)
    assert "is a file" in err


def test_demo_takes_a_users_test_file(tmp_path, toy_files, capsys, monkeypatch):
    import textdistill_lab.demo

    seen = {}

    def record(config, *, dataset, vectors, progress):
        seen["dataset"] = dataset
        raise KeyboardInterrupt  # enough: the demo got the dataset the options describe

    monkeypatch.setattr(textdistill_lab.demo, "run_demo", record)
    test_file = tmp_path / "held-out.csv"
    test_file.write_text(Path(toy_files[0].partition(":")[2]).read_text())
    code, _, _ = run_cli(capsys, "demo", "--dataset", toy_files[0], "--vectors", toy_files[1], "--smoke",
                         "--test-file", str(test_file), "--name", "topics", "--out", str(tmp_path / "demo"))
    assert code == 130
    assert seen["dataset"].name == "topics" and seen["dataset"].notes["test_split"] == "file held-out.csv"
    assert not (tmp_path / "demo").exists()  # interrupted before writing: nothing left


def test_decode_does_not_replace_an_existing_page(run_dir, capsys):  # noqa: F811
    page = run_dir.parent / "page.html"
    page.write_text("mine")
    code, _, err = run_cli(capsys, "decode", str(run_dir), "--html", str(page))
    assert code == 2 and "--overwrite" in err and page.read_text() == "mine"

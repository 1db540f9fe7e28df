"""The `textdistill` command: help texts, one-line errors with exit codes, and each subcommand end to end."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import assert_one_error, parse, plotlyjs_copies, run_cli
from textdistill_lab import cli
from textdistill_lab.distill import DistillConfig

SUBCOMMANDS = ("datasets", "vectors", "distill", "evaluate", "baseline", "decode", "reproduce", "demo")


# ---------------------------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help_with_defaults(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert out.startswith("usage: textdistill " + command)
    sub = cli.build_parser()._subparsers._group_actions[0].choices[command]
    formatter = sub._get_formatter()
    for action in sub._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, f"{command} {action.option_strings} has no help text"
            assert "default" in formatter._get_help_string(action), f"{command} {action.option_strings} hides its default"


def test_distill_help_lists_every_config_field(capsys):
    with pytest.raises(SystemExit):
        cli.main(["distill", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for field in dataclasses.fields(DistillConfig):
        assert field.metadata.get("help"), f"DistillConfig.{field.name} needs a help text in its field metadata"
        flag = cli.option_flag(field.name)
        assert flag in out, f"DistillConfig.{field.name} has no `distill` option"
    assert f"(default: {DistillConfig().outer_steps})" in out  # the default comes from DistillConfig itself
    assert "--resume DIR" in out and "--max-memory" in out


def test_top_level_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in SUBCOMMANDS:
        assert command in out


# ---------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "argv, fragment",
    [
        ([], "the following arguments are required: COMMAND"),
        (["distil"], "invalid choice: 'distil'"),
        (["distill", "trec", "--per-class", "ten"], "--per-class: invalid int value: 'ten'"),
        (["distill", "trec", "--method", "magic"], "--method: invalid choice: 'magic'"),
        (["demo", "--no-such-option"], "unrecognized arguments: --no-such-option"),
        (["reproduce", "table3"], "invalid choice: 'table3'"),
        (["distill"], "distill needs a DATASET"),
        *([(["demo", "--device", "cuda"], "no CUDA device")] if not torch.cuda.is_available() else []),
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, argv, fragment):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert_one_error(err)
    assert fragment in err


def test_bad_input_from_the_library_is_a_usage_error(capsys, tmp_path):
    (tmp_path / "model.pt").write_bytes(b"\x80\x04not a distilled set")
    code, _, err = run_cli(capsys, "decode", str(tmp_path / "model.pt"))
    assert code == 2
    assert_one_error(err)
    assert "pickle" in err


def test_not_a_run_folder(capsys, tmp_path):
    code, _, err = run_cli(capsys, "evaluate", str(tmp_path))
    assert code == 2
    assert_one_error(err)
    assert "neither a distilled set nor a baseline" in err


@pytest.mark.parametrize("option", [["--test-file", "t.csv"], ["--max-len", "9"], ["--vectors", "random:8"], ["--overwrite"]])
def test_resume_refuses_data_and_folder_options_too(capsys, tmp_path, option):
    code, _, err = run_cli(capsys, "distill", "--resume", str(tmp_path), *option)
    assert code == 2
    assert_one_error(err)
    assert f"drop {option[0]}" in err


def test_resume_refuses_options_that_would_change_the_result(capsys, tmp_path):
    code, _, err = run_cli(capsys, "distill", "--resume", str(tmp_path), "--outer-lr", "0.5", "--outer-steps", "5")
    assert code == 2
    assert_one_error(err)
    assert "drop --outer-lr" in err and "--outer-steps" in err.splitlines()[1]  # outer steps may grow on resume


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_before_or_after_the_subcommand(capsys, tmp_path, where):
    argv = ["evaluate", str(tmp_path)]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert "Traceback" in err and "UsageError" in err
    assert err.strip().splitlines()[-2].startswith("error: ")


@pytest.mark.parametrize(
    "error, fragments",
    [
        (ZeroDivisionError("division by zero"), ["unexpected ZeroDivisionError", "--debug"]),
        (ConnectionError("ag_news needs internet"), ["ag_news needs internet", "offline"]),
        (MemoryError("unroll needs 40 GB"), ["unroll needs 40 GB", "smaller sizes"]),
    ],
)
def test_runtime_failures_exit_1_without_traceback(capsys, monkeypatch, error, fragments):
    def fail(args):
        raise error

    monkeypatch.setattr(cli.commands, "cmd_datasets", fail)
    code, _, err = run_cli(capsys, "datasets")
    assert code == 1
    assert_one_error(err)
    for fragment in fragments:
        assert fragment in err


@pytest.mark.parametrize(
    "argv, wanted, unwanted",
    [
        (["distill", "trec"], "--backend backgradient", None),  # the default back-end is unroll
        (["distill", "trec", "--backend", "backgradient"], "--steps", "--backend"),
        (["evaluate", "runs/x"], "--max-len", "--backend"),
        (["decode", "runs/x"], "--vocab dataset", "--backend"),
    ],
)
def test_memory_hints_name_options_of_the_command_at_hand(capsys, monkeypatch, argv, wanted, unwanted):
    def out_of_memory(args):
        raise MemoryError("needs 40 GB")

    monkeypatch.setattr(cli.commands, f"cmd_{argv[0]}", out_of_memory)
    code, _, err = run_cli(capsys, *argv)
    hint = err.splitlines()[1]
    assert code == 1 and wanted in hint
    assert unwanted is None or unwanted not in hint


def test_library_messages_are_spelt_as_the_commands_options(capsys, monkeypatch):
    def out_of_memory(args):
        raise MemoryError("use backend='truncated' or raise max_memory_gb=2")

    monkeypatch.setattr(cli.commands, "cmd_distill", out_of_memory)
    code, _, err = run_cli(capsys, "distill", "trec")
    assert code == 1 and "use --backend 'truncated' or raise --max-memory 2" in err


def test_a_value_error_that_already_names_flags_is_not_spelt_twice(capsys):
    code, _, err = run_cli(capsys, "distill", "trec", "--word-penalty", "1", "--words", "frequent")
    assert code == 2 and "--word-penalty applies to --words=free only" in err and "----" not in err


def test_interrupt_exits_130_and_says_how_to_resume(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.commands, "cmd_distill", interrupted)
    code, _, err = run_cli(capsys, "distill", "trec")
    assert code == 130
    assert_one_error(err)
    assert "--resume" in err


def test_module_entry_point_runs_in_a_subprocess():
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "textdistill_lab", "demo", "--per-class", "0x"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    assert_one_error(done.stderr)
    assert "--per-class: invalid int value: '0x'" in done.stderr


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("textdistill 0.")


# ---------------------------------------------------------------------------------------------- commands end to end


@pytest.mark.parametrize("argv", [["--help"], ["datasets", "--json"]])
def test_help_and_datasets_do_not_import_torch_pandas_or_plotly(argv):
    """The light package root: listing and help start in a fraction of a second."""
    script = ("import sys\nfrom textdistill_lab.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in ('torch', 'pandas', 'plotly') if m in sys.modules), file=sys.stderr)")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, env=env, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
    assert done.stdout


def test_datasets_lists_offline_and_hub_datasets(capsys):
    code, out, _ = run_cli(capsys, "datasets")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:4] == ["name", "classes", "train_size", "test_size"]
    names = [row.split()[0] for row in rows]
    assert names[0] == "trec" and "ag_news" in names
    ag_news = next(row for row in rows if row.startswith("ag_news "))
    assert "needs internet (HF_HUB_OFFLINE is set)" in ag_news  # conftest sets the offline flags
    code, out, _ = run_cli(capsys, "datasets", "--json")
    by_name = {row["name"]: row for row in json.loads(out)}
    assert by_name["trec"]["classes"] == 6 and by_name["ag_news"]["available_offline"] is False


def test_vectors_lists_the_named_vectors(capsys):
    code, out, _ = run_cli(capsys, "vectors", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["glove-6b-50d"]["dim"] == 50 and rows["glove-6b-50d"]["words"] == 400_000


def test_distill_writes_the_set_and_a_run_card(run_dir, toy_files):
    from textdistill_lab.distilled_set import DistilledSet

    distilled = DistilledSet.load(run_dir)
    assert distilled.data.shape[:1] == (6,) and distilled.class_names == ["0", "1", "2"]
    card = json.loads((run_dir / "run.json").read_text())
    assert card["status"] == "done"
    assert card["request"]["dataset"] == toy_files[0] and card["request"]["config"]["outer_steps"] == 2
    assert card["metrics"]["steps_done"] == 2
    assert card["timings"]["distill_s"] > 0 and card["dataset"]["fingerprint"] == distilled.dataset_fingerprint


def test_a_time_budget_stops_a_run_and_says_so(tmp_path, toy_files, capsys):
    name, vectors = toy_files
    code, stdout, err = run_cli(capsys, "-q", "distill", name, "--vectors", vectors, "--per-class", "2", "--steps", "2",
                                "--outer-steps", "500", "--max-minutes", "1e-9", "--real-batch", "32", "--out",
                                str(tmp_path / "run"))
    assert code == 0, err
    assert "stopped by --max-minutes 1e-09 after 1 of 500 outer steps" in stdout
    card = json.loads((tmp_path / "run" / "run.json").read_text())
    assert card["metrics"]["stopped_by_time"] is True and card["metrics"]["steps_done"] == 1


def test_distill_refuses_to_overwrite_a_run(run_dir, toy_files, capsys):
    before = (run_dir / "run.json").read_text()
    code, _, err = run_cli(capsys, "distill", toy_files[0], "--vectors", toy_files[1], "--out", str(run_dir))
    assert code == 2
    assert_one_error(err)
    assert "already holds a distillation run" in err and "--resume" in err
    assert (run_dir / "run.json").read_text() == before  # nothing on disk changed


def test_resume_continues_to_more_outer_steps(run_dir, capsys):
    code, stdout, err = run_cli(capsys, "-q", "distill", "--resume", str(run_dir), "--outer-steps", "3")
    assert code == 0, err
    card = json.loads((run_dir / "run.json").read_text())
    assert card["status"] == "done" and card["metrics"]["steps_done"] == 3
    assert card["request"]["config"]["outer_steps"] == 3


def test_interrupted_distill_keeps_the_best_set_and_says_how_to_resume(tmp_path, toy_files, capsys, monkeypatch):
    from textdistill_lab.distill.distiller import Distiller
    from textdistill_lab.distill.guards import DistillInterrupted
    from textdistill_lab.distilled_set import DistilledSet

    best = DistilledSet(torch.zeros(3, 10, 8), torch.eye(3), ["0", "1", "2"], metrics={"steps_done": 1})

    def interrupted(self, *args, **kwargs):
        raise DistillInterrupted("distillation interrupted after step 1", distilled=best)

    monkeypatch.setattr(Distiller, "fit", interrupted)
    out = tmp_path / "run"
    code, _, err = run_cli(capsys, "distill", toy_files[0], "--vectors", toy_files[1], "--out", str(out))
    assert code == 130
    assert_one_error(err)
    assert "interrupted after step 1" in err and f"textdistill distill --resume {out}" in err
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
    assert DistilledSet.load(out).num_samples == 3


def test_evaluate_prints_mean_and_std_and_writes_curves(run_dir, capsys):
    code, stdout, err = run_cli(capsys, "-q", "evaluate", str(run_dir), "--seeds", "2", "--out", str(run_dir / "ev"))
    assert code == 0, err
    line = stdout.splitlines()[0]
    assert re.search(r"test accuracy \d+\.\d ± \d+\.\d% \(2 seeds, textcnn, replay", line), line
    curves = json.loads((run_dir / "ev" / "curves.json").read_text())
    assert curves["seeds"] == [0, 1] and curves["meta"]["mode"] == "replay"
    table = pd.read_csv(run_dir / "ev" / "curves.csv")
    assert list(table.columns) == ["label", "seed", "epoch", "val_acc", "test_acc"]
    assert len(table) == 2 * len(curves["eval_epochs"])
    mean = 100 * np.mean([row[-1] for row in curves["test_acc"]])  # one evaluated epoch: the selected one
    assert f"{mean:.1f} ±" in line


def test_evaluate_refuses_another_split(run_dir, capsys):
    code, _, err = run_cli(capsys, "evaluate", str(run_dir), "--data-seed", "3")
    assert code == 2
    assert_one_error(err)
    assert "fingerprint" in err
    assert "pass --test-file to the `distill`" in err  # how to score on one's own test file
    code, _, err = run_cli(capsys, "evaluate", str(run_dir / "card.json"), "--data-seed", "3")
    assert code == 2 and "fingerprint" in err  # a file of the set names its folder


def test_decode_prints_words_and_writes_a_shaded_page(run_dir, capsys):
    page_path = run_dir / "decoded.html"
    code, stdout, err = run_cli(capsys, "decode", str(run_dir), "--top-k", "3", "--show", "1", "--fidelity-seeds", "1",
                                "--device", "cpu", "--html", str(page_path))
    assert code == 0, err
    assert stdout.startswith("[0] ") and "distinctive" in stdout
    assert [line[:4] for line in stdout.splitlines()[:3]] == ["[0] ", "[1] ", "[2] "]  # one sample per class
    assert "\033[" not in stdout  # not a terminal: no colour codes
    assert "decode fidelity: distilled " in stdout and "decoded/distilled" in stdout
    assert "TF-IDF + linear SVM on decoded texts" in stdout  # the reference model, not a second TF-IDF
    page = parse(page_path.read_text(encoding="utf-8"))
    assert page.headings[1:] == ["Decoded samples", "What survives decoding",
                                 "What a bag-of-words model learns from the decoded texts",
                                 "Per class: decoded vs distinctive real words"]
    assert page_path.read_text(encoding="utf-8").count('class="td-sample"') == 3
    assert page.tables[0][3][0] == "decoded / distilled"
    assert [row[0] for row in page.tables[-1][1:]] == ["0", "1", "2"]


def test_decode_shades_words_on_request_and_can_skip_fidelity(run_dir, capsys):
    code, stdout, err = run_cli(capsys, "decode", str(run_dir), "--color", "always", "--fidelity-seeds", "0")
    assert code == 0, err
    assert "\033[97;48;5;" in stdout and "brighter blue = closer" in stdout
    assert "decode fidelity" not in stdout
    code, _, err = run_cli(capsys, "decode", str(run_dir), "--show", "0")
    assert code == 2 and "--show must be from 1 to 1,000" in err


def test_baseline_selects_saves_and_evaluates(tmp_path, toy_files, capsys):
    out = tmp_path / "herding"
    code, stdout, err = run_cli(capsys, "-q", "baseline", toy_files[0], "--vectors", toy_files[1], "--kind", "herding",
                                "--per-class", "2", "--seeds", "1", "--epochs", "2", "--out", str(out))
    assert code == 0, err
    assert stdout.startswith("herding: 6 training texts") and "test accuracy" in stdout
    saved = json.loads((out / "subset.json").read_text())
    assert len(saved["indices"]) == 6 and saved["card"]["method"] == "herding"
    code, stdout, _ = run_cli(capsys, "-q", "evaluate", str(out), "--seeds", "1", "--epochs", "1")
    assert code == 0 and "(1 seed, textcnn, standard" in stdout


def test_demo_command_prints_the_table_and_writes_the_report(tmp_path, toy_files, capsys):
    out = tmp_path / "demo"
    code, stdout, err = run_cli(capsys, "-q", "demo", "--dataset", toy_files[0], "--vectors", toy_files[1],
                                "--smoke", "--seeds", "1", "--out", str(out))
    assert code == 0, err
    lines = stdout.splitlines()
    assert lines[0].startswith("training set") and lines[2].startswith("TF-IDF + linear SVM")
    assert lines[3].startswith("full data")
    assert any(line.startswith("distilled 2/class") for line in lines)
    assert "What the distilled samples decode to" in stdout and f"report: {out / 'report.html'}" in stdout
    page = parse((out / "report.html").read_text(encoding="utf-8"))
    assert plotlyjs_copies(page) == 1 and len(page.figure_ids) == 2


def test_local_files_with_own_columns_a_test_file_and_the_split_named(tmp_path, toy_files, capsys):
    """A user's folder `news/` with train.csv and test.csv in columns of their own naming."""
    toy = pd.read_csv(toy_files[0].partition(":")[2]).rename(columns={"text": "headline", "label": "topic"})
    (tmp_path / "news").mkdir()
    toy.iloc[::4].to_csv(tmp_path / "news" / "test.csv", index=False)
    toy.drop(toy.index[::4]).to_csv(tmp_path / "news" / "train.csv", index=False)
    out = tmp_path / "random"
    code, _, err = run_cli(capsys, "baseline", f"csv:{tmp_path / 'news' / 'train.csv'}", "--vectors", toy_files[1],
                           "--per-class", "2", "--seeds", "1", "--epochs", "1", "--out", str(out))
    assert code == 2 and "no column(s)" in err and "--text-column" in err  # the hint names options that exist
    options = ("--test-file", str(tmp_path / "news" / "test.csv"), "--text-column", "headline", "--label-column", "topic")
    code, stdout, err = run_cli(capsys, "-q", "baseline", f"csv:{tmp_path / 'news' / 'train.csv'}", *options,
                                "--vectors", toy_files[1], "--per-class", "2", "--seeds", "1", "--epochs", "1",
                                "--out", str(out))
    assert code == 0, err
    assert "training texts of news" in stdout and "on news: test accuracy" in stdout
    assert f"test split: {len(toy.iloc[::4])} texts (file test.csv)" in stdout
    code, stdout, err = run_cli(capsys, "-q", "evaluate", str(out), "--seeds", "1", "--epochs", "1")
    assert code == 0, err  # the run card says how the data was loaded, test file and columns included
    assert "(file test.csv)" in stdout


def test_text_from_files_is_printed_escaped_never_obeyed(tmp_path, toy_files, capsys):
    """A class name carrying an ANSI escape (e.g. one that clears the screen) is shown, not executed."""
    toy = pd.read_csv(toy_files[0].partition(":")[2])
    toy["label"] = toy["label"].map({0: "sport\x1b[2J", 1: "money\u202e", 2: "science"})
    toy.to_csv(tmp_path / "evil.csv", index=False)
    out = tmp_path / "random"
    code, stdout, err = run_cli(capsys, "-q", "baseline", f"csv:{tmp_path / 'evil.csv'}", "--vectors", toy_files[1],
                                "--name", "news\x1b]0;owned\x07", "--per-class", "2", "--seeds", "1", "--epochs", "1",
                                "--out", str(out))
    assert code == 0, err
    assert "\x1b" not in stdout and "\x07" not in stdout and "news\\x1b]0;owned\\x07" in stdout
    code, _, err = run_cli(capsys, "evaluate", str(out), "--test-file", str(tmp_path / "missing\x1b[2J.csv"))
    assert code == 2 and "\x1b" not in err and "missing\\x1b[2J.csv" in err


RESUME, EVALUATE = ["distill", "--resume", "{run}", "--outer-steps", "3"], ["evaluate", "{run}"]


@pytest.mark.parametrize("edit, fragment, commands", [
    (lambda card: [card], 'has no "request" object', (RESUME, EVALUATE)),
    (lambda card: {**card, "request": {**card["request"], "dataset": 5}}, "invalid 'dataset'", (RESUME, EVALUATE)),
    (lambda card: {**card, "request": {k: v for k, v in card["request"].items() if k != "config"}}, 'no "config"',
     (RESUME,)),  # evaluate needs no config: baseline folders have none
    (lambda card: {**card, "request": {**card["request"], "config": {**card["request"]["config"], "outer_lr": float("nan")}}},
     "config.outer_lr must be a finite number > 0", (RESUME, EVALUATE)),
    (lambda card: {**card, "request": {**card["request"], "max_len": 10**9}}, "request.max_len must be from 1",
     (RESUME, EVALUATE)),
])
def test_an_edited_run_card_is_checked_like_typed_options(run_dir, capsys, edit, fragment, commands):
    card = json.loads((run_dir / "run.json").read_text())
    (run_dir / "run.json").write_text(json.dumps(edit(card)))
    before = (run_dir / "run.json").read_text()
    for argv in ([a.format(run=run_dir) for a in command] for command in commands):
        code, _, err = run_cli(capsys, *argv)
        assert code == 2, err
        assert_one_error(err)
        assert fragment in err and "unexpected" not in err
    assert (run_dir / "run.json").read_text() == before

"""The demo job: full vs random vs distilled, decoded words, a map, and a report whose HTML is parsed."""

from __future__ import annotations

import json

import pytest

from conftest import parse, plotlyjs_copies, trace_names
from textdistill_lab.demo import TABLE_COLUMNS, DemoConfig, run_demo


@pytest.fixture(scope="module")
def demo(toy_dataset, toy_vectors, tmp_path_factory):
    config = DemoConfig(per_class=3, seeds=2, smoke=True, device="cpu", out=tmp_path_factory.mktemp("demo"))
    return run_demo(config, dataset=toy_dataset, vectors=toy_vectors)


def test_demo_compares_the_reference_and_three_training_sets(demo):
    rows = {r["set"]: r for r in demo.comparison.rows()}
    assert list(rows) == ["reference", "full", "random", "distilled"]
    assert rows["random"]["samples"] == rows["distilled"]["samples"] == 3 * 2  # smoke caps per class at 2
    assert rows["full"]["ratio_to_full"] == pytest.approx(1.0)
    for row in rows.values():
        assert 0.0 <= row["test_mean"] <= 1.0 and row["test_std"] >= 0.0
        assert row["train_s_per_seed"] > 0
    assert rows["distilled"]["make_s"] > 0 and rows["random"]["make_s"] == 0
    # the toy topics are separable: full data is far above chance (1/3)
    assert rows["full"]["test_mean"] > 0.6 and rows["reference"]["test_mean"] > 0.6
    assert rows["full"]["trained_by"].startswith("tuned:") and rows["reference"]["trained_by"].startswith("LinearSVC")
    assert rows["random"]["trained_by"].startswith(("replay", "standard"))
    for result in demo.comparison.results:
        assert result.seeds == [0, 1]
    assert [s.seed for s in demo.comparison.random_subsets] == [0, 1]  # a new draw per evaluation seed


def test_demo_table_and_words_are_printable(demo):
    table = demo.format_table().splitlines()
    assert table[0].split()[:2] == ["training", "set"]
    assert len(table) == 2 + 4  # header, rule, four rows
    assert table[2].startswith("TF-IDF + linear SVM") and table[3].startswith("full data")
    assert table[5].startswith("distilled 2/class")
    assert list(demo.class_words) == ["sports", "science", "money"]
    lines = demo.format_words().splitlines()
    assert [line.split()[0] for line in lines] == ["sports", "science", "money"]
    for line, words in zip(lines, demo.class_words.values()):
        assert words and line.split()[1:] == words


def test_demo_writes_results_and_distilled_set(demo):
    out = demo.report.parent
    saved = json.loads((out / "results.json").read_text())
    assert [r["set"] for r in saved["rows"]] == ["reference", "full", "random", "distilled"]
    assert len(saved["curves"]) == 3
    assert saved["decode_fidelity"]["decoded_over_distilled"] == pytest.approx(demo.fidelity.ratio)
    assert (out / "distilled" / "card.json").exists() and (out / "distilled" / "distilled.safetensors").exists()
    assert set(demo.stage_seconds) == {"load", "train, distill and evaluate", "decode", "decode fidelity", "map",
                                       "report"}


def test_demo_report_has_the_table_the_curves_the_decoded_samples_and_the_map(demo):
    page = parse(demo.report.read_text(encoding="utf-8"))
    assert plotlyjs_copies(page) == 1
    assert page.figure_ids == ["fig-accuracy-vs-epoch", "fig-map-of-real-texts-and-distilled-samples"]
    summary = page.tables[0]
    assert summary[0] == list(TABLE_COLUMNS)
    assert [row[0] for row in summary[1:]] == ["TF-IDF + linear SVM", "full data", "random 2/class", "distilled 2/class"]
    assert all("±" in row[2] for row in summary[1:])
    words = page.tables[1]
    assert [row[0] for row in words[1:]] == ["sports", "science", "money"]
    survives = dict(page.tables[2][1:])
    assert survives["decoded / distilled"] == f"{demo.fidelity.ratio:.2f}"
    assert survives["TF-IDF + linear SVM trained on the decoded texts (C on validation)"].endswith("%")
    assert demo.fidelity.distilled is demo.comparison.distilled  # the demo's own evaluation, not a second one
    html = demo.report.read_text(encoding="utf-8")
    assert html.count('class="td-sample"') == 6  # every distilled sample decoded, with shading
    assert "rgba(31,119,180," in html
    curves = trace_names(page, "fig-accuracy-vs-epoch")
    for label in ("full data", "random 2/class", "distilled 2/class"):
        assert label in curves and f"{label} ±1 sd" in curves
    points = trace_names(page, "fig-map-of-real-texts-and-distilled-samples")
    assert {"sports (real)", "sports (random)", "sports (distilled)"} <= set(points)


def test_demo_refuses_bad_sizes():
    with pytest.raises(ValueError, match="per_class must be from 1 to"):
        DemoConfig(per_class=0)
    with pytest.raises(ValueError, match="seeds must be from 1 to 1,000"):
        DemoConfig(seeds=10**9)

"""`reproduce`: the paper's facts, the offline-analogue plan, and the experiments in smoke mode."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import PageParser, parse, plotlyjs_copies, topic_texts, trace_names

from textdistill_lab import cli, reproduce
from textdistill_lab.data.hub import HUB
from textdistill_lab.data.registry import DATASETS
from textdistill_lab.experiment import SMOKE_BUDGET
from textdistill_lab.paper import ANALOGUES, BENCHMARKS, PAPER_VECTORS, analogue_banner, benchmark
from textdistill_lab.reproduce import Job, plan, table2_cells


def test_paper_sizes_are_a_tenth_of_a_percent_and_a_hundredth_for_amazon():
    sizes = {b.name: b.distilled_size for b in BENCHMARKS}
    assert sizes == {
        "ag_news": 120, "dbpedia_14": 560, "yahoo_answers_topics": 1400, "sogou_news": 450,
        "yelp_review_full": 650, "yelp_polarity": 560, "amazon_review_full": 300, "amazon_polarity": 360,
    }
    assert benchmark("ag_news").per_class == 30 and benchmark("amazon_polarity").per_class == 180
    assert benchmark("dbpedia_14").classes == 14


def test_paper_table2_ratios_are_the_ones_its_text_states():
    stated = {"dbpedia_14": 0.8178, "yahoo_answers_topics": 0.9835, "sogou_news": 0.9206, "ag_news": 0.9711,
              "yelp_review_full": 0.9400, "yelp_polarity": 0.9425, "amazon_review_full": 0.8347,
              "amazon_polarity": 0.9376}
    assert {b.name: b.paper_ratio for b in BENCHMARKS} == pytest.approx(stated, abs=1.5e-4)  # the paper truncates
    assert sum(b.paper_ratio for b in BENCHMARKS) / len(BENCHMARKS) == pytest.approx(0.9184, abs=2e-4)
    assert all(b.paper_random < b.paper_distilled < b.paper_full for b in BENCHMARKS)


def test_paper_table1_matches_the_hub_specs_but_for_the_swapped_amazon_sizes():
    swapped = {"amazon_review_full": "amazon_polarity", "amazon_polarity": "amazon_review_full"}
    for bench in BENCHMARKS:
        spec = HUB[swapped.get(bench.name, bench.name)]
        assert (bench.paper_train, bench.paper_test) == (spec.train_size, spec.test_size), bench.name


def test_unknown_paper_numbers_show_as_na_never_as_numbers():
    row = {
        "dataset": "trec", "benchmark": "AG News", "analogue": True, "classes": 6, "train": 4415,
        "distilled_samples": 60, "percent_of_train": 1.359, "full": 0.9, "full_std": 0.01, "random": 0.5,
        "random_std": 0.05, "distilled": 0.8, "distilled_std": 0.02, "ratio": 0.8 / 0.9,
        "paper_full": None, "paper_random": None, "paper_distilled": None, "paper_ratio": None, "paper_size": 1400,
    }
    cells = dict(zip(reproduce.TABLE2_COLUMNS, table2_cells(row)))
    assert cells["paper: full"] == cells["paper: random"] == cells["paper: distilled"] == cells["paper: ratio"] == "n/a"
    assert cells["full"] == "90.0 ± 1.0" and cells["ratio"] == "0.889"
    assert cells["distilled (% of train)"] == "60 (1.36%)" and cells["paper: size"] == "1,400"
    assert cells["stands for"] == "AG News"


def test_analogues_agree_with_the_data_registry_and_the_banner_names_them():
    for name, bench in ANALOGUES.items():
        # the registry's own words name the benchmark this dataset is shown beside
        assert benchmark(bench).title.split()[0] in DATASETS[name].stands_in_for, name
    banner = analogue_banner(["trec", "bbc-news", "my-own"])
    assert "trec for AG News" in banner and "bbc-news for Sogou News" in banner
    assert "my-own (no counterpart in the paper)" in banner


def test_plan_online_uses_the_paper_sizes_offline_the_given_size():
    online = plan(datasets=None, online=True, per_class=10, vectors=None, offline_available=["trec"])
    assert [j.dataset for j in online] == [b.name for b in BENCHMARKS]
    assert online[0] == Job("ag_news", benchmark("ag_news"), 30, PAPER_VECTORS)
    offline = plan(datasets=None, online=False, per_class=7, vectors=None, offline_available=["trec", "mr"])
    assert offline == [Job("trec", benchmark("ag_news"), 7, "glove-6b-50d"),
                       Job("mr", benchmark("yelp_polarity"), 7, "glove-6b-50d")]
    with pytest.raises(ValueError, match="unknown benchmark 'trec'"):
        plan(datasets=["trec"], online=True, per_class=10, vectors=None, offline_available=[])
    with pytest.raises(ValueError, match="no offline dataset is available"):
        plan(datasets=None, online=False, per_class=10, vectors=None, offline_available=[])


# ---------------------------------------------------------------------------------------------- runs

def write_split(path, columns: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)


@pytest.fixture(scope="module")
def hub_mirror(tmp_path_factory):
    """Tiny stand-ins for two hub benchmarks, with the hub's own columns (AG News: text; Amazon: title + content)."""
    root = tmp_path_factory.mktemp("mirror")
    for split, n in (("train", 24), ("test", 6)):
        labels = [c for c in range(4) for _ in range(n)]
        texts = [t for c in range(4) for t in topic_texts(c, n, seed=c + (split == "test") * 10)]
        write_split(root / "ag_news" / f"{split}.parquet", {"text": texts, "label": labels})
        polar = [c % 2 for c in labels]  # two classes: politics+markets vs sport+tech words
        write_split(root / "amazon_polarity" / f"{split}.parquet",
                    {"title": [t.split(" ", 3)[-1] for t in texts], "content": texts, "label": polar})
    return root


def read_report(path) -> PageParser:
    return parse(path.read_text(encoding="utf-8"))


def test_table2_offline_smoke_through_the_cli(capsys, tmp_path):
    code = cli.main(["-q", "reproduce", "table2", "--smoke", "--datasets", "trec", "--seeds", "1", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Offline run" in out and "trec for AG News" in out
    saved = json.loads((tmp_path / "table2.json").read_text())
    (row,) = saved["rows"]
    assert row["dataset"] == "trec" and row["benchmark"] == "AG News" and row["analogue"] is True
    assert row["distilled_samples"] == 6 * 2  # smoke: 2 per class
    assert 0 < row["full"] <= 1 and 0 < row["distilled"] <= 1 and row["paper_full"] == benchmark("ag_news").paper_full
    markdown = (tmp_path / "table2.md").read_text()
    assert markdown.count("| trec | AG News | 6 |") == 1
    assert "| 120 | 88.2 | 71.3 | 85.6 | 0.971 |" in markdown, "AG News's Table 2 row from the paper"
    page = read_report(tmp_path / "report.html")
    assert plotlyjs_copies(page) == 1
    assert page.tables[0][0] == list(reproduce.TABLE2_COLUMNS)
    assert [r[0] for r in page.tables[0][1:]] == ["trec"]
    assert page.figure_ids == ["fig-trec-accuracy-vs-epoch"]
    # smoke trains the "full" row on 50 texts per class: labelled as the sample it is, not as full data
    expected = {"sample of 300 texts (smoke)", "random 2/class", "distilled 2/class"}
    assert set(trace_names(page, "fig-trec-accuracy-vs-epoch")) >= expected


def test_table2_online_path_reads_hub_columns_from_a_local_mirror(capsys, tmp_path, hub_mirror):
    code = cli.main(["-q", "reproduce", "table2", "--online", "--hub-mirror", str(hub_mirror), "--datasets",
                     "ag_news,amazon_polarity", "--vectors", "glove-6b-50d", "--smoke", "--seeds", "1",
                     "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "online benchmarks" in out and "Offline run" not in out
    rows = {r["dataset"]: r for r in json.loads((tmp_path / "table2.json").read_text())["rows"]}
    assert set(rows) == {"ag_news", "amazon_polarity"}
    assert rows["ag_news"]["classes"] == 4 and rows["amazon_polarity"]["classes"] == 2
    assert rows["ag_news"]["paper_size"] == 120 and rows["amazon_polarity"]["paper_size"] == 360
    assert rows["ag_news"]["train"] < 4 * 24  # validation split held out of the 96 mirror rows
    assert rows["ag_news"]["analogue"] is False
    cells = dict(zip(reproduce.TABLE2_COLUMNS, read_report(tmp_path / "report.html").tables[0][1]))
    assert cells["stands for"] == "(itself)" and cells["paper: size"] == "120"
    # topic words separate the mirror's classes: full data learns them
    assert rows["ag_news"]["full"] > 0.5


def test_online_mirror_must_hold_both_splits(capsys, tmp_path, hub_mirror):
    code = cli.main(["reproduce", "table2", "--online", "--hub-mirror", str(hub_mirror), "--datasets", "dbpedia_14"])
    assert code == 2
    assert "hub mirror lacks" in capsys.readouterr().err


def test_offline_hub_names_fail_at_once_with_what_works_offline(capsys):
    code = cli.main(["reproduce", "table2", "--online", "--datasets", "ag_news", "--smoke"])
    err = capsys.readouterr().err
    assert code == 1
    assert "ag_news needs internet" in err and "trec" in err


def test_sizes_experiment_gives_one_row_per_size(toy_files, tmp_path):
    name, vectors = toy_files
    jobs = plan(datasets=[name], online=False, per_class=10, vectors=vectors, offline_available=[])
    result = reproduce.run_experiment("sizes", jobs, online=False, seeds=1, budget=SMOKE_BUDGET,
                                      sizes=(1, 2), device="cpu")
    assert [(r["per_class"], r["samples"]) for r in result.rows] == [(1, 3), (2, 6)]
    assert result.columns == list(reproduce.SIZES_COLUMNS)
    assert "no counterpart in the paper" in result.banner
    files = reproduce.save_experiment(result, tmp_path / "out")
    page = read_report(files[-1])
    (fig_id,) = page.figure_ids
    assert trace_names(page, fig_id)[:2] == ["distilled", "random subset"]
    assert len(page.tables[0]) == 1 + 2


def test_epochs_experiment_keeps_every_curve(toy_files):
    name, vectors = toy_files
    jobs = plan(datasets=[name], online=False, per_class=2, vectors=vectors, offline_available=[])
    result = reproduce.run_experiment("epochs", jobs, online=False, seeds=2, budget=SMOKE_BUDGET, device="cpu")
    (comparison,) = result.comparisons.values()
    full, random, distilled = comparison.results
    assert full.test_acc.shape == (2, SMOKE_BUDGET.full.max_epochs)
    assert random.test_acc.shape == (2, SMOKE_BUDGET.subset_epochs)
    saved = result.to_json()
    assert [c["label"] for c in next(iter(saved["curves"].values()))] == ["full data", "random 2/class", "distilled 2/class"]
    with pytest.raises(ValueError, match="unknown experiment"):
        reproduce.run_experiment("table3", jobs, online=False)

"""The data behind each widget, and what a notebook run without a widget front-end keeps."""

from __future__ import annotations

import json
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
import torch

from textdistill_lab.decode import decode
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.distill import DistillConfig, Distiller
from textdistill_lab.widgets import DecodeExplorer, DistillationPlot, LiveAccuracyPlot, SizeExplorer, resolve_mode


def test_mode_rule(monkeypatch):
    monkeypatch.delenv("TEXTDISTILL_WIDGETS", raising=False)
    assert resolve_mode("auto") == "none"  # no Jupyter kernel in pytest
    assert resolve_mode("static") == "static"
    monkeypatch.setenv("TEXTDISTILL_WIDGETS", "static")
    assert resolve_mode("auto") == "static"
    monkeypatch.setenv("TEXTDISTILL_WIDGETS", "fancy")
    with pytest.raises(ValueError, match="TEXTDISTILL_WIDGETS='fancy'"):
        resolve_mode("auto")
    with pytest.raises(ValueError, match="unknown mode"):
        resolve_mode("live")


def test_live_plot_lines_grow_as_epochs_are_reported():
    plot = LiveAccuracyPlot(mode="none")
    for epoch in (1, 2, 3):
        for seed, acc in ((0, 0.5), (1, 0.7)):
            plot.on_epoch(SimpleNamespace(label="distilled", seed=seed, epoch=epoch, test_acc=acc + 0.1 * epoch))
        fig = plot.figure()
        line = [t for t in fig.data if t.name == "distilled"][0]
        assert list(line.x) == list(range(1, epoch + 1))
    np.testing.assert_allclose(line.y, [0.7, 0.8, 0.9])  # mean over the two seeds
    np.testing.assert_allclose(plot.curves()["distilled"].std, [0.1, 0.1, 0.1])
    report = plot.callback("random")
    report(1, 0.4)
    fig = plot.figure()
    assert [t.name for t in fig.data if t.showlegend is not False] == ["distilled", "random"]
    assert len(fig.data) == 4  # a band and a line per training set


def test_distillation_plot_follows_a_real_run_and_replays_it(toy_dataset, toy_vectors):
    config = DistillConfig(per_class=1, outer_steps=6, validate_every=2, steps=2, replays=1, validate_inits=1,
                           real_batch=32, seed=0, device="cpu")
    distiller = Distiller(config)
    plot = DistillationPlot(lambda: distiller.synthetic_data[0], toy_vectors, vocabulary=toy_dataset.vocab, mode="none")
    distiller.fit(toy_dataset, toy_vectors, callbacks=[plot], progress=False)
    assert plot.steps == [0, 2, 4, 6]  # the initial set is validated too
    assert all(0 <= a <= 1 for a in plot.accuracy) and len(plot.words) == 4
    assert plot.closeness[0] == pytest.approx(1.0, abs=1e-4)  # init="real": the rows start as real word vectors
    assert all(w in toy_dataset.vocab for text in plot.words for w in text.split())
    fig = plot.figure()
    assert len(fig.frames) == 4 and fig.layout.sliders[0].active == 3  # a static page can replay each validation
    assert list(fig.frames[1].data[1].x) == [0, 2]  # the curve up to that validation
    assert plot.words[2] in fig.frames[2].layout.annotations[0].text


def distilled_set(toy_dataset, toy_vectors, per_class: int) -> DistilledSet:
    embedding, _ = toy_vectors.embedding_for(toy_dataset.vocab)
    rows = np.concatenate([np.flatnonzero(toy_dataset.train.labels == c)[:per_class] for c in range(3)])
    labels = torch.nn.functional.one_hot(torch.tensor(toy_dataset.train.labels[rows]), 3).float()
    return DistilledSet(torch.tensor(embedding[toy_dataset.train.token_ids[rows]]), labels, toy_dataset.class_names)


def test_size_explorer_slider_selects_a_size_and_its_samples(toy_dataset, toy_vectors):
    samples = {n: decode(distilled_set(toy_dataset, toy_vectors, n), toy_vectors, k=2) for n in (1, 4)}
    explorer = SizeExplorer([1, 4], [0.5, 0.8], [0.05, 0.02], references={"full data": 0.95},
                            random=([1, 4], [0.4, 0.6]), samples=samples, per_class=1, mode="none")
    first = explorer.samples_html()
    assert explorer.selected == 1 and "test accuracy 0.500" in first
    assert explorer.figure().layout.shapes[-1].x0 == 1
    explorer.select(4)
    assert explorer.figure().layout.shapes[-1].x0 == 4
    second = explorer.samples_html()
    assert second != first and "test accuracy 0.800" in second
    assert second.count('class="td-sample"') == 3  # one sample per class
    names = {t.name for t in explorer.figure().data}
    assert names == {"distilled", "random subset"}
    with pytest.raises(ValueError, match="is not one of"):
        explorer.select(2)
    with pytest.raises(ValueError, match="one accuracy per size"):
        SizeExplorer([1, 2], [0.5], mode="none")


def test_decode_explorer_follows_class_sample_vocabulary_and_metric(toy_dataset, toy_vectors):
    distilled = distilled_set(toy_dataset, toy_vectors, 2)
    explorer = DecodeExplorer(distilled, toy_vectors, vocabulary=toy_dataset.vocab, k=3, mode="none")
    assert explorer.samples_of("science") == [2, 3]
    explorer.set(sample=1)
    explorer.set(**{"class": "science"})
    assert explorer.state["sample"] == 0  # a new class starts at its first sample
    shown = explorer.current()
    first_science_text = np.flatnonzero(toy_dataset.train.labels == 1)[0]  # what sample 2 was made from
    words = [toy_dataset.vocab[i] for i in toy_dataset.train.token_ids[first_science_text] if i != 0]
    assert shown.text(0).split() == words and shown.class_of(0) == "science"
    assert "td-label" in explorer.html() and "science" in explorer.html()
    explorer.set(metric="euclidean", vocabulary="all words")
    assert explorer.current().metric == "euclidean" and explorer.current() is not shown
    with pytest.raises(ValueError, match="unknown setting"):
        explorer.set(colour="red")


NOTEBOOK_CELLS = [
    "import plotly.io as pio\npio.renderers.default = 'plotly_mimetype'\n"
    "from textdistill_lab.widgets import LiveAccuracyPlot",
    # auto mode in a kernel: a live FigureWidget, never finished by hand
    "live = LiveAccuracyPlot()\nlive.show()\n"
    "for e in range(1, 6):\n    live.update('distilled', e, e / 10)\n    live.update('random', e, e / 20)",
    # static mode: one display handle updated in place, finished by hand
    "static = LiveAccuracyPlot(mode='static')\nstatic.min_interval = 0\nstatic.show()\n"
    "for e in range(1, 6):\n    static.update('full', e, 0.9)\nstatic.finish()",
    # a live explorer, finished by hand: its figure and its samples stay as static outputs
    "from textdistill_lab.widgets import SizeExplorer\nex = SizeExplorer([1, 5], [0.5, 0.7])\nex.show()\n"
    "ex.select(5)\nex.finish()",
]


def test_notebook_run_without_widget_frontend_keeps_one_final_figure_per_plot(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.delenv("TEXTDISTILL_WIDGETS", raising=False)  # the kernel inherits it: test the auto rule

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell, names in ((nb.cells[1], {"distilled", "random"}), (nb.cells[2], {"full"})):
        assert len(cell.outputs) == 1, cell.outputs
        data = cell.outputs[0]["data"]
        assert "application/vnd.jupyter.widget-view+json" not in data
        figure = data["application/vnd.plotly.v1+json"]
        figure = json.loads(figure) if isinstance(figure, str) else figure
        lines = [t for t in figure["data"] if t.get("name") in names]
        assert {t["name"] for t in lines} == names
        assert all(len(t["x"]) == 5 for t in lines)
    figure, samples = (output["data"] for output in nb.cells[3].outputs)
    assert "application/vnd.jupyter.widget-view+json" not in figure
    assert figure["application/vnd.plotly.v1+json"]["layout"]["shapes"][-1]["x0"] == 5
    assert "= 5</b>: test accuracy 0.700" in samples["text/html"]

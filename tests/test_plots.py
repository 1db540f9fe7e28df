"""Plain figures: the right traces with the right numbers, ready for a notebook or an HTML report."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from textdistill_lab.plots import Curve, accuracy_vs_epoch, accuracy_vs_size, map_figure, readability_tradeoff


def test_curve_from_runs_averages_the_seeds_that_reached_each_epoch():
    curve = Curve.from_runs({0: {1: 0.2, 2: 0.4}, 1: {1: 0.4}})
    assert curve.epochs == (1, 2)
    np.testing.assert_allclose(curve.mean, [0.3, 0.4])
    np.testing.assert_allclose(curve.std, [0.1, 0.0])


def test_curve_from_an_evaluation_result():
    result = SimpleNamespace(eval_epochs=[1, 5], test_acc=np.array([[0.5, 0.7], [0.7, 0.9]]))
    curve = Curve.from_result(result)
    assert curve.epochs == (1, 5)
    np.testing.assert_allclose(curve.mean, [0.6, 0.8])


def test_accuracy_vs_epoch_has_a_band_and_a_line_per_set():
    curves = {"full": Curve((1, 2), (0.8, 0.9), (0.0, 0.01)), "distilled": Curve((1, 2), (0.5, 0.6), (0.05, 0.05))}
    fig = accuracy_vs_epoch(curves)
    assert isinstance(fig, go.Figure) and len(fig.data) == 4
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["full", "distilled"]
    np.testing.assert_allclose(lines[1].y, [0.5, 0.6])
    band = fig.data[2]
    np.testing.assert_allclose(band.y, [0.55, 0.65, 0.55, 0.45])  # upper edge, then lower edge back
    assert fig.layout.xaxis.title.text == "epoch"


def test_accuracy_vs_size_draws_references_random_and_selection():
    fig = accuracy_vs_size([1, 10, 50], [0.4, 0.6, 0.7], [0.01, 0.02, 0.03], references={"full data": 0.9},
                           random=([1, 10, 50], [0.3, 0.4, 0.55]), selected=10)
    assert [t.name for t in fig.data] == ["distilled", "random subset"]
    assert list(fig.data[0].error_y.array) == [0.01, 0.02, 0.03]
    hline, vline = fig.layout.shapes
    assert hline.y0 == hline.y1 == 0.9 and vline.x0 == 10
    assert "full data 0.900" in fig.layout.annotations[0].text


def test_map_colours_by_class_and_marks_by_kind():
    frame = pd.DataFrame({
        "x": [0.0, 1.0, 2.0, 3.0], "y": [0.0, 1.0, 0.0, 1.0],
        "class": ["a", "b", "a", "b"], "kind": ["real", "real", "distilled", "random"],
        "text": ["one", "two", "three", "four"], "index": [0, 1, 0, 2],
    })
    fig = map_figure(frame)
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"a (real)", "b (real)", "a (distilled)", "b (random)"}
    assert by_name["a (distilled)"].marker.symbol == "star" and by_name["b (random)"].marker.symbol == "diamond"
    assert by_name["a (real)"].marker.color == by_name["a (distilled)"].marker.color
    assert list(by_name["b (real)"].text) == ["two"]


def _run(words: str, penalty: float, accuracy: float, ratio: float) -> dict:
    return {"words": words, "word_penalty": penalty, "distilled_mean": accuracy, "decoded_over_distilled": ratio,
            "mean_cosine": ratio, "examples": ["what is it"]}


def test_readability_tradeoff_has_a_curve_per_dataset_and_a_slider_over_the_saved_runs():
    saved = {
        "trec": {"points": [_run("free", 0.0, 0.6, 0.8), _run("free", 10.0, 0.55, 0.9), _run("frequent", 0.0, 0.5, 1.0)],
                 "random": {"textcnn_mean": 0.4}},
        "mr": {"points": [_run("free", 0.0, 0.7, 0.9), _run("frequent", 0.0, 0.68, 1.0)]},
        "bbc-news": {"error": "needs internet"},
    }
    fig = readability_tradeoff(saved)
    names = [t.name for t in fig.data]
    assert names[:3] == ["trec", "trec: random real subset", "mr"]
    assert list(fig.data[0].y) == [0.6, 0.55, 0.5] and list(fig.data[0].x) == [0.8, 0.9, 1.0]
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["penalty 0", "penalty 10", "words: frequent"]
    rings = steps[2].args[2]
    assert steps[2].args[0]["y"] == [[0.5], [0.68]] and len(rings) == 2
    assert steps[1].args[0]["y"] == [[0.55], [None]]  # mr has no run at that setting
    assert list(fig.data[rings[0]].y) == [0.6]  # the first setting starts ringed

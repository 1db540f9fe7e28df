"""Plain plotly figures: accuracy vs epoch (the paper's Fig. 3), accuracy vs size (Fig. 4), maps.

Every builder takes plain numbers and returns a ``go.Figure``, so the same figure goes into a
notebook, a live widget (:mod:`textdistill_lab.widgets`) or the CLI's offline HTML report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

PALETTE = qualitative.Plotly
KIND_SYMBOLS = {"real": "circle", "random": "diamond", "distilled": "star"}
KIND_SIZES = {"real": 5, "random": 9, "distilled": 13}
_LAYOUT = {"template": "plotly_white", "height": 420, "margin": {"l": 60, "r": 20, "t": 50, "b": 50}}


@dataclass(frozen=True)
class Curve:
    """Mean accuracy per epoch over seeds, with the spread between seeds (zero for one seed)."""

    epochs: tuple[int, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def from_runs(cls, runs: Mapping[int, Mapping[int, float]]) -> Curve:
        """``{seed: {epoch: accuracy}}`` -> mean/std per epoch, over the seeds that reached it."""
        epochs = sorted({e for per_seed in runs.values() for e in per_seed})
        values = [[per_seed[e] for per_seed in runs.values() if e in per_seed] for e in epochs]
        return cls(tuple(epochs), tuple(float(np.mean(v)) for v in values), tuple(float(np.std(v)) for v in values))

    @classmethod
    def from_result(cls, result) -> Curve:
        """From an evaluation result with ``eval_epochs`` and ``test_acc`` ``(seeds, epochs)``."""
        acc = np.asarray(result.test_acc, dtype=float)
        return cls(tuple(int(e) for e in result.eval_epochs), tuple(acc.mean(0)), tuple(acc.std(0)))


def color_of(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def epoch_traces(label: str, curve: Curve, index: int) -> list[go.Scatter]:
    """The band (mean ± std) and the line of one training set, sharing a legend entry."""
    x, mean, std = list(curve.epochs), np.asarray(curve.mean), np.asarray(curve.std)
    color = color_of(index)
    band = go.Scatter(
        x=x + x[::-1], y=list(mean + std) + list((mean - std)[::-1]), fill="toself", fillcolor=color,
        opacity=0.15, line={"width": 0}, hoverinfo="skip", showlegend=False, legendgroup=label, name=f"{label} ±1 sd",
    )
    line = go.Scatter(x=x, y=list(mean), mode="lines+markers", name=label, legendgroup=label,
                      line={"color": color}, hovertemplate=f"{label}<br>epoch %{{x}}<br>accuracy %{{y:.3f}}<extra></extra>")
    return [band, line]


def accuracy_vs_epoch(
    curves: Mapping[str, Curve], *, title: str = "Test accuracy while training", x_title: str = "epoch"
) -> go.Figure:
    """The paper's Figure 3: one line per training set (full, random, distilled, ...).

    ``x_title`` names the x unit: an epoch means different amounts of training for a full dataset,
    a small subset and a replayed schedule, so a comparison across them is fairer in SGD steps.
    """
    fig = go.Figure()
    for index, (label, curve) in enumerate(curves.items()):
        fig.add_traces(epoch_traces(label, curve, index))
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title="test accuracy", **_LAYOUT)
    return fig


def accuracy_vs_size(
    sizes: Sequence[float],
    mean: Sequence[float],
    std: Sequence[float] | None = None,
    *,
    references: Mapping[str, float] | None = None,
    random: tuple[Sequence[float], Sequence[float]] | None = None,
    x_title: str = "distilled samples per class",
    selected: float | None = None,
    title: str = "Accuracy vs distilled size",
) -> go.Figure:
    """The paper's Figure 4: distilled accuracy per size, random subsets of the same size, and
    horizontal reference lines (e.g. ``{"full data": 0.89}``); ``selected`` marks one size."""
    fig = go.Figure()
    err = None if std is None else {"type": "data", "array": list(std), "visible": True}
    fig.add_trace(go.Scatter(x=list(sizes), y=list(mean), error_y=err, mode="lines+markers", name="distilled",
                             line={"color": color_of(0)}))
    if random is not None:
        fig.add_trace(go.Scatter(x=list(random[0]), y=list(random[1]), mode="lines+markers", name="random subset",
                                 line={"color": color_of(1), "dash": "dot"}))
    for index, (name, value) in enumerate((references or {}).items()):
        fig.add_hline(y=value, line={"dash": "dash", "color": color_of(index + 2)},
                      annotation_text=f"{name} {value:.3f}", annotation_position="bottom right")
    if selected is not None:
        fig.add_vline(x=selected, line={"color": "#555", "width": 1})
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title="test accuracy", **_LAYOUT)
    return fig


def map_figure(frame: pd.DataFrame, *, title: str = "Real texts and distilled samples") -> go.Figure:
    """Scatter of a projection table (``x, y, class, kind, text``): colour = class, marker = kind."""
    fig = go.Figure()
    classes = list(dict.fromkeys(frame["class"]))
    for kind in [k for k in KIND_SYMBOLS if k in set(frame["kind"])]:
        for index, name in enumerate(classes):
            part = frame[(frame["kind"] == kind) & (frame["class"] == name)]
            if part.empty:
                continue
            fig.add_trace(go.Scattergl(
                x=part["x"], y=part["y"], mode="markers", name=f"{name} ({kind})", legendgroup=kind,
                legendgrouptitle_text=kind, text=part["text"], hovertemplate="%{text}<extra>" + f"{name} · {kind}</extra>",
                marker={"color": color_of(index), "symbol": KIND_SYMBOLS[kind], "size": KIND_SIZES[kind],
                        "opacity": 0.45 if kind == "real" else 0.95,
                        "line": {"width": 0 if kind == "real" else 1, "color": "#222"}},
            ))
    fig.update_layout(title=title, xaxis={"visible": False}, yaxis={"visible": False},
                      **{**_LAYOUT, "height": 560})
    return fig


def distillation_replay(
    steps: Sequence[int], accuracy: Sequence[float], captions: Sequence[str], *,
    title: str = "Validation accuracy while distilling",
) -> go.Figure:
    """Validation accuracy vs outer step, replayable: a slider over the validations shows the curve
    up to that step and, under it, that step's caption (e.g. what one synthetic sample decodes to).

    A static page keeps the slider (plotly frames need no kernel), so the book replays a run.
    """
    if not (len(steps) == len(accuracy) == len(captions)):
        raise ValueError(f"need one accuracy and one caption per step, got {len(steps)}, {len(accuracy)}, {len(captions)}")
    steps, accuracy = list(steps), list(accuracy)

    def traces(upto: int) -> list[go.Scatter]:
        return [
            go.Scatter(x=steps, y=accuracy, mode="lines", line={"color": "#cccccc"}, hoverinfo="skip", showlegend=False),
            go.Scatter(x=steps[: upto + 1], y=accuracy[: upto + 1], mode="lines+markers", name="validation accuracy",
                       line={"color": color_of(0)}, hovertemplate="outer step %{x}<br>accuracy %{y:.3f}<extra></extra>"),
        ]

    def caption(upto: int) -> list[dict]:
        text = f"step {steps[upto]}: {captions[upto]}" if steps else ""
        return [{"text": text, "xref": "paper", "yref": "paper", "x": 0, "y": -0.6, "yanchor": "top", "showarrow": False,
                 "xanchor": "left", "align": "left", "font": {"size": 13}}]

    last = len(steps) - 1
    fig = go.Figure(data=traces(last) if steps else [])
    fig.update_layout(title=title, xaxis_title="outer step (one update of the synthetic set)",
                      yaxis_title="validation accuracy", annotations=caption(last) if steps else [],
                      **{**_LAYOUT, "height": 520, "margin": {**_LAYOUT["margin"], "b": 200}})
    if len(steps) > 1:
        fig.frames = [go.Frame(data=traces(i), layout={"annotations": caption(i)}, name=str(i)) for i in range(len(steps))]
        fig.update_layout(sliders=[{
            "active": last, "currentvalue": {"prefix": "replay: validation "}, "y": -0.12, "pad": {"t": 30},
            "steps": [{"label": str(s), "method": "animate",
                       "args": [[str(i)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}}]}
                      for i, s in enumerate(steps)],
        }])
    return fig


def knob_label(point: Mapping) -> str:
    """A readable-distillation run's setting: ``penalty 1`` (free matrices) or ``words: frequent``."""
    return f"penalty {point['word_penalty']:g}" if point["words"] == "free" else f"words: {point['words']}"


def readability_tradeoff(datasets: Mapping[str, Mapping], *, title: str = "Accuracy vs readability") -> go.Figure:
    """Test accuracy vs decoded/distilled accuracy, one curve per dataset, a slider over the saved runs.

    ``datasets`` maps a name to its saved runs (``benchmarks/bench_readable.py``'s JSON): ``points``
    in knob order, each with ``words``, ``word_penalty``, ``distilled_mean``, ``decoded_over_distilled``,
    ``mean_cosine`` and ``examples`` (decoded texts); optionally ``random``, a random real subset's
    ``textcnn_mean``, drawn at decoded/distilled 1 (real text reads as itself). Moving the slider
    rings each dataset's run at that setting; no model is trained.
    """
    curves = {name: entry for name, entry in datasets.items() if entry.get("points")}
    fig = go.Figure()
    for index, (name, entry) in enumerate(curves.items()):
        points, color = entry["points"], color_of(index)
        hover = [f"{name}, {knob_label(p)}<br>accuracy {p['distilled_mean']:.3f}, decoded/distilled "
                 f"{p['decoded_over_distilled']:.2f}, cosine {p['mean_cosine']:.2f}<br><i>{(p['examples'] or [''])[0]}</i>"
                 for p in points]
        fig.add_trace(go.Scatter(x=[p["decoded_over_distilled"] for p in points], y=[p["distilled_mean"] for p in points],
                                 mode="lines+markers", name=name, legendgroup=name, line={"color": color},
                                 hovertext=hover, hoverinfo="text"))
        if "random" in entry:
            fig.add_trace(go.Scatter(x=[1.0], y=[entry["random"]["textcnn_mean"]], mode="markers", legendgroup=name,
                                     name=f"{name}: random real subset", marker={"symbol": "x", "size": 11, "color": color}))
    knobs = list(dict.fromkeys(knob_label(p) for entry in curves.values() for p in entry["points"]))
    rings = []
    for index, (name, entry) in enumerate(curves.items()):
        rings.append(len(fig.data))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", legendgroup=name, showlegend=False, hoverinfo="skip",
                                 marker={"size": 20, "color": "rgba(0,0,0,0)", "line": {"width": 3, "color": color_of(index)}}))
    steps = []
    for knob in knobs:
        chosen = [next((p for p in entry["points"] if knob_label(p) == knob), None) for entry in curves.values()]
        caption = "; ".join(f"{name} {100 * p['distilled_mean']:.1f}% (decoded/distilled {p['decoded_over_distilled']:.2f})"
                            for name, p in zip(curves, chosen) if p is not None)
        steps.append({"label": knob, "method": "update", "args": [
            {"x": [[p["decoded_over_distilled"]] if p else [None] for p in chosen],
             "y": [[p["distilled_mean"]] if p else [None] for p in chosen]},
            {"title.text": f"{title} — {knob}: {caption}"}, rings]})
    if steps:  # start with the first setting ringed, as the slider shows
        first = steps[0]["args"][0]
        for trace, x, y in zip(rings, first["x"], first["y"]):
            fig.data[trace].update(x=x, y=y)
    fig.update_layout(title=title, xaxis_title="decoded / distilled accuracy (readability)", yaxis_title="test accuracy",
                      sliders=[{"active": 0, "steps": steps, "currentvalue": {"prefix": "setting: "}, "pad": {"t": 50}}],
                      **{**_LAYOUT, "height": 520})
    return fig

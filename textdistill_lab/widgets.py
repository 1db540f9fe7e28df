"""Notebook widgets on top of :mod:`textdistill_lab.plots`: live training curves, a live view of a
distillation run, a size explorer (the paper's Fig. 4 with a slider) and a decode explorer.

How a widget shows itself (``mode=``):

- ``"widget"``: a live plotly ``FigureWidget`` (and ipywidgets controls). When a live plot is
  finished (``finish()``, or the end of the cell in which it received data) the live view is
  *replaced* by the final static figure, so a saved notebook, nbclient or a Jupyter Book page
  shows the final curves, never an empty widget frame. Explorers stay live until ``finish()``.
- ``"static"``: one display-handle output updated in place with a plain figure (throttled);
  under nbclient that is exactly one final output.
- ``"none"``: nothing is displayed; the data and ``figure()`` are there for a script or terminal.
- ``"auto"`` (default): the ``TEXTDISTILL_WIDGETS`` environment variable if set, else ``"widget"``
  inside a Jupyter kernel (it has comms, the thing widgets need), else ``"none"``. A kernel cannot
  tell whether anyone renders widgets, so builds of static pages (Jupyter Book) should set
  ``TEXTDISTILL_WIDGETS=static``: explorers then show their figure and selected samples as HTML.

Every widget keeps its data in plain attributes and builds figures with the ``plots`` builders,
so tests check the data behind it without a browser.
"""

from __future__ import annotations

import html
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence

import plotly.graph_objects as go

from .decode import Decoded, decode
from .distilled_set import DistilledSet
from .plots import Curve, accuracy_vs_epoch, accuracy_vs_size, distillation_replay, epoch_traces
from .vectors import WordVectors

log = logging.getLogger(__name__)
MODES = ("auto", "widget", "static", "none")
ENV_MODE = "TEXTDISTILL_WIDGETS"


def resolve_mode(mode: str = "auto") -> str:
    """The concrete display mode for ``mode`` (see the module docstring for the rule)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    if mode != "auto":
        return mode
    forced = os.environ.get(ENV_MODE, "").strip()
    if forced:
        if forced not in MODES[1:]:
            raise ValueError(f"{ENV_MODE}={forced!r}; set it to widget, static or none")
        return forced
    from IPython import get_ipython

    shell = get_ipython()
    return "widget" if shell is not None and getattr(shell, "kernel", None) is not None else "none"


class _Shown:
    """Display plumbing shared by the widgets: live or static outputs, updated in place."""

    min_interval = 0.5  # seconds between static redraws; forced and final redraws are never skipped
    finish_after_cell = False  # live training plots turn static when their cell ends; explorers stay live

    def __init__(self, mode: str) -> None:
        self.mode = resolve_mode(mode)
        self._handles: list = []
        self._live = None
        self._last_draw = 0.0
        self._finished = False
        log.info("%s: display mode %s", type(self).__name__, self.mode)

    def figure(self) -> go.Figure:
        raise NotImplementedError

    def _live_view(self):
        """The ipywidgets object shown in widget mode (built once)."""
        raise NotImplementedError

    def _refresh_live(self) -> None:
        raise NotImplementedError

    def _static_views(self) -> list:
        """The outputs shown in static mode, and in place of the live view once finished."""
        return [self.figure()]

    def _has_data(self) -> bool:
        return True

    def show(self) -> None:
        """Display once; later updates go to the same output(s)."""
        if self.mode == "none" or self._handles:
            return
        from IPython.display import display

        if self.mode == "widget":
            self._live = self._live_view()
            self._handles = [display(self._live, display_id=True)]
            if self.finish_after_cell:
                _finish_after_cell(self)
        else:
            self._handles = [display(_raw(view), raw=True, display_id=True) for view in self._static_views()]
            self._last_draw = time.monotonic()

    def _ipython_display_(self) -> None:
        self.show()

    def _redraw(self, force: bool = False) -> None:
        if not self._handles:
            return
        if self.mode == "widget" and not self._finished:
            self._refresh_live()
        elif force or time.monotonic() - self._last_draw >= self.min_interval:
            self._update_static()

    def _update_static(self) -> None:
        from IPython.display import display

        views = self._static_views()
        for handle, view in zip(self._handles, views):
            handle.update(_raw(view), raw=True)
        for view in views[len(self._handles):]:  # a finished live view may stand for several outputs
            self._handles.append(display(_raw(view), raw=True, display_id=True))
        self._last_draw = time.monotonic()

    def finish(self) -> None:
        """Draw the final state; a live view is replaced by its static figure (idempotent)."""
        if self._handles and (self.mode == "static" or not self._finished):
            self._update_static()
        self._finished = True


def _raw(view) -> dict:
    """A mime bundle for ``view``: display handles need one (a plotly figure's own
    ``_ipython_display_`` would ignore the display id and add a new output on every update)."""
    if isinstance(view, go.Figure):
        # Not view._repr_mimebundle_(): it re-activates the notebook renderer on every call, and each
        # activation embeds another copy of plotly.js (~5 MB) in the page. Without a renderer string,
        # plotly activates the default renderers once per kernel, so a page carries one plotly.js.
        import plotly.io as pio

        return pio.renderers._build_mime_bundle(view.to_dict())
    return {"text/html": view._repr_html_(), "text/plain": type(view).__name__}


def _finish_after_cell(shown: _Shown) -> None:
    """Finish ``shown`` at the end of the first cell in which it has data (a safety net for
    notebooks that forget ``finish()``: saved and static pages then show the final figure)."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return

    def after(_result=None) -> None:
        if shown._has_data():
            shown.finish()
            shell.events.unregister("post_run_cell", after)

    shell.events.register("post_run_cell", after)


class LiveAccuracyPlot(_Shown):
    """Accuracy vs epoch for several training sets, updated while they train (paper's Fig. 3).

    Pass it as an evaluation callback (it has ``on_epoch(info)``, reading ``info.label``,
    ``info.seed``, ``info.epoch``, ``info.test_acc``), or call ``update(label, epoch, acc, seed)``.
    Each line is the mean over seeds with a ±1 sd band.
    """

    finish_after_cell = True

    def __init__(self, title: str = "Test accuracy while training", *, mode: str = "auto", x_title: str = "epoch") -> None:
        super().__init__(mode)
        self.title = title
        self.x_title = x_title  # the unit of the x values given to update(), e.g. "SGD steps"
        self.runs: dict[str, dict[int, dict[int, float]]] = {}  # label -> seed -> epoch -> accuracy
        self._traces: dict[str, int] = {}  # label -> index of its band trace in the live figure

    def update(self, label: str, epoch: int, accuracy: float, seed: int = 0) -> None:
        self.runs.setdefault(label, {}).setdefault(seed, {})[int(epoch)] = float(accuracy)
        self._redraw()

    def on_epoch(self, info) -> None:
        self.update(info.label, info.epoch, info.test_acc, seed=info.seed)

    def callback(self, label: str) -> Callable[[int, float], None]:
        """A plain ``f(epoch, accuracy)`` that reports into line ``label``."""
        return lambda epoch, accuracy: self.update(label, epoch, accuracy)

    def curves(self) -> dict[str, Curve]:
        return {label: Curve.from_runs(runs) for label, runs in self.runs.items()}

    def figure(self) -> go.Figure:
        return accuracy_vs_epoch(self.curves(), title=self.title, x_title=self.x_title)

    def _has_data(self) -> bool:
        return bool(self.runs)

    def _live_view(self):
        self._traces = {}
        live = go.FigureWidget(accuracy_vs_epoch({}, title=self.title, x_title=self.x_title))
        self._fill(live)
        return live

    def _refresh_live(self) -> None:
        self._fill(self._live)

    def _fill(self, live) -> None:
        with live.batch_update():
            for index, (label, curve) in enumerate(self.curves().items()):
                band, line = epoch_traces(label, curve, index)
                if label not in self._traces:
                    self._traces[label] = len(live.data)
                    live.add_traces([band, line])
                    continue
                at = self._traces[label]
                live.data[at].x, live.data[at].y = band.x, band.y
                live.data[at + 1].x, live.data[at + 1].y = line.x, line.y


class DistillationPlot(_Shown):
    """Validation accuracy vs outer step while a set is distilled, and one sample's words as they change.

    A Distiller callback: ``Distiller(config).fit(..., callbacks=[plot])``. At each validation it
    records the accuracy and decodes the sample ``read_sample()`` returns (its rows ``(tokens, dim)``
    now, e.g. ``lambda: distiller.synthetic_data[0]``) against ``vocabulary``, with the mean cosine
    of its word rows to the decoded words: a sample started from a real text can keep its words while
    its rows move away from them. Finished, it shows the replayable figure: a slider over the
    validations (the text counterpart of chapter 2's moons).
    """

    finish_after_cell = True

    def __init__(self, read_sample: Callable[[], object], vectors: WordVectors, *,
                 vocabulary: Sequence[str] | None = None, title: str = "Validation accuracy while distilling",
                 mode: str = "auto") -> None:
        super().__init__(mode)
        self.read_sample, self.vectors, self.vocabulary, self.title = read_sample, vectors, vocabulary, title
        self.steps: list[int] = []
        self.accuracy: list[float] = []
        self.words: list[str] = []  # the sample decoded at each validation
        self.closeness: list[float] = []  # mean cosine of its non-padding rows to those words

    def on_validate(self, info: Mapping) -> None:
        rows = self.read_sample()
        decoded = decode(rows.detach().cpu()[None], self.vectors, k=1, vocabulary=self.vocabulary)
        self.steps.append(int(info["step"]))
        self.accuracy.append(float(info["val_acc"]))
        self.words.append(decoded.text(0))
        rows = decoded.cosine[0, :, 0][~decoded.padding[0]]
        self.closeness.append(float(rows.mean()) if rows.size else float("nan"))
        self._redraw()

    def captions(self) -> list[str]:
        """Per validation: the decoded words and how close the rows still are to them."""
        return [f"<i>{html.escape(words) or '(all padding)'}</i> (rows' mean cosine to these words: {close:.2f})"
                for words, close in zip(self.words, self.closeness)]

    def figure(self) -> go.Figure:
        return distillation_replay(self.steps, self.accuracy, self.captions(), title=self.title)

    def _has_data(self) -> bool:
        return bool(self.steps)

    def _live_view(self):
        import ipywidgets as w

        self._figure_widget = go.FigureWidget(distillation_replay([], [], [], title=self.title))
        self._figure_widget.add_scatter(x=[], y=[], mode="lines+markers", name="validation accuracy")
        self._text = w.HTML()
        self._refresh_live()
        return w.VBox([self._figure_widget, self._text])

    def _refresh_live(self) -> None:
        self._figure_widget.data[0].x, self._figure_widget.data[0].y = self.steps, self.accuracy
        if self.steps:
            self._text.value = f"<b>step {self.steps[-1]}</b>: {self.captions()[-1]}"


class SizeExplorer(_Shown):
    """Accuracy vs distilled size with reference lines, and a slider to read one size's samples.

    ``samples`` maps a size to the decoded samples of the distilled set of that size; the slider
    (widget mode) or ``select(size)`` picks which are shown below the figure.
    """

    def __init__(
        self,
        sizes: Sequence[float],
        mean: Sequence[float],
        std: Sequence[float] | None = None,
        *,
        references: Mapping[str, float] | None = None,
        random: tuple[Sequence[float], Sequence[float]] | None = None,
        samples: Mapping[float, Decoded] | None = None,
        x_title: str = "distilled samples per class",
        per_class: int = 2,
        mode: str = "auto",
    ) -> None:
        if not len(sizes) or len(sizes) != len(mean):
            raise ValueError(f"need one accuracy per size, got {len(sizes)} sizes and {len(mean)} accuracies")
        super().__init__(mode)
        self.sizes, self.mean = list(sizes), list(mean)
        self.std = None if std is None else list(std)
        self.references, self.random, self.x_title = dict(references or {}), random, x_title
        self.samples = dict(samples or {})
        self.per_class = per_class
        self.selected = self.sizes[0]

    def select(self, size: float) -> None:
        if size not in self.sizes:
            raise ValueError(f"size {size!r} is not one of {self.sizes}")
        self.selected = size
        self._redraw(force=True)

    def figure(self) -> go.Figure:
        return accuracy_vs_size(self.sizes, self.mean, self.std, references=self.references, random=self.random,
                                x_title=self.x_title, selected=self.selected)

    def samples_html(self) -> str:
        """The selected size's accuracy and its first ``per_class`` decoded samples of every class."""
        acc = self.mean[self.sizes.index(self.selected)]
        head = f"<b>{html.escape(self.x_title)} = {self.selected}</b>: test accuracy {acc:.3f}"
        decoded = self.samples.get(self.selected)
        if decoded is None:
            return f'<div class="td-size">{head}<br><i>no decoded samples for this size</i></div>'
        picks = _first_per_class(decoded, self.per_class)
        return f'<div class="td-size">{head}{decoded.to_html(samples=picks, skip_padding=True)}</div>'

    def _static_views(self) -> list:
        from IPython.display import HTML

        return [self.figure(), HTML(self.samples_html())]

    def _live_view(self):
        import ipywidgets as w

        self._figure_widget = go.FigureWidget(self.figure())
        self._text = w.HTML(self.samples_html())
        slider = w.SelectionSlider(options=self.sizes, value=self.selected, description="size",
                                   continuous_update=False, layout={"width": "60%"})
        slider.observe(lambda change: self.select(change["new"]), names="value")
        return w.VBox([slider, self._figure_widget, self._text])

    def _refresh_live(self) -> None:
        with self._figure_widget.batch_update():
            self._figure_widget.layout.shapes = self.figure().layout.shapes
        self._text.value = self.samples_html()


class DecodeExplorer(_Shown):
    """Pick a class and a sample, read its decoded text; toggle vocabulary and metric.

    Decodes one sample at a time on demand (cached), so searching all vector words stays quick.
    """

    def __init__(self, distilled: DistilledSet, vectors: WordVectors, *, vocabulary: Sequence[str] | None = None,
                 k: int = 5, mode: str = "auto") -> None:
        super().__init__(mode)
        self.distilled, self.vectors, self.k = distilled, vectors, k
        self.vocabularies = {"all words": None} if vocabulary is None else {"dataset": vocabulary, "all words": None}
        self.state = {"class": distilled.class_names[0], "sample": 0,
                      "vocabulary": next(iter(self.vocabularies)), "metric": "cosine"}
        self._cache: dict[tuple, Decoded] = {}

    def samples_of(self, class_name: str) -> list[int]:
        c = self.distilled.class_names.index(class_name)
        return [int(i) for i in (self.distilled.hard_labels == c).nonzero().flatten()]

    def set(self, **changes) -> None:
        """Change any of ``class``, ``sample`` (position within the class), ``vocabulary``, ``metric``."""
        unknown = set(changes) - set(self.state)
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; use {sorted(self.state)}")
        self.state.update(changes)
        if "class" in changes and "sample" not in changes:
            self.state["sample"] = 0
        self._redraw(force=True)

    def current(self) -> Decoded:
        """The decoded sample the controls point at."""
        s = self.state
        index = self.samples_of(s["class"])[s["sample"]]
        key = (index, s["vocabulary"], s["metric"])
        if key not in self._cache:
            self._cache[key] = decode(self.distilled.data[index : index + 1], self.vectors, k=self.k,
                                      metric=s["metric"], vocabulary=self.vocabularies[s["vocabulary"]],
                                      labels=self.distilled.hard_labels[index : index + 1].cpu().numpy(),
                                      class_names=self.distilled.class_names)
        return self._cache[key]

    def html(self) -> str:
        return self.current().to_html()

    def figure(self) -> go.Figure:
        raise TypeError("DecodeExplorer shows text, not a figure; use .html()")

    def _static_views(self) -> list:
        from IPython.display import HTML

        return [HTML(self.html())]

    def _live_view(self):
        import ipywidgets as w

        s = self.state
        classes = w.Dropdown(options=self.distilled.class_names, value=s["class"], description="class")
        sample = w.IntSlider(value=0, min=0, max=len(self.samples_of(s["class"])) - 1, description="sample")
        vocab = w.ToggleButtons(options=list(self.vocabularies), value=s["vocabulary"], description="words")
        metric = w.ToggleButtons(options=["cosine", "euclidean"], value=s["metric"], description="metric")
        self._text = w.HTML(self.html())

        def on_class(change) -> None:
            sample.max = len(self.samples_of(change["new"])) - 1
            sample.value = 0
            self.set(**{"class": change["new"]})

        classes.observe(on_class, names="value")
        sample.observe(lambda ch: self.set(sample=ch["new"]), names="value")
        vocab.observe(lambda ch: self.set(vocabulary=ch["new"]), names="value")
        metric.observe(lambda ch: self.set(metric=ch["new"]), names="value")
        return w.VBox([w.HBox([classes, sample]), vocab, metric, self._text])

    def _refresh_live(self) -> None:
        self._text.value = self.html()


def _first_per_class(decoded: Decoded, per_class: int) -> list[int]:
    if decoded.labels is None:
        return list(range(min(per_class, decoded.num_samples)))
    picks: dict[int, list[int]] = {}
    for i, c in enumerate(decoded.labels):
        if len(picks.setdefault(int(c), [])) < per_class:
            picks[int(c)].append(i)
    return [i for c in sorted(picks) for i in picks[c]]

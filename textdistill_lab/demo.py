"""The demo: see data distillation work in a few minutes, on a laptop, offline.

Load a dataset and word vectors; fit the TF-IDF reference; train on full data (tuned on validation)
and on random subsets; distill the same number of samples per class; evaluate them from the same
seeds, each small set at its better training mode; decode the distilled samples into
their nearest words and measure what survives decoding; map real and distilled samples in 2-D;
write one offline HTML report.
``textdistill demo`` prints the summary; notebooks call :func:`run_demo` and show the result.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from .data import TextDataset, load_dataset
from .class_summary import compare_classes
from .decode import Decoded, decode
from .experiment import FULL_BUDGET, SMOKE_BUDGET, Budget, Comparison, compare_sets
from .fidelity import DecodeFidelity, decode_fidelity
from .io import atomic_write_json
from .plots import Curve, accuracy_vs_epoch
from .project import Projection, project
from .report import Section, write_report
from .table import Table
from .validators import check_int
from .vectors import WordVectors, load_vectors

log = logging.getLogger(__name__)

TABLE_COLUMNS = ("training set", "samples", "test accuracy", "ratio to full", "trained by", "make (s)", "train (s/seed)")


@dataclass(frozen=True)
class DemoConfig:
    """What the demo runs on; ``smoke`` shrinks every size so tests take the same code path in seconds."""

    dataset: str = "trec"
    vectors: str = "glove-6b-50d"
    per_class: int = 10
    seeds: int = 5
    device: str = "auto"
    smoke: bool = False
    method: str | None = None  # None: the distiller's default
    out: Path = Path("runs/demo")

    def __post_init__(self) -> None:
        for name in ("per_class", "seeds"):
            check_int(name, getattr(self, name))

    @property
    def budget(self) -> Budget:
        return SMOKE_BUDGET if self.smoke else FULL_BUDGET

    @property
    def map_method(self) -> str:
        return "pca" if self.smoke else "umap"  # umap's first call compiles for ~10 s


@dataclass
class DemoResult:
    """Everything the demo made: the comparison, decoded words per class, decode fidelity, timings, the report path."""

    config: DemoConfig
    comparison: Comparison
    class_words: dict[str, list[str]]
    fidelity: DecodeFidelity
    report: Path
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.stage_seconds.values())

    def table(self) -> list[list[str]]:
        """The summary rows (text cells), in :data:`TABLE_COLUMNS` order."""
        return [
            [r["label"], str(r["samples"]), f"{100 * r['test_mean']:.1f} ± {100 * r['test_std']:.1f}%",
             f"{r['ratio_to_full']:.2f}", r["trained_by"], f"{r['make_s']:.1f}", f"{r['train_s_per_seed']:.1f}"]
            for r in self.comparison.rows()
        ]

    def format_table(self) -> str:
        """The summary as a fixed-width text table for the terminal."""
        return Table(TABLE_COLUMNS, self.table()).to_text(rule=True)

    def format_words(self) -> str:
        """Per class, the words its distilled samples decode to most often."""
        width = max(len(name) for name in self.class_words)
        return "\n".join(f"{name.ljust(width)}  {' '.join(words)}" for name, words in self.class_words.items())


def run_demo(
    config: DemoConfig = DemoConfig(),
    *,
    dataset: TextDataset | None = None,
    vectors: WordVectors | None = None,
    progress: bool = False,
) -> DemoResult:
    """Run the whole demo and write ``config.out/report.html``; pass ``dataset``/``vectors`` to skip loading."""
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = now - clock
        clock = now

    dataset = dataset if dataset is not None else load_dataset(config.dataset)
    vectors = vectors if vectors is not None else load_vectors(config.vectors)
    lap("load")
    comparison = compare_sets(
        dataset, vectors, per_class=config.budget.per_class(config.per_class), seeds=config.seeds, method=config.method,
        budget=config.budget, device=config.device, progress=progress,
    )
    lap("train, distill and evaluate")
    decoded = decode(comparison.distilled_set, vectors, k=5, vocabulary=dataset.vocab)
    words = compare_classes(decoded, dataset, top=8)
    lap("decode")
    mode = comparison.distilled.meta["mode"]  # the decoded texts are trained as the distilled set was
    fidelity = decode_fidelity(comparison.distilled_set, dataset, vectors, distilled_result=comparison.distilled,
                               seeds=comparison.distilled.seeds, mode=mode,
                               epochs=None if mode == "replay" else config.budget.subset_epochs, device=config.device)
    lap("decode fidelity")
    say = (lambda message: tqdm.write(message, file=sys.stderr)) if progress else log.info  # umap compiles ~10 s
    projection = project(dataset, vectors, distilled=comparison.distilled_set, decoded=decoded,
                         subset=comparison.random_subsets[0].indices, method=config.map_method,
                         max_real=600 if config.smoke else 3000, progress=say)
    lap("map")
    out = Path(config.out)
    comparison.distilled_set.save(out / "distilled")
    result = DemoResult(config, comparison, {r["class"]: r["decoded"].split() for r in words.to_dict("records")},
                        fidelity, out / "report.html", seconds)
    _write_report(result, dataset, vectors, decoded, words, projection)
    lap("report")
    atomic_write_json(out / "results.json", {
        "config": {**asdict(config), "out": str(config.out)}, "rows": comparison.rows(),
        "curves": [r.to_dict() for r in comparison.results], "class_words": result.class_words,
        "decode_fidelity": fidelity.summary(), "stage_seconds": seconds,
    })
    return result


def _write_report(result: DemoResult, dataset: TextDataset, vectors: WordVectors, decoded: Decoded,
                  words: pd.DataFrame, projection: Projection) -> None:
    comparison = result.comparison
    curves = {r.label: Curve.from_result(r) for r in comparison.results}
    replayed = comparison.distilled.meta.get("mode") == "replay"
    how = ("the distilled set scored better on validation by one pass of its learned steps and step sizes "
           "(the paper's protocol), so it is one point" if replayed else
           "the distilled set scored better on validation with shuffled minibatches")
    sections = [
        Section("Full data vs random subset vs distilled", Table(TABLE_COLUMNS, result.table()),
                note=f"test accuracy, mean ± std over {result.config.seeds} seeds (epoch chosen on validation); "
                "the TF-IDF row is a non-neural reference on the same training texts; full data is tuned on "
                "validation; random subsets are drawn anew per seed; each small set is trained by replaying "
                "the distiller's steps or with Adam, whichever is better on validation; "
                "make = seconds to build the training set, train = seconds per fresh model"),
        Section("Accuracy vs epoch", accuracy_vs_epoch(curves, title=f"{dataset.name}: test accuracy while training"),
                note=f"mean over seeds with a ±1 sd band; {how}"),
        Section("What each class's distilled samples decode to", Table(
            ["class", "decoded (most frequent nearest words)", "distinctive real words", "shared"],
            words[["class", "decoded", "distinctive", "shared"]].values.tolist()),
            note="distinctive real words: log-odds with an informative prior (Monroe et al. 2008)"),
        Section("What survives decoding", Table(["measure", "value"], result.fidelity.rows()),
                note="fresh models trained on the distilled matrices and on their decoded texts (each row replaced "
                "by its nearest word), same evaluator and seeds; the TF-IDF reference trained on the decoded texts "
                "as real text"),
        Section("Decoded distilled samples", decoded.to_html(),
                note="each token position shown as its nearest word; darker = closer; hover for the top 5; "
                "grey dots are positions nearest the zero padding vector"),
        Section("Map of real texts and distilled samples", projection.figure(),
                note=f"{projection.method.upper()} of {projection.features} document vectors; colour = class, "
                "marker = real / random subset / distilled"),
    ]
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in result.stage_seconds.items())
    write_report(result.report, f"Data distillation demo: {dataset.name}", sections,
                 subtitle=f"{dataset.name} ({dataset.num_classes} classes, {len(dataset.train):,} training texts), "
                 f"vectors {vectors.name}; {timings}")

"""TextDistill Lab: data distillation for text classification, runnable and teachable.

The public API, in the order the method runs: load data and vectors, distil (or pick a baseline
subset), evaluate any small training set the same way, then look inside (decode, project, plot).
Widgets are imported on first use, so the CLI never pays for ipywidgets.
"""

__version__ = "0.1.0"

from .baselines import RealSubset, full_data, herding, kcenter, random_subset  # noqa: E402
from .data import (  # noqa: E402
    DataError, DatasetInfo, NeedsInternetError, TextDataset, build_dataset, list_datasets, load_dataset,
)
from .class_summary import class_words, compare_classes, distinctive_words  # noqa: E402
from .decode import Decoded, decode  # noqa: E402
from .distill import (  # noqa: E402
    Callback, CheckpointError, DistillConfig, DistillInterrupted, DistillMemoryError, Distiller, DivergenceError,
)
from .distilled_set import DistilledSet, DistilledSetError  # noqa: E402
from .evaluate import EvalResult, FingerprintError, compare, evaluate, step_order_effect  # noqa: E402
from .models import MeanPoolMLP, TextCNN, make_model  # noqa: E402
from .plots import accuracy_vs_epoch, accuracy_vs_size, map_figure  # noqa: E402
from .project import Projection, project  # noqa: E402
from .vectors import WordVectors, vectors_coverage  # noqa: E402
from .vectors_sources import list_vectors, load_vectors  # noqa: E402

_LAZY_WIDGETS = ("LiveAccuracyPlot", "SizeExplorer", "DecodeExplorer")


def __getattr__(name: str):
    if name in _LAZY_WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'textdistill_lab' has no attribute {name!r}")


__all__ = [
    "Callback", "CheckpointError", "DataError", "DatasetInfo", "Decoded", "DecodeExplorer", "DistillConfig",
    "DistillInterrupted", "DistillMemoryError", "DistilledSet", "DistilledSetError", "Distiller", "DivergenceError",
    "EvalResult", "FingerprintError", "LiveAccuracyPlot", "MeanPoolMLP", "NeedsInternetError", "Projection",
    "RealSubset", "SizeExplorer", "TextCNN", "TextDataset", "WordVectors", "accuracy_vs_epoch", "accuracy_vs_size",
    "build_dataset", "class_words", "compare", "compare_classes", "decode", "distinctive_words", "evaluate",
    "full_data", "herding", "kcenter", "list_datasets", "list_vectors", "load_dataset", "load_vectors",
    "make_model", "map_figure", "project", "random_subset", "step_order_effect", "vectors_coverage",
]

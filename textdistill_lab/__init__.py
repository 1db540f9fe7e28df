"""TextDistill Lab: data distillation for text classification, runnable and teachable.

The public API, in the order the method runs: load data and vectors, distil (or pick a baseline
subset), evaluate any small training set the same way, then look inside (decode, project, plot).
Every name is imported on first use (see :mod:`._lazy`), so ``textdistill --help`` never loads
torch, pandas or plotly.
"""

from ._lazy import make_lazy
from ._version import __version__

_EXPORTS = {
    ".baselines": ("RealSubset", "full_data", "herding", "kcenter", "random_subset"),
    ".data": ("DataError", "DatasetInfo", "NeedsInternetError", "TextDataset", "build_dataset", "list_datasets",
              "load_dataset"),
    ".class_summary": ("class_words", "compare_classes", "distinctive_words"),
    ".decode": ("Decoded", "decode"),
    ".distill": ("Callback", "CheckpointError", "DistillConfig", "DistillInterrupted", "DistillMemoryError",
                 "Distiller", "DivergenceError"),
    ".distilled_set": ("DistilledSet", "DistilledSetError"),
    ".evaluate": ("EvalResult", "FingerprintError", "compare", "evaluate", "step_order_effect"),
    ".fidelity": ("DecodeFidelity", "decode_fidelity"),
    ".full_training": ("FullTraining", "train_full_model"),
    ".models": ("MeanPoolMLP", "TextCNN", "make_model"),
    ".plots": ("accuracy_vs_epoch", "accuracy_vs_size", "map_figure", "readability_tradeoff"),
    ".project": ("Projection", "project"),
    ".reference": ("tfidf_reference",),
    ".scoring": ("score_best_mode", "score_random_subsets"),
    ".vectors": ("WordVectors", "list_vectors", "load_vectors", "vectors_coverage"),
    ".widgets": ("DecodeExplorer", "DistillationPlot", "LiveAccuracyPlot", "SizeExplorer"),
}

__all__ = make_lazy(__name__, _EXPORTS)

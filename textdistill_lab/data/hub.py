"""The paper's eight benchmarks (Zhang, Zhao & LeCun 2015), online through Hugging Face ``datasets``.

Text fields are joined as Zhang et al. did (title, then body; Yahoo! Answers: question title,
question content, best answer), and the train/test sizes of their Table 1 are checked on load, so
a changed hub copy is noticed. Offline, a call fails at once with a message naming what works
offline. ``data_files`` points the same column mapping at local parquet/CSV files instead of the hub.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import DataError, NeedsInternetError
from ..download import host_reachable, textdistill_home
from .raw import RawData


@dataclass(frozen=True)
class HubSpec:
    """Where one benchmark lives on the hub and how its columns map to (text, label)."""

    hub_id: str
    text_columns: tuple[str, ...]
    label_column: str
    class_names: tuple[str, ...]
    train_size: int  # Zhang et al. 2015, Table 1
    test_size: int
    label_offset: int = 0  # subtracted from the stored label (1-based CSV mirrors)
    max_len: int | None = None  # the paper's padding length where it states one


_STARS = ("1 star", "2 stars", "3 stars", "4 stars", "5 stars")
HUB: dict[str, HubSpec] = {
    "ag_news": HubSpec("fancyzhx/ag_news", ("text",), "label",
                       ("World", "Sports", "Business", "Sci/Tech"), 120_000, 7_600, max_len=80),
    "dbpedia_14": HubSpec("fancyzhx/dbpedia_14", ("title", "content"), "label", (
        "Company", "EducationalInstitution", "Artist", "Athlete", "OfficeHolder", "MeanOfTransportation",
        "Building", "NaturalPlace", "Village", "Animal", "Plant", "Album", "Film", "WrittenWork"), 560_000, 70_000),
    "yahoo_answers_topics": HubSpec(
        "community-datasets/yahoo_answers_topics", ("question_title", "question_content", "best_answer"), "topic", (
            "Society & Culture", "Science & Mathematics", "Health", "Education & Reference",
            "Computers & Internet", "Sports", "Business & Finance", "Entertainment & Music",
            "Family & Relationships", "Politics & Government"), 1_400_000, 60_000),
    "sogou_news": HubSpec("community-datasets/sogou_news", ("title", "content"), "label",
                          ("sports", "finance", "entertainment", "automobile", "technology"), 450_000, 60_000),
    "yelp_review_full": HubSpec("Yelp/yelp_review_full", ("text",), "label", _STARS, 650_000, 50_000),
    "yelp_polarity": HubSpec("fancyzhx/yelp_polarity", ("text",), "label", ("negative", "positive"), 560_000, 38_000),
    "amazon_review_full": HubSpec(
        "yassiracharki/Amazon_Reviews_for_Sentiment_Analysis_fine_grained_5_classes",
        ("review_title", "review_text"), "class_index", _STARS, 3_000_000, 650_000, label_offset=1),
    "amazon_polarity": HubSpec("fancyzhx/amazon_polarity", ("title", "content"), "label",
                               ("negative", "positive"), 3_600_000, 400_000),
}


def hub_offline_reason() -> str | None:
    """Why the hub cannot be used right now (offline flags or no route to huggingface.co), else ``None``."""
    for flag in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        if os.environ.get(flag, "").strip().lower() in ("1", "true", "yes", "on"):
            return f"{flag} is set"
    if not host_reachable("huggingface.co", 443):
        return "huggingface.co is not reachable"
    return None


def join_fields(parts: Sequence[str | None]) -> str:
    """Zhang et al.'s text: the fields in order, their escaped newlines (``\\n``) made spaces."""
    return " ".join(p.replace("\\n", " ").strip() for p in parts if p and p.strip())


def map_columns(name: str, spec: HubSpec, columns: dict[str, list]) -> tuple[list[str], np.ndarray]:
    """(texts, labels) from a split's columns, with labels checked against the class count."""
    missing = [c for c in (*spec.text_columns, spec.label_column) if c not in columns]
    if missing:
        raise DataError(f"{name}: the data has no column(s) {missing}; the hub copy changed or data_files are wrong")
    texts = [join_fields(parts) for parts in zip(*(columns[c] for c in spec.text_columns))]
    labels = np.asarray(columns[spec.label_column], dtype=np.int64) - spec.label_offset
    if len(labels) and (labels.min() < 0 or labels.max() >= len(spec.class_names)):
        raise DataError(f"{name}: labels {labels.min()}..{labels.max()} do not fit {len(spec.class_names)} classes")
    return texts, labels


def load_hub(
    name: str,
    spec: HubSpec,
    offline_names: Sequence[str],
    *,
    data_files: dict[str, str | list[str]] | None = None,
) -> RawData:
    """One benchmark as ``RawData`` from the hub, or from local ``data_files`` ({"train": ..., "test": ...})."""
    import datasets  # heavy: imported only when a hub dataset is asked for

    if data_files is None:
        def needs_internet(reason: str) -> NeedsInternetError:
            return NeedsInternetError(
                f"{name} needs internet (Hugging Face hub {spec.hub_id}; {reason}); "
                f"offline datasets: {', '.join(offline_names)}"
            )

        reason = hub_offline_reason()
        if reason and "not reachable" in reason:  # without this, the hub client retries for ~25 s
            raise needs_internet(f"{reason}; with the dataset in your hub cache, set HF_DATASETS_OFFLINE=1")
        try:  # with the offline flags set, a cached copy still loads and a missing one fails at once
            loaded = datasets.load_dataset(spec.hub_id)
        except ConnectionError as exc:
            raise needs_internet(reason or str(exc)) from exc
    else:
        if set(data_files) != {"train", "test"}:
            raise DataError(f"{name}: data_files needs exactly the keys 'train' and 'test', got {sorted(data_files)}")
        first = data_files["train"] if isinstance(data_files["train"], str) else data_files["train"][0]
        builder = "csv" if str(first).endswith(".csv") else "parquet"
        cache = textdistill_home() / "hf-local"  # keep local conversions out of the user's hub cache
        loaded = datasets.load_dataset(builder, data_files=data_files, cache_dir=str(cache))
    splits = {}
    for split in ("train", "test"):
        if split not in loaded:
            raise DataError(f"{name}: the data has no {split!r} split (has {sorted(loaded)})")
        table = loaded[split]
        wanted = [c for c in (*spec.text_columns, spec.label_column) if c in table.column_names]
        splits[split] = map_columns(name, spec, table.select_columns(wanted).to_dict())
    if data_files is None:
        sizes = (len(splits["train"][0]), len(splits["test"][0]))
        if sizes != (spec.train_size, spec.test_size):
            raise DataError(
                f"{name}: {spec.hub_id} has {sizes[0]:,} train / {sizes[1]:,} test rows, but the paper's Table 1 "
                f"says {spec.train_size:,} / {spec.test_size:,}; the hub copy changed"
            )
    (train_texts, train_labels), (test_texts, test_labels) = splits["train"], splits["test"]
    return RawData(train_texts, train_labels, list(spec.class_names), test_texts, test_labels)

"""Labelled texts as a source delivers them (before tokenisation), their checks, and their parquet cache."""

from __future__ import annotations

import io
import json
import logging
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..io import atomic_write_bytes
from ..errors import DataError

log = logging.getLogger(__name__)

_INTEGER = re.compile(r"\s*[-+]?\d+\s*")
_NUMBER = re.compile(r"\s*[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|nan|inf)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class RawData:
    """Texts with labels indexing ``class_names``; a test split when the source ships one."""

    texts: list[str]
    labels: np.ndarray  # (n,) int64
    class_names: list[str]
    test_texts: list[str] | None = None
    test_labels: np.ndarray | None = None  # (n_test,) int64

    def check(self, name: str) -> RawData:
        """Refuse what would silently make a useless dataset: empty texts, one class, empty classes."""
        for split, texts, labels in (("train", self.texts, self.labels), ("test", self.test_texts, self.test_labels)):
            if texts is None:
                continue
            if len(texts) != len(labels):
                raise DataError(f"{name}: {split} has {len(texts)} texts but {len(labels)} labels")
            empty = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
            if empty:
                rows = ", ".join(str(i) for i in empty[:5])
                raise DataError(
                    f"{name}: {len(empty)} empty text(s) in {split} (rows {rows}{'…' if len(empty) > 5 else ''}); "
                    "drop or fill those rows"
                )
        if len(self.class_names) < 2:
            found = f" ({self.class_names[0]!r})" if self.class_names else ""
            raise DataError(f"{name}: only one class{found}; a classifier needs at least two labels")
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        missing = [self.class_names[i] for i in np.flatnonzero(counts == 0)]
        if missing:
            raise DataError(f"{name}: class(es) {missing} have no training examples; drop them from the label set")
        return self


def _kind(value: object) -> str:
    if isinstance(value, str):
        return "str"
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        return "int"
    return type(value).__name__


def labels_to_ids(
    values: Sequence[object], where: str, class_names: Sequence[str] | None = None
) -> tuple[np.ndarray, list[str]]:
    """Integer ids for labels that are all integers or all strings; class names are their sorted values.

    With ``class_names`` given (a test split), every label must be one of them.
    """
    kinds = {_kind(value) for value in values}
    if kinds - {"int", "str"} or len(kinds) > 1:
        raise DataError(
            f"{where}: labels must be all integers or all strings, found {sorted(kinds)}; "
            "map them to class names or integer ids first"
        )
    if kinds == {"str"}:
        if all(_INTEGER.fullmatch(v) for v in values):  # type: ignore[arg-type]
            values = [int(v) for v in values]  # type: ignore[arg-type]
        else:
            bad = next((v for v in values if not v.strip() or _NUMBER.fullmatch(v)), None)  # type: ignore[union-attr]
            if bad is not None:
                raise DataError(
                    f"{where}: label {bad!r} is empty or a non-integer number; labels must be all integers "
                    "or all class names"
                )
    if class_names is None:
        uniques = sorted(set(values))  # type: ignore[type-var]
        class_names = [str(v) for v in uniques]
    lookup = {name: i for i, name in enumerate(class_names)}
    ids = np.empty(len(values), dtype=np.int64)
    for row, value in enumerate(values):
        idx = lookup.get(str(value))
        if idx is None:
            raise DataError(
                f"{where}: label {value!r} (row {row}) is not one of the training classes {list(class_names)}"
            )
        ids[row] = idx
    return ids, list(class_names)


def save_raw(raw: RawData, path: Path, source_sha256: str) -> None:
    """Cache ``raw`` as one parquet file (atomic), recording which verified source it came from."""
    texts = list(raw.texts) + list(raw.test_texts or [])
    labels = np.concatenate([raw.labels, raw.test_labels if raw.test_labels is not None else []]).astype(np.int64)
    split = ["train"] * len(raw.texts) + ["test"] * len(raw.test_texts or [])
    table = pa.table({"text": texts, "label": labels, "split": split})
    meta = {"class_names": raw.class_names, "source_sha256": source_sha256, "has_test": raw.test_texts is not None}
    table = table.replace_schema_metadata({"textdistill": json.dumps(meta)})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_raw(path: Path, source_sha256: str) -> RawData | None:
    """The cached ``RawData``, or ``None`` when absent, from another source version, or unreadable (then removed)."""
    if not path.exists():
        return None
    try:
        table = pq.read_table(path)
        meta = json.loads(table.schema.metadata[b"textdistill"])
    except (OSError, pa.ArrowException, KeyError, TypeError, ValueError) as exc:
        log.warning("cached %s is unreadable (%s); removing it and rebuilding", path, exc)
        path.unlink(missing_ok=True)
        return None
    if meta["source_sha256"] != source_sha256:
        return None
    columns = table.to_pydict()
    is_test = np.asarray(columns["split"]) == "test"
    texts = np.asarray(columns["text"], dtype=object)
    labels = np.asarray(columns["label"], dtype=np.int64)
    has_test = meta["has_test"]
    return RawData(
        texts=texts[~is_test].tolist(),
        labels=labels[~is_test],
        class_names=list(meta["class_names"]),
        test_texts=texts[is_test].tolist() if has_test else None,
        test_labels=labels[is_test] if has_test else None,
    )

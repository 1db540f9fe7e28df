"""WordNet glosses → lexicographer category: an offline, DBpedia-like "description → type" task.

DBpedia-14 asks which ontology class (person, animal, plant, building, work, …) a short encyclopedic
description belongs to. WordNet 3.0's noun synsets carry a definition ("gloss") and one of 26
lexicographer files (``noun.person``, ``noun.animal``, …): the same task with real definitions.
We keep the six largest categories of entities and deeds — act, animal, artifact, communication,
person, plant (5,607 to 11,587 synsets each) — and cap each at 6,000 synsets (a fixed seeded
choice) so the classes are balanced like DBpedia's. Text = the synset's words + its gloss, as
DBpedia's text is title + abstract. Reads Debian's ``wordnet-base`` files; never downloads.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from ..errors import DataError
from .raw import RawData

WORDNET_DIR = Path("/usr/share/wordnet")
DATA_NOUN_SHA256 = "fea17d2f9656611334eac790e5d69e47645fa180c4aa481fb4cd9b3520754ca2"  # WordNet 3.0, Debian 1:3.0-37
CATEGORIES = {4: "act", 5: "animal", 6: "artifact", 10: "communication", 18: "person", 20: "plant"}
PER_CLASS = 6000


def data_noun_path() -> Path:
    """``data.noun`` under ``$WORDNET_DIR`` (default ``/usr/share/wordnet``, where Debian installs it)."""
    return Path(os.environ.get("WORDNET_DIR", WORDNET_DIR)) / "data.noun"


def wordnet_installed() -> bool:
    return data_noun_path().is_file()


def read_data_noun() -> tuple[bytes, str]:
    """The bytes of ``data.noun`` and their sha256, or a clear error saying how to install it."""
    path = data_noun_path()
    if not path.is_file():
        raise DataError(
            f"wordnet-topics needs WordNet's {path}; install it with `apt-get install wordnet-base` "
            "(Debian/Ubuntu) or set WORDNET_DIR to a folder holding WordNet 3.0's dict files"
        )
    data = path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def parse_data_noun(data: bytes, *, per_class: int = PER_CLASS, seed: int = 0) -> RawData:
    """Glosses of the chosen categories, at most ``per_class`` each (seeded choice), as ``RawData``."""
    by_class: dict[int, list[str]] = {k: [] for k in CATEGORIES}
    for line in data.decode("utf-8").splitlines():
        if line.startswith("  ") or " | " not in line:  # licence header lines start with two spaces
            continue
        head, gloss = line.split(" | ", 1)
        fields = head.split()
        lexfile = int(fields[1])
        if lexfile not in by_class:
            continue
        n_words = int(fields[3], 16)
        words = [w.replace("_", " ") for w in fields[4 : 4 + 2 * n_words : 2]]
        by_class[lexfile].append(f"{', '.join(words)}: {gloss.strip()}")
    empty = [CATEGORIES[k] for k, texts in by_class.items() if not texts]
    if empty:
        raise DataError(f"wordnet-topics: no synsets for {empty} in data.noun; is it WordNet 3.0's data.noun?")
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    labels: list[int] = []
    for label, lexfile in enumerate(sorted(CATEGORIES)):
        pool = by_class[lexfile]
        keep = np.sort(rng.choice(len(pool), size=min(per_class, len(pool)), replace=False))
        texts.extend(pool[i] for i in keep)
        labels.extend([label] * len(keep))
    return RawData(texts, np.asarray(labels, dtype=np.int64), [CATEGORIES[k] for k in sorted(CATEGORIES)])

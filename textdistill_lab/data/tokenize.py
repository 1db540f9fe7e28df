"""Kim (2014)-style text cleaning, vocabulary building and fixed-length encoding.

The regexes follow the *behaviour* of Kim's ``clean_str`` (lower-case, split clitics and
punctuation into their own tokens, drop other symbols); they are written from that description.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

PAD = "<pad>"
UNK = "<unk>"
PAD_ID = 0
UNK_ID = 1

_DROP = re.compile(r"[^a-z0-9(),!?'`\.\-]")
_CLITIC = re.compile(r"('s|'ve|n't|'re|'d|'ll|'m)\b")
_PUNCT = re.compile(r"([(),!?])")
_DOTS = re.compile(r"\.+")
_SPACES = re.compile(r"\s+")
_CLITICS = frozenset({"'s", "'ve", "n't", "'re", "'d", "'ll", "'m"})


def tokenize(text: str) -> list[str]:
    """Lower-case and split a text into word and punctuation tokens (Kim 2014 style)."""
    text = _DROP.sub(" ", text.lower())
    text = _CLITIC.sub(r" \1", text)
    text = _PUNCT.sub(r" \1 ", text)
    text = _DOTS.sub(" ", text)
    text = text.replace("`", "'")
    tokens = []
    for token in _SPACES.split(text.strip()):
        if token not in _CLITICS:
            token = token.strip("'-")  # quotes and dashes around words carry no meaning for GloVe
        if token:
            tokens.append(token)
    return tokens


def build_vocab(token_lists: Iterable[Sequence[str]], min_count: int = 1) -> list[str]:
    """Vocabulary of the training split, most frequent first; ids 0 and 1 are padding and unknown."""
    counts = Counter(token for tokens in token_lists for token in tokens)
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return [PAD, UNK, *words]


def encode(token_lists: Sequence[Sequence[str]], word_to_id: dict[str, int], max_len: int) -> np.ndarray:
    """Token ids ``(n, max_len)``: truncated at ``max_len``, right-padded with ``PAD_ID``."""
    if max_len <= 0:
        raise ValueError(f"max_len must be positive, got {max_len}; pass e.g. max_len=40")
    ids = np.full((len(token_lists), max_len), PAD_ID, dtype=np.int64)
    for row, tokens in enumerate(token_lists):
        for col, token in enumerate(tokens[:max_len]):
            ids[row, col] = word_to_id.get(token, UNK_ID)
    return ids

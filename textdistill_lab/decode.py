"""Nearest-word decoding: what each token position of a synthetic matrix is closest to.

A distilled sample is a ``(tokens, dim)`` matrix in word-vector space; reading it as text means
finding, for every row, the nearest words. Each row keeps its top-k words with their scores, and is
*marked* (never hidden) when its best match is weak or when it is closer to the zero padding vector
than to any word it decodes to.

Search is exact. Word vectors are visited in chunks so memory stays bounded (never a full
``rows x words`` score matrix). For big vocabularies and cosine, a bf16 pass first keeps a shortlist
of candidate words per row, fp32 re-ranks it, and every row whose result the bf16 error bound
cannot guarantee is searched again in fp32 (see :func:`_shortlist_topk`).
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .distilled_set import DistilledSet
from .validators import check_instance, check_int
from .vectors import WordVectors

log = logging.getLogger(__name__)
METRICS = ("cosine", "euclidean")
SHORTLIST_MIN_WORDS = 20_000  # below this, plain fp32 chunks are already fast
_ROW_BLOCK = 64  # query rows per score block: a bf16 block of 64 x 32768 words is 4 MB and stays in cache (256 rows: ~15% slower)
_GROUP = 16  # bf16 pass: words per group whose maximum is kept
_GROUPS_KEPT = 24  # groups kept per row: 384 candidate words re-ranked in fp32
_BF16_EPS = 4 * 2.0**-8  # bound on |bf16 cosine - exact cosine| for unit vectors (3u + u^2 < 4u)
WORDLIKE = re.compile(r"[a-z0-9]", re.IGNORECASE)  # a token with a letter or digit: a word, not punctuation


@dataclass(frozen=True)
class Decoded:
    """Top-k nearest words of every token position of ``(samples, tokens)`` synthetic rows.

    ``scores`` is cosine similarity for ``metric="cosine"`` and *minus* the Euclidean distance for
    ``metric="euclidean"`` (higher is nearer either way). ``cosine`` is the cosine to each of those
    words whatever the metric: shading and the weak mark use it, so both metrics read alike.
    """

    words: list[str]  # the candidate vocabulary; ``indices`` point into it
    indices: np.ndarray  # (samples, tokens, k) int64
    scores: np.ndarray  # (samples, tokens, k) float32
    cosine: np.ndarray  # (samples, tokens, k) float32
    padding: np.ndarray  # (samples, tokens) bool: closer to the zero vector than to its best word
    weak: np.ndarray  # (samples, tokens) bool: best cosine below ``weak_below``
    metric: str
    weak_below: float
    labels: np.ndarray | None = None  # (samples,) class index per sample, when known
    class_names: tuple[str, ...] = ()

    @property
    def num_samples(self) -> int:
        return int(self.indices.shape[0])

    @property
    def k(self) -> int:
        return int(self.indices.shape[2])

    def word(self, sample: int, position: int, rank: int = 0) -> str:
        return self.words[int(self.indices[sample, position, rank])]

    def tokens(self, sample: int, *, skip_padding: bool = True) -> list[str]:
        """Best word per position; padding positions are dropped or shown as ``<pad>``."""
        out = []
        for pos in range(self.indices.shape[1]):
            if self.padding[sample, pos]:
                if not skip_padding:
                    out.append("<pad>")
                continue
            out.append(self.word(sample, pos) + ("?" if self.weak[sample, pos] else ""))
        return out

    def text(self, sample: int, *, skip_padding: bool = True) -> str:
        """One line of plain text; weak words end in ``?``."""
        return " ".join(self.tokens(sample, skip_padding=skip_padding))

    def class_of(self, sample: int) -> str:
        if self.labels is None:
            return ""
        return self.class_names[int(self.labels[sample])] if self.class_names else str(int(self.labels[sample]))

    def to_html(self, samples: Iterable[int] | None = None, *, skip_padding: bool = False) -> str:
        """Shaded tokens (darker = more similar), top-k on hover; weak words underlined, padding grey."""
        rows = []
        for i in range(self.num_samples) if samples is None else samples:
            spans = []
            for pos in range(self.indices.shape[1]):
                if self.padding[i, pos] and skip_padding:
                    continue
                spans.append(self._span(i, pos))
            label = html.escape(self.class_of(i))
            head = f'<span class="td-label">{label}</span> ' if label else ""
            rows.append(f'<div class="td-sample" data-sample="{i}">{head}{" ".join(spans)}</div>')
        return f'<div class="td-decoded" style="{_BOX_STYLE}">{"".join(rows)}</div>'

    def _span(self, i: int, pos: int) -> str:
        hover = ", ".join(f"{self.word(i, pos, r)} {self.cosine[i, pos, r]:.2f}" for r in range(self.k))
        if self.padding[i, pos]:
            title = html.escape(f"padding (near the zero vector); nearest: {hover}")
            return f'<span class="td-pad" style="color:#aaa" title="{title}">·</span>'
        alpha = 0.08 + 0.5 * float(np.clip(self.cosine[i, pos, 0], 0.0, 1.0))  # text stays readable
        weak = ";text-decoration:underline dotted" if self.weak[i, pos] else ""
        kind = "td-weak" if self.weak[i, pos] else "td-word"
        return (f'<span class="{kind}" style="background:rgba(31,119,180,{alpha:.2f});padding:0 2px;'
                f'border-radius:3px{weak}" title="{html.escape(hover)}">{html.escape(self.word(i, pos))}</span>')

    def to_ansi(self, samples: Iterable[int] | None = None, *, color: bool = True,
                escape: Callable[[str], str] = str) -> str:
        """Lines of text for a terminal: each word on a blue background as dark as its closeness.

        The background steps through five shades of the 256-colour palette by the cosine to the
        word (below 0.2: none); weak words end in ``?``, padding is ``·``. ``color=False`` is plain text.
        ``escape`` cleans each word and class name (they come from files) before the shading is added.
        """
        lines = []
        for i in range(self.num_samples) if samples is None else samples:
            words = []
            for pos in range(self.indices.shape[1]):
                if self.padding[i, pos]:
                    words.append("·")
                    continue
                word = escape(self.word(i, pos)) + ("?" if self.weak[i, pos] else "")
                shade = int(np.clip(self.cosine[i, pos, 0], 0.0, 1.0) * 5) - 1  # 0..4, -1 = no shading
                words.append(f"\033[97;48;5;{_ANSI_BLUES[min(shade, 4)]}m{word}\033[0m" if color and shade >= 0 else word)
            label = escape(self.class_of(i) or "")
            lines.append((f"[{label}] " if label else "") + " ".join(words))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        lines = []
        for i in range(self.num_samples):
            label = self.class_of(i)
            lines.append(f"[{label}] {self.text(i)}" if label else self.text(i))
        return "\n".join(lines)


_BOX_STYLE = "font-family:monospace;line-height:1.9"
_ANSI_BLUES = (17, 18, 19, 20, 21)  # 256-colour palette, dark to bright blue: closer words shine brighter


def decode(
    data: DistilledSet | torch.Tensor | np.ndarray,
    vectors: WordVectors,
    *,
    k: int = 5,
    metric: str = "cosine",
    vocabulary: Sequence[str] | None = None,
    exclude_stop_words: bool = False,
    exclude: Iterable[str] = (),
    weak_below: float = 0.5,
    chunk_size: int = 32768,
    shortlist: bool | None = None,
    labels: np.ndarray | None = None,
    class_names: Sequence[str] = (),
) -> Decoded:
    """Nearest words of every row of ``data`` ``(samples, tokens, dim)`` (or one ``(tokens, dim)``).

    ``vocabulary`` restricts the search to those words (e.g. ``dataset.vocab``); ``None`` searches
    every word of ``vectors``. ``exclude_stop_words`` drops English stop words and punctuation from
    the candidates. ``shortlist=None`` uses the bf16 shortlist for cosine over more than
    ``SHORTLIST_MIN_WORDS`` words; results are exact either way.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    check_int("top_k", k, "k")
    check_instance("vectors", vectors, WordVectors, "a WordVectors from load_vectors(...)")
    if isinstance(data, DistilledSet):
        labels = data.hard_labels.cpu().numpy() if labels is None else labels
        class_names = class_names or data.class_names
        data = data.data
    rows = as_float_tensor(data)
    if rows.ndim == 2:
        rows = rows.unsqueeze(0)
    if rows.ndim != 3 or rows.shape[2] != vectors.dim:
        raise ValueError(
            f"data must be (samples, tokens, dim={vectors.dim}), got shape {tuple(rows.shape)}; "
            f"decode with the vectors the data was made with"
        )
    candidates = _candidates(vectors, vocabulary, exclude_stop_words, set(exclude))
    k = min(k, len(candidates))
    words = [vectors.words[i] for i in candidates]
    samples, tokens, dim = rows.shape
    q = rows.reshape(-1, dim)  # (samples * tokens, dim)
    use_shortlist = (metric == "cosine" and len(candidates) > SHORTLIST_MIN_WORDS) if shortlist is None else shortlist
    if use_shortlist and metric != "cosine":
        raise ValueError("shortlist=True works with metric='cosine' only; pass shortlist=None")
    if use_shortlist:
        scores, idx = _shortlist_topk(q, vectors.matrix, candidates, k, chunk_size)
    else:
        scores, idx = _exact_topk(q, vectors.matrix, candidates, k, metric, chunk_size)
    best = _word_rows(vectors.matrix, candidates, idx)  # (rows, k, dim)
    cosine = F.cosine_similarity(q.unsqueeze(1), best, dim=2)
    norms = q.norm(dim=1)
    padding = norms < (q - best[:, 0]).norm(dim=1)
    shape = (samples, tokens)
    return Decoded(
        words=words,
        indices=idx.reshape(*shape, k).numpy(),
        scores=scores.reshape(*shape, k).numpy(),
        cosine=cosine.reshape(*shape, k).numpy(),
        padding=padding.reshape(shape).numpy(),
        weak=(cosine[:, 0] < weak_below).reshape(shape).numpy(),
        metric=metric,
        weak_below=weak_below,
        labels=None if labels is None else np.asarray(labels, dtype=np.int64),
        class_names=tuple(class_names),
    )


def as_float_tensor(data: torch.Tensor | np.ndarray) -> torch.Tensor:
    """A detached float32 CPU tensor of ``data`` (a tensor on any device, or an array)."""
    if isinstance(data, torch.Tensor):
        return data.detach().float().cpu()
    return torch.as_tensor(np.asarray(data, dtype=np.float32))


def _candidates(vectors: WordVectors, vocabulary, exclude_stop_words: bool, exclude: set[str]) -> np.ndarray:
    """Row indices into ``vectors.matrix`` of the words that may be decoded to."""
    if vocabulary is None:
        if not exclude and not exclude_stop_words:
            return np.arange(len(vectors), dtype=np.int64)
        pool = enumerate(vectors.words)
    else:
        pool = ((vectors.index_of(w), w) for w in dict.fromkeys(vocabulary))
    keep = [i for i, w in pool if i is not None and w not in exclude and (not exclude_stop_words or is_content_word(w))]
    if not keep:
        raise ValueError(
            f"no candidate words left: none of the vocabulary is in vectors {vectors.name!r} "
            "or every word was excluded; pass vocabulary=None to search all words"
        )
    return np.asarray(keep, dtype=np.int64)


def _word_chunks(
    matrix: np.ndarray, candidates: np.ndarray, chunk: int, unit: bool
) -> Iterator[tuple[int, torch.Tensor]]:
    """``(start, words (chunk, dim) float32)`` over the candidates, optionally unit-normalised."""
    contiguous = len(candidates) == len(matrix) and np.array_equal(candidates, np.arange(len(matrix)))
    for start in range(0, len(candidates), chunk):
        block = matrix[start : start + chunk] if contiguous else matrix[candidates[start : start + chunk]]
        w = torch.from_numpy(np.ascontiguousarray(block, dtype=np.float32))
        yield start, F.normalize(w, dim=1) if unit else w


def _word_rows(matrix: np.ndarray, candidates: np.ndarray, idx: torch.Tensor) -> torch.Tensor:
    """Word vectors ``(*idx.shape, dim)`` for candidate positions ``idx``."""
    flat = candidates[idx.reshape(-1).numpy()]
    return torch.from_numpy(np.asarray(matrix[flat], dtype=np.float32)).reshape(*idx.shape, -1)


def _merge(best_v: torch.Tensor, best_i: torch.Tensor, v: torch.Tensor, i: torch.Tensor, k: int):
    """Keep the running top-k of two ``(rows, *)`` score/index pairs."""
    all_v, all_i = torch.cat([best_v, v], 1), torch.cat([best_i, i], 1)
    top_v, pick = all_v.topk(k, dim=1)
    return top_v, all_i.gather(1, pick)


def _exact_topk(q, matrix, candidates, k, metric, chunk):
    """fp32 search in ``(row block x word chunk)`` tiles with a running top-k: ``(scores, idx)``."""
    cosine = metric == "cosine"
    queries = F.normalize(q, dim=1) if cosine else q
    n = len(q)
    best_v = torch.full((n, k), -torch.inf)
    best_i = torch.zeros((n, k), dtype=torch.int64)
    for start, w in _word_chunks(matrix, candidates, chunk, unit=cosine):
        bias = None if cosine else -(w * w).sum(1)  # ||q - w||^2 = ||q||^2 - (2 q.w - ||w||^2)
        for r in range(0, n, _ROW_BLOCK):
            block = queries[r : r + _ROW_BLOCK]
            s = block @ w.T if cosine else torch.addmm(bias, block, w.T, alpha=2.0)
            v, i = s.topk(min(k, s.shape[1]), dim=1)
            best_v[r : r + _ROW_BLOCK], best_i[r : r + _ROW_BLOCK] = _merge(
                best_v[r : r + _ROW_BLOCK], best_i[r : r + _ROW_BLOCK], v, i + start, k)
    if not cosine:
        best_v = -(best_v.neg() + (q * q).sum(1, keepdim=True)).clamp_min(0).sqrt()
    return best_v, best_i


def _shortlist_topk(q, matrix, candidates, k, chunk):
    """Exact cosine top-k: bf16 shortlist of word groups, fp32 re-rank, fp32 redo where unproven.

    Each chunk of words is cut into ``chunk / _GROUP`` groups; group ``m`` holds words
    ``m, m + stride, m + 2 * stride, ...`` so its maximum is a fast reduction over a middle axis.
    The bf16 pass keeps, per row, the ``_GROUPS_KEPT`` groups with the highest bf16 maximum (read
    as int16, which orders non-negative bf16 values correctly without converting the score block).
    Every word outside them has bf16 score <= T, the last kept group's maximum, so its exact cosine
    is <= T + eps. A row is proven exact when T > 0 and its exact k-th score exceeds T + eps; the
    other rows go through :func:`_exact_topk`.
    """
    n, total = len(q), len(candidates)
    chunks = -(-total // chunk)
    align = _GROUP * 64  # groups per chunk a multiple of 64: the max over a middle axis vectorises
    chunk = -(-total // (chunks * align)) * align
    stride = chunk // _GROUP
    qb = F.normalize(q, dim=1).bfloat16()
    keys = torch.full((n, _GROUPS_KEPT), torch.iinfo(torch.int16).min, dtype=torch.int16)
    groups = torch.zeros((n, _GROUPS_KEPT), dtype=torch.int64)
    for start, w in _word_chunks(matrix, candidates, chunk, unit=True):
        wb = F.pad(w, (0, 0, 0, chunk - len(w))).bfloat16()  # zero words score 0: never proven
        for r in range(0, n, _ROW_BLOCK):
            s = qb[r : r + _ROW_BLOCK] @ wb.T  # (block, chunk) bf16
            key = s.view(torch.int16).view(len(s), _GROUP, stride).amax(dim=1)  # (block, groups)
            v, g = _new_best(key, keys[r : r + _ROW_BLOCK, -1], first=start == 0)
            keys[r : r + _ROW_BLOCK], groups[r : r + _ROW_BLOCK] = _merge(
                keys[r : r + _ROW_BLOCK], groups[r : r + _ROW_BLOCK], v, g + start // _GROUP, _GROUPS_KEPT)
    threshold = keys[:, -1].view(torch.bfloat16).float()
    best_v = torch.empty((n, k))
    best_i = torch.empty((n, k), dtype=torch.int64)
    members = torch.arange(_GROUP) * stride
    for r in range(0, n, _ROW_BLOCK):
        gid = groups[r : r + _ROW_BLOCK, :, None]
        ids = (gid // stride * chunk + gid % stride + members).reshape(len(gid), -1)
        valid = ids < total
        ids = torch.where(valid, ids, 0)
        w = F.normalize(_word_rows(matrix, candidates, ids), dim=2)  # (block, candidates, dim)
        s = torch.einsum("bd,bcd->bc", F.normalize(q[r : r + _ROW_BLOCK], dim=1), w).masked_fill(~valid, -torch.inf)
        v, j = s.topk(k, dim=1)
        best_v[r : r + _ROW_BLOCK], best_i[r : r + _ROW_BLOCK] = v, ids.gather(1, j)
    unproven = ~((threshold > 0) & (best_v[:, -1] > threshold + _BF16_EPS))
    log.debug("bf16 shortlist: %d of %d rows not proven, redone in fp32", int(unproven.sum()), n)
    if unproven.any():
        redo = unproven.nonzero().squeeze(1)
        best_v[redo], best_i[redo] = _exact_topk(q[redo], matrix, candidates, k, "cosine", chunk)
    return best_v, best_i


def _new_best(key: torch.Tensor, floor: torch.Tensor, *, first: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Groups of one chunk that may enter the running top list: ``(values, columns)`` per row.

    The first chunk takes its top ``_GROUPS_KEPT``. Later chunks only offer the groups above the
    row's current last kept key, usually a handful, found with a compare instead of a top-k scan.
    """
    if first:
        return key.topk(min(_GROUPS_KEPT, key.shape[1]), dim=1)
    rows, cols = (key > floor[:, None]).nonzero(as_tuple=True)
    counts = torch.bincount(rows, minlength=len(key))
    width = max(int(counts.max()) if len(rows) else 0, 1)
    slot = torch.arange(len(rows)) - (torch.cumsum(counts, 0) - counts)[rows]  # position within its row
    values = torch.full((len(key), width), torch.iinfo(torch.int16).min, dtype=key.dtype)
    columns = torch.zeros((len(key), width), dtype=torch.int64)
    values[rows, slot], columns[rows, slot] = key[rows, cols], cols
    return values, columns


@functools.cache
def stop_words() -> frozenset[str]:
    """English stop words (scikit-learn's list): frequent in every class, so they say little about one."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def is_content_word(word: str) -> bool:
    """Not a stop word and with a letter or digit: what ``exclude_stop_words`` keeps, everywhere."""
    return word not in stop_words() and WORDLIKE.search(word) is not None

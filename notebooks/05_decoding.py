# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. What do distilled "texts" say?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/textdistill-lab/textdistill-lab/blob/v0.1.0/notebooks/05_decoding.ipynb)
# [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/textdistill-lab/textdistill-lab/v0.1.0?urlpath=lab/tree/notebooks/05_decoding.ipynb)
#
# **What you will learn**
# - how to read a synthetic `(tokens, dim)` matrix as text: the nearest word of every row;
# - per-class word tables: do the distilled samples of a class "learn the topic"?
# - why many positions decode to padding or to nothing in particular, and what that tells you;
# - how the choice of metric (cosine or Euclidean) and vocabulary changes what you read.
#
# **Prerequisites**: chapter 3 (making a distilled set); cosine similarity.
#
# **Run time** on a 2-core CPU (`benchmarks/bench_notebooks.py`, machine load in benchmarks/README.md): 1 min 09 s at the class budget, 2 min 27 s at the full budget; peak memory 0.82 GB; not measured on a GPU — none was available.
# Set `BUDGET` in the first code cell: `"class"` (the default) shows the effect in about 2 minutes on a
# 2-core CPU, `"full"` runs more seeds and sizes, `"smoke"` only checks that the code runs.

# %% tags=["hide-input"]
import os
import sys

BUDGET = "class"  # "smoke" (seconds; its numbers mean nothing) | "class" (~2 min on a 2-core CPU) | "full"
BUDGET = os.environ.get("TEXTDISTILL_BUDGET", BUDGET)  # the tests and the book build set it
IN_COLAB = "google.colab" in sys.modules
if IN_COLAB:  # Colab already has torch and numpy: install only this package, and let widgets draw
    import subprocess

    from google.colab import output

    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "textdistill-lab @ git+https://github.com/textdistill-lab/textdistill-lab@v0.1.0"], check=True)
    output.enable_custom_widget_manager()
else:  # interactive figures in Jupyter, kept as interactive HTML in the book's static pages
    import plotly.io as pio

    pio.renderers.default = "plotly_mimetype+notebook"

from textdistill_lab.budget import chapter_sizes

SIZES = chapter_sizes(5, BUDGET)
SIZES  # the budget banner: what this budget means for the numbers below

# %%
import numpy as np
import pandas as pd
import plotly.express as px
import torch
from IPython.display import HTML, display

from textdistill_lab import (
    DecodeExplorer, DistillConfig, Distiller, compare_classes, decode, evaluate, load_dataset, load_vectors,
)
from textdistill_lab.models import embed

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DISTILL_BUDGET = SIZES.distill  # DistillConfig fields that differ from its defaults

# %% [markdown]
# ## First, decode something we know: real questions
#
# A real question, embedded, is a stack of GloVe vectors; decoding must give the words back, and
# mark the zero rows that pad short questions to `max_len` tokens. This is the sanity check that
# makes the rest believable.

# %%
dataset = load_dataset("trec")
vectors = load_vectors("glove-6b-50d")
embedding = torch.from_numpy(vectors.embedding_for(dataset.vocab)[0])
real = embed(torch.as_tensor(dataset.train.token_ids[:3]), embedding)  # (3, tokens, 50)
decoded_real = decode(real, vectors, k=3, vocabulary=dataset.vocab)
for i in range(3):
    print("original:", dataset.train.texts[i])
    print("decoded: ", decoded_real.text(i, skip_padding=False), "\n")

# %% [markdown]
# ## Now a distilled set
#
# We distil 10 samples per class, starting from **real** questions (the library's default,
# `init="real"`) and, as in the paper, from **Gaussian noise** (`init="noise"`). Both are decoded
# against the dataset's own vocabulary.

# %%
sets = {}
for init in ["real", "noise"]:
    config = DistillConfig(per_class=10, init=init, device=DEVICE, **DISTILL_BUDGET)
    sets[init] = Distiller(config).fit(dataset, vectors, progress=SIZES.progress)
decoded = {init: decode(s, vectors, k=5, vocabulary=dataset.vocab) for init, s in sets.items()}
print("Distilled from real questions (darker = closer to the word; hover for the top 5; · = padding):")
display(HTML(decoded["real"].to_html(samples=range(0, 60, 10))))
print("Distilled from noise:")
display(HTML(decoded["noise"].to_html(samples=range(0, 60, 10))))

# %% [markdown]
# In Jupyter, the decode explorer lets you pick a class and a sample and switch between the dataset's
# vocabulary and all 400,000 GloVe words, and between cosine and Euclidean distance (on a static page
# it shows the first sample):

# %%
explorer = DecodeExplorer(sets["real"], vectors, vocabulary=dataset.vocab)
explorer.show()

# %% [markdown]
# Samples that started as real questions keep many of their words: distillation nudges them just
# enough to teach better, and the nudged rows stay close to the original words. Samples that started
# as noise decode to words the optimisation happened to drift towards — often rare words with odd
# vectors — and many positions are **weak** (underlined: best cosine below 0.5). The network reads
# directions in embedding space, not words, so a synthetic sample can teach without reading as a
# sentence. Do not take that on trust: train fresh TextCNNs on each set and compare.

# %%
scores = {init: evaluate(s, dataset, vectors, mode="replay", seeds=SIZES.seeds, device=DEVICE,
                         label=f"distilled from {init}") for init, s in sets.items()}
for init, result in scores.items():
    print(f"distilled from {init:5s}: test accuracy {result.mean:.1%} ± {result.std:.1%} ({len(result.seeds)} seeds)")

from textdistill_lab.quote import quote  # the numbers the text below quotes, in the book

for init, result in scores.items():
    quote(f"ch5_{init}", result.mean)

# %% [markdown]
# In this run the set that started from noise scores {glue:text}`ch5_noise:.1%` and the set that
# started from real questions {glue:text}`ch5_real:.1%`; chance is 1/6 on TREC's six classes.
# If the noise-initialised set scores well above chance while decoding to
# nonsense, the network learned from directions, not words. If it scores clearly below the set that
# started from real questions, the real start is doing part of the teaching — a reason the library
# defaults to `init="real"`.
#
# ## Per-class word tables
#
# The table a teacher shows first: per class, the words its distilled samples decode to most often,
# beside the class's most **distinctive** real words (log-odds with an informative prior, Monroe et
# al. 2008) and the words they share.

# %%
compare_classes(decoded["real"], dataset, top=8)

# %%
compare_classes(decoded["noise"], dataset, top=8)

# %% [markdown]
# ## How close are the decoded words?
#
# The best cosine similarity per position, for real questions, and for the two distilled sets. Zero
# padding rows are left out. Real words decode perfectly (cosine 1); distilled rows sit between
# words.

# %%
real_all = decode(embed(torch.as_tensor(dataset.test.token_ids[:200]), embedding), vectors, k=1, vocabulary=dataset.vocab)
frames = []
for name, d in [("real questions", real_all), ("distilled from real", decoded["real"]), ("distilled from noise", decoded["noise"])]:
    best = d.cosine[:, :, 0][~d.padding]
    frames.append(pd.DataFrame({"best cosine": best, "texts": name}))
    print(f"{name:22s} padding {d.padding.mean():5.1%}   weak (< {d.weak_below}) {d.weak[~d.padding].mean():5.1%} of the other positions")
px.histogram(pd.concat(frames), x="best cosine", color="texts", barmode="overlay", nbins=40, histnorm="probability",
             title="Best cosine similarity of each non-padding position").update_layout(width=750, height=420).show()

# %% [markdown]
# ## What survives decoding?
#
# Reading a distilled sample as its nearest words is only honest if the words still teach what the
# matrix teaches. `decode_fidelity` replaces every row by its nearest word's vector (padding and weak
# rows become padding), trains fresh networks on these **decoded texts** with the same evaluator and
# seeds as the distilled set, and reports `decoded / distilled`: near 1, the words carry the lesson;
# far below 1, the matrices teach through directions no word has. The decoded texts are real text,
# so the TF-IDF + linear SVM reference model is trained on them too (scored on the real test texts,
# like the reference row), and its largest weights show what a bag-of-words model learns from them.

# %%
from textdistill_lab import decode_fidelity

SEEDS = [0] if SIZES.smoke else [0, 1, 2]
fidelity = {init: decode_fidelity(s, dataset, vectors, seeds=SEEDS, device=DEVICE) for init, s in sets.items()}
pd.DataFrame({f"distilled from {init}": dict(f.rows()) for init, f in fidelity.items()})

# %%
pd.DataFrame({f"from {init}": {name: ", ".join(words) for name, words in f.bow_words.items()}
              for init, f in fidelity.items()})

# %% [markdown]
# ## Distilled sets that *are* words
#
# Two ways to make distilled texts readable (`DistillConfig`, see `distill/word_constrained.py`):
#
# - `words="frequent"` (or `"per-class"`): every token position holds logits over candidate words
#   (padding and the dataset's most frequent words); the network sees the vector of the winning word,
#   so the set *is* text and decodes with nothing lost (`decoded / distilled` = 1 by construction).
#   Gradients reach the logits through a softmax whose temperature anneals during the run.
# - `word_penalty=λ` on free matrices: the outer loss pulls each row toward its nearest word; λ is
#   the knob between accuracy (λ = 0) and readability.
#
# Distilling one set per setting takes minutes per dataset, so this figure reads the runs saved by
# `benchmarks/bench_readable.py` (10 samples per class, bptt) instead of retraining. Move the slider
# through the settings; hover a point for an example decoded text; a cross is a random real subset of
# the same size (real text: readable by definition).

# %%
import json
from pathlib import Path

import textdistill_lab
from textdistill_lab import readability_tradeoff

saved_runs = Path(textdistill_lab.__file__).resolve().parents[1] / "benchmarks" / "results" / "readable.json"
if saved_runs.exists():
    runs = json.loads(saved_runs.read_text())["datasets"]
    readability_tradeoff(runs).show()
else:  # an installed package has no benchmarks folder
    print(f"{saved_runs} not found: run benchmarks/bench_readable.py from a clone of the repository")

# %% [markdown]
# ## Exercises
#
# Each exercise has a code cell: replace its `...`, run it, then run the check under it (it says
# "not answered yet" until then); the solution is folded below the check.
#
# **Exercise 1.** Decode the noise-initialised set against **all 400,000** GloVe words
# (`vocabulary=None`) instead of the dataset's vocabulary. Do the words get closer? Are they more
# meaningful?

# %%
# The noise set's median best cosine, over the positions that decoded["noise"] does not call padding:
medians = ...  # (decoded against all GloVe words, decoded against the dataset's vocabulary)

# %% tags=["hide-input"]
from textdistill_lab.exercises import check

NOISE_WORDS = ~decoded["noise"].padding  # the positions both medians are taken over
check("Exercise 1", medians,
      lambda a: abs(a[1] - np.median(decoded["noise"].cosine[:, :, 0][NOISE_WORDS])) < 1e-4 and a[0] >= a[1],
      "decode(sets[\"noise\"], vectors, k=5, vocabulary=None); take cosine[:, :, 0][~decoded[\"noise\"].padding] of each "
      "decoding (more candidate words can only find a nearer one)")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# wide = decode(sets["noise"], vectors, k=5, vocabulary=None)
# words = ~decoded["noise"].padding
# medians = (float(np.median(wide.cosine[:, :, 0][words])), float(np.median(decoded["noise"].cosine[:, :, 0][words])))
# print(f"median best cosine: {medians[0]:.2f} over all GloVe words, {medians[1]:.2f} over the dataset's vocabulary")
# print("all GloVe words:", wide.text(0))
# print("dataset's words:", decoded["noise"].text(0))
# ```
# A larger vocabulary always finds a nearer word (the median cosine rises), but the nearest of 400k
# words is usually a rare token — a name, a misspelling, a foreign word — so the text gets *less*
# readable. Restricting to the dataset's vocabulary is the honest view of what the model could have
# seen.
# </details>
#
# **Exercise 2.** Decode with `metric="euclidean"`. Which positions change their word, and why?

# %%
changed_share = ...  # share of all positions (a float) whose best word differs between euclidean and cosine

# %% tags=["hide-input"]
check("Exercise 2", changed_share, lambda a: 0 <= float(a) <= (~decoded["real"].padding).mean(),
      "compare indices[:, :, 0] of the two decodings, outside the padding (so at most the share of non-padding positions)")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# euclid = decode(sets["real"], vectors, k=1, vocabulary=dataset.vocab, metric="euclidean")
# changed = (euclid.indices[:, :, 0] != decoded["real"].indices[:, :, 0]) & ~decoded["real"].padding
# changed_share = float(changed.mean())
# print(f"{changed_share:.1%} of positions change")
# ```
# Cosine ignores length, Euclidean does not. A distilled row that points towards a word but is much
# shorter or longer than it decodes to that word under cosine, and to a word of similar *length*
# (often a frequent, short-vector word) under Euclidean distance.
# </details>
#
# **Exercise 3.** Drop stop words from the candidates (`exclude_stop_words=True`) and rebuild the
# per-class table. Does the overlap with the distinctive real words grow?

# %%
content = ...  # decode(...) of sets["real"] against the dataset's vocabulary without its stop words

# %% tags=["hide-input"]
from textdistill_lab.decode import stop_words

check("Exercise 3", content,
      lambda a: a.num_samples == sets["real"].num_samples and not stop_words() & set(a.words)
      and set(a.words) < set(decoded["real"].words),
      "decode(sets[\"real\"], vectors, k=5, vocabulary=dataset.vocab, exclude_stop_words=True)")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# content = decode(sets["real"], vectors, k=5, vocabulary=dataset.vocab, exclude_stop_words=True)
# compare_classes(content, dataset, top=8)[["class", "overlap"]]
# ```
# Question words like *what*, *how*, *who* carry much of TREC's signal and are stop words, so
# dropping them can *lower* the overlap for some classes while raising it for topical ones
# (*location*, *number*). Decoding shows what the model uses, and for question type that is partly
# function words.
# </details>
#
# **Exercise 4.** Distil a word-constrained set (`words="per-class"`, 100 outer steps) and read it.
# Check that nothing is lost in decoding, and compare its accuracy with the free set's.

# %%
readable_fidelity = ...  # decode_fidelity(...) of a set distilled with words="per-class" (at most 100 outer steps)

# %% tags=["hide-input"]
check("Exercise 4", readable_fidelity, lambda a: abs(a.ratio - 1) < 1e-6 and a.mean_cosine > 0.999,
      "distil with DistillConfig(words=\"per-class\", ...), then decode_fidelity(that set, dataset, vectors, seeds=SEEDS): "
      "every row of a word-constrained set is a word's vector")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# budget = {**DISTILL_BUDGET, "outer_steps": min(100, DISTILL_BUDGET["outer_steps"])}
# readable = Distiller(DistillConfig(per_class=10, words="per-class", device=DEVICE, **budget)).fit(
#     dataset, vectors, progress=SIZES.progress)
# for row in readable.words[::10]:
#     print(" ".join(w for w in row if w != "<pad>"))
# readable_fidelity = decode_fidelity(readable, dataset, vectors, seeds=SEEDS, device=DEVICE)
# print(readable_fidelity.line())
# print(f"free set distilled from real questions: {fidelity['real'].distilled.mean:.1%}")
# ```
# `decoded/distilled` is exactly 1.00: every row is the vector of the saved word. The texts read like
# keyword lists of their class rather than sentences — the network learns from which words appear
# where, not from grammar. In the saved runs above (200 outer steps) the word sets beat a random real
# subset on trec, mr and sms-spam, and reached 0.87, 1.10 and 0.98 of the free sets' accuracy.
# </details>

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
# # 4. How much data is enough?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/textdistill-lab/textdistill-lab/blob/v0.1.0/notebooks/04_how_much_data.ipynb)
# [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/textdistill-lab/textdistill-lab/v0.1.0?urlpath=lab/tree/notebooks/04_how_much_data.ipynb)
#
# **What you will learn**
# - how accuracy grows with the size of a distilled set, and with a random subset of the same size
#   (the paper's Figure 4);
# - where distillation helps most: at the smallest sizes;
# - how to read the samples of each size with the size explorer.
#
# **Prerequisites**: chapter 3.
#
# **Run time** on a 2-core CPU (`benchmarks/bench_notebooks.py`, machine load in benchmarks/README.md): 1 min 37 s at the class budget, 4 min 34 s at the full budget; peak memory 0.88 GB; not measured on a GPU — none was available.
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

SIZES = chapter_sizes(4, BUDGET)
SIZES  # the budget banner: what this budget means for the numbers below

# %%
import time

import pandas as pd
import torch

from textdistill_lab import SizeExplorer, decode, load_dataset, load_vectors
from textdistill_lab.experiment import Budget, train_distilled, train_full, train_random

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
PER_CLASS = SIZES.per_class  # samples per class
SEEDS = SIZES.seeds
RUN = Budget.from_sizes(SIZES.experiment)  # how long each part trains (smoke also caps the training texts)

# %% [markdown]
# ## One full-data reference, then every size
#
# For each size we draw a stratified random subset and distil a set of the same size, and train
# fresh TextCNNs on both from the same seeds. The full-data accuracy is the ceiling.

# %%
dataset = load_dataset("trec")
vectors = load_vectors("glove-6b-50d")
common = dict(seeds=SEEDS, device=DEVICE)
full = train_full(dataset, vectors, budget=RUN, **common)
rows, decoded = [], {}
for per_class in PER_CLASS:
    start = time.perf_counter()
    _, random_result = train_random(dataset, vectors, per_class, budget=RUN, **common)
    distilled, seconds, distilled_result = train_distilled(dataset, vectors, per_class, budget=RUN, **common)
    decoded[per_class] = decode(distilled, vectors, k=3, vocabulary=dataset.vocab)
    rows.append(dict(per_class=per_class, percent_of_train=100 * per_class * dataset.num_classes / len(dataset.train),
                     random=random_result.mean, distilled=distilled_result.mean, distilled_std=distilled_result.std,
                     distilled_over_full=distilled_result.mean / full.mean, seconds=round(time.perf_counter() - start, 1)))
sizes = pd.DataFrame(rows)
print(f"full data: {full.mean:.3f} ± {full.std:.3f}")
sizes

# %% [markdown]
# ## The size explorer
#
# Accuracy against size, with the random subset and the full-data line. In Jupyter, move the slider
# to a size to read that set's decoded samples (two per class); on a static page you see the
# smallest size.

# %%
explorer = SizeExplorer(
    sizes["per_class"].tolist(), sizes["distilled"].tolist(), sizes["distilled_std"].tolist(),
    references={"full data": full.mean}, random=(sizes["per_class"].tolist(), sizes["random"].tolist()),
    samples=decoded,
)
explorer.show()

from textdistill_lab.quote import quote  # the numbers the text below quotes, in the book

gap = 100 * (sizes["distilled"] - sizes["random"])  # points of test accuracy distillation adds, per size
for end, at in (("smallest", 0), ("largest", -1)):
    quote(f"ch4_gap_{end}", gap.iloc[at])
    quote(f"ch4_size_{end}", sizes["per_class"].iloc[at])

# %% [markdown]
# How to read it:
# - The random curve rises with size towards the full-data line; the **gap** between distilled and
#   random is the value of distillation at that size. Expect it to be largest at the smallest sizes,
#   where a random pick is at the mercy of luck and a distilled sample is built to stand for its
#   class; here it is {glue:text}`ch4_gap_smallest:+.1f` points at {glue:text}`ch4_size_smallest:d`
#   per class and {glue:text}`ch4_gap_largest:+.1f` at {glue:text}`ch4_size_largest:d`.
# - The distilled curve flattens early: most of its accuracy arrives with the first samples per class,
#   the shape of the paper's Figure 4. With few outer steps (the class budget) the larger sets are
#   further from converged, so their curve can even dip; `BUDGET = "full"` runs more outer steps.
# - Each outer step costs more as the set grows (more samples to optimise); the `seconds` column also
#   holds the evaluation and is noisy on a busy machine.
#
# ## Exercises
#
# Each exercise has a code cell: replace its `...`, run it, then run the check under it (it says
# "not answered yet" until then); the solution is folded below the check.
#
# **Exercise 1.** From the table, estimate how many *random* samples per class you need to match the
# accuracy of 2 *distilled* samples per class.

# %%
random_needed = ...  # the smallest random per_class reaching the accuracy of 2 distilled per class (None if none does)

# %% tags=["hide-input"]
from textdistill_lab.exercises import check


def smallest_random_size_matching_two_distilled() -> int | None:
    target = sizes.loc[sizes.per_class == 2, "distilled"].item()
    enough = sizes.loc[sizes.random >= target, "per_class"]
    return None if enough.empty else int(enough.min())


check("Exercise 1", random_needed, lambda a: a == smallest_random_size_matching_two_distilled(),
      "find the distilled accuracy at per_class == 2, then the first row whose random accuracy reaches it")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# target = sizes.loc[sizes.per_class == 2, "distilled"].item()
# enough = sizes.loc[sizes.random >= target, "per_class"]
# random_needed = None if enough.empty else int(enough.min())  # None: no random size in the table is enough
# ```
# Read across the figure: draw a horizontal line at the distilled accuracy for 2 per class and find
# where the random curve crosses it. The ratio of the two sizes is the "compression" distillation
# buys at that accuracy.
# </details>
#
# **Exercise 2.** Select a size in code with `explorer.select(PER_CLASS[-1])` and compare its decoded
# samples with those of the smallest size. Which read more like real questions? Measure it too: the
# mean cosine between each non-padding row and its nearest word (1 for a real question).

# %%
closeness = ...  # {per_class: mean best cosine of decoded[per_class] outside the padding}, for every size in PER_CLASS

# %% tags=["hide-input"]
def mean_best_cosine(decoded_set) -> float:
    return float(decoded_set.cosine[:, :, 0][~decoded_set.padding].mean())


check("Exercise 2", closeness,
      lambda a: set(a) == set(PER_CLASS) and all(abs(a[n] - mean_best_cosine(decoded[n])) < 1e-4 for n in PER_CLASS),
      "decoded[n].cosine[:, :, 0] is each position's best cosine; leave out decoded[n].padding, then take the mean")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# explorer.select(PER_CLASS[-1])
# from IPython.display import HTML, display
# display(HTML(explorer.samples_html()))
# closeness = {n: float(d.cosine[:, :, 0][~d.padding].mean()) for n, d in decoded.items()}
# print({n: round(c, 3) for n, c in closeness.items()})
# ```
# Larger sets start from more real questions and each sample has to carry less of its class, so
# their samples move less and decode closer to real questions. With one sample per class, the
# sample changes most: it has to stand for everything its class contains.
# </details>

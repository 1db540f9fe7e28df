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
# # 3. Distill a real dataset
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/textdistill-lab/textdistill-lab/blob/main/notebooks/03_distill_a_real_dataset.ipynb)
# [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/textdistill-lab/textdistill-lab/main?urlpath=lab/tree/notebooks/03_distill_a_real_dataset.ipynb)
#
# **What you will learn**
# - how to distil a real text dataset with one call: `Distiller(DistillConfig(...)).fit(dataset, vectors)`;
# - how to judge it fairly: full data vs a random subset of the same size vs the distilled set, one
#   evaluator, several seeds, the epoch chosen on validation data — one row of the paper's Table 2;
# - how fast a model learns from each, epoch by epoch (the paper's Figure 3), live.
#
# **Prerequisites**: chapter 2 helps (what the distiller does inside); none strictly.
#
# **Run time** (full size, measured on an otherwise idle 2-core CPU (`benchmarks/bench_notebooks.py`): 50 s, peak memory 0.85 GB; not measured on a GPU — none was available).
# Set `TEXTDISTILL_SMOKE=1` to run everything on tiny sizes in seconds.

# %%
import os
import sys

SMOKE = os.environ.get("TEXTDISTILL_SMOKE") == "1"  # CI and the book: same code, tiny sizes
IN_COLAB = "google.colab" in sys.modules
if IN_COLAB:  # Colab already has torch and numpy: install only this package
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "textdistill-lab @ git+https://github.com/textdistill-lab/textdistill-lab"], check=True)
else:  # interactive figures in Jupyter, kept as interactive HTML in the book's static pages
    import plotly.io as pio

    pio.renderers.default = "plotly_mimetype+notebook"

# %%
import time

import torch

from textdistill_lab import (
    DistillConfig, Distiller, LiveAccuracyPlot, compare, evaluate, full_data, load_dataset, load_vectors, random_subset,
)

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DISTILL_BUDGET = dict(outer_steps=2, steps=2, validate_every=2, validate_inits=1, real_batch=64) if SMOKE else {}  # full: the distiller's defaults
PER_CLASS = 10
SEEDS = [0] if SMOKE else [0, 1, 2]
EPOCHS = 2 if SMOKE else 10  # epochs for models trained on all real texts
SUBSET_EPOCHS = 3 if SMOKE else 30  # a small subset needs more (cheap) epochs

# %% [markdown]
# ## Data and vectors
#
# TREC question types (6 classes) with GloVe 6B 50d vectors, both offline. `card()` says where the
# data came from and how it was split; the test split is held out and never used to choose anything.

# %%
dataset = load_dataset("trec")
vectors = load_vectors("glove-6b-50d")
dataset.card()

# %% [markdown]
# ## Distil
#
# Ten synthetic samples per class, $T = 10$ inner steps with learnable learning rates, a fresh random
# initialisation every outer step (`protocol="random"`), the best set kept by validation accuracy.
# Every knob is a field of `DistillConfig`; the defaults are meant to work on a laptop CPU.

# %%
config = DistillConfig(per_class=PER_CLASS, device=DEVICE, **DISTILL_BUDGET)
config

# %%
start = time.perf_counter()
distilled = Distiller(config).fit(dataset, vectors, progress=not SMOKE)
distill_seconds = time.perf_counter() - start
print(f"distilled {distilled.num_samples} samples of shape {distilled.tokens} x {distilled.dim} "
      f"in {distill_seconds:.0f} s; learned learning rates: {[round(float(x), 3) for x in distilled.lrs]}")

# %% [markdown]
# ## Judge it: full vs random vs distilled
#
# The same evaluator trains fresh TextCNNs from the same seeds on each training set and records
# validation and test accuracy after every epoch. The distilled set is **replayed**: its learned
# steps with its learned learning rates, in order — one epoch is one pass of that schedule. The plot
# fills in while the models train.

# %%
subset = random_subset(dataset, PER_CLASS, seed=0)
live = LiveAccuracyPlot(title=f"{dataset.name}: test accuracy per epoch")
live.show()
common = dict(seeds=SEEDS, device=DEVICE, callbacks=[live])
results = [
    evaluate(full_data(dataset), dataset, vectors, epochs=EPOCHS, label="full data", **common),
    evaluate(subset, dataset, vectors, epochs=SUBSET_EPOCHS, label=f"random {PER_CLASS}/class", **common),
    evaluate(distilled, dataset, vectors, mode="replay", epochs=5, label=f"distilled {PER_CLASS}/class", **common),
]
live.finish()

# %%
table = compare(results)
table["ratio_to_full"] = table["test_mean"] / table.loc[0, "test_mean"]
table[["label", "samples", "test_mean", "test_std", "ratio_to_full", "selected_epoch", "seconds"]]

# %% [markdown]
# How to read it:
# - **distilled vs random** at the same size is the comparison that matters: both are 60 samples,
#   but the distilled ones were *made to teach*.
# - **distilled vs full**: the paper reports about 90% of full-data accuracy at 0.1% of the data on
#   its large benchmarks; TREC is small, so 60 samples are already 1.5% of it.
# - **epochs**: the distilled set was optimised for one pass of its learned schedule from a fresh
#   start; replaying it again can still add a little (the evaluator picks the epoch on validation).
#   On a full run on a 2-core CPU: full data 82.6%, random 43.2%, distilled 69.5% (3 seeds; 35 s of
#   distillation).
#
# ## Save it, load it
#
# A distilled set is a folder: tensors in safetensors, a JSON card with what made it and checksums.

# %%
folder = distilled.save("runs/notebook-03/trec-distilled")
print(sorted(p.name for p in folder.iterdir()))
print({k: distilled.card()[k] for k in ("method", "samples", "dataset", "vectors")})

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Distil with 1 sample per class instead of 10 and compare with a random subset of
# 1 per class. Where is the gap between distilled and random larger, at 1 or at 10 per class?
#
# <details><summary>Solution</summary>
#
# ```python
# one = Distiller(DistillConfig(per_class=1, outer_steps=200, device=DEVICE)).fit(dataset, vectors)
# r1 = evaluate(random_subset(dataset, 1, seed=0), dataset, vectors, epochs=30, seeds=SEEDS)
# d1 = evaluate(one, dataset, vectors, mode="replay", seeds=SEEDS)
# print(r1.mean, d1.mean)
# ```
# The gap is usually larger at 1 per class: a single random question is a poor representative of its
# class, while a single distilled sample is optimised to carry the whole class's signal.
# </details>
#
# **Exercise 2.** Train on the distilled set the way you would train on any small dataset:
# `mode="standard"` (shuffled minibatches, Adam, 30 epochs). How does it compare with `replay`?
#
# <details><summary>Solution</summary>
#
# ```python
# std = evaluate(distilled, dataset, vectors, mode="standard", epochs=30, seeds=SEEDS)
# print(std.mean, results[2].mean)
# ```
# Distilled data is optimised for a particular training procedure — its steps, order and learning
# rates. Used as an ordinary dataset it still teaches, but usually less well; chapter 7 looks at the
# step-order dependence in detail.
# </details>
#
# **Exercise 3.** Repeat the comparison on another offline dataset, e.g. `load_dataset("sms-spam")`.
# Why is the random subset already strong there?
#
# <details><summary>Solution</summary>
#
# Spam detection has two classes and strong lexical cues (*free*, *win*, *call now*): ten random
# messages per class already cover them, so distillation has little room to help. Distillation shines
# when classes are many and a few random examples cannot represent them.
# </details>

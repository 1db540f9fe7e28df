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
# # 2. The algorithm, step by step
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/textdistill-lab/textdistill-lab/blob/v0.1.0/notebooks/02_algorithm_step_by_step.ipynb)
# [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/textdistill-lab/textdistill-lab/v0.1.0?urlpath=lab/tree/notebooks/02_algorithm_step_by_step.ipynb)
#
# **What you will learn**
# - the five equations of data distillation (Li & Li, 2021, Section 2), each as a few lines of code;
# - how a gradient flows *through training* back into the training data (the hypergradient);
# - three ways to compute that gradient — `unroll`, `backgradient`, `truncated` — and what each
#   costs in time and memory, measured on this machine;
# - what a Hessian-vector product is and why back-gradient needs one.
#
# **Prerequisites**: gradient descent, `torch.autograd.grad`. Chapter 1 helps but is not required.
#
# **Run time** on a 2-core CPU (`benchmarks/bench_notebooks.py`, machine load in benchmarks/README.md): 14 s at the class budget, 25 s at the full budget; peak memory 0.68 GB; not measured on a GPU — none was available.
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

SIZES = chapter_sizes(2, BUDGET)
SIZES  # the budget banner: what this budget means for the numbers below

# %%
import time

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from sklearn.datasets import make_moons
from torch.func import functional_call

from textdistill_lab.distill.bptt import hypergradient, outer_loss
from textdistill_lab.training import replay_schedule, soft_cross_entropy, train_steps
from textdistill_lab.distill.memory import estimate_peak_bytes
from textdistill_lab.models import init_params, make_model

torch.manual_seed(0)
OUTER_STEPS = SIZES.outer_steps  # outer (Adam) steps of the toy distillation
SEEDS = range(SIZES.seeds)  # fresh initialisations used to judge a synthetic set

# %% [markdown]
# ## A toy problem you can see
#
# Text is hard to look at, so we start in two dimensions. Each real example is a point; we feed it
# to the library's models as a "text" of **one token** whose embedding is the point, shape
# `(examples, tokens=1, dim=2)`. Everything below is the same code that distils real text in
# chapter 3 — only the shapes are smaller. The real data are two interleaved half-moons.

# %%
points, classes = make_moons(n_samples=SIZES.moons, noise=0.15, random_state=0)
real_x = torch.tensor(points, dtype=torch.float32).unsqueeze(1)  # (N, tokens=1, dim=2)
real_y = torch.tensor(classes)  # (N,)
NUM_CLASSES, DIM = 2, 2
model = make_model("meanpool-mlp", DIM, NUM_CLASSES)  # a skeleton: the weights live in dicts


def scatter_real(fig: go.Figure) -> go.Figure:
    for c, colour in enumerate(["#9ecae1", "#fdae6b"]):
        xy = points[classes == c]
        fig.add_scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", name=f"real, class {c}",
                        marker=dict(color=colour, size=5))
    return fig.update_layout(width=650, height=450, xaxis_title="dimension 1", yaxis_title="dimension 2")


scatter_real(go.Figure()).update_layout(title="The real training data").show()

# %% [markdown]
# ## Eq. 1–2: the inner loop trains on synthetic data
#
# The distilled set is $\tilde{x}$: here **two points per class**, started from Gaussian noise as in
# the paper, with fixed one-hot labels $\tilde{y}$ and one learnable learning rate $\tilde{\eta}_t$
# per step. From initial weights $\theta_0$ the inner loop takes $T$ plain SGD steps on it:
#
# $$\theta_{t+1} = \theta_t - \tilde{\eta}_t \nabla_{\theta} \ell(\tilde{x}_t, \tilde{y}_t; \theta_t), \qquad t = 0, \dots, T-1 \tag{1–2}$$
#
# `train_steps` is exactly this loop, written as a pure function of a dict of weights, so autograd
# can see through it.

# %%
PER_CLASS, T = 2, 10
synthetic = torch.randn(PER_CLASS * NUM_CLASSES, 1, DIM).requires_grad_()  # x̃: (M, tokens, dim)
labels = torch.eye(NUM_CLASSES).repeat_interleave(PER_CLASS, dim=0)  # ỹ: (M, classes), one-hot
raw_lrs = torch.full((T,), 0.0).requires_grad_()  # η̃ = softplus(raw): positive, learnable
lrs = torch.nn.functional.softplus(raw_lrs)
theta0 = init_params("meanpool-mlp", DIM, NUM_CLASSES, seed=0)
batches = replay_schedule(synthetic, labels, steps=T, replays=1)  # every step sees the whole set here
theta_T = train_steps(model, theta0, batches, lrs, create_graph=True)


def accuracy(params: dict) -> float:
    with torch.no_grad():
        return float((functional_call(model, params, (real_x,)).argmax(1) == real_y).float().mean())


print(f"accuracy on the real data after {T} steps on 4 noise points: {accuracy(theta_T):.1%}")

# %% [markdown]
# ## Eq. 3–4: judge the trained weights on real data, and differentiate through training
#
# The outer loss is the ordinary loss of $\theta_T$ on a batch of **real** data:
#
# $$\mathcal{L}(\tilde{x}, \tilde{\eta}) = \ell(x, y; \theta_T(\tilde{x}, \tilde{\eta})) \tag{3}$$
#
# Because $\theta_T$ was computed from $\tilde{x}$ and $\tilde{\eta}$ by differentiable steps, we can
# ask autograd for $\nabla_{\tilde{x}} \mathcal{L}$ and $\nabla_{\tilde{\eta}} \mathcal{L}$ — the
# *hypergradient* (Eq. 4). Each step's gradient depends on $\theta_t$, so the chain rule passes
# through second derivatives of $\ell$: that is why the inner loop keeps its graph
# (`create_graph=True`).

# %%
loss = outer_loss(model, theta_T, real_x, real_y)
grad_x, grad_raw_lr = torch.autograd.grad(loss, [synthetic, raw_lrs])
print(f"outer loss {loss.item():.3f}; |dL/dx̃| = {grad_x.norm():.3f}; dL/d(raw lr) per step: {np.round(grad_raw_lr.numpy(), 4)}")

# The arrows show where one small step against the hypergradient would move each synthetic point.
fig = scatter_real(go.Figure())
start, move = synthetic.detach().squeeze(1).numpy(), -grad_x.squeeze(1).numpy()
move = 0.5 * move / np.abs(move).max()
for (x0, y0), (dx, dy) in zip(start, move):
    fig.add_annotation(x=x0 + dx, y=y0 + dy, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                       showarrow=True, arrowhead=2, arrowwidth=2)
fig.add_scatter(x=start[:, 0], y=start[:, 1], mode="markers", name="synthetic",
                marker=dict(size=14, symbol="star", color=labels.argmax(1).numpy(), colorscale=[[0, "#08519c"], [1, "#a63603"]]))
fig.update_layout(title="The hypergradient points each synthetic sample somewhere useful").show()

# %% [markdown]
# ## Eq. 5: the outer loop moves the synthetic data
#
# Distillation repeats Eq. 1–4 and updates $\tilde{x}$ and $\tilde{\eta}$ with Adam (Eq. 5). Each
# outer step draws a **fresh** $\theta_0$ (the `random` protocol), so the data must teach *any*
# initialisation, not one lucky one. `hypergradient` wraps Eq. 3–4; the loop below is the whole
# algorithm. We record where the synthetic points are every few steps, then watch them move.

# %%
def distill_toy(steps: int, outer_steps: int, fixed_theta0: bool = False) -> tuple[torch.Tensor, torch.Tensor, list]:
    """Distil the moons into 2 points per class with T = ``steps``; return data, lrs, snapshots."""
    torch.manual_seed(0)
    x = torch.randn(PER_CLASS * NUM_CLASSES, 1, DIM).requires_grad_()
    raw = torch.zeros(steps).requires_grad_()
    adam = torch.optim.Adam([x, raw], lr=0.05)
    snapshots = []
    for step in range(outer_steps):
        theta = init_params("meanpool-mlp", DIM, NUM_CLASSES, seed=0 if fixed_theta0 else step + 1)
        rates = torch.nn.functional.softplus(raw)
        _, (gx, graw) = hypergradient("unroll", model, theta, replay_schedule(x, labels, steps, 1), rates,
                                      real_x, real_y, [x, raw])
        x.grad, raw.grad = gx, graw
        adam.step()
        if step % max(1, outer_steps // 30) == 0 or step == outer_steps - 1:
            snapshots.append((step, x.detach().squeeze(1).numpy().copy()))
    return x.detach(), torch.nn.functional.softplus(raw).detach(), snapshots


def fresh_accuracy(x: torch.Tensor, rates: torch.Tensor) -> float:
    """Mean real-data accuracy of models trained on (x, labels) from fresh initialisations."""
    batches = replay_schedule(x, labels, len(rates), 1)
    return float(np.mean([accuracy(train_steps(model, init_params("meanpool-mlp", DIM, NUM_CLASSES, seed=1000 + s),
                                                             batches, rates, create_graph=False)) for s in SEEDS]))


start_time = time.perf_counter()
distilled_x, learned_lrs, snapshots = distill_toy(T, OUTER_STEPS)
print(f"{OUTER_STEPS} outer steps in {time.perf_counter() - start_time:.1f} s")
print(f"accuracy from fresh initialisations: before {fresh_accuracy(synthetic.detach(), lrs.detach()):.1%}, "
      f"after {fresh_accuracy(distilled_x, learned_lrs):.1%}")
print("learned learning rates:", np.round(learned_lrs.numpy(), 3))

# %%
def frame_trace(xy: np.ndarray) -> go.Scatter:
    return go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", name="synthetic",
                      marker=dict(size=14, symbol="star", color=labels.argmax(1).numpy(),
                                  colorscale=[[0, "#08519c"], [1, "#a63603"]]))


fig = scatter_real(go.Figure())
fig.add_trace(frame_trace(snapshots[0][1]))
moving = len(fig.data) - 1
fig.frames = [go.Frame(data=[frame_trace(xy)], traces=[moving], name=str(step)) for step, xy in snapshots]
fig.update_layout(
    title="Synthetic points during distillation (press play or drag the slider)",
    updatemenus=[dict(type="buttons", buttons=[dict(label="play", method="animate", args=[None])])],
    sliders=[dict(currentvalue=dict(prefix="outer step "), steps=[
        dict(label=name, method="animate", args=[[name], dict(mode="immediate")]) for name in (f.name for f in fig.frames)
    ])],
)
fig.show()

# %% [markdown]
# The points rarely settle *on* the real data. They go wherever ten SGD steps from a random start
# learn the best boundary — often beyond the moons' tips, where a single point pulls the boundary
# hardest. Distilled data is a **training signal**, not a summary of the data; chapter 5 shows the
# same thing for text.
#
# ## Hessian-vector products
#
# Differentiating Eq. 1 with respect to $\theta_t$ gives $I - \tilde{\eta}_t H_t$, where
# $H_t = \nabla^2_\theta \ell$ is the Hessian of the inner loss — a matrix with (parameters)² entries,
# far too big to form. The reverse pass only ever needs $H_t v$ for a vector $v$ (the gradient
# flowing back), and that product costs about as much as one extra gradient: differentiate
# $\langle \nabla_\theta \ell, v \rangle$ once more. Check it against a finite difference:

# %%
# float64, so that the finite difference is not drowned in rounding error
theta = {k: p.detach().double().requires_grad_() for k, p in init_params("meanpool-mlp", DIM, NUM_CLASSES, seed=0).items()}
v = {k: torch.randn_like(p) for k, p in theta.items()}


def inner_grad(params: dict, create_graph: bool = False) -> tuple:
    loss = soft_cross_entropy(functional_call(model, params, (distilled_x.double(),)), labels.double())
    return torch.autograd.grad(loss, list(params.values()), create_graph=create_graph)


g = inner_grad(theta, create_graph=True)
hvp = torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v.values())), list(theta.values()))
eps = 1e-5
plus = inner_grad({k: (p + eps * v[k]).detach().requires_grad_() for k, p in theta.items()})
minus = inner_grad({k: (p - eps * v[k]).detach().requires_grad_() for k, p in theta.items()})
finite = [(a - b) / (2 * eps) for a, b in zip(plus, minus)]
rel = torch.cat([(h - f).flatten() for h, f in zip(hvp, finite)]).norm() / torch.cat([f.flatten() for f in finite]).norm()
print(f"double-backward Hv vs finite difference: relative difference {rel:.2e}")

# %% [markdown]
# ## Three ways to compute the hypergradient
#
# - **`unroll`**: autograd through all $T$ steps. Exact, simple, and it keeps every step's
#   activations *and* their second-order graph: memory grows with $T$.
# - **`backgradient`** (Maclaurin et al., 2015; the paper's released code): run the $T$ steps
#   without a graph, keeping only $\theta_0, \dots, \theta_{T-1}$; then walk backwards, rebuilding
#   one step at a time and pushing the adjoint through it with a Hessian-vector product. Exact too;
#   memory grows with $T$ only by one copy of the weights per step.
# - **`truncated(K)`**: train $T-K$ steps without a graph, backpropagate through the last $K$.
#   Cheapest, but biased: the early steps get no say.
#
# The toy MLP is too small to show memory, so here is a problem shaped like a real one: a
# TextCNN over 6 classes × 10 synthetic texts of 20 tokens × 50 dimensions (the size of TREC with
# GloVe 50d) and a real batch of 128 texts. The data is random — we only measure cost and agreement.
# Memory is what autograd keeps for the backward pass, measured with saved-tensor hooks
# (`estimate_peak_bytes`).

# %%
CLASSES, PER, TOKENS, EMB = 6, 10, 20, 50
text_model = make_model("textcnn", EMB, CLASSES)
syn = torch.randn(CLASSES * PER, TOKENS, EMB).requires_grad_()
syn_labels = torch.eye(CLASSES).repeat_interleave(PER, dim=0)
batch_x, batch_y = torch.randn(128, TOKENS, EMB), torch.randint(0, CLASSES, (128,))
text_theta0 = init_params("textcnn", EMB, CLASSES, seed=0)

rows, reference = [], {}
for steps in SIZES.unroll_steps:
    rates = torch.full((steps,), 0.01).requires_grad_()
    for backend in ["unroll", "backgradient", "truncated"]:
        # Batches are views of `syn`: rebuild them so each back-end gets a fresh graph.
        batches = replay_schedule(syn, syn_labels, steps=min(steps, PER), replays=max(1, steps // PER))
        start_time = time.perf_counter()
        _, (gx, _) = hypergradient(backend, text_model, text_theta0, batches, rates, batch_x, batch_y, [syn, rates], truncate_k=2)
        seconds = time.perf_counter() - start_time
        if backend == "unroll":
            reference[steps] = gx
        peak = estimate_peak_bytes(backend, text_model, text_theta0, batches[0], rates[0], batch_x, batch_y,
                                   inner_steps=steps, truncate_k=2)
        cosine = torch.nn.functional.cosine_similarity(gx.flatten(), reference[steps].flatten(), dim=0)
        rows.append(dict(T=steps, backend=backend, seconds=round(seconds, 2), memory_MB=round(peak / 2**20, 1),
                         cosine_to_unroll=round(float(cosine), 5)))
costs = pd.DataFrame(rows)
costs

# %%
fig = go.Figure()
for backend, part in costs.groupby("backend"):
    fig.add_scatter(x=part["T"], y=part["memory_MB"], mode="lines+markers", name=backend)
fig.update_layout(title="Memory kept for the backward pass vs number of inner steps T", xaxis_title="T",
                  yaxis_title="MB", width=650, height=400).show()

# %% [markdown]
# Read the table: `backgradient` gives the same gradient as `unroll` (cosine 1.0) for a fraction of
# the memory once $T$ grows, at the price of recomputing each step; `truncated` is fastest but its
# gradient points elsewhere (cosine below 1). The `Distiller` in chapter 3 lets you pick with
# `DistillConfig(backend=...)`.
#
# ## Exercises
#
# Each exercise has a code cell: replace its `...`, run it, then run the check under it (it says
# "not answered yet" until then); the solution is folded below the check.
#
# **Exercise 1.** Distil the moons with $T = 1$ instead of 10 (`distill_toy(1, OUTER_STEPS)`). How
# accurate is the result from fresh initialisations, and where do the points go?

# %%
one_step = ...  # fresh_accuracy(...) of the moons distilled with T = 1

# %% tags=["hide-input"]
from textdistill_lab.exercises import check

check("Exercise 1", one_step, lambda a: 0.5 < float(a) <= 1,
      "distill_toy(1, OUTER_STEPS) returns the points and rates to pass to fresh_accuracy (above chance, 0.5)")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# x1, lr1, _ = distill_toy(1, OUTER_STEPS)
# one_step = fresh_accuracy(x1, lr1)
# print(f"T = 1: {one_step:.1%} from fresh initialisations (learned rate {lr1[0]:.3f}); "
#       f"T = {T}: {fresh_accuracy(distilled_x, learned_lrs):.1%}")
# ```
# With one step the whole lesson must fit in a single gradient: the points move so that one step
# from any start draws a roughly linear boundary, which cannot follow the moons. Compare the two
# accuracies to see how much the extra steps add on this easy problem, and watch where the points go
# with `snapshots` (the third value `distill_toy` returns).
# </details>
#
# **Exercise 2.** Run the outer loop with one fixed $\theta_0$ (`distill_toy(T, OUTER_STEPS,
# fixed_theta0=True)`) and compare `fresh_accuracy` with the random-protocol result above.

# %%
fixed_x, fixed_lrs = ..., ...  # the points and learning rates distill_toy returns with fixed_theta0=True

# %% tags=["hide-input"]
def from_theta0(x: torch.Tensor, rates: torch.Tensor) -> float:
    """Real-data accuracy after training from the θ0 that fixed_theta0=True distils for (seed 0)."""
    return accuracy(train_steps(model, init_params("meanpool-mlp", DIM, NUM_CLASSES, seed=0),
                                replay_schedule(x, labels, len(rates), 1), rates, create_graph=False))


check("Exercise 2", (fixed_x, fixed_lrs),
      lambda a: a[0].shape == distilled_x.shape and not torch.equal(a[0], distilled_x)
      and from_theta0(*a) > fresh_accuracy(*a),
      "distill_toy(T, OUTER_STEPS, fixed_theta0=True) returns (points, rates, snapshots): keep the first two")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# fixed_x, fixed_lrs, _ = distill_toy(T, OUTER_STEPS, fixed_theta0=True)
# print(f"judged from fresh Θ0: distilled for a fixed Θ0 {fresh_accuracy(fixed_x, fixed_lrs):.1%}, "
#       f"for random Θ0 {fresh_accuracy(distilled_x, learned_lrs):.1%}")
# ```
# Data distilled for one initialisation can exploit that initialisation's quirks; judged from fresh
# initialisations it usually does worse (the check trains from that one $\theta_0$ too: there the same
# points do better than from fresh starts). The paper's code used a fixed $\theta_0$ for both distilling
# and evaluating, which flatters it — chapter 7 measures this on real text.
# </details>
#
# **Exercise 3.** How large must $K$ be for `truncated` to agree with `unroll` (cosine > 0.99) at the
# largest $T$ in the table?

# %%
# At the largest T in the table, for K = 1, 2, 5, 10, 20, 50 and T itself:
cosines = ...  # {K: cosine between truncated(K)'s hypergradient and unroll's}

# %% tags=["hide-input"]
T_MAX = int(costs["T"].max())
TABLE_K2 = costs.query("backend == 'truncated' and T == @T_MAX")["cosine_to_unroll"].item()  # the table used K = 2
check("Exercise 3", cosines,
      lambda a: set(a) == {1, 2, 5, 10, 20, 50, T_MAX} and abs(a[2] - TABLE_K2) < 1e-3 and a[T_MAX] > 0.999,
      "rebuild the batches for each K as the table does, call hypergradient(\"truncated\", ..., truncate_k=K) and "
      "compare its gradient with reference[T] (the K = 2 entry must match the table)")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# steps = int(costs["T"].max())
# rates = torch.full((steps,), 0.01).requires_grad_()
# cosines = {}
# for k in [1, 2, 5, 10, 20, 50, steps]:
#     batches = replay_schedule(syn, syn_labels, steps=min(steps, PER), replays=max(1, steps // PER))
#     _, (gx, _) = hypergradient("truncated", text_model, text_theta0, batches, rates, batch_x, batch_y, [syn, rates], truncate_k=k)
#     cosines[k] = float(torch.nn.functional.cosine_similarity(gx.flatten(), reference[steps].flatten(), dim=0))
# print({k: round(c, 3) for k, c in cosines.items()})
# ```
# The cosine climbs towards 1 as $K$ grows and reaches it at $K = T$. How fast it climbs depends on
# how much the early steps still matter at the end: with learning rates as small as these, every step
# moves the weights about as much as the last, so the early steps keep their say and only a $K$ close
# to $T$ agrees. Truncation trades that gap for speed.
# </details>

"""The learnable synthetic set, and the context every distillation method's outer step sees.

How a method plugs in
---------------------
All methods (``bptt`` and the matching methods) optimise the same :class:`SyntheticSet` with the
same outer loop in :mod:`textdistill_lab.distill.distiller`: Adam on ``synthetic.parameters()``,
learning-rate projection, validation with keep-best, NaN/Inf guard with roll-back, checkpointing
and callbacks. A method only supplies one *outer step*::

    def my_method_step(ctx: DistillContext, step: int) -> torch.Tensor:
        '''Leave d(loss)/d(p) in ``p.grad`` for every p in ctx.synthetic.parameters(); return the loss.'''

The loop finds the step by name: ``matching.gradient_matching(ctx, step)`` and
``matching.distribution_matching(ctx, step)`` (in :mod:`textdistill_lab.distill.matching`); ``bptt``
is :func:`textdistill_lab.distill.bptt.bptt_step`, a worked example. The loop zeroes the gradients
before the call and applies Adam after it. Rules that keep resume
bit-identical: draw *all* randomness from ``ctx.generator`` (``ctx.initial_params()`` and
``ctx.real_batch()`` already do), and keep no state between outer steps outside ``ctx``.
Build the inner network with ``ctx.model`` and ``torch.func.functional_call(ctx.model, params, (x,))``;
read the current synthetic samples with ``ctx.synthetic.data`` ``(M, tokens, dim)`` and
``ctx.synthetic.labels()`` ``(M, classes)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..distilled_set import DistilledSet
from ..models import embed, init_params
from ..training import Params
from .config import DistillConfig


def _softplus_inverse(value: float) -> float:
    """raw such that softplus(raw) == value, computed stably for small and large values."""
    return value + math.log(-math.expm1(-value))


class SyntheticSet:
    """``per_class`` learnable embedding matrices per class, their labels, and T learnable step sizes.

    Learning rates are ``softplus(raw)`` clamped to ``[lr_min, lr_max]``: softplus keeps them positive
    with a gradient that behaves like that of log(lr) for small rates; after every optimiser step
    :meth:`project_` clamps ``raw`` into the range, so the clamp never blocks the gradient.
    Labels are one-hot (``fixed``) or ``softmax(label_logits)`` (``learnable``, Bohdal et al. 2020).
    """

    def __init__(
        self,
        data: torch.Tensor,
        classes: torch.Tensor,
        num_classes: int,
        *,
        inner_steps: int,
        lr_init: float,
        lr_min: float,
        lr_max: float,
        learn_lr: bool = True,
        learn_labels: bool = False,
        max_token_norm: float | None = None,
    ) -> None:
        self._init_data(data)
        self.max_token_norm = max_token_norm
        self.classes = classes.detach().clone()  # (M,) class of each sample, fixed
        self.num_classes = num_classes
        self.lr_min, self.lr_max = lr_min, lr_max
        raw = torch.full((inner_steps,), _softplus_inverse(lr_init), dtype=data.dtype, device=data.device)
        self.raw_lrs = raw.requires_grad_(learn_lr)  # (T,)
        self.label_logits: torch.Tensor | None = None
        if learn_labels:
            # Start near one-hot: softmax puts 0.9 on the sample's own class.
            logit = math.log(9.0 * max(1, num_classes - 1))
            onehot = F.one_hot(self.classes, num_classes).to(data.dtype)
            self.label_logits = (logit * onehot).requires_grad_()  # (M, classes)

    def _init_data(self, data: torch.Tensor) -> None:
        """The learnable tensor the samples are made of: here the matrices themselves."""
        self.data = data.detach().clone().requires_grad_()  # (M, tokens, dim)

    def _data_tensors(self) -> dict[str, torch.Tensor]:
        return {"data": self.data}

    def labels(self) -> torch.Tensor:
        """Label distribution per sample ``(M, classes)``; differentiable when labels are learnable."""
        if self.label_logits is None:
            return F.one_hot(self.classes, self.num_classes).to(self.data.dtype)
        return torch.softmax(self.label_logits, dim=1)

    def lrs(self) -> torch.Tensor:
        """Per-step learning rates ``(T,)``, positive and inside ``[lr_min, lr_max]``."""
        return F.softplus(self.raw_lrs).clamp(self.lr_min, self.lr_max)

    def parameters(self) -> list[torch.Tensor]:
        """The tensors the outer optimiser updates, in a fixed order (checkpoints rely on it)."""
        return [t for t in self.named_tensors().values() if t.requires_grad]

    def named_tensors(self) -> dict[str, torch.Tensor]:
        """Every tensor of the set, learnable or not, by name (for checkpoints and snapshots)."""
        out = {**self._data_tensors(), "raw_lrs": self.raw_lrs, "classes": self.classes}
        if self.label_logits is not None:
            out["label_logits"] = self.label_logits
        return out

    @torch.no_grad()
    def project_(self) -> None:
        """Clamp the raw learning rates so that softplus(raw) stays in ``[lr_min, lr_max]``, and shorten
        token vectors longer than ``max_token_norm``.

        Why the second: Adam moves every entry by about the outer lr per step, so token vectors keep
        growing, and longer inputs make the inner SGD steps larger at the same learned rate. The bound
        slows that drift; it does not stop the late fall of long runs by itself (wordnet-topics:
        benchmarks/README.md, bench_stability.py), so keep-best still guards the result.
        """
        self.raw_lrs.clamp_(_softplus_inverse(self.lr_min), _softplus_inverse(self.lr_max))
        if self.max_token_norm is not None:
            norms = self.data.norm(dim=-1, keepdim=True)  # (M, tokens, 1)
            self.data.mul_((self.max_token_norm / norms.clamp(min=1e-12)).clamp(max=1.0))

    @torch.no_grad()
    def load_tensors_(self, tensors: dict[str, torch.Tensor]) -> None:
        """Overwrite the values in place (keeps optimiser references valid)."""
        for name, tensor in self.named_tensors().items():
            tensor.copy_(tensors[name])

    def snapshot(self) -> dict[str, torch.Tensor]:
        return {name: t.detach().clone() for name, t in self.named_tensors().items()}

    def to_distilled_set(
        self, class_names: list[str], *, steps: int, replays: int, with_lrs: bool = True, **card
    ) -> DistilledSet:
        """Freeze the current values into a :class:`DistilledSet` (CPU, float32).

        ``with_lrs=False`` for methods whose sets are not meant to be replayed with learned rates.
        """
        with torch.no_grad():
            return DistilledSet(
                data=self.data.detach().float().cpu().clone(),
                labels=self.labels().detach().float().cpu().clone(),
                lrs=self.lrs().detach().float().cpu().clone() if with_lrs else torch.empty(0),
                class_names=list(class_names),
                steps=steps,
                replays=replays,
                **card,
            )


def word_norm_quantile(embedding: torch.Tensor, quantile: float) -> float:
    """The ``quantile`` of the word vectors' lengths, over the rows that hold a vector (not padding)."""
    norms = embedding.norm(dim=1)
    return float(torch.quantile(norms[norms > 0].float().cpu(), quantile))


def initial_data(
    init: str,
    train_ids: torch.Tensor,
    train_labels: torch.Tensor,
    embedding: torch.Tensor,
    num_classes: int,
    per_class: int,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Starting samples ``(M, tokens, dim)`` and their classes ``(M,)``, in class-major order.

    ``noise``: Gaussian with the word vectors' scale (the paper). ``real``: random training texts
    of each class, embedded. ``class-mean``: each class's mean embedded text plus small noise, so
    the samples of a class differ. Only one class is embedded at a time.
    """
    scale = float(embedding[1:].std())
    shape = (per_class, train_ids.shape[1], embedding.shape[1])
    samples, classes = [], []
    for cls in range(num_classes):
        members = (train_labels == cls).nonzero().flatten()
        if len(members) == 0:
            raise ValueError(f"class {cls} has no training samples; every class needs at least one to distill")
        noise = torch.randn(shape, generator=generator, dtype=embedding.dtype).to(embedding.device)
        if init == "noise":
            block = scale * noise
        elif init == "real":
            if len(members) < per_class:
                raise ValueError(f"init='real' needs {per_class} texts of class {cls}, found {len(members)}; lower per_class")
            pick = torch.randperm(len(members), generator=generator)[:per_class].to(members.device)
            block = embed(train_ids[members[pick]], embedding)
        elif init == "class-mean":
            block = embed(train_ids[members], embedding).mean(dim=0, keepdim=True) + 0.1 * scale * noise
        else:
            raise ValueError(f"unknown init {init!r}; use noise, real or class-mean")
        samples.append(block)
        classes.append(torch.full((per_class,), cls, dtype=torch.long, device=embedding.device))
    return torch.cat(samples), torch.cat(classes)


@dataclass
class DistillContext:
    """What an outer step may use: the synthetic set, the real training data and a seeded generator.

    ``train_ids`` ``(N, tokens)`` and ``train_labels`` ``(N,)`` are the real training split on
    ``device``; ``embedding`` ``(vocab, dim)`` is the frozen lookup. ``fixed_params`` is Θ0 under
    the ``fixed`` protocol (None under ``random``); ``experts`` are the expert trajectories of
    trajectory matching (None for the other methods).
    """

    config: DistillConfig
    model: nn.Module
    synthetic: SyntheticSet
    train_ids: torch.Tensor
    train_labels: torch.Tensor
    embedding: torch.Tensor
    generator: torch.Generator
    device: torch.device
    fixed_params: Params | None = None
    experts: list[list[Params]] | None = None  # trajectory matching: θ*_0..θ*_E per expert, on the CPU
    _members: list[torch.Tensor] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        labels = self.train_labels.cpu()
        self._members = [(labels == c).nonzero().flatten() for c in range(self.synthetic.num_classes)]

    @property
    def num_classes(self) -> int:
        return self.synthetic.num_classes

    def initial_params(self) -> Params:
        """Θ0 for this outer step: a fresh draw (``random`` protocol) or the one fixed Θ0 (``fixed``)."""
        if self.fixed_params is not None:
            return {k: v.detach().clone().requires_grad_() for k, v in self.fixed_params.items()}
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=self.generator))
        params = init_params(self.config.arch, self.embedding.shape[1], self.num_classes, seed, self.device)
        return {k: v.detach().to(self.embedding.dtype).requires_grad_() for k, v in params.items()}

    def real_batch(self, size: int | None = None, cls: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """A random real batch, embedded ``(B, tokens, dim)``, with class ids ``(B,)``.

        ``size`` defaults to ``config.real_batch``; ``cls`` restricts it to one class (for matching).
        Sampled without replacement; a batch larger than the pool is the whole pool, shuffled.
        """
        size = size or self.config.real_batch
        pool = self._members[cls] if cls is not None else None
        count = len(pool) if pool is not None else len(self.train_labels)
        order = torch.randperm(count, generator=self.generator)[:size]
        index = (pool[order] if pool is not None else order).to(self.train_ids.device)
        return embed(self.train_ids[index], self.embedding), self.train_labels[index]

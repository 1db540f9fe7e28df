"""The distillation loop shared by every method: ``Distiller(config).fit(dataset, vectors)``.

Each outer step calls the method's step (the paper's Eq. 1-4 are :func:`.bptt.bptt_step`; the
matching methods are in :mod:`.matching`), then applies Eq. 5: an Adam step on the synthetic set
and the learning-rate clamp. Around it: validation with keep-best, a divergence guard that rolls
back and halves the outer learning rate, checkpoints on a schedule and on Ctrl-C/SIGTERM, callbacks.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import torch

from ..data import TextDataset
from ..distilled_set import DistilledSet
from ..models import embed, init_params, make_model
from ..training import replay_schedule, resolve_device
from ..validators import check_instance
from ..vectors import WordVectors
from .bptt import bptt_step
from .callbacks import TqdmProgress, notify
from .checkpoint import CHECKPOINT_FILE, CheckpointError, TrainState, load_checkpoint, save_checkpoint
from .config import LEARNED_LR_METHODS, DistillConfig
from .guards import DivergenceError, DistillInterrupted, StopSignals, divergence_reason
from .memory import check_memory, estimate_peak_bytes
from .synthetic import DistillContext, SyntheticSet, initial_data, word_norm_quantile
from .validation import replay_accuracy, standard_accuracy
from .word_constrained import candidate_words, readable_step, word_constrained_set

log = logging.getLogger(__name__)

OuterStep = Callable[[DistillContext, int], torch.Tensor]
# Config fields that may change between a run and its resume without changing the result.
RESUMABLE_CHANGES = ("outer_steps", "max_minutes", "checkpoint_every", "device", "max_memory_gb")


def outer_step_for(method: str) -> OuterStep:
    """The outer step of ``method``; matching methods live in :mod:`.matching`, trajectory matching in :mod:`.trajectory`."""
    if method == "bptt":
        return bptt_step
    if method == "trajectory-matching":
        from .trajectory import trajectory_matching

        return trajectory_matching
    from . import matching  # imported here: the matching methods are optional for bptt runs

    return {"gradient-matching": matching.gradient_matching, "distribution-matching": matching.distribution_matching}[method]


class Distiller:
    """Learn a small synthetic training set: ``Distiller(config).fit(dataset, vectors) -> DistilledSet``.

    After ``fit``: ``distilled_`` (the best set on validation), ``history_`` (``steps``: loss,
    learning rates and time per outer step; ``validation``: accuracy per validation; ``events``:
    divergence roll-backs), ``best_val_acc_`` and ``best_step_``. Every validation record carries
    ``elapsed`` seconds, so methods can be compared at equal wall-clock time. Trajectory matching
    also sets ``experts_`` (cache files, expert validation curves, seconds spent training them);
    ``labels="expert"`` sets ``teacher_`` (the label teacher's file, curve and training seconds).
    """

    def __init__(self, config: DistillConfig | None = None) -> None:
        self.config = config if config is not None else DistillConfig()

    def fit(
        self,
        dataset: TextDataset,
        vectors: WordVectors,
        *,
        callbacks: Iterable[object] = (),
        checkpoint_dir: str | Path | None = None,
        resume: bool = False,
        progress: bool = True,
    ) -> DistilledSet:
        check_instance("dataset", dataset, TextDataset, "a TextDataset from load_dataset(...)")
        check_instance("vectors", vectors, WordVectors, "a WordVectors from load_vectors(...) (the set's card names them)")
        cfg = self.config
        callbacks = [*callbacks, TqdmProgress(disable=not progress)]
        ctx = self._context(dataset, vectors)
        # What makes this run this run: a checkpoint must match it to resume, and the result's card carries it.
        self._identity = {
            "method": cfg.method, "config": cfg.to_dict(), "dataset": dataset.name,
            "dataset_fingerprint": dataset.fingerprint, "vectors": vectors.name, "vectors_checksum": vectors.checksum,
        }
        self._ctx, self._dataset, self._callbacks = ctx, dataset, callbacks
        self._checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self._optimizer = torch.optim.Adam(ctx.synthetic.parameters(), lr=cfg.outer_lr)
        self._val_inits = self._validation_inits(ctx)
        self._val_ids = torch.as_tensor(dataset.validation.token_ids, device=ctx.device)
        self._val_labels = torch.as_tensor(dataset.validation.labels, device=ctx.device)
        if cfg.method == "bptt":
            self._check_memory(ctx)
        state = self._start_state(resume)
        step_fn = readable_step(outer_step_for(cfg.method), cfg, self._penalty_words)
        notify(callbacks, "on_fit_start", {"start_step": state.step, "total_steps": cfg.outer_steps, "config": cfg.to_dict()})
        completed = False
        try:
            if not state.history["validation"]:
                state = self._validate(state)  # score the initial set: keep-best never returns worse than it
                notify(callbacks, "on_validate", state.history["validation"][-1])
            with StopSignals() as stop:
                state = self._loop(state, step_fn, stop)
            completed = True
        finally:
            notify(callbacks, "on_fit_end", {"completed": completed})
        self._finish(state)
        if self._checkpoint_dir is not None:
            save_checkpoint(self._checkpoint_dir, state, self._identity)
        return self.distilled_

    @property
    def synthetic_data(self) -> torch.Tensor:
        """The synthetic samples ``(M, tokens, dim)`` as they are now: during ``fit`` (from a callback),
        after the latest outer step; a detached view, for watching a run, not for changing it."""
        if not hasattr(self, "_ctx"):
            raise RuntimeError("no synthetic data yet: call fit() first (or read it from a fit callback)")
        return self._ctx.synthetic.data.detach()

    def current_set(self, **card) -> DistilledSet:
        """The synthetic set as it is now (not the best so far) as a :class:`DistilledSet`: from a fit
        callback, a snapshot of the run that can be scored later (e.g. accuracy against seconds).
        ``card`` adds fields to the set's card (``metrics``)."""
        if not hasattr(self, "_ctx"):
            raise RuntimeError("no synthetic set yet: call fit() first (or read it from a fit callback)")
        cfg = self.config
        return self._ctx.synthetic.to_distilled_set(self._dataset.class_names, steps=cfg.steps, replays=cfg.replays,
                                                    with_lrs=cfg.method in LEARNED_LR_METHODS, **self._identity, **card)

    # -- setup -----------------------------------------------------------------------------------

    def _context(self, dataset: TextDataset, vectors: WordVectors) -> DistillContext:
        """Put the real data on the device and initialise the synthetic set (the first draws of the seed)."""
        cfg = self.config
        device = resolve_device(cfg.device)
        model = make_model(cfg.arch, vectors.dim, dataset.num_classes).to(device)
        if dataset.max_len < getattr(model, "min_tokens", 1):
            raise ValueError(f"arch {cfg.arch!r} needs at least {model.min_tokens} tokens, dataset has max_len={dataset.max_len}")
        matrix, coverage = vectors.embedding_for(dataset.vocab)
        self.vectors_coverage_ = coverage
        embedding = torch.as_tensor(matrix, device=device)
        train_ids = torch.as_tensor(dataset.train.token_ids, device=device)
        train_labels = torch.as_tensor(dataset.train.labels, device=device)
        generator = torch.Generator().manual_seed(cfg.seed)
        data, classes = initial_data(cfg.init, train_ids, train_labels, embedding, dataset.num_classes, cfg.per_class, generator)
        common = dict(inner_steps=cfg.inner_steps, lr_init=cfg.lr_init, lr_min=cfg.lr_min, lr_max=cfg.lr_max,
                      learn_lr=cfg.learn_lr and cfg.method in LEARNED_LR_METHODS, learn_labels=cfg.labels != "fixed")
        self._penalty_words = None  # (K, dim) word vectors the nearest-word penalty pulls toward
        if cfg.words != "free":
            candidates = candidate_words(dataset, vectors, count=cfg.word_candidates, per_class=cfg.words == "per-class")
            synthetic = word_constrained_set(data, classes, dataset.num_classes, candidates=candidates,
                                             embedding=embedding, vocab=dataset.vocab, **common)
        else:
            bound = None if cfg.token_norm_quantile is None else word_norm_quantile(embedding, cfg.token_norm_quantile)
            synthetic = SyntheticSet(data, classes, dataset.num_classes, max_token_norm=bound, **common)
            if cfg.word_penalty is not None:
                candidates = candidate_words(dataset, vectors, count=cfg.word_candidates, per_class=False)
                self._penalty_words = embedding[candidates[0].to(device)]
        fixed = init_params(cfg.arch, vectors.dim, dataset.num_classes, cfg.seed, device) if cfg.protocol == "fixed" else None
        ctx = DistillContext(cfg, model, synthetic, train_ids, train_labels, embedding, generator, device, fixed)
        self.experts_ = self.teacher_ = None
        if cfg.method == "trajectory-matching":
            from .trajectory import load_experts

            ctx.experts, self.experts_ = load_experts(ctx, dataset, vectors.checksum)
        if cfg.labels == "expert":  # soft labels start from a well-trained teacher's view of each sample
            from .teacher import load_teacher, teacher_logits

            teacher, self.teacher_ = load_teacher(model, dataset, embedding, vectors.checksum, arch=cfg.arch,
                                                  device=device)
            synthetic.label_logits.data.copy_(teacher_logits(model, teacher, synthetic.data))
        return ctx

    def _validation_inits(self, ctx: DistillContext) -> list[dict[str, torch.Tensor]]:
        """The same Θ0s at every validation: the fixed one, or ``validate_inits`` seeded draws."""
        if ctx.fixed_params is not None:
            return [ctx.fixed_params]
        dim, seed = ctx.embedding.shape[1], self.config.seed
        return [init_params(self.config.arch, dim, ctx.num_classes, 10_000 + 97 * seed + i, ctx.device)
                for i in range(self.config.validate_inits)]

    def _check_memory(self, ctx: DistillContext) -> None:
        """Refuse a run whose hypergradient would not fit in memory, before spending any time on it."""
        cfg, synthetic = self.config, ctx.synthetic
        batches = replay_schedule(synthetic.data.detach(), synthetic.labels().detach(), cfg.steps, cfg.replays, cfg.inner_mode)
        largest = max(batches, key=lambda b: len(b[0]))
        real_x = embed(ctx.train_ids[: cfg.real_batch], ctx.embedding)
        params0 = init_params(cfg.arch, ctx.embedding.shape[1], ctx.num_classes, cfg.seed, ctx.device)
        estimate = estimate_peak_bytes(
            cfg.backend, ctx.model, params0, largest, synthetic.lrs().detach()[0], real_x,
            ctx.train_labels[: cfg.real_batch], inner_steps=cfg.inner_steps, truncate_k=cfg.truncate_k,
        )
        self.memory_estimate_bytes_ = estimate
        check_memory(estimate, backend=cfg.backend, inner_steps=cfg.inner_steps, device=ctx.device, max_memory_gb=cfg.max_memory_gb)

    def _start_state(self, resume: bool) -> TrainState:
        folder = self._checkpoint_dir
        if resume:
            if folder is None:
                raise ValueError("resume=True needs checkpoint_dir, the folder of the interrupted run")
            state, identity = load_checkpoint(folder, self._ctx.device)
            self._check_identity(identity, folder)
            self._restore(state)
            return state
        if folder is not None and (folder / CHECKPOINT_FILE).exists():
            raise CheckpointError(
                f"{folder} already holds a checkpoint; pass resume=True to continue it, or choose an empty folder"
            )
        return self._capture(step=0, best=None, best_val_acc=-1.0, best_step=0, history=None)

    def _check_identity(self, identity: dict, folder: Path) -> None:
        saved, now = dict(identity), dict(self._identity)
        saved_cfg = {k: v for k, v in saved.pop("config").items() if k not in RESUMABLE_CHANGES}
        now_cfg = {k: v for k, v in now.pop("config").items() if k not in RESUMABLE_CHANGES}
        diffs = [f"{k}: {saved_cfg.get(k)!r} -> {now_cfg.get(k)!r}" for k in sorted(set(saved_cfg) | set(now_cfg))
                 if saved_cfg.get(k) != now_cfg.get(k)]
        diffs += [f"{k}: {saved[k]!r} -> {now[k]!r}" for k in sorted(saved) if saved[k] != now.get(k)]
        if diffs:
            raise CheckpointError(
                f"the checkpoint in {folder} belongs to a different run ({'; '.join(diffs)}); "
                "resume with the same dataset, vectors and config, or start a new folder"
            )

    # -- state -----------------------------------------------------------------------------------

    def _capture(self, *, step: int, best, best_val_acc: float, best_step: int, history, nan_retries: int = 0,
                 elapsed: float = 0.0) -> TrainState:
        ctx = self._ctx
        state = TrainState(
            step=step, synthetic=ctx.synthetic.snapshot(), optimizer=self._optimizer.state_dict(),
            generator=ctx.generator.get_state(), best=best if best is not None else ctx.synthetic.snapshot(),
            best_val_acc=best_val_acc, best_step=best_step, nan_retries=nan_retries, elapsed=elapsed,
        )
        if history is not None:
            state.history = history
        return state.copy()

    def _restore(self, state: TrainState) -> None:
        ctx = self._ctx
        ctx.synthetic.load_tensors_(state.synthetic)
        self._optimizer.load_state_dict(state.optimizer)
        ctx.generator.set_state(state.generator)

    # -- the outer loop (Eq. 5 and everything around it) ------------------------------------------

    def _loop(self, state: TrainState, step_fn: OuterStep, stop: StopSignals) -> TrainState:
        cfg, ctx = self.config, self._ctx
        first = state
        # previous: the last state known to lead to a finite step (roll-back target); saved with every
        # state as its ``rollback`` so that a resumed run rolls back exactly as the uninterrupted one.
        previous = state.rollback if state.rollback is not None else state
        started = time.perf_counter() - state.elapsed
        autocast = torch.autocast(ctx.device.type, dtype=torch.bfloat16, enabled=cfg.bf16)
        while state.step < cfg.outer_steps and not self._out_of_time(state):
            step = state.step + 1
            try:  # `state` is always a completed step: an interrupt anywhere below falls back to it
                self._optimizer.zero_grad(set_to_none=False)
                with autocast:
                    loss = step_fn(ctx, step)
                reason = divergence_reason(loss, ctx.synthetic, check_grads=True)
                if reason is None:
                    self._schedule_outer_lr(step)
                    self._optimizer.step()  # Eq. 5
                    ctx.synthetic.project_()
                    reason = divergence_reason(loss, ctx.synthetic, check_grads=False)
                if reason is not None:
                    state = previous = self._roll_back(previous, state, step, reason)
                    continue
                elapsed = time.perf_counter() - started
                per_step = (elapsed - first.elapsed) / max(1, step - first.step)
                record = {"step": step, "loss": float(loss), "lrs": ctx.synthetic.lrs().detach().tolist(),
                          "outer_lr": self._optimizer.param_groups[0]["lr"], "elapsed": elapsed,
                          "eta": per_step * (cfg.outer_steps - step)}
                history = {k: list(v) for k, v in state.history.items()}
                history["steps"].append(record)
                new = self._capture(step=step, best=state.best, best_val_acc=state.best_val_acc,
                                    best_step=state.best_step, history=history, nan_retries=state.nan_retries,
                                    elapsed=elapsed)
                new.rollback = dataclasses.replace(state, rollback=None)  # one state back, not a chain
                validated = step % cfg.validate_every == 0 or step == cfg.outer_steps or self._out_of_time(new)
                if validated:
                    new = self._validate(new)
                    if cfg.outer_schedule == "plateau":
                        new = self._restart_on_plateau(new)
                previous, state = new.rollback, new
                if self._checkpoint_dir is not None and step % cfg.checkpoint_every == 0:
                    save_checkpoint(self._checkpoint_dir, state, self._identity)
                notify(self._callbacks, "on_step", record)
                if validated:
                    notify(self._callbacks, "on_validate", state.history["validation"][-1])
            except KeyboardInterrupt:
                self._interrupted(state)
            if stop.requested:
                self._interrupted(state)
        return state

    def _out_of_time(self, state: TrainState) -> bool:
        """True once the run has used its ``max_minutes`` (a resumed run counts the time before the interrupt)."""
        return self.config.max_minutes is not None and state.elapsed >= 60 * self.config.max_minutes

    def _schedule_outer_lr(self, step: int) -> None:
        """The outer lr of ``step``: the base rate (halved by each roll-back) times the schedule's factor.

        ``cosine`` lets late steps refine instead of wander: with a constant rate, Adam keeps moving
        every coordinate by about ``outer_lr`` per step however small the hypergradient.
        """
        cfg = self.config
        factor = 0.5 * (1 + math.cos(math.pi * (step - 1) / cfg.outer_steps)) if cfg.outer_schedule == "cosine" else 1.0
        for group in self._optimizer.param_groups:
            group["lr"] = group.setdefault("base_lr", cfg.outer_lr) * factor

    def _restart_on_plateau(self, state: TrainState) -> TrainState:
        """``outer_schedule="plateau"``: after ``plateau_patience`` validations without a new best (counted
        from the best or the last restart), continue from the best set with half the outer lr.

        Why: with a constant rate the outer loss itself starts to rise after the peak and validation
        accuracy falls (benchmarks/README.md, bench_stability.py); going back to the best set and taking
        smaller steps from there refines it instead, so the live set cannot stay far below its best
        (wordnet-topics, 1000 steps: 81.8% best, 81.7% at the end, against 80.3% and 48.5% at a constant
        rate). Each restart halves the rate, so a long stall ends in a frozen set: it makes a long
        budget safe, not useful.
        """
        cfg = self.config
        restarts = [e["step"] for e in state.history["events"] if e["kind"] == "plateau"]
        waited = state.step - max(state.best_step, restarts[-1] if restarts else 0)
        if waited < cfg.plateau_patience * cfg.validate_every:
            return state
        new_lr = self._halve_outer_lr(state)
        state.synthetic = state.best  # shared, as _validate shares them: neither is ever mutated
        self._restore(state)  # the best set, with Adam's moments and the generator as they are now
        state.history["events"].append({"step": state.step, "kind": "plateau", "back_to": state.best_step,
                                        "outer_lr": new_lr})
        log.info("step %d: no new best for %d steps; back to the set of step %d with outer lr %.3g",
                 state.step, waited, state.best_step, new_lr)
        state.rollback = dataclasses.replace(state, rollback=None)  # a divergence returns here, not before
        return state

    def _halve_outer_lr(self, state: TrainState) -> float:
        """Write half the current base outer lr into ``state``'s optimiser state, for :meth:`_restore` to load:
        the divergence guard and the plateau restart both continue from an earlier set with smaller steps."""
        group = self._optimizer.param_groups[0]
        new_lr = group.get("base_lr", group["lr"]) / 2
        for group in state.optimizer["param_groups"]:
            group["lr"] = group["base_lr"] = new_lr
        return new_lr

    # -- validation, faults, results ---------------------------------------------------------------

    def _validate(self, state: TrainState) -> TrainState:
        """Score the current synthetic set (== ``state.synthetic``) and keep it if it is the best so far.

        A bptt or trajectory set is scored by replaying its learned steps and rates; a matching set has no rates,
        so it is scored by standard training on it (as ``evaluate(mode="standard")`` will use it).
        """
        cfg, ctx = self.config, self._ctx
        real = dict(token_ids=self._val_ids, targets=self._val_labels, embedding=ctx.embedding)
        if cfg.method in LEARNED_LR_METHODS:
            acc = replay_accuracy(ctx.model, ctx.synthetic.data, ctx.synthetic.labels(), ctx.synthetic.lrs(),
                                  self._val_inits, steps=cfg.steps, replays=cfg.replays, mode=cfg.inner_mode, **real)
        else:
            acc = standard_accuracy(ctx.model, ctx.synthetic.data, ctx.synthetic.labels(), self._val_inits, **real)
        if acc > state.best_val_acc:
            state.best, state.best_val_acc, state.best_step = state.synthetic, acc, state.step
        info = {"step": state.step, "elapsed": state.elapsed, "val_acc": acc, "best_val_acc": state.best_val_acc,
                "best_step": state.best_step}
        state.history["validation"].append(info)
        log.info("step %d: validation accuracy %.4f (best %.4f at step %d)", state.step, acc, state.best_val_acc, state.best_step)
        return state

    def _roll_back(self, previous: TrainState, current: TrainState, step: int, reason: str) -> TrainState:
        """Divergence guard: return to ``previous`` with half the outer learning rate, or give up."""
        retries = current.nan_retries + 1
        target = previous.copy()
        new_lr = self._halve_outer_lr(target)
        event = {"step": step, "kind": "divergence", "reason": reason, "rolled_back_to": previous.step,
                 "outer_lr": new_lr, "retries": retries}
        log.warning("step %d: %s; rolling back to step %d with outer lr %.3g", step, reason, previous.step, new_lr)
        target.nan_retries = retries
        target.history["events"] = [*current.history["events"], event]
        self._restore(target)
        notify(self._callbacks, "on_divergence", event)
        if retries > self.config.max_nan_retries:
            distilled = self._result(target)
            saved = None
            if self._checkpoint_dir is not None:
                saved = distilled.save(self._checkpoint_dir / "last_good")
                save_checkpoint(self._checkpoint_dir, target, self._identity)
            raise DivergenceError(
                f"distillation diverged {retries} times (last: {reason} at step {step}) even after halving the "
                f"outer learning rate to {new_lr:.3g}; lower outer_lr or lr_max, or try backend/init changes. "
                f"The best set so far is in the error's .distilled" + (f" and saved to {saved}" if saved else ""),
                distilled=distilled,
            )
        return target

    def _interrupted(self, state: TrainState) -> None:
        """Ctrl-C or SIGTERM: save the last completed step and stop with the best set so far."""
        self._restore(state)  # undo a half-done step
        path = save_checkpoint(self._checkpoint_dir, state, self._identity) if self._checkpoint_dir is not None else None
        where = f"; checkpoint saved to {path}, continue with resume=True" if path else ""
        raise DistillInterrupted(f"distillation interrupted after step {state.step}{where}", distilled=self._result(state),
                                 checkpoint=path)

    def _result(self, state: TrainState) -> DistilledSet:
        """The best synthetic set of ``state`` as a :class:`DistilledSet` with its card filled in."""
        cfg, synthetic = self.config, self._ctx.synthetic
        live = synthetic.snapshot()
        synthetic.load_tensors_(state.best)
        metrics = {
            "best_val_acc": state.best_val_acc, "best_step": state.best_step, "steps_done": state.step,
            "stopped_by_time": state.step < cfg.outer_steps and self._out_of_time(state),
            "distill_seconds": state.elapsed, "divergence_events": sum(e["kind"] == "divergence" for e in state.history["events"]),
            "vectors_coverage": self.vectors_coverage_, "seed": cfg.seed,
            **({"experts": self.experts_} if self.experts_ else {}),
            **({"label_teacher": self.teacher_} if self.teacher_ else {}),
        }
        distilled = self.current_set(metrics=metrics)
        synthetic.load_tensors_(live)
        return distilled

    def _finish(self, state: TrainState) -> None:
        self.distilled_ = self._result(state)
        self.history_ = state.history
        self.best_val_acc_, self.best_step_ = state.best_val_acc, state.best_step

"""Every knob of a distillation run, with defaults that work on a 2-core CPU."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..choices import ARCHITECTURES, DEVICES
from ..validators import check_int, check_positive_float

METHODS = ("bptt", "gradient-matching", "distribution-matching", "trajectory-matching")
LEARNED_LR_METHODS = ("bptt", "trajectory-matching")  # methods whose sets carry per-step learning rates
BACKENDS = ("unroll", "backgradient", "truncated")
INITS = ("noise", "real", "class-mean")
PROTOCOLS = ("random", "fixed")
LABELS = ("fixed", "learnable", "expert")
INNER_MODES = ("replay", "full-batch")
OUTER_SCHEDULES = ("constant", "cosine", "plateau")
WORDS = ("free", "frequent", "per-class")


def _option(default: Any, help: str, choices: tuple[str, ...] | None = None) -> Any:  # noqa: A002
    """A config field with the help text (and choices) that ``textdistill distill --help`` shows for it."""
    return field(default=default, metadata={"help": help, "choices": choices})


# The recipe that scored best at equal time in benchmarks/bench_ratio.py (issue 14; the table is in
# benchmarks/README.md): T = steps x replays = 60 class-balanced steps, an outer loss on 1024 real texts,
# token vectors kept within the words' lengths, samples that start at their class's mean text, and the
# outer lr halved from the best set whenever validation stalls. The defaults stay the paper's schedule
# (T = 30, 256 real texts, real-text init, constant outer lr), which the chapters teach step by step.
TUNED = {"replays": 6, "real_batch": 1024, "token_norm_quantile": 0.99, "init": "class-mean",
         "outer_schedule": "plateau"}


@dataclass
class DistillConfig:
    """Configuration of :class:`~textdistill_lab.distill.Distiller`.

    ``bptt`` is Li & Li (2021): T = ``steps * replays`` differentiable SGD steps on the synthetic
    data, outer loss on a real batch, hypergradient by ``backend``. ``trajectory-matching``
    (Cazenavette et al. 2022) takes the same T steps from an expert's epoch and matches the expert
    ``target_epochs`` later. The matching methods (Zhao et al. 2021; Zhao & Bilen 2023) share the
    synthetic set, init, labels and outer optimiser.
    """

    method: str = _option("bptt", "bptt = the paper's unrolled bi-level optimisation; or gradient/distribution/"
                          "trajectory matching", METHODS)
    per_class: int = _option(10, "synthetic samples per class")
    # the paper uses "noise"; "real" converges faster on CPU
    init: str = _option("real", "start from Gaussian noise (the paper), random real texts, or class means", INITS)
    arch: str = _option("textcnn", "classifier the data is distilled for", ARCHITECTURES)
    # Inner loop (Eq. 1-2): the synthetic set cut into `steps` batches, replayed `replays` times.
    # 10 x 3 = 30 steps: on trec (10/class, 300 outer steps) T=30 reached 0.67 test accuracy, T=10 0.56.
    steps: int = _option(10, "inner loop: the synthetic set is cut into this many batches (SGD steps per replay)")
    replays: int = _option(3, "inner loop: replays of those batches; T = steps x replays differentiable SGD steps")
    inner_mode: str = _option(
        "replay", "replay = class-balanced batches as in the paper's code; full-batch = every step on the whole set",
        INNER_MODES)
    # 0.01 leaves a fresh TextCNN nearly untrained after T steps; learned rates settle ~0.2
    lr_init: float = _option(0.05, "initial inner learning rate of every step")
    lr_min: float = _option(1e-4, "lower clamp of the learned learning rates")
    lr_max: float = _option(1.0, "upper clamp of the learned learning rates")
    learn_lr: bool = _option(True, "learn the per-step learning rates (--no-learn-lr keeps them fixed)")
    labels: str = _option(
        "fixed", "fixed one-hot labels (the paper); learnable soft labels starting near one-hot; or expert = learnable "
        "soft labels starting from the logits of a teacher trained on the full data (cached) on the initial samples",
        LABELS)
    protocol: str = _option(
        "random", "random = a fresh initialisation every outer step (honest); fixed = one Θ0 for distilling and "
        "evaluating (the paper's code)", PROTOCOLS)
    backend: str = _option(
        "unroll", "hypergradient: unroll (autograd), backgradient (the paper's, memory-light), truncated (last K steps)",
        BACKENDS)
    truncate_k: int = _option(5, "K for --backend truncated")
    # Outer loop (Eq. 3-5): Adam on the synthetic data (and lrs, labels).
    outer_steps: int = _option(400, "outer (Adam) steps on the synthetic data")
    # 0.03 diverged on trec at T=30 (keep-best saved the run); 0.01 is stable
    outer_lr: float = _option(0.01, "Adam learning rate of the outer loop")
    max_minutes: float | None = _option(
        None, "stop after this many minutes of distillation even before outer_steps (checked after every outer step; "
        "the last step is validated). The set then depends on the machine's speed, not only on the seed")
    outer_schedule: str = _option(
        "constant", "outer learning rate over the run: constant; cosine decay from outer_lr to 0 at outer_steps; or "
        "plateau = after plateau_patience validations without a new best, go back to the best set and halve the outer lr",
        OUTER_SCHEDULES)
    plateau_patience: int = _option(2, "outer_schedule plateau: validations without a new best before each restart")
    real_batch: int = _option(256, "real training texts per outer step (the outer loss, Eq. 3)")
    # Matching methods: per outer step, `match_rounds` matches from one Θ0 (gradient matching), with
    # `match_net_steps` network updates on the synthetic data between them.
    match_rounds: int = _option(10, "gradient matching: matches per outer step, each after match_net_steps network updates")
    match_net_steps: int = _option(5, "matching methods: network updates on synthetic data between matches")
    match_net_lr: float = _option(0.01, "matching methods: learning rate of those updates")
    # Trajectory matching: `expert_count` SGD experts of `expert_epochs` epochs on the full data
    # (cached on disk); students start at an epoch <= `max_start_epoch` and aim `target_epochs` ahead.
    expert_count: int = _option(2, "trajectory matching: expert trajectories (seeds 0..N-1), cached on disk")
    expert_epochs: int = _option(10, "trajectory matching: epochs of plain SGD on the full data per expert")
    expert_lr: float = _option(0.1, "trajectory matching: SGD learning rate of the experts")
    expert_batch: int = _option(64, "trajectory matching: minibatch size of the experts")
    max_start_epoch: int = _option(4, "trajectory matching: the student starts at a random expert epoch up to this")
    target_epochs: int = _option(2, "trajectory matching: the student aims at the expert this many epochs later")
    # Readability (distill/word_constrained.py): free matrices, optionally pulled toward their nearest words;
    # or samples made of words chosen by logits whose softmax temperature anneals over the run.
    words: str = _option(
        "free", "free = synthetic matrices; frequent / per-class = every token is a word chosen from the dataset's "
        "(or each class's) most frequent words, so the set decodes exactly to text", WORDS)
    word_candidates: int = _option(2000, "candidate words per list for --words frequent/per-class and --word-penalty")
    word_tau_start: float = _option(1.0, "word-constrained sets: softmax temperature of the word logits at the first "
                                    "outer step")
    word_tau_end: float = _option(0.1, "word-constrained sets: temperature at the last outer step (annealed geometrically)")
    word_penalty: float | None = _option(
        None, "free matrices: weight of a penalty pulling each row toward its nearest word (default: off)")
    # Validation and stability.
    token_norm_quantile: float | None = _option(
        None, "free matrices: after every outer step, shorten each synthetic token vector to at most this quantile "
        "of the word vectors' lengths (bounds the drift of long runs; default: off)")
    validate_every: int = _option(50, "validate every N outer steps and keep the best synthetic set")
    validate_inits: int = _option(3, "fresh initialisations per validation")
    max_nan_retries: int = _option(3, "NaN/Inf guard: roll back and halve the outer lr at most this many times")
    max_memory_gb: float | None = _option(
        None, "refuse an unroll run whose estimated peak memory exceeds this many GB (default: available memory)")
    bf16: bool = _option(False, "bf16 autocast (faster on some CPUs; opt-in)")
    checkpoint_every: int = _option(50, "write an atomic checkpoint every N outer steps (and on Ctrl-C)")
    seed: int = _option(0, "seed of the distillation (same seed, same machine: bit-identical result on CPU)")
    device: str = _option("auto", "where to compute: auto = cuda when available, else cpu", DEVICES)

    def __post_init__(self) -> None:
        check_config_values(asdict(self))

    @classmethod
    def tuned(cls, **overrides: Any) -> DistillConfig:
        """The best measured recipe (:data:`TUNED`) with ``overrides``: more accurate sets at about 2.4x
        the cost of an outer step (trec, 10/class: twice the inner steps, four times the real texts);
        pair it with ``max_minutes`` to bound a run."""
        return cls(**{**TUNED, **overrides})

    @property
    def inner_steps(self) -> int:
        """T, the number of differentiable SGD steps."""
        return self.steps * self.replays

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> DistillConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown config keys {unknown}; known keys: {sorted(known)}")
        return cls(**values)


def check_config_values(values: dict, label: Callable[[str], str] = str) -> None:
    """Raise ``ValueError``/``TypeError`` for the first bad value; ``label`` spells a field as the caller knows it.

    The rules follow each field's type, so a field added later is checked too: integers within
    :data:`~textdistill_lab.validators.INT_LIMITS`, floats finite and > 0, choices from the field's metadata.
    """
    defaults = {f.name: f.default for f in fields(DistillConfig)}
    for f in fields(DistillConfig):
        value, name, choices = values.get(f.name, f.default), label(f.name), f.metadata.get("choices")
        if choices:
            if value not in choices:
                raise ValueError(f"{name}={value!r} is not one of {', '.join(choices)}")
        elif f.type == "bool":
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False, got {value!r}")
        elif f.type == "int":
            check_int(f.name, value, name)
        elif f.type.startswith("float") and not (value is None and "None" in f.type):
            check_positive_float(f.name, value, name)
    low, init, high = (values.get(k, defaults[k]) for k in ("lr_min", "lr_init", "lr_max"))
    if not low <= init <= high:
        raise ValueError(f"need {label('lr_min')} <= {label('lr_init')} <= {label('lr_max')}, got {low}, {init}, {high}")
    start, span, epochs = (values.get(k, defaults[k]) for k in ("max_start_epoch", "target_epochs", "expert_epochs"))
    if start + span > epochs:
        raise ValueError(f"need {label('max_start_epoch')} + {label('target_epochs')} <= {label('expert_epochs')}, "
                         f"got {start} + {span} > {epochs}")
    start, end = (values.get(k, defaults[k]) for k in ("word_tau_start", "word_tau_end"))
    if end > start:
        raise ValueError(f"need {label('word_tau_end')} <= {label('word_tau_start')} (the temperature anneals down), "
                         f"got {end} and {start}")
    quantile = values.get("token_norm_quantile", defaults["token_norm_quantile"])
    if quantile is not None and quantile > 1:
        raise ValueError(f"{label('token_norm_quantile')} is a quantile in (0, 1], e.g. 0.99; got {quantile}")
    words = values.get("words", defaults["words"])
    for name in ("word_penalty", "token_norm_quantile"):  # options that reshape free matrices
        if values.get(name, defaults[name]) is not None and words != "free":
            raise ValueError(f"{label(name)} applies to {label('words')}=free only: a {words} set is made of "
                             "words already")

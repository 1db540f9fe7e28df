"""The ``textdistill`` command (also ``python -m textdistill_lab``).

Each subcommand is a thin face over the library: parse, call, print. Mistakes are reported as one
``error:`` line plus one ``hint:`` line on stderr, exit code 2 for usage errors and bad input, 1 for
runtime failures, 130 for Ctrl-C; ``--debug`` adds the traceback. Progress bars go to stderr,
results to stdout, so ``textdistill evaluate ... > result.txt`` captures only the result.
Imports that only one command needs (plotly, umap, the data loaders) happen inside that command.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from . import __version__

PROG = "textdistill"
EXIT_RUNTIME, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130
DEVICES = ("auto", "cpu", "cuda")


class UsageError(Exception):
    """A mistake in how the command was called; ``hint`` says how to call it instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Show every option's default and keep the hand-wrapped examples in descriptions."""

    def _get_help_string(self, action: argparse.Action) -> str:
        # Options whose default is computed ("default: the run's own") say so in words already.
        if "default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: one line, not the usage block
        raise UsageError(message, hint=f"run `{self.prog} --help` to see the options and their defaults")


# ----------------------------------------------------------------------------------------------
# Options shared by several subcommands


def _add_vectors(parser: argparse.ArgumentParser, default: str | None = "glove-6b-50d", where: str = "") -> None:
    where = where or ("the vectors recorded in the set's card" if default is None else default)
    parser.add_argument(
        "--vectors", default=default, metavar="NAME_OR_PATH",
        help=f"word vectors: a registry name (glove-6b-50d, glove-6b-100d, random:DIM) or a GloVe "
        f".txt/.txt.gz/.zip path or URL; default: {where}",
    )


def _add_dataset_options(parser: argparse.ArgumentParser, *, inherit: bool = False) -> None:
    """``inherit``: the defaults come from the run being evaluated (its run card), not from the dataset."""
    own = "the run's own" if inherit else "the dataset's own"
    parser.add_argument("--max-len", type=int, default=None, metavar="TOKENS",
                        help=f"pad/truncate texts to this many tokens (default: {own})")
    parser.add_argument("--data-seed", type=int, default=None if inherit else 0,
                        help="seed of the train/validation/test split; results on different splits are never compared"
                        + (f" (default: {own}, else 0)" if inherit else ""))


def _add_method(parser: argparse.ArgumentParser) -> None:
    from .distill.config import METHODS

    parser.add_argument("--method", default=None, choices=METHODS,
                        help="distillation method (default: the distiller's default, DistillConfig.method)")


def _add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="auto", choices=DEVICES,
                        help="where to compute: auto = cuda when available, else cpu")


def _add_eval_options(parser: argparse.ArgumentParser) -> None:
    from .evaluate import MODES
    from .models import ARCHITECTURES

    group = parser.add_argument_group("evaluation")
    group.add_argument("--seeds", type=int, default=5, help="fresh models trained from seeds 0..N-1; mean ± std over them")
    group.add_argument("--epochs", type=int, default=None,
                       help="training epochs (default: 30 in standard mode, 1 pass of the learned schedule in replay modes)")
    group.add_argument("--arch", default="textcnn", choices=ARCHITECTURES,
                       help="classifier trained on the set (meanpool-mlp checks cross-architecture transfer)")
    group.add_argument("--mode", default=None, choices=MODES,
                       help="replay = the learned steps and learning rates in order (the paper's protocol); "
                       "standard = shuffled minibatches with Adam (default: replay for distilled sets, standard for real texts)")


# DistillConfig fields as `distill` options: the field's default and type come from the dataclass.
_CONFIG_HELP = {
    "method": "bptt = the paper's unrolled bi-level optimisation; or gradient/distribution matching",
    "per_class": "synthetic samples per class",
    "init": "start from Gaussian noise (the paper), random real texts, or class means",
    "arch": "classifier the data is distilled for",
    "steps": "inner loop: the synthetic set is cut into this many batches (SGD steps per replay)",
    "epochs": "inner loop: replays of those batches; T = steps x epochs differentiable SGD steps",
    "inner_mode": "replay = class-balanced batches as in the paper's code; full-batch = every step on the whole set",
    "lr_init": "initial inner learning rate of every step",
    "lr_min": "lower clamp of the learned learning rates",
    "lr_max": "upper clamp of the learned learning rates",
    "learn_lr": "learn the per-step learning rates (--no-learn-lr keeps them fixed)",
    "labels": "fixed one-hot labels (the paper) or learnable soft labels",
    "protocol": "random = a fresh initialisation every outer step (honest); fixed = one Θ0 for distilling and evaluating (the paper's code)",
    "backend": "hypergradient: unroll (autograd), backgradient (the paper's, memory-light), truncated (last K steps)",
    "truncate_k": "K for --backend truncated",
    "outer_steps": "outer (Adam) steps on the synthetic data",
    "outer_lr": "Adam learning rate of the outer loop",
    "real_batch": "real training texts per outer step (the outer loss, Eq. 3)",
    "match_net_steps": "matching methods: network updates on synthetic data between matches",
    "match_net_lr": "matching methods: learning rate of those updates",
    "validate_every": "validate every N outer steps and keep the best synthetic set",
    "validate_inits": "fresh initialisations per validation",
    "max_nan_retries": "NaN/Inf guard: roll back and halve the outer lr at most this many times",
    "max_memory_gb": "refuse an unroll run whose estimated peak memory exceeds this many GB (default: available memory)",
    "bf16": "bf16 autocast (faster on some CPUs; opt-in)",
    "checkpoint_every": "write an atomic checkpoint every N outer steps (and on Ctrl-C)",
    "seed": "seed of the distillation (same seed, same machine: bit-identical result on CPU)",
    "device": "where to compute: auto = cuda when available, else cpu",
}
_OPTION_NAMES = {"max_memory_gb": "--max-memory"}


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    from .distill import config as cfg
    from .models import ARCHITECTURES

    choices = {"method": cfg.METHODS, "backend": cfg.BACKENDS, "init": cfg.INITS, "protocol": cfg.PROTOCOLS,
               "labels": cfg.LABELS, "inner_mode": cfg.INNER_MODES, "arch": ARCHITECTURES, "device": DEVICES}
    group = parser.add_argument_group("distillation (DistillConfig)")
    for field in dataclasses.fields(cfg.DistillConfig):
        flag = _flag(field.name)
        # a field added to DistillConfig later still gets an option; tests insist on a real help text
        help_text = _CONFIG_HELP.get(field.name, field.name.replace("_", " "))
        kwargs: dict = {"dest": field.name, "default": field.default, "help": help_text}
        if isinstance(field.default, bool):
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = float if field.name == "max_memory_gb" else type(field.default)
            if field.name in choices:
                kwargs["choices"] = choices[field.name]
            elif field.name == "max_memory_gb":
                kwargs["metavar"] = "GB"
        group.add_argument(flag, **kwargs)


# ----------------------------------------------------------------------------------------------
# The parser


def _add_global_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show the full traceback when something fails (default: off)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars on stderr (default: off)")


def build_parser() -> argparse.ArgumentParser:
    """The full ``textdistill`` parser (every subcommand, every option with its default)."""
    parser = _Parser(
        prog=PROG, formatter_class=_Formatter,
        description="Data distillation for text classification (Li & Li, SIGIR 2021): distill a dataset "
        "into a few synthetic samples per class, evaluate, decode and map them.",
        epilog="examples:\n  textdistill demo\n  textdistill distill trec --per-class 10 --out runs/trec\n"
        "  textdistill evaluate runs/trec\n  textdistill decode runs/trec --html runs/trec/decoded.html",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_flags(parser)
    # the same flags after the subcommand (`textdistill demo --debug`); SUPPRESS keeps the top-level value
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    _add_global_flags(common)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, run, summary: str, description: str = "") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=summary, description=description or summary, formatter_class=_Formatter,
                           parents=[common])
        p.set_defaults(run=run)
        return p

    p = command("datasets", _cmd_datasets, "list the datasets: source, classes, sizes, offline availability")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = command("vectors", _cmd_vectors, "list the named word vectors and whether they are cached")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = command("distill", _cmd_distill, "distill a dataset into a few synthetic samples per class",
                "Distill DATASET and write the DistilledSet plus a run card (config, timings, metrics) to --out.\n"
                "Interrupted? `textdistill distill --resume DIR` continues from the last checkpoint.")
    p.add_argument("dataset", nargs="?", help="dataset name (see `textdistill datasets`) or csv:/parquet:/jsonl: PATH")
    _add_vectors(p)
    _add_dataset_options(p)
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: runs/DATASET-METHOD-PERCLASS)")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the run in DIR from its last checkpoint with its own options; only --outer-steps, "
                   "--checkpoint-every, --device and --max-memory may change")
    _add_config_options(p)

    p = command("evaluate", _cmd_evaluate, "train fresh models on a distilled set or baseline; accuracy mean ± std",
                "Train fresh models from several seeds on TRAIN_SET (a folder written by `distill` or `baseline`),\n"
                "print test accuracy mean ± std (epoch chosen on validation) and write curves.json and curves.csv.")
    p.add_argument("train_set", metavar="TRAIN_SET", help="folder written by `textdistill distill` or `textdistill baseline`")
    p.add_argument("--test", default=None, metavar="DATASET",
                   help="dataset whose test split to measure on (default: the one the set was made from; "
                   "a different split is refused, never silently compared)")
    _add_vectors(p, default=None)
    _add_dataset_options(p, inherit=True)
    _add_eval_options(p)
    _add_device(p)
    p.add_argument("--out", default=None, metavar="DIR", help="where curves.json/curves.csv go (default: TRAIN_SET/eval)")

    p = command("baseline", _cmd_baseline, "pick real training texts (random, k-center, herding, full) and evaluate them",
                "Select a subset of DATASET's real training texts, save it to --out and evaluate it like a distilled set.")
    p.add_argument("dataset", help="dataset name (see `textdistill datasets`)")
    p.add_argument("--kind", default="random", choices=("random", "kcenter", "herding", "full"),
                   help="how to pick the texts (k-center and herding work on mean word vectors)")
    p.add_argument("--per-class", type=int, default=10, help="texts per class (ignored for --kind full)")
    p.add_argument("--seed", type=int, default=0, help="seed of the selection")
    _add_vectors(p)
    _add_dataset_options(p)
    _add_eval_options(p)
    _add_device(p)
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default: runs/DATASET-KIND-PERCLASS)")

    p = command("decode", _cmd_decode, "show the nearest words of each distilled sample",
                "Decode every token position of the distilled samples to its nearest words.")
    p.add_argument("distilled", metavar="DISTILLED", help="folder written by `textdistill distill`")
    p.add_argument("--top-k", type=int, default=5, help="nearest words shown per position")
    p.add_argument("--metric", default="cosine", choices=("cosine", "euclidean"), help="distance to the word vectors")
    p.add_argument("--vocab", default="dataset", choices=("dataset", "vectors"),
                   help="search the dataset's vocabulary or all words of the vectors")
    _add_vectors(p, default=None)
    p.add_argument("--html", default=None, metavar="PATH", help="also write the decoded samples as an HTML page (shaded by similarity)")

    from .reproduce import EXPERIMENTS

    p = command("reproduce", _cmd_reproduce, "rerun the paper's Table 2, Figure 3 (epochs) or Figure 4 (sizes)",
                "Online (internet): the eight benchmarks at the paper's sizes through Hugging Face datasets.\n"
                "Offline: the offline datasets, with a banner saying which analogue stands for which benchmark.\n"
                "Writes a markdown table (the paper's numbers beside ours), JSON and an HTML report.")
    p.add_argument("experiment", choices=EXPERIMENTS, help="table2 = Table 2; epochs = Figure 3; sizes = Figure 4")
    p.add_argument("--datasets", default=None, metavar="A,B",
                   help="comma-separated datasets (default: all eight benchmarks online, all available offline datasets offline)")
    p.add_argument("--online", action="store_true",
                   help="run the paper's eight benchmarks from the Hugging Face hub (needs internet)")
    p.add_argument("--hub-mirror", default=None, metavar="DIR",
                   help="with --online: read each benchmark from DIR/NAME/train.parquet and test.parquet instead of the hub")
    p.add_argument("--per-class", type=int, default=10, help="offline: distilled samples per class (online uses the paper's 0.1%%/0.01%%)")
    _add_method(p)
    _add_vectors(p, default=None, where="glove-6b-50d offline; the paper's GloVe Twitter 100d (a 1.4 GB download) online")
    p.add_argument("--seeds", type=int, default=5, help="evaluation seeds")
    p.add_argument("--smoke", action="store_true", help="tiny sizes, same code path (for tests)")
    _add_device(p)
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default: runs/reproduce-EXPERIMENT)")

    p = command("demo", _cmd_demo, "the main job: full data vs random subset vs distilled, with an offline HTML report",
                "Load data and vectors; train on full data and on a random subset; distill; evaluate all three\n"
                "over several seeds; decode the distilled samples; draw a map; write OUT/report.html.")
    p.add_argument("--dataset", default="trec", help="dataset name (see `textdistill datasets`)")
    _add_vectors(p)
    p.add_argument("--per-class", type=int, default=10, help="samples per class for the random subset and the distilled set")
    _add_method(p)
    p.add_argument("--seeds", type=int, default=5, help="evaluation seeds")
    _add_device(p)
    p.add_argument("--smoke", action="store_true", help="tiny sizes, same code path (for tests and CI)")
    p.add_argument("--out", default="runs/demo", metavar="DIR", help="output folder (report.html, distilled set, results)")
    return parser


# ----------------------------------------------------------------------------------------------
# Entry point and error handling


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``textdistill`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    command = next((a for a in argv if not a.startswith("-")), "")
    try:
        args = build_parser().parse_args(argv)
        _check_device(getattr(args, "device", "auto"))
        return int(args.run(args) or 0)
    except UsageError as err:
        return _fail(err, err.hint, EXIT_USAGE, debug)
    except BrokenPipeError:  # `textdistill datasets | head`: the reader left; that is not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush from failing again
        return 0
    except KeyboardInterrupt as err:
        hint = getattr(err, "hint", "") or (f"`{PROG} distill --resume DIR` continues from the last checkpoint"
                                            if command == "distill" else "")
        return _fail(str(err) or "interrupted", hint, EXIT_INTERRUPTED, debug, err)
    except (ValueError, FileNotFoundError, NotADirectoryError, IsADirectoryError) as err:
        # Library code raises these for bad input, with the fix in the message.
        return _fail(err, getattr(err, "hint", "") or _usage_hint(command), EXIT_USAGE, debug)
    except MemoryError as err:  # the distiller's memory guard, before the OS would kill the run
        return _fail(err, "use --backend backgradient or --backend truncated, fewer --steps/--epochs, or raise --max-memory",
                     EXIT_RUNTIME, debug)
    except ConnectionError as err:
        return _fail(err, f"offline, the datasets and vectors marked cached or ready in `{PROG} datasets` "
                     f"and `{PROG} vectors` work", EXIT_RUNTIME, debug)
    except (OSError, RuntimeError) as err:
        return _fail(f"{type(err).__name__}: {err}", getattr(err, "hint", "") or "rerun with --debug to see where it failed",
                     EXIT_RUNTIME, debug)
    except Exception as err:  # noqa: BLE001 - the last line of defence: never a bare traceback
        return _fail(f"unexpected {type(err).__name__}: {err}", "rerun with --debug and report the traceback",
                     EXIT_RUNTIME, debug)


def _check_device(device: str) -> None:
    """Refuse ``--device cuda`` up front on a machine without CUDA, before any work is done."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device cuda, but this machine has no CUDA device (or torch was built without CUDA)",
                             "use --device auto (cuda when available, else cpu) or --device cpu")


def _usage_hint(command: str) -> str:
    return f"see `{PROG} {command} --help`" if command else f"see `{PROG} --help`"


def _fail(message: object, hint: str, code: int, debug: bool, err: BaseException | None = None) -> int:
    if debug:
        traceback.print_exc()
    text = " ".join(str(message).split()) or (type(err).__name__ if err else "failed")
    print(f"error: {text}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)
    return code


def _json_out(obj: object) -> None:
    print(json.dumps(obj, indent=2, default=str))


def _out_dir(value: str | None, *parts: object) -> Path:
    return Path(value) if value else Path("runs") / "-".join(str(p) for p in parts if p is not None)


# ----------------------------------------------------------------------------------------------
# Commands. Each returns an exit code (None = 0).

RUN_CARD = "run.json"
SUBSET_FILE = "subset.json"
CHECKPOINT_DIR = "checkpoint"


def _load_data(name: str, max_len: int | None, data_seed: int, vectors_name: str):
    """The dataset and vectors a command works on (progress of downloads goes to stderr)."""
    from .data import load_dataset
    from .vectors_sources import load_vectors

    dataset = load_dataset(name, max_len=max_len, seed=data_seed)
    return dataset, load_vectors(vectors_name)


def _cmd_datasets(args: argparse.Namespace) -> None:
    from .data import list_datasets

    rows = [info.as_row() for info in list_datasets()]
    if args.json:
        _json_out(rows)
        return
    columns = ("name", "classes", "train_size", "test_size", "status", "stands_in_for", "source")
    _print_table([{c: row[c] for c in columns} for row in rows])


def _cmd_vectors(args: argparse.Namespace) -> None:
    from .vectors_sources import list_vectors

    rows = [info.as_row() for info in list_vectors()]
    if args.json:
        _json_out(rows)
        return
    _print_table([{c: row[c] for c in ("name", "dim", "words", "status", "source")} for row in rows])
    print("also: any GloVe .txt/.txt.gz/.zip file by path or URL (zip members as PATH#MEMBER), and random:DIM")


def _print_table(rows: Sequence[dict]) -> None:
    """A plain fixed-width table of dict rows on stdout."""
    if not rows:
        return
    columns = list(rows[0])
    cells = [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    for row in [columns, *cells]:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


def _cmd_distill(args: argparse.Namespace) -> None:
    from .distill import DistillConfig, Distiller, DistillInterrupted, DivergenceError
    from .io import atomic_write_json

    request, out = _distill_request(args)
    config = DistillConfig.from_dict(request["config"])
    start = time.perf_counter()
    dataset, vectors = _load_data(request["dataset"], request["max_len"], request["data_seed"], request["vectors"])
    loaded = time.perf_counter()
    card = _read_run_card(out) if args.resume else {}
    card.update(request=request, status="running", argv=sys.argv, dataset=dataset.card(),
                vectors={"name": vectors.name, "dim": vectors.dim, "checksum": vectors.checksum})
    atomic_write_json(out / RUN_CARD, card)

    def finish(distilled, status: str) -> None:
        """Save the (best so far) set and the run card, whatever ended the run."""
        if distilled is not None:
            distilled.save(out)
            card["metrics"] = distilled.metrics
        now = time.perf_counter()
        card.update(status=status, timings={"load_s": loaded - start, "distill_s": now - loaded, "total_s": now - start})
        atomic_write_json(out / RUN_CARD, card)

    try:
        distilled = Distiller(config).fit(dataset, vectors, checkpoint_dir=out / CHECKPOINT_DIR,
                                          resume=bool(args.resume), progress=not args.quiet)
    except DistillInterrupted as err:
        finish(err.distilled, "interrupted")
        err.hint = f"`{PROG} distill --resume {out}` continues from the last checkpoint; the best set so far is in {out}"
        raise
    except DivergenceError as err:
        finish(err.distilled, "diverged")
        err.hint = f"the best set before it diverged is in {out}; try a lower --outer-lr or --lr-max"
        raise
    except BaseException as err:
        finish(None, f"failed: {type(err).__name__}")
        raise
    finish(distilled, "done")
    print(f"distilled {distilled.num_samples} samples ({config.per_class}/class, {config.method}) in "
          f"{card['timings']['distill_s']:.1f} s -> {out}")
    best = distilled.metrics.get("best_val_acc")
    if best is not None:
        print(f"best validation accuracy during distillation: {100 * best:.1f}%")


def _distill_request(args: argparse.Namespace) -> tuple[dict, Path]:
    """What to distill and where: from the options, or from the run card of the run to resume."""
    from .distill import DistillConfig
    from .distill.distiller import RESUMABLE_CHANGES

    defaults = {f.name: f.default for f in dataclasses.fields(DistillConfig)}
    changed = [name for name, default in defaults.items() if getattr(args, name) != default]
    if not args.resume:
        if not args.dataset:
            raise UsageError("distill needs a DATASET (or --resume DIR)", f"`{PROG} datasets` lists them")
        out = _out_dir(args.out, args.dataset, args.method, f"{args.per_class}pc")
        if (out / RUN_CARD).exists() or (out / CHECKPOINT_DIR).exists():
            raise UsageError(f"{out} already holds a distillation run",
                             f"continue it with `{PROG} distill --resume {out}`, or pass a new --out")
        request = {"dataset": args.dataset, "vectors": args.vectors, "max_len": args.max_len,
                   "data_seed": args.data_seed, "config": {name: getattr(args, name) for name in defaults}}
        return request, out
    if args.dataset or args.out:
        raise UsageError("--resume continues a run with its own dataset and folder; drop DATASET and --out",
                         f"`{PROG} distill --resume {args.resume}`")
    fixed = [f for f in changed if f not in RESUMABLE_CHANGES]
    if fixed:
        flags = ", ".join(_flag(f) for f in fixed)
        allowed = ", ".join(_flag(f) for f in RESUMABLE_CHANGES)
        raise UsageError(f"--resume continues a run with its own options; drop {flags}",
                         f"only {allowed} may change on resume; start a new run with --out to change others")
    out = Path(args.resume)
    request = _read_run_card(out)["request"]
    request["config"].update({f: getattr(args, f) for f in changed})  # e.g. more --outer-steps
    return request, out


def _flag(field: str) -> str:
    return _OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


def _read_run_card(folder: Path) -> dict:
    path = folder / RUN_CARD
    if not path.exists():
        raise UsageError(f"{path} not found: {folder} is not a folder written by `{PROG} distill` or `{PROG} baseline`",
                         "pass the --out folder of an earlier run")
    return json.loads(path.read_text())


def _load_train_set(folder: Path):
    """A DistilledSet or a RealSubset from a folder written by `distill` or `baseline`."""
    import numpy as np

    from .baselines import RealSubset
    from .distilled_set import CARD_FILE, DistilledSet

    if not folder.exists():
        raise UsageError(f"{folder} not found", f"pass a folder written by `{PROG} distill --out` or `{PROG} baseline --out`")
    if (folder / SUBSET_FILE).exists():
        saved = json.loads((folder / SUBSET_FILE).read_text())
        return RealSubset(indices=np.asarray(saved["indices"], dtype=np.int64), **saved["card"])
    if (folder / CARD_FILE).exists() or folder.is_file():
        return DistilledSet.load(folder)
    raise UsageError(f"{folder} holds neither a distilled set nor a baseline subset",
                     f"pass a folder written by `{PROG} distill --out` or `{PROG} baseline --out`")


def _evaluate_and_report(args: argparse.Namespace, train_set, dataset, vectors, out: Path) -> None:
    """Evaluate, print accuracy mean ± std, write curves.json and curves.csv to ``out``."""
    from .distilled_set import DistilledSet
    from .evaluate import evaluate

    mode = args.mode or ("replay" if isinstance(train_set, DistilledSet) and len(train_set.lrs) else "standard")
    result = evaluate(train_set, dataset, vectors, arch=args.arch, seeds=range(args.seeds), epochs=args.epochs,
                      mode=mode, device=args.device, progress=not args.quiet)
    files = _write_curves(result, out)
    print(f"{result.label} on {dataset.name}: test accuracy {100 * result.mean:.1f} ± {100 * result.std:.1f}% "
          f"({len(result.seeds)} seed{'s' * (len(result.seeds) != 1)}, {args.arch}, {mode}; epoch chosen on validation)")
    print(f"curves: {files[0]} {files[1]}")


def _write_curves(result, out: Path) -> tuple[Path, Path]:
    """``curves.json`` (the whole result) and ``curves.csv`` (one row per seed and evaluated epoch)."""
    import io

    import pandas as pd

    from .io import atomic_write_bytes

    rows = [
        {"label": result.label, "seed": seed, "epoch": epoch, "val_acc": result.val_acc[i, j], "test_acc": result.test_acc[i, j]}
        for i, seed in enumerate(result.seeds) for j, epoch in enumerate(result.eval_epochs)
    ]
    buffer = io.StringIO()
    pd.DataFrame(rows).to_csv(buffer, index=False)
    atomic_write_bytes(out / "curves.csv", buffer.getvalue().encode())
    return result.save_json(out / "curves.json"), out / "curves.csv"


def _cmd_evaluate(args: argparse.Namespace) -> None:
    folder = Path(args.train_set)
    train_set = _load_train_set(folder)
    request = _read_run_card(folder)["request"] if (folder / RUN_CARD).exists() else {}
    name = args.test or request.get("dataset") or train_set.dataset
    max_len = args.max_len if args.max_len is not None else request.get("max_len")
    data_seed = args.data_seed if args.data_seed is not None else request.get("data_seed", 0)
    vectors_name = args.vectors or request.get("vectors") or getattr(train_set, "vectors", "")
    if not vectors_name:
        raise UsageError(f"{folder} does not record its word vectors", "pass --vectors NAME_OR_PATH")
    dataset, vectors = _load_data(name, max_len, data_seed, vectors_name)
    _evaluate_and_report(args, train_set, dataset, vectors, Path(args.out) if args.out else folder / "eval")


def _cmd_baseline(args: argparse.Namespace) -> None:
    from .baselines import full_data, herding, kcenter, random_subset
    from .io import atomic_write_json

    dataset, vectors = _load_data(args.dataset, args.max_len, args.data_seed, args.vectors)
    if args.kind == "full":
        subset = full_data(dataset)
    elif args.kind == "random":
        subset = random_subset(dataset, args.per_class, seed=args.seed)
    else:
        select = kcenter if args.kind == "kcenter" else herding
        subset = select(dataset, args.per_class, vectors, seed=args.seed)
    out = _out_dir(args.out, args.dataset, args.kind, None if args.kind == "full" else f"{args.per_class}pc")
    card = {k: v for k, v in dataclasses.asdict(subset).items() if k != "indices"}
    atomic_write_json(out / SUBSET_FILE, {"indices": subset.indices.tolist(), "card": card})
    request = {"dataset": args.dataset, "vectors": args.vectors, "max_len": args.max_len, "data_seed": args.data_seed}
    atomic_write_json(out / RUN_CARD, {"request": request, "status": "done", "argv": sys.argv, "subset": subset.card()})
    print(f"{args.kind}: {subset.num_samples} training texts of {dataset.name} -> {out}")
    _evaluate_and_report(args, subset, dataset, vectors, out / "eval")


def _cmd_decode(args: argparse.Namespace) -> None:
    from .decode import compare_classes, decode
    from .distilled_set import DistilledSet, check_vectors
    from .report import Section, write_report

    folder = Path(args.distilled)
    distilled = DistilledSet.load(folder)
    request = _read_run_card(folder)["request"] if (folder / RUN_CARD).exists() else {}
    vectors_name = args.vectors or request.get("vectors") or distilled.vectors
    dataset, vectors = _load_data(request.get("dataset") or distilled.dataset, request.get("max_len"),
                                  request.get("data_seed", 0), vectors_name)
    check_vectors(distilled.card(), vectors)
    vocabulary = dataset.vocab if args.vocab == "dataset" else None
    decoded = decode(distilled, vectors, k=args.top_k, metric=args.metric, vocabulary=vocabulary)
    print(decoded)
    print()
    table = compare_classes(decoded, dataset)
    _print_table(table[["class", "decoded", "distinctive", "overlap"]].to_dict("records"))
    if args.html:
        sections = [Section("Decoded samples", decoded.to_html(),
                            note=f"nearest {args.metric} words; darker = closer; hover for the top {args.top_k}"),
                    Section("Per class: decoded vs distinctive real words", _frame_table(table))]
        path = write_report(args.html, f"Decoded distilled samples: {dataset.name}", sections,
                            subtitle=f"{distilled.num_samples} samples, {distilled.method}, vectors {vectors.name}")
        print(f"\nwrote {path}")


def _frame_table(frame):
    """A pandas DataFrame as a report Table."""
    from .report import Table

    return Table(list(frame.columns), frame.astype(str).values.tolist())


def _cmd_reproduce(args: argparse.Namespace) -> None:
    from . import reproduce

    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()] if args.datasets else None
    offline = [] if args.online else reproduce.offline_datasets()
    jobs = reproduce.plan(datasets=datasets, online=args.online, per_class=args.per_class, vectors=args.vectors,
                          offline_available=offline, hub_mirror=args.hub_mirror)
    budget = reproduce.SMOKE_BUDGET if args.smoke else reproduce.FULL_BUDGET
    sizes = reproduce.SMOKE_SIZES if args.smoke else reproduce.SIZES
    result = reproduce.run_experiment(args.experiment, jobs, online=args.online, seeds=args.seeds, method=args.method,
                                      budget=budget, sizes=sizes, device=args.device, progress=not args.quiet)
    out = _out_dir(args.out, "reproduce", args.experiment)
    files = reproduce.save_experiment(result, out)
    print(result.markdown())
    print("wrote " + " ".join(str(f) for f in files))


def _cmd_demo(args: argparse.Namespace) -> None:
    from .demo import DemoConfig, run_demo

    config = DemoConfig(dataset=args.dataset, vectors=args.vectors, per_class=args.per_class, seeds=args.seeds,
                        device=args.device, smoke=args.smoke, method=args.method, out=Path(args.out))
    result = run_demo(config, progress=not args.quiet)
    print(result.format_table())
    print()
    print("What the distilled samples decode to (most frequent nearest words per class):")
    print(result.format_words())
    print()
    print(f"report: {result.report}   (total {result.total_seconds:.0f} s)")

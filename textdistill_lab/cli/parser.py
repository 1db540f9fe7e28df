"""The ``textdistill`` argument parser: every subcommand, every option with its default."""

from __future__ import annotations

import argparse
import dataclasses

from .._version import __version__
from ..choices import ARCHITECTURES, DEVICES, EVAL_MODES, EXPERIMENTS
from ..distill.config import METHODS, DistillConfig  # light: the distill package imports lazily
from . import commands
from ..validators import check_int, check_positive_float
from .errors import PROG, UsageError
from .flags import option_flag


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

    def parse_known_args(self, args=None, namespace=None):
        """Parse, then hold every number to the library's own rules, before any command runs.

        ``given`` records the options set to other than their defaults (what `--resume` may not change).
        """
        parsed, extras = super().parse_known_args(args, namespace)
        parsed.given = getattr(parsed, "given", frozenset()) | {
            a.dest for a in self._actions if a.option_strings and getattr(parsed, a.dest, a.default) != a.default}
        for action in self._actions:
            value = getattr(parsed, action.dest, None)
            if value is None or not action.option_strings or action.type not in (int, float):
                continue
            try:
                if action.type is int:
                    check_int(action.dest, value, action.option_strings[-1])
                else:
                    check_positive_float(action.dest, value, action.option_strings[-1])
            except (TypeError, ValueError) as err:
                raise UsageError(str(err), f"run `{self.prog} --help` to see the options and their defaults") from None
        return parsed, extras


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


def _add_local_file_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("local files (csv:/parquet:/jsonl: PATH)")
    group.add_argument("--test-file", default=None, metavar="PATH",
                       help="test texts in a file of the same format and columns (default: a seeded 20%% per class "
                       "is held out of the training file)")
    group.add_argument("--validation-file", default=None, metavar="PATH",
                       help="validation texts (used to pick epochs and the best set) in a file of the same format "
                       "(default: a seeded 10%% per class of the training file)")
    group.add_argument("--text-column", default=None, metavar="NAME[,NAME]",
                       help="column(s) holding the text, joined with a space (default: text)")
    group.add_argument("--label-column", default=None, metavar="NAME", help="column holding the label (default: label)")
    group.add_argument("--name", default=None,
                       help="the dataset's name in outputs (default: the file's folder when the file is called "
                       "train/data/..., else the file name)")


def _add_out(parser: argparse.ArgumentParser, default: str | None, what: str) -> None:
    parser.add_argument("--out", default=default, metavar="DIR", help=what)
    parser.add_argument("--overwrite", action="store_true",
                        help="write into --out even if it is not empty and was not made by this command (default: refuse)")


def _add_method(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", default=None, choices=METHODS,
                        help="distillation method (default: the distiller's default, DistillConfig.method)")


def _add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="auto", choices=DEVICES,
                        help="where to compute: auto = cuda when available, else cpu")


def _add_eval_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("evaluation")
    group.add_argument("--seeds", type=int, default=5, help="fresh models trained from seeds 0..N-1; mean ± std over them")
    group.add_argument("--epochs", type=int, default=None,
                       help="training epochs (default: 30 in standard mode, 1 pass of the learned schedule in replay modes)")
    group.add_argument("--arch", default="textcnn", choices=ARCHITECTURES,
                       help="classifier trained on the set (meanpool-mlp checks cross-architecture transfer)")
    group.add_argument("--mode", default="auto", choices=EVAL_MODES,
                       help="replay = the learned steps and learning rates in order (the paper's protocol); "
                       "standard = shuffled minibatches with Adam; auto = replay for sets with learned learning rates, "
                       "standard for the others")


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    """Every DistillConfig field as a `distill` option: default, type, help and choices from the dataclass."""
    group = parser.add_argument_group("distillation (DistillConfig)")
    for field in dataclasses.fields(DistillConfig):
        kwargs: dict = {"dest": field.name, "default": field.default, "help": field.metadata["help"]}
        if isinstance(field.default, bool):
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = float if field.default is None else type(field.default)  # None: an optional float
            if field.metadata["choices"]:
                kwargs["choices"] = field.metadata["choices"]
            elif field.name == "max_memory_gb":
                kwargs["metavar"] = "GB"
        group.add_argument(option_flag(field.name), **kwargs)


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

    p = command("datasets", commands.cmd_datasets, "list the datasets: source, classes, sizes, offline availability")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = command("vectors", commands.cmd_vectors, "list the named word vectors and whether they are cached")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = command("distill", commands.cmd_distill, "distill a dataset into a few synthetic samples per class",
                "Distill DATASET and write the DistilledSet plus a run card (config, timings, metrics) to --out.\n"
                "Interrupted? `textdistill distill --resume DIR` continues from the last checkpoint.")
    p.add_argument("dataset", nargs="?", help="dataset name (see `textdistill datasets`) or csv:/parquet:/jsonl: PATH")
    _add_vectors(p)
    _add_dataset_options(p)
    _add_local_file_options(p)
    _add_out(p, None, "output folder (default: runs/DATASET-METHOD-PERCLASS)")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the run in DIR from its last checkpoint with its own options; only --outer-steps, "
                   "--checkpoint-every, --device and --max-memory may change")
    _add_config_options(p)

    p = command("evaluate", commands.cmd_evaluate, "train fresh models on a distilled set or baseline; accuracy mean ± std",
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
    _add_local_file_options(p)
    _add_out(p, None, "where curves.json/curves.csv go (default: TRAIN_SET/eval)")

    p = command("baseline", commands.cmd_baseline, "pick real training texts (random, k-center, herding, full) and evaluate them",
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
    _add_local_file_options(p)
    _add_out(p, None, "output folder (default: runs/DATASET-KIND-PERCLASS)")

    p = command("decode", commands.cmd_decode, "show the nearest words of each distilled sample",
                "Decode every token position of the distilled samples to its nearest words.")
    p.add_argument("distilled", metavar="DISTILLED", help="folder written by `textdistill distill`")
    p.add_argument("--top-k", type=int, default=5, help="nearest words shown per position")
    p.add_argument("--metric", default="cosine", choices=("cosine", "euclidean"), help="distance to the word vectors")
    p.add_argument("--vocab", default="dataset", choices=("dataset", "vectors"),
                   help="search the dataset's vocabulary or all words of the vectors")
    _add_vectors(p, default=None)
    p.add_argument("--show", type=int, default=3, metavar="N", help="samples shown per class")
    p.add_argument("--color", default="auto", choices=("auto", "always", "never"),
                   help="shade each word by closeness on the terminal (auto: when stdout is a terminal)")
    p.add_argument("--fidelity-seeds", type=int, default=3, metavar="N",
                   help="decode fidelity: train N fresh models on the set and N on its decoded texts (0: skip)")
    _add_device(p)
    p.add_argument("--html", default=None, metavar="PATH", help="also write the decoded samples as an HTML page (shaded by similarity)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --html file (default: refuse)")

    p = command("reproduce", commands.cmd_reproduce, "rerun the paper's Table 2, Figure 3 (epochs) or Figure 4 (sizes)",
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
    _add_out(p, None, "output folder (default: runs/reproduce-EXPERIMENT)")

    p = command("demo", commands.cmd_demo, "the main job: full data vs random subset vs distilled, with an offline HTML report",
                "Load data and vectors; train on full data and on a random subset; distill; evaluate all three\n"
                "over several seeds; decode the distilled samples; draw a map; write OUT/report.html.")
    p.add_argument("--dataset", default="trec", help="dataset name (see `textdistill datasets`) or csv:/parquet:/jsonl: PATH")
    _add_vectors(p)
    _add_local_file_options(p)
    p.add_argument("--per-class", type=int, default=10, help="samples per class for the random subset and the distilled set")
    _add_method(p)
    p.add_argument("--seeds", type=int, default=5, help="evaluation seeds")
    _add_device(p)
    p.add_argument("--smoke", action="store_true", help="tiny sizes, same code path (for tests and CI)")
    _add_out(p, "runs/demo", "output folder (report.html, distilled set, results)")
    return parser

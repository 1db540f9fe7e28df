"""The ``textdistill`` subcommands: each takes the parsed arguments, calls the library, prints and writes files.

Each returns an exit code (None = 0). Imports that only one command needs (plotly, umap, the data
loaders) happen inside that command, so ``textdistill --help`` stays fast.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import PROG, UsageError
from .flags import option_flag
from .run_card import DATA_OPTIONS
from .terminal import escape_controls, print_shaded

RUN_CARD = "run.json"
SUBSET_FILE = "subset.json"
CHECKPOINT_DIR = "checkpoint"


def _json_out(obj: object) -> None:
    print(json.dumps(obj, indent=2, default=str))


def _out_dir(value: str | None, *parts: object) -> Path:
    return Path(value) if value else Path("runs") / "-".join(str(p) for p in parts if p is not None)




def _data_request(args: argparse.Namespace) -> dict:
    """The options that decide the dataset, as recorded in a run card and reused by `evaluate`/`decode`."""
    request = {"dataset": args.dataset, "vectors": args.vectors, "max_len": getattr(args, "max_len", None),
               "data_seed": getattr(args, "data_seed", 0)}
    return {**request, **{key: getattr(args, key) for key in DATA_OPTIONS if getattr(args, key, None) is not None}}


def _dataset_label(args: argparse.Namespace) -> str:
    """A short name for default output folders: --name, else the dataset's name (a local file's as it is loaded)."""
    from ..data.files import FORMATS
    from ..data.registry import local_name

    fmt, sep, path = args.dataset.partition(":")
    return args.name or (local_name(path) if sep and fmt in FORMATS else args.dataset)


def _load_data(request: dict):
    """The dataset and vectors a request names (progress of downloads goes to stderr)."""
    from ..data import load_dataset
    from ..vectors import load_vectors

    local = {key: request[key] for key in DATA_OPTIONS if request.get(key) is not None}
    for split in ("test", "validation"):
        if f"{split}_file" in local:
            local[f"{split}_path"] = local.pop(f"{split}_file")
    if "name" in local:
        local["display_name"] = local.pop("name")
    if "text_column" in local:
        local["text_column"] = local["text_column"].split(",")
    dataset = load_dataset(request["dataset"], max_len=request.get("max_len"), seed=request.get("data_seed") or 0, **local)
    return dataset, load_vectors(request["vectors"])


def cmd_datasets(args: argparse.Namespace) -> None:
    from ..data import list_datasets

    rows = [info.as_row() for info in list_datasets()]
    if args.json:
        _json_out(rows)
        return
    columns = ("name", "classes", "train_size", "test_size", "status", "stands_in_for", "source")
    _print_table([{c: row[c] for c in columns} for row in rows])


def cmd_vectors(args: argparse.Namespace) -> None:
    from ..vectors import list_vectors

    rows = [info.as_row() for info in list_vectors()]
    if args.json:
        _json_out(rows)
        return
    _print_table([{c: row[c] for c in ("name", "dim", "words", "status", "source")} for row in rows])
    print("also: any GloVe .txt/.txt.gz/.zip file by path or URL (zip members as PATH#MEMBER), and random:DIM")


def _print_table(records: Sequence[dict]) -> None:
    from ..table import Table

    if records:
        print(Table.from_records(records).to_text())


def cmd_distill(args: argparse.Namespace) -> None:
    from ..distill import DistillConfig, Distiller, DistillInterrupted, DivergenceError
    from ..distill.checkpoint import CHECKPOINT_FILE
    from ..distilled_set import CARD_FILE, TENSORS_FILE
    from ..io import atomic_write_json
    from ..outdir import claim, clear_own_outputs

    request, out, previous = _distill_request(args)
    config = DistillConfig.from_dict(request["config"])
    start = time.perf_counter()
    dataset, vectors = _load_data(request)
    loaded = time.perf_counter()
    # Everything is checked: from here on the folder is held (a second run on it is refused) and written.
    with claim(out, "distill", overwrite=bool(args.resume) or args.overwrite) as out:
        if not args.resume:
            _refuse_existing_run(out, args.overwrite)
            clear_own_outputs(out, (RUN_CARD, CHECKPOINT_DIR, CARD_FILE, TENSORS_FILE))
        card = {**previous, "request": request, "status": "running", "argv": sys.argv, "dataset": dataset.card(),
                "vectors": {"name": vectors.name, "dim": vectors.dim, "checksum": vectors.checksum}}
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
            if args.resume:  # the run's record stays what it was: a failed resume changed nothing it describes
                atomic_write_json(out / RUN_CARD, previous)
            elif not (out / CHECKPOINT_DIR / CHECKPOINT_FILE).exists():  # failed before its first step: leave nothing
                clear_own_outputs(out, (RUN_CARD, CHECKPOINT_DIR))
            else:
                finish(None, f"failed: {type(err).__name__}")
            raise
        finish(distilled, "done")
    print(f"distilled {distilled.num_samples} samples ({config.per_class}/class, {config.method}) in "
          f"{card['timings']['distill_s']:.1f} s -> {out}")
    if distilled.metrics.get("stopped_by_time"):
        print(f"stopped by --max-minutes {config.max_minutes:g} after {distilled.metrics['steps_done']} of "
              f"{config.outer_steps} outer steps")
    best = distilled.metrics.get("best_val_acc")
    if best is not None:
        print(f"best validation accuracy during distillation: {100 * best:.1f}%")


def _refuse_existing_run(out: Path, overwrite: bool) -> None:
    if not overwrite and ((out / RUN_CARD).exists() or (out / CHECKPOINT_DIR).exists()):
        raise UsageError(f"{out} already holds a distillation run",
                         f"continue it with `{PROG} distill --resume {out}`, pass a new --out, or --overwrite to replace it")


def _distill_request(args: argparse.Namespace) -> tuple[dict, Path, dict]:
    """What to distill and where, all checked: from the options, or from the run card of the run to resume.

    Also returns the run card found in the folder ({} for a new run), to restore if a resume fails.
    """
    from ..distill import DistillConfig
    from ..distill.config import check_config_values
    from ..distill.distiller import RESUMABLE_CHANGES
    from ..outdir import check_folder, folder_kind

    defaults = {f.name: f.default for f in dataclasses.fields(DistillConfig)}
    changed = [name for name, default in defaults.items() if getattr(args, name) != default]
    if not args.resume:
        if not args.dataset:
            raise UsageError("distill needs a DATASET (or --resume DIR)", f"`{PROG} datasets` lists them")
        out = _out_dir(args.out, _dataset_label(args), args.method, f"{args.per_class}pc")
        check_folder(out, "distill", overwrite=args.overwrite)
        _refuse_existing_run(out, args.overwrite)
        request = {**_data_request(args), "config": {name: getattr(args, name) for name in defaults}}
        check_config_values(request["config"], label=option_flag)
        return request, out, {}
    if args.dataset or args.out:
        raise UsageError("--resume continues a run with its own dataset and folder; drop DATASET and --out",
                         f"`{PROG} distill --resume {args.resume}`")
    fixed = sorted(args.given - {"resume", "quiet", "debug", *RESUMABLE_CHANGES})  # config and data options alike
    if fixed:
        flags = ", ".join(option_flag(f) for f in fixed)
        allowed = ", ".join(option_flag(f) for f in RESUMABLE_CHANGES)
        raise UsageError(f"--resume continues a run with its own options; drop {flags}",
                         f"only {allowed} may change on resume; start a new run with --out to change others")
    out = Path(args.resume)
    if folder_kind(out) not in (None, "distill"):
        raise UsageError(f"{out} holds the output of `{PROG} {folder_kind(out)}`, not a distillation run",
                         "pass the --out folder of an earlier `distill`")
    previous = _read_run_card(out, needs_config=True)
    request = copy.deepcopy(previous["request"])
    request["config"].update({f: getattr(args, f) for f in changed})  # e.g. more --outer-steps
    check_config_values(request["config"], label=option_flag)
    return request, out, previous


def _read_run_card(folder: Path, *, needs_config: bool = False) -> dict:
    """The run card of ``folder``, its request checked like options typed by hand (it is a file anyone can edit)."""
    from .run_card import check_run_card

    path = folder / RUN_CARD
    if not path.is_file():
        raise UsageError(f"{path} not found: {folder} is not a folder written by `{PROG} distill` or `{PROG} baseline`",
                         "pass the --out folder of an earlier run")
    return check_run_card(path, needs_config=needs_config)


def _recorded_dataset(train_set, folder: Path, fix: str = "pass the dataset with --test DATASET") -> str:
    """The dataset a set's own card names, trusted only as a registry name: a card is data, not a path to open."""
    from ..data.registry import DATASETS

    if train_set.dataset in DATASETS:
        return train_set.dataset
    raise UsageError(f"{folder} records dataset {train_set.dataset!r}, which is not a registry dataset, "
                     "and has no run card naming how it was loaded", fix)


def _load_train_set(folder: Path):
    """A DistilledSet or a RealSubset from a folder written by `distill` or `baseline`."""
    import numpy as np

    from ..baselines import RealSubset
    from ..distilled_set import CARD_FILE, DistilledSet

    if not folder.exists():
        raise UsageError(f"{folder} not found", f"pass a folder written by `{PROG} distill --out` or `{PROG} baseline --out`")
    if (folder / SUBSET_FILE).exists():
        try:
            saved = json.loads((folder / SUBSET_FILE).read_text())
            return RealSubset(indices=np.asarray(saved["indices"], dtype=np.int64), **saved["card"])
        except (ValueError, TypeError, KeyError) as err:  # JSON errors are ValueErrors
            raise UsageError(f"{folder / SUBSET_FILE} is damaged or edited ({type(err).__name__}: {err})",
                             f"rerun `{PROG} baseline` to write it again") from None
    if (folder / CARD_FILE).exists() or folder.is_file():
        return DistilledSet.load(folder)
    raise UsageError(f"{folder} holds neither a distilled set nor a baseline subset",
                     f"pass a folder written by `{PROG} distill --out` or `{PROG} baseline --out`")


def _set_folder(path: str) -> Path:
    """The folder of a saved set, also when the user names one of its own files (``run/card.json``)."""
    from ..distilled_set import CARD_FILE, TENSORS_FILE

    own = Path(path).is_file() and Path(path).name in (CARD_FILE, TENSORS_FILE, RUN_CARD, SUBSET_FILE)
    return Path(path).parent if own else Path(path)


def _evaluate_and_report(args: argparse.Namespace, train_set, dataset, vectors, out: Path) -> None:
    """Evaluate, print accuracy mean ± std, write curves.json and curves.csv to ``out``."""
    from ..evaluate import FingerprintError, evaluate, resolve_mode

    mode = resolve_mode(train_set, args.mode)
    try:
        result = evaluate(train_set, dataset, vectors, arch=args.arch, seeds=range(args.seeds), epochs=args.epochs,
                          mode=mode, device=args.device, progress=not args.quiet)
    except FingerprintError as err:
        err.hint = ("a set is scored on the splits it was made with (its run.json records them); to score on your own "
                    "test file, pass --test-file to the `distill` or `baseline` that makes the set")
        raise
    files = _write_curves(result, out)
    split = dataset.notes.get("test_split", "")
    print(f"{result.label} on {dataset.name}: test accuracy {100 * result.mean:.1f} ± {100 * result.std:.1f}% "
          f"({len(result.seeds)} seed{'s' * (len(result.seeds) != 1)}, {args.arch}, {mode}; epoch chosen on validation)")
    print(f"test split: {len(dataset.test)} texts ({split}); validation: {len(dataset.validation)} texts")
    print(f"curves: {files[0]} {files[1]}")


def _write_curves(result, out: Path) -> tuple[Path, Path]:
    """``curves.json`` (the whole result) and ``curves.csv`` (one row per seed and evaluated epoch)."""
    import io

    import pandas as pd

    from ..io import atomic_write_bytes

    rows = [
        {"label": result.label, "seed": seed, "epoch": epoch, "val_acc": result.val_acc[i, j], "test_acc": result.test_acc[i, j]}
        for i, seed in enumerate(result.seeds) for j, epoch in enumerate(result.eval_epochs)
    ]
    buffer = io.StringIO()
    pd.DataFrame(rows).to_csv(buffer, index=False)
    atomic_write_bytes(out / "curves.csv", buffer.getvalue().encode())
    return result.save_json(out / "curves.json"), out / "curves.csv"


def cmd_evaluate(args: argparse.Namespace) -> None:
    from ..outdir import check_folder, claim

    folder = _set_folder(args.train_set)
    train_set = _load_train_set(folder)
    out = Path(args.out) if args.out else folder / "eval"
    check_folder(out, "evaluate", overwrite=args.overwrite)
    request = _read_run_card(folder)["request"] if (folder / RUN_CARD).exists() else {}
    request = {**request, "dataset": args.test or request.get("dataset") or _recorded_dataset(train_set, folder),
               **{key: getattr(args, key) for key in ("max_len", "data_seed", *DATA_OPTIONS) if getattr(args, key) is not None}}
    request["vectors"] = args.vectors or request.get("vectors") or getattr(train_set, "vectors", "")
    if not request["vectors"]:
        raise UsageError(f"{folder} does not record its word vectors", "pass --vectors NAME_OR_PATH")
    dataset, vectors = _load_data(request)
    with claim(out, "evaluate", overwrite=args.overwrite) as out:
        _evaluate_and_report(args, train_set, dataset, vectors, out)


def cmd_baseline(args: argparse.Namespace) -> None:
    from ..baselines import full_data, herding, kcenter, random_subset
    from ..io import atomic_write_json
    from ..outdir import check_folder, claim

    out = _out_dir(args.out, _dataset_label(args), args.kind, None if args.kind == "full" else f"{args.per_class}pc")
    check_folder(out, "baseline", overwrite=args.overwrite)
    request = _data_request(args)
    dataset, vectors = _load_data(request)
    if args.kind == "full":
        subset = full_data(dataset)
    elif args.kind == "random":
        subset = random_subset(dataset, args.per_class, seed=args.seed)
    else:
        select = kcenter if args.kind == "kcenter" else herding
        subset = select(dataset, args.per_class, vectors, seed=args.seed)
    with claim(out, "baseline", overwrite=args.overwrite) as out:
        card = {k: v for k, v in dataclasses.asdict(subset).items() if k != "indices"}
        atomic_write_json(out / SUBSET_FILE, {"indices": subset.indices.tolist(), "card": card})
        atomic_write_json(out / RUN_CARD, {"request": request, "status": "done", "argv": sys.argv, "subset": subset.card()})
        print(f"{args.kind}: {subset.num_samples} training texts of {dataset.name} -> {out}")
        with claim(out / "eval", "evaluate", overwrite=args.overwrite) as eval_out:
            _evaluate_and_report(args, subset, dataset, vectors, eval_out)


def cmd_decode(args: argparse.Namespace) -> None:
    from ..class_summary import compare_classes
    from ..decode import decode
    from ..distilled_set import DistilledSet, check_vectors
    from ..fidelity import decode_fidelity
    from ..reference import LABEL as REFERENCE_LABEL
    from ..report import Section, Table, write_report

    folder = _set_folder(args.distilled)
    if args.html and Path(args.html).exists() and not args.overwrite:
        raise UsageError(f"{args.html} already exists; its contents are left alone",
                         "pass another --html path, or --overwrite to replace it")
    distilled = DistilledSet.load(folder)
    request = _read_run_card(folder)["request"] if (folder / RUN_CARD).exists() else {}
    request = {**request, "dataset": request.get("dataset") or _recorded_dataset(
        distilled, folder, f"decode the folder `{PROG} distill --out` wrote (its run.json says how the data was loaded)"),
               "vectors": args.vectors or request.get("vectors") or distilled.vectors}
    dataset, vectors = _load_data(request)
    check_vectors(distilled.card(), vectors)
    vocabulary = dataset.vocab if args.vocab == "dataset" else None
    decoded = decode(distilled, vectors, k=args.top_k, metric=args.metric, vocabulary=vocabulary)
    shown = _samples_per_class(decoded, args.show)
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    print_shaded(decoded.to_ansi(shown, color=color, escape=escape_controls))
    if color:
        print("(background: brighter blue = closer to the word; ? = weak match; · = padding)")
    fidelity = None
    if args.fidelity_seeds > 0:
        fidelity = decode_fidelity(distilled, dataset, vectors, seeds=range(args.fidelity_seeds), device=args.device,
                                   decoded=decode(distilled, vectors, k=1, vocabulary=dataset.vocab))
        print()
        print(fidelity.line())
        print(f"the {REFERENCE_LABEL} reference model trained on the decoded texts weighs most:")
        for name, words in fidelity.bow_words.items():
            print(f"  {name}: {', '.join(words)}")
    print()
    table = compare_classes(decoded, dataset)
    _print_table(table[["class", "decoded", "distinctive", "overlap"]].to_dict("records"))
    if args.html:
        sections = [Section("Decoded samples", decoded.to_html(shown),
                            note=f"{args.show} per class; nearest {args.metric} words; darker = closer; "
                            f"hover for the top {args.top_k}")]
        if fidelity is not None:
            sections += [
                Section("What survives decoding", Table(["measure", "value"], fidelity.rows()),
                        note="fresh models trained on the distilled matrices and on their decoded texts, same evaluator"),
                Section("What a bag-of-words model learns from the decoded texts",
                        Table(["class", f"largest weights of the {REFERENCE_LABEL} reference model"],
                              [[k, ", ".join(v)] for k, v in fidelity.bow_words.items()])),
            ]
        sections.append(Section("Per class: decoded vs distinctive real words", _frame_table(table)))
        path = write_report(args.html, f"Decoded distilled samples: {dataset.name}", sections,
                            subtitle=f"{distilled.num_samples} samples, {distilled.method}, vectors {vectors.name}")
        print(f"\nwrote {path}")


def _samples_per_class(decoded, count: int) -> list[int]:
    """The first ``count`` samples of each class, class by class."""
    import numpy as np

    labels = decoded.labels if decoded.labels is not None else np.zeros(decoded.num_samples, dtype=np.int64)
    return [int(i) for c in np.unique(labels) for i in np.flatnonzero(labels == c)[:count]]


def _frame_table(frame):
    """A pandas DataFrame as a report Table."""
    from ..table import Table

    return Table(list(frame.columns), frame.astype(str).values.tolist())


def cmd_reproduce(args: argparse.Namespace) -> None:
    from .. import reproduce
    from ..experiment import FULL_BUDGET, SMOKE_BUDGET
    from ..outdir import check_folder, claim
    from ..paper import offline_datasets

    out = check_folder(_out_dir(args.out, "reproduce", args.experiment), "reproduce", overwrite=args.overwrite)
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()] if args.datasets else None
    offline = [] if args.online else offline_datasets()
    jobs = reproduce.plan(datasets=datasets, online=args.online, per_class=args.per_class, vectors=args.vectors,
                          offline_available=offline, hub_mirror=args.hub_mirror)
    budget = SMOKE_BUDGET if args.smoke else FULL_BUDGET
    sizes = reproduce.SMOKE_SIZES if args.smoke else reproduce.SIZES
    result = reproduce.run_experiment(args.experiment, jobs, online=args.online, seeds=args.seeds, method=args.method,
                                      budget=budget, sizes=sizes, device=args.device, progress=not args.quiet)
    with claim(out, "reproduce", overwrite=args.overwrite) as out:
        files = reproduce.save_experiment(result, out)
    print(result.markdown())
    print("wrote " + " ".join(str(f) for f in files))


def cmd_demo(args: argparse.Namespace) -> None:
    from ..demo import DemoConfig, run_demo
    from ..outdir import claim

    config = DemoConfig(dataset=args.dataset, vectors=args.vectors, per_class=args.per_class, seeds=args.seeds,
                        device=args.device, smoke=args.smoke, method=args.method, out=Path(args.out))
    with claim(config.out, "demo", overwrite=args.overwrite):  # checked before a minute of work, held throughout
        dataset, vectors = _load_data(_data_request(args))
        result = run_demo(config, dataset=dataset, vectors=vectors, progress=not args.quiet)
    print(result.format_table())
    print()
    print("What the distilled samples decode to (most frequent nearest words per class):")
    print(result.format_words())
    print()
    print(f"report: {result.report}   (total {result.total_seconds:.0f} s)")

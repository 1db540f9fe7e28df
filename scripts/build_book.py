"""Build the Jupyter Book from chapters executed once, at one budget, and cached.

Each chapter (notebooks/NN_*.py) runs top to bottom with nbclient at ``--budget`` (``class`` by
default; ``smoke`` only for tests, and every page then carries the smoke banner), offline, with
static figures, in a temporary working folder. The executed notebook is cached under
``book/_build/executed/BUDGET/`` next to a key made from the chapter's source, the library's source
and the budget, so a rebuild re-executes only what changed. The book is then built from a staged
copy of book/ whose chapters are the executed notebooks, with execution switched off: the pages show
exactly the outputs (and the glued numbers) of that one run.

    python scripts/build_book.py                   # class budget: make book
    python scripts/build_book.py --budget smoke    # fast check of the build itself
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
import nbformat
import yaml
from nbclient import NotebookClient

from textdistill_lab.exercises import exercises

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
CACHE = BOOK / "_build" / "executed"
CELL_TIMEOUT_S = 900
PAGE_LIMIT_BYTES = 10_000_000  # each static redraw of a figure used to embed another plotly.js: one page was 58 MB
# The kernels inherit these: offline, plain figures (a static page cannot run widgets), one thread
# per kernel so that two kernels side by side do not fight over the cores.
KERNEL_ENV = {"TEXTDISTILL_WIDGETS": "static", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
              "OMP_NUM_THREADS": "1"}


def chapters() -> list[str]:
    """The chapter names in book order (book/_toc.yml)."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [f.split("/", 1)[1] for f in files if f.startswith("notebooks/")]


def cache_key(name: str, budget: str, solutions: bool = False) -> str:
    """What an executed chapter depends on: its source, the library's source, the budget, and
    whether the exercises' solutions ran too."""
    digest = hashlib.sha256(f"{budget}\n{'solutions' if solutions else ''}\n".encode())
    digest.update((NOTEBOOKS / f"{name}.py").read_bytes())
    for path in sorted((ROOT / "textdistill_lab").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\n" + path.read_bytes())
    return digest.hexdigest()


def append_solutions(notebook: nbformat.NotebookNode) -> None:
    """Append to ``notebook``, per exercise, a cell that runs its folded solution and then its check,
    so that one execution also proves every solution passes (the tests read the "✓ Exercise N").

    The cells run last, in the kernel the chapter left behind; they are tagged ``remove-cell`` (the
    book never shows them) and ``raises-exception`` (a wrong solution fails its own cell, not the
    chapter), and carry ``metadata["exercise"]``, the exercise's number.
    """
    for exercise in exercises(notebook.cells):
        cell = nbformat.v4.new_code_cell(f"{exercise.solution}\n\n{exercise.check}")
        cell.metadata.update(tags=["remove-cell", "raises-exception"], exercise=exercise.number)
        notebook.cells.append(cell)


def execute(name: str, budget: str, target: Path, solutions: bool = False) -> Path:
    """Run chapter ``name`` at ``budget`` and write the executed notebook to ``target/name.ipynb``;
    with ``solutions``, the exercises' solutions run at the end (:func:`append_solutions`).

    Raises nbclient's CellExecutionError (naming the cell and its traceback) if a cell fails.
    """
    notebook = jupytext.read(NOTEBOOKS / f"{name}.py")
    if solutions:
        append_solutions(notebook)
    env = {**os.environ, **KERNEL_ENV, "TEXTDISTILL_BUDGET": budget}
    with tempfile.TemporaryDirectory() as folder:
        client = NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                resources={"metadata": {"path": folder}})
        client.execute(env=env)  # keyword arguments reach the kernel manager's start_kernel
    target.mkdir(parents=True, exist_ok=True)
    out = target / f"{name}.ipynb"
    partial = out.with_suffix(".ipynb.partial")
    nbformat.write(notebook, partial)
    partial.replace(out)  # atomic: a half-written notebook never looks executed
    return out


def execute_all(budget: str, target: Path, names: Iterable[str] | None = None, jobs: int = 2,
                use_cache: bool = True, solutions: bool = False) -> dict[str, Path | BaseException]:
    """Execute the chapters (``jobs`` kernels at a time); return each one's notebook, or its error.

    With ``use_cache`` a chapter whose key (see :func:`cache_key`) matches the one stored beside its
    executed notebook in ``target`` is not run again. ``solutions`` is :func:`execute`'s (the tests'
    smoke run uses it; the book does not need it).
    """
    names = list(chapters() if names is None else names)

    def one(name: str) -> Path | BaseException:
        key_file, out = target / f"{name}.key", target / f"{name}.ipynb"
        key = cache_key(name, budget, solutions)
        if use_cache and out.exists() and key_file.exists() and key_file.read_text() == key:
            return out
        start = time.perf_counter()
        try:
            out = execute(name, budget, target, solutions)
        except Exception as error:  # reported per chapter by the caller
            return error
        key_file.write_text(key)
        (target / f"{name}.seconds").write_text(f"{time.perf_counter() - start:.1f}\n")
        return out

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(zip(names, pool.map(one, names)))


def stage(executed: Path, folder: Path) -> Path:
    """A copy of book/ in ``folder`` whose chapters are the executed notebooks in ``executed``."""
    staged = folder / "book"
    if staged.exists():
        shutil.rmtree(staged)
    ignore = shutil.ignore_patterns("_build", "notebooks", ".ipynb_checkpoints", "__pycache__")
    shutil.copytree(BOOK, staged, ignore=ignore)
    (staged / "notebooks").mkdir()
    for name in chapters():
        source = executed / f"{name}.ipynb"
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing: execute the chapters first (python scripts/build_book.py)")
        shutil.copy2(source, staged / "notebooks" / source.name)
    config = yaml.safe_load((BOOK / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"  # the outputs are those of the one executed run
    config["exclude_patterns"] = [p for p in config["exclude_patterns"] if not p.startswith("notebooks/")]
    (staged / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return staged


def build(staged: Path, timeout_s: int = 1200) -> subprocess.CompletedProcess:
    """``jupyter-book build -W -n --keep-going`` on a staged book; the HTML goes to staged/_build/html."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", "-W", "-n", "--keep-going", str(staged)]
    env = {**os.environ, **KERNEL_ENV}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout_s)


def page_problems(html: Path) -> list[str]:
    """What is wrong with the built chapter pages in ``html``: a page over 10 MB, plotly.js embedded
    other than once, sphinx-thebe's config declared twice (the "Identifier 'THEBE_JS_URL' has
    already been declared" error), or a saved widget view (an empty box on a static page)."""
    problems = []
    for name in chapters():
        page = (html / "notebooks" / f"{name}.html").read_text()
        if len(page.encode()) >= PAGE_LIMIT_BYTES:
            problems.append(f"{name}: {len(page.encode()) / 1e6:.1f} MB (limit {PAGE_LIMIT_BYTES / 1e6:.0f} MB)")
        if len(re.findall(r"plotly\.js v\d", page)) != 1:
            problems.append(f"{name}: plotly.js must be embedded exactly once")
        if page.count("const THEBE_JS_URL") > 1:
            problems.append(f"{name}: sphinx-thebe's config is declared twice")
        if "application/vnd.jupyter.widget-view+json" in page:
            problems.append(f"{name}: contains a widget snapshot")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="class", choices=("smoke", "class", "full"))
    parser.add_argument("--jobs", type=int, default=1, help="chapters executed at a time (default 1)")
    parser.add_argument("--no-cache", action="store_true", help="execute every chapter again")
    args = parser.parse_args(argv)
    executed = CACHE / args.budget
    outcome = execute_all(args.budget, executed, jobs=args.jobs, use_cache=not args.no_cache)
    for name in outcome:
        timing = executed / f"{name}.seconds"
        print(f"{name}: executed in {timing.read_text().strip() if timing.exists() else '?'} s at the {args.budget} budget")
    failed = {name: result for name, result in outcome.items() if isinstance(result, BaseException)}
    for name, error in failed.items():
        print(f"{name}: failed to execute: {str(error).strip().splitlines()[-1] if str(error).strip() else error!r}")
    if failed:
        return 1
    staged = stage(executed, BOOK / "_build" / "staged")
    done = build(staged)
    sys.stdout.write(done.stdout[-4000:])
    sys.stderr.write(done.stderr[-4000:])
    html = BOOK / "_build" / "html"
    if done.returncode == 0:
        if html.exists():
            shutil.rmtree(html)
        shutil.copytree(staged / "_build" / "html", html)
        print(f"book built at {args.budget} budget: {html / 'index.html'}")
        largest = max((html / "notebooks").glob("*.html"), key=lambda p: p.stat().st_size)
        print(f"largest chapter page: {largest.name}, {largest.stat().st_size / 1e6:.1f} MB")
        problems = page_problems(html)
        for problem in problems:
            print(f"page problem: {problem}")
        return 1 if problems else 0
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())

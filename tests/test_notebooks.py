"""The teaching notebooks: pairs in sync, committed without outputs, well-formed, and they run.

Each notebook is a jupytext pair in notebooks/: the percent-format .py is the source, the .ipynb
is what Colab opens. Execution runs at the smoke budget (TEXTDISTILL_BUDGET=smoke: same code, tiny
sizes), offline, in a temporary working directory so nothing is written into the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from conftest import glue_roles, glued, script_module

from textdistill_lab.exercises import exercises

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
NAMES = [p.stem for p in SOURCES]
# A student sets the budget on the first line; the tests and the book build override it.
BUDGET_LINES = ('BUDGET = "class"', 'BUDGET = os.environ.get("TEXTDISTILL_BUDGET", BUDGET)')


def toc_chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [f.split("/", 1)[1] for f in files if f.startswith("notebooks/")]


def repository() -> tuple[str, str]:
    repo = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())["repository"]
    return repo["url"].rstrip("/").removeprefix("https://github.com/"), repo.get("branch", "main")


def cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in jupytext.read(path).cells]


def test_eight_notebooks_all_in_the_book() -> None:
    assert len(NAMES) == 8, f"expected the eight chapters in notebooks/, found {NAMES}"
    assert toc_chapters() == NAMES, "book/_toc.yml must list every notebook, in order"
    strays = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb") if p.stem not in NAMES)
    assert not strays, f"{strays} have no .py source; create it with jupytext or delete them"


@pytest.mark.parametrize("name", NAMES)
def test_pair_in_sync(name: str) -> None:
    ipynb = NOTEBOOKS / f"{name}.ipynb"
    assert ipynb.exists(), f"{ipynb.name} missing: run python scripts/sync_notebooks.py"
    py_cells, nb_cells = cells(NOTEBOOKS / f"{name}.py"), cells(ipynb)
    assert len(py_cells) == len(nb_cells), f"{name}: {len(py_cells)} cells in .py, {len(nb_cells)} in .ipynb; run python scripts/sync_notebooks.py"
    for index, (a, b) in enumerate(zip(py_cells, nb_cells)):
        assert a == b, f"{name}: cell {index} differs between .py and .ipynb; run python scripts/sync_notebooks.py"


@pytest.mark.parametrize("name", NAMES)
def test_ipynb_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{name}.ipynb has outputs in cells {dirty}; regenerate it with python scripts/sync_notebooks.py"


def test_headers_quote_the_measured_run_times_and_the_pairs_are_in_sync(capsys) -> None:
    """What scripts/sync_notebooks.py writes (badges, run-time lines from benchmarks/results, .ipynb) is there."""
    sync = script_module("sync_notebooks")
    assert sync.main(["--check"]) == 0, capsys.readouterr().out
    times = sync.measured_times()
    for name in NAMES:
        header = jupytext.read(NOTEBOOKS / f"{name}.py").cells[0].source
        assert sync.run_time_line(name, times).removeprefix("# ") in header, name
        assert "class" in times.get(name, {}), f"{name}: no class-budget time in benchmarks/results/notebooks-class.json"


def test_run_time_line_says_minutes_and_budget() -> None:
    sync = script_module("sync_notebooks")
    times = {"x": {"class": {"seconds": 109.4, "peak_gb": 0.88}, "full": {"seconds": 61.0, "peak_gb": 0.91}}}
    assert sync.run_time_line("x", times) == (
        "# **Run time** on a 2-core CPU (`benchmarks/bench_notebooks.py`, machine load in benchmarks/README.md): 1 min 49 s at the class "
        "budget, 1 min 01 s at the full budget; peak memory 0.91 GB; not measured on a GPU — none was available.")
    assert "not measured yet" in sync.run_time_line("y", times)


@pytest.mark.parametrize("name", NAMES)
def test_header_badges_and_setup(name: str) -> None:
    nb = jupytext.read(NOTEBOOKS / f"{name}.py")
    header = nb.cells[0].source
    for section in ("**What you will learn**", "**Prerequisites**", "**Run time**"):
        assert section in header, f"{name}: the first cell must contain {section}"
    assert "TBD" not in header, f"{name}: put the measured run times in the header"
    assert re.search(r"\*\*Run time\*\*.*\d.*CPU", header, re.S), f"{name}: state the measured CPU run time"
    slug, branch = repository()
    colab = f"https://colab.research.google.com/github/{slug}/blob/{branch}/notebooks/{name}.ipynb"
    binder = f"https://mybinder.org/v2/gh/{slug}/{branch}?urlpath=lab/tree/notebooks/{name}.ipynb"
    assert colab in header, f"{name}: Colab badge must link {colab} (python scripts/sync_notebooks.py fixes it)"
    assert binder in header, f"{name}: Binder badge must link {binder} (python scripts/sync_notebooks.py fixes it)"
    setup = next(c.source for c in nb.cells if c.cell_type == "code")
    for line in BUDGET_LINES:
        assert line in setup, f"{name}: the first code cell must contain {line!r}"
    assert setup.rstrip().endswith("SIZES  # the budget banner: what this budget means for the numbers below"), (
        f"{name}: the first code cell must end by showing SIZES (the page's budget banner)"
    )
    install = [line for line in setup.splitlines() if "pip" in line and "install" in line]
    assert install, f"{name}: the set-up cell must install the package on Colab"
    assert "if IN_COLAB:" in setup and setup.index("if IN_COLAB:") < setup.index(install[0]), (
        f"{name}: pip install must run only on Colab (inside `if IN_COLAB:`)"
    )
    assert f"git+https://github.com/{slug}@{branch}" in install[0], f"{name}: Colab must install {slug} at {branch}"
    assert "enable_custom_widget_manager()" in setup, f"{name}: Colab needs its widget manager for the live figures"
    assert "hide-input" in next(c for c in nb.cells if c.cell_type == "code").metadata.get("tags", []), (
        f"{name}: the set-up cell is hidden in the book (tags=[\"hide-input\"])"
    )


def test_colab_installs_the_release_the_book_documents() -> None:
    from textdistill_lab import __version__

    _, ref = repository()
    assert ref == f"v{__version__}", (
        f"book/_config.yml repository.branch is {ref!r}: pin it to the release tag v{__version__} (then run "
        "python scripts/sync_notebooks.py) so Colab installs the library the notebooks were written for"
    )


@pytest.mark.parametrize("name", NAMES)
def test_ipynb_asks_colab_for_a_gpu(name: str) -> None:
    metadata = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).metadata
    assert metadata.get("accelerator") == "GPU", f"{name}.ipynb: no accelerator metadata; run python scripts/sync_notebooks.py"


@pytest.mark.parametrize("name", NAMES)
def test_prose_quotes_no_measured_accuracy(name: str) -> None:
    # A measured number typed into the prose disagrees with the page as soon as the budget or the code
    # changes; the chapters store such numbers (textdistill_lab.quote) and the book pastes them into
    # the text with myst-nb's {glue:text} role (the header's run time, measured by
    # benchmarks/bench_notebooks.py, is the exception).
    cells = [c.source for c in jupytext.read(NOTEBOOKS / f"{name}.py").cells if c.cell_type == "markdown"][1:]
    quoted = [m for source in cells for m in re.findall(r"\b\d{2}\.\d%", source)]
    assert not quoted, (f"{name}: prose quotes measured accuracies {quoted}; store them with "
                        "textdistill_lab.quote.quote and write {glue:text}`key:.1%` instead")


@pytest.mark.parametrize("name", NAMES)
def test_exercises_with_folded_solutions(name: str) -> None:
    nb = jupytext.read(NOTEBOOKS / f"{name}.py")
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    headings = re.findall(r"\*\*Exercise \d+\.\*\*", markdown)
    solutions = re.findall(r"<details><summary>Solution</summary>", markdown)
    assert 2 <= len(headings) <= 4, f"{name}: {len(headings)} exercises; each chapter ends with 2-4"
    assert len(solutions) == len(headings), f"{name}: {len(headings)} exercises but {len(solutions)} folded solutions"
    assert markdown.count("</details>") == len(solutions), f"{name}: unbalanced <details> blocks"
    # Every exercise is a stub to fill in, a hidden check, and a folded solution the tests can run.
    found = exercises(nb.cells)
    assert [e.number for e in found] == list(range(1, len(headings) + 1)), f"{name}: exercises {[e.number for e in found]}"
    hidden = [c.source for c in nb.cells if "hide-input" in c.metadata.get("tags", [])]
    for exercise in found:
        assert re.search(r"= \.\.\.|\.\.\.,", exercise.stub), f"{name} exercise {exercise.number}: the stub assigns ..."
        assert f'check("Exercise {exercise.number}"' in exercise.check, f"{name} exercise {exercise.number}: no check(...)"
        assert exercise.check in hidden, f"{name} exercise {exercise.number}: the check cell is hidden (tags=[\"hide-input\"])"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_executes_at_smoke_budget(name: str, executed_chapters: dict) -> None:
    # conftest.executed_chapters ran every chapter once (smoke sizes, static figures, offline, in a
    # temporary folder); the book test builds from the same executed notebooks.
    outcome = executed_chapters[name]
    if isinstance(outcome, BaseException):
        raise outcome  # nbclient's CellExecutionError names the failing cell and its traceback
    nb = nbformat.read(outcome, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code" and "exercise" not in c.metadata]  # the chapter's own
    assert all(c.execution_count for c in code_cells), f"{name}: some code cells did not run"
    errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}: cells raised {[e.ename for e in errors]}"
    banner = code_cells[0].outputs[-1]["data"]["text/html"]
    assert "smoke" in banner.lower(), f"{name}: a page run at smoke size must say so in its first cell's output"
    missing = sorted({key for key, _ in glue_roles(nb)} - set(glued(nb)))
    assert not missing, f"{name}: the prose quotes {missing} but no code cell stores them (textdistill_lab.quote.quote)"


def test_smoke_run_appends_each_solution_then_its_check_hidden_from_the_book(build_book) -> None:
    nb = jupytext.read(NOTEBOOKS / f"{NAMES[1]}.py")
    found, chapter_cells = exercises(nb.cells), len(nb.cells)
    build_book.append_solutions(nb)
    added = nb.cells[chapter_cells:]
    assert [c.metadata["exercise"] for c in added] == [e.number for e in found]
    for cell, exercise in zip(added, found):
        assert cell.source == f"{exercise.solution}\n\n{exercise.check}"
        assert {"remove-cell", "raises-exception"} <= set(cell.metadata["tags"])


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_solution_passes_its_check(name: str, executed_chapters: dict) -> None:
    # The smoke run appended one cell per exercise (build_book.append_solutions): its folded solution,
    # then its check, in the kernel the chapter left behind. In the chapter itself each check still
    # sees the untouched stub.
    outcome = executed_chapters[name]
    if isinstance(outcome, BaseException):
        pytest.skip("the chapter failed to execute (test_executes_at_smoke_budget reports it)")
    nb = nbformat.read(outcome, as_version=4)
    found = exercises(jupytext.read(NOTEBOOKS / f"{name}.py").cells)
    shown = {c.source: text_of(c) for c in nb.cells if c.cell_type == "code"}
    for exercise in found:
        assert "not answered yet" in shown[exercise.check], f"{name} exercise {exercise.number}: the stub is not a stub"
    ran = {c.metadata["exercise"]: c for c in nb.cells if "exercise" in c.metadata}
    assert sorted(ran) == [e.number for e in found], f"{name}: solutions ran for exercises {sorted(ran)}"
    for number, cell in ran.items():
        errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{name} exercise {number}: the folded solution fails: {errors}"
        assert f"✓ Exercise {number}" in text_of(cell), f"{name} exercise {number}: its check did not pass"


def text_of(cell) -> str:
    """The plain text a code cell showed: streams and results."""
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", []))

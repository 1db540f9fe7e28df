"""Shared fixtures: small, seeded, made-up data so most tests need no download."""

from __future__ import annotations

import csv
import json
import os
import re
from html.parser import HTMLParser

import numpy as np
import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# One thread per process: tests are tiny, and oversubscribed cores (a notebook kernel or a CLI
# subprocess beside pytest) make torch's thread pool 30-100x slower than a single thread.
os.environ.setdefault("OMP_NUM_THREADS", "1")

torch.set_num_threads(1)

from textdistill_lab import cli  # noqa: E402
from textdistill_lab.data import TextDataset, build_dataset  # noqa: E402
from textdistill_lab.distill import Callback  # noqa: E402
from textdistill_lab.vectors import WordVectors  # noqa: E402

TOPICS = {
    "sports": ["game", "team", "score", "coach", "season", "player", "win", "ball"],
    "science": ["atom", "cell", "theory", "energy", "physics", "biology", "lab", "gene"],
    "money": ["bank", "stock", "price", "market", "trade", "profit", "loan", "tax"],
}
FILLER = ["the", "a", "of", "and", "to", "in", "is", "was", "for", "on"]


@pytest.fixture(scope="session")
def toy_dataset() -> TextDataset:
    """Three topics, 80 sentences each: topic words mixed with filler, seeded."""
    rng = np.random.default_rng(0)
    texts, labels = [], []
    names = list(TOPICS)
    for label, name in enumerate(names):
        for _ in range(80):
            words = list(rng.choice(TOPICS[name], size=3)) + list(rng.choice(FILLER, size=5))
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(label)
    return build_dataset("toy", texts, labels, names, max_len=10, seed=0, source="made up by tests")


@pytest.fixture(scope="session")
def toy_vectors() -> WordVectors:
    """16-d vectors: each topic's words cluster around their own direction; filler is small noise."""
    rng = np.random.default_rng(1)
    words, rows = [], []
    for k, name in enumerate(TOPICS):
        centre = np.zeros(16, dtype=np.float32)
        centre[k * 4 : k * 4 + 4] = 1.0
        for word in TOPICS[name]:
            words.append(word)
            rows.append(centre + 0.3 * rng.normal(size=16))
    for word in FILLER:
        words.append(word)
        rows.append(0.3 * rng.normal(size=16))
    return WordVectors("toy-16d", words, np.asarray(rows, dtype=np.float32))


def script_module(name: str):
    """scripts/``name``.py as a module (the scripts are not a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def build_book():
    """scripts/build_book.py: it executes the chapters and stages the book."""
    return script_module("build_book")


@pytest.fixture(scope="session")
def executed_chapters(build_book, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every chapter executed once per test session, at the smoke budget, two kernels at a time:
    test_notebooks checks each run and test_book builds the book from these same notebooks. The
    exercises' solutions run at the end of each chapter, in cells the book removes.

    Maps each chapter's name to its executed notebook (a Path) or the error it raised."""
    folder = tmp_path_factory.mktemp("executed")
    return build_book.execute_all("smoke", folder, jobs=2, use_cache=False, solutions=True)


# The prose's numbers: `{glue:text}`key:format`` roles in markdown, values stored by textdistill_lab.quote.
GLUE_ROLE = re.compile(r"\{glue:text\}`(\w+)(?::([^`]+))?`")


def glue_roles(notebook) -> list[tuple[str, str]]:
    """(key, format) of every ``{glue:text}`` role in a notebook's markdown cells, in order."""
    return [(key, fmt or "") for cell in notebook.cells if cell.cell_type == "markdown"
            for key, fmt in GLUE_ROLE.findall(cell.source)]


def glued(notebook) -> dict[str, str]:
    """key -> the plain text of the value an executed notebook's code cells glued under that key."""
    return {output.metadata["scrapbook"]["name"]: output.data["application/papermill.record/text/plain"]
            for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
            if "scrapbook" in output.get("metadata", {})}


# ---------------------------------------------------------------------------------------------- runs from files


TOPIC_WORDS = {  # real English words, so GloVe covers them
    0: "election minister war government treaty president parliament vote",
    1: "football match goal season team coach league player",
    2: "market stock profit bank shares trade company economy",
    3: "software computer internet chip phone data science space",
}
FILLER_WORDS = "the a of and to in is was for on with by at from".split()


def topic_texts(label: int, n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    words = TOPIC_WORDS[label].split()
    return [" ".join(rng.permutation(list(rng.choice(words, 4)) + list(rng.choice(FILLER_WORDS, 6)))) for _ in range(n)]


@pytest.fixture()
def toy_files(tmp_path, monkeypatch):
    """The made-up topics as a local CSV and a GloVe text file, so experiments run in seconds."""
    monkeypatch.setenv("TEXTDISTILL_HOME", str(tmp_path / "cache"))  # the toy vectors' parse cache
    rows = [(t, c) for c in range(3) for t in topic_texts(c, 40, seed=c)]
    with open(tmp_path / "toy.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("text", "label"), *rows])
    words = sorted({w for t, _ in rows for w in t.split()})
    rng = np.random.default_rng(0)
    lines = [w + " " + " ".join(f"{x:.4f}" for x in rng.normal(size=8)) for w in words]
    (tmp_path / "toy.txt").write_text("\n".join(lines) + "\n")
    return f"csv:{tmp_path / 'toy.csv'}", str(tmp_path / "toy.txt")


# ---------------------------------------------------------------------------------------------- HTML pages


class PageParser(HTMLParser):
    """Collects what a reader of the page would see: tables, figure divs, scripts, headings."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.figure_ids: list[str] = []
        self.scripts: list[str] = []
        self.headings: list[str] = []
        self._cell: list[str] | None = None
        self._in_script = False
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "div" and "plotly-graph-div" in (attrs.get("class") or ""):
            self.figure_ids.append(attrs["id"])
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")
        elif tag in ("h1", "h2"):
            self._in_heading = True
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "script":
            self._in_script = False
        elif tag in ("h1", "h2"):
            self._in_heading = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in_script:
            self.scripts[-1] += data
        if self._in_heading:
            self.headings[-1] += data


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def plotlyjs_copies(parser: PageParser) -> int:
    """How many scripts carry the plotly.js library itself (not a newPlot call)."""
    return sum("Plotly" in s and len(s) > 1_000_000 for s in parser.scripts)


def trace_names(parser: PageParser, div_id: str) -> list[str]:
    """Names of the traces drawn into ``div_id`` (read from its newPlot call, JSON-decoded)."""
    script = next(s for s in parser.scripts if f'"{div_id}"' in s and "Plotly.newPlot" in s)
    return [json.loads(raw) for raw in re.findall(r'"name":("(?:[^"\\]|\\.)*")', script)]


# ---------------------------------------------------------------------------------------------- the command line


class InterruptAt(Callback):
    """Acts like Ctrl-C arriving during step ``step``."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step(self, info):
        if info["step"] == self.step:
            raise KeyboardInterrupt


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error(err: str) -> None:
    """Exactly one `error:` line and one `hint:` line, and no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: ")
    assert "Traceback" not in err


@pytest.fixture()
def run_dir(tmp_path, toy_files, capsys):
    """A finished tiny `distill` run on the made-up topics (CSV + GloVe text file)."""
    name, vectors = toy_files
    out = tmp_path / "run"
    code, stdout, _ = run_cli(capsys, "-q", "distill", name, "--vectors", vectors, "--per-class", "2",
                              "--outer-steps", "2", "--steps", "2", "--validate-every", "2", "--validate-inits", "1",
                              "--real-batch", "32", "--out", str(out))
    assert code == 0, stdout
    assert "distilled 6 samples (2/class, bptt)" in stdout
    return out

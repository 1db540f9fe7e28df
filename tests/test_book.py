"""The Jupyter Book builds with zero warnings, and its plotly figures render in a real browser.

The book is built the way `make book` builds it (scripts/build_book.py), from the chapters that
conftest.executed_chapters ran once at the smoke budget for the whole session, staged in a
temporary folder with execution off, so the test never writes into the repository and no chapter
runs twice; screenshots of every chapter go to test-artifacts/book/.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from html import escape
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import glue_roles, glued

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "book"
BUILD_TIMEOUT_S = 1200

pytestmark = pytest.mark.slow


def chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
    return [c["file"] for part in toc["parts"] for c in part["chapters"] if c["file"].startswith("notebooks/")]


@pytest.fixture(scope="module")
def built_book(build_book, executed_chapters: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Build the book from the session's executed chapters; return the HTML folder and the build log."""
    failed = [name for name, outcome in executed_chapters.items() if isinstance(outcome, BaseException)]
    assert not failed, f"chapters failed to execute (see test_notebooks): {failed}"
    executed = next(iter(executed_chapters.values())).parent
    staged = build_book.stage(executed, tmp_path_factory.mktemp("book"))
    done = build_book.build(staged, timeout_s=BUILD_TIMEOUT_S)
    log = done.stdout + done.stderr
    assert done.returncode == 0, f"jupyter-book build failed (exit {done.returncode}):\n{log[-6000:]}"
    return staged / "_build" / "html", log


def test_builds_with_zero_warnings(built_book: tuple[Path, str]) -> None:
    html, log = built_book
    assert "build succeeded." in log
    # Sphinx prints "path:line: WARNING: message"; kernels' own stderr lines ("[IPKernelApp] WARNING |") are not build warnings.
    warnings = [line for line in log.splitlines() if re.search(r": WARNING: ", line)]
    assert not warnings, f"the build warned: {warnings[:5]}"
    for chapter in chapters():
        assert (html / f"{chapter}.html").exists(), f"chapter page {chapter}.html was not written"
    assert (html / "intro.html").exists() and (html / "references.html").exists()


def test_references_page_lists_the_papers(built_book: tuple[Path, str]) -> None:
    text = (built_book[0] / "references.html").read_text()
    for fragment in ("Data distillation for text classification", "Dataset distillation",
                     "Distilling the knowledge in a neural network", "Dataset condensation with distribution matching"):
        assert fragment.lower() in text.lower(), f"references page lacks {fragment!r}"


def test_launch_buttons_point_at_the_paired_notebooks(built_book: tuple[Path, str]) -> None:
    repo = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())["repository"]
    slug, branch = repo["url"].removeprefix("https://github.com/"), repo["branch"]
    for chapter in chapters():
        page = (built_book[0] / f"{chapter}.html").read_text()
        colab = f"https://colab.research.google.com/github/{slug}/blob/{branch}/{chapter}.ipynb"
        binder = f"https://mybinder.org/v2/gh/{slug}/{branch}?urlpath=lab/tree/{chapter}.ipynb"
        assert colab in page, f"{chapter}: no Colab launch link {colab}"
        assert binder in page, f"{chapter}: no Binder launch link {binder}"


def test_pages_stay_small_with_one_plotly_js_one_thebe_config_and_no_widget_snapshot(
        built_book: tuple[Path, str], build_book) -> None:
    assert build_book.page_problems(built_book[0]) == []  # the rules make book applies too


def test_every_chapter_page_has_a_plain_plotly_figure(built_book: tuple[Path, str]) -> None:
    # Figures must be plain plotly HTML: a widget view saved into a static page shows as an empty box.
    for chapter in chapters():
        page = (built_book[0] / f"{chapter}.html").read_text()
        assert len(re.findall(r'class="plotly-graph-div"', page)) >= 1, f"{chapter}: no plotly figure on the page"


def test_prose_numbers_are_the_executed_outputs(built_book: tuple[Path, str], executed_chapters: dict) -> None:
    # Every {glue:text}`key:format` role in a chapter's prose shows the value its run stored, formatted.
    from myst_nb.core.variables import format_plain_text

    pasted = 0
    for chapter in chapters():
        notebook = nbformat.read(executed_chapters[Path(chapter).name], as_version=4)
        values, page = glued(notebook), (built_book[0] / f"{chapter}.html").read_text()
        for key, fmt in glue_roles(notebook):
            shown = f'<span class="pasted-text">{escape(format_plain_text(values[key], fmt))}</span>'
            assert shown in page, f"{chapter}: the prose does not show {key} = {values[key]} as {shown}"
            pasted += 1
    assert pasted >= 10, f"only {pasted} numbers glued into the prose of the whole book"


@pytest.fixture(scope="module")
def server(built_book: tuple[Path, str]) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(built_book[0]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep pytest output readable
        pass


@pytest.mark.browser
def test_plotly_figures_render_in_chromium(server: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the browser check")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for chapter in chapters():
                page.goto(f"{server}/{chapter}.html", wait_until="load")
                figures = page.locator(".plotly-graph-div")
                count = figures.count()
                assert count >= 1, f"{chapter}: no plotly figure"
                # Every figure div must have been drawn by plotly.js (it adds the .main-svg layers).
                try:
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('.main-svg'))",
                        timeout=30_000,
                    )
                except sync_api.TimeoutError:
                    page.screenshot(path=str(ARTIFACTS / f"{Path(chapter).name}-FAILED.png"))
                    pytest.fail(f"{chapter}: plotly.js did not draw every figure within 30 s")
                drawn = page.locator(".plotly-graph-div .main-svg").count()
                assert drawn >= count, f"{chapter}: {count} figures but only {drawn} drawn"
                figures.first.scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / f"{Path(chapter).name}.png"))
        finally:
            browser.close()

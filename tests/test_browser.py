"""A real browser runs notebooks with LiveAccuracyPlot, SizeExplorer and DistillationPlot (fed by a
real, tiny distillation) in JupyterLab.

Needs Debian's ``chromium`` at /usr/bin/chromium (CI installs it with apt-get) and the Python
``playwright`` package; browsers are never downloaded. Writes a screenshot to test-artifacts/.
"""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from browser.jupyter_server import REPO, jupyterlab

CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = Path(__file__).parent / "browser" / "live_widgets.ipynb"
DISTILLING = Path(__file__).parent / "browser" / "live_distillation.ipynb"
ARTIFACTS = REPO / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)"),
]


def run_all(page) -> None:
    """Menu Run > Run All Cells, as a user would."""
    page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()


@contextmanager
def run_all_cells(notebook: Path, folder: Path, screenshot: str, *, height: int, before_run: str | None = None):
    """Open a copy of ``notebook`` in JupyterLab in chromium, evaluate the JavaScript ``before_run``,
    run all cells as a user would (menu Run > Run All Cells) and yield the page; a full-page
    screenshot goes to test-artifacts/``screenshot`` whatever happens."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")
    shutil.copy(notebook, folder / notebook.name)
    ARTIFACTS.mkdir(exist_ok=True)
    with jupyterlab(folder) as url, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": height})
        try:
            page.goto(f"{url}/lab/tree/{notebook.name}")
            page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=45_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=45_000)
            if before_run:
                page.evaluate(before_run)
            page.locator(".jp-Notebook .jp-Cell").first.click()  # focus the notebook, as a user would
            run_all(page)
            started = page.locator(".jp-Notebook .jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
            try:
                started.first.wait_for(timeout=20_000)
            except sync_api.TimeoutError:
                # On a loaded machine the execution indicator can read idle before the kernel is
                # connected; Run All then runs nothing (no prompt shows [*]). A user clicks again.
                run_all(page)
            yield page
        finally:
            page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
            browser.close()


def test_live_plot_has_points_and_the_size_slider_changes_the_samples(tmp_path):
    with run_all_cells(NOTEBOOK, tmp_path, "browser-widgets.png", height=2400) as page:
        cells = page.locator(".jp-Notebook .jp-Cell")
        plot = cells.nth(1).locator(".js-plotly-plot")
        plot.locator(".scatterlayer .point").first.wait_for(timeout=45_000)
        points = plot.locator(".scatterlayer .point").count()
        assert points >= 3 * 6  # three training sets, six epochs each

        explorer = cells.nth(2)
        text = explorer.locator(".td-size")
        text.wait_for(timeout=45_000)
        before = text.inner_text()
        assert "= 1" in before and "0.550" in before
        handle = explorer.locator(".noUi-handle")
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(before) => { const t = document.querySelectorAll('.td-size'); "
            "return t.length && t[t.length - 1].innerText !== before; }", arg=before, timeout=20_000)
        after = text.inner_text()
        assert "= 5" in after and "0.700" in after


# Polls the distillation cell's output every 25 ms and records each new (points drawn, caption) state.
RECORD_STATES = """() => {
  window.states = [];
  setInterval(() => {
    const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[1];
    if (!cell) return;
    const points = cell.querySelectorAll('.js-plotly-plot .scatterlayer .point').length;
    const caption = [...cell.querySelectorAll('.widget-html-content')].map(e => e.innerText).join(' ');
    const last = window.states[window.states.length - 1];
    if (!last || last[0] !== points || last[1] !== caption) window.states.push([points, caption]);
  }, 25);
}"""


@pytest.mark.slow
def test_live_distillation_curve_grows_while_a_real_distiller_trains(tmp_path):
    # DistillationPlot in widget mode (FigureWidget + HTML caption in JupyterLab), fed by the callbacks
    # of a real Distiller on made-up topics; a callback pauses 0.3 s after each validation so that the
    # browser's 25 ms poll sees every state.
    with run_all_cells(DISTILLING, tmp_path, "browser-distillation.png", height=2000, before_run=RECORD_STATES) as page:
        done = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea").get_by_text("validations: ")
        done.wait_for(timeout=60_000)
        validations = int(done.inner_text().split("validations: ")[1].split()[0])
        states = [(points, caption) for points, caption in page.evaluate("window.states") if caption.startswith("step ")]
        live = [points for points, _ in states]
        assert len(set(live)) >= validations // 2, f"the live curve showed only {sorted(set(live))} points: {states}"
        assert live == sorted(live), f"points disappeared while training: {live}"
        assert max(live) == validations, f"{validations} validations but at most {max(live)} points drawn"
        steps = [int(caption.split()[1].rstrip(":")) for _, caption in states]
        assert steps == sorted(steps) and len(set(steps)) == len(set(live)), f"the caption did not follow the curve: {states}"

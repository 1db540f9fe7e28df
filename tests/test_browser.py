"""A real browser runs a notebook with LiveAccuracyPlot and SizeExplorer in JupyterLab.

Needs Debian's ``chromium`` at /usr/bin/chromium (CI installs it with apt-get) and the Python
``playwright`` package; browsers are never downloaded. Writes a screenshot to test-artifacts/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser.jupyter_server import REPO, jupyterlab

CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = Path(__file__).parent / "browser" / "live_widgets.ipynb"
ARTIFACTS = REPO / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)"),
]


def test_live_plot_has_points_and_the_size_slider_changes_the_samples(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")
    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    ARTIFACTS.mkdir(exist_ok=True)
    with jupyterlab(tmp_path) as url, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2400})
            page.goto(f"{url}/lab/tree/{NOTEBOOK.name}")
            page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=45_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=45_000)
            page.locator(".jp-Notebook .jp-Cell").first.click()  # focus the notebook, as a user would
            page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
            page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()

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
        finally:
            page.screenshot(path=str(ARTIFACTS / "browser-widgets.png"), full_page=True)
            browser.close()

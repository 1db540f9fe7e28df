"""Sphinx extension for the book: defaults for executed chapters, and one copy of each page script.

`make book` (scripts/build_book.py) executes the chapters itself, at the class budget, and builds
with execution off. A plain `jupyter-book build book/` executes them here instead: the kernels
myst-nb starts inherit this process's environment, so the defaults below make that build offline,
with static figures, at the smoke budget (every page then carries the smoke banner).
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

# TEXTDISTILL_WIDGETS=static: the library's widgets show plain figures (a static page cannot run
# widgets, and an empty widget frame is worse than no plot).
DEFAULTS = {"TEXTDISTILL_BUDGET": "smoke", "TEXTDISTILL_WIDGETS": "static", "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1"}


def one_copy_of_each_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """sphinx-thebe registers its inline config once per read of the sources, so a page could carry
    ``const THEBE_JS_URL`` twice and the browser raises "Identifier 'THEBE_JS_URL' has already been
    declared"; keep the first copy of every identical script."""
    if "script_files" in context:
        context["script_files"] = list(dict.fromkeys(context["script_files"]))


def setup(app: Sphinx) -> dict:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    app.connect("html-page-context", one_copy_of_each_script)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

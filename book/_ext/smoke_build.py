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
    """sphinx-thebe's and sphinx-togglebutton's inline scripts reach the page twice in a Jupyter Book
    build (once with filename None, once with ""), so ``const THEBE_JS_URL`` was declared twice and
    the browser raised "Identifier 'THEBE_JS_URL' has already been declared"; keep the first copy."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        # an inline script's filename is None or "" depending on who added it: the same script
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app: Sphinx) -> dict:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    app.connect("html-page-context", one_copy_of_each_script, priority=1000)  # after the theme's handlers
    return {"parallel_read_safe": True, "parallel_write_safe": True}

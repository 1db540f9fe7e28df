"""Sphinx extension for the book: executed chapters run in smoke mode, offline, with static figures.

The kernels that myst-nb starts inherit this process's environment, so setting the variables here
makes a plain `jupyter-book build book/` as fast as CI's; `TEXTDISTILL_SMOKE=0` builds full size.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

# TEXTDISTILL_WIDGETS=static: the library's widgets show plain figures (a static page cannot run
# widgets, and an empty widget frame is worse than no plot).
DEFAULTS = {"TEXTDISTILL_SMOKE": "1", "TEXTDISTILL_WIDGETS": "static", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def setup(app: Sphinx) -> dict:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

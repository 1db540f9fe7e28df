"""Numbers the chapters' prose quotes, stored with the run's outputs so the book's text is that run's.

A code cell calls ``quote("ch1_distilled", result.mean)`` and the markdown beside it says
``{glue:text}`ch1_distilled:.1%```: the book (myst-nb's glue) writes the stored value there, so a
sentence and the output it describes cannot disagree. Where myst-nb is not installed (Colab, a plain
Jupyter; it comes with the ``book`` extra) or outside a kernel, quoting stores nothing: nothing
renders the role there, and the line the cell prints carries the number.
"""

from __future__ import annotations

import numbers


def quote(name: str, value: float) -> None:
    """Store ``value`` under ``name`` for the book's ``{glue:text}`name:format``` roles.

    The value is stored as a plain ``int`` or ``float``: myst-nb reads it back from its text, and a
    NumPy scalar's text (``np.float64(0.7)``) is not a number it can format.
    """
    try:
        from IPython.core.interactiveshell import InteractiveShell
        from myst_nb import glue
    except ImportError:
        return
    if InteractiveShell.initialized():
        glue(name, int(value) if isinstance(value, numbers.Integral) else float(value), display=False)

"""Checks for the notebooks' exercises: a stub cell leaves ``...`` for the student to replace, and
the cell below it calls :func:`check`, which passes silently while the stub is untouched (so the
notebook still runs top to bottom), and asserts once an answer is there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ExerciseStatus(str):
    """What :func:`check` found, shown as the cell's output (plain text in a notebook)."""

    def _repr_html_(self) -> str:
        colour = "#1b5e20" if self.startswith("✓") else "#555555"
        return f'<div style="border-left: 4px solid {colour}; padding: 0.3em 0.8em; color: {colour}">{self}</div>'


def check(name: str, answer: Any, passes: Callable[[Any], bool], hint: str) -> ExerciseStatus:
    """``"✓ name"`` when ``passes(answer)``; an AssertionError carrying ``hint`` when it does not;
    ``"name: not answered yet"`` while ``answer`` (or a part of a tuple answer) is still ``...``."""
    if answer is Ellipsis or (isinstance(answer, tuple) and any(part is Ellipsis for part in answer)):
        return ExerciseStatus(f"{name}: not answered yet — replace the ... above, run it, then run this cell again")
    assert passes(answer), f"{name}: not yet. Hint: {hint}"
    return ExerciseStatus(f"✓ {name}")

"""The notebooks' exercises: a stub cell leaves ``...`` for the student to replace, the hidden cell
below it calls :func:`check`, and a folded markdown block holds the solution.

:func:`check` passes silently while the stub is untouched (so the notebook still runs top to
bottom) and asserts once an answer is there. :func:`exercises` reads the three parts back out of a
notebook, so the tests can run every solution against its own check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Exercise:
    """One exercise as a notebook lays it out: the code a student edits, the code that checks it,
    and the code of its folded solution (which, put in place of the stub, makes the check pass)."""

    number: int
    stub: str
    check: str
    solution: str


# In a markdown cell, in reading order: an exercise's heading, or its folded solution.
_PARTS = re.compile(r"\*\*Exercise (?P<number>\d+)\.\*\*|<details><summary>Solution</summary>(?P<solution>.*?)</details>",
                    re.S)
_CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def exercises(cells: Iterable[Mapping[str, Any]]) -> list[Exercise]:
    """The exercises of a notebook's ``cells`` (nbformat cells, or any mappings with ``cell_type`` and
    ``source``), in order. Each needs exactly two code cells after its heading — the stub, then the
    check — and a folded solution with a python code block; a ValueError names the one that does not.
    """
    found: list[Exercise] = []
    number, code = None, []

    for cell in cells:
        if cell["cell_type"] == "code":
            if number is not None:
                code.append(cell["source"])
            continue
        for part in _PARTS.finditer(cell["source"]):
            if part["number"] is not None:
                number, code = int(part["number"]), []
                continue
            if number is None:
                raise ValueError("a folded solution comes before any **Exercise N.** heading")
            block = _CODE_BLOCK.search(part["solution"])
            if len(code) != 2 or block is None:
                raise ValueError(f"Exercise {number}: needs a stub cell and a check cell ({len(code)} code cells "
                                 f"found) and a ```python block in its solution ({'found' if block else 'none'})")
            found.append(Exercise(number, code[0], code[1], block[1].strip()))
            number = None
    if number is not None:
        raise ValueError(f"Exercise {number} has no folded solution")
    return found

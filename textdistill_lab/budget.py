"""How big a chapter's run is: one name, ``"smoke"``, ``"class"`` or ``"full"``, for every notebook.

- ``"smoke"``: tiny sizes that take the same code path in seconds. The numbers mean nothing; the test
  suite runs every chapter this way, and a page run at this size says so in a banner.
- ``"class"``: the effect shows in about 2 minutes per chapter on a 2-core CPU, for a live lecture.
  The book is built at this size.
- ``"full"``: more seeds and sizes for numbers worth quoting (at most 5 minutes per chapter on a
  2-core CPU, except chapter 8, whose full size is the whole offline Table 2).

Each notebook's first cell sets ``BUDGET = "class"`` where a student sees it (the environment
variable ``TEXTDISTILL_BUDGET``, set by the tests and the book build, wins) and asks
:func:`chapter_sizes` for its sizes, so the sizes live here, in one table, not in eight cells.
Chapter 2's toy is small enough to run at full size under every budget.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BUDGETS = ("smoke", "class", "full")
ENV_BUDGET = "TEXTDISTILL_BUDGET"
DEFAULT_BUDGET = "class"

# The distiller's sizes for a smoke run: two outer steps of a two-step inner loop.
SMOKE_DISTILL = {"outer_steps": 2, "steps": 2, "validate_every": 2, "validate_inits": 1, "real_batch": 64}
# Chapters 4 and 8's experiment runner at smoke size (experiment.Budget.from_sizes; "full" holds FullTraining fields).
SMOKE_EXPERIMENT = {"full": {"max_epochs": 2, "patience": 1, "lrs": (1e-3,)}, "subset_epochs": 2, "max_train": 300,
                    "max_per_class": 2, "distill": {**SMOKE_DISTILL, "match_rounds": 2}}
# How the full-data yardstick trains at the class budget: the tuned recipe, fewer epochs and one lr.
CLASS_FULL_TRAINING = {"max_epochs": 6, "patience": 2, "lrs": (1e-3,)}
ALWAYS_FULL = {2}  # chapters whose sizes do not depend on the budget
_TOY = {"outer_steps": 300, "seeds": 10, "moons": 1000, "unroll_steps": (5, 20, 50, 100)}

# SIZES[chapter][budget]: every size a chapter uses. "distill" holds DistillConfig fields that
# differ from its defaults; "seeds" are evaluation seeds; "epochs" are passes over all real texts.
SIZES: dict[int, dict[str, dict[str, Any]]] = {
    1: {
        "smoke": {"seeds": [0], "epochs": 2, "subset_epochs": 3, "distill": SMOKE_DISTILL},
        # half the default outer steps: at 400 the chapter took 1:43-2:15 on the 2-core CPU, by load
        "class": {"seeds": [0, 1, 2], "epochs": 10, "subset_epochs": 30, "distill": {"outer_steps": 200}},
        "full": {"seeds": [0, 1, 2, 3, 4], "epochs": 10, "subset_epochs": 30, "distill": {}},
    },
    2: {"smoke": _TOY, "class": _TOY, "full": _TOY},
    3: {
        "smoke": {"seeds": [0], "epochs": 2, "subset_epochs": 3, "distill": SMOKE_DISTILL},
        "class": {"seeds": [0, 1, 2], "epochs": 10, "subset_epochs": 30, "distill": {}},
        "full": {"seeds": [0, 1, 2, 3, 4], "epochs": 10, "subset_epochs": 30, "distill": {}},
    },
    4: {
        "smoke": {"seeds": [0], "per_class": [1, 2], "experiment": SMOKE_EXPERIMENT},
        "class": {"seeds": [0, 1], "per_class": [1, 2, 3, 5, 10, 20],
                  "experiment": {"full": CLASS_FULL_TRAINING, "subset_epochs": 20, "distill": {"outer_steps": 40}}},
        "full": {"seeds": [0, 1, 2], "per_class": [1, 2, 3, 5, 10, 20],
                 "experiment": {"full": {"max_epochs": 20, "patience": 3}, "subset_epochs": 30, "distill": {"outer_steps": 100}}},
    },
    5: {
        "smoke": {"distill": SMOKE_DISTILL, "seeds": [0]},
        "class": {"distill": {"outer_steps": 200}, "seeds": [0, 1]},
        "full": {"distill": {"outer_steps": 400}, "seeds": [0, 1, 2]},
    },
    6: {
        "smoke": {"distill": SMOKE_DISTILL, "max_real": 300},
        "class": {"distill": {"outer_steps": 200}, "max_real": 2000},
        "full": {"distill": {"outer_steps": 400}, "max_real": 4000},
    },
    7: {
        "smoke": {"distill": SMOKE_DISTILL, "seeds": [1], "standard_epochs": 3},
        # validated every 20 outer steps: with the default 50, keep-best at a short budget could return
        # the starting texts for several variants, which then scored identically
        "class": {"distill": {"outer_steps": 80, "validate_every": 20, "match_rounds": 5}, "seeds": [1, 2],
                  "standard_epochs": 10},
        "full": {"distill": {"outer_steps": 150, "validate_every": 25, "match_rounds": 5}, "seeds": [1, 2, 3],
                 "standard_epochs": 10},
    },
    8: {
        "smoke": {"offline_datasets": ["trec", "sms-spam"], "seeds": 2, "experiment": SMOKE_EXPERIMENT},
        "class": {"offline_datasets": ["trec", "sms-spam"], "seeds": 2,
                  "experiment": {"full": CLASS_FULL_TRAINING, "subset_epochs": 20, "distill": {"outer_steps": 100}}},
        "full": {"offline_datasets": ["trec", "mr", "sms-spam", "bbc-news"], "seeds": 5, "experiment": {}},
    },
}

_NOTES = {
    "smoke": "SMOKE SIZE: this page ran on tiny sizes to check that the code works. "
             "Its numbers mean nothing; set BUDGET = \"class\" (or \"full\") and run it again.",
    "class": "Class budget: sizes chosen to show the effect in about 2 minutes on a 2-core CPU. "
             "Set BUDGET = \"full\" for more seeds and sizes.",
    "full": "Full budget: the largest sizes this chapter offers.",
}


@dataclass(frozen=True)
class ChapterSizes:
    """The sizes of one chapter at one budget; each size is an attribute (``sizes.seeds``).

    Shown as the last line of a notebook's first cell, it is the page's budget banner.
    """

    chapter: int
    budget: str
    values: Mapping[str, Any]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy/pickle probe private names; they are not sizes
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            known = ", ".join(sorted(self.values))
            raise AttributeError(f"chapter {self.chapter} has no size {name!r}; it has {known}") from None

    @property
    def smoke(self) -> bool:
        """True when the numbers on the page mean nothing (tiny sizes)."""
        return self.budget == "smoke" and self.chapter not in ALWAYS_FULL

    @property
    def progress(self) -> bool:
        """Show progress bars: not on a smoke run, nor when figures are static (a page built with
        ``TEXTDISTILL_WIDGETS=static`` would keep a bar frozen at 0%)."""
        return not self.smoke and os.environ.get("TEXTDISTILL_WIDGETS") != "static"

    @property
    def banner(self) -> str:
        """One sentence saying what the budget means for the numbers on this page."""
        if self.chapter in ALWAYS_FULL:
            return f"Budget {self.budget!r}: this chapter's toy is small, so it runs at full size under every budget."
        return _NOTES[self.budget]

    def __repr__(self) -> str:
        return f"[budget: {self.budget}] {self.banner}"

    def _repr_html_(self) -> str:
        colour = "#b00020" if self.smoke else "#555555"
        weight = "bold" if self.smoke else "normal"
        return (f'<div class="textdistill-budget textdistill-budget-{self.budget}" style="border-left: 4px solid '
                f'{colour}; padding: 0.4em 0.8em; color: {colour}; font-weight: {weight}">'
                f"{html.escape(self.banner)}</div>")


def resolve_budget(budget: str) -> str:
    """``budget`` checked against :data:`BUDGETS` (a clear error names the allowed values)."""
    if "TEXTDISTILL_SMOKE" in os.environ and ENV_BUDGET not in os.environ:
        raise ValueError(f"TEXTDISTILL_SMOKE is no longer read; set {ENV_BUDGET}=smoke instead")
    if budget not in BUDGETS:
        raise ValueError(f"unknown budget {budget!r}; set BUDGET (or {ENV_BUDGET}) to one of {', '.join(BUDGETS)}")
    return budget


def chapter_sizes(chapter: int, budget: str) -> ChapterSizes:
    """The sizes chapter ``chapter`` runs with under ``budget``."""
    if chapter not in SIZES:
        raise ValueError(f"no sizes for chapter {chapter}; chapters with sizes: {sorted(SIZES)}")
    budget = resolve_budget(budget)
    return ChapterSizes(chapter, budget, SIZES[chapter][budget])

"""The notebooks' budgets: one table of sizes, a clear error for a wrong name, a banner per budget."""

from __future__ import annotations

import pytest

from textdistill_lab.budget import BUDGETS, SIZES, chapter_sizes
from textdistill_lab.experiment import SMOKE_BUDGET


def test_every_chapter_has_every_budget_with_the_same_sizes() -> None:
    for chapter, budgets in SIZES.items():
        assert set(budgets) == set(BUDGETS), f"chapter {chapter}"
        names = {budget: set(sizes) for budget, sizes in budgets.items()}
        assert names["smoke"] == names["class"] == names["full"], f"chapter {chapter}: {names}"


def test_smoke_pages_carry_a_banner_and_chapter_2_always_runs_full_size() -> None:
    smoke = chapter_sizes(3, "smoke")
    assert smoke.smoke and "SMOKE SIZE" in repr(smoke) and "mean nothing" in smoke._repr_html_()
    assert not chapter_sizes(3, "class").smoke and "SMOKE" not in chapter_sizes(3, "class")._repr_html_()
    assert not chapter_sizes(2, "smoke").smoke and chapter_sizes(2, "smoke").outer_steps == chapter_sizes(2, "full").outer_steps


def test_sizes_read_as_attributes_and_unknown_names_say_what_exists() -> None:
    assert chapter_sizes(4, "class").per_class == [1, 2, 3, 5, 10, 20]
    assert 2 in chapter_sizes(4, "smoke").per_class  # chapter 4's exercise 1 reads the size 2
    with pytest.raises(AttributeError, match="has no size 'nope'; it has"):
        chapter_sizes(4, "class").nope
    with pytest.raises(ValueError, match="smoke, class, full"):
        chapter_sizes(4, "tiny")


def test_the_old_smoke_switch_is_refused_with_its_replacement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTDISTILL_SMOKE", "1")
    monkeypatch.delenv("TEXTDISTILL_BUDGET", raising=False)
    with pytest.raises(ValueError, match="TEXTDISTILL_BUDGET=smoke"):
        chapter_sizes(1, "class")


def test_experiment_smoke_sizes_are_the_runners_smoke_budget() -> None:
    assert SMOKE_BUDGET.max_train == chapter_sizes(4, "smoke").experiment["max_train"]
    assert SMOKE_BUDGET.distill == chapter_sizes(8, "smoke").experiment["distill"]


def test_progress_bars_only_where_someone_watches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEXTDISTILL_WIDGETS", raising=False)
    assert chapter_sizes(3, "class").progress and not chapter_sizes(3, "smoke").progress
    monkeypatch.setenv("TEXTDISTILL_WIDGETS", "static")  # a book page would keep a bar frozen at 0%
    assert not chapter_sizes(3, "class").progress

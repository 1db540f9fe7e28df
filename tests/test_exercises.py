"""Exercise checks: silent while the stub is untouched, an assertion with the hint once answered wrongly."""

from __future__ import annotations

import pytest

from textdistill_lab.exercises import check


def test_untouched_stub_passes_and_says_so() -> None:
    status = check("Exercise 1", ..., lambda a: a > 0, "think")
    assert "not answered yet" in status and "not answered" in status._repr_html_()
    assert "not answered yet" in check("Exercise 2", (1, ...), lambda a: False, "both parts")


def test_right_answer_passes_and_wrong_answer_raises_with_the_hint() -> None:
    assert check("Exercise 1", 3, lambda a: a > 0, "positive") == "✓ Exercise 1"
    with pytest.raises(AssertionError, match="Exercise 1: not yet. Hint: positive"):
        check("Exercise 1", -1, lambda a: a > 0, "positive")

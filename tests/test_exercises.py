"""Exercise checks: silent while the stub is untouched, an assertion with the hint once answered wrongly;
and the parser that finds each exercise's stub, check and folded solution in a notebook."""

from __future__ import annotations

import pytest

from textdistill_lab.exercises import Exercise, check, exercises


def test_untouched_stub_passes_and_says_so() -> None:
    status = check("Exercise 1", ..., lambda a: a > 0, "think")
    assert "not answered yet" in status and "not answered" in status._repr_html_()
    assert "not answered yet" in check("Exercise 2", (1, ...), lambda a: False, "both parts")


def test_right_answer_passes_and_wrong_answer_raises_with_the_hint() -> None:
    assert check("Exercise 1", 3, lambda a: a > 0, "positive") == "✓ Exercise 1"
    with pytest.raises(AssertionError, match="Exercise 1: not yet. Hint: positive"):
        check("Exercise 1", -1, lambda a: a > 0, "positive")


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "source": source}


def code(source: str) -> dict:
    return {"cell_type": "code", "source": source}


def test_exercises_pairs_each_heading_with_its_stub_check_and_solution() -> None:
    cells = [
        code("x = 1"),  # before the exercises: not a stub
        markdown("## Exercises\n\n**Exercise 1.** Double x."),
        code("doubled = ...  # 2 * x"),
        code('check("Exercise 1", doubled, lambda a: a == 2, "times two")'),
        markdown("<details><summary>Solution</summary>\n\n```python\ndoubled = 2 * x\n```\nWhy.\n</details>\n\n"
                 "**Exercise 2.** Halve it."),
        code("halved = ..."),
        code('check("Exercise 2", halved, lambda a: a == 0.5, "over two")'),
        markdown("<details><summary>Solution</summary>\n\n```python\nhalved = x / 2\n```\n</details>"),
    ]
    first, second = exercises(cells)
    assert first == Exercise(1, "doubled = ...  # 2 * x", 'check("Exercise 1", doubled, lambda a: a == 2, "times two")',
                             "doubled = 2 * x")
    assert (second.number, second.stub, second.solution) == (2, "halved = ...", "halved = x / 2")
    namespace = {"check": check, "x": 1}  # a solution, run before its check, makes the check pass
    for exercise in (first, second):
        exec(exercise.solution, namespace)
        assert eval(exercise.check, namespace) == f"✓ Exercise {exercise.number}"


@pytest.mark.parametrize("cells, problem", [
    ([markdown("**Exercise 1.** Prose only.\n<details><summary>Solution</summary>\n```python\na = 1\n```\n</details>")],
     "Exercise 1: needs a stub cell and a check cell"),
    ([markdown("**Exercise 1.** Q"), code("a = ..."), code("check(...)"),
      markdown("<details><summary>Solution</summary>\nIn words only.\n</details>")], "python block"),
    ([markdown("**Exercise 1.** Q"), code("a = ..."), code("check(...)")], "Exercise 1 has no folded solution"),
])
def test_an_exercise_missing_a_part_is_named(cells: list, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        exercises(cells)

"""One table, three renderings: text for the terminal, markdown for files, HTML for reports."""

from __future__ import annotations

from textdistill_lab.table import Table, is_number

TABLE = Table(["set", "samples", "accuracy"], [["full data", "4,362", "82.3 ± 0.5%"], ["random 2/class", "12", "43.1 ± 2.0%"]])


def test_numbers_are_recognised_words_and_na_are_not():
    assert all(is_number(c) for c in ("82.3 ± 0.5%", "3,925", "12 (0.31%)", "-0.5", 7))
    assert not any(is_number(c) for c in ("n/a", "full data", "trec", ""))


def test_text_right_aligns_numeric_columns_and_draws_a_rule():
    lines = TABLE.to_text(rule=True).splitlines()
    assert lines == [
        "set             samples     accuracy",
        "--------------  -------  -----------",
        "full data         4,362  82.3 ± 0.5%",
        "random 2/class       12  43.1 ± 2.0%",
    ]
    assert TABLE.to_text().splitlines()[1].startswith("full data")


def test_markdown_marks_numeric_columns_right_aligned():
    lines = TABLE.to_markdown().splitlines()
    assert lines[0] == "| set | samples | accuracy |" and lines[1] == "|---|---:|---:|"
    assert lines[2] == "| full data | 4,362 | 82.3 ± 0.5% |"


def test_records_keep_the_first_records_column_order():
    table = Table.from_records([{"name": "trec", "classes": 6}, {"name": "mr", "classes": 2}])
    assert table.columns == ["name", "classes"] and table.to_text().splitlines() == [
        "name  classes", "trec        6", "mr          2"]

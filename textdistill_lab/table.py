"""One table, three renderings: fixed-width text (the terminal), markdown (files) and HTML (reports).

The CLI listings, the demo summary, ``reproduce``'s Table 2 and every report table are a
:class:`Table` of text cells; numbers line up on the right in all three renderings.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_NUMBER = re.compile(r"^[-+]?[\d.,]+(\s*±\s*[\d.,]+)?\s*%?(\s*\(.*\))?$")


def is_number(cell: object) -> bool:
    """``82.3 ± 0.5%``, ``3,925`` and ``12 (0.31%)`` are numbers; ``n/a`` and words are not."""
    return bool(_NUMBER.match(str(cell)))


@dataclass(frozen=True)
class Table:
    """Column names and rows of cells (formatted already; anything else is shown with ``str``)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[object]]

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, object]]) -> Table:
        """Rows of dicts with the same keys; the first one's keys are the columns."""
        columns = list(records[0]) if records else []
        return cls(columns, [[record.get(c, "") for c in columns] for record in records])

    def _numeric_columns(self) -> list[bool]:
        return [bool(self.rows) and all(is_number(row[i]) or str(row[i]) == "" for row in self.rows)
                for i in range(len(self.columns))]

    def to_text(self, *, rule: bool = False) -> str:
        """Fixed-width columns two spaces apart; numeric columns right-aligned; ``rule``: dashes under the header."""
        cells = [[str(c) for c in self.columns], *[[str(c) for c in row] for row in self.rows]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        right = self._numeric_columns()
        lines = ["  ".join(cell.rjust(w) if r else cell.ljust(w) for cell, w, r in zip(row, widths, right)).rstrip()
                 for row in cells]
        if rule:
            lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """A GitHub-flavoured markdown table; numeric columns right-aligned."""
        align = ["---:" if r else "---" for r in self._numeric_columns()]
        lines = ["| " + " | ".join(str(c) for c in self.columns) + " |", "|" + "|".join(align) + "|"]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def to_html(self) -> str:
        """Escaped HTML (``class="summary"``); each numeric cell is right-aligned (``class="num"``)."""
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(_html_cell(cell) for cell in row) + "</tr>" for row in self.rows)
        return f'<table class="summary"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _html_cell(value: object) -> str:
    kind = ' class="num"' if is_number(value) else ""
    return f"<td{kind}>{html.escape(str(value))}</td>"

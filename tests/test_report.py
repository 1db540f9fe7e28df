"""The HTML report: one offline file, plotly.js embedded once, tables escaped, figures as plotly divs."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import plotly.graph_objects as go
import pytest

from textdistill_lab.report import Section, Table, build_report, render_table, write_report


class PageParser(HTMLParser):
    """Collects what a reader of the page would see: tables, figure divs, scripts, headings."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.figure_ids: list[str] = []
        self.scripts: list[str] = []
        self.headings: list[str] = []
        self._cell: list[str] | None = None
        self._in_script = False
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "div" and "plotly-graph-div" in (attrs.get("class") or ""):
            self.figure_ids.append(attrs["id"])
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")
        elif tag in ("h1", "h2"):
            self._in_heading = True
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "script":
            self._in_script = False
        elif tag in ("h1", "h2"):
            self._in_heading = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in_script:
            self.scripts[-1] += data
        if self._in_heading:
            self.headings[-1] += data


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def plotlyjs_copies(parser: PageParser) -> int:
    """How many scripts carry the plotly.js library itself (not a newPlot call)."""
    return sum("Plotly" in s and len(s) > 1_000_000 for s in parser.scripts)


def trace_names(parser: PageParser, div_id: str) -> list[str]:
    """Names of the traces drawn into ``div_id`` (read from its newPlot call, JSON-decoded)."""
    script = next(s for s in parser.scripts if f'"{div_id}"' in s and "Plotly.newPlot" in s)
    return [json.loads(raw) for raw in re.findall(r'"name":("(?:[^"\\]|\\.)*")', script)]


def figure(n: int) -> go.Figure:
    return go.Figure(go.Scatter(x=list(range(n)), y=[i * i for i in range(n)], name=f"curve {n}"))


def test_report_embeds_plotlyjs_once_and_every_figure(tmp_path):
    sections = [
        Section("Results", Table(["set", "accuracy"], [["full", "0.91"], ["distilled", "0.85"]])),
        Section("Accuracy vs epoch", figure(3)),
        Section("Map", figure(4), note="UMAP of real and distilled samples"),
        Section("Decoded", '<div class="decoded"><span>ball</span></div>'),
    ]
    path = write_report(tmp_path / "sub" / "report.html", "Demo", sections, subtitle="trec", banner="offline")
    page = parse(path.read_text(encoding="utf-8"))

    assert plotlyjs_copies(page) == 1
    assert page.figure_ids == ["fig-accuracy-vs-epoch", "fig-map"]
    for div_id in page.figure_ids:  # each figure div is drawn by its own newPlot call
        assert sum(f'"{div_id}"' in s and "Plotly.newPlot" in s for s in page.scripts) == 1
    assert trace_names(page, "fig-map") == ["curve 4"]
    assert page.tables == [[["set", "accuracy"], ["full", "0.91"], ["distilled", "0.85"]]]
    assert page.headings == ["Demo", "Results", "Accuracy vs epoch", "Map", "Decoded"]
    assert '<div class="decoded"><span>ball</span></div>' in path.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("sub/.*.tmp"))  # the atomic write left no temporary file


def test_table_cells_and_titles_are_escaped():
    html = render_table(Table(["<b>x</b>"], [["a & b"], ["<script>alert(1)</script>"]]))
    page = parse(html)
    assert page.tables == [[["<b>x</b>"], ["a & b"], ["<script>alert(1)</script>"]]]
    assert "<script>" not in html
    page = build_report("a <title>", [Section("s & t", Table(["c"], [["1"]]))])
    assert parse(page).headings == ["a <title>", "s & t"]


def test_numbers_are_right_aligned_words_are_not():
    html = render_table(Table(["set", "acc"], [["full data", "82.3 ± 0.5%"], ["n/a", "3,925"], ["12 (0.31%)", "0.52"]]))
    assert html.count('<td class="num">') == 4
    assert "<td>full data</td>" in html and "<td>n/a</td>" in html


def test_same_titles_get_distinct_figure_ids():
    page = parse(build_report("t", [Section("Curve", figure(2)), Section("Curve", figure(3))]))
    assert page.figure_ids == ["fig-curve", "fig-curve-2"]


def test_unknown_content_is_refused():
    with pytest.raises(TypeError, match="Table, a plotly Figure or an HTML string"):
        build_report("t", [Section("bad", 42)])  # type: ignore[arg-type]

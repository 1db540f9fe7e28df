"""The HTML report: one offline file, plotly.js embedded once, tables escaped, figures as plotly divs."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from conftest import parse, plotlyjs_copies, trace_names

from textdistill_lab.report import Section, build_report, write_report
from textdistill_lab.table import Table


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
    html = Table(["<b>x</b>"], [["a & b"], ["<script>alert(1)</script>"]]).to_html()
    page = parse(html)
    assert page.tables == [[["<b>x</b>"], ["a & b"], ["<script>alert(1)</script>"]]]
    assert "<script>" not in html
    page = build_report("a <title>", [Section("s & t", Table(["c"], [["1"]]))])
    assert parse(page).headings == ["a <title>", "s & t"]


def test_numbers_are_right_aligned_words_are_not():
    html = Table(["set", "acc"], [["full data", "82.3 ± 0.5%"], ["n/a", "3,925"], ["12 (0.31%)", "0.52"]]).to_html()
    assert html.count('<td class="num">') == 4
    assert "<td>full data</td>" in html and "<td>n/a</td>" in html


def test_same_titles_get_distinct_figure_ids():
    page = parse(build_report("t", [Section("Curve", figure(2)), Section("Curve", figure(3))]))
    assert page.figure_ids == ["fig-curve", "fig-curve-2"]


def test_unknown_content_is_refused():
    with pytest.raises(TypeError, match="Table, a plotly Figure or an HTML string"):
        build_report("t", [Section("bad", 42)])  # type: ignore[arg-type]

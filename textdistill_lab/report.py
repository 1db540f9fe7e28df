"""One self-contained HTML page per run: tables, plotly figures and decoded samples, readable offline.

plotly.js (about 4.8 MB) is embedded exactly once, in the page head; every figure after that is a
``<div>`` plus a small ``Plotly.newPlot`` call. The page opens from a USB stick, an e-mail or a
classroom machine with no internet, and the file is written atomically, so a crash mid-write never
leaves half a report where a good one was.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ._version import __version__
from .io import atomic_write_bytes
from .table import Table

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px;
       padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; }
.subtitle { color: #59636e; margin-top: 0; } .note { color: #59636e; font-size: .9rem; }
.banner { background: #fff8c5; border: 1px solid #d4a72c; padding: .6rem .9rem; border-radius: 6px; }
table.summary { border-collapse: collapse; margin: .8rem 0; }
table.summary th, table.summary td { border: 1px solid #d0d7de; padding: .3rem .7rem; text-align: left; }
table.summary td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary thead { background: #f6f8fa; }
footer { margin-top: 3rem; color: #59636e; font-size: .8rem; }
"""


@dataclass(frozen=True)
class Section:
    """One heading with its content: a :class:`Table`, a plotly figure, or trusted HTML.

    Raw HTML is only for fragments the library itself rendered (e.g. ``decode``'s shaded tokens);
    every plain string the report builds itself is escaped.
    """

    title: str
    content: Table | go.Figure | str
    note: str = ""


def _figure_html(fig: go.Figure, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, default_height="460px")


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def build_report(title: str, sections: Sequence[Section], *, subtitle: str = "", banner: str = "") -> str:
    """The whole page as one string: plotly.js once in the head, then each section in order."""
    taken: set[str] = set()
    parts = []
    for section in sections:
        slug = _slug(section.title, taken)
        if isinstance(section.content, Table):
            body = section.content.to_html()
        elif isinstance(section.content, go.Figure):
            body = _figure_html(section.content, f"fig-{slug}")
        elif isinstance(section.content, str):
            body = section.content
        else:
            raise TypeError(f"section {section.title!r}: content must be a Table, a plotly Figure or an HTML string")
        note = f'<p class="note">{html.escape(section.note)}</p>' if section.note else ""
        parts.append(f'<section id="{slug}"><h2>{html.escape(section.title)}</h2>{note}{body}</section>')
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        f'<script type="text/javascript" id="plotlyjs">{get_plotlyjs()}</script>',
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="subtitle">{html.escape(subtitle)}</p>' if subtitle else "",
        f'<p class="banner">{html.escape(banner)}</p>' if banner else "",
        *parts,
        f"<footer>textdistill-lab {html.escape(__version__)} · written {stamp} · works offline</footer>",
        "</body></html>",
    ])


def write_report(
    path: str | Path, title: str, sections: Sequence[Section], *, subtitle: str = "", banner: str = ""
) -> Path:
    """Build the page and write it atomically to ``path``; returns the path."""
    path = Path(path)
    atomic_write_bytes(path, build_report(title, sections, subtitle=subtitle, banner=banner).encode("utf-8"))
    return path

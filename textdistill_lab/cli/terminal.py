"""Text from files reaches the terminal as data: control characters are shown escaped, never obeyed.

Class names, methods and dataset names come from cards and CSV files anyone can write; an ANSI
escape in them could rewrite the screen or fake a result. Everything the command prints (results on
stdout, the error and hint lines) passes through :func:`escape_controls`; newlines and tabs stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

# C0/C1 controls (but newline and tab), DEL, and the bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` with every control character written as ``\\x1b`` / ``\\u202e``."""
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class _EscapingWriter:
    """A text stream that escapes control characters on their way to ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextmanager
def escaping_stdout() -> Iterator[None]:
    """Escape control characters in everything printed to stdout inside the block."""
    import sys

    original = sys.stdout
    sys.stdout = _EscapingWriter(original)
    try:
        yield
    finally:
        sys.stdout = original


def print_shaded(text: str) -> None:
    """Print ``text`` whose escape codes the command made itself (word shading) past the escaping.

    Every part of ``text`` that came from a file must have gone through :func:`escape_controls` already.
    """
    import sys

    stream = sys.stdout
    (stream._stream if isinstance(stream, _EscapingWriter) else stream).write(text + "\n")

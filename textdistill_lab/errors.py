"""The errors the data and vectors layers raise: each names the problem and the fix in one line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class DataError(ValueError):
    """Bad input (a file, a column, a name, a setting): the message says what is wrong and what to do."""


class ChecksumError(DataError):
    """A downloaded file still has the wrong sha256 after one fresh download."""


class NeedsInternetError(ConnectionError):
    """A network-only path was asked for while the network is not reachable."""


def unknown_name(kind: str, name: str, choices: Iterable[str], hint: str = "") -> DataError:
    """``DataError`` for an unknown ``kind`` name, suggesting the closest known one (typos are the usual cause)."""
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    return DataError(f"unknown {kind} {name!r}; {suggestion}known: {', '.join(choices)}{hint}")

"""How the ``textdistill`` command reports mistakes: one ``error:`` line, one ``hint:`` line, an exit code."""

from __future__ import annotations

import sys
import traceback

from .terminal import escape_controls

PROG = "textdistill"
EXIT_RUNTIME, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class UsageError(Exception):
    """A mistake in how the command was called; ``hint`` says how to call it instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def usage_hint(command: str) -> str:
    return f"see `{PROG} {command} --help`" if command else f"see `{PROG} --help`"


def fail(message: object, hint: str, code: int, debug: bool, err: BaseException | None = None) -> int:
    if debug:
        traceback.print_exc()
    text = " ".join(str(message).split()) or (type(err).__name__ if err else "failed")
    print(f"error: {escape_controls(text)}", file=sys.stderr)
    if hint:
        print(f"hint: {escape_controls(hint)}", file=sys.stderr)
    return code

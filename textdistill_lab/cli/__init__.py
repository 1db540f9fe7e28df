"""The ``textdistill`` command (also ``python -m textdistill_lab``).

Each subcommand is a thin face over the library: parse, call, print. Mistakes are reported as one
``error:`` line plus one ``hint:`` line on stderr, exit code 2 for usage errors and bad input, 1 for
runtime failures, 130 for Ctrl-C; ``--debug`` adds the traceback. Progress bars go to stderr,
results to stdout, so ``textdistill evaluate ... > result.txt`` captures only the result.
Imports that only one command needs (plotly, umap, the data loaders) happen inside that command.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence

from .errors import EXIT_INTERRUPTED, EXIT_RUNTIME, EXIT_USAGE, PROG, UsageError, fail, usage_hint
from .flags import option_flag
from .parser import build_parser
from .terminal import escaping_stdout

__all__ = ["UsageError", "build_parser", "main", "option_flag"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``textdistill`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    command = next((a for a in argv if not a.startswith("-")), "")
    args = parser = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        _check_device(getattr(args, "device", "auto"))
        with escaping_stdout():  # names from cards and files are printed as data
            return int(args.run(args) or 0)
    except UsageError as err:
        return fail(err, err.hint, EXIT_USAGE, debug)
    except BrokenPipeError:  # `textdistill datasets | head`: the reader left; that is not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush from failing again
        return 0
    except KeyboardInterrupt as err:
        hint = getattr(err, "hint", "") or (f"`{PROG} distill --resume DIR` continues from the last checkpoint"
                                            if command == "distill" else "")
        return fail(str(err) or "interrupted", hint, EXIT_INTERRUPTED, debug, err)
    except (ValueError, FileNotFoundError, NotADirectoryError, IsADirectoryError) as err:
        # Library code raises these for bad input, with the fix in the message (spelt as options here).
        return fail(option_spelling(str(err), parser, command), getattr(err, "hint", "") or usage_hint(command),
                    EXIT_USAGE, debug)
    except MemoryError as err:  # the distiller's memory guard, before the OS would kill the run
        return fail(option_spelling(str(err), parser, command), memory_hint(command, getattr(args, "backend", None)),
                    EXIT_RUNTIME, debug)
    except ConnectionError as err:
        return fail(err, f"offline, the datasets and vectors marked cached or ready in `{PROG} datasets` "
                    f"and `{PROG} vectors` work", EXIT_RUNTIME, debug)
    except (OSError, RuntimeError) as err:
        return fail(f"{type(err).__name__}: {err}", getattr(err, "hint", "") or "rerun with --debug to see where it failed",
                    EXIT_RUNTIME, debug)
    except Exception as err:  # noqa: BLE001 - the last line of defence: never a bare traceback
        return fail(f"unexpected {type(err).__name__}: {err}", "rerun with --debug and report the traceback",
                    EXIT_RUNTIME, debug)


def option_spelling(message: str, parser, command: str) -> str:
    """``message`` with the Python API's ``text_column=...`` spelt as the command's own ``--text-column ...``."""
    subcommands = parser._subparsers._group_actions[0].choices if parser and parser._subparsers else {}
    if command not in subcommands:
        return message
    for action in subcommands[command]._actions:
        if action.option_strings:
            # not inside a flag the message already spells (``--words=free``): that would read ``----words``
            message = re.sub(rf"(?<![-\w]){action.dest}=", f"{action.option_strings[-1]} ", message)
    return message


def memory_hint(command: str, backend: str | None) -> str:
    """What to change when ``command`` runs out of memory: only options that command has."""
    if command == "distill":
        lighter = "--backend backgradient or --backend truncated, " if backend == "unroll" else ""
        return f"use {lighter}fewer inner steps (--steps), a smaller --real-batch or --per-class, or raise --max-memory"
    return {
        "evaluate": "use a smaller --max-len, or --device cpu when the GPU is the one that ran out",
        "baseline": "use a smaller --max-len or --per-class, or --device cpu when the GPU is the one that ran out",
        "decode": "use --vocab dataset (fewer words to search)",
    }.get(command, "close other programs, or use smaller sizes (--per-class, --seeds)")


def _check_device(device: str) -> None:
    """Refuse ``--device cuda`` up front on a machine without CUDA, before any work is done."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device cuda, but this machine has no CUDA device (or torch was built without CUDA)",
                             "use --device auto (cuda when available, else cpu) or --device cpu")

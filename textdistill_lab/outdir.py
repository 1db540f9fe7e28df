"""Output folders: which command made them, who is writing into them, and what may be written there.

A folder a command writes into carries a marker (``.textdistill.json``: the kind of folder) and,
while a run writes, an exclusive lock (``filelock``) that a second run on the same folder cannot
take. A command writes only into a new folder, an empty one, or one its own kind made; the root
and home folders never; anything else needs ``overwrite=True``. :func:`claim` checks first and
writes only after every check passed; a run that fails before it produced anything leaves no
folder behind.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .io import atomic_write_json

MARKER = ".textdistill.json"
LOCK = ".textdistill.lock"
_OWN_FILES = (MARKER, LOCK)


class OutputFolderError(ValueError):
    """An output folder a command may not write into; ``hint`` says what to do instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def folder_kind(folder: str | Path) -> str | None:
    """The kind recorded in ``folder``'s marker (``"distill"``, ``"baseline"``, ...), or None."""
    try:
        kind = json.loads((Path(folder) / MARKER).read_text()).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


def check_folder(folder: str | Path, kind: str, *, overwrite: bool = False) -> Path:
    """Raise :class:`OutputFolderError` unless a ``kind`` command may write into ``folder``; writes nothing."""
    path = Path(folder).expanduser()
    resolved = path.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        raise OutputFolderError(f"refusing to write into {resolved}: results go into a folder of their own",
                                "pass --out with a new folder, e.g. --out runs/mine")
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"{path} is a file, not a folder", "pass --out with a folder path")
    if not path.exists() or overwrite:
        return path
    made_by = folder_kind(path)
    if made_by is None and any(p.name not in _OWN_FILES for p in path.iterdir()):
        raise OutputFolderError(f"{path} is not empty and was not made by textdistill; its files are left alone",
                                "pass a new or empty --out folder, or --overwrite to write into it anyway")
    if made_by is not None and made_by != kind:
        raise OutputFolderError(f"{path} holds the output of `textdistill {made_by}`, not of `{kind}`",
                                "pass another --out folder, or --overwrite to write into it anyway")
    return path


@contextmanager
def claim(folder: str | Path, kind: str, *, overwrite: bool = False) -> Iterator[Path]:
    """Hold ``folder`` for a ``kind`` run: checked, created, locked, marked, stale temp files removed.

    If the body raises before writing anything but the marker, the folder is left as it was found
    (removed, with the parents this call made, when this call created it).
    """
    path = check_folder(folder, kind, overwrite=overwrite)
    new = [p for p in (path, *path.parents) if not p.exists()]  # innermost first
    created = bool(new)
    path.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path / LOCK)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputFolderError(f"{path} is in use by another textdistill run",
                                "wait for that run to finish, or pass another --out folder") from None
    try:
        marked = (path / MARKER).exists()
        check_folder(path, kind, overwrite=overwrite)  # again, now that no other run can change it
        remove_stale_temp_files(path)
        if folder_kind(path) != kind:
            atomic_write_json(path / MARKER, {"kind": kind})
        try:
            yield path
        except BaseException:
            _undo_if_empty(path, created, marked)
            raise
    finally:
        lock.release()
        for made in new:
            if any(made.iterdir()):
                break
            made.rmdir()


def _undo_if_empty(path: Path, created: bool, marked: bool) -> None:
    """Remove the marker (and the lock file) when the run wrote nothing else."""
    if any(p.name not in _OWN_FILES for p in path.iterdir()):
        return
    if not marked:
        (path / MARKER).unlink(missing_ok=True)
    if created:
        (path / LOCK).unlink(missing_ok=True)


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete ``.NAME.*.tmp`` files that an atomic write killed mid-way left (only call with the lock held)."""
    stale = [p for p in folder.rglob(".*.tmp") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def clear_own_outputs(folder: Path, names: tuple[str, ...]) -> None:
    """Remove the named files and folders a previous run of the same kind wrote (for ``--overwrite``)."""
    for name in names:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)

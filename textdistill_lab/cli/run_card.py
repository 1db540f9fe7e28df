"""The run card (``run.json``) as input: a file anyone can edit, so its request is checked like typed options."""

from __future__ import annotations

import json
from pathlib import Path

from ..validators import check_int
from .errors import PROG, UsageError

MAX_CARD_BYTES = 16 << 20  # a run card is a few kB; history lives in the checkpoint
MAX_TEXT = 4096  # a dataset name, path or vectors name
DATA_OPTIONS = ("test_file", "validation_file", "text_column", "label_column", "name")  # local files; None = the loader's default
_TEXT_KEYS = ("dataset", "vectors", *DATA_OPTIONS)


def check_run_card(path: Path, *, needs_config: bool = False) -> dict:
    """The parsed card; a :class:`UsageError` saying what is wrong when it is not a card `distill`/`baseline` wrote."""
    from ..distill.config import check_config_values

    def damaged(what: str) -> UsageError:
        return UsageError(f"{path} {what}: it was edited or is not a run card",
                          f"restore it, or start a new run with `{PROG} distill ... --out NEW_FOLDER`")

    if path.stat().st_size > MAX_CARD_BYTES:
        raise damaged(f"is {path.stat().st_size:,} bytes, more than a run card's {MAX_CARD_BYTES:,}")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise damaged(f"is not valid JSON ({err})") from None
    request = card.get("request") if isinstance(card, dict) else None
    if not isinstance(request, dict):
        raise damaged("has no \"request\" object")
    for key in _TEXT_KEYS:
        value = request.get(key)
        if value is not None and not (isinstance(value, str) and 0 < len(value) <= MAX_TEXT and "\0" not in value):
            raise damaged(f"has an invalid {key!r} ({json.dumps(value)[:80]})")
    if not isinstance(request.get("dataset"), str) or not isinstance(request.get("vectors"), str):
        raise damaged("names no dataset or no vectors")
    try:
        for key in ("max_len", "data_seed"):
            if request.get(key) is not None:
                check_int(key, request[key], f"request.{key}")
        if needs_config or "config" in request:
            if not isinstance(request.get("config"), dict):
                raise damaged("has no \"config\" object (is it a `baseline` folder?)")
            check_config_values(request["config"], label=lambda name: f"config.{name}")
    except (TypeError, ValueError) as err:
        raise damaged(f"has an invalid value: {err}") from None
    return card

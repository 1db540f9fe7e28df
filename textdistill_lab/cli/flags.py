"""How a :class:`~textdistill_lab.distill.DistillConfig` field is spelled on the command line."""

from __future__ import annotations

OPTION_NAMES = {"max_memory_gb": "--max-memory"}  # where the flag is not just the field name with dashes


def option_flag(field: str) -> str:
    """``outer_steps`` -> ``--outer-steps``; the exceptions are in :data:`OPTION_NAMES`."""
    return OPTION_NAMES.get(field, "--" + field.replace("_", "-"))

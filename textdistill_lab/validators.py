"""The value rules every number a user gives goes through, for the Python API and the CLI alike.

One table of bounds (:data:`INT_LIMITS`) and a few checks: an integer within its bounds, a finite
positive float, a sequence of seeds, an argument of the expected type. The bounds are generous for
real work and stop the typo that would otherwise ask for gigabytes (``max_len=10**9``) or run until
killed (``seeds=10**9``). Messages name the value as the caller knows it: ``label`` is ``--top-k``
on the command line, ``k`` in Python.
"""

from __future__ import annotations

import math
import numbers

SEED_MAX = 2**63 - 1  # numpy and torch seeds are 64-bit

# name -> (lowest, highest) allowed; names not listed get DEFAULT_INT_LIMITS.
INT_LIMITS: dict[str, tuple[int, int]] = {
    "seed": (0, SEED_MAX),
    "data_seed": (0, SEED_MAX),
    "per_class": (1, 10_000),
    "max_len": (1, 10_000),
    "top_k": (1, 1_000),
    "seeds": (1, 1_000),
    "epochs": (1, 10_000),
    "vector_dim": (1, 10_000),
    "validate_inits": (1, 1_000),
    "max_nan_retries": (0, 1_000),
    "max_start_epoch": (0, 10_000),  # trajectory matching may start at the expert's initialisation
    "fidelity_seeds": (0, 1_000),  # 0: decode without measuring fidelity
    "show": (1, 1_000),
}
DEFAULT_INT_LIMITS = (1, 10_000_000)


def check_int(name: str, value: object, label: str | None = None) -> int:
    """``value`` as an int within ``INT_LIMITS[name]``; a ``ValueError``/``TypeError`` naming ``label`` otherwise."""
    label = label or name
    low, high = INT_LIMITS.get(name, DEFAULT_INT_LIMITS)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{label} must be an integer from {low} to {high:,}, got {value!r} ({type(value).__name__})")
    if not low <= value <= high:
        raise ValueError(f"{label} must be from {low} to {high:,}, got {value:,}")
    return int(value)


def check_positive_float(name: str, value: object, label: str | None = None) -> float:
    """``value`` as a finite float > 0 (learning rates, memory limits); ``nan`` and ``inf`` are refused."""
    label = label or name
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{label} must be a number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{label} must be a finite number > 0, got {value!r}")
    return float(value)


def check_instance(label: str, value: object, expected: type | tuple[type, ...], what: str) -> None:
    """A ``TypeError`` naming the argument and what it expects (``what``: "a WordVectors from load_vectors(...)")."""
    if not isinstance(value, expected):
        raise TypeError(f"{label} must be {what}, got {type(value).__name__}")


def check_seeds(seeds: object, label: str = "seeds") -> list[int]:
    """A sequence of seeds as a list: at most ``INT_LIMITS['seeds']`` of them, each a valid seed."""
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__") or not hasattr(seeds, "__iter__"):
        raise TypeError(f"{label} must be a sequence of integer seeds such as range(5), got {type(seeds).__name__}")
    check_int("seeds", len(seeds), f"the number of {label}")
    return [check_int("seed", seed, f"each of {label}") for seed in seeds]

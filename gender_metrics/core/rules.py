"""The one rule for "does a value meet its target", shared by verdicts, pace and feasibility.

Operators as the strategies write them: ``>=`` (at least), ``>`` (above), ``<=`` (at most, a
ceiling), ``<`` (below), ``between`` (a band, both ends included: 2.1, each sex 40-60%).
"""

from __future__ import annotations

import numpy as np

OPS = (">=", ">", "<=", "<", "between")
UP = (">=", ">")
DOWN = ("<=", "<")


def meets(x, op, target, high=np.nan) -> np.ndarray:
    """Element-wise: ``x op target`` (for "between": ``target <= x <= high``). NaN, an unknown or
    missing operator, or a band without its upper end give False."""
    x = np.asarray(x, dtype=float)
    op = np.asarray(op, dtype=object)
    target = np.asarray(target, dtype=float)
    high = np.asarray(high, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.select(
            [op == ">=", op == ">", op == "<=", op == "<", op == "between"],
            [x >= target, x > target, x <= target, x < target, (x >= target) & (x <= high)], default=False)

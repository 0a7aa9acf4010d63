"""The one rule for "does a value meet its target", shared by verdicts, pace and feasibility.

Operators as the strategies write them: ``>=`` (at least), ``>`` (above), ``<=`` (at most, a
ceiling), ``<`` (below), ``between`` (a band, both ends included: 2.1, each sex 40-60%).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    codes, found = pd.factorize(op.ravel())   # long columns of a few operators: one comparison each
    codes = codes.reshape(op.shape)
    out = np.zeros(np.broadcast_shapes(x.shape, op.shape, target.shape, high.shape), dtype=bool)
    with np.errstate(invalid="ignore"):
        for k, o in enumerate(found):
            if o == ">=":
                hit = x >= target
            elif o == ">":
                hit = x > target
            elif o == "<=":
                hit = x <= target
            elif o == "<":
                hit = x < target
            elif o == "between":
                hit = (x >= target) & (x <= high)
            else:
                continue
            out = np.where(codes == k, hit, out)
    return out

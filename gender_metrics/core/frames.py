"""The rows of a small DataFrame as plain Python objects, fast.

``to_dict("records")`` and ``itertuples`` read Arrow-backed text columns one element at a time (a few
milliseconds for a report's few dozen rows, many times over per report); converting the frame to
Python objects once is a third of that.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain values (what ``to_dict("records")`` gives, categories as their values)."""
    names = [str(c) for c in df.columns]
    return [dict(zip(names, values, strict=True)) for values in df.astype(object).to_numpy().tolist()]


def each_row(df: pd.DataFrame) -> list[SimpleNamespace]:
    """Rows with their columns as attributes (``r.unit``), like ``itertuples`` without the index."""
    return [SimpleNamespace(**r) for r in records(df)]


def first_rows(codes: np.ndarray, n: int) -> np.ndarray:
    """For each code 0 … n-1 of ``codes`` (every one present), the position of its first row."""
    first = np.zeros(n, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]   # later rows written first, the earliest last
    return first

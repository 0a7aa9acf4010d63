"""Observations that a verdict can rest on (docs/methods.md §6): the rules every row must pass before the
core judges anything, checked on the whole table at once. A row that breaks a rule is named, with
what it holds and the rule; nothing is judged from it.

Rules (DHIS2 style, left side · operator · right side):
- a table with no rows, or without ``unit``, ``indicator``, ``year`` and a value or both parts;
- unit codes are text ("439"): whole numbers (439, 439.0) are read as their text, anything else is
  refused (439.5 would become a unit that does not exist);
- years are whole numbers;
- numerator, denominator and value are not negative, and finite;
- a share's numerator and denominator are whole numbers, and numerator ≤ denominator;
- a percentage is at most 100;
- the sex ratio at birth has boys > 0 and girls > 0;
- one row per unit × strategy × indicator × breakdown × year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference import Reference

SHOWN = 8   # rows named in the message


class DataError(ValueError):
    """Observations that break a validation rule; the message names the rows (``.rows`` has them)."""

    def __init__(self, message: str, rows: pd.DataFrame | None = None):
        super().__init__(message)
        self.rows = rows if rows is not None else pd.DataFrame()


def _one_code(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool) or v is None or not isinstance(v, int | float | np.integer | np.floating):
        return BAD + repr(v)
    x = float(v)
    return str(int(x)) if np.isfinite(x) and x.is_integer() else BAD + repr(v)


BAD = "\0"   # marks a unit code that cannot be read as text


def unit_codes(s: pd.Series) -> pd.Series:
    """Unit codes as text: whole numbers (439, 439.0) become their digits; anything else is marked."""
    if pd.api.types.is_string_dtype(s) and s.notna().all():
        return s.astype(str)
    if pd.api.types.is_integer_dtype(s):
        return s.astype(str)
    return s.astype(object).map(_one_code).astype(str)


def validate_observations(obs: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """``obs`` with codes as text and years as whole numbers, or :class:`DataError` naming the rows."""
    if not isinstance(obs, pd.DataFrame):
        raise DataError(f"observations must be a DataFrame, not {type(obs).__name__}")
    if obs.empty:
        raise DataError("no observations: the table is empty (load them with gm.load_observations())")
    missing = [c for c in ("unit", "indicator", "year") if c not in obs]
    if missing or not ({"value"} <= set(obs) or {"numerator", "denominator"} <= set(obs)):
        raise DataError(f"observations need the columns unit, indicator, year and a value (or numerator and "
                        f"denominator); missing: {missing or ['value']}")
    df = obs.copy()
    problems: list[tuple[pd.Series, str]] = []
    df["unit"] = unit_codes(df["unit"])
    problems.append((df.unit.str.startswith(BAD), "the unit code is not text (write it as '439')"))
    df["indicator"] = df["indicator"].astype(str)
    year = pd.to_numeric(df["year"], errors="coerce")
    problems.append((year.isna() | (year != np.floor(year)), "the year is not a whole number"))
    for c in ("numerator", "denominator", "value"):
        df[c] = pd.to_numeric(df[c], errors="coerce") if c in df else np.nan
        bad_text = obs[c].notna() & df[c].isna() if c in obs else pd.Series(False, index=df.index)
        problems.append((bad_text, f"the {c} is not a number"))
        x = df[c].astype(float)
        problems.append((x < 0, f"the {c} is negative"))
        problems.append((np.isinf(x), f"the {c} is not finite"))
    info = ref.judged
    strategy = df["strategy"].astype(str) if "strategy" in df else pd.Series(ref.review.strategy, index=df.index)
    judged = strategy == ref.review.strategy
    codes, ids = pd.factorize(df.indicator)          # a few dozen ids in millions of rows: look up each once

    def per_row(column: pd.Series, value: str) -> np.ndarray:
        hit = np.append(column.reindex(ids).eq(value).to_numpy(bool), False)   # code -1 (no id): False
        return hit[codes] & judged.to_numpy(bool)

    num, den, val = (df[c].astype(float).to_numpy() for c in ("numerator", "denominator", "value"))
    share = per_row(info.kind, "share")
    with np.errstate(invalid="ignore"):
        problems.append((share & (num > den), "a share's numerator is larger than its denominator"))
        problems.append((share & ((num % 1 != 0) & ~np.isnan(num) | (den % 1 != 0) & ~np.isnan(den)),
                         "a share's numerator and denominator must be whole numbers"))
        pct = per_row(info.unit, "%") & ~per_row(info.kind, "value")
        problems.append((pct & (val > 100), "a percentage above 100"))
    srb = per_row(info.interval, "srb")
    problems.append((srb & ((num <= 0) | (den <= 0)), "a sex ratio at birth needs boys > 0 and girls > 0"))
    if "breakdown" not in df:
        df["breakdown"] = ""
    df["breakdown"] = df["breakdown"].fillna("").astype(str)
    # (an Index knows a sorted key has no duplicates without hashing it)
    dup = pd.Index(row_key([strategy, df.unit, codes, df.breakdown, year])).duplicated(keep=False)
    problems.append((dup, "the same unit, indicator and year appear twice"))

    hit = np.zeros(len(df), dtype=bool)
    for mask, _ in problems:
        hit |= np.asarray(mask, dtype=bool)
    if hit.any():   # words only for the rows that break a rule (a national table has millions that do not)
        broken = np.column_stack([np.asarray(mask, dtype=bool) for mask, _ in problems])
        whys = [why for _, why in problems]
        why = ["; ".join(w for w, b in zip(whys, row, strict=True) if b) for row in broken[hit]]
        rows = obs.loc[hit].assign(problem=why)
        shown = "; ".join(
            f"row {i} ({_show(obs, i)}): {why}" for i, why in rows.problem.head(SHOWN).items())
        more = f" … and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
        raise DataError(f"{len(rows)} observation(s) break a validation rule (docs/methods.md §6): {shown}{more}", rows)
    df["year"] = year.astype(int)
    return df


def row_key(columns) -> np.ndarray:
    """One integer per row, equal where every column is equal (missing equals missing): duplicates and
    groups are found on one integer column instead of several text ones. A numpy array is taken as
    codes already (whole numbers from -1, -1 missing)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        if isinstance(col, np.ndarray):
            codes = col
        elif pd.api.types.is_integer_dtype(col.dtype) and len(col) and col.min() >= 0:
            codes = col.to_numpy(np.int64) - int(col.min())   # whole numbers (years) are codes already
        else:
            codes = pd.factorize(col)[0]
        size = int(codes.max()) + 2 if len(codes) else 1
        if len(key) and int(key.max()) >= np.iinfo(np.int64).max // size:
            key = pd.factorize(key)[0].astype(np.int64)   # renumber densely before it could overflow
        key = key * size + (codes + 1)
    return key


def _show(obs: pd.DataFrame, i) -> str:
    r = obs.loc[i]
    unit = repr(r["unit"]) if isinstance(r["unit"], str) else str(r["unit"])  # 439.5, not np.float64(439.5)
    parts = [f"unit {unit}", f"indicator {r['indicator']}", f"year {r['year']}"]
    for c in ("numerator", "denominator", "value"):
        if c in obs and pd.notna(r[c]):
            parts.append(f"{c} {r[c]}")
    return ", ".join(parts)

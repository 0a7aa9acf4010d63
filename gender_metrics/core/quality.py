"""Data-quality flags beside the data, never instead of it (docs/methods.md §6): the values a reviewer should
check again in the form, most important first. Pure: observations and the review's reference in, flags out.

Two checks, each comparing like with like:

- ``jump``: a value that changed by more than ``JUMP_FACTOR`` times from the one before in the same series
  (the year before; for an indicator fixed for a term, the term before), and only where the change is
  real: a two-sample test (docs/methods.md §4) at ``JUMP_ALPHA`` where the parts are known, exact for complete
  counts. Three maternal deaths after one is a change of three times that chance explains: not flagged.
- ``outlier``: a value far from the median of its neighbouring years (two each side, at least three):
  the modified z-score (Iglewicz and Hoaglin) of that deviation across the series' years above
  ``OUTLIER_Z`` and the deviation at least ``MATERIAL`` of the neighbours' median (a steady trend is no
  outlier, nor a wobble nobody would act on; the change into and out of a spike is the spike, said
  once), only in years of large enough numbers (at least ``SMALL_NUMBERS`` events): a year with no
  maternal death among a few hundred births is not an anomaly.

Each flag carries what the report needs to say it in words (the value before, the median of the other
years, the score and p-value behind it) and the form cell to check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference import Reference
from .stats import change_pvalue, modified_zscore

JUMP_FACTOR = 2.0       # a change by more than this factor from the value before
JUMP_ALPHA = 0.01       # ... that a two-sample test finds real at this level
OUTLIER_Z = 3.5         # modified z-score cut-off (Iglewicz and Hoaglin)
SMALL_NUMBERS = 20      # events below which a year's value is too noisy to call an outlier
MATERIAL = 0.2          # an outlier also differs from its neighbours' median by at least this share of it
QUALITY_COLUMNS = ["unit", "indicator", "breakdown", "year", "value", "check", "previous_year", "previous_value",
                   "reference_value", "score", "pvalue", "term", "source"]


def _events(df: pd.DataFrame, interval: pd.Series) -> np.ndarray:
    """The number of events behind a value: the count for rare events, the smaller side of a share or
    of the sex ratio (a share of 3 in 4 is as noisy as 1 in 4); NaN where the parts are unknown."""
    num, den = df.numerator.to_numpy(float), df.denominator.to_numpy(float)
    share = np.fmin(num, den - num)
    return np.select([interval == "poisson", interval == "srb", interval == "wilson"],
                     [num, np.fmin(num, den), share], default=np.nan)


def quality_flags(obs: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Sudden changes and outliers to check, most important first (see the module's docstring)."""
    judged = ref.judged
    df = obs[obs.value.notna() & obs.indicator.isin(judged.index)]
    if "strategy" in df:
        df = df[df.strategy == ref.review.strategy]
    df = df.sort_values(["unit", "indicator", "breakdown", "year"]).reset_index(drop=True)
    if df.empty:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    interval = df.indicator.map(judged.interval).to_numpy(object)
    term = df.indicator.map(judged.election_years.map(len) > 0).to_numpy(bool)
    key = (df.unit + "|" + df.indicator + "|" + df.breakdown).to_numpy()
    cur = df.value.to_numpy(float)
    grouped = df.groupby(key, sort=False)
    prev = grouped.value.shift().to_numpy(float)
    prev_year = grouped.year.shift().to_numpy(float)
    prev_num, prev_den = grouped.numerator.shift().to_numpy(float), grouped.denominator.shift().to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where((prev > 0) & (cur > 0), np.fmax(cur / prev, prev / cur), np.nan)
        pv = change_pvalue(interval, prev_num, prev_den, df.numerator.to_numpy(float), df.denominator.to_numpy(float))
        # a jump is real when a test says so; without parts (a reported rate) the factor alone decides
        jump = (ratio > JUMP_FACTOR) & (np.isnan(pv) | (pv < JUMP_ALPHA))
        events = _events(df, interval)
        large = ~(events < SMALL_NUMBERS)          # NaN (parts unknown) counts as large: nothing to say otherwise
        # an outlier stands out from the median of its neighbours (two years each side, at least three of
        # them): a steady trend is no outlier, and one spike does not make its neighbours look odd
        around = np.column_stack([grouped.value.shift(k).to_numpy(float) for k in (2, 1, -1, -2)])
        enough = np.isfinite(around).sum(axis=1) >= 3
        local = np.full(len(df), np.nan)
        local[enough] = np.nanmedian(around[enough], axis=1)
        z = modified_zscore(np.where(large & enough, cur - local, np.nan), key)
        material = np.abs(cur - local) >= MATERIAL * np.abs(local)
        outlier = np.isfinite(z) & (z > OUTLIER_Z) & material & ~term   # a term's value has no yearly series
        after = pd.Series(outlier).groupby(key).shift(fill_value=False).to_numpy(bool)
        jump &= ~outlier & ~after    # the way up to a spike and back down from it are the spike, said once
    median = local
    common = {"unit": df.unit, "indicator": df.indicator, "breakdown": df.breakdown, "year": df.year,
              "value": cur, "term": term, "source": df.source}
    out = pd.DataFrame({**common, "check": np.where(jump, "jump", np.where(outlier, "outlier", "")),
                        "previous_year": prev_year, "previous_value": prev,
                        "reference_value": np.where(jump, prev, median),
                        "score": np.where(jump, ratio, z), "pvalue": np.where(jump, pv, np.nan)})
    out = out[out.check != ""]
    # most important first: real jumps by how large they are, then outliers by how far they stand out
    out = out.assign(_rank=np.where(out.check == "jump", 0, 1)).sort_values(
        ["_rank", "score", "unit", "indicator", "year"], ascending=[True, False, True, True, True], kind="stable")
    return out[QUALITY_COLUMNS].reset_index(drop=True)

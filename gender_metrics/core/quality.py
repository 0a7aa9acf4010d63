"""Data-quality flags beside the data, never instead of it (METHODS.md §6): values a reviewer should
look at again. Pure: observations in, flags out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .stats import modified_zscore

JUMP_FACTOR = 2.0       # a year-on-year change by more than this factor is flagged for review
OUTLIER_Z = 3.5         # modified z-score cut-off (Iglewicz and Hoaglin)
QUALITY_COLUMNS = ["unit", "indicator", "breakdown", "year", "value", "check", "detail", "source"]


def quality_flags(obs: pd.DataFrame) -> pd.DataFrame:
    """Outliers (modified z-score > 3.5 across a unit's years) and year-on-year jumps, for review."""
    df = obs[obs.value.notna()].sort_values(["unit", "indicator", "breakdown", "year"]).reset_index(drop=True)
    if df.empty:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    key = df.unit + "|" + df.indicator + "|" + df.breakdown
    z = modified_zscore(df.value.to_numpy(), key.to_numpy())
    prev = df.groupby(key).value.shift()
    cur, prev = df.value.to_numpy(float), prev.to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where((prev > 0) & (cur > 0), np.fmax(cur / prev, prev / cur), np.nan)
        j = ratio > JUMP_FACTOR
        m = z > OUTLIER_Z
    out = [df[m].assign(check="outlier", detail=[f"modified z-score {v:.1f} > {OUTLIER_Z}" for v in z[m]]),
           df[j].assign(check="jump", detail=[f"changed by a factor {v:.1f} from the year before" for v in ratio[j]])]
    return pd.concat(out)[QUALITY_COLUMNS].reset_index(drop=True)

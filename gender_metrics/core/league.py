"""The commendation rules: a league table of the areas and a shortlist, both decision aids for the
council (plan 121/KH-UBND asks the compiler to propose commendations), never verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference import Reference
from . import stats
from .progress import plain, prepare

TOP_AREAS = 3           # areas shortlisted from the top of the league table
SECTOR_SHARE = 0.5      # departments: at least this share of their indicators achieved


def league_table(prog: pd.DataFrame, observations: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """The areas' league table: a decision aid, not a verdict.

    Per area (district), at the review's final milestone: indicators assessed (achieved, not
    achieved or inconclusive), achieved, share achieved, mean progress ratio (each ratio clipped to
    [-1, 2] so one extreme indicator cannot dominate) and, for comparing a rare-event rate fairly, the
    empirical-Bayes smoothed rate of the review's ``league.smoothed`` indicator (maternal mortality,
    per 100,000 live births) pooled over the last ``league.pool_years`` years (Marshall 1991 global
    estimator, a Poisson model: shrunk toward the mean of all areas, small areas move most), beside
    the raw pooled rate. Rank: share achieved, then mean progress ratio (both descending).
    """
    review = ref.review
    milestone = review.final
    pooled_years = (milestone - review.pool_years + 1, milestone)
    d = plain(prog[(prog.level == ref.units.area_level) & (prog.milestone == milestone)])
    assessed = d.status.isin(["achieved", "not_achieved", "inconclusive"])
    g = d.assign(assessed=assessed, achieved=d.status.eq("achieved"),
                 pr=d.progress_ratio.clip(-1, 2).where(assessed)).groupby("unit")
    out = g.agg(assessed=("assessed", "sum"), achieved=("achieved", "sum"), mean_progress=("pr", "mean"))
    out["share_achieved"] = out.achieved / out.assessed.where(out.assessed > 0)
    obs = prepare(observations, ref)
    obs = obs[obs.unit.isin(out.index) & obs.year.between(*pooled_years) & (obs.breakdown == "")]
    pooled = obs.groupby(["unit", "indicator"])[["numerator", "denominator"]].sum(min_count=1).unstack("indicator")
    smoothed = review.smoothed_indicator
    if smoothed and ("numerator", smoothed) in pooled:
        factor = float(ref.judged.factor[smoothed])
        e = pooled[("numerator", smoothed)].reindex(out.index)
        n = pooled[("denominator", smoothed)].reindex(out.index)
        out["mmr_raw"] = factor * e / n
        out["mmr_eb"] = factor * stats.eb_smooth(e, n)
    else:
        out["mmr_raw"] = out["mmr_eb"] = np.nan
    out = out.sort_values(["share_achieved", "mean_progress"], ascending=False)
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index()


def shortlist(prog: pd.DataFrame, league: pd.DataFrame, submissions: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Units to consider for commendation, with the share achieved that put them there.

    Areas: in the top ``TOP_AREAS`` of the league table, at or above its median share achieved,
    and on time. Departments: at least ``SECTOR_SHARE`` of their indicators achieved at the final
    milestone, and on time. Columns: unit, kind ("area" or "sector"), share_achieved.
    """
    subs = submissions.set_index("unit")
    on_time = subs.on_time.fillna(False).astype(bool)
    ok = lambda c: bool(on_time.get(c, False))  # noqa: E731
    median = league.share_achieved.median()
    areas = [(r.unit, "area", r.share_achieved) for r in league.head(TOP_AREAS).itertuples()
             if r.share_achieved >= median and ok(r.unit)]
    p = plain(prog)
    sec = p[(p.level == "sector") & (p.milestone == ref.review.final) & (p.status != "not_collected")]
    share = sec.groupby("unit").status.apply(lambda s: (s == "achieved").mean())
    sectors = [(u, "sector", v) for u, v in share.sort_values(ascending=False).items() if v >= SECTOR_SHARE and ok(u)]
    return pd.DataFrame(areas + sectors, columns=["unit", "kind", "share_achieved"])

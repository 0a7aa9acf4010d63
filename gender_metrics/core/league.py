"""The commendation rules: a league table of the areas and a shortlist, both decision aids for the
council (plan 121/KH-UBND asks the compiler to propose commendations), never verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference import Reference
from . import stats
from .progress import plain, prepare

TOP_AREAS = 3           # areas shortlisted from the top ranks of the league table
SECTOR_SHARE = 0.5      # departments: at least this share of their indicators achieved
RANK_MIN_SHARE = 0.5    # an area is ranked when at least this share of its indicators could be assessed


def league_table(prog: pd.DataFrame, observations: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """The areas' league table: a decision aid, not a verdict.

    Per area (district), at the review's final milestone: indicators expected (collected at the
    area's level), assessed (achieved or not achieved), achieved, share achieved, mean progress
    ratio (the share of the distance from the baseline to the target travelled, each clipped to
    [-1, 2] so one extreme indicator cannot dominate) and, for comparing a rare-event rate fairly,
    the empirical-Bayes smoothed rate of the review's ``league.smoothed`` indicator (maternal
    mortality, per 100,000 live births) pooled over the last ``league.pool_years`` years (Marshall
    1991 global estimator, a Poisson model: shrunk toward the mean of all areas, small areas move
    most), beside the raw pooled rate.

    Only areas with at least half of their expected indicators assessed are ranked (a share from 2
    indicators is not ranked with one from 19); ``ranked`` says which. Rank: share achieved, then mean
    progress ratio (both descending); equal pairs share a rank (``tied``). ``eb_flat`` is True when the
    areas differ no more than chance would make them (the between-area variance is 0): every smoothed
    rate is then the common rate, and says nothing about any one area.
    """
    review = ref.review
    milestone = review.final
    pooled_years = (milestone - review.pool_years + 1, milestone)
    d = plain(prog[(prog.level == ref.units.area_level) & (prog.milestone == milestone)])
    d = d[d.status != "not_collected"]
    assessed = d.status.isin(["achieved", "not_achieved"])
    g = d.assign(assessed=assessed, achieved=d.status.eq("achieved"), expected=1,
                 pr=d.progress_ratio.clip(-1, 2).where(assessed)).groupby("unit")
    out = g.agg(expected=("expected", "sum"), assessed=("assessed", "sum"), achieved=("achieved", "sum"),
                mean_progress=("pr", "mean"))
    out["share_achieved"] = out.achieved / out.assessed.where(out.assessed > 0)
    obs = prepare(observations, ref)
    obs = obs[obs.unit.isin(out.index) & obs.year.between(*pooled_years) & (obs.breakdown == "")]
    pooled = obs.groupby(["unit", "indicator"])[["numerator", "denominator"]].sum(min_count=1).unstack("indicator")
    smoothed = review.smoothed_indicator
    out["eb_flat"] = False
    if smoothed and ("numerator", smoothed) in pooled:
        factor = float(ref.judged.factor[smoothed])
        e = pooled[("numerator", smoothed)].reindex(out.index)
        n = pooled[("denominator", smoothed)].reindex(out.index)
        out["mmr_raw"] = factor * e / n
        out["mmr_eb"] = factor * stats.eb_smooth(e, n)
        valid = e.notna() & (n > 0)
        out["eb_flat"] = bool(valid.sum() > 1) and bool(np.ptp(out.mmr_eb[valid]) < 1e-9 * max(1.0, out.mmr_eb[valid].abs().max()))
    else:
        out["mmr_raw"] = out["mmr_eb"] = np.nan
    out["ranked"] = out.assessed >= RANK_MIN_SHARE * out.expected
    out = out.sort_values(["ranked", "share_achieved", "mean_progress"], ascending=False)
    key = pd.Series(list(zip(out.share_achieved.round(9).fillna(-1.0), out.mean_progress.round(9).fillna(-9.0),
                             strict=True)), index=out.index)
    first = ~key.duplicated()
    order = np.cumsum(np.ones(len(out)))
    rank = pd.Series(np.where(first, order, np.nan), index=out.index).ffill()
    out["rank"] = np.where(out.ranked, rank, np.nan)
    out["tied"] = out.ranked & out.groupby("rank")["rank"].transform("size").gt(1)
    return out.reset_index()


def shortlist(prog: pd.DataFrame, league: pd.DataFrame, submissions: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Units to consider for commendation, with the share achieved that put them there.

    Areas: ranked, in the top ``TOP_AREAS`` ranks of the league table (ties included), at or above
    its median share achieved, and on time. Departments: at least ``SECTOR_SHARE`` of their
    indicators achieved at the final milestone, and on time. Columns: unit, kind ("area" or
    "sector"), rank, tied (an area sharing its rank), achieved, assessed, share_achieved.
    """
    subs = submissions.set_index("unit")
    on_time = subs.on_time.fillna(False).astype(bool)
    ok = lambda c: bool(on_time.get(c, False))  # noqa: E731
    ranked = league[league.ranked]
    median = ranked.share_achieved.median()
    areas = [(r.unit, "area", r.rank, r.tied, r.achieved, r.assessed, r.share_achieved) for r in ranked.itertuples()
             if r.rank <= TOP_AREAS and r.share_achieved >= median and ok(r.unit)]
    p = plain(prog)
    sec = p[(p.level == "sector") & (p.milestone == ref.review.final) & p.status.isin(["achieved", "not_achieved"])]
    tally = sec.groupby("unit").status.agg(achieved=lambda s: int((s == "achieved").sum()), assessed="size")
    tally["share"] = tally.achieved / tally.assessed
    sectors = [(u, "sector", np.nan, False, r.achieved, r.assessed, r.share) for u, r in
               tally.sort_values("share", ascending=False).iterrows() if r.share >= SECTOR_SHARE and ok(u)]
    return pd.DataFrame(areas + sectors,
                        columns=["unit", "kind", "rank", "tied", "achieved", "assessed", "share_achieved"])

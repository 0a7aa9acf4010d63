"""The province's proposed targets for the next strategy (plan 121/KH-UBND: set them "đảm bảo tính
khả thi"), from what its areas and departments proposed and from the province's own trend.

Three steps, all pure (DataFrames in, DataFrames out; codes and numbers, no words):

1. :func:`candidate_levels`: the levels worth judging for the province, per next-strategy indicator
   and target year: the national target and every value a reporting unit proposed for that
   indicator (for any of its target years, so that a level kept from an earlier year can be judged
   later too).
2. The caller judges those levels on the province's trend with
   :func:`gender_metrics.core.feasibility.feasibility` (``targets`` = the candidate levels).
3. :func:`recommend`: per indicator × year, the recommended provincial figure, which level it is and
   why (a reason code), the range of the units' proposals and who proposed what; the
   contradictions in the proposals as rows.

The rule (the issue's): the province proposes **at least the national target**; above it, **the most
ambitious level some unit proposed for that year that is on track** on the province's trend (P(met)
≥ the feasibility module's on-track threshold, or already met firmly when there are too few points
for a probability). A later year's figure is never less ambitious than an earlier year's. Ambition
follows the operator: higher is more ambitious for "at least" targets, lower for ceilings; a band
("between") target is taken as the national one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..reference import Reference
from .feasibility import ON_TRACK_P
from .rules import DOWN, UP

REASONS = ("proposed_on_track", "national_on_track", "national_not_on_track", "national_no_trend",
           "kept_from_earlier", "national_band")
CONTRADICTIONS = ("weaker_than_earlier", "below_own_result")
# verdicts that carry no projection: nothing can be said of any level
NO_TREND = ("no_history", "insufficient_data", "too_uncertain")
EPS = 1e-9

LEVEL_COLUMNS = ["indicator", "year", "value", "national", "for_year", "units", "n_units", "p_met", "k", "verdict",
                 "feasible"]
RECOMMENDED_COLUMNS = ["indicator", "year", "target_op", "national", "baseline", "baseline_year", "proposed_low",
                       "proposed_high", "n_units", "value", "level", "reason", "units", "p_met", "k", "verdict",
                       "reachable", "national_verdict", "national_p_met"]
PROPOSAL_COLUMNS = ["unit", "indicator", "year", "value", "target_op", "last_value", "last_year", "p_met", "verdict",
                    "below_national", "weaker_than_earlier", "below_own_result"]
CONTRADICTION_COLUMNS = ["unit", "indicator", "kind", "year", "value", "other_year", "other_value"]


@dataclass(frozen=True)
class ProvinceTargets:
    """What :func:`recommend` returns: one row per indicator × year (``recommended``), per judged level
    (``levels``), per unit's proposal (``proposals``) and per contradiction (``contradictions``)."""

    recommended: pd.DataFrame
    levels: pd.DataFrame
    proposals: pd.DataFrame
    contradictions: pd.DataFrame


def _sign(op) -> np.ndarray:
    """+1 where more is more ambitious ("at least"), -1 for ceilings, 0 for bands."""
    op = np.asarray(op, dtype=object)
    return np.where(np.isin(op, UP), 1.0, np.where(np.isin(op, DOWN), -1.0, 0.0))


def _ops(ref: Reference) -> pd.Series:
    """The operator of each next-strategy indicator (that of its latest target year)."""
    tg = ref.next_targets.sort_values("year")
    return tg.drop_duplicates("id", keep="last").set_index("id").op


def _proposed(proposed: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """The reporting units' proposals for the review's target years (unit, indicator, year, value)."""
    p = proposed[["unit", "indicator", "year", "value"]].copy()
    p["unit"], p["indicator"] = p.unit.astype(str), p.indicator.astype(str)
    p["year"] = p.year.astype(int)
    keep = (p.unit.isin(ref.units.reporting) & p.indicator.isin(ref.next.index)
            & p.year.isin(ref.review.feasibility_years) & p.value.notna())
    return p[keep].reset_index(drop=True)


def candidate_levels(proposed: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """The levels to judge on the province's trend: unit (the province), indicator, year, value.

    Per next-strategy indicator with a national target in a review's target year: that target, and
    every value any reporting unit proposed for the indicator (any year). Band targets get only the
    national level (a band has no "more ambitious").
    """
    years = list(ref.review.feasibility_years)
    tg = ref.next_targets[ref.next_targets.year.isin(years)]
    nat = pd.DataFrame({"indicator": tg.id.astype(str), "year": tg.year.astype(int), "value": tg.value.astype(float)})
    p = _proposed(proposed, ref)
    band = set(tg.id[tg.op == "between"])
    values = pd.concat([p[["indicator", "value"]], nat[["indicator", "value"]]])
    values = values[~values.indicator.isin(band)].drop_duplicates()
    cross = nat[["indicator", "year"]].drop_duplicates().merge(values, on="indicator")
    out = pd.concat([nat, cross], ignore_index=True).drop_duplicates(["indicator", "year", "value"])
    out.insert(0, "unit", ref.province)
    return out.sort_values(["indicator", "year", "value"], kind="stable").reset_index(drop=True)


def _weaker(op, target, other) -> np.ndarray:
    """``target`` asks less than ``other`` (lower for a goal, higher for a ceiling); False for bands/NaN."""
    s = _sign(op)
    with np.errstate(invalid="ignore"):
        return (s * (np.asarray(other, float) - np.asarray(target, float)) > EPS) & (s != 0)


def contradictions(proposed: pd.DataFrame, feasibility: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Contradictions within the units' proposals, one row each (columns of ``CONTRADICTION_COLUMNS``):

    * ``weaker_than_earlier``: a unit's value for a year asks less than its own value for the year
      before it (a 2030 value weaker than the same unit's 2025 value);
    * ``below_own_result``: a unit proposes less than it already reached (the last value of its own
      series, ``last_value`` of its feasibility row for that proposal), e.g. 50% for 2025 where it
      reported 55% in 2020; ``other_year``/``other_value`` are that result. Not said where the
      unit's own series is too uncertain to project (small numbers: a result reached by chance is
      no floor).
    """
    p = _proposed(proposed, ref)
    op = p.indicator.map(_ops(ref))
    p = p.assign(op=op).sort_values(["unit", "indicator", "year"], kind="stable")
    g = p.groupby(["unit", "indicator"], sort=False)
    prev_year, prev_value = g.year.shift(1), g.value.shift(1)
    weaker = _weaker(p.op, p.value, prev_value) & prev_value.notna().to_numpy()
    a = p[weaker].assign(kind="weaker_than_earlier", other_year=prev_year[weaker], other_value=prev_value[weaker])
    q = p.merge(_own_rows(feasibility), on=["unit", "indicator", "year", "value"], how="inner")
    below = (_weaker(q.op, q.value, q.last_value) & q.last_value.notna().to_numpy()
             & ~q.verdict.isin(["too_uncertain"]).to_numpy())
    b = q[below].assign(kind="below_own_result", other_year=q.last_year[below], other_value=q.last_value[below])
    out = pd.concat([a, b], ignore_index=True).reindex(columns=CONTRADICTION_COLUMNS)
    out["other_year"] = out.other_year.astype("Int64")
    out["year"] = out.year.astype(int)
    order = {i: n for n, i in enumerate(ref.next.index)}
    return out.sort_values(["indicator", "unit", "year"], key=lambda c: c.map(order) if c.name == "indicator" else c,
                           kind="stable").reset_index(drop=True)


def _own_rows(feasibility: pd.DataFrame) -> pd.DataFrame:
    """Each unit's judgement of its own proposals (unit, indicator, year, value, last_value, last_year,
    p_met, verdict, below_national): the ``proposed`` rows of the feasibility table."""
    f = feasibility[feasibility.target_kind == "proposed"] if "target_kind" in feasibility else feasibility
    cols = ["unit", "indicator", "year", "target", "last_value", "last_year", "p_met", "verdict", "below_national"]
    f = f.reindex(columns=cols).rename(columns={"target": "value"})
    return f.astype({"unit": str, "indicator": str, "year": int, "value": float, "last_value": float})


def recommend(feasibility: pd.DataFrame, proposed: pd.DataFrame, levels: pd.DataFrame, ref: Reference
              ) -> ProvinceTargets:
    """The province's recommended targets (see the module docstring for the rule).

    ``feasibility``: the feasibility table of every unit (national and proposed rows, as
    ``Dataset.feasibility``; its ``target_kind == "proposed"`` rows give each unit's own verdict on its
    own proposal, and every row its last value). ``proposed``: the proposed targets (unit, indicator,
    year, value). ``levels``: :func:`~gender_metrics.core.feasibility.feasibility` of the province at
    the :func:`candidate_levels` (columns unit, indicator, year, target, last_value, last_year, p_met,
    k, verdict, reachable).
    """
    ops = _ops(ref)
    years = list(ref.review.feasibility_years)
    p = _proposed(proposed, ref)
    tg = ref.next_targets[ref.next_targets.year.isin(years)].rename(columns={"id": "indicator", "op": "target_op",
                                                                            "value": "national"})
    tg = tg[["indicator", "year", "target_op", "national"]].astype({"indicator": str, "year": int})

    # ---- the judged levels: who proposed each, whether it is on track
    lv = levels[levels.unit == ref.province].rename(columns={"target": "value"})
    lv = lv[["indicator", "year", "value", "last_value", "last_year", "p_met", "k", "verdict", "reachable"]]
    lv = lv.astype({"indicator": str, "year": int, "value": float}).merge(tg, on=["indicator", "year"], how="inner")
    who = p.groupby(["indicator", "year", "value"]).unit.agg(lambda u: tuple(u)).rename("units").reset_index()
    lv = lv.merge(who, on=["indicator", "year", "value"], how="left")
    lv["units"] = lv.units.map(lambda u: u if isinstance(u, tuple) else ())
    lv["n_units"] = lv.units.map(len)
    lv["national"] = np.isclose(lv.value, lv.pop("national").to_numpy(float))
    lv["for_year"] = lv.national | (lv.n_units > 0)
    p_met = lv.p_met.to_numpy(float)
    lv["feasible"] = (p_met >= ON_TRACK_P) | ((lv.verdict == "already_met") & np.isnan(p_met))
    sign = _sign(lv.target_op)
    lv["ambition"] = sign * lv.value
    nat_amb = lv[lv.national].set_index(["indicator", "year"]).ambition
    lv["nat_ambition"] = pd.MultiIndex.from_frame(lv[["indicator", "year"]]).map(nat_amb).to_numpy(float)

    # ---- the choice: the most ambitious level proposed for the year that is on track, at least national
    eligible = lv.for_year & (lv.ambition >= lv.nat_ambition - EPS) & lv.feasible & (sign != 0)
    best = (lv[eligible].sort_values("ambition", kind="stable").groupby(["indicator", "year"]).tail(1)
            .set_index(["indicator", "year"]))
    nat = lv[lv.national].set_index(["indicator", "year"])
    rec = tg.set_index(["indicator", "year"]).join(nat[["last_value", "last_year", "verdict", "p_met"]]
                                                    .rename(columns={"verdict": "national_verdict",
                                                                     "p_met": "national_p_met"}))
    rec["value"] = best.value.reindex(rec.index).fillna(rec.national)
    rec["reason"] = np.select(
        [rec.target_op.eq("between").to_numpy(),
         best.value.reindex(rec.index).notna().to_numpy() & ~np.isclose(rec.value, rec.national),
         best.value.reindex(rec.index).notna().to_numpy(),
         rec.national_verdict.isin(NO_TREND).to_numpy() | rec.national_verdict.isna().to_numpy()],
        ["national_band", "proposed_on_track", "national_on_track", "national_no_trend"],
        default="national_not_on_track")
    rec = rec.reset_index().sort_values(["indicator", "year"], kind="stable")

    # ---- a later year never asks less than an earlier one
    s = _sign(rec.target_op)
    amb = pd.Series(s * rec.value.to_numpy(float), index=rec.index)
    kept = amb.groupby(rec.indicator).cummax()
    raise_ = (kept - amb > EPS).to_numpy() & (s != 0)
    rec.loc[raise_, "value"] = (kept[raise_] * s[raise_]).to_numpy()
    rec.loc[raise_, "reason"] = "kept_from_earlier"

    # ---- the chosen level's verdict, and the range of the proposals
    chosen = lv.set_index(["indicator", "year", "value"])[["p_met", "k", "verdict", "reachable", "units"]]
    key = pd.MultiIndex.from_arrays([rec.indicator, rec.year, rec.value.round(9)])
    chosen.index = pd.MultiIndex.from_arrays([chosen.index.get_level_values(0), chosen.index.get_level_values(1),
                                              chosen.index.get_level_values(2).to_numpy(float).round(9)])
    chosen = chosen[~chosen.index.duplicated()]
    got = chosen.reindex(key)
    for c in ("p_met", "k", "verdict", "reachable", "units"):
        rec[c] = got[c].to_numpy()
    rec["units"] = rec.units.map(lambda u: u if isinstance(u, tuple) else ())
    rec["level"] = np.where(rec.reason.isin(["proposed_on_track"]) |
                            (rec.reason.eq("kept_from_earlier") & ~np.isclose(rec.value, rec.national)),
                            "proposed", "national")
    rng = p.groupby(["indicator", "year"]).agg(proposed_low=("value", "min"), proposed_high=("value", "max"),
                                               n_units=("unit", "nunique"))
    rec = rec.merge(rng.reset_index(), on=["indicator", "year"], how="left")
    rec["n_units"] = rec.n_units.fillna(0).astype(int)
    rec = rec.rename(columns={"last_value": "baseline", "last_year": "baseline_year"})
    rec["baseline_year"] = rec.baseline_year.astype("Int64")
    order = {i: n for n, i in enumerate(ref.next.index)}
    rec = rec.sort_values(["indicator", "year"], key=lambda c: c.map(order) if c.name == "indicator" else c,
                          kind="stable")

    # ---- who proposed what, with the unit's own verdict on its own trend
    props = p.merge(_own_rows(feasibility), on=["unit", "indicator", "year", "value"], how="left")
    props["target_op"] = props.indicator.map(ops)
    contra = contradictions(proposed, feasibility, ref)
    for kind in CONTRADICTIONS:
        flagged = pd.MultiIndex.from_frame(contra[contra.kind == kind][["unit", "indicator", "year"]])
        props[kind] = pd.MultiIndex.from_frame(props[["unit", "indicator", "year"]]).isin(flagged)
    props["below_national"] = props.below_national.fillna(False).astype(bool)
    unit_order = {u: n for n, u in enumerate(ref.units.reporting)}
    props = props.sort_values(["indicator", "year", "unit"],
                              key=lambda c: c.map(order) if c.name == "indicator" else
                              (c.map(unit_order) if c.name == "unit" else c), kind="stable")
    levels_out = lv.sort_values(["indicator", "year", "ambition"],
                                key=lambda c: c.map(order) if c.name == "indicator" else c, kind="stable")
    return ProvinceTargets(rec[RECOMMENDED_COLUMNS].reset_index(drop=True),
                           levels_out[LEVEL_COLUMNS].reset_index(drop=True),
                           props[PROPOSAL_COLUMNS].reset_index(drop=True), contra)


def province_targets(observations: pd.DataFrame, feasibility_table: pd.DataFrame, proposed: pd.DataFrame,
                     ref: Reference) -> ProvinceTargets:
    """The three steps in one call: candidate levels, their feasibility on the province's trend, the
    recommendation (see :func:`recommend`)."""
    from .feasibility import feasibility

    cand = candidate_levels(proposed, ref)
    levels = feasibility(observations, ref, cand)
    return recommend(feasibility_table, proposed, levels, ref)

"""Progress against the 2015 and 2020 targets of the 2011-2020 strategy, for every unit.

Pure functions over DataFrames (no file access), vectorised over the whole table:

- province values from districts by ratio of sums (factor × Σnumerator / Σdenominator, DHIS2
  semantics; never an average of rates); where the responsible department reported its own
  province figure, that figure is the official one and the district aggregate stays beside it;
- status at each milestone with the target's operator (>=, >, <=, <, between), the year actually
  used (the milestone year, else the year before), term-based indicators by their election year;
- 95% intervals (Wilson for shares, exact Poisson for rare events, transformed Wilson for the sex
  ratio at birth); a verdict the interval cannot support is ``inconclusive``;
- progress ratio from the 2010 baseline and the Eurostat / Open SDG pace classes (see stats.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats
from .catalogue import Catalogue, load_catalogue
from .units import load_units

STRATEGY = "2011-2020"
BASELINE_YEAR = 2010
PROVINCE = "42"
# official (department) vs district aggregate: flagged when they differ by more than this share
AGGREGATE_TOLERANCE = 0.02

PROGRESS_COLUMNS = [
    "unit", "level", "strategy", "indicator", "breakdown", "milestone", "target_op", "target", "target_high",
    "value", "value_year", "numerator", "denominator", "status", "ci_low", "ci_high", "unstable",
    "baseline", "baseline_year", "progress_ratio", "expected_progress", "cagr_actual", "cagr_required",
    "pace", "value_districts", "differs_from_districts", "source", "note",
]
STATUSES = ("achieved", "not_achieved", "inconclusive", "no_data", "not_collected")


def _prepare(obs: pd.DataFrame) -> pd.DataFrame:
    df = obs.copy()
    if "breakdown" not in df:
        df["breakdown"] = ""
    df["breakdown"] = df["breakdown"].fillna("").astype(str)
    if "strategy" in df:
        df = df[df.strategy == STRATEGY]
    for c in ("numerator", "denominator", "value"):
        if c not in df:
            df[c] = np.nan
        df[c] = df[c].astype(float)
    if "source" not in df:
        df["source"] = ""
    df["unit"] = df["unit"].astype(str)
    df["indicator"] = df["indicator"].astype(str)
    # a value is derived from its parts wherever both are known (factor × numerator / denominator)
    factor = df.indicator.map(load_catalogue().for_strategy(STRATEGY).set_index("id").factor).astype(float)
    parts = df.numerator.notna() & df.denominator.notna() & factor.notna()
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = factor * df.numerator / df.denominator.where(df.denominator > 0)
    df["value"] = df.value.where(~parts, derived)
    df["year"] = df["year"].astype(int)
    return df[["unit", "indicator", "breakdown", "year", "numerator", "denominator", "value", "source"]]


def province_values(obs: pd.DataFrame, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """Observations of the province (unit "42"): the department's figure where it reported one,
    else the district aggregate (ratio of sums); ``value_districts`` keeps the aggregate beside it.

    The aggregate is computed only where every reporting district gave both numerator and
    denominator (where only a rate is known for some district, the sum of parts is not computable).
    """
    cat = catalogue or load_catalogue()
    ind = cat.for_strategy(STRATEGY).set_index("id")
    units = load_units()
    df = _prepare(obs)
    dist = df[df.unit.isin(units.code[units.level == "district"])]
    dist = dist[dist.indicator.map(ind.aggregation).eq("ratio_of_sums")]
    dist = dist[dist.value.notna() | dist.numerator.notna()]
    g = dist.assign(has_parts=dist.numerator.notna() & dist.denominator.notna()).groupby(
        ["indicator", "breakdown", "year"])
    agg = g.agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"),
                n_units=("unit", "nunique"), all_parts=("has_parts", "all")).reset_index()
    factor = agg.indicator.map(ind.factor).astype(float)
    agg["value"] = np.where(agg.all_parts & (agg.denominator > 0), factor * agg.numerator / agg.denominator, np.nan)
    agg.loc[~agg.all_parts, ["numerator", "denominator"]] = np.nan
    agg["source"] = "sum of " + agg.n_units.astype(str) + " districts"
    # the department responsible for each indicator reports the official province figure
    sec = units[units.level == "sector"][["code", "indicators_2011_2020"]].explode("indicators_2011_2020")
    owner = dict(zip(sec.indicators_2011_2020, sec.code, strict=False))
    off = df[df.unit == df.indicator.map(owner)]
    own = df[df.unit == PROVINCE]
    official = pd.concat([own, off]).drop_duplicates(["indicator", "breakdown", "year"])
    out = official.merge(agg[["indicator", "breakdown", "year", "numerator", "denominator", "value", "source"]],
                         on=["indicator", "breakdown", "year"], how="outer", suffixes=("", "_d"))
    has_official = out.value.notna()
    out["value_districts"] = out.value_d
    for c in ("numerator", "denominator", "value", "source"):
        out[c] = out[c].where(has_official, out[f"{c}_d"])
    out["unit"] = PROVINCE
    return out[["unit", "indicator", "breakdown", "year", "numerator", "denominator", "value", "source",
                "value_districts"]]


def _grid(df: pd.DataFrame, ind: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Every unit × indicator that should be judged, with the breakdowns the data has.

    Districts and the province: every indicator; a department: its own indicators; the national
    level: the indicators its dataset has. A unit not in the unit table (another province's
    district, a benchmark) is judged like a district.
    """
    table = units.set_index("code")
    known = set(table.index)
    frames = []
    area = table.index[table.level.isin(["district", "province"])]
    extra = pd.Index(sorted(set(df.unit.unique()) - known))
    area_units = pd.DataFrame({"unit": area.append(extra),
                               "level": list(table.level[area]) + ["district"] * len(extra)})
    frames.append(area_units.merge(pd.DataFrame({"indicator": ind.index}), how="cross"))
    sec = table[table.level == "sector"].indicators_2011_2020.explode().dropna()
    frames.append(pd.DataFrame({"unit": sec.index, "level": "sector", "indicator": sec.to_numpy()}))
    nat = table.index[table.level == "national"]
    have = df[df.unit.isin(nat)][["unit", "indicator"]].drop_duplicates()
    frames.append(have.assign(level="national"))
    grid = pd.concat(frames, ignore_index=True)
    bd = df[["unit", "indicator", "breakdown"]].drop_duplicates()
    grid = grid.merge(bd, on=["unit", "indicator"], how="left")
    grid["breakdown"] = grid.breakdown.fillna("")
    return grid


def _term_years(ind: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """(indicator, milestone) → the election year whose term value counts (latest election ≤ milestone)."""
    rows = [(i, m, max((e for e in ind.election_years[i] if e <= m), default=None))
            for i, m in zip(targets.indicator, targets.milestone, strict=True) if len(ind.election_years[i])]
    return pd.DataFrame(rows, columns=["indicator", "milestone", "year"]).dropna().astype({"year": int})


def progress(observations: pd.DataFrame, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """One row per unit × indicator × milestone (× breakdown): value, status, interval, pace.

    status ∈ achieved, not_achieved, inconclusive, no_data, not_collected;
    pace ∈ target_met, significant, moderate, insufficient, moving_away, not_computed.
    Province rows (unit "42") come from :func:`province_values`.
    """
    cat = catalogue or load_catalogue()
    ind = cat.for_strategy(STRATEGY).set_index("id")
    units = load_units()
    df = _prepare(observations)
    df = df[df.unit != PROVINCE]
    prov = province_values(observations, cat)
    df = pd.concat([df.assign(value_districts=np.nan), prov], ignore_index=True)
    df = df[df.value.notna() | df.numerator.notna()]

    grid = _grid(df, ind, units)
    tg = cat.targets[cat.targets.strategy == STRATEGY].rename(
        columns={"id": "indicator", "year": "milestone", "op": "target_op", "value": "target"})
    grid = grid.merge(tg[["indicator", "milestone", "target_op", "target", "value_high"]], on="indicator")
    grid = grid.rename(columns={"value_high": "target_high"})
    grid["district_level"] = grid.indicator.map(ind.district_level).astype(bool)
    grid["not_collected"] = (grid.level == "district") & ~grid.district_level

    # candidate years for each milestone: T then T-1; term-based indicators: latest election <= T
    terms = _term_years(ind, tg)
    term = grid.indicator.isin(set(terms.indicator))
    plain = grid[~term]
    cand = pd.concat([plain.assign(year=plain.milestone - lag, rank=lag) for lag in (0, 1)]
                     + [grid[term].merge(terms, on=["indicator", "milestone"]).assign(rank=0)], ignore_index=True)
    key = ["unit", "indicator", "breakdown"]
    hit = cand.merge(df, on=[*key, "year"], how="inner").sort_values("rank")
    hit = hit.drop_duplicates([*key, "milestone"])
    cols = ["year", "numerator", "denominator", "value", "source", "value_districts"]
    res = grid.merge(hit[[*key, "milestone", *cols]], on=[*key, "milestone"], how="left")
    res = res.rename(columns={"year": "value_year"})

    # baseline: 2010, else the first year up to 2011; term-based: the election year <= 2010, else the first
    base = df.assign(is_term=df.indicator.isin(set(terms.indicator)))
    base = base[base.value.notna() & (base.year <= BASELINE_YEAR + 1)]
    base = base.assign(rank=np.where(base.year <= BASELINE_YEAR, BASELINE_YEAR - base.year,
                                     10 + base.year - BASELINE_YEAR))
    base = base[(base.year == BASELINE_YEAR) | base.is_term | (base.year == BASELINE_YEAR + 1)]
    base = base.sort_values("rank").drop_duplicates(key)[[*key, "year", "value"]]
    res = res.merge(base.rename(columns={"year": "baseline_year", "value": "baseline"}), on=key, how="left")

    # intervals and status
    method = res.indicator.map(ind.interval)
    factor = res.indicator.map(ind.factor)
    low, high = stats.value_interval(method.where(res.numerator.notna() & res.denominator.notna(), "none"),
                                     res.numerator, res.denominator, factor)
    res["ci_low"], res["ci_high"] = low, high
    events = np.where(method == "srb", np.minimum(res.numerator, res.denominator), res.numerator)
    res["unstable"] = stats.unstable(events) & res.numerator.notna()
    v, t, th, op = res.value.to_numpy(float), res.target.to_numpy(float), res.target_high.to_numpy(float), res.target_op
    met = _meets(v, op, t, th)
    lo_met = _meets(low, op, t, th)
    hi_met = _meets(high, op, t, th)
    has_ci = np.isfinite(low) & np.isfinite(high)
    sure = ~has_ci | (lo_met == hi_met)
    status = np.select(
        [res.not_collected, np.isnan(v), sure & met, sure & ~met],
        ["not_collected", "no_data", "achieved", "not_achieved"], default="inconclusive")
    res["status"] = status

    # progress ratio, expected progress and pace
    goal = np.where(op == "between", np.where(res.baseline > th, th, t), t)
    with np.errstate(divide="ignore", invalid="ignore"):
        pr = (v - res.baseline) / (goal - res.baseline)
    res["progress_ratio"] = np.where(np.isfinite(pr), pr, np.nan)
    res["expected_progress"] = ((res.value_year - BASELINE_YEAR) / (res.milestone - BASELINE_YEAR)).clip(upper=1)
    ga, gr, pace = stats.pace_class(res.baseline, res.value, res.baseline_year, res.value_year, t, res.milestone,
                                    op.to_numpy(object), target_high=th)
    res["cagr_actual"], res["cagr_required"], res["pace"] = ga, gr, pace
    res.loc[res.status.isin(["no_data", "not_collected"]), "pace"] = "not_computed"
    # a ratio of the distance travelled means nothing when the baseline already met the target
    res.loc[res.pace == "target_met", "progress_ratio"] = np.nan
    vd = res.value_districts
    res["differs_from_districts"] = (vd.notna() & (np.abs(res.value - vd) > AGGREGATE_TOLERANCE * np.abs(vd)))
    notes = np.where(res.value_year.notna() & (res.value_year != res.milestone) & ~term,
                     "value of " + res.value_year.astype("Int64").astype(str) + " (no " + res.milestone.astype(str) + " value)",
                     "")
    res["note"] = np.where(term & res.value_year.notna(),
                           "term elected in " + res.value_year.astype("Int64").astype(str), notes)
    res["strategy"] = STRATEGY
    res = res.sort_values(["level", "unit", "indicator", "breakdown", "milestone"], kind="stable")
    return res.reindex(columns=PROGRESS_COLUMNS).reset_index(drop=True)


def _meets(x, op, target, high) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    op = np.asarray(op, dtype=object)
    with np.errstate(invalid="ignore"):
        return np.select(
            [op == ">=", op == ">", op == "<=", op == "<", op == "between"],
            [x >= target, x > target, x <= target, x < target, (x >= target) & (x <= high)], default=False)


def status_counts(prog: pd.DataFrame) -> pd.DataFrame:
    """Count of statuses per unit and milestone (a compact summary for reports)."""
    return (prog.groupby(["unit", "milestone", "status"]).size().unstack("status", fill_value=0)
            .reindex(columns=list(STATUSES), fill_value=0).reset_index())

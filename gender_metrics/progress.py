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
    codes, uniques = pd.factorize(df.indicator)
    fac = pd.Index(uniques).map(load_catalogue().for_strategy(STRATEGY).set_index("id").factor).to_numpy(float)
    factor = pd.Series(np.append(fac, np.nan)[codes], index=df.index)
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
    return _province(_prepare(obs), catalogue or load_catalogue())


def _province(df: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    ind = cat.for_strategy(STRATEGY).set_index("id")
    units = load_units()
    df = df[df.unit.isin(units.code[units.level.isin(["district", "sector", "province"])])]
    dist = df[df.unit.isin(units.code[units.level == "district"])]
    dist = dist[dist.indicator.map(ind.aggregation).eq("ratio_of_sums")]
    dist = dist[dist.value.notna() | dist.numerator.notna()]
    g = dist.assign(has_parts=dist.numerator.notna() & dist.denominator.notna()).groupby(
        ["indicator", "breakdown", "year"])
    agg = g.agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"),
                n_units=("unit", "nunique"), all_parts=("has_parts", "all")).reset_index()
    factor = agg.indicator.map(ind.factor).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
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


def _expected_pairs(table: pd.DataFrame, data_units: pd.Index, data_pairs: np.ndarray, ids: list[str],
                    all_units: pd.Index) -> np.ndarray:
    """Codes (unit position × n_indicators + indicator) of every unit × indicator to judge.

    Districts and the province: every indicator; a department: its own indicators; the national
    level: the indicators its dataset has; a unit not in the unit table (another province's
    district, a benchmark) is judged like a district.
    """
    n_ind = len(ids)
    area = table.index[table.level.isin(["district", "province"])].append(data_units.difference(table.index))
    pos = all_units.get_indexer(area)
    parts = [(np.repeat(pos, n_ind) * n_ind + np.tile(np.arange(n_ind), len(pos)))]
    sec = table[table.level == "sector"].indicators_2011_2020.explode().dropna()
    icode = pd.Index(ids).get_indexer(sec.to_numpy())
    parts.append(all_units.get_indexer(sec.index)[icode >= 0] * n_ind + icode[icode >= 0])
    nat = all_units.get_indexer(table.index[table.level == "national"])
    parts.append(data_pairs[np.isin(data_pairs // n_ind, nat)])
    return np.unique(np.concatenate(parts))


def progress(observations: pd.DataFrame, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """One row per unit × indicator × milestone (× breakdown): value, status, interval, pace.

    status ∈ achieved, not_achieved, inconclusive, no_data, not_collected;
    pace ∈ target_met, significant, moderate, insufficient, moving_away, not_computed.
    Province rows (unit "42") come from :func:`province_values`.

    Vectorised: series are laid out as a dense (series × year) array, so the value at a
    milestone, the year before, an election year or the baseline is one indexing operation.
    """
    cat = catalogue or load_catalogue()
    ind = cat.for_strategy(STRATEGY).set_index("id")
    ids = list(ind.index)
    n_ind = len(ids)
    table = load_units().set_index("code")
    prepared = _prepare(observations)
    prov = _province(prepared, cat)
    df = pd.concat([prepared[prepared.unit != PROVINCE].assign(value_districts=np.nan), prov], ignore_index=True)
    df = df[(df.value.notna() | df.numerator.notna()) & df.indicator.isin(ids)].reset_index(drop=True)

    # ---- integer codes for units, indicators, breakdowns, series
    data_units = pd.Index(pd.unique(df.unit)).astype(object)
    all_units = table.index.append(data_units.difference(table.index))
    u_fac, u_uni = pd.factorize(df.unit)
    u_pos = all_units.get_indexer(u_uni)[u_fac]
    i_fac, i_uni = pd.factorize(df.indicator)
    i_code = pd.Index(ids).get_indexer(i_uni)[i_fac]
    b_code, b_uni = pd.factorize(df.breakdown)
    b_uni = pd.Index(b_uni)
    if "" not in b_uni:
        b_uni = b_uni.append(pd.Index([""]))
    blank = b_uni.get_loc("")
    n_bd = len(b_uni)
    pair = u_pos.astype(np.int64) * n_ind + i_code
    expected = _expected_pairs(table, data_units, np.sort(pd.unique(pair)), ids, all_units)
    keep = np.isin(pair, expected)
    df, pair, b_code = df[keep].reset_index(drop=True), pair[keep], b_code[keep]
    key = pair * n_bd + b_code
    have = np.sort(pd.unique(key))
    missing_pairs = np.setdiff1d(expected, have // n_bd)
    series = np.sort(np.concatenate([have, missing_pairs * n_bd + blank]))
    sid = np.searchsorted(series, key)
    s_pair, s_bd = series // n_bd, series % n_bd
    s_unit, s_ind = s_pair // n_ind, s_pair % n_ind

    # ---- dense series × year arrays
    y0 = int(min(df.year.min() if len(df) else BASELINE_YEAR, 2000))
    y1 = int(max(df.year.max() if len(df) else 2020, 2021))
    ny = y1 - y0 + 1
    ROW = np.full((len(series), ny), -1, dtype=np.int64)
    ROW[sid, df.year.to_numpy() - y0] = np.arange(len(df))
    V = np.where(ROW >= 0, df.value.to_numpy()[ROW], np.nan)

    # ---- one row per series × milestone
    tg = cat.targets[cat.targets.strategy == STRATEGY].copy()
    tg["icode"] = pd.Index(ids).get_indexer(tg.id)
    tg = tg.sort_values(["icode", "year"]).reset_index(drop=True)
    counts = np.bincount(tg.icode, minlength=n_ind)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rows = np.repeat(np.arange(len(series)), counts[s_ind])
    offs = np.arange(len(rows)) - np.repeat(np.cumsum(counts[s_ind]) - counts[s_ind], counts[s_ind])
    t_idx = first[s_ind[rows]] + offs
    r_ind = s_ind[rows]
    milestone = tg.year.to_numpy()[t_idx]
    op = tg.op.to_numpy()[t_idx]
    target = tg.value.to_numpy()[t_idx]
    target_high = tg.value_high.to_numpy()[t_idx]
    elections = ind.election_years.to_numpy()
    is_term_ind = np.array([len(e) > 0 for e in elections])
    term_year = np.array([max((e for e in elections[i] if e <= m), default=-1) if is_term_ind[i] else -1
                          for i, m in zip(tg.icode, tg.year, strict=True)], dtype=np.int64)[t_idx]
    term = is_term_ind[r_ind]

    # value at the milestone (or the year before), or at the election year for term-based indicators
    col = np.where(term, np.where(term_year >= 0, term_year, milestone) - y0, milestone - y0)
    row_pos = ROW[rows, col]
    fallback = ~term & (row_pos < 0)
    row_pos = np.where(fallback, ROW[rows, col - 1], row_pos)
    used_year = np.where(row_pos >= 0, col + y0 - np.where(fallback, 1, 0), -1)
    found = row_pos >= 0
    take = np.where(found, row_pos, 0)

    def pick(name):
        a = df[name].to_numpy()[take]
        return np.where(found, a, np.nan) if a.dtype.kind == "f" else np.where(found, a, None)

    value, num, den = pick("value"), pick("numerator"), pick("denominator")
    vd = pick("value_districts")
    source = pick("source")

    # baseline: 2010, else 2011; term-based: the last election up to 2010, else the first up to 2011
    b10, b11 = BASELINE_YEAR - y0, BASELINE_YEAR + 1 - y0
    upto = ~np.isnan(V[:, : b10 + 1])
    last = b10 - np.argmax(upto[:, ::-1], axis=1)
    s_term = is_term_ind[s_ind]
    base_col = np.where(s_term & upto.any(axis=1), last, np.where(~np.isnan(V[:, b10]), b10, b11))
    s_base = V[np.arange(len(series)), base_col]
    s_base_year = np.where(np.isnan(s_base), np.nan, base_col + y0)
    baseline, baseline_year = s_base[rows], s_base_year[rows]

    # ---- level, collection, intervals, status
    lv = table.level.reindex(all_units).fillna("district").to_numpy()
    level = lv[s_unit[rows]]
    not_collected = (level == "district") & ~ind.district_level.to_numpy(bool)[r_ind]
    method = ind.interval.to_numpy()[r_ind]
    factor = ind.factor.to_numpy(float)[r_ind]
    num_f, den_f = num.astype(float), den.astype(float)
    low, high = stats.value_interval(np.where(~np.isnan(num_f) & ~np.isnan(den_f), method, "none"),
                                     num_f, den_f, factor)
    events = np.where(method == "srb", np.fmin(num_f, den_f), num_f)
    unstable = stats.unstable(events) & ~np.isnan(num_f) & (method != "none")
    v = value.astype(float)
    met = _meets(v, op, target, target_high)
    lo_met, hi_met = _meets(low, op, target, target_high), _meets(high, op, target, target_high)
    # a "100%" target asks whether every case was covered: a complete count, judged without an interval
    full_cover = np.isin(op, [">=", ">"]) & (target >= 100) & (ind.unit.to_numpy()[r_ind] == "%")
    sure = ~(np.isfinite(low) & np.isfinite(high)) | (lo_met == hi_met) | full_cover
    status = np.select([not_collected, np.isnan(v), sure & met, sure & ~met],
                       ["not_collected", "no_data", "achieved", "not_achieved"], default="inconclusive").astype(object)

    # ---- progress ratio, expected progress, pace
    goal = np.where(op == "between", np.where(baseline > target_high, target_high, target), target)
    with np.errstate(divide="ignore", invalid="ignore"):
        pr = (v - baseline) / (goal - baseline)
    vy = np.where(used_year >= 0, used_year, np.nan)
    ga, gr, pace = stats.pace_class(baseline, v, baseline_year, vy, target, milestone, op, target_high=target_high)
    nodata = np.isin(status, ["no_data", "not_collected"])
    pace = np.where(nodata, "not_computed", pace).astype(object)
    # the share of the distance travelled means nothing when the baseline already met the target
    pr = np.where(np.isfinite(pr) & ~_meets(baseline, op, target, target_high), pr, np.nan)
    with np.errstate(invalid="ignore"):
        differs = ~np.isnan(vd.astype(float)) & (np.abs(v - vd.astype(float)) > AGGREGATE_TOLERANCE * np.abs(vd.astype(float)))
    note = np.full(len(rows), "", dtype=object)
    fb = fallback & found
    note[fb] = [f"value of {y} (no {m} value)" for y, m in zip(used_year[fb], milestone[fb], strict=True)]
    tf = term & found
    note[tf] = [f"term elected in {y}" for y in used_year[tf]]

    u_codes = s_unit[rows]
    # repeated labels as categoricals: building 10^6 Arrow strings is what would cost the most here
    cats = lambda codes, labels: pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object))  # noqa: E731
    lv_labels = np.array(["district", "national", "province", "sector"], dtype=object)
    st_labels = np.array(STATUSES, dtype=object)
    pc_labels = np.array(stats.PACE_LABELS, dtype=object)
    res = pd.DataFrame({
        "unit": cats(u_codes, all_units.to_numpy()), "level": cats(pd.Index(lv_labels).get_indexer(level), lv_labels),
        "strategy": STRATEGY, "indicator": cats(r_ind, np.array(ids, dtype=object)),
        "breakdown": cats(s_bd[rows], b_uni.to_numpy()),
        "milestone": milestone, "target_op": op, "target": target, "target_high": target_high,
        "value": v, "value_year": vy, "numerator": num_f, "denominator": den_f,
        "status": cats(pd.Index(st_labels).get_indexer(status), st_labels),
        "ci_low": low, "ci_high": high, "unstable": unstable, "baseline": baseline, "baseline_year": baseline_year,
        "progress_ratio": pr,
        "expected_progress": np.minimum((vy - BASELINE_YEAR) / (milestone - BASELINE_YEAR), 1.0),
        "cagr_actual": ga, "cagr_required": gr, "pace": cats(pd.Index(pc_labels).get_indexer(pace), pc_labels),
        "value_districts": vd.astype(float), "differs_from_districts": differs, "source": source, "note": note,
    })
    level_rank = pd.Series({"district": 0, "national": 1, "province": 2, "sector": 3})
    unit_rank = pd.Index(np.argsort(np.argsort(all_units.to_numpy().astype(str))))
    bd_rank = np.argsort(np.argsort(b_uni.to_numpy().astype(str)))
    order = np.lexsort((milestone, bd_rank[s_bd[rows]], r_ind, unit_rank.to_numpy()[u_codes],
                        level_rank.reindex(level).to_numpy()))
    return res.iloc[order].reset_index(drop=True)


def _meets(x, op, target, high) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    op = np.asarray(op, dtype=object)
    with np.errstate(invalid="ignore"):
        return np.select(
            [op == ">=", op == ">", op == "<=", op == "<", op == "between"],
            [x >= target, x > target, x <= target, x < target, (x >= target) & (x <= high)], default=False)


def league_table(prog: pd.DataFrame, observations: pd.DataFrame, milestone: int = 2020,
                 pooled_years: tuple[int, int] = (2016, 2020)) -> pd.DataFrame:
    """District league table for the commendation proposals: a decision aid, not a verdict.

    Per district, at ``milestone``: indicators assessed (achieved, not achieved or inconclusive),
    achieved, share achieved, mean progress ratio (each ratio clipped to [-1, 2] so one extreme
    indicator cannot dominate) and, for comparing a rare-event rate fairly, the empirical-Bayes
    smoothed maternal mortality ratio (per 100,000 live births) pooled over ``pooled_years``
    (Marshall 1991 global estimator, a Poisson model: shrunk toward the mean of all districts, small
    districts move most), beside the raw pooled ratio. Rank: share achieved, then mean progress
    ratio (both descending).
    """
    d = prog[(prog.level == "district") & (prog.milestone == milestone)]
    d = plain(d)
    assessed = d.status.isin(["achieved", "not_achieved", "inconclusive"])
    g = d.assign(assessed=assessed, achieved=d.status.eq("achieved"),
                 pr=d.progress_ratio.clip(-1, 2).where(assessed)).groupby("unit")
    out = g.agg(assessed=("assessed", "sum"), achieved=("achieved", "sum"), mean_progress=("pr", "mean"))
    out["share_achieved"] = out.achieved / out.assessed.where(out.assessed > 0)
    obs = _prepare(observations)
    obs = obs[obs.unit.isin(out.index) & obs.year.between(*pooled_years) & (obs.breakdown == "")]
    pooled = obs.groupby(["unit", "indicator"])[["numerator", "denominator"]].sum(min_count=1).unstack("indicator")
    if ("numerator", "4.2") in pooled:
        e = pooled[("numerator", "4.2")].reindex(out.index)
        n = pooled[("denominator", "4.2")].reindex(out.index)
        out["mmr_raw"] = 1e5 * e / n
        out["mmr_eb"] = 1e5 * stats.eb_smooth(e, n)
    else:
        out["mmr_raw"] = out["mmr_eb"] = np.nan
    out = out.sort_values(["share_achieved", "mean_progress"], ascending=False)
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index()


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its categorical columns (unit, indicator, status, ...) as plain objects, for row-wise
    formatting and comparisons with strings that are not categories."""
    return df.astype({c: object for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)})

"""Progress against the milestone targets of the judged strategy, for every unit of a review.

Pure functions over DataFrames (no file access; the review's reference data come in as a
:class:`~gender_metrics.reference.Reference`), vectorised over the whole table:

- province values from districts by ratio of sums (factor × Σnumerator / Σdenominator, DHIS2
  semantics; never an average of rates); where the responsible department reported its own
  province figure, that figure is the official one and the district aggregate stays beside it;
- status at each milestone with the target's operator (>=, >, <=, <, between), the year actually
  used (the milestone year, else the year before), term-based indicators by their election year;
- the verdict (``status``) is the official one, on the reported value (docs/methods.md §2); the 95%
  interval (Wilson for shares, exact Poisson for rare events, transformed Wilson for the sex ratio
  at birth) and the number of events qualify it (``certainty``), they never replace it;
- a province value summed from some of its areas is ``incomplete`` (``units_reported`` of
  ``units_expected``), and no pace is computed across years of different coverage;
- progress ratio from the review's baseline and the Eurostat / Open SDG pace classes (see stats.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference import Reference
from ..reference.catalogue import derive_values
from . import stats
from .frames import first_rows
from .rules import meets
from .validate import row_key, validate_observations

# official (department) vs district aggregate: flagged when they differ by more than this share
AGGREGATE_TOLERANCE = 0.02

PROGRESS_COLUMNS = [
    "unit", "level", "strategy", "indicator", "breakdown", "milestone", "target_op", "target", "target_high",
    "value", "value_year", "numerator", "denominator", "status", "certainty", "events", "ci_low", "ci_high",
    "units_reported", "units_expected", "basis", "baseline", "baseline_year", "progress_ratio",
    "expected_progress", "cagr_actual", "cagr_required", "pace", "value_districts", "differs_from_districts",
    "source", "note",
]
STATUSES = ("achieved", "not_achieved", "incomplete", "no_data", "not_collected")
CERTAINTIES = ("firm", "uncertain", "small_numbers", "exact", "")
SMALL_NUMBERS = 20   # events below which a rate is unstable (RSE > 22%; NCHS/WHO practice)
# basis of a value: the unit's own figure, the responsible department's figure used for the province,
# or the sum of the province's areas
BASES = ("own", "department", "areas")


def prepare(obs: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """The judged strategy's observations with the columns the core uses, the value derived from its
    parts wherever both are known (the catalogue's rule), whatever the caller's frame lacked filled in.
    Observations that break a validation rule raise :class:`~.validate.DataError` naming the rows."""
    df = validate_observations(obs, ref)   # also: breakdown as text, number columns present
    if "strategy" in df:
        df = df[df.strategy == ref.review.strategy]
    for c in ("numerator", "denominator", "value"):
        df[c] = df[c].astype(float)
    if "source" not in df:
        df["source"] = ""
    # a value is derived from its parts wherever both are known (factor × numerator / denominator)
    codes, uniques = pd.factorize(df.indicator)
    fac = pd.Index(uniques).map(ref.judged.factor).to_numpy(float)
    df["value"] = derive_values(df, np.append(fac, np.nan)[codes])
    return df[["unit", "indicator", "breakdown", "year", "numerator", "denominator", "value", "source"]]


def province_values(obs: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Observations of the province (the tree's province code): the department's figure where it reported one,
    else the district aggregate (ratio of sums); ``value_districts`` keeps the aggregate beside it.

    The aggregate is computed only where every reporting district gave both numerator and
    denominator (where only a rate is known for some district, the sum of parts is not computable).
    ``units_reported`` / ``units_expected`` count the areas behind the sum (expected: every area of
    the tree, for an indicator collected at that level); ``basis`` says which figure is the
    province's: "department" (the responsible department's), "own" (a province row of its own) or
    "areas" (the sum); ``complete`` is False for a sum that lacks some areas.
    """
    return _province(prepare(obs, ref), ref)


def _province(df: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    ind, units = ref.judged, ref.units
    # the unit and indicator columns are long and hold few distinct codes: every test below is made
    # once per distinct code and spread over the rows through the factorised codes
    u_code, u_uni = pd.factorize(df.unit)
    i_code, i_uni = pd.factorize(df.indicator)
    u_uni, i_uni = pd.Index(u_uni, dtype=object), pd.Index(i_uni, dtype=object)
    of_unit = lambda values: np.append(u_uni.isin(values), False)[u_code]  # noqa: E731
    keep = of_unit(units.codes(units.area_level, "sector", "province"))
    summed = keep & of_unit(units.areas) & np.append(
        i_uni.isin(ind.index[ind.aggregation == "ratio_of_sums"]), False)[i_code]
    # the department responsible for each indicator reports the official province figure
    owner = np.append(u_uni.get_indexer(i_uni.map(units.owner)), -2)[i_code]
    by_owner = keep & (u_code == owner) & (owner >= 0)
    by_province = keep & (u_code == np.append(u_uni.get_indexer([units.province]), -2)[0])
    # the sum of the areas per indicator × breakdown × year, on integer codes
    sel = np.flatnonzero(summed & (df.value.notna() | df.numerator.notna()).to_numpy())
    b_code, b_uni = pd.factorize(df.breakdown)
    year = df.year.to_numpy()[sel]
    groups, gi = np.unique(row_key([i_code[sel], b_code[sel], pd.factorize(year)[0]]), return_inverse=True)
    n_g, n_u = len(groups), len(u_uni) + 1
    first = first_rows(gi, n_g)
    num, den = df.numerator.to_numpy(float)[sel], df.denominator.to_numpy(float)[sel]
    agg = pd.DataFrame({
        "indicator": np.asarray(i_uni, dtype=object)[i_code[sel][first]],
        "breakdown": np.asarray(b_uni, dtype=object)[b_code[sel][first]], "year": year[first],
        "numerator": np.bincount(gi, np.nan_to_num(num), minlength=n_g),
        "denominator": np.bincount(gi, np.nan_to_num(den), minlength=n_g),
        "n_units": np.bincount(pd.unique(gi * n_u + u_code[sel] + 1) // n_u, minlength=n_g),  # distinct units
        "all_parts": np.bincount(gi, ~(np.isfinite(num) & np.isfinite(den)), minlength=n_g) == 0})
    factor = agg.indicator.map(ind.factor).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        agg["value"] = np.where(agg.all_parts & (agg.denominator > 0), factor * agg.numerator / agg.denominator, np.nan)
    agg.loc[~agg.all_parts, ["numerator", "denominator"]] = np.nan
    agg["source"] = "sum of " + agg.n_units.astype(str) + " districts"
    off = df[by_owner].assign(basis="department")
    own = df[by_province].assign(basis="own")
    official = pd.concat([own, off]).drop_duplicates(["indicator", "breakdown", "year"])
    out = official.merge(agg[["indicator", "breakdown", "year", "numerator", "denominator", "value", "source",
                              "n_units"]], on=["indicator", "breakdown", "year"], how="outer", suffixes=("", "_d"))
    has_official = out.value.notna()
    out["value_districts"] = out.value_d
    for c in ("numerator", "denominator", "value", "source"):
        out[c] = out[c].where(has_official, out[f"{c}_d"])
    out["basis"] = out.basis.where(has_official, "areas")
    collected = out.indicator.map(ind.district_level).fillna(False).astype(bool)
    out["units_expected"] = np.where(collected, float(len(units.areas)), np.nan)
    out["units_reported"] = np.where(collected, out.n_units.fillna(0).astype(float), np.nan)
    out["complete"] = has_official | ~(out.units_reported < out.units_expected)
    out["unit"] = units.province
    return out[["unit", "indicator", "breakdown", "year", "numerator", "denominator", "value", "source",
                "value_districts", "basis", "units_reported", "units_expected", "complete"]]


def _expected_pairs(table: pd.DataFrame, area_level: str, data_units: pd.Index, data_pairs: np.ndarray,
                    ids: list[str], all_units: pd.Index) -> np.ndarray:
    """Codes (unit position × n_indicators + indicator) of every unit × indicator to judge.

    Districts and the province: every indicator; a department: its own indicators; the national
    level: the indicators its dataset has; a unit not in the unit table (another province's
    district, a benchmark) is judged like a district.
    """
    n_ind = len(ids)
    area = table.index[table.level.isin([area_level, "province"])].append(data_units.difference(table.index))
    pos = all_units.get_indexer(area)
    parts = [(np.repeat(pos, n_ind) * n_ind + np.tile(np.arange(n_ind), len(pos)))]
    sec = table[table.level == "sector"].answers_for.explode().dropna()
    icode = pd.Index(ids).get_indexer(sec.to_numpy())
    parts.append(all_units.get_indexer(sec.index)[icode >= 0] * n_ind + icode[icode >= 0])
    nat = all_units.get_indexer(table.index[table.level == "national"])
    parts.append(data_pairs[np.isin(data_pairs // n_ind, nat)])
    return np.sort(pd.unique(np.concatenate(parts)))   # (np.unique is slower on long arrays)


def progress(observations: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """One row per unit × indicator × milestone (× breakdown): value, status, interval, pace.

    status ∈ achieved, not_achieved, incomplete, no_data, not_collected (the official verdict, on the
    value); certainty ∈ firm, uncertain, small_numbers, exact, "" (what the statistics say of it);
    pace ∈ target_met, significant, moderate, insufficient, moving_away, not_computed.
    Province rows come from :func:`province_values`; the review (``ref``) gives the strategy judged,
    its baseline and milestones, the catalogue and the unit tree.

    Vectorised: series are laid out as a dense (series × year) array, so the value at a
    milestone, the year before, an election year or the baseline is one indexing operation.
    """
    review, units = ref.review, ref.units
    base_year = review.baseline_year
    ind = ref.judged
    ids = list(ind.index)
    n_ind = len(ids)
    table = units.table.set_index("code")
    prepared = prepare(observations, ref)
    prov = _province(prepared, ref)
    df = pd.concat([prepared[prepared.unit != units.province].assign(
        value_districts=np.nan, basis="own", units_reported=np.nan, units_expected=np.nan, complete=True), prov],
        ignore_index=True)
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
    expected = _expected_pairs(table, units.area_level, data_units, np.sort(pd.unique(pair)), ids, all_units)
    keep = np.isin(pair, expected)
    df, pair, b_code = df[keep].reset_index(drop=True), pair[keep], b_code[keep]
    key = pair * n_bd + b_code
    have = np.sort(pd.unique(key))
    missing_pairs = expected[~np.isin(expected, have // n_bd)]   # (setdiff1d: the same, slower)
    series = np.sort(np.concatenate([have, missing_pairs * n_bd + blank]))
    sid = np.searchsorted(series, key)
    s_pair, s_bd = series // n_bd, series % n_bd
    s_unit, s_ind = s_pair // n_ind, s_pair % n_ind

    # ---- dense series × year arrays
    y0 = int(min(df.year.min() if len(df) else base_year, base_year - 1))
    y1 = int(max(df.year.max() if len(df) else review.final, review.final + 1))
    ny = y1 - y0 + 1
    ROW = np.full((len(series), ny), -1, dtype=np.int64)
    ROW[sid, df.year.to_numpy() - y0] = np.arange(len(df))
    V = np.where(ROW >= 0, df.value.to_numpy()[ROW], np.nan)
    C = np.where(ROW >= 0, df.complete.to_numpy(bool)[ROW], True)   # False: a sum lacking some areas

    # ---- one row per series × milestone
    tg = ref.judged_targets[ref.judged_targets.year.isin(review.milestones)].copy()
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
        col = df[name]
        if pd.api.types.is_string_dtype(col.dtype):   # few distinct texts: take their codes
            codes, uniq = pd.factorize(col)
            return np.append(np.asarray(uniq, dtype=object), None)[np.where(found, codes[take], -1)]
        a = col.to_numpy()[take]
        return np.where(found, a, np.nan) if a.dtype.kind == "f" else np.where(found, a, None)

    value, num, den = pick("value"), pick("numerator"), pick("denominator")
    vd = pick("value_districts")
    source = pick("source")
    basis = np.where(found, pick("basis"), "own")
    u_rep, u_exp = pick("units_reported").astype(float), pick("units_expected").astype(float)

    # baseline: its year, else the year after; term-based: the last election up to the baseline year
    b10, b11 = base_year - y0, base_year + 1 - y0
    upto = ~np.isnan(V[:, : b10 + 1])
    last = b10 - np.argmax(upto[:, ::-1], axis=1)
    s_term = is_term_ind[s_ind]
    base_col = np.where(s_term & upto.any(axis=1), last, np.where(~np.isnan(V[:, b10]), b10, b11))
    s_base = V[np.arange(len(series)), base_col]
    s_base_year = np.where(np.isnan(s_base), np.nan, base_col + y0)
    s_base_complete = C[np.arange(len(series)), base_col]
    baseline, baseline_year = s_base[rows], s_base_year[rows]

    # ---- level, collection, intervals, status
    lv = table.level.reindex(all_units).fillna(units.area_level).to_numpy()
    level = lv[s_unit[rows]]
    not_collected = (level == units.area_level) & ~ind.district_level.to_numpy(bool)[r_ind]
    method = ind.interval.to_numpy()[r_ind]
    factor = ind.factor.to_numpy(float)[r_ind]
    num_f, den_f = num.astype(float), den.astype(float)
    low, high = stats.value_interval(np.where(~np.isnan(num_f) & ~np.isnan(den_f), method, "none"),
                                     num_f, den_f, factor)
    events = np.where(method == "srb", np.fmin(num_f, den_f), num_f)
    v = value.astype(float)
    met = meets(v, op, target, target_high)
    incomplete = (basis == "areas") & (u_rep < u_exp)
    status = np.select([not_collected, np.isnan(v), incomplete, met],
                       ["not_collected", "no_data", "incomplete", "achieved"], default="not_achieved").astype(object)
    certainty = qualify(v, op, target, target_high, low, high, method, events,
                        full_cover=np.isin(op, [">=", ">"]) & (target >= 100) & (ind.unit.to_numpy()[r_ind] == "%"))
    certainty = np.where(np.isin(status, ["achieved", "not_achieved"]), certainty, "").astype(object)

    # ---- progress ratio, expected progress, pace
    goal = np.where(op == "between", np.where(baseline > target_high, target_high, target), target)
    with np.errstate(divide="ignore", invalid="ignore"):
        pr = (v - baseline) / (goal - baseline)
    vy = np.where(used_year >= 0, used_year, np.nan)
    ga, gr, pace = stats.pace_class(baseline, v, baseline_year, vy, target, milestone, op, target_high=target_high)
    # no pace where there is no value, nor across years of different coverage (a sum lacking some areas)
    same_coverage = s_base_complete[rows] & ~incomplete
    pace = np.where(np.isin(status, ["no_data", "not_collected"]) | ~same_coverage, "not_computed", pace).astype(object)
    # the share of the distance travelled means nothing when the baseline already met the target
    pr = np.where(np.isfinite(pr) & ~meets(baseline, op, target, target_high) & same_coverage, pr, np.nan)
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
    lv_labels = np.array(sorted({units.area_level, "national", "province", "sector"}), dtype=object)
    st_labels = np.array(STATUSES, dtype=object)
    ce_labels = np.array(CERTAINTIES, dtype=object)
    pc_labels = np.array(stats.PACE_LABELS, dtype=object)
    res = pd.DataFrame({
        "unit": cats(u_codes, all_units.to_numpy()), "level": cats(pd.Index(lv_labels).get_indexer(level), lv_labels),
        "strategy": review.strategy, "indicator": cats(r_ind, np.array(ids, dtype=object)),
        "breakdown": cats(s_bd[rows], b_uni.to_numpy()),
        "milestone": milestone, "target_op": op, "target": target, "target_high": target_high,
        "value": v, "value_year": vy, "numerator": num_f, "denominator": den_f,
        "status": cats(pd.Index(st_labels).get_indexer(status), st_labels),
        "certainty": cats(pd.Index(ce_labels).get_indexer(certainty), ce_labels),
        "events": np.where(np.isin(method, ["poisson", "srb", "wilson"]), events, np.nan),
        "ci_low": low, "ci_high": high, "units_reported": u_rep, "units_expected": u_exp,
        "basis": cats(pd.Index(BASES).get_indexer(basis), np.array(BASES, dtype=object)),
        "baseline": baseline, "baseline_year": baseline_year,
        "progress_ratio": pr,
        "expected_progress": np.minimum((vy - base_year) / (milestone - base_year), 1.0),
        "cagr_actual": ga, "cagr_required": gr, "pace": cats(pd.Index(pc_labels).get_indexer(pace), pc_labels),
        "value_districts": vd.astype(float), "differs_from_districts": differs, "source": source, "note": note,
    })
    level_rank = pd.Series({units.area_level: 0, "national": 1, "province": 2, "sector": 3})
    unit_rank = pd.Index(np.argsort(np.argsort(all_units.to_numpy().astype(str))))
    bd_rank = np.argsort(np.argsort(b_uni.to_numpy().astype(str)))
    order = np.lexsort((milestone, bd_rank[s_bd[rows]], r_ind, unit_rank.to_numpy()[u_codes],
                        level_rank.reindex(level).to_numpy()))
    return res.iloc[order].reset_index(drop=True)


def qualify(value, op, target, high, low, upp, method, events, full_cover=False) -> np.ndarray:
    """The certainty of a verdict on ``value`` (docs/methods.md §2, §4), element-wise.

    ``exact``: a complete count of seats or bodies (interval method "none"), or a "100% of cases"
    target judged on the count; ``small_numbers``: fewer than 20 events (the rate is unstable,
    whatever its interval says); ``firm``: the 95% interval ``[low, upp]`` lies wholly on the
    verdict's side of the target (for a band: wholly inside it, or wholly outside it);
    ``uncertain``: the interval contains the target or a band edge, the verdict could flip by chance.
    "" where there is no value, or no interval to judge it by (a value reported without its parts).
    """
    value, low, upp = (np.asarray(x, dtype=float) for x in (value, low, upp))
    op = np.asarray(op, dtype=object)
    target, high = np.asarray(target, dtype=float), np.asarray(high, dtype=float)
    method, events = np.asarray(method, dtype=object), np.asarray(events, dtype=float)
    band = op == "between"
    with np.errstate(invalid="ignore"):
        inside = meets(low, op, target, high) & meets(upp, op, target, high)
        outside = np.where(band, (upp < target) | (low > high), ~meets(low, op, target, high) & ~meets(upp, op, target, high))
    has_interval = np.isfinite(low) & np.isfinite(upp)
    out = np.select(
        [np.isnan(value), (method == "none") | np.asarray(full_cover, dtype=bool),
         has_interval & stats.unstable(events, SMALL_NUMBERS), has_interval & (inside | outside), has_interval],
        ["", "exact", "small_numbers", "firm", "uncertain"], default="")
    return out.astype(object)


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its categorical columns (unit, indicator, status, ...) as plain objects, for row-wise
    formatting and comparisons with strings that are not categories."""
    return df.astype({c: object for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)})

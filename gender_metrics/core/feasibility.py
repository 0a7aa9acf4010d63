"""Feasibility of the next strategy's targets from each unit's trend (docs/methods.md §5).

For every unit × indicator of the next strategy × target year, the series of the indicator's
``predecessor`` in the judged strategy (headline values, breakdown "") over the review's trend window
is fitted by least squares on the year and projected to the target year. The review (a
:class:`~gender_metrics.reference.Reference`) says which strategies, years and window. Everything is vectorised: one set of grouped sums fits every series at once,
with no Python loop per series.

Methods
-------
* **Scale.** Rates and ratios (and the "value" kind) are modelled as ``y = ln(x)``; shares bounded
  0-100% (catalogue ``kind == "share"``) as ``y = logit(x/100)``, after clipping ``x`` to
  [0.5, 99.5]% (and the target likewise; the note says so), so that a projected share never leaves
  0-100%. A zero rate whose numerator is 0 and denominator known becomes ``factor·0.5/denominator``
  (continuity correction, noted); other non-positive values cannot enter a log and are left out
  (noted).
* **Fit.** Ordinary least squares of ``y`` on the year, closed form from grouped sums
  (n, Σt, Σy, Σt², Σty and the residual sum of squares; computed on centred years for accuracy).
  With ``weighted=True`` (the default), a series whose every point has a numerator and a positive
  denominator (district series from the forms, and the province built from them) is fitted by
  weighted least squares with weights proportional to the denominator, normalised to mean 1 in the
  series: the sampling variance of ln(rate) or logit(share) is roughly inversely proportional to
  the number of births / persons / units it rests on. A future observation is given the series'
  mean weight (1). Series given as values only are fitted by OLS.
* **Prediction interval.** At the target year T, ``ŷ_T = ȳ + b (T − t̄)`` and
  ``se_pred² = s² (1/w_T + 1/Σw + (T − t̄)²/Σw(t − t̄)²)`` with ``s² = RSS/(n − 2)``; the 95% OLS
  prediction interval ``ŷ_T ± t_{0.975, n−2} se_pred`` is back-transformed with exp / inverse
  logit (the same numbers as statsmodels ``get_prediction(...).summary_frame(alpha=0.05)``,
  columns ``obs_ci_lower`` / ``obs_ci_upper``). ``projected`` is the back-transformed ``ŷ_T`` (the
  median of the predictive distribution on the original scale).
* **P(target met)** = Student-t (n − 2 df) probability that the prediction at T lies on the right
  side of the target on the transformed scale: ``P(Y_T > tv)`` for ``>=``/``>``, ``P(Y_T < tv)``
  for ``<=``/``<`` (the distribution is continuous, so strictness does not matter).
* **reachable** = the value reached with 80% probability by T on the trend: the 20% predictive
  quantile for "at least" targets, the 80% quantile for ceilings and "at most" targets.
* **k** (UNICEF/WHO annual rate of reduction, ARR). For a falling indicator
  ``ARR_hist = −slope`` and ``ARR_req = ln(x_t/TV)/(T − t)``; for a rising one the growth form
  ``g_hist = slope``, ``g_req = ln(TV/x_t)/(T − t)``. Both give the same ratio
  ``k = ARR_req/ARR_hist = (ln TV − ln x_t) / ((T − t)·slope)``, computed on the scale of the fit
  (ln for rates and ratios, i.e. exactly the ARR ratio; logit for shares). Sign convention: k > 0
  means the trend heads toward the target (k ≤ 1: today's pace suffices; k = 3: three times the
  pace is needed); k < 0 means the trend moves away from the target; k = 0 when the target is
  already met; NaN with a flat or undefined slope.
* **Verdicts** (first that applies): ``no_history`` (no 2011-2020 predecessor: a baseline must be
  collected), ``insufficient_data`` (no observation), ``already_met`` (the last value meets the
  target: it may lack ambition), ``insufficient_data`` (fewer than 3 points in the fit),
  ``on_track`` (P ≥ 0.8), ``needs_acceleration`` (0.2 ≤ P < 0.8), ``unlikely`` (P < 0.2).
* **Small numbers.** When the 95% prediction interval is wider than twice the distance from the
  projection to the target, the note says the series is too noisy to judge; the verdict stays what
  P says.
* **Structural breaks** (a change of source or definition, given in ``breaks``): the fit uses the
  years from the break on only; ``chow_p`` is the p-value of the Chow (1960) test at the break
  year on the whole series, ``F = ((RSS_1line − RSS_2lines)/2) / (RSS_2lines/(n − 4))`` with
  (2, n − 4) df (needs 2 points on each side and 5 in all).
* ``below_national``: a proposed target weaker than the national target of Resolution 28/NQ-CP for
  the same indicator and year (lower for "at least" targets, higher for ceilings).

Sources: UNICEF/WHO annual rate of reduction (e.g. WHO Trends in maternal mortality, ARR);
ordinary least squares prediction interval (any regression text; statsmodels
``OLSResults.get_prediction``); G. C. Chow (1960), Tests of equality between sets of coefficients
in two linear regressions, Econometrica 28(3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special as _sp

from ..reference import Reference
from . import stats
from .frames import first_rows
from .progress import SMALL_NUMBERS, _province, prepare, qualify
from .rules import DOWN as _DOWN
from .rules import UP as _UP
from .rules import meets

__all__ = [
    "feasibility",
    "fit_lines",
    "predict_lines",
    "assess_series",
    "FEASIBILITY_COLUMNS",
    "VERDICTS",
]

LEVEL = 0.95                # prediction interval
ON_TRACK_P = 0.8
UNLIKELY_P = 0.2
REACH_P = 0.8               # "reachable": the value reached with this probability
MIN_POINTS = 3
SHARE_LOW, SHARE_HIGH = 0.5, 99.5
CONTINUITY = 0.5            # events added to a zero count before the log

VERDICTS = ("already_met", "on_track", "needs_acceleration", "unlikely", "too_uncertain", "insufficient_data",
            "no_history")
WIDE_SHARE = 0.5            # a prediction interval wider than this share of the scale: too uncertain
FEASIBILITY_COLUMNS = [
    "unit", "indicator", "year", "target_op", "target", "national_target", "last_value", "last_year",
    "n_points", "slope", "projected", "pi_low", "pi_high", "p_met", "k", "verdict", "reachable",
    "below_national", "weaker_than_earlier", "break_year", "chow_p", "caveats", "note",
]


# --------------------------------------------------------------------------- vectorised fitter


def fit_lines(group, t, y, w=None, n_groups: int | None = None) -> dict[str, np.ndarray]:
    """Least-squares lines ``y = a + b t`` for many series at once (closed form, grouped sums).

    ``group`` holds integer series codes 0..G-1 (one per point), ``t`` the years, ``y`` the
    (transformed) values and ``w`` optional weights (None: OLS). Sums per series with
    ``np.bincount``: W = Σw, t̄ = Σwt/W, ȳ = Σwy/W, Stt = Σw(t − t̄)², Sty = Σw(t − t̄)(y − ȳ),
    slope b = Sty/Stt, RSS = Σw(y − ȳ − b(t − t̄))², s² = RSS/(n − 2).

    Returns arrays of length G: n, W, t_mean, y_mean, stt, slope, rss, df (n − 2), s2. Series with
    fewer than 2 distinct years get a NaN slope; fewer than 3 points a NaN s².
    """
    g = np.asarray(group, dtype=np.int64)
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones_like(t) if w is None else np.asarray(w, dtype=float)
    G = int(n_groups if n_groups is not None else (g.max() + 1 if g.size else 0))
    n = np.bincount(g, minlength=G).astype(float)
    W = np.bincount(g, w, minlength=G)
    with np.errstate(divide="ignore", invalid="ignore"):
        tbar = np.bincount(g, w * t, minlength=G) / W
        ybar = np.bincount(g, w * y, minlength=G) / W
        dt = t - tbar[g]
        dy = y - ybar[g]
        stt = np.bincount(g, w * dt * dt, minlength=G)
        sty = np.bincount(g, w * dt * dy, minlength=G)
        slope = np.where(stt > 0, sty / np.where(stt > 0, stt, 1.0), np.nan)
        e = dy - slope[g] * dt
        rss = np.bincount(g, w * e * e, minlength=G)
        df = n - 2.0
        s2 = np.where(df > 0, rss / np.where(df > 0, df, 1.0), np.nan)
    return {"n": n, "W": W, "t_mean": tbar, "y_mean": ybar, "stt": stt, "slope": slope, "rss": rss,
            "df": df, "s2": s2}


def predict_lines(fit: dict[str, np.ndarray], idx, T, level: float = LEVEL, w_new=1.0):
    """Prediction at year ``T`` for the series ``idx`` of ``fit`` (from :func:`fit_lines`).

    ``ŷ = ȳ + b (T − t̄)``; ``se_pred = sqrt(s² (1/w_new + 1/W + (T − t̄)²/Stt))`` (a new
    observation with weight ``w_new``; 1 = the mean weight when weights are normalised to mean 1);
    bounds ``ŷ ± t_{(1+level)/2, n−2} se_pred``. Returns ``(yhat, se_pred, low, high, df)`` on the
    fitted scale; NaN where the series has fewer than 3 points.
    """
    idx = np.asarray(idx, dtype=np.int64)
    T = np.asarray(T, dtype=float)
    ok = idx >= 0
    j = np.where(ok, idx, 0)

    def take(a):
        return np.where(ok, a[j] if a.size else np.nan, np.nan)

    tbar, ybar, b, s2, W, stt, df = (take(fit[k]) for k in
                                      ("t_mean", "y_mean", "slope", "s2", "W", "stt", "df"))
    with np.errstate(divide="ignore", invalid="ignore"):
        yhat = ybar + b * (T - tbar)
        se = np.sqrt(s2 * (1.0 / w_new + 1.0 / W + (T - tbar) ** 2 / stt))
        q = _sp.stdtrit(np.where(df > 0, df, np.nan), 0.5 + level / 2.0)
    return yhat, se, yhat - q * se, yhat + q * se, df


def _forward(x, share) -> np.ndarray:
    """ln(x) for rates and ratios; logit(x/100) for shares (x clipped to [0.5, 99.5] first)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        xc = np.clip(x, SHARE_LOW, SHARE_HIGH)
        lg = np.log(xc / (100.0 - xc))
        ln = np.log(np.where(x > 0, x, np.nan))
    return np.where(share, lg, ln)


def _inverse(y, share) -> np.ndarray:
    """exp(y), or 100 / (1 + exp(−y)) for shares (never outside 0-100%)."""
    y = np.asarray(y, dtype=float)
    with np.errstate(over="ignore"):
        return np.where(share, 100.0 / (1.0 + np.exp(-y)), np.exp(y))


def assess_series(series: pd.DataFrame, rows: pd.DataFrame, breaks: pd.Series | None = None
                  ) -> pd.DataFrame:
    """Fit, project and judge prepared series (the vectorised core of :func:`feasibility`).

    ``series``: a DataFrame (or a dict of equal-length arrays), one row per point with ``key``
    (hashable series id), ``year``, ``value``,
    ``share`` (bool: logit scale, else ln), optional ``weight`` (NaN/absent: OLS for that series;
    weights are normalised to mean 1 within each fitted series) and optional ``raw`` (the value as
    observed, shown as last_value and compared with the target, when ``value`` was corrected).
    ``rows``: one row per judgement with ``key``, ``T`` (target year), ``op`` and ``target``.
    ``breaks``: optional mapping key → break year (fit on years ≥ break; Chow test on all).

    Returns ``rows`` (same order and index) with: last_value, last_year, n_points, slope,
    projected, pi_low, pi_high, p_met, k, reachable, met_now, break_year, chow_p, chow_missing,
    clipped (a share value outside [0.5, 99.5]% in the series), target_clipped, and from the
    optional point columns ``low``, ``high``, ``events`` (the 95% interval and events of each
    value): last_low, last_high, last_events and mean_events (per fitted year). No verdict here
    (see :func:`feasibility`).
    """
    n = len(series["key"])

    def col(name, like=None):
        if name in series:
            return np.asarray(series[name], dtype=float)
        return np.full(n, np.nan) if like is None else col(like)

    value, year = col("value"), col("year")
    ok = np.isfinite(value)
    keys = np.asarray(series["key"])[ok]
    if keys.dtype.kind in "iu" and len(keys) and keys.min() >= 0 and keys.max() < 4 * len(keys):
        present = np.bincount(keys) > 0             # dense whole-number keys: no hashing
        uniq, codes = np.flatnonzero(present), (np.cumsum(present) - 1)[keys]
    else:
        codes, uniq = pd.factorize(keys, sort=True)
    G = len(uniq)
    order = np.lexsort((year[ok], codes))        # each series in a run, its years in order
    at = np.flatnonzero(ok)[order]
    codes = codes[order]
    share_s = np.asarray(series["share"], dtype=bool)[at]
    year = year[at]
    val = value[at]
    y = _forward(val, share_s)
    ok_y = np.isfinite(y)
    codes, year, val, y, share_s, at = codes[ok_y], year[ok_y], val[ok_y], y[ok_y], share_s[ok_y], at[ok_y]
    wt = col("weight")[at]
    raw = col("raw", like="value")[at]
    p_low, p_high, p_events = (col(c)[at] for c in ("low", "high", "events"))
    clipped_pt = share_s & ((val < SHARE_LOW) | (val > SHARE_HIGH))

    # break years per point: fit on years >= break
    brk = np.full(G, np.nan)
    if breaks is not None and len(breaks):
        brk = pd.Series(breaks).groupby(level=0).max().reindex(uniq).to_numpy(dtype=float)
    bp = brk[codes]
    in_fit = ~(year < bp)  # NaN break: all points

    # weights: a series is weighted only if every point has a finite positive weight
    has_w = np.isfinite(wt) & (wt > 0)
    all_w = np.bincount(codes, ~has_w, minlength=G) == 0

    def norm_weights(mask, grp):
        w = np.where(all_w[codes] & has_w, wt, 1.0)[mask]
        m = np.bincount(grp, w, minlength=G) / np.bincount(grp, minlength=G)
        with np.errstate(divide="ignore", invalid="ignore"):
            return w / m[grp]

    gf = codes[in_fit]
    fit = fit_lines(gf, year[in_fit], y[in_fit], norm_weights(in_fit, gf), G)

    # Chow (1960) test at the break year, on the whole series (same weights in all three fits)
    chow_p = np.full(G, np.nan)
    chow_missing = np.isfinite(brk)
    if np.isfinite(brk).any():
        w_all = norm_weights(np.ones_like(in_fit), codes)
        full = fit_lines(codes, year, y, w_all, G)
        seg = codes * 2 + in_fit.astype(np.int64)
        two = fit_lines(seg, year, y, w_all, 2 * G)
        n1, n2 = two["n"][0::2], two["n"][1::2]
        rss2 = two["rss"][0::2] + two["rss"][1::2]
        dfd = full["n"] - 4.0
        ok = (np.isfinite(brk) & (n1 >= 2) & (n2 >= 2) & (dfd >= 1)
              & np.isfinite(two["slope"][0::2]) & np.isfinite(two["slope"][1::2]))
        with np.errstate(divide="ignore", invalid="ignore"):
            F = ((full["rss"] - rss2) / 2.0) / (rss2 / np.where(dfd >= 1, dfd, 1.0))
            F = np.where(rss2 > 0, np.maximum(F, 0.0), np.inf)
        chow_p = np.where(ok, _sp.fdtrc(2.0, np.where(ok, dfd, 1.0), F), np.nan)
        chow_missing = np.isfinite(brk) & ~ok

    # last observation of each series (the sort above puts it last)
    last = np.r_[codes[1:] != codes[:-1], True] if codes.size else np.zeros(0, bool)
    last_val = np.full(G, np.nan)
    last_year = np.full(G, np.nan)
    last_y = np.full(G, np.nan)
    last_val[codes[last]] = raw[last]
    last_year[codes[last]] = year[last]
    last_y[codes[last]] = y[last]
    last_low, last_high, last_events = (np.full(G, np.nan) for _ in range(3))
    last_low[codes[last]], last_high[codes[last]], last_events[codes[last]] = p_low[last], p_high[last], p_events[last]
    has_e = np.isfinite(p_events) & in_fit
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_events = (np.bincount(codes[has_e], p_events[has_e], minlength=G)
                       / np.bincount(codes[has_e], minlength=G))
    clipped = np.bincount(codes, clipped_pt, minlength=G) > 0

    # rows
    r = rows.copy()
    key_index = pd.Index(uniq)
    idx = key_index.get_indexer(r["key"]) if G else np.full(len(r), -1)
    has = idx >= 0
    j = np.where(has, idx, 0)

    def take(a, fill=np.nan):
        return np.where(has, a[j] if G else fill, fill)

    share_r = r["share"].to_numpy(dtype=bool)
    T = r["T"].to_numpy(dtype=float)
    op = r["op"].to_numpy(dtype=object)
    tv = r["target"].to_numpy(dtype=float)
    up = np.isin(op, _UP)
    tv_y = _forward(tv, share_r)
    tv_clipped = share_r & ((tv < SHARE_LOW) | (tv > SHARE_HIGH))

    yhat, se, lo, hi, df = predict_lines(fit, np.where(has, idx, -1), T)
    n_fit = take(fit["n"], 0.0)
    enough = n_fit >= MIN_POINTS
    lo, hi = np.where(enough, lo, np.nan), np.where(enough, hi, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (tv_y - yhat) / se
        dfv = np.where(enough, df, np.nan)
        p_below = _sp.stdtr(dfv, z)
        p_below = np.where(se == 0, np.where(yhat < tv_y, 1.0, np.where(yhat > tv_y, 0.0, 0.5)),
                           p_below)
        p_met = np.where(up, 1.0 - p_below, p_below)
        p_met = np.where(enough & np.isfinite(tv_y), p_met, np.nan)
        q80 = _sp.stdtrit(dfv, REACH_P)
        reach_y = np.where(up, yhat - q80 * se, yhat + q80 * se)

    slope = take(fit["slope"])
    lv, ly, lyy = take(last_val), take(last_year), take(last_y)
    met_now = has & meets(lv, op, tv)
    with np.errstate(divide="ignore", invalid="ignore"):
        req = (tv_y - lyy) / (T - ly)
        k = np.where((slope != 0) & (T > ly), req / slope, np.nan)
    k = np.where(met_now & np.isfinite(k), 0.0, k)

    r["last_value"] = lv
    r["last_year"] = ly
    r["n_points"] = n_fit.astype(int)
    r["slope"] = slope
    r["projected"] = _inverse(yhat, share_r)
    r["pi_low"] = _inverse(lo, share_r)
    r["pi_high"] = _inverse(hi, share_r)
    r["p_met"] = p_met
    r["k"] = k
    r["reachable"] = np.where(enough, _inverse(reach_y, share_r), np.nan)
    r["met_now"] = met_now
    r["break_year"] = take(brk)
    r["chow_p"] = take(chow_p)
    r["chow_missing"] = take(chow_missing, False).astype(bool)
    r["clipped"] = take(clipped, False).astype(bool)
    r["target_clipped"] = tv_clipped
    r["last_low"], r["last_high"], r["last_events"] = take(last_low), take(last_high), take(last_events)
    r["mean_events"] = take(mean_events)
    return r


# --------------------------------------------------------------------------- the public function


def _history(observations: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Headline observations of the judged strategy for every unit, the province from its areas."""
    prepared = prepare(observations, ref)
    prov = _province(prepared, ref)   # empty without areas, departments or a province row of the tree
    headline = lambda d: (d.breakdown == "").to_numpy(bool) & d.value.notna().to_numpy(bool)  # noqa: E731
    df = prepared[headline(prepared) & (prepared.unit != ref.province).to_numpy(bool)].assign(complete=True)
    if len(prov):
        df = pd.concat([df, prov[headline(prov)][df.columns]], ignore_index=True)
    return df


def _lookup(keys: pd.Series, mapping: pd.Series, fill) -> np.ndarray:
    """``keys.map(mapping)`` through the distinct keys (fast on long columns of few values)."""
    codes, uniq = pd.factorize(keys)
    vals = pd.Series(mapping.reindex(uniq).to_numpy(dtype=object)).where(
        lambda v: v.notna(), fill).to_numpy(dtype=object)
    out = np.append(vals, np.array([fill], dtype=object))  # code -1 (missing key) -> fill
    return out[codes]


def _series_key(units: pd.Series, indicators: pd.Series, series: np.ndarray, u_uni: pd.Index,
                ids: pd.Index) -> np.ndarray:
    """The position in ``series`` (sorted codes: unit position in ``u_uni`` × len(ids) + indicator
    position in ``ids``) of each row's series; -1 where the unit has no series of that indicator."""
    uc, uu = pd.factorize(units)
    ic, iu = pd.factorize(indicators)
    u = np.append(u_uni.get_indexer(pd.Index(uu, dtype=object)), -1)[uc]
    i = np.append(ids.get_indexer(pd.Index(iu, dtype=object)), -1)[ic]
    code = np.where((u >= 0) & (i >= 0), u.astype(np.int64) * len(ids) + i, -1)
    if not len(series):
        return np.full(len(code), -1, dtype=np.int64)
    pos = np.searchsorted(series, code).clip(0, len(series) - 1)
    return np.where((code >= 0) & (series[pos] == code), pos, -1).astype(np.int64)


def _weaker(op: np.ndarray, target: np.ndarray, other) -> np.ndarray:
    """Element-wise: ``target`` asks less than ``other`` (lower for a goal, higher for a ceiling)."""
    other = np.asarray(other, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isin(op, _UP), target < other, np.where(np.isin(op, _DOWN), target > other, False))


def _notes(u: pd.DataFrame, ref: Reference) -> list[str]:
    """The note of each distinct combination of note inputs (see the end of :func:`feasibility`): a few
    hundred rows, so plain Python."""
    hist, first, last = ref.review.strategy, ref.review.fit_first, ref.review.fit_last
    notes = []
    for r in u.itertuples(index=False):
        said = [
            r.no_history and f"no {hist} predecessor: a baseline must be collected",
            r.no_obs and f"no {hist} observations of predecessor {r.pred}",
            r.insufficient and f"only {r.n_points} point(s) in the fit; at least 3 are needed",
            r.already and f"already met in {r.yr}; the target may lack ambition",
            r.brk and f"fit on {r.by}-{r.yr} only (break in {r.by})",
            r.chow and "Chow test not computed (needs 2 points on each side of the break and 5 in all)",
            r.weighted and "weighted least squares (weights = denominator)",
            r.clipped and "share values clipped to [0.5, 99.5]% before the logit",
            r.tclip and f"target taken as {float(r.tval)}% on the logit scale",
            r.n_fixed > 0 and f"{r.n_fixed} zero value(s) set to 0.5 events over the denominator "
                              "(continuity correction) before the log",
            r.n_dropped > 0 and f"{r.n_dropped} non-positive value(s) left out of the log fit",
            r.n_late > 0 and f"{r.n_late} observation(s) after {last} not used",
            r.n_early > 0 and f"{r.n_early} observation(s) before {first} shown, not fitted",
            r.n_partial > 0 and f"{r.n_partial} year(s) with a sum of only some areas not used",
            r.away and f"the {hist} trend moves away from the target",
            r.small and "too uncertain to project: fewer than 20 events a year on average",
            r.wide and "too uncertain to project: the 95% prediction interval is wider than half the scale",
            r.unsure_met and "the last value meets the target, but not beyond chance",
            r.floored and "the projection is bounded at the natural level",
            r.term and "a term-based indicator: elections, not a yearly trend, move it; no projection",
        ]
        notes.append("; ".join(x for x in said if x))
    return notes


CAVEATS = ("no_history", "no_obs", "insufficient", "already", "brk", "chow", "clipped", "tclip", "n_fixed",
           "n_dropped", "n_late", "n_early", "n_partial", "away", "small", "wide", "unsure_met", "floored", "term")
_COUNTED = ("n_fixed", "n_dropped", "n_late", "n_early", "n_partial")


def _caveats(u: pd.DataFrame) -> list[str]:
    """The caveats of each distinct combination as codes ("brk:2016;n_late:1;away"): the words are
    made when presenting, in the report's language."""
    def code(r, name):
        x = getattr(r, name)
        if name in _COUNTED:
            return f"{name}:{x}" if x > 0 else ""
        if name == "brk":
            return f"brk:{r.by}" if x else ""
        if name == "insufficient":
            return f"insufficient:{r.n_points}" if x else ""
        return name if x else ""
    return [";".join(c for c in (code(r, n) for n in CAVEATS) if c) for r in u.itertuples(index=False)]


def feasibility(observations: pd.DataFrame, ref: Reference, targets: pd.DataFrame | None = None, *,
                breaks: pd.DataFrame | None = None, weighted: bool = True) -> pd.DataFrame:
    """Can each unit reach the next strategy's targets on its trend? (docs/methods.md §5)

    One row per unit × next-strategy indicator × target year, with the columns of
    :data:`FEASIBILITY_COLUMNS`: unit, indicator, year, target_op, target, national_target,
    last_value, last_year, n_points, slope (annual change of ln x, or of logit(x/100) for shares),
    projected, pi_low, pi_high (95% prediction interval), p_met, k (required / historical pace,
    UNICEF/WHO ARR), verdict, reachable (value reached with 80% probability by that year),
    below_national, break_year, chow_p, note. See the module docstring for the methods (log /
    logit OLS trend, OLS prediction interval, Student-t probability, ARR ratio, Chow 1960 test).

    * The series of an indicator is its ``history`` (``ref.next``): its catalogue ``predecessor``'s
      observations, or its own when the review checks the judged strategy's own later targets (a
      mid-term review); the judged strategy, headline breakdown "", the review's trend window, per unit; the province is built by :func:`progress.province_values`.
      Indicators without a predecessor get ``no_history``.
    * ``targets=None``: the national targets (catalogue, the next strategy) for every unit that
      has any history: districts (and units not in the unit table, as in ``progress``) get the
      indicators collected at district level, departments the indicators they are responsible
      for, the province every indicator, the national level the indicators it has a series for;
      every unit also gets each indicator it has a series for. Otherwise ``targets`` has columns unit, indicator, year, value (as
      ``load_proposed_targets``); rows with no value are skipped; the operator comes from the
      catalogue (for a year without a national target, the operator of the indicator's latest one).
    * ``breaks``: optional DataFrame (unit, indicator, year) of known breaks, ``indicator`` being
      the next strategy's id; the fit then uses the years from the break on, and ``chow_p`` tests
      the break on the whole series. None: the review's breaks (``ref.breaks``).
    * ``weighted``: weighted least squares (weights = denominator) for series whose every point
      has numerator and denominator; False fits every series by OLS.
    """
    if breaks is None:
        breaks = ref.breaks
    ind, ind_hist = ref.next, ref.judged
    tg = ref.next_targets[ref.next_targets.year.isin(ref.review.feasibility_years)]

    # ---- series: the history of each next-strategy indicator (its predecessor's observations, or its
    # own in a mid-term review), per unit. Units and indicators are integer codes from here on: the
    # columns are long (every commune of a country) and hold few distinct values.
    hist = _history(observations, ref)
    ids = pd.Index(ind.index.astype(str), dtype=object)
    n_ids = len(ids)
    p_code, p_uni = pd.factorize(hist.indicator)
    p_uni = pd.Index(p_uni, dtype=object)
    links = ind.history.dropna()
    link_pred, link_next = p_uni.get_indexer(links.to_numpy()), ids.get_indexer(links.index.astype(str))
    pick = [(np.flatnonzero(p_code == j), n) for j, n in zip(link_pred, link_next, strict=True) if j >= 0]
    at = np.concatenate([x for x, _ in pick] + [np.zeros(0, dtype=np.int64)])
    nxt = np.concatenate([np.full(len(x), n) for x, n in pick] + [np.zeros(0, dtype=np.int64)])
    order = np.argsort(at, kind="stable")   # the observations' order, a row per indicator it is the history of
    at, nxt = at[order], nxt[order]
    pc = p_code[at]
    u_code, u_uni = pd.factorize(hist.unit)
    u_uni = pd.Index(u_uni, dtype=object)
    unit = u_code[at]
    year = hist.year.to_numpy()[at]
    num = hist.numerator.to_numpy(float)[at]
    den = hist.denominator.to_numpy(float)[at]
    raw = hist.value.to_numpy(float)[at]
    # the review's own trend window: earlier years are shown, never fitted; later ones are not used;
    # a province sum that lacks some of its areas is no point of the province's trend
    late = year > ref.review.fit_last
    early = year < ref.review.fit_first
    partial = ~hist.complete.to_numpy(bool)[at]
    share = ind.kind.eq("share").to_numpy(bool)[nxt]
    factor = ind_hist.factor.astype(float).reindex(p_uni).to_numpy(float)[pc]
    # each value's 95% interval and events, to say how sure "already met" is and whether a series
    # is one of small numbers; the interval method is the predecessor's
    p_method = ind_hist.interval.reindex(p_uni).fillna("none").astype(str).to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        nonpos = ~share & (raw <= 0)
        fix = nonpos & (num == 0) & (den > 0) & np.isfinite(factor)
        value = np.where(fix, factor * CONTINUITY / np.where(den > 0, den, np.nan), raw)
    dropped = nonpos & ~fix
    weight = np.where(weighted & np.isfinite(num) & (den > 0), den, np.nan)
    m_code, m_uni = pd.factorize(np.append(p_method, "none"))
    row_m = np.where(np.isfinite(num) & np.isfinite(den), m_code[pc], m_code[-1])
    low, high = stats.value_interval(pd.Categorical.from_codes(row_m, categories=m_uni), num, den, factor)
    counted = np.isin(p_method, ["poisson", "wilson", "srb"])[pc]
    events = np.where(counted, np.where(p_method[pc] == "srb", np.fmin(num, den), num), np.nan)

    # one series per unit × next-strategy indicator, numbered in the order of (unit code, indicator)
    series, key = np.unique(unit.astype(np.int64) * n_ids + nxt, return_inverse=True)
    n_series = len(series)
    usable = ~late & ~dropped & ~early & ~partial
    g = key[usable]
    per = pd.DataFrame({"key": np.arange(n_series), "unit": u_uni.to_numpy()[series // n_ids],
                        "indicator": ids.to_numpy()[series % n_ids]})
    per["n_late"] = np.bincount(key, late, minlength=n_series).astype(int)
    per["n_fixed"] = np.bincount(key, fix, minlength=n_series).astype(int)
    per["n_dropped"] = np.bincount(key, dropped, minlength=n_series).astype(int)
    per["n_early"] = np.bincount(key, early, minlength=n_series).astype(int)
    per["n_partial"] = np.bincount(key, partial, minlength=n_series).astype(int)
    per["method"] = p_method[pc[first_rows(key, n_series)]] if len(key) else np.zeros(0, dtype=object)
    n_used = np.bincount(g, minlength=n_series)
    n_w = np.bincount(g, np.isfinite(weight[usable]), minlength=n_series)
    per["weighted"] = (n_used > 0) & (n_w == n_used)

    # ---- judgement rows
    if targets is None:
        rows = _national_rows(series, u_uni, ids, tg, ref)
    else:
        rows = _proposed_rows(targets, ind, tg, ref)
    rows["predecessor"] = _lookup(rows.indicator, ind.history, None)
    rows["has_pred"] = rows.predecessor.notna().to_numpy()
    rows["share"] = _lookup(rows.indicator, ind.kind.eq("share"), False).astype(bool)

    rows["key"] = _series_key(rows.unit, rows.indicator, series, u_uni, ids)

    # ---- breaks, on the series key
    brk = None
    if breaks is not None and len(breaks):
        b = breaks.assign(unit=breaks.unit.astype(str), indicator=breaks.indicator.astype(str))
        b = b.assign(key=_series_key(b.unit, b.indicator, series, u_uni, ids))
        b = b[b.key >= 0]
        brk = pd.Series(b.year.astype(float).to_numpy(), index=b.key.to_numpy())

    ser = {"key": g, "year": year[usable], "value": value[usable], "raw": raw[usable], "share": share[usable],
           "weight": weight[usable], "low": low[usable], "high": high[usable], "events": events[usable]}
    rr = pd.DataFrame({"key": rows.key.to_numpy(), "T": rows.year.to_numpy(),
                       "op": rows.target_op.to_numpy(), "target": rows.target.to_numpy(),
                       "share": rows.share.to_numpy()})
    res = assess_series(ser, rr, brk)
    res.index = rows.index
    out = pd.concat([rows, res.drop(columns=["key", "T", "op", "target", "share"])], axis=1)
    out = out.merge(per.drop(columns=["unit", "indicator"]), on="key", how="left")

    # ---- verdicts (docs/methods.md §5)
    p = out.p_met.to_numpy(dtype=float)
    n = out.n_points.to_numpy()
    has_obs = out.last_value.notna().to_numpy()
    opv = out.target_op.to_numpy(dtype=object)
    tv = out.target.to_numpy(dtype=float)
    # "already met" needs a met value that the statistics do not doubt (firm, or an exact count)
    sure_now = np.isin(qualify(out.last_value, opv, tv, np.nan, out.last_low, out.last_high,
                               out.method.fillna("none"), out.last_events), ["firm", "exact"])
    met_now = out.met_now.to_numpy(dtype=bool)
    by_term = [i for i, e in ind_hist.election_years.items() if e is not None and len(e)]   # elected bodies
    term = out.predecessor.isin(by_term).to_numpy(bool)
    # too uncertain to project: a series of small numbers, or a 95% prediction interval wider than
    # half the scale (0-100 for shares; else the target or the last value, whichever is larger)
    scale = np.where(out.share.to_numpy(bool), 100.0, np.fmax(np.abs(tv), np.abs(out.last_value.to_numpy(float))))
    width = (out.pi_high - out.pi_low).to_numpy(float)
    small = stats.unstable(out.mean_events, SMALL_NUMBERS)   # fewer than 20 events a year on average
    wide = width > WIDE_SHARE * scale
    enough = n >= MIN_POINTS
    verdict = np.select(
        [~out.has_pred.to_numpy(dtype=bool), ~has_obs | term, met_now & sure_now, ~enough | ~np.isfinite(p),
         small | wide, p >= ON_TRACK_P, p >= UNLIKELY_P],
        ["no_history", "insufficient_data", "already_met", "insufficient_data", "too_uncertain", "on_track",
         "needs_acceleration"], default="unlikely")
    out["verdict"] = verdict
    # no projection where there is none to show (too few points, too uncertain, no history)
    none = np.isin(verdict, ["no_history", "insufficient_data", "too_uncertain"])
    for c in ("projected", "pi_low", "pi_high", "p_met", "k", "reachable"):
        out[c] = out[c].where(~none)
    # a bounded scale: a sex ratio at birth is never projected below the natural level (catalogue ``floor``)
    floor = (_lookup(out.indicator, ind.floor, np.nan).astype(float) if "floor" in ind
             else np.full(len(out), np.nan))
    floored = np.isfinite(floor) & (out.pi_low.to_numpy(float) < floor)
    for c in ("projected", "pi_low", "pi_high", "reachable"):
        out[c] = np.where(np.isfinite(floor), np.fmax(out[c].to_numpy(float), floor), out[c].to_numpy(float))
        out[c] = out[c].where(~none)
    away = ~none & (verdict != "already_met") & (out.k < 0).to_numpy()
    nat = out.national_target.to_numpy(dtype=float)
    out["below_national"] = _weaker(opv, tv, nat) & np.isfinite(nat)
    # a proposal for the horizon weaker than the same unit's proposal for an earlier year
    if targets is not None:
        first = out.groupby(["unit", "indicator"]).target.transform("first")
        out["weaker_than_earlier"] = _weaker(opv, tv, first)
    else:
        out["weaker_than_earlier"] = False

    # ---- notes: built once per distinct combination of what they say (a few hundred), then spread
    has_pred = out.has_pred.to_numpy(bool)
    brk = has_pred & out.break_year.notna().to_numpy()
    already = verdict == "already_met"
    insufficient = (verdict == "insufficient_data") & has_obs & ~term  # a term-based series says why itself
    tclip = has_pred & has_obs & out.target_clipped.to_numpy(bool)
    nf = pd.DataFrame({
        "no_history": verdict == "no_history",
        "no_obs": has_pred & ~has_obs,
        "pred": np.where(has_pred & ~has_obs, out.predecessor.fillna("").astype(str), ""),
        "insufficient": insufficient,
        "n_points": np.where(insufficient, out.n_points.fillna(0), -1).astype(int),
        "already": already,
        "brk": brk,
        "yr": np.where(already | brk, out.last_year.fillna(-1), -1).astype(int),
        "by": np.where(brk, out.break_year.fillna(-1), -1).astype(int),
        "chow": out.chow_missing.to_numpy(bool),
        "weighted": has_pred & out.weighted.fillna(False).astype(bool).to_numpy(),
        "clipped": has_pred & out.clipped.to_numpy(bool),
        "tclip": tclip,
        "tval": np.where(tclip, out.target.clip(SHARE_LOW, SHARE_HIGH), -1.0),
        "n_fixed": out.n_fixed.fillna(0).astype(int).to_numpy(),
        "n_dropped": out.n_dropped.fillna(0).astype(int).to_numpy(),
        "n_late": out.n_late.fillna(0).astype(int).to_numpy(),
        "n_early": out.n_early.fillna(0).astype(int).to_numpy(),
        "n_partial": out.n_partial.fillna(0).astype(int).to_numpy(),
        "away": away,
        "small": (verdict == "too_uncertain") & small,
        "wide": (verdict == "too_uncertain") & ~small & wide,
        "unsure_met": met_now & ~sure_now & has_obs,
        "floored": ~none & floored,
        "term": has_pred & term,
    })
    codes = nf.groupby(list(nf.columns), sort=False).ngroup().to_numpy()  # numbered in order of first appearance
    uniq = nf.iloc[first_rows(codes, codes.max() + 1 if len(codes) else 0)].reset_index(drop=True)
    out["note"] = np.array(_notes(uniq, ref), dtype=object)[codes]
    out["caveats"] = np.array(_caveats(uniq), dtype=object)[codes]

    out["last_year"] = out.last_year.astype("Int64")
    out["break_year"] = out.break_year.astype("Int64")
    out["n_points"] = out.n_points.astype(int)
    out["year"] = out.year.astype(int)
    out["below_national"] = out.below_national.astype(bool)
    out = out.sort_values(["unit", "indicator", "year"], kind="stable")
    return out[FEASIBILITY_COLUMNS].reset_index(drop=True)


def _national_rows(series: np.ndarray, u_uni: pd.Index, ids: pd.Index, tg: pd.DataFrame,
                   ref: Reference) -> pd.DataFrame:
    """Units with history × the indicators expected of them × national targets.

    ``series``: the sorted codes (unit position in ``u_uni`` × len(ids) + indicator position in ``ids``)
    of the series there are."""
    cols = ["unit", "indicator", "year", "target_op", "target", "national_target"]
    if not len(series):
        return pd.DataFrame(columns=cols).astype({"year": int, "target": float,
                                                  "national_target": float})
    ind, n_ids, area = ref.next, len(ids), ref.units.area_level
    hu = np.sort(pd.unique(series // n_ids))            # the units that have a series
    grid = (hu[:, None] * n_ids + np.arange(n_ids)).ravel()
    level = ref.units.table.set_index("code").level.reindex(u_uni[hu]).fillna(area).to_numpy()  # unknown: areas
    level = np.repeat(level, n_ids)
    dl = np.tile(ind.district_level.reindex(ids).fillna(False).to_numpy(bool), len(hu))
    ans = ref.next_answers
    au, ai = u_uni.get_indexer(ans.unit.astype(str)), ids.get_indexer(ans.indicator.astype(str))
    own = np.isin(grid, (au * n_ids + ai)[(au >= 0) & (ai >= 0)])
    keep = (np.isin(grid, series) | (level == "province") | ((level == area) & dl)
            | ((level == "sector") & own))
    grid = grid[keep]
    # each kept unit × indicator, once per national target of the indicator
    t = tg.assign(i=ids.get_indexer(tg.id.astype(str)))
    t = t[t.i >= 0].sort_values(["i", "year"], kind="stable")
    counts = np.bincount(t.i, minlength=n_ids)
    start = np.cumsum(counts) - counts
    g_i = grid % n_ids
    r = np.repeat(np.arange(len(grid)), counts[g_i])
    ti = start[g_i][r] + (np.arange(len(r)) - np.repeat(np.cumsum(counts[g_i]) - counts[g_i], counts[g_i]))
    rows = pd.DataFrame({
        "unit": u_uni.to_numpy()[grid[r] // n_ids], "indicator": ids.to_numpy()[g_i[r]],
        "year": t.year.to_numpy()[ti].astype(int), "target_op": t.op.to_numpy(dtype=object)[ti],
        "target": t.value.to_numpy(float)[ti]})
    rows["national_target"] = rows.target
    return rows[cols]


def _proposed_rows(targets: pd.DataFrame, ind: pd.DataFrame, tg: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Proposed targets with the catalogue's operator and the national target of the same year."""
    t = targets[["unit", "indicator", "year", "value"]].copy()
    t["unit"] = t.unit.astype(str)
    t["indicator"] = t.indicator.astype(str)
    t = t[t.value.notna()]
    unknown = sorted(set(t.indicator) - set(ind.index))
    if unknown:
        raise ValueError(f"targets name indicator(s) {unknown} that are not {ref.review.feasibility_strategy} indicators "
                         f"of the catalogue; expected one of {sorted(ind.index)}")
    t["year"] = t.year.astype(int)
    nat = tg.rename(columns={"id": "indicator", "op": "target_op", "value": "national_target"})
    rows = t.rename(columns={"value": "target"}).merge(
        nat[["indicator", "year", "target_op", "national_target"]], on=["indicator", "year"],
        how="left")
    fallback = nat.sort_values("year").drop_duplicates("indicator", keep="last").set_index(
        "indicator").target_op
    rows["target_op"] = rows.target_op.fillna(rows.indicator.map(fallback))
    rows["target"] = rows.target.astype(float)
    rows["national_target"] = rows.national_target.astype(float)
    return rows[["unit", "indicator", "year", "target_op", "target", "national_target"]]

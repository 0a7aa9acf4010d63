"""Small, vectorised statistics behind the verdicts of gender_metrics.

Every function takes numpy arrays, pandas Series or scalars (broadcast together) and returns
numpy arrays of float (or bool / object for flags and labels). No function loops over elements in
Python, and none raises on missing data: a NaN input, or a zero number of trials / births, gives
NaN (or the "not computed" label), never an exception or a RuntimeWarning.

Methods (see ``docs/methods.md`` in the repository):

* :func:`wilson_interval` - Wilson (1927) score interval for a proportion, identical to
  ``statsmodels.stats.proportion.proportion_confint(..., method="wilson")``.
* :func:`poisson_interval` - exact Garwood (1936) interval for a Poisson count, through the
  chi-square quantiles (``statsmodels.stats.rates.confint_poisson(..., method="exact-c")``).
* :func:`srb_interval` - sex ratio at birth: Wilson interval on p = boys / (boys + girls),
  mapped to boys per 100 girls by 100 p / (1 - p).
* :func:`value_interval` - dispatches one of the above per row, on the indicator's scale.
* :func:`unstable` - small-number flag: fewer than 20 events (relative standard error > 22%).
* :func:`cagr` and :func:`pace_class` - Eurostat SDG monitoring / Open SDG (sdg-build
  ``sdg/ProgressMeasure.py``) compound annual growth rate and growth-ratio progress classes.
* :func:`eb_smooth` - global empirical Bayes shrinkage of rates (Marshall 1991; pysal/esda
  ``Empirical_Bayes``), for ranking and maps only, never for verdicts.
* :func:`modified_zscore` - Iglewicz & Hoaglin (1993) modified z-score for outlier review.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rules import OPS as _OPS
from .rules import meets


def _sp():
    """``scipy.special``, imported on first use: a module that imports this one for its names (the batch
    runner's parent, the index page) does not pay its 0.2 s."""
    from scipy import special

    return special

__all__ = [
    "wilson_interval",
    "poisson_interval",
    "srb_interval",
    "value_interval",
    "unstable",
    "cagr",
    "pace_class",
    "PACE_LABELS",
    "change_pvalue",
    "eb_smooth",
    "modified_zscore",
]

#: Labels returned by :func:`pace_class`.
PACE_LABELS = (
    "target_met",
    "significant",
    "moderate",
    "insufficient",
    "moving_away",
    "not_computed",
)

#: Replacement for a zero base value in growth rates (Open SDG / Eurostat convention).
ZERO_BASE = 0.001

#: Growth-ratio cut-offs (Eurostat / Open SDG quantitative-target method).
RR_SIGNIFICANT = 0.95
RR_MODERATE = 0.6

_INTERVAL_METHODS = ("wilson", "poisson", "srb", "none")


# --------------------------------------------------------------------------- helpers


def _as_float(x) -> np.ndarray:
    """Convert a scalar, list, numpy array or pandas Series (incl. nullable dtypes) to float."""
    if isinstance(x, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        return np.asarray(x.to_numpy(dtype=float, na_value=np.nan), dtype=float)
    if x is None:
        return np.asarray(np.nan, dtype=float)
    arr = np.asarray(x)
    if arr.dtype == object:
        return (
            pd.to_numeric(pd.Series(arr.ravel()), errors="coerce")
            .to_numpy(float)
            .reshape(arr.shape)
        )
    return arr.astype(float)


def _label_codes(x, shape) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as (codes broadcast to ``shape``, distinct labels cleaned: lower-case, stripped; missing = '')."""
    if isinstance(x, str) or x is None:
        arr = np.array([x], dtype=object)
    elif isinstance(x, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        arr = x
    else:
        arr = np.asarray(x, dtype=object).ravel()
    codes, uniq = pd.factorize(arr)   # the labels are few: clean each distinct one once
    clean = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype(str).str.strip().str.lower()
    labels = np.append(clean.to_numpy(dtype=object), np.array([""], dtype=object))   # code -1 (missing): ''
    codes = np.where(codes < 0, len(labels) - 1, codes)
    if isinstance(x, str) or x is None or np.ndim(x) == 0:
        return np.broadcast_to(codes.reshape(()), shape), labels
    return np.broadcast_to(codes.reshape(np.shape(x)), shape), labels


def _as_labels(x, shape) -> np.ndarray:
    """Strings (lower-case, stripped) broadcast to ``shape``; missing values become ''."""
    codes, labels = _label_codes(x, shape)
    return labels[codes.ravel()].reshape(codes.shape)


def _z(alpha) -> np.ndarray:
    """Two-sided normal quantile z_{1 - alpha/2}."""
    return _sp().ndtri(1.0 - _as_float(alpha) / 2.0)


# --------------------------------------------------------------------------- intervals


def wilson_interval(successes, trials, alpha=0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (Wilson 1927).

    Same formula as ``statsmodels.stats.proportion.proportion_confint(count, nobs, alpha,
    method="wilson")``::

        p = x / n,  z = z_{1-alpha/2}
        centre = (p + z^2 / (2n)) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))

    Bounds are clipped to [0, 1] (exactly 0 for x = 0 and 1 for x = n). NaN, ``trials <= 0``, negative successes or
    ``successes > trials`` give NaN.

    Returns ``(low, high)`` as proportions in [0, 1].
    """
    x, n, z = np.broadcast_arrays(_as_float(successes), _as_float(trials), _z(alpha))
    valid = np.isfinite(x) & np.isfinite(n) & (n > 0) & (x >= 0) & (x <= n) & np.isfinite(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        ns = np.where(valid, n, 1.0)
        p = np.where(valid, x, 0.0) / ns
        z2 = z * z
        denom = 1.0 + z2 / ns
        centre = (p + z2 / (2.0 * ns)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / ns + z2 / (4.0 * ns * ns))
    # x = 0 and x = n give exactly 0 and 1 analytically; pin them against rounding (~1e-17).
    low = np.where(valid, np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0)), np.nan)
    high = np.where(valid, np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0)), np.nan)
    return low, high


def poisson_interval(count, alpha=0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood 1936) confidence interval for a Poisson count.

    ``low = chi2.ppf(alpha/2, 2k) / 2`` (0 when k = 0) and
    ``high = chi2.ppf(1 - alpha/2, 2k + 2) / 2``, as statsmodels
    ``confint_poisson(..., method="exact-c")``. NaN or negative counts give NaN.

    Returns ``(low, high)`` on the count scale (divide by the exposure for a rate).
    """
    k, a = np.broadcast_arrays(_as_float(count), _as_float(alpha))
    valid = np.isfinite(k) & (k >= 0) & np.isfinite(a) & (a > 0) & (a < 1)
    ks = np.where(valid, k, 1.0)
    as_ = np.where(valid, a, 0.05)
    inverse = None
    if ks.size > 64 and np.all(as_ == as_.flat[0]):   # long columns of counts hold few distinct values
        ks, inverse = np.unique(ks, return_inverse=True)
        as_ = np.full(ks.shape, as_.flat[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        # chi2.ppf(q, 2k) / 2 is the inverse of the regularised lower incomplete gamma function
        low = np.where(ks > 0, _sp().gammaincinv(np.maximum(ks, 1e-300), as_ / 2.0), 0.0)
        high = _sp().gammaincinv(ks + 1.0, 1.0 - as_ / 2.0)
    if inverse is not None:
        low, high = low[inverse].reshape(k.shape), high[inverse].reshape(k.shape)
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def srb_interval(boys, girls, alpha=0.05) -> tuple[np.ndarray, np.ndarray]:
    """Interval for the sex ratio at birth, in boys per 100 girls.

    Wilson (1927) score interval on p = boys / (boys + girls) (statsmodels
    ``proportion_confint(method="wilson")``), transformed by 100 p / (1 - p); the map is monotone,
    so the bounds carry over. NaN or no births give NaN; no girls gives an upper bound of +inf.

    Against a ceiling X the verdict is on the value; it is firm only if the whole interval lies on
    the same side of X, else uncertain (docs/methods.md section 4).
    """
    b, g = np.broadcast_arrays(_as_float(boys), _as_float(girls))
    valid = (b >= 0) & (g >= 0)  # False for NaN
    n = np.where(valid, b + g, np.nan)
    lo_p, hi_p = wilson_interval(b, n, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = 100.0 * lo_p / (1.0 - lo_p)
        high = 100.0 * hi_p / (1.0 - hi_p)
    return np.asarray(low), np.asarray(high)


def value_interval(
    method, numerator, denominator, factor, alpha=0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of an indicator value, on the indicator's scale, row by row.

    ``method`` gives one interval method per row (a string applies to all rows):

    * ``"wilson"``  - ``factor * wilson_interval(numerator, denominator)`` (Wilson 1927);
    * ``"poisson"`` - ``factor * poisson_interval(numerator) / denominator`` (exact Garwood);
    * ``"srb"``     - ``srb_interval(numerator, denominator)`` (numerator = boys, denominator =
      girls; the result is already in boys per 100 girls, so ``factor`` is not applied);
    * ``"none"``    - NaN (indicators without a sampling model, e.g. reported-only values).

    Missing methods (None/NaN/'') give NaN; an unknown method string raises ``ValueError`` (a
    catalogue typo should not pass silently). Rows are handled with one boolean mask per method.
    """
    num, den, fac = np.broadcast_arrays(
        _as_float(numerator), _as_float(denominator), _as_float(factor)
    )
    shape = np.broadcast_shapes(num.shape, np.shape(method) if not isinstance(method, str) else ())
    num, den, fac = (np.broadcast_to(a, shape) for a in (num, den, fac))
    codes, labels = _label_codes(method, shape)   # masks on integer codes: long columns, few methods
    unknown = sorted(set(labels[pd.unique(codes.ravel())].tolist()) - {"", *_INTERVAL_METHODS})
    if unknown:
        raise ValueError(
            f"unknown interval method(s) {unknown}; expected one of {_INTERVAL_METHODS}"
        )

    low = np.full(shape, np.nan)
    high = np.full(shape, np.nan)

    m = codes == _code(labels, "wilson")
    if m.any():
        lo, hi = wilson_interval(num[m], den[m], alpha)
        low[m], high[m] = fac[m] * lo, fac[m] * hi

    m = codes == _code(labels, "poisson")
    if m.any():
        lo, hi = poisson_interval(num[m], alpha)
        d = np.where(den[m] > 0, den[m], np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            low[m], high[m] = fac[m] * lo / d, fac[m] * hi / d

    m = codes == _code(labels, "srb")
    if m.any():
        low[m], high[m] = srb_interval(num[m], den[m], alpha)

    return low, high


def _code(labels: np.ndarray, name: str) -> int:
    hit = np.flatnonzero(labels == name)
    return int(hit[0]) if len(hit) else -2


def unstable(events, threshold=20) -> np.ndarray:
    """Small-number flag: True where ``events < threshold`` (default 20).

    Under a Poisson model the relative standard error of a rate is 1/sqrt(events), which exceeds
    22% below 20 events (NCHS / CDC WONDER convention). NaN events give False (nothing to flag).
    """
    e = _as_float(events)
    with np.errstate(invalid="ignore"):
        return np.asarray(e < _as_float(threshold), dtype=bool)


def change_pvalue(method, num0, den0, num1, den1) -> np.ndarray:
    """Two-sided p-value of a change between two years (docs/methods.md §4), row by row.

    * ``"wilson"`` (shares): the two-proportion z-test with the pooled proportion,
      ``z = (p1 − p0) / sqrt(p (1 − p) (1/n0 + 1/n1))``;
    * ``"poisson"`` (rare-event rates per denominator): the difference of log rates,
      ``z = ln(r1 / r0) / sqrt(1/e0 + 1/e1)`` (0.5 added to a zero count);
    * ``"srb"`` (boys per 100 girls): the difference of log ratios, ``z = ln(S1 / S0) /
      sqrt(1/b0 + 1/g0 + 1/b1 + 1/g1)``;
    * ``"none"`` (complete counts): 0 when the values differ (no sampling error), 1 when equal.

    NaN where the parts are missing, or for an unknown method.
    """
    meth = _as_labels(method, np.broadcast_shapes(*(np.shape(x) for x in (num0, den0, num1, den1))))
    x0, n0, x1, n1 = np.broadcast_arrays(*(_as_float(a) for a in (num0, den0, num1, den1)))
    x0, n0, x1, n1 = (np.broadcast_to(a, meth.shape) for a in (x0, n0, x1, n1))
    z = np.full(meth.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = meth == "wilson"
        p = (x0 + x1) / (n0 + n1)
        zw = (x1 / n1 - x0 / n0) / np.sqrt(p * (1 - p) * (1 / n0 + 1 / n1))
        z = np.where(m, np.where((p > 0) & (p < 1), zw, 0.0), z)
        m = meth == "poisson"
        e0, e1 = np.where(x0 > 0, x0, 0.5), np.where(x1 > 0, x1, 0.5)
        z = np.where(m, np.log((e1 / n1) / (e0 / n0)) / np.sqrt(1 / e0 + 1 / e1), z)
        m = meth == "srb"
        z = np.where(m, np.log((x1 / n1) / (x0 / n0)) / np.sqrt(1 / x0 + 1 / n0 + 1 / x1 + 1 / n1), z)
        pv = 2 * _sp().ndtr(-np.abs(z))
        exact = meth == "none"
        pv = np.where(exact, np.where(x1 / n1 != x0 / n0, 0.0, 1.0), pv)
    ok = np.isfinite(x0) & np.isfinite(n0) & np.isfinite(x1) & np.isfinite(n1) & (n0 > 0) & (n1 > 0)
    return np.where(ok, pv, np.nan)


# --------------------------------------------------------------------------- growth and pace


def cagr(x0, xt, years) -> tuple[np.ndarray, np.ndarray]:
    """Compound annual growth rate ``(x_t / x_0) ** (1 / years) - 1`` (Eurostat / Open SDG).

    Conventions from Open SDG sdg-build ``ProgressMeasure.growth_calculation``:

    * a zero base ``x0 == 0`` is replaced by 0.001 and flagged (second return value);
    * ``x0`` and ``xt`` of opposite signs (a sign change) give NaN, as do ``years <= 0`` and NaN
      inputs. Both negative is allowed: the ratio is then positive and the formula is applied as is.

    Returns ``(cagr, zero_base_flag)``.
    """
    a, b, y = np.broadcast_arrays(_as_float(x0), _as_float(xt), _as_float(years))
    zero = a == 0
    base = np.where(zero, ZERO_BASE, a)
    valid = np.isfinite(base) & np.isfinite(b) & np.isfinite(y) & (y > 0)
    valid &= np.sign(base) * np.sign(b) >= 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(valid, b / np.where(valid, base, 1.0), 1.0)
        g = np.power(ratio, 1.0 / np.where(valid, y, 1.0)) - 1.0
    return np.where(valid, g, np.nan), np.asarray(zero, dtype=bool)


def pace_class(
    x0, xt, t0, t, target, T, op, *, target_high=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pace of progress: actual vs required growth (Eurostat SDG / Open SDG growth ratio).

    ::

        CAGR_a = (x_t / x_0) ** (1 / (t - t0)) - 1
        CAGR_r = (TV  / x_0) ** (1 / (T - t0)) - 1
        RR     = CAGR_a / CAGR_r

    Classes (Open SDG quantitative-target thresholds): ``RR >= 0.95`` "significant",
    ``0.6 <= RR < 0.95`` "moderate", ``0 <= RR < 0.6`` "insufficient", ``RR < 0`` "moving_away".
    Lower-is-better targets use the same formula (both CAGRs negative).

    ``op`` (scalar or per row) is one of ">=", ">", "<=", "<", "between". If ``x0`` already meets
    the target (``x0 op target``; for "between", ``target <= x0 <= target_high``) the class is
    "target_met" and ``cagr_required`` is NaN. For "between" not yet met, the required growth aims
    at the nearer edge of the band (``target`` from below, ``target_high`` from above).

    "not_computed": NaN inputs, a missing op, ``t <= t0`` or ``T <= t0``, a sign change between
    ``x0`` and ``x_t`` or ``TV``, or ``CAGR_r == 0``. A zero base is replaced by 0.001 (see
    :func:`cagr`). Unknown ``op`` strings raise ``ValueError``.

    Returns ``(cagr_actual, cagr_required, pace)``; ``pace`` is an object array of labels from
    :data:`PACE_LABELS`.
    """
    th = np.nan if target_high is None else target_high
    arrays = np.broadcast_arrays(
        _as_float(x0),
        _as_float(xt),
        _as_float(t0),
        _as_float(t),
        _as_float(target),
        _as_float(T),
        _as_float(th),
    )
    shape = np.broadcast_shapes(arrays[0].shape, () if isinstance(op, str) else np.shape(op))
    a0, at, y0, yt, tv, yT, tvh = (np.broadcast_to(a, shape) for a in arrays)
    ops = _as_labels(op, shape)
    unknown = sorted(set(ops[(ops != "") & ~np.isin(ops, _OPS)].tolist()))
    if unknown:
        raise ValueError(f"unknown operator(s) {unknown}; expected one of {_OPS}")

    is_between = ops == "between"
    with np.errstate(invalid="ignore"):
        # Target the required growth aims at: the band edge on the side x0 lies for "between".
        goal = np.where(is_between & (a0 > tvh), tvh, tv)
    met = meets(a0, ops, tv, tvh)
    # met at the start but no longer met: the indicator moved away from a target it had reached
    met_now = meets(at, ops, tv, tvh)
    lost = met & np.isfinite(at) & ~met_now
    met &= ~lost
    band_missing = is_between & ~np.isfinite(tvh)

    g_a, _ = cagr(a0, at, yt - y0)
    g_r, _ = cagr(a0, goal, yT - y0)
    g_r = np.where(met | band_missing, np.nan, g_r)

    with np.errstate(divide="ignore", invalid="ignore"):
        rr = g_a / np.where(g_r == 0, np.nan, g_r)
    ok = np.isfinite(rr) & (ops != "") & ~band_missing
    pace = np.select(
        [lost, met, ok & (rr >= RR_SIGNIFICANT), ok & (rr >= RR_MODERATE), ok & (rr >= 0), ok & (rr < 0)],
        ["moving_away", "target_met", "significant", "moderate", "insufficient", "moving_away"],
        default="not_computed",
    ).astype(object)
    return g_a, g_r, pace


# --------------------------------------------------------------------------- smoothing, outliers


def eb_smooth(events, n) -> np.ndarray:
    """Global empirical Bayes smoothing of rates (Marshall 1991; pysal/esda ``Empirical_Bayes``).

    With r_i = e_i / n_i over the valid rows (finite e_i >= 0 and n_i > 0), k of them::

        m    = sum(e) / sum(n)
        s^2  = sum(n_i (r_i - m)^2) / sum(n) - m / n_bar,  n_bar = sum(n) / k,  clipped at 0
        w_i  = s^2 / (s^2 + m / n_i)
        r_EB = w_i r_i + (1 - w_i) m

    Small-population rates shrink strongly toward m; large ones barely move. The result is on the
    rate scale e/n (multiply by the indicator's factor for display). Invalid rows get NaN and are
    left out of the sums. For ranking and maps only, never for verdicts.
    """
    e, pop = np.broadcast_arrays(_as_float(events), _as_float(n))
    valid = np.isfinite(e) & np.isfinite(pop) & (pop > 0) & (e >= 0)
    out = np.full(e.shape, np.nan)
    if not valid.any():
        return out
    ev, nv = e[valid], pop[valid]
    r = ev / nv
    m = ev.sum() / nv.sum()
    s2 = max(float(np.sum(nv * (r - m) ** 2) / nv.sum() - m / nv.mean()), 0.0)
    denom = s2 + m / nv
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(denom > 0, s2 / np.where(denom > 0, denom, 1.0), 0.0)
    out[valid] = w * r + (1.0 - w) * m
    return out


def modified_zscore(values, groups=None) -> np.ndarray:
    """Modified z-score ``0.6745 * |x - median| / MAD`` within each group (Iglewicz & Hoaglin 1993).

    MAD is the median absolute deviation from the group median; 0.6745 = z_{0.75} makes it
    consistent with the standard deviation for normal data. Values above 3.5 are outlier
    candidates, to be flagged for review, never dropped. ``groups`` holds one hashable key per
    value (e.g. the unit, so the score runs across that unit's years); None means one group.

    NaN values stay NaN and are ignored in the medians; rows with a missing group key give NaN.
    Where MAD is 0 the score is 0 for values equal to the median and +inf otherwise.
    """
    x = _as_float(values).ravel()
    s = pd.Series(x)
    if groups is None:
        keys = np.zeros(len(x), dtype=int)
    elif isinstance(groups, pd.Series | pd.Index):
        keys = groups.to_numpy()
    elif isinstance(groups, np.ndarray):
        keys = groups
    else:  # list/tuple: keep NaN keys as NaN (np.asarray would turn them into the string 'nan')
        keys = np.asarray(groups, dtype=object)
    med = s.groupby(keys).transform("median")
    dev = (s - med).abs()
    mad = dev.groupby(keys).transform("median").to_numpy(dtype=float)
    dev = dev.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 0.6745 * dev / np.where(mad > 0, mad, np.nan)
    z = np.where(mad == 0, np.where(dev == 0, 0.0, np.inf), z)
    return np.where(np.isnan(dev) | np.isnan(mad), np.nan, z)

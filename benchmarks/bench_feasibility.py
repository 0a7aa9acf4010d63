"""Benchmark: vectorised ``feasibility`` against a per-series statsmodels OLS loop.

A seeded national-scale table (10,000 units × 15 indicators × 11 years, 2010-2020, about 5% of the
values missing) is judged against 2025 and 2030 targets. ``feasibility(...)`` is timed on the whole
table (median of 3 runs). The reference is the straightforward way: for each series, transform
(logit for shares, ln otherwise), fit ``statsmodels.OLS`` and call
``get_prediction(...).summary_frame(alpha=0.05)`` at 2025 and 2030. It runs on a random sample of
300 series (median of 3 runs); its time per series is scaled to all series. The series are cut out
of the table before the clock starts, so the loop is timed on the fitting alone (this favours the
loop). Both must agree to 1e-8 (relative) on slope, projection and 95% prediction interval.

Run ``python benchmarks/bench_feasibility.py`` or call :func:`main`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gender_metrics import feasibility, load_catalogue
from gender_metrics.reference.catalogue import INDICATOR_COLUMNS, TARGET_COLUMNS, Catalogue

N_UNITS = 10_000
YEARS = np.arange(2010, 2021)  # 11 years
PREDECESSORS = ["1.2", "1.3", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "4.4",
                "6.2a", "6.2b", "7.2"]  # 15 indicators of the 2011-2020 strategy
TARGET_YEARS = (2025, 2030)
SAMPLE = 300
RUNS = 3
RTOL = 1e-8
SEED = 20210304


def bench_catalogue() -> Catalogue:
    """The real catalogue plus 15 synthetic 2021-2030 indicators "B<id>", one per predecessor, so
    every one of the 15 series of a unit is fitted (the real 2021-2030 list links only 10)."""
    cat = load_catalogue()
    hist = cat.for_strategy("2011-2020").set_index("id").loc[PREDECESSORS].reset_index()
    new = hist.copy()
    new["strategy"] = "2021-2030"
    new["predecessor"] = hist["id"]
    new["id"] = "B" + hist["id"]
    new["direction"] = np.where(hist.direction.isin(["decrease", "ceiling"]), hist.direction, "increase")
    tg = []
    for r in new.itertuples():
        down = r.direction in ("decrease", "ceiling")
        for year, step in zip(TARGET_YEARS, (1, 2), strict=True):
            if r.kind == "share":
                value = 50.0 + 10 * step
            elif r.id == "B4.1":
                value = 111.0 - 2 * step
            else:
                value = 40.0 - 5 * step
            tg.append({"strategy": "2021-2030", "id": r.id, "year": year, "op": "<=" if down else ">=",
                       "value": value, "value_high": np.nan})
    indicators = pd.concat([cat.indicators[cat.indicators.strategy == "2011-2020"], new[INDICATOR_COLUMNS]],
                           ignore_index=True)
    targets = pd.DataFrame(tg, columns=TARGET_COLUMNS)
    return Catalogue(indicators, targets)


def build_table(n_units: int = N_UNITS, seed: int = SEED) -> tuple[pd.DataFrame, Catalogue]:
    """Seeded observations: logit-linear shares, log-linear ratios and rates, with noise and gaps."""
    cat = bench_catalogue()
    kinds = cat.for_strategy("2011-2020").set_index("id").kind.loc[PREDECESSORS].to_numpy()
    rng = np.random.default_rng(seed)
    n_ind, n_yr = len(PREDECESSORS), len(YEARS)
    shape = (n_units, n_ind, 1)
    share = (kinds == "share")[None, :, None]
    level = np.where(share, rng.normal(0.0, 1.0, shape), np.log(np.where(
        np.array(PREDECESSORS)[None, :, None] == "4.1", 112.0, 50.0)) + rng.normal(0, 0.1, shape))
    slope = np.where(share, rng.normal(0.06, 0.05, shape), rng.normal(-0.02, 0.02, shape))
    noise = rng.normal(0.0, 1.0, (n_units, n_ind, n_yr)) * np.where(share, 0.15, 0.05)
    y = level + slope * (YEARS - 2015)[None, None, :] + noise
    value = np.where(share, 100.0 / (1.0 + np.exp(-y)), np.exp(y))
    value[rng.random(value.shape) < 0.05] = np.nan
    units = np.array([f"U{i:05d}" for i in range(n_units)], dtype=object)
    obs = pd.DataFrame({
        "unit": np.repeat(units, n_ind * n_yr),
        "strategy": "2011-2020",
        "indicator": np.tile(np.repeat(np.array(PREDECESSORS, dtype=object), n_yr), n_units),
        "year": np.tile(YEARS, n_units * n_ind),
        "numerator": np.nan, "denominator": np.nan,
        "value": value.ravel(),
        "source": "benchmark",
    })
    return obs, cat


def _reference(series: list[tuple[np.ndarray, np.ndarray, bool]]) -> list[np.ndarray]:
    """The per-series way: transform, statsmodels OLS, get_prediction at 2025 and 2030."""
    import statsmodels.api as sm

    out = []
    new_x = np.column_stack([np.ones(len(TARGET_YEARS)), np.array(TARGET_YEARS, float)])
    for t, x, is_share in series:
        if is_share:
            p = np.clip(x, 0.5, 99.5) / 100.0
            y = np.log(p / (1.0 - p))
        else:
            y = np.log(x)
        res = sm.OLS(y, sm.add_constant(t.astype(float))).fit()
        sf = res.get_prediction(new_x).summary_frame(alpha=0.05)
        back = (lambda v: 100.0 / (1.0 + np.exp(-v))) if is_share else np.exp
        out.append(np.column_stack([np.full(len(TARGET_YEARS), res.params[1]), back(sf["mean"].to_numpy()),
                                    back(sf["obs_ci_lower"].to_numpy()), back(sf["obs_ci_upper"].to_numpy())]))
    return out


def _median_time(fn, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> dict:
    """Build the table, time both ways, check agreement, print a small table; return the figures."""
    t0 = time.perf_counter()
    obs, cat = build_table()
    build_s = time.perf_counter() - t0
    n_obs = len(obs)

    vec_s, res = _median_time(lambda: feasibility(obs, catalogue=cat))
    fitted = res[res.n_points >= 3]
    n_series = fitted[["unit", "indicator"]].drop_duplicates().shape[0]

    # sample of series, cut out of the table before timing the loop
    rng = np.random.default_rng(SEED + 1)
    keys = fitted[["unit", "indicator"]].drop_duplicates().to_numpy()
    pick = keys[rng.choice(len(keys), SAMPLE, replace=False)]
    kind = cat.for_strategy("2021-2030").set_index("id").kind
    o = obs[obs.value.notna()].set_index(["unit", "indicator"]).sort_index()
    series = []
    for unit, ind in pick:
        part = o.loc[(unit, ind[1:])]
        series.append((part.year.to_numpy(), part.value.to_numpy(float), kind[ind] == "share"))
    loop_s, ref = _median_time(lambda: _reference(series))
    loop_scaled = loop_s / SAMPLE * n_series

    # agreement on slope, projection and interval
    r = res.set_index(["unit", "indicator", "year"]).sort_index()
    got = np.concatenate([r.loc[[(u, i, y) for y in TARGET_YEARS], ["slope", "projected", "pi_low", "pi_high"]]
                          .to_numpy(float) for u, i in pick])
    want = np.concatenate(ref)
    # a row judged too uncertain to project carries its slope only (METHODS.md §5): compare what is shown
    shown = np.isfinite(got)
    rel = np.abs(got - want)[shown] / np.maximum(np.abs(want[shown]), 1e-300)
    max_rel = float(rel.max())
    agree = bool(shown[:, 0].all() and np.allclose(got[shown], want[shown], rtol=RTOL, atol=0.0))
    n_unprojected = int((~shown[:, 1]).sum())

    ratio = loop_scaled / vec_s
    print(f"feasibility benchmark: {N_UNITS:,} units x {len(PREDECESSORS)} indicators x {len(YEARS)} years "
          f"= {n_obs:,} observations, {n_series:,} series fitted, {len(res):,} result rows "
          f"(table built in {build_s:.1f} s)")
    print(f"{'method':<44}{'series':>10}{'median s':>12}{'ms/series':>12}")
    print(f"{'gm.feasibility (vectorised, whole table)':<44}{n_series:>10,}{vec_s:>12.3f}"
          f"{1000 * vec_s / n_series:>12.4f}")
    print(f"{'statsmodels OLS loop (sample)':<44}{SAMPLE:>10,}{loop_s:>12.3f}{1000 * loop_s / SAMPLE:>12.4f}")
    print(f"{'statsmodels OLS loop (scaled to all series)':<44}{n_series:>10,}{loop_scaled:>12.1f}"
          f"{1000 * loop_s / SAMPLE:>12.4f}")
    print(f"ratio loop / vectorised: {ratio:,.0f}x (loop time scaled from {SAMPLE} series; the loop is timed "
          "on fitting alone, series pre-cut)")
    print(f"agreement on slope, projection, 95% PI at {TARGET_YEARS}: max relative difference {max_rel:.1e} "
          f"({'OK' if agree else 'FAILED'}, tolerance {RTOL:g}; {n_unprojected} of {len(got)} sampled rows too "
          "uncertain to project, slope compared only)")
    if not agree:
        raise SystemExit("feasibility and the statsmodels loop disagree")
    return {"observations": n_obs, "series": n_series, "vectorised_s": vec_s, "loop_sample_s": loop_s,
            "loop_scaled_s": loop_scaled, "ratio": ratio, "max_rel_diff": max_rel, "agree": agree}


if __name__ == "__main__":
    main()

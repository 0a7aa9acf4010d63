"""Feasibility of the 2021-2030 targets: the worked example of METHODS.md §5, statsmodels
cross-checks, every verdict, logit bounds, structural breaks, below_national and the real national
sex ratio at birth series. Expected numbers come from METHODS.md or from statsmodels / scipy
calculations written out in the test, never from the function under test."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from gender_metrics import feasibility, load_observations, load_proposed_targets, load_reference
from gender_metrics.core.feasibility import (
    FEASIBILITY_COLUMNS,
    VERDICTS,
    assess_series,
    fit_lines,
    predict_lines,
)
from gender_metrics.ingest import national_observations

MMR = [200, 196, 185, 183, 170, 172, 160, 158, 150]  # METHODS.md §5 worked check, 2015-2023


def obs(rows):
    """rows: (unit, indicator, year, numerator, denominator, value), strategy 2011-2020."""
    df = pd.DataFrame(rows, columns=["unit", "indicator", "year", "numerator", "denominator", "value"])
    df["strategy"] = "2011-2020"
    df["source"] = "test"
    return df


def series(unit, indicator, years, values):
    return obs([(unit, indicator, y, np.nan, np.nan, v) for y, v in zip(years, values, strict=True)])


def row(res, unit, indicator, year):
    r = res[(res.unit == unit) & (res.indicator == indicator) & (res.year == year)]
    assert len(r) == 1, (unit, indicator, year, len(r))
    return r.iloc[0]


def sm_prediction(t, y, T, weights=None):
    """statsmodels OLS/WLS prediction at T: (slope, mean, obs_ci_lower, obs_ci_upper, se_obs, df)."""
    X = sm.add_constant(np.asarray(t, float))
    if weights is None:
        res = sm.OLS(np.asarray(y, float), X).fit()
        pred = res.get_prediction(np.array([[1.0, T]]))
        w_new = 1.0
    else:
        res = sm.WLS(np.asarray(y, float), X, weights=np.asarray(weights, float)).fit()
        w_new = float(np.mean(weights))  # a future year with the series' mean weight
        pred = res.get_prediction(np.array([[1.0, T]]), weights=np.array([w_new]))
    sf = pred.summary_frame(alpha=0.05).iloc[0]
    se_obs = math.sqrt(sf["mean_se"] ** 2 + res.scale / w_new)
    return res.params[1], sf["mean"], sf["obs_ci_lower"], sf["obs_ci_upper"], se_obs, res.df_resid


def logit(x):
    p = np.asarray(x, float) / 100.0
    return np.log(p / (1.0 - p))


def expit100(y):
    return 100.0 / (1.0 + np.exp(-y))


# --------------------------------------------------------------------------- METHODS.md worked check


def test_worked_example_with_the_vectorised_fitter():
    t = np.arange(2015, 2024)
    fit = fit_lines(np.zeros(9, int), t, np.log(MMR))
    yhat, se, lo, hi, df = predict_lines(fit, [0], [2030])
    assert fit["slope"][0] == pytest.approx(-0.036, abs=0.001)            # −3.6 %/yr
    assert math.exp(yhat[0]) == pytest.approx(117, abs=1)                  # projection about 117
    assert math.exp(lo[0]) == pytest.approx(110, abs=1)                    # 95% PI about [110, 126]
    assert math.exp(hi[0]) == pytest.approx(126, abs=1)
    assert df[0] == 7


def test_worked_example_probability_and_k():
    ser = pd.DataFrame({"key": 0, "year": range(2015, 2024), "value": MMR, "share": False})
    rows = pd.DataFrame({"key": [0], "T": [2030], "op": ["<"], "target": [70.0], "share": [False]})
    r = assess_series(ser, rows).iloc[0]
    assert r.projected == pytest.approx(117, abs=1)
    assert (r.pi_low, r.pi_high) == (pytest.approx(110, abs=1), pytest.approx(126, abs=1))
    assert r.p_met < 1e-4                                                  # P(MMR 2030 < 70) ≈ 0
    assert r.k == pytest.approx(3, abs=0.1)                                # k for 70 by 2030 ≈ 3
    # k = ARR_req / ARR_hist by hand: ln(150/70)/7 over −slope
    assert r.k == pytest.approx(math.log(150 / 70) / 7 / -r.slope, rel=1e-12)
    assert r.n_points == 9 and r.last_value == 150 and r.last_year == 2023


def test_worked_example_through_the_public_function_shifted_to_2012_2020():
    o = series("439", "4.2", range(2012, 2021), MMR)
    # 2027 is to 2012-2020 what 2030 is to 2015-2023: the METHODS.md numbers again
    tg = pd.DataFrame({"unit": ["439", "439"], "indicator": ["4.2", "4.2"], "year": [2027, 2030],
                       "value": [70.0, 70.0]})
    res = feasibility(o, tg)
    r = row(res, "439", "4.2", 2027)
    assert r.target_op == "<"                              # the operator of the indicator's latest target
    assert r.slope == pytest.approx(-0.036, abs=0.001)
    assert r.projected == pytest.approx(117, abs=1)
    assert (r.pi_low, r.pi_high) == (pytest.approx(110, abs=1), pytest.approx(126, abs=1))
    assert r.p_met < 1e-4 and r.verdict == "unlikely"
    assert r.k == pytest.approx(3, abs=0.1)
    # 2030 against statsmodels on the shifted series
    b, mean, lo, hi, se, df = sm_prediction(range(2012, 2021), np.log(MMR), 2030)
    r = row(res, "439", "4.2", 2030)
    assert r.projected == pytest.approx(math.exp(mean), rel=1e-9)
    assert r.pi_low == pytest.approx(math.exp(lo), rel=1e-9)
    assert r.pi_high == pytest.approx(math.exp(hi), rel=1e-9)
    assert r.p_met == pytest.approx(stats.t.cdf((math.log(70) - mean) / se, df), abs=1e-12)
    assert r.k == pytest.approx(math.log(150 / 70) / 10 / -b, rel=1e-9)
    assert r.national_target == 42 and r.below_national     # a ceiling of 70 is weaker than < 42
    # with the national targets (≤ 42 in 2025, < 42 in 2030)
    nat = feasibility(o)
    assert row(nat, "439", "4.2", 2025).verdict == "unlikely"
    assert row(nat, "439", "4.2", 2030).target == 42


# --------------------------------------------------------------------------- statsmodels cross-checks


def _random_series(seed=7, count=16):
    rng = np.random.default_rng(seed)
    rows, meta = [], []
    kinds = [("4.2", "4.2", False, 60.0), ("1.2", "1.1", True, 40.0), ("4.1", "4.1", False, 112.0)]
    for i in range(count):
        pred, ind, share, level = kinds[i % 3]
        n = int(rng.integers(3, 13))
        years = np.sort(rng.choice(np.arange(2009, 2021), n, replace=False))
        slope = rng.normal(0.0, 0.05)
        if share:
            y = logit(level) + slope * (years - 2015) + rng.normal(0, 0.2, n)
            v = expit100(y)
        else:
            y = math.log(level) + slope * (years - 2015) + rng.normal(0, 0.05, n)
            v = np.exp(y)
        unit = f"T{i:02d}"
        rows += [(unit, pred, int(t), np.nan, np.nan, float(x)) for t, x in zip(years, v, strict=True)]
        meta.append((unit, ind, share, years, v))
    return obs(rows), meta


def test_slope_projection_interval_and_p_match_statsmodels_ols():
    o, meta = _random_series()
    res = feasibility(o)
    checked = uncertain = 0
    for unit, ind, share, years, v in meta:
        fit = years >= 2010                       # the review's trend window: 2009 is shown, not fitted
        years, v = years[fit], v[fit]
        y = logit(v) if share else np.log(v)
        back = expit100 if share else np.exp
        for T in (2025, 2030):
            r = row(res, unit, ind, T)
            assert r.n_points == len(years)
            if len(years) < 3:
                assert r.verdict == "insufficient_data" and np.isnan(r.projected) and np.isnan(r.k)
                continue
            b, mean, lo, hi, se, df = sm_prediction(years, y, T)
            assert r.slope == pytest.approx(b, rel=1e-8, abs=1e-12)
            # a 95% prediction interval wider than half the scale (100 for shares; else the target or the
            # last value, whichever is larger): too uncertain, nothing projected (METHODS.md §5)
            scale = 100 if share else max(r.target, v[-1])
            if back(hi) - back(lo) > 0.5 * scale:
                assert r.verdict == "too_uncertain" and np.isnan(r.projected) and np.isnan(r.p_met)
                assert "wide" in r.caveats.split(";")
                uncertain += 1
                continue
            assert r.slope == pytest.approx(b, rel=1e-8, abs=1e-12)
            floor = 102 if ind == "4.1" else -np.inf   # a sex ratio at birth is bounded at its natural level
            assert r.projected == pytest.approx(max(back(mean), floor), rel=1e-8)
            assert r.pi_low == pytest.approx(max(back(lo), floor), rel=1e-8)
            assert r.pi_high == pytest.approx(max(back(hi), floor), rel=1e-8)
            tv = logit(r.target) if share else math.log(r.target)
            p_below = stats.t.cdf((tv - mean) / se, df)
            want = 1 - p_below if r.target_op in (">=", ">") else p_below
            assert r.p_met == pytest.approx(want, abs=1e-8)
            # reachable: the 80% predictive quantile on the side of the target
            q = stats.t.ppf(0.8, df) * se
            assert r.reachable == pytest.approx(max(back(mean - q if r.target_op in (">=", ">") else mean + q),
                                                    floor), rel=1e-8)
            checked += 1
    assert checked >= 12 and uncertain >= 4


def test_weighted_least_squares_matches_statsmodels_wls():
    rng = np.random.default_rng(3)
    years = np.arange(2010, 2021)
    births = rng.integers(300000, 600000, years.size).astype(float)   # a region: hundreds of deaths a year
    deaths = rng.poisson(births * 80e-5 * np.exp(-0.05 * (years - 2010))).astype(float)
    deaths[deaths == 0] = 1
    o = obs([("439", "4.2", int(t), d, n, np.nan) for t, d, n in zip(years, deaths, births, strict=True)])
    y = np.log(1e5 * deaths / births)
    r = row(feasibility(o), "439", "4.2", 2030)
    b, mean, lo, hi, se, df = sm_prediction(years, y, 2030, weights=births)
    assert r.slope == pytest.approx(b, rel=1e-8)
    assert (r.projected, r.pi_low, r.pi_high) == (pytest.approx(math.exp(mean), rel=1e-8),
                                                  pytest.approx(math.exp(lo), rel=1e-8),
                                                  pytest.approx(math.exp(hi), rel=1e-8))
    assert "weighted least squares" in r.note
    # weighted=False: plain OLS on the same series
    r = row(feasibility(o, weighted=False), "439", "4.2", 2030)
    b, mean, lo, hi, se, df = sm_prediction(years, y, 2030)
    assert (r.slope, r.pi_low, r.pi_high) == (pytest.approx(b, rel=1e-8), pytest.approx(math.exp(lo), rel=1e-8),
                                              pytest.approx(math.exp(hi), rel=1e-8))
    assert "weighted" not in r.note


def test_many_series_at_once_equal_one_at_a_time():
    rng = np.random.default_rng(11)
    g = np.repeat(np.arange(50), 7)
    t = np.tile(np.arange(2014, 2021), 50).astype(float)
    y = rng.normal(size=g.size)
    fit = fit_lines(g, t, y)
    yhat, se, lo, hi, df = predict_lines(fit, np.arange(50), np.full(50, 2030))
    for k in (0, 17, 49):
        one = fit_lines(np.zeros(7, int), t[g == k], y[g == k])
        y1, _, lo1, hi1, _ = predict_lines(one, [0], [2030])
        assert (yhat[k], lo[k], hi[k]) == (pytest.approx(y1[0], rel=1e-12), pytest.approx(lo1[0], rel=1e-12),
                                           pytest.approx(hi1[0], rel=1e-12))


# --------------------------------------------------------------------------- verdicts


def test_each_verdict():
    years = np.arange(2011, 2021)
    rows = []
    rows += [("439", "4.2", y, np.nan, np.nan, 80 * math.exp(-0.05 * (y - 2011)) * (1 + 0.01 * (-1) ** y))
             for y in years]                                                # falls 5%/yr: 51 in 2020
    rows += [("440", "4.2", y, np.nan, np.nan, 80 * (1 + 0.02 * (-1) ** y)) for y in years]   # flat at 80
    rows += [("441", "4.2", y, np.nan, np.nan, 60 * math.exp(math.log(42 / 60) / 10 * (y - 2020))
              * (1 + 0.05 * (-1) ** (y // 2))) for y in years]             # aims at 42 in 2030
    # 36.5 per 100,000 in 2020 from 730 deaths in 2,000,000 births: met beyond chance (interval 33.9-39.3)
    rows += [("442", "4.2", y, round(20 * (50 - 1.5 * (y - 2011))), 2_000_000, np.nan) for y in years]
    rows += [("443", "4.2", 2019, np.nan, np.nan, 60.0), ("443", "4.2", 2020, np.nan, np.nan, 55.0)]
    rows += [("444", "4.2", y, np.nan, np.nan, 60 * (1 + 0.6 * (-1) ** y)) for y in years]   # 24 ↔ 96
    # met in 2020 with 1 death in 3,000 births (33): not beyond chance, so judged on the trend
    rows += [("445", "4.2", y, d, 3000, np.nan) for y, d in zip(years, [3, 2, 3, 2, 2, 3, 2, 2, 2, 1], strict=True)]
    res = feasibility(obs(rows))
    assert set(res.verdict) <= set(VERDICTS)
    on = row(res, "439", "4.2", 2030)
    assert on.verdict == "on_track" and on.p_met >= 0.8 and 0 < on.k <= 1
    un = row(res, "440", "4.2", 2030)
    assert un.verdict == "unlikely" and un.p_met < 0.2
    mid = row(res, "441", "4.2", 2030)
    assert mid.verdict == "needs_acceleration" and 0.2 <= mid.p_met < 0.8 and np.isfinite(mid.k)
    met = row(res, "442", "4.2", 2025)
    assert met.verdict == "already_met" and met.last_value == pytest.approx(36.5) and met.k == 0
    assert "already met" in met.note and "already" in met.caveats.split(";")
    wide = row(res, "444", "4.2", 2030)
    assert wide.verdict == "too_uncertain" and np.isnan(wide.projected) and np.isnan(wide.reachable)
    small = row(res, "445", "4.2", 2030)       # 33 < 42, but from 1 death: small numbers, no projection
    assert small.last_value == pytest.approx(1e5 / 3000) and small.verdict == "too_uncertain"
    assert {"small", "unsure_met"} <= set(small.caveats.split(";")) and np.isnan(small.p_met)
    few = row(res, "443", "4.2", 2030)
    assert few.verdict == "insufficient_data" and few.n_points == 2 and np.isnan(few.p_met)
    assert "only 2 point" in few.note and np.isnan(few.projected) and np.isnan(few.k)
    new = row(res, "439", "2.1", 2025)                                   # no 2011-2020 predecessor
    assert new.verdict == "no_history" and "baseline" in new.note and new.n_points == 0
    none = row(res, "439", "4.1", 2025)                                  # predecessor, but no data
    assert none.verdict == "insufficient_data" and "no 2011-2020 observations" in none.note


def test_strict_and_non_strict_operators_give_the_same_probability():
    o = series("439", "4.2", range(2011, 2021), [70, 66, 67, 60, 61, 55, 56, 50, 52, 47])
    tg = pd.DataFrame({"unit": "439", "indicator": "4.2", "year": [2025, 2030], "value": [40.0, 40.0]})
    res = feasibility(o, tg)
    assert [row(res, "439", "4.2", y).target_op for y in (2025, 2030)] == ["<=", "<"]
    b, mean, lo, hi, se, df = sm_prediction(range(2011, 2021), np.log([70, 66, 67, 60, 61, 55, 56, 50, 52, 47]),
                                            2030)
    assert row(res, "439", "4.2", 2030).p_met == pytest.approx(stats.t.cdf((math.log(40) - mean) / se, df),
                                                               abs=1e-12)


def test_a_noisy_series_is_too_uncertain_and_a_narrow_one_is_judged():
    vals = [30, 80, 25, 90, 35, 70, 20, 85, 40, 60]
    r = row(feasibility(series("439", "4.2", range(2011, 2021), vals)), "439", "4.2", 2030)
    b, mean, lo, hi, se, df = sm_prediction(range(2011, 2021), np.log(vals), 2030)
    assert math.exp(hi) - math.exp(lo) > 0.5 * max(42, 60)       # wider than half the scale
    assert r.verdict == "too_uncertain" and "half the scale" in r.note and np.isnan(r.projected)
    # a narrow interval close to the target is judged by P, whatever the distance to the target
    close = [44.2, 44.0, 43.9, 43.6, 43.5, 43.2, 43.1, 42.8, 42.7, 42.5]
    r = row(feasibility(series("439", "4.2", range(2011, 2021), close)), "439", "4.2", 2030)
    assert r.verdict in ("on_track", "needs_acceleration", "unlikely") and np.isfinite(r.projected)


def test_zero_rates_get_a_continuity_correction():
    # a district with few maternal deaths: 0 deaths cannot enter ln(x)
    births = 2800.0
    deaths = [1, 1, 0, 1, 0, 2, 3, 1, 0, 1, 0]
    o = obs([("439", "4.2", 2010 + i, d, births, np.nan) for i, d in enumerate(deaths)])
    r = row(feasibility(o), "439", "4.2", 2030)
    assert r.n_points == 11 and r.verdict == "too_uncertain" and np.isnan(r.projected)   # ≈ 1 death a year
    assert r.last_value == 0 and r.last_year == 2020          # shown as observed, corrected only in the fit
    assert "4 zero value(s)" in r.note and "continuity correction" in r.note
    assert "n_fixed:4" in r.caveats and "small" in r.caveats
    y = np.log(1e5 * np.where(np.array(deaths) == 0, 0.5, deaths) / births)
    b, *_ = sm_prediction(range(2010, 2021), y, 2030)
    assert r.slope == pytest.approx(b, rel=1e-8)


# --------------------------------------------------------------------------- shares on the logit scale


def test_a_fast_rising_share_stays_inside_0_100():
    years = np.arange(2011, 2021)
    up = 100 / (1 + np.exp(-(-1.0 + 0.6 * (years - 2011))))        # 27% → 99%
    down = 100 - up
    res = feasibility(pd.concat([series("439", "1.2", years, up), series("440", "1.2", years, down)]))
    for unit in ("439", "440"):
        for T in (2025, 2030):
            r = row(res, unit, "1.1", T)
            assert 0 < r.pi_low <= r.projected <= r.pi_high < 100
    assert row(res, "439", "1.1", 2030).projected > 99
    assert row(res, "440", "1.1", 2030).projected < 1
    # a straight line on the percentages would have gone past 100
    assert np.polyval(np.polyfit(years, up, 1), 2030) > 100


def test_shares_at_0_or_100_are_clipped_and_it_is_said():
    vals = [60, 70, 75, 80, 90, 95, 100, 100, 100, 100]
    res = feasibility(series("439", "6.3", range(2011, 2021), vals))
    r = row(res, "439", "3.3", 2030)
    assert "clipped to [0.5, 99.5]%" in r.note
    y = logit(np.clip(vals, 0.5, 99.5))
    b, mean, lo, hi, se, df = sm_prediction(range(2011, 2021), y, 2030)
    assert r.projected == pytest.approx(expit100(mean), rel=1e-8)
    assert r.pi_high <= 100


# --------------------------------------------------------------------------- structural breaks


def test_a_break_fits_after_the_break_and_the_chow_test_sees_it():
    years = np.arange(2011, 2021)
    wiggle = 0.01 * np.array([1, -1, 0, 1, -1, 1, -1, 0, 1, -1])
    y = np.where(years < 2016, math.log(100) - 0.01 * (years - 2011),
                 math.log(150) - 0.05 * (years - 2016)) + wiggle
    o = series("439", "4.2", years, np.exp(y))
    brk = pd.DataFrame({"unit": ["439"], "indicator": ["4.2"], "year": [2016]})
    r = row(feasibility(o, breaks=brk), "439", "4.2", 2030)
    post = years >= 2016
    b_post, mean, lo, hi, se, df = sm_prediction(years[post], y[post], 2030)
    assert r.slope == pytest.approx(b_post, rel=1e-8)
    assert r.slope == pytest.approx(-0.05, abs=0.01)
    assert r.n_points == 5 and r.break_year == 2016
    assert r.pi_low == pytest.approx(math.exp(lo), rel=1e-8)
    assert "break in 2016" in r.note
    # Chow (1960) by hand: one line vs two lines split at 2016, on all ten years
    X = sm.add_constant(years.astype(float))
    rss1 = sm.OLS(y, X).fit().ssr
    rss2 = sm.OLS(y[~post], X[~post]).fit().ssr + sm.OLS(y[post], X[post]).fit().ssr
    F = ((rss1 - rss2) / 2) / (rss2 / (len(y) - 4))
    assert r.chow_p == pytest.approx(stats.f.sf(F, 2, len(y) - 4), rel=1e-8)
    assert r.chow_p < 0.001
    # without the break the fit mixes both segments
    r0 = row(feasibility(o), "439", "4.2", 2030)
    assert r0.n_points == 10 and abs(r0.slope - r.slope) > 0.02 and np.isnan(r0.chow_p)


def test_no_break_in_a_straight_series_gives_a_large_chow_p():
    years = np.arange(2011, 2021)
    y = math.log(80) - 0.03 * (years - 2011) + 0.02 * np.array([1, -1, 1, 1, -1, -1, 1, -1, 1, -1])
    brk = pd.DataFrame({"unit": ["439"], "indicator": ["4.2"], "year": [2016]})
    r = row(feasibility(series("439", "4.2", years, np.exp(y)), breaks=brk), "439", "4.2", 2030)
    assert r.chow_p > 0.05


# --------------------------------------------------------------------------- below_national


def test_a_proposal_weaker_than_national_is_flagged():
    o = pd.concat([series("439", "4.1", range(2011, 2021), [118, 117, 118, 116, 117, 115, 116, 114, 115, 113]),
                   series("439", "1.2", range(2011, 2021), np.linspace(30, 55, 10))])
    tg = pd.DataFrame({"unit": "439", "indicator": ["4.1", "4.1", "1.1", "1.1"],
                       "year": [2025, 2030, 2025, 2030], "value": [113.0, 108.0, 55.0, 80.0]})
    res = feasibility(o, tg)
    r = row(res, "439", "4.1", 2025)
    assert r.target_op == "<=" and r.national_target == 111 and r.below_national     # 113 > 111: weaker
    assert not row(res, "439", "4.1", 2030).below_national                           # 108 ≤ 109: stronger
    assert row(res, "439", "1.1", 2025).below_national                               # 55 < 60: weaker
    assert not row(res, "439", "1.1", 2030).below_national                           # 80 ≥ 75
    assert not feasibility(o).below_national.any()                                   # national targets


def test_unknown_indicator_in_proposed_targets_is_an_error():
    tg = pd.DataFrame({"unit": ["439"], "indicator": ["9.9"], "year": [2025], "value": [1.0]})
    with pytest.raises(ValueError, match="9.9"):
        feasibility(series("439", "4.2", [2019, 2020], [50, 40]), tg)


# --------------------------------------------------------------------------- the real national series


def test_national_sex_ratio_at_birth():
    nat = national_observations(load_reference())
    srb = nat[(nat.indicator == "4.1") & (nat.breakdown == "")]
    assert srb.year.min() == 2009 and srb.year.max() == 2020
    res = feasibility(nat)
    r25, r30 = row(res, "VN", "4.1", 2025), row(res, "VN", "4.1", 2030)
    assert (r25.target_op, r25.target, r30.target) == ("<=", 111, 109)
    for r in (r25, r30):
        assert r.last_value == pytest.approx(112.1) and r.last_year == 2020 and r.n_points == 11
        assert "1 observation(s) before 2010 shown, not fitted" in r.note
        assert r.verdict != "already_met"            # 112.1 does not meet 111
        assert r.verdict in ("on_track", "needs_acceleration", "unlikely")
        assert 0 <= r.p_met <= 1 and np.isfinite(r.k)
        assert r.pi_low < r.projected < r.pi_high
    assert r30.p_met < 0.5                            # ≤ 109 by 2030 is not the likely outcome
    # the SRB rose over 2010-2020 (the window fitted): the trend moves away from a ceiling (k < 0)
    y = np.log(srb[srb.year >= 2010].sort_values("year").value.to_numpy())
    b, mean, lo, hi, se, df = sm_prediction(np.arange(2010, 2021), y, 2030)
    assert r30.slope == pytest.approx(b, rel=1e-8) and b > 0 and r30.k < 0
    assert r30.p_met == pytest.approx(stats.t.cdf((math.log(109) - mean) / se, df), abs=1e-10)


# --------------------------------------------------------------------------- province and shape


def test_province_series_is_built_from_districts_by_ratio_of_sums():
    import gender_metrics as gm

    districts = list(gm.load_reference().units.areas)
    rows = []
    for y in range(2011, 2021):
        rows += [("439", "4.1", y, 1150 + y - 2011, 1000, np.nan), ("440", "4.1", y, 2300, 2000 + 5 * (y - 2011), np.nan)]
        rows += [(d, "4.1", y, 1100, 1000, np.nan) for d in districts if d not in ("439", "440")]
    res = feasibility(obs(rows))
    r = row(res, "42", "4.1", 2030)
    boys, girls = 1159 + 2300 + 11 * 1100, 1000 + 2045 + 11 * 1000
    assert r.n_points == 10 and r.last_value == pytest.approx(100 * boys / girls)
    assert "weighted least squares" in r.note
    assert row(res, "42", "2.1", 2030).verdict == "no_history"   # the province gets every indicator
    # from 2 of the 13 districts the sum is not the province's: no trend is fitted through it
    part = feasibility(obs([r for r in rows if r[0] in ("439", "440")]))
    r = row(part, "42", "4.1", 2030)
    assert r.n_points == 0 and r.verdict == "insufficient_data" and "n_partial:10" in r.caveats


def test_years_after_2020_are_left_out_and_said():
    o = series("439", "4.2", range(2012, 2023), [90, 85, 80, 76, 70, 66, 60, 58, 55, 52, 50])
    r = row(feasibility(o), "439", "4.2", 2030)
    assert r.last_year == 2020 and r.n_points == 9 and "2 observation(s) after 2020 not used" in r.note


def test_sample_data_table_shape(processed):
    o = load_observations(processed)
    res = feasibility(o)
    assert list(res.columns) == FEASIBILITY_COLUMNS
    assert set(res.verdict) <= set(VERDICTS)
    assert not res.duplicated(["unit", "indicator", "year"]).any()
    assert set(res.year) == {2025, 2030}
    assert {"42", "VN", "439"} <= set(res.unit)
    judged = res[res.verdict.isin(["on_track", "needs_acceleration", "unlikely"])]
    assert judged.p_met.between(0, 1).all() and (judged.n_points >= 3).all()
    want = np.where(judged.p_met >= 0.8, "on_track", np.where(judged.p_met >= 0.2, "needs_acceleration", "unlikely"))
    assert (judged.verdict.to_numpy() == want).all()
    # district rows only for indicators collected at district level
    assert res[(res.unit == "439") & (res.indicator == "5.3")].empty
    proposed = feasibility(o, load_proposed_targets(processed))
    assert list(proposed.columns) == FEASIBILITY_COLUMNS
    assert proposed.target_op.notna().all()


def test_configured_breaks_file_is_read(tmp_path):
    from gender_metrics.reference import read_breaks

    ref = load_reference()
    assert list(ref.breaks.columns) == ["unit", "indicator", "year", "reason"] and ref.breaks.empty
    assert ref.review.breaks_file.name == "tong-ket-2011-2020.yaml"  # the review names its breaks file
    p = tmp_path / "breaks.yaml"
    p.write_text('breaks:\n  - {unit: "439", indicator: "4.1", year: 2016, reason: "new registry"}\n', encoding="utf-8")
    b = read_breaks(p)
    assert b.to_dict("records") == [{"unit": "439", "indicator": "4.1", "year": 2016, "reason": "new registry"}]


# --------------------------------------------------------------------------- what a demographer would ask


def test_the_fit_uses_the_review_window_and_shows_earlier_years():
    # a rise before 2010, a fall of 4% a year from 2010: the trend judged is the strategy's own
    early = [20.0, 30.0, 40.0, 50.0, 60.0]                                          # 2005-2009
    fall = [100 * math.exp(-0.04 * (y - 2010)) * (1 + 0.01 * (-1) ** y) for y in range(2010, 2021)]
    o = series("439", "4.2", range(2005, 2021), early + fall)
    r = row(feasibility(o), "439", "4.2", 2030)
    b, mean, lo, hi, se, df = sm_prediction(range(2010, 2021), np.log(fall), 2030)
    assert r.n_points == 11 and r.slope == pytest.approx(b, rel=1e-9)              # 2010-2020 only
    assert r.projected == pytest.approx(math.exp(mean), rel=1e-9)
    assert "n_early:5" in r.caveats.split(";") and "5 observation(s) before 2010 shown, not fitted" in r.note
    assert "away" not in r.caveats.split(";") and r.k > 0
    # the whole series would rise: fitted on every year given, the verdict would be "moving away"
    b_all = sm_prediction(range(2005, 2021), np.log(early + fall), 2030)[0]
    assert b_all > 0


def test_a_last_year_of_zero_events_is_not_already_met():
    # 0 maternal deaths in 1,500 births in 2020: 0 per 100,000 meets "at most 42", but 0 of 1,500 is
    # small numbers (exact interval 0 to 246), so the trend decides and there is none to project
    deaths = [2, 1, 1, 2, 1, 0, 1, 1, 2, 1, 0]
    o = obs([("439", "4.2", 2010 + i, d, 1500, np.nan) for i, d in enumerate(deaths)])
    r = row(feasibility(o), "439", "4.2", 2025)
    assert r.last_value == 0 and r.last_year == 2020
    assert r.verdict == "too_uncertain" and r.verdict != "already_met"
    assert {"unsure_met", "small"} <= set(r.caveats.split(";"))
    assert np.isnan(r.projected) and np.isnan(r.p_met) and np.isnan(r.k) and np.isnan(r.reachable)


def test_a_sex_ratio_is_never_projected_below_its_natural_floor():
    # 115 falling 1.3 a year to 103.3 in 2020: a log-linear fit would reach about 92 in 2030
    vals = [115 - 1.3 * (y - 2011) + 0.2 * (-1) ** y for y in range(2011, 2021)]
    r = row(feasibility(series("439", "4.1", range(2011, 2021), vals)), "439", "4.1", 2030)
    b, mean, lo, hi, se, df = sm_prediction(range(2011, 2021), np.log(vals), 2030)
    assert math.exp(mean) < 95 and math.exp(lo) < 102                             # the model's artefact
    assert r.projected == 102 and r.pi_low == 102 and r.pi_high >= 102            # bounded: catalogue floor 102
    assert "floored" in r.caveats.split(";") and "natural level" in r.note


def test_a_trend_that_moves_away_is_said_in_words():
    from gender_metrics.present.views import feasibility_view

    ref = load_reference()
    rising = [40 * 1.03 ** (y - 2011) * (1 + 0.01 * (-1) ** y) for y in range(2011, 2021)]
    res = feasibility(series("439", "4.2", range(2011, 2021), rising))
    r = row(res, "439", "4.2", 2030)
    assert r.k < 0 and "away" in r.caveats.split(";")
    res["target_kind"] = "national"
    v = feasibility_view(res[(res.indicator == "4.2") & (res.year == 2030)], ref, "vi").iloc[0]
    assert v.k == "đi ngược mục tiêu" and "xu hướng 2011-2020 đi ngược mục tiêu" in v.caveats
    e = feasibility_view(res[(res.indicator == "4.2") & (res.year == 2030)], ref, "en").iloc[0]
    assert e.k == "moving away" and "the 2011-2020 trend moves away from the target" in e.caveats


def test_term_based_indicators_say_why_they_are_not_projected():
    import dataclasses

    from gender_metrics import load_catalogue

    # a 2021-2030 indicator whose predecessor is counted by People's Council terms (1.1b)
    cat = load_catalogue()
    ind, tg = cat.indicators, cat.targets
    new = ind[(ind.strategy == "2021-2030") & (ind.id == "1.1")].assign(id="1.9", predecessor="1.1b")
    nt = tg[(tg.strategy == "2021-2030") & (tg.id == "1.1")].assign(id="1.9", value=35.0)
    cat = dataclasses.replace(cat, indicators=pd.concat([ind, new], ignore_index=True),
                              targets=pd.concat([tg, nt], ignore_index=True))
    o = series("439", "1.1b", [2011, 2016], [25.0, 31.4])
    res = feasibility(o, catalogue=cat)
    for year in (2025, 2030):
        r = row(res, "439", "1.9", year)
        assert r.verdict == "insufficient_data" and r.caveats == "term" and "term-based" in r.note
        assert np.isnan(r.projected) and np.isnan(r.k)


def test_a_proposal_weaker_than_its_own_earlier_one_is_flagged():
    o = series("439", "4.1", range(2011, 2021), [118, 117, 118, 116, 117, 115, 116, 114, 115, 113])
    tg = pd.DataFrame({"unit": "439", "indicator": "4.1", "year": [2025, 2030], "value": [110.0, 112.0]})
    res = feasibility(o, tg)
    assert not row(res, "439", "4.1", 2025).weaker_than_earlier
    assert row(res, "439", "4.1", 2030).weaker_than_earlier          # 112 allowed in 2030 after 110 in 2025
    assert row(res, "439", "4.1", 2030).below_national               # and looser than the national 109
    from gender_metrics.present.views import feasibility_view

    v = feasibility_view(res[res.indicator == "4.1"].assign(target_kind="proposed"), load_reference(), "vi")
    marks = dict(zip(v.year, v.marks, strict=True))
    assert marks[2025] == [] and marks[2030] == ["kém hơn mục tiêu quốc gia", "kém hơn đề xuất của đơn vị cho năm trước đó"]


def test_a_share_of_one_or_two_cases_a_year_is_too_uncertain():
    # 6.3 -> 3.3: victims of trafficking supported, 1 or 2 a year: no "unlikely" with a "reachable" 0.2%
    parts = [(1, 2), (2, 2), (1, 1), (1, 2), (2, 3), (1, 2), (2, 2), (1, 1), (2, 2), (2, 2)]
    o = obs([("439", "6.3", y, n, d, np.nan) for y, (n, d) in zip(range(2011, 2021), parts, strict=True)])
    for year in (2025, 2030):
        r = row(feasibility(o), "439", "3.3", year)
        assert r.verdict == "too_uncertain" and "small" in r.caveats.split(";")
        assert np.isnan(r.projected) and np.isnan(r.reachable) and np.isnan(r.p_met) and np.isnan(r.k)

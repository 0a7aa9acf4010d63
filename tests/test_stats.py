"""Tests for gender_metrics.stats.

Every expected number comes from /work/shared/reference/METHODS.md, from an independent
implementation (statsmodels, scipy quantiles written out as the textbook formula) or from a
hand calculation written out next to the assertion - never from running the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, gamma
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from gender_metrics.core.stats import (
    cagr,
    eb_smooth,
    modified_zscore,
    pace_class,
    poisson_interval,
    srb_interval,
    unstable,
    value_interval,
    wilson_interval,
)

# ----------------------------------------------------------------------------- worked checks


def test_mmr_worked_check_methods_md():
    # METHODS.md §4: 3 deaths / 2,000 births -> 150 per 100,000, exact 95% CI about [31, 438].
    # Hand: chi2_{0.025; 6}/2 = 1.2373/2 = 0.6187 -> 0.6187/2000*1e5 = 30.9;
    #       chi2_{0.975; 8}/2 = 17.5345/2 = 8.7673 -> 438.4.
    low, high = value_interval("poisson", 3, 2000, 100000)
    assert 3 / 2000 * 100000 == pytest.approx(150)
    assert float(low) == pytest.approx(31, abs=0.5)
    assert float(high) == pytest.approx(438, abs=0.5)
    # Target 52 (ceiling) lies inside the interval: 150 is "not achieved", but not beyond chance.
    assert float(low) < 52 < float(high)


def test_srb_worked_check_methods_md():
    # METHODS.md §4: 530 boys / 470 girls -> SRB 112.8, 95% CI about [99.6, 127.7],
    # against a ceiling of 109: not achieved, uncertain.
    # Hand: p = 0.53, n = 1000, z^2 = 3.841459
    #   centre = (0.53 + 0.0019207) / 1.0038415 = 0.529885
    #   half   = 1.959964/1.0038415 * sqrt(0.53*0.47/1000 + 3.841459/4e6) = 0.030875
    #   p in [0.49901, 0.56076] -> 100 p/(1-p) in [99.605, 127.67]
    low, high = srb_interval(530, 470)
    assert 100 * 530 / 470 == pytest.approx(112.8, abs=0.05)
    assert float(low) == pytest.approx(99.6, abs=0.1)
    assert float(high) == pytest.approx(127.7, abs=0.1)
    ceiling = 109
    exceeded = float(low) > ceiling
    met = float(high) <= ceiling
    assert not exceeded and not met  # the interval spans 109 -> certainty "uncertain"


def test_srb_natural_range_at_1000_births():
    # METHODS.md §4: "at 1,000 births the 95% range of a natural 105 is 93-119".
    # 512 boys / 488 girls (ratio 104.9). Hand: p = 0.512,
    #   centre = 0.5139207/1.0038415 = 0.511954, half = 1.952464*sqrt(0.000250816) = 0.030922
    #   p in [0.481032, 0.542876] -> [92.69, 118.76]
    low, high = srb_interval(512, 488)
    assert float(low) == pytest.approx(93, abs=0.5)
    assert float(high) == pytest.approx(119, abs=0.5)


def test_srb_through_value_interval_matches_direct():
    low, high = value_interval(["srb"], [530], [470], [100])
    lo2, hi2 = srb_interval(530, 470)
    np.testing.assert_allclose(low, lo2)
    np.testing.assert_allclose(high, hi2)


# ----------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize("alpha", [0.05, 0.10, 0.01])
def test_wilson_matches_statsmodels_grid(alpha):
    n = np.array([1, 1, 5, 5, 5, 10, 10, 37, 37, 100, 100, 100, 1000, 1000, 2000])
    x = np.array([0, 1, 0, 2, 5, 0, 10, 1, 36, 0, 50, 100, 3, 999, 1000])
    low, high = wilson_interval(x, n, alpha=alpha)
    ref_low, ref_high = proportion_confint(x, n, alpha=alpha, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(high, ref_high, rtol=1e-10, atol=1e-12)
    assert np.all((low >= 0) & (high <= 1) & (low <= x / n) & (x / n <= high))


def test_wilson_edges_zero_and_all_successes():
    # x = 0: lower bound exactly 0, upper = z^2/(n + z^2) (hand: centre = half).
    # n = 10: 3.841459/13.841459 = 0.277535.  x = n: mirror image.
    low, high = wilson_interval([0, 10], [10, 10])
    assert low[0] == pytest.approx(0, abs=1e-12)
    assert high[0] == pytest.approx(0.277535, abs=1e-5)
    assert low[1] == pytest.approx(1 - 0.277535, abs=1e-5)
    assert high[1] == pytest.approx(1, abs=1e-12)


def test_wilson_hand_value_5_of_20():
    # Hand: p = 0.25, n = 20: centre = 0.3460365/1.1920730 = 0.290282,
    # half = 1.644166 * sqrt(0.009375 + 0.0024009) = 0.178420 -> [0.11186, 0.46870]
    low, high = wilson_interval(5, 20)
    assert float(low) == pytest.approx(0.11186, abs=2e-5)
    assert float(high) == pytest.approx(0.46870, abs=2e-5)


@pytest.mark.filterwarnings("error")
def test_wilson_nan_and_zero_trials():
    low, high = wilson_interval([np.nan, 1, 0, 3, 5, 2], [10, np.nan, 0, 0, 4, 10])
    # NaN successes, NaN trials, 0/0, 3/0, 5 of 4 (impossible) -> NaN; 2 of 10 valid.
    assert np.isnan(low[:5]).all() and np.isnan(high[:5]).all()
    assert np.isfinite(low[5]) and np.isfinite(high[5])


def test_wilson_accepts_series_with_nullable_ints():
    x = pd.Series([5, pd.NA], dtype="Int64")
    n = pd.Series([20, 20], dtype="Int64")
    low, high = wilson_interval(x, n)
    assert isinstance(low, np.ndarray)
    assert low[0] == pytest.approx(0.11186, abs=2e-5)
    assert np.isnan(low[1]) and np.isnan(high[1])


# ----------------------------------------------------------------------------- Poisson


def test_poisson_matches_chi2_formula():
    # Garwood: low = chi2.ppf(a/2, 2k)/2 (0 when k = 0), high = chi2.ppf(1 - a/2, 2k + 2)/2.
    k = np.array([0, 1, 2, 3, 10, 50, 200])
    for alpha in (0.05, 0.10):
        low, high = poisson_interval(k, alpha=alpha)
        exp_low = np.array([0.0] + [chi2.ppf(alpha / 2, 2 * kk) / 2 for kk in k[1:]])
        exp_high = np.array([chi2.ppf(1 - alpha / 2, 2 * kk + 2) / 2 for kk in k])
        np.testing.assert_allclose(low, exp_low, rtol=1e-10)
        np.testing.assert_allclose(high, exp_high, rtol=1e-10)
        # Same thing through the gamma quantile: chi2_{q; 2k}/2 = Gamma(k, 1)_q.
        np.testing.assert_allclose(high, gamma.ppf(1 - alpha / 2, k + 1), rtol=1e-10)


def test_poisson_closed_forms_and_table():
    # chi2 with 2 df: ppf(q) = -2 ln(1 - q), so
    #   k = 0: high = -ln(0.025) = 3.688879;  k = 1: low = -ln(0.975) = 0.025318.
    low, high = poisson_interval([0, 1, 2, 3, 10])
    assert low[0] == 0.0
    assert high[0] == pytest.approx(-math.log(0.025), rel=1e-9)
    assert low[1] == pytest.approx(-math.log(0.975), rel=1e-9)
    # Published exact 95% limits (Garwood tables): 1 -> 5.572; 2 -> [0.242, 7.225];
    # 3 -> [0.619, 8.767]; 10 -> [4.795, 18.390].
    np.testing.assert_allclose(low[2:], [0.242, 0.619, 4.795], atol=1e-3)
    np.testing.assert_allclose(high[1:], [5.572, 7.225, 8.767, 18.390], atol=1e-3)


def test_poisson_matches_statsmodels_exact_c():
    k = np.array([0, 1, 3, 7, 25])
    low, high = poisson_interval(k)
    ref_low, ref_high = confint_poisson(k, 1, method="exact-c")
    np.testing.assert_allclose(low, np.nan_to_num(ref_low), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(high, ref_high, rtol=1e-9)


def test_poisson_long_column_of_repeated_counts_matches_the_table():
    # a long column (a national table) is computed once per distinct count: the Garwood table still holds,
    # row by row, with missing and negative counts in between
    k = np.tile([2.0, 3.0, 10.0, np.nan, -1.0, 0.0], 50)
    low, high = poisson_interval(k)
    assert low.shape == high.shape == k.shape
    np.testing.assert_allclose(low[0::6], 0.242, atol=1e-3)
    np.testing.assert_allclose(high[1::6], 8.767, atol=1e-3)
    np.testing.assert_allclose(low[2::6], 4.795, atol=1e-3)
    assert np.isnan(low[3::6]).all() and np.isnan(high[4::6]).all()
    np.testing.assert_allclose(high[5::6], -math.log(0.025), rtol=1e-9)


def test_value_interval_takes_methods_as_categories_and_rejects_unknown_ones():
    num, den = np.array([45.0, 3.0, 530.0] * 30), np.array([100.0, 2000.0, 470.0] * 30)
    fac = np.array([100.0, 100000.0, 100.0] * 30)
    as_text = value_interval(np.array(["wilson", "poisson", "srb"] * 30, dtype=object), num, den, fac)
    as_category = value_interval(pd.Categorical(["wilson", "poisson", "srb"] * 30), num, den, fac)
    np.testing.assert_array_equal(as_text[0], as_category[0])
    np.testing.assert_array_equal(as_text[1], as_category[1])
    with pytest.raises(ValueError, match="wilsn"):
        value_interval(pd.Categorical(["wilson", "wilsn"]), [1, 1], [2, 2], [100, 100])


@pytest.mark.filterwarnings("error")
def test_poisson_nan_and_negative():
    low, high = poisson_interval([np.nan, -1, 0])
    assert np.isnan(low[:2]).all() and np.isnan(high[:2]).all()
    assert low[2] == 0.0 and high[2] > 0


# ----------------------------------------------------------------------------- value_interval


@pytest.mark.filterwarnings("error")
def test_value_interval_dispatch_per_row():
    method = pd.Series(["wilson", "poisson", "srb", "none", None, "wilson", "poisson", "srb"])
    num = pd.Series([5, 3, 530, 7, 5, 5, 3, 0])
    den = pd.Series([20, 2000, 470, 9, 20, 0, 0, 0])
    fac = pd.Series([100, 100000, 100, 100, 100, 100, 100000, 100])
    low, high = value_interval(method, num, den, fac)
    # wilson 5/20 (hand above) x 100 -> [11.186, 46.870]
    assert low[0] == pytest.approx(11.186, abs=2e-3)
    assert high[0] == pytest.approx(46.870, abs=2e-3)
    # poisson 3 / 2000 x 1e5 -> [30.9, 438.4]
    assert low[1] == pytest.approx(30.93, abs=0.01)
    assert high[1] == pytest.approx(438.36, abs=0.01)
    # srb -> [99.6, 127.7], factor not applied twice
    assert low[2] == pytest.approx(99.6, abs=0.1)
    assert high[2] == pytest.approx(127.7, abs=0.1)
    # none, missing method, zero denominators -> NaN
    assert np.isnan(low[3:]).all() and np.isnan(high[3:]).all()


def test_value_interval_scalar_method_broadcasts():
    low, high = value_interval("wilson", [0, 5], [10, 20], 100)
    assert low[0] == pytest.approx(0, abs=1e-10)
    assert high[0] == pytest.approx(27.7535, abs=1e-3)
    assert low[1] == pytest.approx(11.186, abs=2e-3)


def test_value_interval_unknown_method_raises():
    with pytest.raises(ValueError, match="wilsn"):
        value_interval(["wilsn"], [1], [2], [100])


# ----------------------------------------------------------------------------- unstable


def test_unstable_threshold():
    # RSE = 1/sqrt(events): 1/sqrt(19) = 22.9% > 22%, 1/sqrt(20) = 22.4% (the 20-event rule).
    flags = unstable(pd.Series([0, 3, 19, 20, 150, np.nan]))
    assert flags.dtype == bool
    assert flags.tolist() == [True, True, True, False, False, False]
    assert unstable([9, 10], threshold=10).tolist() == [True, False]


# ----------------------------------------------------------------------------- CAGR


@pytest.mark.filterwarnings("error")
def test_cagr_hand_cases():
    x0 = np.array([100, 200, 0, -100, -5, 100, 100, np.nan, 100])
    xt = np.array([121, 50, 0.00121, -121, 5, 110, 110, 110, 0])
    years = np.array([2, 2, 2, 2, 3, 0, -1, 2, 1])
    g, zero = cagr(x0, xt, years)
    # 121/100 = 1.21 = 1.1^2 -> 0.1;  50/200 = 0.25 = 0.5^2 -> -0.5
    assert g[0] == pytest.approx(0.1, abs=1e-12)
    assert g[1] == pytest.approx(-0.5, abs=1e-12)
    # zero base -> 0.001: 0.00121/0.001 = 1.21 -> 0.1, flagged
    assert g[2] == pytest.approx(0.1, abs=1e-9)
    # both negative: ratio 1.21 -> 0.1
    assert g[3] == pytest.approx(0.1, abs=1e-12)
    # sign change, years 0, years < 0, NaN base -> NaN
    assert np.isnan(g[4:8]).all()
    # fall to zero in one year: 0/100 - 1 = -1
    assert g[8] == pytest.approx(-1.0)
    assert zero.tolist() == [False, False, True, False, False, False, False, False, False]


# ----------------------------------------------------------------------------- pace
#
# Common set-up: t0 = 2015, t = 2017 (2 years), T = 2019 (4 years), x0 = 100,
# target >= 146.41 = 100 * 1.1^4  (1.1^2 = 1.21, 1.21^2 = 1.4641)  ->  CAGR_r = 0.1.
#   xt = 121    = 100 * 1.10^2 -> CAGR_a =  0.10, RR =  1.0 -> significant
#   xt = 114.49 = 100 * 1.07^2 -> CAGR_a =  0.07, RR =  0.7 -> moderate
#   xt = 106.09 = 100 * 1.03^2 -> CAGR_a =  0.03, RR =  0.3 -> insufficient
#   xt = 90.25  = 100 * 0.95^2 -> CAGR_a = -0.05, RR = -0.5 -> moving_away
#   xt = 120.1216 = 100 * 1.096^2 -> RR 0.96 -> significant (just over the 0.95 cut-off)
#   xt = 119.6836 = 100 * 1.094^2 -> RR 0.94 -> moderate    (just under it)
#   xt = 112.5721 = 100 * 1.061^2 -> RR 0.61 -> moderate    (just over 0.6)
#   xt = 112.1481 = 100 * 1.059^2 -> RR 0.59 -> insufficient (just under it)


def test_pace_each_class_higher_is_better():
    xt = np.array([121, 114.49, 106.09, 90.25, 120.1216, 119.6836, 112.5721, 112.1481])
    g_a, g_r, pace = pace_class(100, xt, 2015, 2017, 146.41, 2019, ">=")
    np.testing.assert_allclose(g_r, 0.1, atol=1e-12)
    np.testing.assert_allclose(
        g_a, [0.10, 0.07, 0.03, -0.05, 0.096, 0.094, 0.061, 0.059], atol=1e-12
    )
    assert pace.dtype == object
    assert pace.tolist() == [
        "significant",
        "moderate",
        "insufficient",
        "moving_away",
        "significant",
        "moderate",
        "moderate",
        "insufficient",
    ]


def test_pace_lower_is_better():
    # x0 = 200, target <= 131.22 = 200 * 0.9^4 (0.9^2 = 0.81, 0.81^2 = 0.6561) -> CAGR_r = -0.1.
    #   xt = 162    = 200 * 0.90^2 -> CAGR_a = -0.10, RR = 1.0 -> significant
    #   xt = 169.28 = 200 * 0.92^2 -> CAGR_a = -0.08, RR = 0.8 -> moderate
    #   xt = 196.02 = 200 * 0.99^2 -> CAGR_a = -0.01, RR = 0.1 -> insufficient
    #   xt = 220.5  = 200 * 1.05^2 -> CAGR_a = +0.05, RR = -0.5 -> moving_away
    xt = [162, 169.28, 196.02, 220.5]
    g_a, g_r, pace = pace_class(200, xt, 2015, 2017, 131.22, 2019, "<=")
    np.testing.assert_allclose(g_r, -0.1, atol=1e-12)
    np.testing.assert_allclose(g_a, [-0.10, -0.08, -0.01, 0.05], atol=1e-12)
    assert pace.tolist() == ["significant", "moderate", "insufficient", "moving_away"]


def test_pace_target_already_met_at_t0():
    x0 = [150, 146.41, 146.41, 120, 131.22, 131.22, 105]
    op = [">=", ">=", ">", "<=", "<=", "<", "between"]
    target = [146.41, 146.41, 146.41, 131.22, 131.22, 131.22, 100]
    xt = [160, 160, 160, 125, 125, 125, 106]  # each still meets its target at t (where it met at t0)
    g_a, g_r, pace = pace_class(
        x0, xt, 2015, 2017, target, 2019, op, target_high=[np.nan] * 6 + [110]
    )
    # 150 >= 146.41 met; 146.41 >= 146.41 met; 146.41 > 146.41 not met and CAGR_r = 0
    # -> not_computed; 120 <= 131.22 met; 131.22 <= 131.22 met; 131.22 < 131.22 not met,
    # CAGR_r = 0 -> not_computed; 105 in [100, 110] met.
    assert pace.tolist() == [
        "target_met",
        "target_met",
        "not_computed",
        "target_met",
        "target_met",
        "not_computed",
        "target_met",
    ]
    assert np.isnan(g_r[[0, 1, 3, 4, 6]]).all()


def test_pace_target_met_at_t0_but_lost_since_is_moving_away():
    # 120 <= 131.22 met in 2015, 140 > 131.22 in 2017: no longer met -> moving away;
    # 105 in [100, 110] in 2015, 115 above the band in 2017 -> moving away
    _, g_r, pace = pace_class([120, 105], [140, 115], 2015, 2017, [131.22, 100], 2019, ["<=", "between"],
                              target_high=[np.nan, 110])
    assert pace.tolist() == ["moving_away", "moving_away"]


def test_pace_between_band():
    # Below the band [60.5, 70]: aim at 60.5 = 50 * 1.1^2 over 2 years -> CAGR_r = 0.1;
    #   xt = 55 after 1 year -> CAGR_a = 0.1 -> RR 1 -> significant.
    # Above the band [100, 162]: aim at 162 = 200 * 0.9^2 -> CAGR_r = -0.1;
    #   xt = 180 after 1 year -> CAGR_a = -0.1 -> RR 1 -> significant.
    # Band without an upper edge -> not_computed.
    g_a, g_r, pace = pace_class(
        [50, 200, 50],
        [55, 180, 55],
        2015,
        2016,
        [60.5, 100, 60.5],
        2017,
        "between",
        target_high=np.array([70, 162, np.nan]),
    )
    np.testing.assert_allclose(g_r[:2], [0.1, -0.1], atol=1e-12)
    np.testing.assert_allclose(g_a[:2], [0.1, -0.1], atol=1e-12)
    assert pace.tolist() == ["significant", "significant", "not_computed"]


@pytest.mark.filterwarnings("error")
def test_pace_zero_base_and_not_computed_cases():
    x0 = [0, -5, 5, 100, 100, np.nan, 100, 100, 100]
    xt = [10, 5, 4, 121, np.nan, 121, 121, 121, 121]
    t = [2017, 2017, 2017, 2017, 2017, 2017, 2015, 2017, 2017]
    target = [50, 10, -1, np.nan, 146.41, 146.41, 146.41, 146.41, 146.41]
    T = [2019, 2019, 2019, 2019, 2019, 2019, 2019, 2015, 2019]
    op = [">=", ">=", "<=", ">=", ">=", ">=", ">=", ">=", None]
    g_a, g_r, pace = pace_class(x0, xt, 2015, t, target, T, op)
    # Zero base -> 0.001: CAGR_a = (10/0.001)^(1/2) - 1 = 100 - 1 = 99,
    #   CAGR_r = (50/0.001)^(1/4) - 1 = 50000^0.25 - 1 = 14.9535 - 1 = 13.9535,
    #   RR = 99 / 13.9535 = 7.09 -> significant.
    assert g_a[0] == pytest.approx(99, rel=1e-9)
    assert g_r[0] == pytest.approx(13.9535, abs=1e-4)
    # -5 -> 5 sign change; 5 vs target -1 sign change; NaN target; NaN xt; NaN x0;
    # t == t0; T == t0; missing op -> not_computed
    assert pace.tolist() == ["significant"] + ["not_computed"] * 8


def test_pace_unknown_operator_raises():
    with pytest.raises(ValueError, match="=>"):
        pace_class(100, 121, 2015, 2017, 146.41, 2019, "=>")


# ----------------------------------------------------------------------------- empirical Bayes


def test_eb_smooth_hand_three_districts():
    # e = [5, 4, 11], n = [100, 400, 500]  ->  r = [0.05, 0.01, 0.022]
    # m = 20 / 1000 = 0.02
    # sum n_i (r_i - m)^2 = 100*0.03^2 + 400*0.01^2 + 500*0.002^2
    #                     = 0.09 + 0.04 + 0.002 = 0.132  ->  / 1000 = 0.000132
    # n_bar = 1000/3 -> m / n_bar = 0.00006  ->  s^2 = 0.000132 - 0.00006 = 0.000072
    # m / n_i = [0.0002, 0.00005, 0.00004]
    # w = [72/272, 72/122, 72/112] = [9/34, 36/61, 9/14]
    # r_EB = [ 9/34*0.05 + 25/34*0.02  = 0.95/34  = 0.02794118,
    #          36/61*0.01 + 25/61*0.02 = 0.86/61  = 0.01409836,
    #          9/14*0.022 + 5/14*0.02  = 0.298/14 = 0.02128571 ]
    # Two extra rows (NaN events, zero population) must be ignored and give NaN.
    out = eb_smooth(pd.Series([5, 4, 11, np.nan, 3]), pd.Series([100, 400, 500, 300, 0]))
    np.testing.assert_allclose(out[:3], [0.95 / 34, 0.86 / 61, 0.298 / 14], rtol=1e-10)
    assert np.isnan(out[3:]).all()


def test_eb_smooth_shrinkage_property():
    # A big district with a low rate, a tiny district with a high rate, two middling ones.
    e = np.array([1000, 3, 20, 30])
    n = np.array([100000, 50, 1000, 2000])
    r = e / n
    m = e.sum() / n.sum()
    out = eb_smooth(e, n)
    # Large n: barely moves (less than 1% relative); small n: pulled toward m, stays between.
    assert abs(out[0] - r[0]) / r[0] < 0.01
    assert min(r[1], m) <= out[1] <= max(r[1], m)
    assert abs(out[1] - m) < abs(r[1] - m)
    assert abs(out[1] - r[1]) > 10 * abs(out[0] - r[0])


def test_eb_smooth_homogeneous_rates_collapse_to_mean():
    # r = [0.01, 0.01, 0.01]: s^2 = 0 - m/n_bar < 0 -> clipped to 0 -> w = 0 -> all equal m.
    out = eb_smooth([1, 2, 3], [100, 200, 300])
    np.testing.assert_allclose(out, 0.01, rtol=1e-12)


@pytest.mark.filterwarnings("error")
def test_eb_smooth_all_invalid_or_zero_events():
    assert np.isnan(eb_smooth([np.nan, 1], [10, 0])).all()
    # no events at all: m = 0, s^2 = 0 -> every rate stays 0
    np.testing.assert_allclose(eb_smooth([0, 0], [10, 20]), 0.0)


# ----------------------------------------------------------------------------- modified z-score


@pytest.mark.filterwarnings("error")
def test_modified_zscore_hand_example():
    values = [10, 11, 12, 13, 50, 1, 2, 3, 4, 5, 5, 5, 7, 1, np.nan, 3]
    groups = ["a"] * 5 + ["b"] * 4 + ["c"] * 4 + ["d"] * 3
    z = modified_zscore(pd.Series(values), pd.Series(groups))
    # a: median 12, |dev| = [2, 1, 0, 1, 38], MAD = 1
    #    z = 0.6745 * [2, 1, 0, 1, 38] = [1.349, 0.6745, 0, 0.6745, 25.631] -> 50 is an outlier
    np.testing.assert_allclose(z[:5], [1.349, 0.6745, 0, 0.6745, 25.631], rtol=1e-9)
    assert z[4] > 3.5 and (z[:4] < 3.5).all()
    # b: median 2.5, |dev| = [1.5, 0.5, 0.5, 1.5], MAD = 1.0 -> 0.6745 * |dev|
    np.testing.assert_allclose(z[5:9], [1.01175, 0.33725, 0.33725, 1.01175], rtol=1e-9)
    # c: median 5, |dev| = [0, 0, 0, 2], MAD = 0 -> 0 at the median, inf elsewhere
    assert z[9:12].tolist() == [0.0, 0.0, 0.0] and np.isinf(z[12])
    # d: NaN ignored, median 2, |dev| = [1, 1], MAD = 1 -> [0.6745, NaN, 0.6745]
    assert z[13] == pytest.approx(0.6745) and np.isnan(z[14]) and z[15] == pytest.approx(0.6745)


def test_modified_zscore_single_group_default():
    z = modified_zscore(np.array([10, 11, 12, 13, 50]), None)
    assert z[4] == pytest.approx(25.631)


def test_modified_zscore_missing_group_key_gives_nan():
    # group a = [2, 3]: median 2.5, |dev| = [0.5, 0.5], MAD = 0.5 -> z = 0.6745
    z = modified_zscore([1, 2, 3], [np.nan, "a", "a"])
    assert np.isnan(z[0])
    np.testing.assert_allclose(z[1:], [0.6745, 0.6745], rtol=1e-12)


def test_change_pvalue_by_hand():
    from gender_metrics.core import stats

    # shares 300/1000 -> 250/1000: pooled 0.275, se 0.019970, z = -2.5038, p = 2 * Phi(-2.5038) = 0.01229
    # SRB 210/190 -> 220/187: z = ln(117.647/110.526) / sqrt(1/210 + 1/190 + 1/220 + 1/187) = 0.4425, p = 0.658
    # rates 20/10000 -> 40/10000: z = ln 2 / sqrt(1/20 + 1/40) = 2.531, p = 0.01137
    # complete counts: any difference is real (p 0), none is none (p 1)
    pv = stats.change_pvalue(["wilson", "srb", "poisson", "none", "none"], [300, 210, 20, 5, 5],
                             [1000, 190, 10000, 10, 10], [250, 220, 40, 6, 5], [1000, 187, 10000, 10, 10])
    assert pv == pytest.approx([0.01229, 0.658, 0.01137, 0.0, 1.0], abs=5e-4)
    assert np.isnan(stats.change_pvalue(["wilson"], [np.nan], [10], [3], [10])).all()

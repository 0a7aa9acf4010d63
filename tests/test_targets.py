"""The province's proposed targets for the next strategy (core/targets.py) against hand-worked cases:
the choice of level, the reason, the rule that a later year never asks less, the contradictions in the
units' proposals, and one case end to end on a trend whose projection is worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

import gender_metrics as gm
from gender_metrics.core.targets import candidate_levels, contradictions, province_targets, recommend
from gender_metrics.reference import load_reference

REF = load_reference()
P = REF.province
# the review's two target years of the next strategy (2025 and 2030 in the bundled review)
Y1, Y2 = REF.review.feasibility_years


def national(ind, year):
    t = REF.next_targets
    return float(t[(t.id == ind) & (t.year == year)].value.iloc[0])


def levels(rows):
    """The province's feasibility at some levels: (indicator, year, value, p_met, verdict)."""
    df = pd.DataFrame(rows, columns=["indicator", "year", "target", "p_met", "verdict"])
    df["unit"], df["k"], df["reachable"] = P, np.nan, np.nan
    df["last_value"], df["last_year"] = 25.0, REF.review.final
    return df


def proposed(rows):
    return pd.DataFrame(rows, columns=["unit", "indicator", "year", "value"])


def own(rows):
    """The units' own judgement of their proposals (feasibility rows, target_kind 'proposed')."""
    df = pd.DataFrame(rows, columns=["unit", "indicator", "year", "target", "last_value", "last_year", "verdict"])
    df["target_kind"], df["p_met"], df["below_national"] = "proposed", np.nan, False
    return df


def rec_of(result, ind, year):
    r = result.recommended
    return r[(r.indicator == ind) & (r.year == year)].iloc[0]


def test_the_most_ambitious_proposed_level_on_track_is_recommended():
    # 2.3 ("at least"): national 27 / 30. 2025: 30 (proposed by 439) is on track (P = 0.85 >= 0.8), 32 (440) is
    # not (0.45): 30 is the most ambitious level on track. 2030: 35 (441) is not on track: the national 30 stays.
    assert (national("2.3", Y1), national("2.3", Y2)) == (27.0, 30.0)
    prop = proposed([("439", "2.3", Y1, 30.0), ("440", "2.3", Y1, 32.0), ("441", "2.3", Y2, 35.0),
                     ("439", "2.3", Y2, 30.0)])
    lv = levels([("2.3", Y1, 27.0, 0.98, "on_track"), ("2.3", Y1, 30.0, 0.85, "on_track"),
                 ("2.3", Y1, 32.0, 0.45, "needs_acceleration"), ("2.3", Y2, 30.0, 0.90, "on_track"),
                 ("2.3", Y2, 35.0, 0.50, "needs_acceleration")])
    res = recommend(own([]), prop, lv, REF)
    a, b = rec_of(res, "2.3", Y1), rec_of(res, "2.3", Y2)
    assert (a.value, a.level, a.reason, a.units, a.p_met) == (30.0, "proposed", "proposed_on_track", ("439",), 0.85)
    assert (a.proposed_low, a.proposed_high, a.n_units) == (30.0, 32.0, 2)
    assert (b.value, b.level, b.reason) == (30.0, "national", "national_on_track")


def test_never_below_the_national_target_even_when_it_is_not_on_track():
    # 4.1 is a ceiling (<= 111 in 2025): lower asks more. 113 (proposed) is less ambitious than the national
    # target: never chosen, though likelier (0.47); 109 asks more but is unlikely (0.08). The national 111 needs
    # acceleration (0.22): it stays, and the reason says it is not on track.
    assert national("4.1", Y1) == 111.0
    prop = proposed([("446", "4.1", Y1, 113.0), ("448", "4.1", Y1, 109.0)])
    lv = levels([("4.1", Y1, 113.0, 0.47, "needs_acceleration"), ("4.1", Y1, 111.0, 0.22, "needs_acceleration"),
                 ("4.1", Y1, 109.0, 0.08, "unlikely")])
    r = rec_of(recommend(own([]), prop, lv, REF), "4.1", Y1)
    assert (r.value, r.reason, r.verdict, r.national_verdict) == (111.0, "national_not_on_track",
                                                                    "needs_acceleration", "needs_acceleration")


def test_a_ceiling_recommends_the_lowest_level_on_track():
    # 4.1 in 2025: 109 (P = 0.9) and 107 (0.85) are both on track and both proposed: 107 asks the most.
    prop = proposed([("437", "4.1", Y1, 107.0), ("448", "4.1", Y1, 109.0)])
    lv = levels([("4.1", Y1, 111.0, 0.95, "on_track"), ("4.1", Y1, 109.0, 0.90, "on_track"),
                 ("4.1", Y1, 107.0, 0.85, "on_track")])
    r = rec_of(recommend(own([]), prop, lv, REF), "4.1", Y1)
    assert (r.value, r.reason, r.units) == (107.0, "proposed_on_track", ("437",))


def test_a_later_year_never_asks_less_than_an_earlier_one():
    # 2.3: 32 is on track for 2025; for 2030 only the national 30 was proposed and is on track, which would
    # ask less than 2025: 32 is kept, judged on the 2030 trend (P = 0.97).
    prop = proposed([("440", "2.3", Y1, 32.0), ("440", "2.3", Y2, 30.0)])
    lv = levels([("2.3", Y1, 27.0, 0.99, "on_track"), ("2.3", Y1, 30.0, 0.95, "on_track"),
                 ("2.3", Y1, 32.0, 0.90, "on_track"), ("2.3", Y2, 27.0, 0.999, "on_track"),
                 ("2.3", Y2, 30.0, 0.99, "on_track"), ("2.3", Y2, 32.0, 0.97, "on_track")])
    r = rec_of(recommend(own([]), prop, lv, REF), "2.3", Y2)
    assert (r.value, r.reason, r.level, r.p_met) == (32.0, "kept_from_earlier", "proposed", 0.97)


def test_no_projection_means_the_national_target_and_a_met_level_counts_as_on_track():
    # 2.1 has no predecessor: no projection, the national target applies. 1.1: the province already meets 65
    # firmly with too few points for a probability (P missing): that level counts as on track.
    prop = proposed([("439", "2.1", Y1, 55.0), ("439", "1.1", Y1, 65.0)])
    lv = levels([("2.1", Y1, 50.0, np.nan, "no_history"), ("2.1", Y1, 55.0, np.nan, "no_history"),
                 ("1.1", Y1, 60.0, np.nan, "already_met"), ("1.1", Y1, 65.0, np.nan, "already_met")])
    res = recommend(own([]), prop, lv, REF)
    a, b = rec_of(res, "2.1", Y1), rec_of(res, "1.1", Y1)
    assert (a.value, a.reason) == (national("2.1", Y1), "national_no_trend")
    assert (b.value, b.reason, b.verdict) == (65.0, "proposed_on_track", "already_met")


def test_contradictions_in_the_proposals():
    prop = proposed([
        ("439", "2.3", Y1, 32.0), ("439", "2.3", Y2, 30.0),     # "at least": 30 after 32 asks less
        ("440", "4.1", Y1, 109.0), ("440", "4.1", Y2, 111.0),   # a ceiling: 111 after 109 asks less
        ("441", "2.3", Y1, 25.0),                                # below its own 28.0 of the final year
        ("443", "2.3", Y1, 28.0),                                # equal to its own result: no contradiction
        ("442", "4.2", Y1, 42.0),                                # above its own 0 deaths, but small numbers
    ])
    feas = own([("441", "2.3", Y1, 25.0, 28.0, 2020, "on_track"), ("443", "2.3", Y1, 28.0, 28.0, 2020, "on_track"),
                ("442", "4.2", Y1, 42.0, 0.0, 2020, "too_uncertain")])
    c = contradictions(prop, feas, REF)
    got = sorted(zip(c.unit, c.indicator, c.kind, c.year, c.value, c.other_year, c.other_value, strict=True))
    assert got == sorted([("439", "2.3", "weaker_than_earlier", Y2, 30.0, Y1, 32.0),
                          ("440", "4.1", "weaker_than_earlier", Y2, 111.0, Y1, 109.0),
                          ("441", "2.3", "below_own_result", Y1, 25.0, 2020, 28.0)])


def test_candidate_levels_are_the_national_targets_and_every_proposed_value():
    prop = proposed([("439", "2.3", Y1, 30.0), ("440", "2.3", Y2, 33.0), (P, "2.3", Y1, 99.0),  # the province
                     ("439", "9.9", Y1, 1.0)])                                                  # not an indicator
    lv = candidate_levels(prop, REF)
    got = sorted(lv[lv.indicator == "2.3"][["year", "value"]].itertuples(index=False, name=None))
    assert got == [(Y1, 27.0), (Y1, 30.0), (Y1, 33.0), (Y2, 27.0), (Y2, 30.0), (Y2, 33.0)]
    assert set(lv.unit) == {P} and "9.9" not in set(lv.indicator)


def test_end_to_end_on_a_trend_worked_out_by_hand(tmp_path):
    """Every district's share of enterprises owned by women (2.2 of the judged strategy, the predecessor
    of the next strategy's 2.3) follows logit(p) = logit(20%) + b (t - baseline), reaching 25% in the final
    year. By hand: b = (logit 0.25 - logit 0.20) / 10 = (-1.09861 + 1.38629) / 10 = 0.028768 a year;
    the province (ratio of sums, the same share) projects to logit = -1.09861 + 5 b = -0.95477 in the first
    target year, p = 1 / (1 + e^0.95477) = 27.80%, and -0.81093, p = 30.77% in the second. With 10,000
    enterprises a district the fit is almost exact: the national 27 and 30 are on track, 29 and 31 are not,
    and 26 asks less than the national target: the province keeps 27 and 30."""
    r = REF.review
    b = (math.log(0.25 / 0.75) - math.log(0.20 / 0.80)) / (r.fit_last - r.fit_first)
    rows = []
    for u in REF.units.areas:
        for y in range(r.fit_first, r.fit_last + 1):
            p = 1 / (1 + math.exp(-(math.log(0.2 / 0.8) + b * (y - r.fit_first))))
            rows.append((u, "2.2", y, round(p * 10000), 10000.0))
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "year", "numerator", "denominator"])
    obs["value"], obs["strategy"], obs["source"] = np.nan, r.strategy, "test"
    prop = proposed([("439", "2.3", Y1, 29.0), ("440", "2.3", Y1, 26.0), ("441", "2.3", Y2, 31.0)])
    feas = gm.feasibility(obs, prop).assign(target_kind="proposed")
    res = province_targets(obs, feas, prop, REF)
    lv = res.levels[res.levels.indicator == "2.3"].set_index(["year", "value"])
    projected = gm.feasibility(obs)                      # the national rows: the projection itself
    proj = projected[(projected.unit == P) & (projected.indicator == "2.3")].set_index("year").projected
    assert proj[Y1] == pytest.approx(27.80, abs=0.01) and proj[Y2] == pytest.approx(30.77, abs=0.01)
    assert lv.loc[(Y1, 27.0)].p_met > 0.99 and lv.loc[(Y1, 29.0)].p_met < 0.01
    assert lv.loc[(Y2, 30.0)].p_met > 0.99 and lv.loc[(Y2, 31.0)].p_met < 0.2
    a, c = rec_of(res, "2.3", Y1), rec_of(res, "2.3", Y2)
    assert (a.value, a.reason, c.value, c.reason) == (27.0, "national_on_track", 30.0, "national_on_track")
    assert a.baseline == pytest.approx(25.0, abs=0.01) and a.baseline_year == r.fit_last
    # who proposed what, each judged on its own (identical) trend; 26 < 27 is below the national target
    pr = res.proposals.set_index("unit")
    assert bool(pr.loc["440", "below_national"]) and not bool(pr.loc["439", "below_national"])
    assert pr.loc["439", "verdict"] == "unlikely"

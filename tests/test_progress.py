"""Progress verdicts against hand calculations and the worked numbers of METHODS.md."""

import math

import numpy as np
import pandas as pd
import pytest

import gender_metrics as gm


def obs(rows):
    """rows: (unit, indicator, year, numerator, denominator, value)."""
    df = pd.DataFrame(rows, columns=["unit", "indicator", "year", "numerator", "denominator", "value"])
    df["strategy"] = "2011-2020"
    df["source"] = "test"
    return df


def row(prog, unit, ind, milestone, breakdown=""):
    r = prog[(prog.unit == unit) & (prog.indicator == ind) & (prog.milestone == milestone) & (prog.breakdown == breakdown)]
    assert len(r) == 1, (unit, ind, milestone, len(r))
    return r.iloc[0]


@pytest.mark.parametrize("ind,milestone,value,status", [
    ("4.1", 2015, 112.0, "achieved"), ("4.1", 2015, 113.0, "achieved"), ("4.1", 2015, 113.5, "not_achieved"),  # <= ceiling
    ("1.2", 2020, 95.0, "not_achieved"), ("1.2", 2020, 95.1, "achieved"),                                      # strict >
    ("1.2", 2015, 80.0, "achieved"), ("1.2", 2015, 79.9, "not_achieved"),                                      # >=
    ("2.1", 2020, 39.9, "not_achieved"), ("2.1", 2020, 45.0, "achieved"), ("2.1", 2020, 60.5, "not_achieved"),  # band 40-60
    ("4.2", 2020, 52.0, "achieved"), ("4.2", 2020, 60.0, "not_achieved"),                                      # <=
])
def test_operators(ind, milestone, value, status):
    p = gm.progress(obs([("439", ind, milestone, np.nan, np.nan, value)]))
    assert row(p, "439", ind, milestone).status == status


def test_ratio_of_sums_not_average_of_rates():
    # 1/10 (10%) and 50/100 (50%): sum of parts 51/110 = 46.36%, the average of rates would be 30%
    p = gm.progress(obs([("439", "2.2", 2020, 1, 10, np.nan), ("440", "2.2", 2020, 50, 100, np.nan)]))
    r = row(p, "42", "2.2", 2020)
    assert r.value == pytest.approx(100 * 51 / 110)
    assert r.numerator == 51 and r.denominator == 110
    assert r.source == "sum of 2 districts"


def test_official_department_value_wins_and_aggregate_is_kept():
    p = gm.progress(obs([("439", "2.2", 2020, 10, 100, np.nan), ("440", "2.2", 2020, 30, 100, np.nan),
                         ("so-khdt", "2.2", 2020, 36, 100, np.nan)]))
    r = row(p, "42", "2.2", 2020)
    assert r.value == pytest.approx(36.0)
    assert r.value_districts == pytest.approx(20.0)
    assert r.differs_from_districts


def test_aggregate_not_computable_when_a_district_has_only_a_rate():
    p = gm.progress(obs([("439", "2.2", 2020, 10, 100, np.nan), ("440", "2.2", 2020, np.nan, np.nan, 30.0)]))
    assert row(p, "42", "2.2", 2020).status == "no_data"


def test_term_based_indicator_uses_the_election_year():
    p = gm.progress(obs([("439", "1.1b", 2011, 3000, 10000, np.nan), ("439", "1.1b", 2016, 3600, 10000, np.nan)]))
    r15, r20 = row(p, "439", "1.1b", 2015), row(p, "439", "1.1b", 2020)
    assert r15.value_year == 2011 and r15.value == pytest.approx(30.0)
    assert r20.value_year == 2016 and r20.value == pytest.approx(36.0)
    assert r20.status == "achieved"  # 36% > 35% (seats are a complete count: no sampling interval)
    assert np.isnan(r20.ci_low)
    assert "2016" in r20.note


def test_missing_milestone_year_uses_year_before_and_says_so():
    p = gm.progress(obs([("439", "4.4", 2019, np.nan, np.nan, 24.0)]))
    r = row(p, "439", "4.4", 2020)
    assert r.value_year == 2019 and r.status == "achieved" and "2019" in r.note
    assert row(p, "439", "4.4", 2015).status == "no_data"


def test_not_collected_differs_from_no_data():
    p = gm.progress(obs([("439", "4.4", 2020, np.nan, np.nan, 24.0)]))
    assert row(p, "439", "3.2", 2020).status == "not_collected"  # master's holders: province only
    assert row(p, "439", "4.3", 2020).status == "no_data"        # collected at district level, not reported


def test_worked_example_maternal_deaths_inconclusive():
    # METHODS.md: 3 deaths / 2,000 births -> 150 per 100,000, exact 95% CI about [31, 438]
    p = gm.progress(obs([("439", "4.2", 2020, 3, 2000, np.nan)]))
    r = row(p, "439", "4.2", 2020)
    assert r.value == pytest.approx(150.0)
    assert r.ci_low == pytest.approx(31, abs=1) and r.ci_high == pytest.approx(438, abs=1)
    assert r.status == "inconclusive"  # the interval covers the target 52
    assert r.unstable


def test_worked_example_sex_ratio_inconclusive():
    # METHODS.md: 530 boys / 470 girls -> 112.8, 95% CI about [99.6, 127.7]
    p = gm.progress(obs([("439", "4.1", 2015, 530, 470, np.nan)]))
    r = row(p, "439", "4.1", 2015)
    assert r.value == pytest.approx(112.77, abs=0.01)
    assert r.ci_low == pytest.approx(99.6, abs=0.1) and r.ci_high == pytest.approx(127.7, abs=0.1)
    assert r.status == "inconclusive"
    # 108.3 on 100,000 births: interval about [107.0, 109.7], wholly under the ceiling 113
    p = gm.progress(obs([("439", "4.1", 2015, 52000, 48000, np.nan)]))
    assert row(p, "439", "4.1", 2015).status == "achieved"
    # 118 on 100,000 births: interval wholly above 113
    p = gm.progress(obs([("439", "4.1", 2015, 54128, 45872, np.nan)]))
    assert row(p, "439", "4.1", 2015).status == "not_achieved"


def test_progress_ratio_and_pace_by_hand():
    # 1.1b-like share without term: use 2.2 (>= 35 in 2020). 2010: 20%, 2020: 30%.
    p = gm.progress(obs([("439", "2.2", 2010, np.nan, np.nan, 20.0), ("439", "2.2", 2020, np.nan, np.nan, 30.0)]))
    r = row(p, "439", "2.2", 2020)
    assert r.progress_ratio == pytest.approx((30 - 20) / (35 - 20))
    cagr_a = (30 / 20) ** (1 / 10) - 1   # 0.04138
    cagr_r = (35 / 20) ** (1 / 10) - 1   # 0.05756
    assert r.cagr_actual == pytest.approx(cagr_a)
    assert r.cagr_required == pytest.approx(cagr_r)
    assert cagr_a / cagr_r == pytest.approx(0.719, abs=1e-3)
    assert r.pace == "moderate"
    assert r.expected_progress == pytest.approx(1.0)


def test_national_verdicts_match_published_numbers():
    from gender_metrics.ingest import national_observations

    p = gm.progress(national_observations(gm.load_reference()))
    srb15, srb20 = row(p, "VN", "4.1", 2015), row(p, "VN", "4.1", 2020)
    assert (srb15.value, srb15.status) == (112.8, "achieved")   # <= 113
    assert (srb20.value, srb20.status) == (112.1, "achieved")   # <= 115
    for bd in ("national_assembly", "provincial_council"):
        assert row(p, "VN", "1.1b", 2020, bd).status == "not_achieved"  # 26.8 / 26.7 < 35
    na15 = row(p, "VN", "1.1b", 2015, "national_assembly")
    assert na15.value == 24.4 and na15.value_year == 2011 and na15.status == "not_achieved"
    assert not math.isnan(na15.baseline) and na15.baseline_year == 2007


def test_sample_data_end_to_end(processed):
    p = gm.progress(gm.load_observations(processed))
    assert set(p.status) <= {"achieved", "not_achieved", "inconclusive", "no_data", "not_collected"}
    assert set(p.pace) <= {"target_met", "significant", "moderate", "insufficient", "moving_away", "not_computed"}
    # the department that sent nothing (Sở Tư pháp, 7.1) has no data, and so has the province for 7.1
    assert set(p[p.unit == "so-tu-phap"].status) == {"no_data"}
    assert set(p[(p.unit == "42") & (p.indicator == "7.1")].status) == {"no_data"}
    assert len(p[p.unit == "439"]) == 47  # 24 indicators, 2 milestones, 1.1a has only 2020


def test_league_table_ranks_by_share_achieved_then_progress():
    rows = [  # 439: 2 of 2 achieved; 440: 1 of 2 achieved (2.2 at 30% < 35%); 441: 1 of 2, less progress
        ("439", "4.4", 2020, np.nan, np.nan, 24.0), ("439", "2.2", 2020, np.nan, np.nan, 36.0),
        ("440", "4.4", 2020, np.nan, np.nan, 24.0), ("440", "2.2", 2010, np.nan, np.nan, 20.0),
        ("440", "2.2", 2020, np.nan, np.nan, 30.0),
        ("441", "4.4", 2020, np.nan, np.nan, 24.0), ("441", "2.2", 2010, np.nan, np.nan, 20.0),
        ("441", "2.2", 2020, np.nan, np.nan, 22.0),
        ("439", "4.2", 2018, 1, 10000, np.nan), ("440", "4.2", 2018, 9, 10000, np.nan),
    ]
    o = obs(rows)
    lt = gm.league_table(gm.progress(o), o).set_index("unit")
    # 4.2 of 2018 is not a 2020 milestone value (only 2020 or 2019 count): it is not assessed
    assert lt.loc["439", "achieved"] == 2 and lt.loc["439", "assessed"] == 2
    assert lt.loc["440", "share_achieved"] == pytest.approx(1 / 2)
    # 440 travelled (30-20)/(35-20) = 0.667 of the way on 2.2, 441 only (22-20)/15 = 0.133
    assert lt.loc["440", "mean_progress"] > lt.loc["441", "mean_progress"]
    assert list(lt.sort_values("rank").index[:3]) == ["439", "440", "441"]
    assert lt.loc["439", "mmr_raw"] == pytest.approx(10.0) and lt.loc["440", "mmr_raw"] == pytest.approx(90.0)
    # EB pulls both toward the pooled mean of 50 per 100,000 (or onto it when the spread is all noise)
    assert 10.0 <= lt.loc["439", "mmr_eb"] <= 50.0 <= lt.loc["440", "mmr_eb"] <= 90.0


def test_full_coverage_target_is_judged_on_the_count():
    # 6.3 (>= 100%): 1 of 1 victims supported is every case: achieved; 4 of 5 is not, whatever the interval
    p = gm.progress(obs([("439", "6.3", 2020, 1, 1, np.nan), ("440", "6.3", 2020, 4, 5, np.nan)]))
    assert row(p, "439", "6.3", 2020).status == "achieved"
    assert row(p, "440", "6.3", 2020).status == "not_achieved"

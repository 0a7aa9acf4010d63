"""Progress verdicts against hand calculations and the worked numbers of METHODS.md."""

import dataclasses
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


def test_worked_example_maternal_deaths_small_numbers():
    # METHODS.md: 3 deaths / 2,000 births -> 150 per 100,000, exact 95% CI about [31, 438]
    p = gm.progress(obs([("439", "4.2", 2020, 3, 2000, np.nan)]))
    r = row(p, "439", "4.2", 2020)
    assert r.value == pytest.approx(150.0)
    assert r.ci_low == pytest.approx(31, abs=1) and r.ci_high == pytest.approx(438, abs=1)
    assert r.status == "not_achieved"       # 150 against "at most 52": the official verdict
    assert r.certainty == "small_numbers"   # 3 events < 20: it qualifies the verdict, never replaces it
    assert r.events == 3


def _catalogue_with(ind, year, value):
    """The bundled catalogue with one target changed: a review's targets are data."""
    cat = gm.load_catalogue()
    t = cat.targets.copy()
    t.loc[(t.strategy == "2011-2020") & (t.id == ind) & (t.year == year), "value"] = value
    return dataclasses.replace(cat, targets=t)


def test_worked_example_sex_ratio_two_layers():
    # METHODS.md: 530 boys / 470 girls -> 112.8, 95% CI about [99.6, 127.7]
    p = gm.progress(obs([("439", "4.1", 2015, 530, 470, np.nan)]))
    r = row(p, "439", "4.1", 2015)
    assert r.value == pytest.approx(112.77, abs=0.01)
    assert r.ci_low == pytest.approx(99.6, abs=0.1) and r.ci_high == pytest.approx(127.7, abs=0.1)
    assert (r.status, r.certainty) == ("achieved", "uncertain")        # 112.8 <= 113, the interval spans 113
    # METHODS.md: "against 109, not achieved, uncertain"
    p = gm.progress(obs([("439", "4.1", 2015, 530, 470, np.nan)]), _catalogue_with("4.1", 2015, 109.0))
    r = row(p, "439", "4.1", 2015)
    assert (r.target, r.status, r.certainty) == (109.0, "not_achieved", "uncertain")
    # 108.3 on 100,000 births: interval about [107.0, 109.7], wholly under the ceiling 113
    p = gm.progress(obs([("439", "4.1", 2015, 52000, 48000, np.nan)]))
    assert tuple(row(p, "439", "4.1", 2015)[["status", "certainty"]]) == ("achieved", "firm")
    # 118 on 100,000 births: interval wholly above 113
    p = gm.progress(obs([("439", "4.1", 2015, 54128, 45872, np.nan)]))
    assert tuple(row(p, "439", "4.1", 2015)[["status", "certainty"]]) == ("not_achieved", "firm")
    # the case: 115.8 against "at most 115" reads "not achieved", not "cannot conclude"
    p = gm.progress(obs([("439", "4.1", 2020, 1158, 1000, np.nan)]))
    assert tuple(row(p, "439", "4.1", 2020)[["status", "certainty"]]) == ("not_achieved", "uncertain")


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
    assert set(p.status) <= {"achieved", "not_achieved", "incomplete", "no_data", "not_collected"}
    assert set(p.certainty) <= {"firm", "uncertain", "small_numbers", "exact", ""}
    assert (p[p.status.isin(["no_data", "not_collected"])].certainty == "").all()   # no value, nothing to qualify
    assert (p[p.ci_low.notna()].certainty != "").all()                            # an interval always qualifies
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
    assert not lt.ranked.any()   # 2 of 19 indicators assessed each: compared, never ranked (see below)
    assert lt.loc["439", "mmr_raw"] == pytest.approx(10.0) and lt.loc["440", "mmr_raw"] == pytest.approx(90.0)
    # EB pulls both toward the pooled mean of 50 per 100,000 (or onto it when the spread is all noise)
    assert 10.0 <= lt.loc["439", "mmr_eb"] <= 50.0 <= lt.loc["440", "mmr_eb"] <= 90.0


def test_full_coverage_target_is_judged_on_the_count():
    # 6.3 (>= 100%): 1 of 1 victims supported is every case: achieved; 4 of 5 is not, whatever the interval
    p = gm.progress(obs([("439", "6.3", 2020, 1, 1, np.nan), ("440", "6.3", 2020, 4, 5, np.nan)]))
    assert row(p, "439", "6.3", 2020).status == "achieved"
    assert row(p, "440", "6.3", 2020).status == "not_achieved"


# --------------------------------------------------------------------------- bands, coverage, basis


@pytest.mark.parametrize("num,den,status,certainty", [
    (500, 1000, "achieved", "firm"),          # [46.9, 53.1]: wholly inside 40-60
    (25, 50, "achieved", "uncertain"),        # [36.6, 63.4]: both ends outside the band, yet not sure
    (42, 100, "achieved", "uncertain"),       # [32.8, 51.8]: across the lower edge
    (300, 1000, "not_achieved", "firm"),      # [27.2, 32.9]: wholly below
    (650, 1000, "not_achieved", "firm"),      # [62.0, 67.9]: wholly above
    (38, 100, "not_achieved", "uncertain"),   # [29.1, 47.7]: across the lower edge
])
def test_band_certainty(num, den, status, certainty):
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = (100 * x for x in proportion_confint(num, den, method="wilson"))
    inside, outside = 40 <= lo and hi <= 60, hi < 40 or lo > 60   # METHODS.md §4, by hand
    assert certainty == ("firm" if inside or outside else "uncertain")
    r = row(gm.progress(obs([("439", "2.1", 2020, num, den, np.nan)])), "439", "2.1", 2020)
    assert (r.status, r.certainty) == (status, certainty)
    assert r.ci_low == pytest.approx(lo) and r.ci_high == pytest.approx(hi)


def _districts():
    u = gm.load_units()
    return u[u.level == "district"].code.tolist()


def test_a_province_from_part_of_its_districts_is_incomplete():
    d = _districts()
    assert len(d) == 13
    rows = [(c, "2.2", 2010, 20, 100, np.nan) for c in d] + [(c, "2.2", 2020, 40, 100, np.nan) for c in d[:2]]
    p = gm.progress(obs(rows))
    r = row(p, "42", "2.2", 2020)
    assert r.value == pytest.approx(40.0)                    # the sum is shown ...
    assert r.status == "incomplete" and (r.units_reported, r.units_expected) == (2, 13)   # ... not judged
    assert pd.isna(r.progress_ratio) and r.pace == "not_computed"   # 13 districts in 2010, 2 in 2020
    from gender_metrics.core.narrative import result_sentence

    ref = gm.load_reference()
    assert "mới tổng hợp được 2/13 huyện" in result_sentence(r, ref, "vi")
    assert "only 2 of 13 districts reported" in result_sentence(r, ref, "en")
    # every district in both years: the province's own verdict and its progress
    rows = [(c, "2.2", y, n, 100, np.nan) for c in d for y, n in ((2010, 20), (2020, 40))]
    r = row(gm.progress(obs(rows)), "42", "2.2", 2020)
    assert r.status == "achieved" and (r.units_reported, r.units_expected) == (13, 13) and r.basis == "areas"
    assert r.progress_ratio == pytest.approx((40 - 20) / (35 - 20))


def test_the_departments_figure_is_the_basis_and_says_so():
    d = _districts()
    rows = [(c, "2.2", 2020, 10, 100, np.nan) for c in d[:2]] + [("so-khdt", "2.2", 2020, 36, 100, np.nan)]
    r = row(gm.progress(obs(rows)), "42", "2.2", 2020)
    assert r.basis == "department" and r.status == "achieved"     # official, though only 2 districts summed
    from gender_metrics.present.views import basis_note

    note = basis_note(r, gm.load_reference(), "vi")
    assert note == "số liệu của Sở Kế hoạch và Đầu tư; tổng hợp từ 2/13 huyện: 10,0%"


MET = {"1.2": 96, "2.1": 50, "2.2": 40, "2.3": 55, "3.1": 99, "4.1": 110, "4.3": 60, "4.4": 20, "6.2a": 60,
       "6.2b": 80, "1.3": 100}
MISSED = {"1.2": 90, "2.1": 30, "2.2": 30, "2.3": 40, "3.1": 90, "4.1": 120, "4.3": 40, "4.4": 30, "6.2a": 40,
          "6.2b": 70, "1.3": 90}


def test_league_ranks_only_comparable_areas_says_ties_and_a_flat_smoothing():
    from gender_metrics.present.views import league_view

    def area(unit, n_met, n_missed, deaths):
        ids = list(MET)
        rows = [(unit, i, 2020, np.nan, np.nan, float(MET[i])) for i in ids[:n_met]]
        rows += [(unit, i, 2020, np.nan, np.nan, float(MISSED[i])) for i in ids[n_met:n_met + n_missed]]
        return rows + [(unit, "4.2", 2020, deaths, 10000, np.nan)]     # 40 or 60 per 100,000: 12 assessed
    rows = area("439", 9, 2, 4) + area("440", 9, 2, 4) + area("441", 5, 6, 6) + area("442", 1, 0, None)[:1]
    o = obs(rows)
    lt = gm.league_table(gm.progress(o), o).set_index("unit")
    assert lt.loc["439", "expected"] == 19 and lt.loc["439", "assessed"] == 12 and lt.loc["439", "achieved"] == 10
    # 1 of 1 achieved is 100%, but 1 of 19 expected indicators is no basis to rank it with 12 of 19
    assert lt.loc["442", "share_achieved"] == 1.0 and not lt.loc["442", "ranked"] and np.isnan(lt.loc["442", "rank"])
    assert lt.loc["439", "rank"] == lt.loc["440", "rank"] == 1 and lt.loc["439", "tied"] and lt.loc["440", "tied"]
    assert lt.loc["441", "rank"] == 3 and not lt.loc["441", "tied"]                  # 1, 1, 3
    # 4, 4, 6 deaths in 10,000 births each: by hand s² = 1.19e-8 - m/n̄ (4.67e-8) < 0, clipped to 0
    assert lt.eb_flat.all() and lt.loc[["439", "440", "441"], "mmr_eb"].round(6).nunique() == 1
    v = league_view(lt.reset_index(), gm.load_reference(), "vi").set_index("unit")
    assert v.loc["Huyện Hương Sơn", "rank"] == "1 (đồng hạng)"
    assert v.loc["Huyện Vũ Quang", "rank"] == "3"
    assert v.loc["Huyện Nghi Xuân", "rank"] == "không xếp hạng (1/19 chỉ tiêu)"
    assert set(v.eb) == {"–"}     # the smoothed rate is not printed thirteen times over


def test_shortlist_takes_ranked_on_time_areas_at_or_above_the_median_and_says_ties():
    from gender_metrics.core.league import shortlist
    from gender_metrics.present.views import shortlist_items

    def area(unit, n_met, n_missed, deaths):
        ids = list(MET)
        rows = [(unit, i, 2020, np.nan, np.nan, float(MET[i])) for i in ids[:n_met]]
        rows += [(unit, i, 2020, np.nan, np.nan, float(MISSED[i])) for i in ids[n_met:n_met + n_missed]]
        return rows + [(unit, "4.2", 2020, deaths, 10000, np.nan)]
    rows = area("439", 9, 2, 4) + area("440", 9, 2, 4) + area("441", 5, 6, 6) + area("442", 1, 0, None)[:1]
    rows += [("so-y-te", "4.4", 2020, np.nan, np.nan, 20.0), ("so-y-te", "4.3", 2020, np.nan, np.nan, 40.0),
             ("so-gddt", "3.1", 2020, np.nan, np.nan, 90.0)]
    o = obs(rows)
    ref = gm.load_reference()
    prog = gm.progress(o)
    lt = gm.league_table(prog, o)
    subs = pd.DataFrame({"unit": ["439", "440", "441", "442", "so-y-te", "so-gddt"],
                         "on_time": [True, False, True, True, True, True]})
    sl = shortlist(prog, lt, subs, ref).set_index("unit")
    # 439: rank 1 (tied with 440), 10/12 = median of the ranked (10/12, 10/12, 5/12), on time
    # 440: same results but late; 441: rank 3 but under the median; 442: 1/1 but not ranked (1 of 19)
    assert list(sl.index) == ["439", "so-y-te"]
    assert sl.loc["439", "rank"] == 1 and sl.loc["439", "tied"]
    assert (sl.loc["so-y-te", "achieved"], sl.loc["so-y-te", "assessed"]) == (1, 2)   # half: enough; so-gddt 0/1
    items = shortlist_items(sl.reset_index(), ref, "vi")
    assert items == ["Huyện Hương Sơn: hạng 1 (đồng hạng), đạt 10/12 chỉ tiêu đánh giá được (83,3%)",
                     "Sở Y tế: đạt 1/2 chỉ tiêu được giao (50,0%)"]

"""The mid-term review so-ket-2021-2025 on Hà Tĩnh's 2025 unit tree: the commune units (codes, names,
kinds, resolution), the 2025 verdicts against hand-worked cases, feasibility of a strategy's own 2030
targets (a hand calculation, and METHODS.md §5's worked check through a same-strategy review), the former
districts' series as context (never re-aggregated onto a commune), and the province report of the new
tree rendered end to end from the sample forms. Expected numbers are worked out here, never taken from
the code under test."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import unicodedata

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import gender_metrics as gm
from gender_metrics.reference import ReviewError, UnitError, UnitsError, load_reference
from gender_metrics.reference.review import bundled_dir, load_review
from gender_metrics.reference.units import load_units_file

REVIEW = "so-ket-2021-2025"
# shared/reference/communes_ha_tinh_2025.csv: the 69 codes in the list's order, and the 9 wards
CODES = """18073 18100 18115 18118 18133 18160 18163 18172 18184 18196 18199 18202 18223 18229 18244 18262 18277
18304 18313 18322 18328 18352 18364 18373 18394 18406 18409 18418 18436 18466 18481 18484 18496 18502 18523 18532
18544 18547 18550 18562 18568 18583 18586 18601 18604 18619 18628 18634 18652 18667 18673 18676 18682 18685 18736
18739 18742 18748 18754 18766 18775 18781 18787 18790 18814 18823 18832 18838 18844""".split()
WARDS = {"18073": "Thành Sen", "18100": "Trần Phú", "18115": "Bắc Hồng Lĩnh", "18118": "Nam Hồng Lĩnh",
         "18652": "Hà Huy Tập", "18754": "Sông Trí", "18781": "Hải Ninh", "18823": "Vũng Áng",
         "18832": "Hoành Sơn"}


@pytest.fixture(scope="module")
def ref():
    return load_reference(REVIEW)


def obs(rows, strategy="2021-2030"):
    """rows: (unit, indicator, year, numerator, denominator, value)."""
    df = pd.DataFrame(rows, columns=["unit", "indicator", "year", "numerator", "denominator", "value"])
    return df.assign(strategy=strategy, source="test")


# --------------------------------------------------------------------------- the commune units
def test_the_2025_tree_has_the_69_communes_and_wards_with_their_codes(ref):
    u = ref.units
    assert u.area_level == "commune" and ref.province == "42" and u.national is None
    assert u.areas == CODES                                     # the statistics office's codes, in its order
    t = u.table.set_index("code").loc[CODES]
    assert (t.type_vi == "Phường").sum() == 9 and (t.type_vi == "Xã").sum() == 60
    assert dict(t.name_vi[t.type_vi == "Phường"]) == WARDS
    assert t.slug.is_unique and set(t.parent) == {"42"}
    assert ref.label("18073") == "Phường Thành Sen" and ref.label("18073", "en") == "Thanh Sen Ward"
    assert ref.label("18196") == "Xã Sơn Kim 1" and ref.label("18844", "en") == "Ky Thuong Commune"
    # the former districts, as the list gives them (codes of the 2021 tree)
    assert u.former_districts("18115") == ("442", "437")
    assert u.former_districts("18685") == ("446", "436")
    assert u.former_districts("18073") == ("436",)
    assert "Phường Đại Nài (một phần)" in t.formed_from["18652"]
    # the review's compiler and the departments' indicators (a proposal): every indicator has one department
    assert ref.review.compiler == "so-noi-vu" and ref.label("so-noi-vu") == "Sở Nội vụ"
    assert sorted(u.owner) == sorted(ref.judged.index)


@pytest.mark.parametrize("text,code", [
    ("Phường Thành Sen", "18073"), ("P. Thành Sen", "18073"), ("phuong thanh sen", "18073"), ("Thành Sen", "18073"),
    ("Xã Sơn Kim 1", "18196"), ("X. Sơn Kim 2", "18199"), ("xa son kim 2", "18199"), ("18844", "18844"),
    ("xa-ky-thuong", "18844"), (unicodedata.normalize("NFD", "Xã Kỳ Thượng"), "18844"), ("SỞ Y TẾ", "so-y-te"),
    ("Tỉnh Hà Tĩnh", "42"),
])
def test_commune_names_resolve(ref, text, code):
    assert ref.units.resolve(text) == code
    assert gm.resolve_unit(text, review=REVIEW) == code


def _tree_copy(tmp_path, change):
    src = (bundled_dir() / "units" / "ha-tinh-2025.yaml").read_text(encoding="utf-8")
    assert change[0] in src
    path = tmp_path / "tree.yaml"
    path.write_text(src.replace(*change, 1), encoding="utf-8")
    return path


def test_a_name_two_communes_share_is_ambiguous(tmp_path):
    # rename Xã Sơn Tiến to "Thành Sen": the bare name is then ambiguous, the type word decides
    units = load_units_file(_tree_copy(tmp_path, ("name_vi: Sơn Tiến", "name_vi: Thành Sen")))
    with pytest.raises(UnitError) as err:
        units.resolve("Thành Sen")
    assert set(err.value.codes) == {"18073", "18163"} and "Phường Thành Sen" in str(err.value)
    assert units.resolve("P. Thành Sen") == "18073" and units.resolve("Xã Thành Sen") == "18163"


@pytest.mark.parametrize("change,message", [
    (("slug: xa-son-tien", "slug: phuong-thanh-sen"), r"slug 'phuong-thanh-sen' is used by another unit"),
    (("  phuong: Phường\n  p: Phường\n", ""), r"type 'Phường' has no entry in 'prefixes'"),
    (("former_districts: ['439']", "former_districts: '439'"), r"former_districts must be a list"),
    (("code: '18100'", "code: '18073'"), r"duplicate unit code"),
])
def test_the_tree_is_checked_when_loaded(tmp_path, change, message):
    with pytest.raises(UnitsError, match=message):
        load_units_file(_tree_copy(tmp_path, change))


def test_former_districts_must_be_districts_of_the_context_review(tmp_path):
    folder = tmp_path / "reviews"
    shutil.copytree(bundled_dir(), folder)
    tree = folder / "units" / "ha-tinh-2025.yaml"
    tree.write_text(tree.read_text(encoding="utf-8").replace("former_districts: ['436']", "former_districts: ['999']", 1),
                    encoding="utf-8")
    with pytest.raises(UnitsError, match=r"unit '18073': former_districts \['999'\] are not districts of the "
                                         r"context review 'tong-ket-2011-2020'"):
        load_reference(folder / f"{REVIEW}.yaml")


def test_the_review_reads_as_written(ref):
    r = ref.review
    assert (r.strategy, r.baseline_year, r.milestones, r.years[0], r.years[-1]) == ("2021-2030", 2020, (2025,), 2020, 2025)
    assert (r.feasibility_strategy, r.feasibility_years, r.fit_first, r.fit_last) == ("2021-2030", (2030,), 2020, 2025)
    assert r.checks_own_targets and r.context_review == "tong-ket-2011-2020"
    assert r.deadline_placeholder and r.plan["placeholder"] and r.plan["vi"] == "Kế hoạch số …/KH-UBND"
    # the 2021-2030 catalogue as shipped: 18 rows, their verified flags kept
    assert len(ref.judged) == 18 and dict(ref.judged.verified.value_counts()) == {"yes": 14, "partly": 4}
    # a strategy's own later targets: each indicator's history is itself
    assert list(ref.next.history) == list(ref.next.index)
    lay = gm.forms.layout_of(ref)
    assert (lay.sheet_ind, lay.sheet_tgt) == ("Chỉ tiêu 2020-2025", "Mục tiêu 2030")
    assert ref.text("section_feasibility") == "Khả năng đạt các chỉ tiêu năm 2030"
    # the default review stays the 2011-2020 one
    assert load_reference().review.name == "tong-ket-2011-2020"


def test_a_review_without_a_sample_model_gets_a_clear_error(tmp_path, ref):
    from gender_metrics.forms.sample import SampleModelError, generate_sample

    folder = tmp_path / "reviews"
    shutil.copytree(bundled_dir(), folder)
    path = folder / f"{REVIEW}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("sample: samples/", "# sample: samples/"), encoding="utf-8")
    with pytest.raises(SampleModelError, match=r"no sample model for review 'so-ket-2021-2025'"):
        generate_sample(tmp_path / "out", reference=load_reference(path))
    folder = tmp_path / "reviews-2"    # reference data are loaded once per file: a second copy
    shutil.copytree(bundled_dir(), folder)
    path = folder / f"{REVIEW}.yaml"
    model = folder / "samples" / f"{REVIEW}.yaml"
    model.write_text(model.read_text(encoding="utf-8").replace("  - {id: '5.2'", "  # - {id: '5.2'"), encoding="utf-8")
    with pytest.raises(SampleModelError, match=r"no model for the indicators the communes and wards report: \['5.2'\]"):
        generate_sample(tmp_path / "out", reference=load_reference(path))


# --------------------------------------------------------------------------- 2025 verdicts, by hand
def wilson(k, n):
    z = stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_2025_verdicts_of_communes_and_the_province_by_hand(ref):
    rows = [
        ("18133", "1.1", 2020, 4, 10, np.nan), ("18133", "1.1", 2025, 6, 10, np.nan),
        ("18160", "1.1", 2020, 2, 12, np.nan), ("18160", "1.1", 2025, 3, 12, np.nan),
        ("18133", "4.2", 2025, 1, 380, np.nan),
        ("18160", "4.1", 2025, 230, 190, np.nan),
        ("18160", "5.1", 2025, 9, 10, np.nan),
        ("so-noi-vu", "1.1", 2025, np.nan, np.nan, 62.0),
    ]
    p = gm.progress(obs(rows), reference=ref)
    assert set(p.milestone) == {2025} and set(p.strategy) == {"2021-2030"}

    def row(u, i):
        r = p[(p.unit == u) & (p.indicator == i)]
        assert len(r) == 1
        return r.iloc[0]

    # 1.1, Xã Hương Sơn: 6 of 10 bodies = 60% against "at least 60%": achieved; 6 events: small numbers.
    # Baseline 2020: 40%; progress ratio (60 - 40) / (60 - 40) = 1; growth (60/40)^(1/5) - 1 both actual and
    # required: ratio 1 -> significant progress
    r = row("18133", "1.1")
    assert (r.value, r.status, r.certainty, r.baseline, r.baseline_year) == (60.0, "achieved", "small_numbers", 40.0, 2020)
    assert r.progress_ratio == pytest.approx(1.0) and r.cagr_actual == pytest.approx(1.5 ** 0.2 - 1)
    assert r.pace == "significant"
    # 4.2, Xã Hương Sơn: 1 maternal death in 380 births = 263.2 per 100,000 against "at most 42": not achieved,
    # small numbers; exact Poisson (Garwood) interval [chi2(2.5%, 2)/2, chi2(97.5%, 4)/2] / 380 x 100,000
    r = row("18133", "4.2")
    assert r.value == pytest.approx(1e5 / 380) and (r.status, r.certainty) == ("not_achieved", "small_numbers")
    assert r.ci_low == pytest.approx(1e5 * stats.chi2.ppf(0.025, 2) / 2 / 380)
    assert r.ci_high == pytest.approx(1e5 * stats.chi2.ppf(0.975, 4) / 2 / 380)
    # 4.1, Xã Sơn Hồng: 230 boys, 190 girls = 121.1 against "at most 111": not achieved; Wilson interval on
    # the share of boys 230/420, transformed to 100 p / (1 - p)
    r = row("18160", "4.1")
    lo, hi = wilson(230, 420)
    assert r.value == pytest.approx(100 * 230 / 190) and r.status == "not_achieved"
    assert (r.ci_low, r.ci_high) == (pytest.approx(100 * lo / (1 - lo)), pytest.approx(100 * hi / (1 - hi)))
    assert r.certainty == ("firm" if 100 * lo / (1 - lo) > 111 else "uncertain")
    assert 100 * lo / (1 - lo) < 111 and r.certainty == "uncertain"   # 420 births: within the range of chance
    # 5.1, Xã Sơn Hồng: 9 of 10 = 90% against "over 90%" (strict): not achieved, small numbers
    r = row("18160", "5.1")
    assert (r.value, r.status, r.certainty) == (90.0, "not_achieved", "small_numbers")
    # 1.1, the province: Sở Nội vụ's own figure (62%) is official: achieved; the communes' sum beside it is
    # (6 + 3) / (10 + 12) = 40.9% from 2 of the 69 communes
    r = row("42", "1.1")
    assert (r.value, r.status, r.basis) == (62.0, "achieved", "department")
    assert r.value_districts == pytest.approx(100 * 9 / 22)
    assert (r.units_reported, r.units_expected) == (2, 69)
    # without the department's figure the sum of 2 of 69 communes is incomplete, said as such
    q = gm.progress(obs(rows[:-1]), reference=ref)
    r = q[(q.unit == "42") & (q.indicator == "1.1")].iloc[0]
    assert (r.status, r.basis, r.units_reported, r.units_expected) == ("incomplete", "areas", 2, 69)
    assert r.value == pytest.approx(100 * 9 / 22)
    # a department answers for its own indicators only; a commune is judged on the area-level ones
    assert set(p[p.unit == "so-noi-vu"].indicator) == {"1.1", "2.1", "2.2", "6.1"}
    assert set(p[(p.unit == "18133") & (p.status == "not_collected")].indicator) == set(
        ref.judged.index[~ref.judged.district_level.astype(bool)])


# --------------------------------------------------------------------------- feasibility of the own 2030 targets
def test_feasibility_of_the_own_2030_target_by_hand(ref):
    # 2.1 at the province, values only (a share): OLS of logit(x/100) on the year 2020-2025, 95% prediction
    # interval at 2030, P(x_2030 >= 60) from Student's t with 4 df: written out here
    years = np.arange(2020, 2026)
    x = np.array([40.0, 41.5, 42.5, 44.0, 45.0, 46.5])
    f = gm.feasibility(obs([("42", "2.1", int(y), np.nan, np.nan, v) for y, v in zip(years, x, strict=True)]),
                       reference=ref)
    r = f[(f.unit == "42") & (f.indicator == "2.1")]
    assert list(r.year) == [2030]   # the review's feasibility years only
    r = r.iloc[0]
    y = np.log(x / (100 - x))
    b, a = np.polyfit(years, y, 1)
    resid = y - (a + b * years)
    s2 = (resid ** 2).sum() / 4
    t_bar = years.mean()
    se = math.sqrt(s2 * (1 + 1 / 6 + (2030 - t_bar) ** 2 / ((years - t_bar) ** 2).sum()))
    yhat = a + b * 2030
    inv = lambda v: 100 / (1 + math.exp(-v))  # noqa: E731
    q = stats.t.ppf(0.975, 4)
    assert r.projected == pytest.approx(inv(yhat)) and r.slope == pytest.approx(b)
    assert (r.pi_low, r.pi_high) == (pytest.approx(inv(yhat - q * se)), pytest.approx(inv(yhat + q * se)))
    p_met = 1 - stats.t.cdf((math.log(60 / 40) - yhat) / se, 4)
    assert r.p_met == pytest.approx(p_met)
    assert r.verdict == ("on_track" if p_met >= 0.8 else "needs_acceleration" if p_met >= 0.2 else "unlikely")
    # k: the required change of logit per year from the last value over today's slope
    assert r.k == pytest.approx((math.log(60 / 40) - y[-1]) / (5 * b))
    assert r.last_value == 46.5 and r.last_year == 2025 and r.n_points == 6


SAME_STRATEGY_REVIEW = """\
name: same
strategy: "2015-2030"
years: [2015, 2023]
baseline_year: 2015
milestones: [2020]
feasibility: {{strategy: "2015-2030", years: [2030], fit: [2015, 2023]}}
catalogue: [cat.yaml]
units: units.yaml
compiler: so-x
deadline: {{date: 2024-03-15}}
form: {{version: same-1, dates: [2024-01-01, 2024-12-31]}}
texts:
{texts}
"""
SAME_STRATEGY_CATALOGUE = """\
strategy: 2015-2030
indicators:
- {id: M, objective: 1, name_vi: Tỷ số tử vong mẹ, name_en: Maternal mortality ratio, unit_en: per 100000 live births,
   unit_vi: /100.000, direction: decrease, kind: rate, interval: poisson, factor: 100000, numerator_vi: Tử vong mẹ,
   numerator_en: Maternal deaths, denominator_vi: Trẻ đẻ sống, denominator_en: Live births, measure: deaths / births,
   aggregation: ratio_of_sums, district_level: true, sector: so-x, verified: 'yes', source: METHODS.md worked check,
   targets: [{year: 2020, op: '<=', value: 150}, {year: 2030, op: '<', value: 70}]}
"""
SAME_STRATEGY_UNITS = """\
province: {code: '77', type_vi: Tỉnh, type_en: Province, name_vi: Thử, name_en: Thu}
areas: {level: district, label_vi: huyện, label_en: districts, short_vi: huyện, short_en: district,
        units: [{code: '771', type_vi: Huyện, type_en: District, name_vi: Một, name_en: Mot}]}
sectors: {units: [{code: so-x, name_vi: Sở Thử, name_en: Department of Tests, answers_for: [M]}]}
prefixes: {huyen: Huyện, tinh: Tỉnh}
"""


def test_methods_worked_check_through_a_same_strategy_review(tmp_path):
    """METHODS.md §5: MMR 200, 196, 185, 183, 170, 172, 160, 158, 150 (2015-2023): slope -3.6%/yr, 2030
    projection about 117, 95% PI about [110, 126], P(MMR 2030 < 70) ~ 0, k for 70 by 2030 ~ 3; here the
    2030 target is the judged strategy's own, so the series is the indicator itself."""
    texts = "".join(f"  {lang}: {{report_title: t, report_subtitle: t, form_title: t, form_basis: t, targets_basis: t}}\n"
                    for lang in ("vi", "en"))
    (tmp_path / "cat.yaml").write_text(SAME_STRATEGY_CATALOGUE, encoding="utf-8")
    (tmp_path / "units.yaml").write_text(SAME_STRATEGY_UNITS, encoding="utf-8")
    path = tmp_path / "same.yaml"
    path.write_text(SAME_STRATEGY_REVIEW.format(texts=texts), encoding="utf-8")
    ref = load_reference(path)
    assert list(ref.next.history) == ["M"] and ref.review.checks_own_targets
    mmr = [200, 196, 185, 183, 170, 172, 160, 158, 150]
    o = obs([("771", "M", y, np.nan, np.nan, v) for y, v in zip(range(2015, 2024), mmr, strict=True)], "2015-2030")
    r = gm.feasibility(o, reference=ref)
    r = r[(r.unit == "771") & (r.year == 2030)].iloc[0]
    assert math.expm1(r.slope) == pytest.approx(-0.036, abs=0.002)
    assert r.projected == pytest.approx(117, abs=1)
    assert r.pi_low == pytest.approx(110, abs=1.5) and r.pi_high == pytest.approx(126, abs=1.5)
    assert r.p_met < 1e-4 and r.k == pytest.approx(3, abs=0.3) and r.verdict == "unlikely"
    # and the same series is judged at the 2020 milestone of the same strategy: 170 against "at most 150"
    p = gm.progress(o, reference=ref)
    p = p[(p.unit == "771") & (p.indicator == "M")].iloc[0]
    assert (p.milestone, p.value, p.status) == (2020, 172.0, "not_achieved")
    path.write_text(SAME_STRATEGY_REVIEW.format(texts=texts) + "context: {review: same}\n", encoding="utf-8")
    with pytest.raises(ReviewError, match="key 'context.review': a review cannot be its own context"):
        load_review(path)


# --------------------------------------------------------------------------- the former districts as context
def test_former_districts_series_are_shown_as_theirs_never_summed(ref, processed):
    from gender_metrics.core.context import former_series

    context = load_reference("tong-ket-2011-2020")
    old = gm.load_observations(processed)
    s = former_series(old, ref, context, "18115")      # Phường Bắc Hồng Lĩnh: from Nghi Xuân (442) and Hồng Lĩnh (437)
    assert set(s.district) == {"442", "437"} and "18115" not in set(s.district)
    links = ref.judged.predecessor.dropna()
    assert set(s.indicator) <= set(links.index) and (s.predecessor == s.indicator.map(links)).all()
    # every value is the district's own, derived from its own numerator and denominator
    factor = context.judged.factor
    own = old[old.unit.isin(["442", "437"]) & (old.breakdown == "")].set_index(["unit", "indicator", "year"])
    for r in s.itertuples():
        o = own.loc[(r.district, r.predecessor, r.year)]
        expected = factor[r.predecessor] * o.numerator / o.denominator if o.parts_known else o.value
        assert r.value == pytest.approx(expected)
    # sex ratio at birth 2020: two rows, one per district, neither the ratio of the pooled births
    srb = s[(s.indicator == "4.1") & (s.year == 2020)].set_index("district")
    assert len(srb) == 2
    pooled = 100 * srb.numerator.sum() / srb.denominator.sum()
    assert all(abs(v - pooled) > 1e-9 for v in srb.value)
    # a commune formed from one district gets that district only; one without former districts nothing
    assert set(former_series(old, ref, context, "18133").district) == {"439"}
    assert former_series(old, ref, context, "so-y-te").empty


# --------------------------------------------------------------------------- end to end: sample -> ingest -> reports
@pytest.fixture(scope="module")
def midterm(tmp_path_factory):
    root = tmp_path_factory.mktemp("midterm")
    raw, processed = root / "raw", root / "processed"
    for args in (["sample", "--out", str(raw)], ["ingest", "--raw", str(raw), "--processed", str(processed)]):
        r = subprocess.run([sys.executable, "-m", "gender_metrics", *args, "--review", REVIEW], capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
    return root, raw, processed


def test_sample_forms_are_commune_sized_and_labelled(midterm, ref):
    _, raw, processed = midterm
    from gender_metrics.forms.sample import load_model

    model = load_model(ref)
    assert len(list(raw.glob("*.xlsx"))) == 69 + 5 - len(model.missing)
    o = gm.load_observations(processed)
    srb = o[(o.indicator == "4.1") & o.unit.isin(ref.units.areas) & o.parts_known]
    births = srb.numerator + srb.denominator
    assert births.between(100, 600).all() and births.median() < 450     # a few hundred births a year
    assert set(o.year) == set(range(2020, 2026)) and set(o.strategy) == {"2021-2030"}
    subs = gm.load_table("submissions", processed)
    assert subs["sample"].all() and set(subs.unit[~subs.on_time.astype(bool)]) == set(model.late)


def test_province_report_of_the_new_tree(midterm, processed, ref):
    from gender_metrics.forms.sample import load_model
    from gender_metrics.run.batch import plan, run

    root, _, data = midterm
    out = root / "reports"
    jobs = plan(["42", "P. Bắc Hồng Lĩnh"], ["province", "commune"], processed_dir=data, out_dir=out, review=REVIEW,
                context_processed=processed)
    assert sorted((j.unit, j.kind) for j in jobs) == [("18115", "commune"), ("42", "province")]
    (commune_job,) = [j for j in jobs if j.kind == "commune"]
    assert commune_job.parameters["context_processed"] == str(gm.store.resolve(processed))
    results = run(jobs, n_jobs=2, progress=False)
    assert all(r.status == "ok" for r in results), [r.error for r in results]
    prov = (out / "province-ha-tinh.html").read_text(encoding="utf-8")
    assert "Báo cáo sơ kết 5 năm thực hiện Chiến lược quốc gia về bình đẳng giới giai đoạn 2021-2030" in prov
    assert "DỮ LIỆU MẪU" in prov and "Tỉnh Hà Tĩnh" in prov and "2011-2020" not in prov
    assert "Sở Nội vụ điền khi UBND tỉnh ban hành kế hoạch" in prov and "ngày tạm, Sở Nội vụ điền ngày chính thức" in prov
    missing = load_model(ref).missing       # the sample's units that send nothing (a commune)
    assert f"Đã nhận {74 - len(missing)}/74 báo cáo" in prov
    assert re.search(r"tổng hợp từ 6\d/69 xã, phường", prov)   # a department's figure, the communes' sum beside it
    # the heat map and the areas charts carry every commune that reported, one row each
    for name in ("Xã Hương Sơn", "Phường Vũng Áng", "Xã Kỳ Thượng"):
        assert prov.count(name) >= 3
    assert "Khả năng đạt các chỉ tiêu năm 2030" in prov
    commune = (out / "commune-phuong-bac-hong-linh.html").read_text(encoding="utf-8")
    assert "Phường Bắc Hồng Lĩnh" in commune and "Cấp xã" in commune
    assert "Số liệu giai đoạn 2011-2020 của đơn vị cấp huyện cũ" in commune
    assert "Huyện Nghi Xuân (cũ)" in commune and "Thị xã Hồng Lĩnh (cũ)" in commune
    assert "không được cộng dồn hay chia lại" in commune


def test_the_context_block_says_when_the_old_data_is_absent(midterm, tmp_path):
    _, _, data = midterm
    r = gm.UnitReport("18115", "vi", data, review=REVIEW)
    html = str(r.former_districts(tmp_path / "nothing-here"))
    assert "Chưa có số liệu giai đoạn 2011-2020 của huyện cũ" in html and "--context-processed" in html
    html = str(r.former_districts(data))   # a folder of another review
    assert "chứa dữ liệu của đợt đánh giá khác" in html
    assert str(gm.UnitReport("so-y-te", "vi", data, review=REVIEW).former_districts()) == ""


def test_the_department_documents_of_the_mid_term_review(midterm, tmp_path):
    """The Word draft and the annex workbook of the deliverables issue, for the 2025 tree: Sở Nội vụ's report,
    the communes one row each in Biểu 2, the 2030 targets proposed from the 2020-2025 trend."""
    import subprocess
    import sys

    from docx import Document
    from openpyxl import load_workbook

    _, _, processed = midterm
    exe = [sys.executable, "-m", "gender_metrics"]
    common = ["--review", REVIEW, "--processed", str(processed)]
    r = subprocess.run([*exe, "document", *common, "--out", str(tmp_path / "d.docx")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    doc = Document(tmp_path / "d.docx")
    head = "\n".join(c.text for t in doc.tables[:1] for row in t.rows for c in row.cells)
    assert "SỞ NỘI VỤ" in head
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "2021-2025" in body and "DỮ LIỆU MẪU" in body
    # Biểu 2: a row per commune or ward, a column per indicator (4.1 among them)
    areas = next(t for t in doc.tables if len(t.rows) > 60 and [c.text for c in t.rows[0].cells][:2] == ["Đơn vị", "1.1"])
    names = [row.cells[0].text for row in areas.rows]
    assert "Phường Thành Sen" in names and "Xã Kỳ Lạc" in names and names[-1] == "Tỉnh Hà Tĩnh"
    r = subprocess.run([*exe, "packet", *common, "--out", str(tmp_path / "p.xlsx")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    wb = load_workbook(tmp_path / "p.xlsx", read_only=True)
    assert wb.sheetnames[0] == "Tỉnh Hà Tĩnh" and "Phường Thành Sen" in wb.sheetnames

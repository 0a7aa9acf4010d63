"""A review is data: a small review of its own (another province, three units, two indicators,
milestones of its own) runs forms → ingest → progress → one report with no code change; review files
are validated with errors that name the file and the key; a processed folder holds one review."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import gender_metrics as gm
from gender_metrics.reference import ReviewError, load_reference
from gender_metrics.store import StoreError

INDICATOR = """\
- id: {id}
  objective: 1
  name_vi: {name_vi}
  name_en: {name_en}
  unit_en: '{unit}'
  unit_vi: '{unit}'
  direction: {direction}
  kind: {kind}
  interval: {interval}
  factor: {factor}
  numerator_vi: Tử số
  numerator_en: Numerator
  denominator_vi: Mẫu số
  denominator_en: Denominator
  measure: numerator / denominator x {factor}
  aggregation: ratio_of_sums
  district_level: true
  sector: so-x
  {predecessor}
  verified: 'yes'
  source: made up for this test
  targets:
{targets}
"""


def _targets(*items) -> str:
    return "".join(f"  - year: {y}\n    op: '{op}'\n    value: {v}\n" for y, op, v in items)


REVIEW = """\
name: mini
strategy: "2016-2025"
years: [2016, 2025]
baseline_year: 2016
milestones: [2020, 2025]
feasibility:
  strategy: "2026-2035"
  years: [2030, 2035]
  fit: [2016, 2025]
catalogue: [cat_a.yaml, cat_b.yaml]
units: units.yaml
compiler: so-x
highlights: [A1]
deadline:
  date: 2026-03-15
  rule: before
form:
  version: mini-form-1
  created: 2026-03-01
  dates: [2026-01-01, 2026-12-31]
texts:
  vi:
    report_title: Báo cáo thử nghiệm của tỉnh Thử
    report_subtitle: Đợt đánh giá thử
    form_title: BIỂU MẪU THỬ
    form_basis: (Kèm theo kế hoạch thử)
    targets_basis: Nghị quyết thử
  en:
    report_title: A test review of Test province
    report_subtitle: A test review
    form_title: TEST FORM
    form_basis: (Attached to the test plan)
    targets_basis: the test resolution
"""

UNITS = """\
province: {code: '77', type_vi: Tỉnh, type_en: Province, name_vi: Thử, name_en: Thu, slug: thu}
areas:
  level: district
  label_vi: huyện
  label_en: districts
  short_vi: huyện
  short_en: district
  units:
  - {code: '771', type_vi: Huyện, type_en: District, name_vi: Một, name_en: Mot, slug: mot}
  - {code: '772', type_vi: Huyện, type_en: District, name_vi: Hai, name_en: Hai, slug: hai}
sectors:
  type_vi: Sở, ngành
  type_en: Department
  units:
  - {code: so-x, name_vi: Sở Thử, name_en: Department of Tests, answers_for: [A1, A2]}
prefixes: {huyen: Huyện, h: Huyện, tinh: Tỉnh}
"""


def write_review(folder: Path, review: str = REVIEW) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    a = "strategy: 2016-2025\nindicators:\n" + INDICATOR.format(
        id="A1", name_vi="Tỷ lệ thử", name_en="Test share", unit="%", direction="increase", kind="share",
        interval="wilson", factor=100, predecessor="", targets=_targets((2020, ">=", 40), (2025, ">=", 50))) + \
        INDICATOR.format(id="A2", name_vi="Tỷ suất thử", name_en="Test rate", unit="per 1000", direction="decrease",
                         kind="rate", interval="poisson", factor=1000, predecessor="",
                         targets=_targets((2020, "<=", 30), (2025, "<=", 20)))
    b = "strategy: 2026-2035\nindicators:\n" + INDICATOR.format(
        id="B1", name_vi="Tỷ lệ thử mới", name_en="New test share", unit="%", direction="increase", kind="share",
        interval="wilson", factor=100, predecessor="predecessor: A1", targets=_targets((2030, ">=", 60), (2035, ">=", 70)))
    (folder / "cat_a.yaml").write_text(a, encoding="utf-8")
    (folder / "cat_b.yaml").write_text(b, encoding="utf-8")
    (folder / "units.yaml").write_text(UNITS, encoding="utf-8")
    path = folder / "mini.yaml"
    path.write_text(review, encoding="utf-8")
    return path


# (unit, year) -> A1 numerator, denominator; A2 numerator (events), denominator
A1 = {("771", y): (300 + 10 * (y - 2016), 1000) for y in range(2016, 2026)}
A1 |= {("772", y): (10 + 3 * (y - 2016), 50) for y in range(2016, 2026)}
A2 = {("771", 2020): (3, 100), ("772", 2020): (2, 100), ("771", 2025): (1, 100), ("772", 2025): (1, 100)}


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    """The test review's forms written, filled and ingested: (reference, processed folder)."""
    root = tmp_path_factory.mktemp("mini")
    path = write_review(root / "review")
    ref = load_reference(path)
    raw = root / "raw"
    for code in ("771", "772"):
        values = {("A1", p, y): v for (u, y), nd in A1.items() if u == code for p, v in zip(("num", "den"), nd, strict=True)}
        values |= {("A2", p, y): v for (u, y), nd in A2.items() if u == code for p, v in zip(("num", "den"), nd, strict=True)}
        gm.forms.write_form(code, raw / f"{code}.xlsx", reference=ref, values=values,
                            targets={("B1", 2030): 55}, texts={"lessons": f"Bài học của {code}"},
                            ident={"submitted": "14/03/2026" if code == "771" else "15/03/2026",
                                   "data_kind": "DỮ LIỆU MẪU"})
    gm.forms.write_form("so-x", raw / "so-x.xlsx", reference=ref, values={("A1", "value", 2025): 47.5},
                        ident={"submitted": "10/03/2026", "data_kind": "DỮ LIỆU MẪU"})
    result = gm.ingest(raw, root / "processed", review=path)
    return ref, root / "processed", result


def test_the_review_reads_as_written(mini):
    ref, _, _ = mini
    r = ref.review
    assert (r.strategy, r.baseline_year, r.milestones, r.final, r.previous) == ("2016-2025", 2016, (2020, 2025), 2025, 2020)
    assert (r.feasibility_strategy, r.feasibility_years, r.horizon) == ("2026-2035", (2030, 2035), 2035)
    assert ref.province == "77" and ref.units.areas == ["771", "772"] and ref.units.sectors == ["so-x"]
    assert ref.units.resolve("H. Một") == "771" and ref.label("so-x", "en") == "Department of Tests"
    assert ref.text("section_table", "vi") == "Kết quả thực hiện các chỉ tiêu 2016-2025"
    assert ref.text("report_title", "en") == "A test review of Test province"
    assert r.on_time(pd.Timestamp("2026-03-14").date()) and not r.on_time(pd.Timestamp("2026-03-15").date())


def test_forms_and_ingest_of_another_review(mini):
    ref, processed, result = mini
    assert result.counts["rejected"] == 0
    lay = gm.forms.layout_of(ref)
    assert lay.sheet_ind == "Chỉ tiêu 2016-2025" and lay.years[0] == 2016 and lay.note_col == 6 + 10
    obs = gm.load_observations(processed)
    assert set(obs.unit) == {"771", "772", "so-x"} and set(obs.strategy) == {"2016-2025"}
    a1 = obs[(obs.unit == "771") & (obs.indicator == "A1")].set_index("year")
    assert a1.loc[2020, "value"] == pytest.approx(100 * 340 / 1000)
    subs = gm.load_table("submissions", processed).set_index("unit")
    # "before 15/3/2026" (rule: before): the form dated the 15th is late, the one dated the 14th is not
    assert subs.loc["771", "on_time"] and not subs.loc["772", "on_time"]
    manifest = gm.load_manifest(processed)
    assert manifest["review"]["name"] == "mini"
    prop = gm.load_proposed_targets(processed)
    assert set(zip(prop.unit, prop.indicator, prop.year, strict=True)) == {("771", "B1", 2030), ("772", "B1", 2030)}


def test_progress_of_another_review_by_hand(mini):
    ref, processed, _ = mini
    p = gm.progress(gm.load_observations(processed), reference=ref)
    row = lambda u, i, m: p[(p.unit == u) & (p.indicator == i) & (p.milestone == m)].iloc[0]  # noqa: E731
    # district 771, A1 in 2020: 340 of 1,000 = 34% against >= 40: not achieved, the Wilson interval
    # (by hand) wholly below the target
    r = row("771", "A1", 2020)
    z = stats.norm.ppf(0.975)
    n, ph = 1000, 0.34
    centre = (ph + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n))
    assert (r.value, r.status, r.baseline_year) == (pytest.approx(34.0), "not_achieved", 2016)
    assert (r.ci_low, r.ci_high) == (pytest.approx(100 * (centre - half)), pytest.approx(100 * (centre + half)))
    # the province in 2025 is the department's own figure (47.5), the districts' sum beside it:
    # (390 + 37) / (1,000 + 50) = 40.7%
    r = row("77", "A1", 2025)
    assert r.value == pytest.approx(47.5) and r.value_districts == pytest.approx(100 * 427 / 1050)
    assert r.status == "not_achieved" and r.level == "province"
    # A2 (per 1,000, at most 30 in 2020): the province from the districts, (3 + 2) / 200 = 25 per 1,000
    r = row("77", "A2", 2020)
    assert r.value == pytest.approx(25.0) and r.source == "sum of 2 districts"
    assert set(p.milestone) == {2020, 2025}


def test_one_report_of_another_review(mini, tmp_path):
    from gender_metrics.run.batch import plan, run

    ref, processed, _ = mini
    jobs = plan(["Một"], processed_dir=processed, out_dir=tmp_path, review=ref.review.path)
    assert [(j.unit, j.kind, j.stem) for j in jobs] == [("771", "district", "district-mot")]
    (res,) = run(jobs, n_jobs=1, progress=False)
    assert res.status == "ok", res.error
    html = (tmp_path / res.html).read_text(encoding="utf-8")
    assert "Báo cáo thử nghiệm của tỉnh Thử" in html and "Huyện Một" in html and "DỮ LIỆU MẪU" in html
    assert "Kết quả thực hiện các chỉ tiêu 2016-2025" in html and "Mục tiêu 2025" in html
    assert "Tỷ lệ thử" in html and "Khả năng đạt các chỉ tiêu giai đoạn 2026-2035" in html
    assert "2011-2020" not in html and "Hà Tĩnh" not in html   # nothing of the bundled review leaks in


def test_a_processed_folder_holds_one_review(mini, tmp_path, raw_dir):
    ref, processed, _ = mini
    with pytest.raises(StoreError, match="đợt đánh giá mini, không phải tong-ket-2011-2020"):
        gm.UnitReport("439", "vi", processed, review="tong-ket-2011-2020")
    with pytest.raises(StoreError, match="holds the data of the review mini"):
        gm.ingest(raw_dir, processed, lang="en")   # the default review into the mini folder
    cli = subprocess.run([sys.executable, "-m", "gender_metrics", "progress", "--processed", str(processed)],
                         capture_output=True, text=True)
    assert cli.returncode == 2 and "đợt đánh giá mini" in cli.stderr


def test_cli_forms_of_a_review_given_by_path(mini, tmp_path):
    ref, _, _ = mini
    r = subprocess.run([sys.executable, "-m", "gender_metrics", "forms", "--review", str(ref.review.path),
                        "--out", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == ["hai.xlsx", "mot.xlsx", "so-x.xlsx"]


@pytest.mark.parametrize("change,message", [
    (("milestones: [2020, 2025]", "milestones: [2020, 2030]"), r"mini\.yaml, key 'milestones': every milestone"),
    (("baseline_year: 2016", "baseline_year: 2010"), r"key 'baseline_year': 2010 is outside"),
    (("units: units.yaml", "units: nowhere.yaml"), r"key 'units': file 'nowhere\.yaml' not found"),
    (("  rule: before", "  rule: by"), r"key 'deadline\.rule': expected one of \['on_or_before', 'before'\]"),
    (("compiler: so-x", "compiler: '771'"), r"key 'compiler': '771' is not a department"),
    (("highlights: [A1]", "highlights: [Z9]"), r"key 'highlights': \['Z9'\] are not 2016-2025 indicators"),
    (('strategy: "2016-2025"\n', ""), r"key 'strategy': missing"),
    (("    targets_basis: the test resolution\n", ""), r"key 'texts\.en\.targets_basis': missing"),
    (("  years: [2030, 2035]", "  years: [2020, 2035]"), r"key 'feasibility\.years': targets checked"),
])
def test_review_errors_name_the_file_and_the_key(tmp_path, change, message):
    path = write_review(tmp_path, REVIEW.replace(*change))
    with pytest.raises(ReviewError, match=message):
        load_reference(path)


def test_unknown_review_lists_the_bundled_ones():
    with pytest.raises(ReviewError, match="unknown review 'tong-ket-2030'; bundled: so-ket-2021-2025, tong-ket-2011-2020"):
        load_reference("tong-ket-2030")
    r = subprocess.run([sys.executable, "-m", "gender_metrics", "forms", "--review", "tong-ket-2030", "--out", "x"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "unknown review" in r.stderr


def test_an_edited_catalogue_changes_value_and_interval():
    # METHODS.md: 3 deaths in 2,000 births give 150 per 100,000, exact interval about [31, 438]; with the
    # factor set to 1,000 both the value and the interval follow: 1.5 [0.31, 4.38]
    obs = pd.DataFrame({"unit": ["439"], "strategy": ["2011-2020"], "indicator": ["4.2"], "year": [2020],
                        "numerator": [3.0], "denominator": [2000.0], "value": [np.nan], "source": ["t"]})
    cat = gm.load_catalogue()
    cat.indicators.loc[(cat.indicators.strategy == "2011-2020") & (cat.indicators.id == "4.2"), "factor"] = 1000.0
    for c, scale in ((None, 1e5), (cat, 1e3)):
        r = gm.progress(obs, c)
        r = r[(r.unit == "439") & (r.indicator == "4.2") & (r.milestone == 2020)].iloc[0]
        low, high = stats.chi2.ppf(0.025, 6) / 2, stats.chi2.ppf(0.975, 8) / 2   # Garwood, by hand
        assert r.value == pytest.approx(scale * 3 / 2000)
        assert (r.ci_low, r.ci_high) == (pytest.approx(scale * low / 2000), pytest.approx(scale * high / 2000))
    assert gm.load_catalogue().indicators.set_index(["strategy", "id"]).loc[("2011-2020", "4.2"), "factor"] == 1e5


def test_readme_review_example_is_the_one_tested():
    """The README's guide to writing a review points at this test's review, which runs end to end."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "tests/test_review.py" in readme and "--review" in readme
    assert textwrap.dedent(REVIEW).startswith("name: mini")

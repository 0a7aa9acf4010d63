"""The blank form an officer fills in, the tidy schema, and the data-quality flags beside the data."""

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import gender_metrics as gm
from gender_metrics import forms as F
from gender_metrics.core.quality import quality_flags
from gender_metrics.present import views
from gender_metrics.reference import load_reference

REF = load_reference()
LAY = F.layout_of(REF)


def test_blank_district_form_layout(tmp_path):
    path = F.write_form("439", tmp_path / "f.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == list(LAY.sheets)
    assert "23/04/2021" in " ".join(str(c.value) for c in wb[LAY.sheet_help]["A"] if c.value)
    ident = wb[LAY.sheet_id]
    assert ident["B3"].value == "439" and ident["B4"].value == "Huyện Hương Sơn"
    assert ident["B5"].value is None  # the officer fills in the person
    ind = wb[LAY.sheet_ind]
    keys = [ind.cell(r, 1).value for r in range(F.HEADER_ROW + 1, ind.max_row + 1) if ind.cell(r, 1).value]
    district_ids = set(gm.load_catalogue().for_strategy("2011-2020").query("district_level").id)
    assert {k.split("|")[0] for k in keys} == district_ids
    assert len(keys) == 3 * len(district_ids)  # numerator, denominator, reported value
    assert [ind.cell(F.HEADER_ROW, F.FIRST_YEAR_COL + i).value for i in range(11)] == [str(y) for y in range(2010, 2021)]
    assert ind.freeze_panes == "F5" and ind.column_dimensions["A"].hidden
    assert ind.protection.sheet and ind["B5"].protection.locked and not ind["F5"].protection.locked
    kinds = {dv.type for dv in ind.data_validations.dataValidation}
    assert kinds == {"whole", "decimal"}
    whole = next(dv for dv in ind.data_validations.dataValidation if dv.type == "whole")
    assert whole.operator == "greaterThanOrEqual" and whole.formula1 == "0"
    txt = wb[LAY.sheet_txt]
    assert [txt.cell(r, 1).value for r in range(5, 5 + len(F.SECTIONS))] == [k for k, _ in F.SECTIONS]


def test_department_form_has_only_its_indicators(tmp_path):
    wb = load_workbook(F.write_form("so-y-te", tmp_path / "y.xlsx"))
    keys = {c.value.split("|")[0] for c in wb[LAY.sheet_ind]["A"][F.HEADER_ROW:] if c.value}
    assert keys == {"4.1", "4.2", "4.3", "4.4"}
    tg = {c.value for c in wb[LAY.sheet_tgt]["A"][F.HEADER_ROW:] if c.value}
    assert tg == {"4.1", "4.2", "4.3", "4.4"}  # Sở Y tế's 2021-2030 indicators (sector so-y-te)


def test_cli_writes_blank_forms(tmp_path):
    from gender_metrics.run.cli import main

    assert main(["forms", "--out", str(tmp_path), "--unit", "TX Kỳ Anh", "--unit", "so-y-te"]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == ["so-y-te.xlsx", "tx-ky-anh.xlsx"]


def test_observations_schema_and_sources(processed):
    obs = gm.load_observations(processed)
    for col in ("unit", "strategy", "indicator", "year", "numerator", "denominator", "value", "source", "breakdown"):
        assert col in obs
    assert obs.year.dtype.kind == "i"
    forms = obs[obs.unit != "VN"]
    assert forms.source.str.match(r"^[\w.-]+\.xlsx!Chỉ tiêu 2011-2020![A-Z]+\d+(:[A-Z]+\d+)?$").all()
    both = forms[forms.parts_known]
    factor = both.indicator.map(gm.load_catalogue().for_strategy("2011-2020").set_index("id").factor)
    pos = both.denominator > 0
    assert np.allclose(both.value[pos], (factor * both.numerator / both.denominator)[pos])
    assert both.value[~pos].isna().all()  # 0 of 0 (no trafficking victims that year): no rate
    vn = obs[obs.unit == "VN"]
    assert len(vn) == 23 and vn.source.str.contains("GSO|https?://").all()


def test_quality_flags_outlier_and_jump():
    # 439: a spike in 2015. Medians of the neighbours (two years each side, at least three):
    # 2011 10, 2012 11, 2013 11, 2014 11.5, 2015 11; residuals 1, -1, 1, -0.5, 39: median 1, MAD 1.5,
    # z(2015) = 0.6745 * 38 / 1.5 = 17.1 > 3.5 and 39 >= 20% of 11: one outlier. The way up to it
    # (11 -> 50) and back (50 -> 11) are that spike, not two more flags.
    vals = [10, 11, 10, 12, 11, 50, 11]
    obs = pd.DataFrame({"unit": "439", "indicator": "4.4", "breakdown": "", "year": range(2010, 2017),
                        "value": vals, "numerator": np.nan, "denominator": np.nan, "source": "t"})
    smooth = obs.assign(unit="440", value=[10, 11, 12, 13, 14, 15, 16])   # a steady trend: nothing
    q = quality_flags(pd.concat([obs, smooth]), REF)
    assert q[["unit", "year", "check"]].values.tolist() == [["439", 2015, "outlier"]]
    assert q.reference_value.iloc[0] == 11 and q.score.iloc[0] == pytest.approx(0.6745 * 38 / 1.5)


def test_a_jump_is_flagged_only_when_chance_does_not_explain_it_and_terms_compare_with_the_term_before():
    # 4.2: 1 -> 3 maternal deaths in 1,000 births: 3 times, but z = ln 3 / sqrt(1 + 1/3) = 0.95, p = 0.34
    # 4.4: 100 -> 300 abortions in 1,000 births: z = ln 3 / sqrt(1/100 + 1/300) = 9.5: real
    # 1.1b: 5 of 40 deputies (2011 term) -> 15 of 40 (2016 term): a complete count, exact, compared term to term
    rows = [("439", "4.2", 2019, 1, 1000), ("439", "4.2", 2020, 3, 1000),
            ("439", "4.4", 2019, 100, 1000), ("439", "4.4", 2020, 300, 1000),
            ("439", "1.1b", 2011, 5, 40), ("439", "1.1b", 2016, 15, 40)]
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "year", "numerator", "denominator"])
    factor = obs.indicator.map(REF.judged.factor)
    obs = obs.assign(breakdown="", value=factor * obs.numerator / obs.denominator, source="t")
    q = quality_flags(obs, REF)
    assert sorted(q.indicator) == ["1.1b", "4.4"] and set(q.check) == {"jump"}
    assert q.set_index("indicator").loc["1.1b", "previous_year"] == 2011 and q.set_index("indicator").loc["1.1b", "term"]
    words = views.quality_view(q, REF, "vi").set_index("indicator").detail
    assert words["1.1b"].startswith("tăng gấp 3,0 lần so với nhiệm kỳ trước (bầu năm 2011) (12,5%)")
    assert words["4.4"].startswith("tăng gấp 3,0 lần so với năm 2019 (10,0)")


def test_zero_deaths_among_few_births_are_not_an_anomaly():
    # a district with ~300 births: 0, 1, 0, 2, 0, 1 deaths; rates 0 to 667 per 100,000 but fewer than 20 events
    deaths = [0, 1, 0, 2, 0, 1]
    obs = pd.DataFrame({"unit": "439", "indicator": "4.2", "breakdown": "", "year": range(2015, 2021),
                        "numerator": deaths, "denominator": 300, "source": "t"})
    obs["value"] = 1e5 * obs.numerator / obs.denominator
    assert quality_flags(obs, REF).empty


def test_submissions_timeliness_and_completeness(processed):
    subs = gm.load_table("submissions", processed).set_index("unit")
    assert not subs.loc["so-gddt", "on_time"] and not subs.loc["441", "on_time"]
    assert subs.drop(["so-gddt", "441"]).on_time.all()
    assert "so-tu-phap" not in subs.index
    # 17 yearly district indicators × 11 years + 1.1a and 1.1b in their 2 election years each = 191;
    # each sample district form leaves 3 numerator/denominator cells blank, so 1 to 3 indicator-years lack a value
    d = subs.loc["439"]
    assert d.cells_expected == 17 * 11 + 2 + 2
    assert 188 <= d.cells_filled <= 190 and d.completeness == pytest.approx(d.cells_filled / 191)


def test_ingest_cli_summary_and_strict(tmp_path, raw_dir):
    import shutil
    import subprocess
    import sys

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    (raw / "nested").mkdir()
    (raw / "nested" / "broken.xlsx").write_text("not a workbook", encoding="utf-8")
    exe = [sys.executable, "-m", "gender_metrics", "ingest", "--raw", str(raw), "--processed", str(tmp_path / "p")]
    ok = subprocess.run(exe, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "Đã đọc 26 tệp, xác định được 25 đơn vị" in ok.stdout   # Vietnamese by default
    assert "1 ô bị loại" in ok.stdout and "không phải tệp Excel" in ok.stdout
    assert "Chưa gửi biểu mẫu: Sở Tư pháp" in ok.stdout and "Gửi chậm: Sở Giáo dục và Đào tạo (28/04/2021)" in ok.stdout
    en = subprocess.run([*exe, "--lang", "en"], capture_output=True, text=True)
    assert "26 file(s) read, 25 unit(s) identified" in en.stdout
    assert "1 rejected" in en.stdout and "not an Excel workbook" in en.stdout
    assert "Missing forms: Department of Justice" in en.stdout and "(28/04/2021)" in en.stdout
    report = gm.load_table("ingest_report", tmp_path / "p")
    bad = report[report.file == "nested/broken.xlsx"]
    assert len(bad) == 1 and bad.iloc[0].status == "rejected" and bad.iloc[0].sheet == ""
    strict = subprocess.run([*exe, "--strict"], capture_output=True, text=True)
    assert strict.returncode == 1

"""The blank form an officer fills in, the tidy schema, and the data-quality flags beside the data."""

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import gender_metrics as gm
from gender_metrics import forms as F
from gender_metrics.core.quality import quality_flags
from gender_metrics.reference import load_reference

LAY = F.layout_of(load_reference())


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
    vals = [10, 11, 10, 12, 11, 50, 11]
    obs = pd.DataFrame({"unit": "439", "indicator": "4.4", "breakdown": "", "year": range(2010, 2017),
                        "value": vals, "source": "t"})
    smooth = obs.assign(unit="440", value=[10, 11, 12, 13, 14, 15, 16])
    q = quality_flags(pd.concat([obs, smooth]))
    # median 11, MAD 1: z(50) = 0.6745 * 39 / 1 = 26.3 > 3.5; 50/12 = 4.2 and 50/11 = 4.5 are jumps > 2
    assert set(q.unit) == {"439"}
    assert q[q.check == "outlier"].year.tolist() == [2015]
    assert sorted(q[q.check == "jump"].year.tolist()) == [2015, 2016]
    assert q[q.check == "outlier"].detail.iloc[0].startswith("modified z-score 26.3")


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

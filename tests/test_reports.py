"""A notebook executed by papermill and exported: no code, nothing from the internet, labelled."""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import gender_metrics as gm
from gender_metrics.outputs.html import export_html
from gender_metrics.run.batch import plan, run

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def district_html(processed, tmp_path_factory):
    import papermill as pm

    out = tmp_path_factory.mktemp("reports")
    nb = out / "district.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "district.ipynb"), str(nb),
                        parameters={"unit": "439", "lang": "vi", "processed_dir": str(processed)},
                        kernel_name="python3", progress_bar=False, cwd=str(ROOT / "notebooks"))
    return export_html(nb, out / "district-huong-son.html", lang="vi").read_text(encoding="utf-8")


def test_report_has_no_code_prompts_or_parameters(district_html):
    for code in ("import gender_metrics", "gm.UnitReport", "r.results_table()", "processed_dir", "jp-InputPrompt",
                 "jp-InputArea", "In&nbsp;[", "Traceback"):
        assert code not in district_html, code


def test_report_loads_nothing_from_the_internet(district_html):
    srcs = re.findall(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)""", district_html)
    assert srcs == ["assets/plotly.min.js"]
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", district_html)
    assert "cdn" not in district_html.lower()
    assert "require.js" not in district_html and "MathJax" not in district_html


def test_report_content_is_vietnamese_labelled_and_charted(district_html):
    assert "DỮ LIỆU MẪU" in district_html
    assert "Huyện Hương Sơn" in district_html
    assert "Kết quả thực hiện các chỉ tiêu 2011-2020" in district_html
    assert "Tỷ số giới tính khi sinh" in district_html
    assert district_html.count('class="gm-plot"') == 3  # progress, the 4.1 series, 4.1 feasibility
    assert district_html.count("Plotly.newPlot(") == 3
    assert "Khả năng đạt các chỉ tiêu giai đoạn 2021-2030" in district_html


def test_missing_department_report_says_so(processed):
    r = gm.UnitReport("Sở Tư pháp", "vi", processed)
    assert "chưa gửi báo cáo" in r.header().data
    assert "Không có số liệu" in r.results_table().data
    en = gm.UnitReport("so-tu-phap", "en", processed)
    assert "has not sent its report" in en.header().data


def test_national_report_is_real_data(processed):
    r = gm.UnitReport("VN", "vi", processed)
    head = r.header().data
    assert "DỮ LIỆU MẪU" not in head and "Số liệu thật" in head
    assert "GSO" in r.results_table().data


def test_hostile_narrative_is_escaped(processed, tmp_path):
    import shutil

    from gender_metrics.forms import write_form
    from gender_metrics.ingest import ingest

    raw = tmp_path / "raw"
    raw.mkdir()
    write_form("440", raw / "x.xlsx", texts={"lessons": "<script>alert(1)</script> & bài học"},
               ident={"submitted": "20/04/2021"})
    out = tmp_path / "proc"
    ingest(raw, out)
    html = gm.UnitReport("440", "vi", out).narrative().data
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; bài học" in html
    shutil.rmtree(out)


def test_batch_runs_index_and_skips_unchanged(processed, tmp_path):
    jobs = plan(["so-tu-phap"], processed_dir=processed, out_dir=tmp_path)
    first = run(jobs, n_jobs=1, progress=False)
    assert [r.status for r in first] == ["ok"], first
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "sector-so-tu-phap.html" in index and "DỮ LIỆU MẪU" in index
    second = run(plan(["so-tu-phap"], processed_dir=processed, out_dir=tmp_path), n_jobs=1, progress=False)
    assert [r.status for r in second] == ["skipped"]


def test_plan_rejects_bad_parameters_before_any_kernel(processed, tmp_path):
    with pytest.raises(gm.UnitError):
        plan(["Kỳ Anh"], processed_dir=processed, out_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown kind"):
        plan(None, ["districts"], processed_dir=processed, out_dir=tmp_path)
    with pytest.raises(ValueError, match="lang"):
        plan(None, None, lang="fr", processed_dir=processed, out_dir=tmp_path)


def test_cli_exit_codes(processed, tmp_path):
    exe = [sys.executable, "-m", "gender_metrics"]
    bad = subprocess.run([*exe, "run", "--unit", "Kỳ Anh", "--processed", str(processed), "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "chưa rõ là đơn vị nào" in bad.stderr and "(mã 447)" in bad.stderr
    bad_en = subprocess.run([*exe, "run", "--unit", "Kỳ Anh", "--lang", "en", "--processed", str(processed),
                             "--out", str(tmp_path)], capture_output=True, text=True)
    assert bad_en.returncode == 2 and "ambiguous" in bad_en.stderr
    usage = subprocess.run([*exe, "run", "--kind", "village"], capture_output=True, text=True)
    assert usage.returncode == 2
    ok = subprocess.run([*exe, "progress", "--level", "province", "--processed", str(processed),
                         "--out", str(tmp_path / "p.csv")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "p.csv").read_text(encoding="utf-8").startswith("unit,level,")
    p = pd.read_csv(tmp_path / "p.csv", dtype={"unit": str})
    assert set(p.unit) == {"42"} and set(p.level) == {"province"}
    fx = subprocess.run([*exe, "feasibility", "--processed", str(processed), "--out", str(tmp_path / "f.xlsx")],
                        capture_output=True, text=True)
    assert fx.returncode == 0, fx.stderr
    f = pd.read_excel(tmp_path / "f.xlsx", dtype={"unit": str, "indicator": str})
    assert {"national", "proposed"} == set(f.target_kind)
    vn = f[(f.unit == "VN") & (f.indicator == "4.1")]
    assert set(vn.verdict) <= {"unlikely", "needs_acceleration"} and len(vn) == 2


def test_province_report_with_an_undated_form(raw_dir, tmp_path):
    import shutil

    from openpyxl import load_workbook

    from gender_metrics.forms import ID_FIELDS, SHEET_ID
    from gender_metrics.ingest import ingest

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    wb = load_workbook(raw / "can-loc.xlsx")
    wb[SHEET_ID].cell(next(r for r, k, _ in ID_FIELDS if k == "submitted"), 2).value = None
    wb.save(raw / "can-loc.xlsx")
    ingest(raw, tmp_path / "p")
    r = gm.UnitReport("42", "vi", tmp_path / "p")
    rows = r.submissions_table().data.split("<tr>")
    can_loc = next(x for x in rows if "Huyện Can Lộc" in x)
    assert "<td>–</td>" in can_loc and "Không ghi ngày gửi" in can_loc
    assert "Không ghi ngày gửi" not in next(x for x in rows if "Huyện Hương Sơn" in x)
    district = gm.UnitReport("440", "vi", tmp_path / "p")
    assert "Đơn vị đã gửi báo cáo nhưng không ghi ngày gửi." not in district.header().data
    assert "Đơn vị đã gửi báo cáo nhưng không ghi ngày gửi." in gm.UnitReport("Can Lộc", "vi", tmp_path / "p").header().data
    legend = r.indicator_legend().data
    ids = [x.split("</td>")[0] for x in legend.split("<tr><td>")[1:]]
    catalogue_order = list(gm.load_catalogue().for_strategy("2011-2020").id)  # the strategy's own order
    assert ids == [i for i in catalogue_order if i in ids] and ids[:3] == ["1.1a", "1.1b", "1.2"]
    assert len(ids) == 24
    assert "Tỷ lệ nữ đại biểu Hội đồng nhân dân" in legend


def test_band_targets_are_drawn_as_bands(processed):
    r = gm.UnitReport("42", "vi", processed)
    fig = r.districts_chart("2.1", 2020).figure()  # target: between 40% and 60% (validated by plotly)
    (rect,) = [s for s in fig.layout.shapes if s.type == "rect"]
    assert (rect.y0, rect.y1) == (40, 60)
    assert [a.text for a in fig.layout.annotations] == ["Mục tiêu 40% - 60%"]
    lines = [d for d in r.series_chart("2.1").figure().data if d.mode == "lines"]
    assert sorted(tuple(d.y) for d in lines) == [(40, 40), (40, 40), (60, 60), (60, 60)]  # both bounds, 2015 and 2020
    assert {d.name for d in lines if d.name} == {"Mục tiêu 2015 (40% - 60%)", "Mục tiêu 2020 (40% - 60%)"}
    with pytest.raises(ValueError, match="needs its upper bound"):
        gm.i18n.fmt_target("between", 40, float("nan"), "%")


def test_index_links_the_packet_and_missing_data_is_explained(processed, tmp_path):
    from gender_metrics.outputs.html import write_index

    (tmp_path / "packet.xlsx").write_bytes(b"")
    ref = gm.load_reference()
    page = write_index(tmp_path, [], ref, lang="vi").read_text(encoding="utf-8")
    assert "<a href='packet.xlsx'>Tài liệu hội nghị" in page
    assert "packet.xlsx" not in write_index(tmp_path / "other", [], ref, lang="vi").read_text(encoding="utf-8")
    exe = [sys.executable, "-m", "gender_metrics"]
    for cmd in (["run"], ["progress"], ["packet", "--out", str(tmp_path / "p.xlsx")]):
        r = subprocess.run([*exe, *cmd, "--processed", str(tmp_path / "none")], capture_output=True, text=True)
        assert r.returncode == 2 and "hãy chạy `gender-metrics ingest --processed" in r.stderr, (cmd, r.stderr)

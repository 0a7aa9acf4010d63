"""A notebook executed by papermill and exported: no code, nothing from the internet, labelled."""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import gender_metrics as gm
from gender_metrics.core.narrative import merge_lessons
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


def test_several_charts_are_one_result_that_shows_each(processed):
    """A cell showing the province's area charts (or a unit's feasibility charts) shows one chart each."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from gender_metrics.present.charts import Chart, Charts

    r = gm.UnitReport("42", "vi", processed)
    charts = r.districts_charts()
    assert isinstance(charts, Charts) and len(charts) == len(r.ref.highlights) >= 2
    assert all(isinstance(c, Chart) for c in charts)
    InteractiveShell.instance()
    try:
        with capture_output() as shown:
            from IPython.display import display

            display(r.summary(), charts)
    finally:
        InteractiveShell.clear_instance()   # this process runs no IPython after the test (its workers fork kernels)
    assert len(shown.outputs) == 1 + len(charts)
    assert all("gm-plot" in o.data["text/html"] for o in shown.outputs[1:])


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
    table = r.results_table().data
    # the official source in Vietnamese, the secondary one beside it; each body named as itself
    assert "Tổng cục Thống kê, số liệu năm 2020 (nguồn thứ cấp: VnExpress)" in table            # 4.1 in 2020
    assert "Kết quả bầu cử đại biểu Quốc hội khóa XIV (năm 2016) (nguồn thứ cấp: plo.vn)" in table  # the 2016 term
    assert "Tỷ lệ nữ đại biểu Quốc hội</td>" in table and "Tỷ lệ nữ đại biểu HĐND cấp tỉnh</td>" in table
    assert "GSO" not in table and "https://" not in table
    words = r.evaluation().data
    assert "Tỷ lệ nữ đại biểu Quốc hội tăng từ 25,8% nhiệm kỳ bầu năm 2007 lên" in words   # the year actually used
    assert "so với năm 2010" not in words and "Những chuyển biến lớn nhất so với" not in words
    en = gm.UnitReport("VN", "en", processed).results_table().data
    assert "General Statistics Office, 2020 figure (secondary source: VnExpress)" in en
    assert "Share of women deputies in the National Assembly</td>" in en


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
    with pytest.raises(ValueError, match="không có loại báo cáo"):
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
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")   # with a BOM: Excel on Windows reads UTF-8
    assert text.startswith("Loại dữ liệu,Mã đơn vị,Đơn vị,Mã chỉ tiêu,Chỉ tiêu,") and "DỮ LIỆU MẪU,42,Tỉnh Hà Tĩnh," in text
    p = pd.read_csv(tmp_path / "p.csv", dtype={"Mã đơn vị": str}, encoding="utf-8-sig")
    assert set(p["Mã đơn vị"]) == {"42"} and set(p["Đánh giá"]) <= {"Đạt", "Chưa đạt", "Không có số liệu"}
    assert p["Giá trị"].dropna().map(lambda x: round(x, 1) == x).all()    # rounded as the reports print them
    fx = subprocess.run([*exe, "feasibility", "--processed", str(processed), "--out", str(tmp_path / "f.xlsx"),
                         "--lang", "en"], capture_output=True, text=True)
    assert fx.returncode == 0, fx.stderr
    f = pd.read_excel(tmp_path / "f.xlsx", dtype={"Unit code": str, "Indicator id": str})
    assert {"National", "Proposed by the unit"} == set(f["Target kind"]) and set(f["Data"]) == {"SAMPLE DATA (DỮ LIỆU MẪU)"}
    vn = f[(f["Unit code"] == "VN") & (f["Indicator id"] == "4.1")]
    assert set(vn["Feasibility"]) <= {"Unlikely", "Needs acceleration"} and len(vn) == 2
    assert set(vn["Unit"]) == {"Viet Nam"}


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
    assert "Tỷ lệ nữ đại biểu Quốc hội, đại biểu Hội đồng nhân dân các cấp" in legend


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


STATUS_WORD = {"achieved": "Đạt", "not_achieved": "Chưa đạt"}


def _certainty_words(r) -> str:
    if r.certainty == "uncertain":
        return "chênh lệch trong phạm vi dao động ngẫu nhiên"
    return f"số liệu nhỏ: {int(r.events)} ca"


def _qualified(processed, unit):
    """The unit's verdicts the statistics qualify, computed here from the observations (not the report)."""
    from gender_metrics.core.progress import plain

    p = plain(gm.progress(gm.load_observations(processed)))
    p = p[(p.unit == unit) & (p.breakdown == "")]
    return p, p[p.status.isin(list(STATUS_WORD)) & p.certainty.isin(["uncertain", "small_numbers"])]


def test_district_report_says_both_layers_of_every_verdict(district_html, processed):
    p, q = _qualified(processed, "439")
    assert len(q) >= 3, "the sample's district should have uncertain verdicts to show"
    table = district_html.split("<table class='gmt results'>")[1].split("</table>")[0]   # the results table
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr><td>([0-9a-z.]+)</td>.*?</tr>", table, re.S)}
    for r in q.itertuples():
        cells = re.findall(r"<td(?: class='([^']*)')?(?: title='[^']*')?>(.*?)</td>", rows[r.indicator], re.S)
        # id, name, unit, baseline, then target, result, verdict per milestone
        cls, text = cells[4 + 3 * [2015, 2020].index(int(r.milestone)) + 2]
        assert cls == f"st-{r.status}" and text.startswith(STATUS_WORD[r.status] + "<br>"), (r.indicator, text)
        assert _certainty_words(r) in text, (r.indicator, r.milestone, text)
    # the sentences: the verdict, then what the statistics say of it
    final = q[q.milestone == 2020]
    if (final.certainty == "small_numbers").any():
        r = final[final.certainty == "small_numbers"].iloc[0]
        assert f"số liệu nhỏ ({int(r.events)} ca), chưa đủ tin cậy để so sánh." in district_html
    if (final.certainty == "uncertain").any():
        assert "; chênh lệch so với mục tiêu nằm trong phạm vi dao động ngẫu nhiên (khoảng tin cậy 95% từ" in district_html
    # the summary counts the verdicts that occur (no "0 chỉ tiêu ...") and says how many are uncertain
    for m in (2015, 2020):
        g = p[(p.milestone == m) & (p.status != "not_collected")]
        n = g.status.value_counts()
        words = {"achieved": "đạt", "not_achieved": "chưa đạt", "incomplete": "chưa đủ số liệu tổng hợp",
                 "no_data": "không có số liệu"}
        parts = ", ".join(f"{n[s]} chỉ tiêu {w}" for s, w in words.items() if n.get(s, 0))
        line = (f"Năm {m}, trong {len(g)} chỉ tiêu được đánh giá: {parts}. Trong đó "
                f"{int(g.certainty.isin(['uncertain', 'small_numbers']).sum())} kết luận chưa chắc chắn")
        assert line in district_html
    assert "chưa đủ cơ sở kết luận" not in district_html    # the statistics never replace the verdict


def test_a_province_missing_a_district_says_how_many_reported(raw_dir, tmp_path):
    import shutil

    from gender_metrics.core.progress import plain
    from gender_metrics.ingest import ingest

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    (raw / "vu-quang.xlsx").unlink()    # a district that sent nothing
    (raw / "so-y-te.xlsx").unlink()     # and no figure of the Department of Health: 4.x are district sums
    ingest(raw, tmp_path / "p")
    p = plain(gm.progress(gm.load_observations(tmp_path / "p")))
    p = p[p.unit == "42"]
    inc = p[p.status == "incomplete"]
    assert set(inc.indicator) >= {"4.1", "4.2", "4.3", "4.4"} and set(inc.units_expected) == {13}
    assert inc.units_reported.max() == 12
    table = gm.UnitReport("42", "vi", tmp_path / "p").results_table().data
    for n, k in inc.units_reported.astype(int).value_counts().items():
        assert table.count(f"Chưa đủ số liệu tổng hợp ({n}/13 huyện)") == k
    # where a department's own figure is the province's, the sum of the districts stands beside it
    dep = p[(p.basis == "department") & p.units_reported.notna() & p.value_districts.notna()]
    assert len(dep)
    for r in dep.itertuples():
        owner = gm.load_reference().units.owner[r.indicator]
        assert f"số liệu của {gm.unit_label(owner)}; tổng hợp từ {int(r.units_reported)}/13 huyện:" in table


def test_reports_state_the_deadline_rule(processed):
    r = gm.UnitReport("42", "vi", processed)
    assert "Hạn gửi báo cáo: trước ngày 23/04/2021 (báo cáo ghi ngày 23/04/2021 trở đi là gửi chậm)." in \
        r.submissions_table().data
    ref = gm.load_reference()
    import datetime as dt

    assert not ref.review.on_time(dt.date(2021, 4, 23)) and ref.review.on_time(dt.date(2021, 4, 22))


def test_methods_note_names_the_complete_counts_and_why(processed):
    import yaml

    cat = yaml.safe_load((ROOT / "gender_metrics" / "reviews" / "catalogue" / "indicators_2011_2020.yaml")
                         .read_text(encoding="utf-8"))
    entries = cat["indicators"] if isinstance(cat, dict) else cat
    exact = [e["id"] for e in entries if e.get("interval") == "none" and e.get("kind") == "share"]
    assert {"1.1a", "1.1b", "1.2"} <= set(exact)                      # seats and bodies
    text = gm.UnitReport("42", "vi", processed).method().data
    assert f"({', '.join(exact)})" in text and "không tính khoảng tin cậy" in text
    # administrative complete counts keep their interval, and the note says why
    assert "tuy cũng được đếm đầy đủ" in text and "nên vẫn tính khoảng tin cậy" in text


def test_heat_map_says_both_layers(processed):
    from gender_metrics.core.progress import plain

    p = plain(gm.progress(gm.load_observations(processed)))
    fig = gm.UnitReport("42", "vi", processed).status_heatmap().figure()
    (hm,) = fig.data
    words = {"achieved": "Đạt", "not_achieved": "Chưa đạt"}
    rows = list(hm.y)
    checked = unsure_seen = 0
    for r in p[(p.level == "district") & (p.milestone == 2020) & (p.breakdown == "")
               & p.status.isin(list(words))].itertuples():
        i, j = rows.index(gm.unit_label(r.unit)), list(hm.x).index(r.indicator)
        hover = hm.text[i][j] if hm.text is not None else hm.customdata[i][j]
        unsure = r.certainty in ("uncertain", "small_numbers")
        assert hover == words[r.status] + (", chưa chắc chắn" if unsure else ""), (r.unit, r.indicator, hover)
        checked, unsure_seen = checked + 1, unsure_seen + unsure
    assert checked > 100 and unsure_seen > 5


@pytest.mark.parametrize("lang,small,away_words", [
    ("vi", "số liệu nhỏ: bình quân dưới 20 ca mỗi năm", "đi ngược mục tiêu"),
    ("en", "small numbers: fewer than 20 cases a year on average", "moving away"),
])
def test_feasibility_caveats_sit_beside_their_verdict(processed, lang, small, away_words):
    f = gm.feasibility(gm.load_observations(processed))
    f = f[f.unit == "42"]
    table = gm.UnitReport("42", lang, processed).feasibility_table().data
    rows = {}
    for m in re.finditer(r"<tr><td>([0-9a-z.]+)</td><td class='name'[^>]*>[^<]*</td><td>(\d{4})</td>.*?</tr>", table, re.S):
        rows.setdefault((m.group(1), int(m.group(2))), m.group(0))
    for r in f.itertuples():
        html = rows[(r.indicator, int(r.year))]
        verdict = re.search(r"<td class='verdict st-[a-z_]+'>(.*?)</td>", html, re.S).group(1)
        codes = set(str(r.caveats or "").split(";")) - {""}
        assert ("small" in codes) == (small in verdict), (r.indicator, r.year, verdict)
        assert ("away" in codes) == (away_words in html)
        said = codes - {"no_history", "no_obs", "chow"}   # the verdict itself says these, or they are method detail
        assert verdict.count("class='small certainty'") == len(said)   # every caveat, in words


def test_shortlist_states_its_criteria_in_plain_words(processed):
    text = gm.UnitReport("42", "vi", processed).shortlist().data
    assert "Tiêu chí tham khảo:" in text and "Hạn gửi: trước ngày 23/04/2021" in text
    assert "đánh giá được ít nhất một nửa số chỉ tiêu" in text and "Hội đồng Thi đua - Khen thưởng" in text
    assert "mức hoàn thành bình quân" not in text.lower()


def test_bar_charts_hatch_and_say_qualified_verdicts(processed):
    from gender_metrics.core.progress import plain

    p = plain(gm.progress(gm.load_observations(processed)))
    d = p[(p.level == "district") & (p.indicator == "4.1") & (p.milestone == 2020)].sort_values("value")
    (bars, key) = gm.UnitReport("42", "vi", processed).districts_chart("4.1").figure().data
    unsure = d.certainty.isin(["uncertain", "small_numbers"]).tolist()
    assert list(bars.marker.pattern.shape) == ["/" if u else "" for u in unsure] and any(unsure)
    words = {"achieved": "Đạt", "not_achieved": "Chưa đạt"}
    for text, r in zip(bars.customdata, d.itertuples(), strict=True):
        assert text.startswith(words[r.status]) and ("dao động ngẫu nhiên" in text) == (r.certainty == "uncertain")
    assert key.name.startswith("Cột gạch chéo: kết luận chưa chắc chắn")


def test_every_assessment_cell_of_every_sample_form_is_in_its_units_report(raw_dir, processed):
    """What each unit wrote in its assessment sheet appears in its own report, verbatim, and gathered in
    the province's (read from the committed forms themselves, not from the processed tables)."""
    import html as html_lib

    from openpyxl import load_workbook

    from gender_metrics.forms.layout import TEXT_COL, layout_of

    ref = gm.load_reference()
    lay = layout_of(ref)
    prov = gm.UnitReport("42", "vi", processed)
    province = html_lib.unescape(prov.leadership().data + prov.evaluation().data)
    gathered = prov.assessment
    checked, forms = 0, sorted(raw_dir.glob("*.xlsx"))
    for path in forms:
        wb = load_workbook(path, read_only=True)
        code = str(wb[lay.sheet_id]["B3"].value)
        cells = [(key, wb[lay.sheet_txt].cell(row, TEXT_COL).value) for row, key in lay.section_rows.items()]
        wb.close()
        r = gm.UnitReport(code, "vi", processed)
        page = html_lib.unescape(r.leadership().data + r.evaluation().data)
        for key, text in cells:
            assert text, (path.name, key)
            assert text in page, (path.name, key)              # verbatim in the unit's own report
            # in the province's: its words, or a near-identical wording with the same figures, attributed to it
            quote = next(q for q in gathered.said(key) if r.name in q.units)
            same = pd.DataFrame({"unit": ["441", "443"], "text": [quote.text, text]})
            assert quote.text == text or len(merge_lessons(same, ref)) == 1, (path.name, key)
            assert quote.text in province
            checked += 1
    assert len(forms) == 25 and checked == 25 * len(lay.section_rows)   # 13 districts, 12 departments; every section


def test_a_units_rows_are_the_rows_a_filter_gives(processed):
    """``Dataset.unit_rows`` (each table split by unit once per kernel) gives what ``t[t.unit == u]`` gives: the
    same rows, order, index and values, text as Python strings; a unit without rows gets the empty table."""
    from gender_metrics.present.data import dataset

    ds = dataset(processed)
    for name in ("progress", "feasibility", "observations", "bands", "proposed", "province_observations"):
        table = getattr(ds, name)
        for unit in [*dict.fromkeys(table.unit)][:5] + ["no-such-unit"]:
            got = ds.unit_rows(name, unit)
            pd.testing.assert_frame_equal(got, table[table.unit == unit])
    assert ds.observations.unit.dtype == object and str(ds.table("observations").unit.dtype) == "str"

"""The assessment in words, the province's gathered lessons, escaping, and the conference packet."""

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import gender_metrics as gm
from gender_metrics.core.narrative import assess, computed_causes, merge_lessons, result_sentence
from gender_metrics.core.progress import plain
from gender_metrics.forms import write_form
from gender_metrics.forms.layout import TEXT_COL, layout_of
from gender_metrics.outputs.packet import write_packet
from gender_metrics.present import views
from gender_metrics.reference import load_reference
from gender_metrics.store import safe_frame

REF = load_reference()


def prog_of(rows):
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "year", "numerator", "denominator", "value"])
    obs["strategy"], obs["source"] = "2011-2020", "test"
    p = gm.progress(obs)
    return plain(p)


def one(p, ind, milestone=2020, unit="439"):
    return p[(p.unit == unit) & (p.indicator == ind) & (p.milestone == milestone)].iloc[0]


P = prog_of([("439", "1.1b", 2016, np.nan, np.nan, 31.4), ("439", "4.4", 2020, np.nan, np.nan, 21.4),
             ("439", "4.2", 2020, 3, 2000, np.nan), ("439", "2.1", 2020, np.nan, np.nan, 48.1),
             ("439", "4.1", 2020, 530, 470, np.nan), ("439", "7.2", 2020, 36, 37, np.nan),
             ("42", "5.1", 2020, np.nan, np.nan, 69.9), ("42", "6.1", 2019, np.nan, np.nan, 1.8)])


# one sentence per kind of indicator, as an official writes it: a share "đạt", a ratio or a rate "là" with
# its unit in words, a reduction "giảm", a multiple "gấp"; the short name; the verdict in one vocabulary
@pytest.mark.parametrize("unit,ind,lang,expected", [
    ("439", "1.1b", "vi", "Tỷ lệ nữ đại biểu Quốc hội, HĐND nhiệm kỳ 2016-2021 đạt 31,4%, chưa đạt mục tiêu đề ra "
                          "(trên 35%)."),
    ("439", "1.1b", "en", "Share of women deputies (National Assembly, People's Councils), 2016-2021 term: 31.4%; "
                          "target not achieved (above 35%)."),
    ("439", "4.4", "vi", "Tỷ lệ phá thai năm 2020 là 21,4 ca trên 100 trẻ đẻ sống, đạt mục tiêu đề ra (không quá 25)."),
    ("439", "4.4", "en", "Abortion ratio, 2020: 21.4 per 100 live births; target achieved (at most 25)."),
    # the official verdict on the reported value first, then what the statistics say of it
    ("439", "4.2", "vi", "Tỷ số tử vong mẹ năm 2020 là 150 ca trên 100.000 trẻ đẻ sống, chưa đạt mục tiêu đề ra "
                         "(không quá 52); số liệu nhỏ (3 ca), chưa đủ tin cậy để so sánh."),
    ("439", "4.2", "en", "Maternal mortality ratio, 2020: 150 deaths per 100,000 live births; target not achieved "
                         "(at most 52); small numbers (3 cases), too few to compare reliably."),
    # METHODS.md: 530 boys / 470 girls -> 112.8 [99.6, 127.7]: "at most 115" is met, but the interval spans 115
    ("439", "4.1", "vi", "Tỷ số giới tính khi sinh năm 2020 là 112,8 bé trai trên 100 bé gái (530 bé trai, 470 bé gái), "
                         "đạt mục tiêu đề ra (không quá 115); chênh lệch so với mục tiêu nằm trong phạm vi dao động "
                         "ngẫu nhiên (khoảng tin cậy 95% từ 99,6 đến 127,7)."),
    ("439", "4.1", "en", "Sex ratio at birth, 2020: 112.8 boys per 100 girls (530 boys, 470 girls); target achieved "
                         "(at most 115); the gap to the target is within the range of chance (95% interval 99.6 to "
                         "127.7)."),
    ("439", "2.1", "vi", "Tỷ lệ nữ trong số người được tạo việc làm mới năm 2020 là 48,1%, đạt mục tiêu đề ra "
                         "(từ 40% đến 60%)."),
    ("439", "7.2", "vi", "Tỷ lệ cơ quan bố trí cán bộ làm công tác bình đẳng giới năm 2020 đạt 97,3%, chưa đạt mục "
                         "tiêu đề ra (100%)."),     # "100%", not "từ 100% trở lên"
    ("42", "5.1", "vi", "Số sản phẩm văn hóa thông tin mang định kiến giới năm 2020 giảm 69,9% so với năm 2010, chưa "
                        "đạt mục tiêu đề ra (giảm từ 80% trở lên)."),
    ("42", "5.1", "en", "The number of cultural and information products carrying gender stereotypes, 2020: fell by "
                        "69.9% from 2010; target not achieved (a fall of at least 80%)."),
    ("42", "6.1", "vi", "Thời gian làm việc nhà của nữ năm 2019 gấp 1,8 lần nam giới, chưa đạt mục tiêu đề ra "
                        "(không quá 1,5 lần)."),
    ("42", "6.1", "en", "Women's time on housework, 2019: 1.8 times men's; target not achieved (at most 1.5 times men's)."),
    ("439", "4.3", "vi", "Tỷ lệ phụ nữ mang thai được dự phòng lây truyền HIV: không có số liệu năm 2020."),
    ("439", "4.3", "en", "Share of pregnant women reached by HIV prevention: no data for 2020."),
    ("439", "3.2", "vi", "Tỷ lệ nữ thạc sĩ: không thu thập ở cấp này."),
])
def test_sentences(unit, ind, lang, expected):
    assert result_sentence(one(P, ind, unit=unit), REF, lang) == expected


def test_shortcomings_ordered_by_how_far_they_fell_short():
    # 2.2: 20% against >= 35% (43% short); 2.3: 45% against >= 50% (10% short)
    p = prog_of([("439", "2.3", 2020, np.nan, np.nan, 45.0), ("439", "2.2", 2020, np.nan, np.nan, 20.0)])
    _, _, short = assess(p[p.unit == "439"], REF, "en")
    assert short[0].startswith("Share of enterprises owned by women") and short[1].startswith("Share of rural women")
    assert all("no data" in s for s in short[2:])


def test_improvements_and_computed_causes():
    p = prog_of([("439", "2.3", 2010, np.nan, np.nan, 10.0), ("439", "2.3", 2015, np.nan, np.nan, 30.0),
                 ("439", "2.3", 2020, np.nan, np.nan, 28.0)])
    mine = p[p.unit == "439"]
    _, imp, _ = assess(mine, REF, "vi")
    assert imp == ["Tỷ lệ lao động nữ nông thôn được đào tạo nghề tăng từ 10,0% năm 2010 lên 28,0% năm 2020."]
    srb = prog_of([("439", "4.1", 2010, 1200, 1000, np.nan), ("439", "4.1", 2020, 1128, 1000, np.nan)])
    _, imp, _ = assess(srb[srb.unit == "439"], REF, "vi")   # the unit in words once, after the last value
    assert imp == ["Tỷ số giới tính khi sinh giảm từ 120,0 năm 2010 xuống 112,8 bé trai trên 100 bé gái năm 2020."]
    causes = computed_causes(mine, REF, "vi")
    assert not any(c.startswith("Kết quả năm 2020 kém hơn") for c in causes)  # 30% -> 28% without parts: no test
    assert any(c.startswith("Thiếu số liệu: 18 chỉ tiêu") for c in causes)  # 19 district indicators, 1 reported


def test_a_worse_result_is_asserted_only_when_a_test_finds_it():
    # 2.3: 300/1000 -> 250/1000. By hand: pooled 0.275, se = sqrt(0.275 * 0.725 * 2/1000) = 0.01997,
    # z = 0.05 / 0.01997 = 2.50, p = 0.012 < 0.05: a real fall.
    # 4.1: 210/190 = 110.5 -> 220/187 = 117.6. By hand: ln ratio difference 0.0624,
    # se = sqrt(1/210 + 1/190 + 1/220 + 1/187) = 0.141, z = 0.44, p = 0.66: no detectable change.
    p = prog_of([("439", "2.3", 2015, 300, 1000, np.nan), ("439", "2.3", 2020, 250, 1000, np.nan),
                 ("439", "4.1", 2015, 210, 190, np.nan), ("439", "4.1", 2020, 220, 187, np.nan)])
    causes = computed_causes(p[p.unit == "439"], REF, "vi")
    assert ("Kết quả năm 2020 kém hơn năm 2015, mức chênh lệch có ý nghĩa thống kê: Tỷ lệ lao động nữ nông thôn "
            "được đào tạo nghề (năm 2015: 30,0%; năm 2020: 25,0%).") in causes
    assert not any("giới tính khi sinh" in c for c in causes)


def test_a_band_is_worse_only_further_outside_it_and_a_change_must_show_in_print():
    # 2.1 (women's share of new jobs within 40-60%): 55% -> 45% is a move inside the band, not a regression,
    # however significant; 2.3: 44.74% -> 44.66% (44,7% both) is invisible at the printed precision
    p = prog_of([("439", "2.1", 2015, 5500, 10000, np.nan), ("439", "2.1", 2020, 4500, 10000, np.nan),
                 ("439", "2.3", 2015, 447400, 1000000, np.nan), ("439", "2.3", 2020, 446600, 1000000, np.nan)])
    causes = computed_causes(p[p.unit == "439"], REF, "vi")
    assert not any("kém hơn" in c for c in causes)
    p = prog_of([("439", "2.1", 2015, 4500, 10000, np.nan), ("439", "2.1", 2020, 3500, 10000, np.nan)])
    assert any("kém hơn" in c and "Tỷ lệ nữ trong số người được tạo việc làm mới" in c
               for c in computed_causes(p[p.unit == "439"], REF, "vi"))   # 45% -> 35%: now outside the band


def test_near_duplicate_lessons_are_merged_and_attributed():
    items = pd.DataFrame({"unit": ["439", "440", "441", "440"], "text": [
        "Phải có sự lãnh đạo, chỉ đạo sát sao của cấp ủy, chính quyền.",
        "phải có sự lãnh đạo chỉ đạo sát sao của cấp ủy chính quyền",            # punctuation and case
        "Cần bố trí đủ kinh phí cho công tác bình đẳng giới.",
        "Phai co su lanh dao, chi dao sat sao cua cap uy, chinh quyen!",           # no diacritics, same unit
    ]})
    merged = merge_lessons(items, REF, "vi")
    assert merged[0] == ("Phải có sự lãnh đạo, chỉ đạo sát sao của cấp ủy, chính quyền.",
                         ["Huyện Hương Sơn", "Huyện Đức Thọ"])
    assert merged[1] == ("Cần bố trí đủ kinh phí cho công tác bình đẳng giới.", ["Huyện Vũ Quang"])


def test_province_gathers_lessons_of_all_units(processed):
    n = gm.narrative("42", "vi", processed)
    lessons = n.said("lessons")
    assert sum(len(q.units) for q in lessons) >= 20  # 25 forms, each with a lesson
    assert len(lessons) < 10  # the sample's lessons come from a few wordings: merged
    assert n.lessons == [q.text for q in lessons] and all(isinstance(x, str) for x in n.causes)
    assert n.said("causes_objective") and n.said("causes_subjective") and n.recommendations
    assert all(q.units and q.sources for key in ("lead_budget", "results") for q in n.said(key))


def test_a_unit_report_attributes_its_own_words_to_its_form_not_to_itself(processed):
    n = gm.narrative("Cẩm Xuyên", "vi", processed)
    assert all(q.units == ("Huyện Cẩm Xuyên",) and q.sources[0].startswith("cam-xuyen.xlsx!")
               for q in n.said("lessons"))
    html = gm.UnitReport("Cẩm Xuyên", "vi", processed).evaluation().data
    assert "Do 1 đơn vị nêu" not in html and "Nội dung do đơn vị ghi trong biểu mẫu (cam-xuyen.xlsx!" in html


def test_hostile_text_is_escaped_in_html_and_neutralised_in_excel(tmp_path):
    from gender_metrics.ingest import ingest

    raw = tmp_path / "raw"
    write_form("440", raw / "f.xlsx", ident={"submitted": "20/04/2021"},
               texts={"causes_objective": "<img src=x onerror=alert(1)>", "lessons": "=HYPERLINK(\"http://x\",\"y\")"})
    form = load_workbook(raw / "f.xlsx")["Đánh giá"]
    row = {key: r for r, key in layout_of(REF).section_rows.items()}
    causes, lessons = (form.cell(row[k], TEXT_COL) for k in ("causes_objective", "lessons"))
    assert causes.value == "<img src=x onerror=alert(1)>" and causes.data_type == "s"
    assert lessons.value == "'=HYPERLINK(\"http://x\",\"y\")" and lessons.data_type == "s"
    ingest(raw, tmp_path / "p")
    html = gm.UnitReport("440", "vi", tmp_path / "p").evaluation().data
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    df = safe_frame(pd.DataFrame({"a": ["=1+1", "+1", "-2", "@x", "ok"], "n": [1, 2, 3, 4, 5]}))
    assert df.a.tolist() == ["'=1+1", "'+1", "'-2", "'@x", "ok"] and df.n.tolist() == [1, 2, 3, 4, 5]


def test_packet_layout_and_print_settings(tmp_path):
    p = prog_of([("439", "4.4", 2020, np.nan, np.nan, 21.4), ("439", "4.2", 2020, 3, 2000, np.nan),
                 ("439", "4.1", 2020, 1158, 1000, np.nan), ("439", "2.3", 2020, 402, 1000, np.nan)])
    p.loc[p.unit == "439", "source"] = "=cmd|' /C calc'!A0"
    path = write_packet(tmp_path / "packet.xlsx", p, REF, lang="vi", sample=True)
    wb = load_workbook(path)
    # the province, the areas side by side, the departments, then one sheet per unit, named by the unit
    assert wb.sheetnames[:3] == ["Tỉnh Hà Tĩnh", "So sánh các huyện", "Theo sở, ngành"]
    assert len(wb.sheetnames) == 3 + 13 + 13 and "Huyện Hương Sơn" in wb.sheetnames
    ws = wb["Huyện Hương Sơn"]
    assert [c.value for c in ws[8]][:10] == ["Mã", "Chỉ tiêu", "Đơn vị tính", "Năm 2010", "Mục tiêu 2015",
                                             "Kết quả 2015", "Đánh giá 2015", "Mục tiêu 2020", "Kết quả 2020",
                                             "Đánh giá 2020"]
    assert [c.value for c in ws[8]][10:] == ["Ghi chú", "Nguồn"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=9) if r[0].value}
    groups = [k for k, r in rows.items() if str(k).startswith("Mục tiêu ")]
    assert len(groups) == 7                                    # rows grouped under the 7 objectives
    assert [k for k in rows if k not in groups and not str(k).startswith(("(", "*"))] == list(REF.judged.index)
    r44 = rows["4.4"]                                          # a ratio: the number itself, one decimal
    assert (r44[8].value, r44[8].number_format, r44[9].value) == (21.4, "0.0", "Đạt")
    assert (r44[7].value, r44[7].number_format) == (25, '"≤ "0')
    r23 = rows["2.3"]                                          # a share: its fraction, shown in percent
    assert r23[8].value == pytest.approx(0.402) and r23[8].number_format == "0.0%"
    assert (r23[7].value, r23[7].number_format) == (0.5, '"≥ "0%')
    assert r23[11].value == "'=cmd|' /C calc'!A0"              # neutralised: text, never a formula
    # both layers of the verdict: the official one, then what the statistics say of it
    r42 = rows["4.2"]
    assert (r42[8].value, r42[8].number_format, r42[9].value) == (150, "0", "Chưa đạt (số liệu nhỏ: 3 ca)")
    r41 = rows["4.1"]                                          # 115.8 against "at most 115": not achieved
    assert r41[8].value == pytest.approx(115.8) and r41[9].value == "Chưa đạt (chênh lệch trong phạm vi dao động ngẫu nhiên)"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws["A1"].value == "UBND TỈNH HÀ TĨNH" and ws["A2"].value == "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
    assert ws["L1"].value == "Phụ lục - Biểu số 4.3" and "DỮ LIỆU MẪU" in ws["A6"].value
    assert ws["A4"].value == "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU GIAI ĐOẠN 2011-2020: HUYỆN HƯƠNG SƠN"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.print_title_rows == "$8:$8" and ws.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.parametrize("op,value,high,unit,lang,words,expected", [
    (">", 35, None, "%", "vi", True, "trên 35%"),
    (">=", 30, None, "%", "vi", True, "từ 30% trở lên"),
    ("<=", 113, None, "boys per 100 girls", "vi", True, "không quá 113"),
    ("between", 40, 60, "%", "vi", True, "từ 40% đến 60%"),
    (">=", 27.5, None, "%", "vi", False, "≥ 27,5%"),
    ("<", 58.3, None, "per 100000 live births", "en", False, "< 58.3"),
    ("between", 40, 60, "%", "en", False, "40% - 60%"),
])
def test_one_target_formatter_for_sentences_tables_and_charts(op, value, high, unit, lang, words, expected):
    from gender_metrics.i18n import fmt_target

    assert fmt_target(op, value, high, unit, lang, words=words) == expected


def test_unknown_target_operator_is_refused():
    from gender_metrics.i18n import fmt_target

    with pytest.raises(ValueError, match="unknown target operator '=>'"):
        fmt_target("=>", 1)


def test_long_attribution_lists_are_folded():
    from gender_metrics.present.report import given_by

    def _given_by(units, lang):
        return given_by(units, REF, lang)

    short = _given_by(["Huyện A", "Huyện B"], "vi")
    assert "Do 2 đơn vị nêu: Huyện A, Huyện B" in short and "<details" not in short
    many = [f"Huyện {c}" for c in "ABCDEFGHIJ"]
    folded = _given_by(many, "vi")
    assert "<summary>Do 10 đơn vị nêu: Huyện A, Huyện B, Huyện C, Huyện D và 6 đơn vị khác" in folded
    details, printed = folded.split("</details>")
    assert "Huyện A, Huyện B, Huyện C, Huyện D, Huyện E" in details and "Huyện J" in details
    # on paper a closed <details> would hide the names: the print-only copy lists them all
    assert "print-only" in printed and "Do 10 đơn vị nêu: Huyện A, " in printed and "Huyện J" in printed


def test_province_report_folds_the_units_behind_gathered_texts(processed):
    n = gm.narrative("42", "vi", processed)
    long = [q for key in ("recommendations", "causes_objective") for q in n.said(key) if len(q.units) > 5]
    assert long  # the sample's recommendations and causes are shared by many units
    html = gm.UnitReport("42", "vi", processed).evaluation().data
    block = html.split(long[0].text.replace("&", "&amp;"), 1)[1].split("<blockquote>", 1)[0]
    assert block.startswith("</blockquote><details") and f"Do {len(long[0].units)} đơn vị nêu" in block
    assert all(u in block for u in long[0].units)  # folded, not dropped
    own = gm.UnitReport("439", "vi", processed).evaluation().data
    assert "<details" not in own and "Nội dung do đơn vị ghi trong biểu mẫu (" in own


def test_packet_carries_the_province_assessment_in_words(processed, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "packet.xlsx"
    r = subprocess.run([sys.executable, "-m", "gender_metrics", "packet", "--processed", str(processed),
                        "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["Tỉnh Hà Tĩnh", "Đánh giá chung"] and len(wb.sheetnames) == 2 + 7 + 13 + 13
    ws = wb["Đánh giá chung"]
    lines = [c.value for c in ws["A"] if c.value]
    assert lines[0] == "Đánh giá chung - Tỉnh Hà Tĩnh" and "DỮ LIỆU MẪU" in lines[1]
    n = gm.narrative("42", "vi", processed)
    heads = ["Công tác lãnh đạo, chỉ đạo, tổ chức thực hiện", "Kết quả đạt được", "Hạn chế, tồn tại",
             "Nguyên nhân khách quan", "Nguyên nhân chủ quan", "Bài học kinh nghiệm", "Kiến nghị, đề xuất"]
    assert [lines.index(h) for h in heads] == sorted(lines.index(h) for h in heads)
    assert all("• " + s in lines for s in n.results + n.shortcomings)  # every sentence, none lost
    assert all(txt in lines for txt in n.lessons + n.recommendations + [q.text for q in n.said("results")])
    first = n.said("lessons")[0]
    assert lines[lines.index(first.text) + 1] == f"Do {len(first.units)} đơn vị nêu: " + ", ".join(first.units)
    assert ws.page_setup.orientation == "portrait" and int(ws.page_setup.paperSize) == 9
    assert all(c.data_type != "f" for c in ws["A"])


def test_summary_of_one_indicator_says_it_plainly():
    p = prog_of([("439", "4.2", 2020, 3, 2000, np.nan)])
    mine = p[(p.unit == "439") & (p.indicator == "4.2")]
    assert views.summary_lines(mine, "vi") == [
        "Năm 2015, chỉ tiêu duy nhất được đánh giá: không có số liệu.",
        "Năm 2020, chỉ tiêu duy nhất được đánh giá: chưa đạt. Kết luận này chưa chắc chắn (số liệu nhỏ, hoặc "
        "chênh lệch so với mục tiêu nằm trong phạm vi dao động ngẫu nhiên)."]
    assert views.summary_lines(mine, "en")[1] == (
        "2020: the one indicator assessed: not achieved. This verdict is uncertain (small numbers, or a difference "
        "within the range of chance).")

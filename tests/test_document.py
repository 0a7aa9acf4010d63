"""The Word draft of the summary report (python-docx): the official format of Decree 30/2020/NĐ-CP, the
outline, the same sentences as the HTML report, the annex tables, hostile form text kept as text; then
the draft converted by LibreOffice (once) and read back page by page. And the one-page summary for
leaders, printed by Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest
from docx import Document
from docx.shared import Cm, Pt

import gender_metrics as gm
from gender_metrics.core.narrative import result_sentence
from gender_metrics.core.progress import plain
from gender_metrics.outputs.document import write_document
from gender_metrics.present import annex, views
from gender_metrics.present.data import dataset
from gender_metrics.run.cli import main

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NO_SOFFICE = ("LibreOffice is not installed (no `soffice` on PATH): run `make test`, which installs it "
              "(Debian packages libreoffice-writer-nogui, poppler-utils).")


@pytest.fixture(scope="module")
def drafts(processed, tmp_path_factory):
    """The province's draft and district 439's (Hương Sơn), written once."""
    out = tmp_path_factory.mktemp("docx")
    ds = dataset(processed)
    prov = annex.draft_document(ds, ds.ref.province, "vi")
    dist = annex.draft_document(ds, "439", "vi")
    return {"ds": ds, "prov": prov, "dist": dist, "prov_path": write_document(out / "province.docx", prov),
            "dist_path": write_document(out / "district.docx", dist)}


@pytest.fixture(scope="module")
def pdf_pages(drafts, tmp_path_factory) -> list[str]:
    """The province's draft converted to PDF by LibreOffice headless (once), as the text of each page."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail(NO_SOFFICE)
    out = tmp_path_factory.mktemp("pdf")
    profile = (out / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir",
                    str(out), str(drafts["prov_path"])], check=True, capture_output=True, timeout=300)
    pdf = out / "province.pdf"
    assert pdf.exists() and pdf.stat().st_size > 20_000
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True).stdout
    n = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info, re.M)
    pages = [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True,
                            text=True).stdout for i in range(1, n + 1)]
    return list(zip(pages, [(float(w), float(h)) for w, h in sizes], strict=True))


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def headings(doc, level: int) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


def test_a4_margins_fonts_and_heading_styles(drafts):
    doc = Document(drafts["prov_path"])
    s = doc.sections[0]
    assert abs(s.page_width - Cm(21.0)) < Cm(0.01) and abs(s.page_height - Cm(29.7)) < Cm(0.01)
    # Decree 30: top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm
    mm = {k: round(getattr(s, f"{k}_margin").mm) for k in ("top", "bottom", "left", "right")}
    assert 20 <= mm["top"] <= 25 and 20 <= mm["bottom"] <= 25 and 30 <= mm["left"] <= 35 and 15 <= mm["right"] <= 20
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and Pt(13) <= normal.font.size <= Pt(14)
    fonts = normal.element.rPr.find(f"{W}rFonts")
    assert all(fonts.get(f"{W}{a}") == "Times New Roman" for a in ("ascii", "hAnsi", "cs", "eastAsia"))
    for level in (1, 2, 3):
        st = doc.styles[f"Heading {level}"]
        assert st.font.name == "Times New Roman" and st.font.bold and str(st.font.color.rgb) == "000000"
    # every run of the body in Times New Roman (the header block and tables included)
    runs = [r for p in doc.paragraphs for r in p.runs if r.text]
    runs += [r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs if r.text]
    assert runs and all(r.font.name == "Times New Roman" for r in runs)


def test_the_header_block(drafts):
    doc = Document(drafts["prov_path"])
    block = doc.tables[0]
    left = [(p.text, any(r.bold for r in p.runs)) for p in block.cell(0, 0).paragraphs if p.text]
    assert left == [("UBND TỈNH HÀ TĨNH", False), ("SỞ LAO ĐỘNG - THƯƠNG BINH", True), ("VÀ XÃ HỘI", True)]
    right = [(p.text, all(r.bold for r in p.runs)) for p in block.cell(0, 1).paragraphs if p.text]
    assert right == [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True), ("Độc lập - Tự do - Hạnh phúc", True)]
    # the rules under the issuing body and the tiêu ngữ: empty paragraphs with a top border
    for cell in (block.cell(0, 0), block.cell(0, 1)):
        assert cell.paragraphs[-1].text == "" and cell.paragraphs[-1]._p.find(f"{W}pPr/{W}pBdr/{W}top") is not None
    number, date = block.cell(1, 0).paragraphs[0], block.cell(1, 1).paragraphs[0]
    assert re.fullmatch(r"Số:\s+/BC-SLĐTBXH", number.text)
    assert re.fullmatch(r"Hà Tĩnh, ngày\s+tháng 4 năm 2021", date.text) and all(r.italic for r in date.runs)
    body = texts(doc)
    i = body.index("BÁO CÁO")
    assert doc.paragraphs[i].runs[0].bold and doc.paragraphs[i].alignment == 1   # centred
    assert body[i + 1] == ("Tổng kết thực hiện Chiến lược quốc gia về bình đẳng giới giai đoạn 2011-2020 trên địa "
                           "bàn tỉnh Hà Tĩnh")
    assert "Kính gửi: Ủy ban nhân dân tỉnh" in body
    assert any("DỮ LIỆU MẪU" in x for x in body[:i])    # the sample label on the first page, above the title


def test_page_numbers_from_page_two_and_the_sample_label_on_every_page(drafts):
    doc = Document(drafts["prov_path"])
    s = doc.sections[0]
    assert s.different_first_page_header_footer
    page = s.header._element.xml
    assert "PAGE" in "".join(x.text for x in s.header._element.iter(f"{W}instrText"))
    assert "PAGE" not in s.first_page_header._element.xml
    assert "DỮ LIỆU MẪU" in page and "DỮ LIỆU MẪU" in s.first_page_header._element.xml
    # the annexes are numbered separately: the first annex section restarts at 1, the others continue
    restarts = [sec._sectPr.find(f"{W}pgNumType") for sec in doc.sections]
    starts = [(r is not None and r.get(f"{W}start")) for r in restarts]
    assert starts[0] is False and starts[1] == "1" and not any(starts[2:])
    assert any(sec.page_width > sec.page_height for sec in doc.sections[1:])     # landscape annex tables


def test_the_outline(drafts):
    doc = Document(drafts["prov_path"])
    h1 = [x.split("\n")[0] for x in headings(doc, 1)]
    assert h1[:3] == ["Phần thứ nhất", "Phần thứ hai", "Phần thứ ba"] and h1[3] == "PHỤ LỤC"
    h2 = headings(doc, 2)
    for title in ("I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, TỔ CHỨC THỰC HIỆN", "II. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU, CHỈ TIÊU",
                  "III. ĐÁNH GIÁ CHUNG", "IV. BÀI HỌC KINH NGHIỆM"):
        assert title in h2
    h3 = headings(doc, 3)
    assert sum(bool(re.match(r"\d\. Mục tiêu \d: ", x)) for x in h3) == 7 + 6   # the 7 objectives; the next 6
    assert "1. Văn bản lãnh đạo, chỉ đạo, hướng dẫn đã ban hành" in h3 and "6. Kiểm tra, giám sát" in h3
    annex_titles = [x for x in h2 if x.startswith("Biểu số")]
    assert [x.split("\n")[0] for x in annex_titles] == [f"Biểu số {n}" for n in range(1, 6)]
    assert "Nơi nhận:" in [c.paragraphs[0].text for t in doc.tables for c in t.rows[0].cells]


def test_the_same_sentences_as_the_html_report(drafts, processed):
    """Both come from the one set of display tables: every indicator's sentence, the counts, the units'
    gathered words with their attribution, the proposed targets and their reasoning."""
    ds = drafts["ds"]
    doc = Document(drafts["prov_path"])
    body = "\n".join(texts(doc))
    prog = plain(ds.progress)
    mine = prog[prog.unit == ds.ref.province]
    for r in mine.itertuples():
        assert result_sentence(r, ds.ref, "vi") in body
    for line in views.summary_lines(mine, "vi"):
        assert line in body
    report = gm.UnitReport(ds.ref.province, "vi", processed)
    html = report.evaluation().data + report.proposed_targets().data
    n = gm.narrative(ds.ref.province, "vi", processed)
    for q in n.said("lessons") + n.said("recommendations"):   # the same gathered quotes, the same units
        assert f"Do {len(q.units)} đơn vị nêu: " in html and all(u in html for u in q.units)
        assert any(p.text.endswith(": " + q.text) and all(u in p.text.split(": ")[0] for u in q.units)
                   for p in doc.paragraphs), q.text
    # leadership and organisation: each unit's own words and figures, after its name, never merged away
    lead = ds.narratives[ds.narratives.section == "lead_training"]
    assert len(lead) == len(ds.submissions)
    for r in lead.itertuples():   # "Huyện Hương Sơn: <its text>" (or several names before the same text)
        assert any(p.text.endswith(": " + r.text) and ds.ref.label(r.unit) in p.text.split(": ")[0]
                   for p in doc.paragraphs), r.unit
    tg = annex.targets_of(ds)
    for r in tg.recommended.to_dict("records"):
        sentence = annex.reason_sentence(r, ds.ref, "vi")
        assert (sentence in body) == (sentence in html.replace("&amp;", "&"))
    assert all(c in html for c in annex.contradiction_sentences(tg, ds.ref, "vi")[:3])


def test_annex_tables_are_word_tables(drafts):
    doc = Document(drafts["prov_path"])
    tables = [t for t in doc.tables if t.rows and t.rows[0].cells[0].text == "Mã"]
    heads = [[c.text for c in t.rows[0].cells] for t in tables]
    b1 = next(t for t, h in zip(tables, heads, strict=True) if h[4:7] == ["Mục tiêu 2015", "Kết quả 2015", "Đánh giá 2015"])
    ref = drafts["ds"].ref
    ids = [r.cells[0].text for r in b1.rows[1:] if r.cells[0].text != r.cells[-1].text]
    assert ids == list(ref.judged.index)                          # every indicator, grouped under 7 objectives
    groups = [r.cells[0].text for r in b1.rows[1:] if r.cells[0].text == r.cells[-1].text]
    assert len(groups) == 7 and groups[0].startswith("Mục tiêu 1")
    assert "Nguồn" not in heads[0]                                # the form cells are in the workbook
    b2 = next(h for h in heads if "Huyện Hương Sơn" in h)
    assert [ref.label(u) for u in ref.units.areas] == [h for h in b2 if h in {ref.label(u) for u in ref.units.areas}]
    assert b2[-1] == "Tỉnh Hà Tĩnh"
    b4 = next(t for t, h in zip(tables, heads, strict=True) if "Tỉnh đề xuất 2025" in h)
    b4_ids = [r.cells[0].text for r in b4.rows[1:] if r.cells[0].text != r.cells[-1].text]
    assert b4_ids == list(ref.next.index)
    b5 = next(t for t in doc.tables if t.rows[0].cells[0].text == "STT")
    assert len(b5.rows) == 1 + len(ref.units.reporting)
    assert b1._tbl.tblPr.find(f"{W}tblLayout") is not None       # fixed widths, kept by Word and LibreOffice
    assert b1.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None  # the header row repeats on every page


def test_hostile_form_text_stays_text(tmp_path):
    from gender_metrics.forms import write_form
    from gender_metrics.ingest import ingest

    hostile = {"lead_documents": '=HYPERLINK("http://x.example","bấm vào đây")',
               "lead_committee": '<w:fldSimple w:instr="PAGE"><w:r><w:t>9</w:t></w:r></w:fldSimple>',
               "lead_budget": "Kinh phí {unit} & <b>đậm</b>"}
    write_form("440", tmp_path / "raw" / "f.xlsx", ident={"submitted": "20/04/2021"}, texts=hostile)
    ingest(tmp_path / "raw", tmp_path / "p")
    ds = dataset(tmp_path / "p")
    draft = annex.draft_document(ds, "440", "vi")
    # a text with characters XML forbids: they are dropped, the rest kept
    draft.body.append(annex.Block("quote", "Tập huấn\x01\x02 cán bộ\x0b cơ sở\x00.", source="test"))
    path = write_document(tmp_path / "d.docx", draft)
    doc = Document(path)
    body = texts(doc)
    assert any(x.endswith('=HYPERLINK("http://x.example","bấm vào đây")') for x in body)
    assert '<w:fldSimple w:instr="PAGE"><w:r><w:t>9</w:t></w:r></w:fldSimple>' in body
    assert "Kinh phí {unit} & <b>đậm</b>" in body
    assert "Tập huấn cán bộ cơ sở." in body
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    # no field, hyperlink or formula came from the forms (the only fields are the page numbers, in the header)
    for tag in ("<w:fldSimple", "<w:instrText", "<w:hyperlink", "<w:fldChar"):
        assert tag not in xml, tag
    assert "&lt;w:fldSimple" in xml


def test_a_units_own_draft_and_the_command(drafts, processed, tmp_path):
    out = tmp_path / "huong-son.docx"
    assert main(["document", "--processed", str(processed), "--unit", "Hương Sơn", "--out", str(out)]) == 0
    doc = Document(out)
    block = doc.tables[0]
    assert [p.text for p in block.cell(0, 0).paragraphs if p.text] == ["ỦY BAN NHÂN DÂN", "HUYỆN HƯƠNG SƠN"]
    assert re.fullmatch(r"Số:\s+/BC-UBND", block.cell(1, 0).paragraphs[0].text)
    assert block.cell(1, 1).paragraphs[0].text.startswith("Hương Sơn, ngày")
    body = texts(doc)
    assert "Kính gửi: Sở Lao động - Thương binh và Xã hội" in body
    sig = [p.text for p in doc.tables[1].cell(0, 1).paragraphs if p.text]
    assert sig == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    # its own words, attributed to its form, and its own proposals with their feasibility
    own = drafts["ds"].narratives
    own = own[(own.unit == "439") & (own.section == "lead_training")].text.iloc[0]
    assert own in body
    assert any(x.startswith("1.1. ") and "đơn vị đề xuất" in x for x in body)
    assert len([t for t in doc.tables if t.rows[0].cells[0].text == "Mã"]) == 2
    en = tmp_path / "en.docx"     # a department's draft in English: its own issuing body and number
    assert main(["document", "--processed", str(processed), "--unit", "so-y-te", "--lang", "en", "--out", str(en)]) == 0
    block = Document(en).tables[0]
    assert "SOCIALIST REPUBLIC OF VIETNAM" in [p.text for p in block.cell(0, 1).paragraphs]
    assert [p.text for p in block.cell(0, 0).paragraphs if p.text] == ["HA TINH PROVINCIAL PEOPLE'S COMMITTEE",
                                                                       "DEPARTMENT OF HEALTH"]
    assert re.fullmatch(r"No\.:\s+/BC-SYT", block.cell(1, 0).paragraphs[0].text)
    assert main(["document", "--processed", str(processed), "--out", str(tmp_path / "x.doc")]) == 2


def test_libreoffice_prints_the_draft(pdf_pages):
    """LibreOffice's PDF of the province's draft, page by page (a person looked at the pages too)."""
    first, (w, h) = pdf_pages[0]
    assert (round(w), round(h)) == (595, 842)                              # A4 portrait
    for words in ("UBND TỈNH HÀ TĨNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO",
                  "DỮ LIỆU MẪU", "Phần thứ nhất"):
        assert words in first, words

    def number(page):   # the page number: the first line, alone and centred
        return page.strip().splitlines()[0].strip()

    assert not number(first).isdigit() and number(pdf_pages[1][0]) == "2" and number(pdf_pages[2][0]) == "3"
    annex_first = next(i for i, (p, _) in enumerate(pdf_pages) if "PHỤ LỤC" in p and "TÓM TẮT" in p)
    assert not number(pdf_pages[annex_first][0]).isdigit()                  # the annexes' first page: no number
    assert "Biểu số 1" in pdf_pages[annex_first + 1][0]                     # the summary is one page
    assert number(pdf_pages[annex_first + 1][0]) == "2"                     # the annexes are numbered from 1
    landscape = [i for i, (_, (w, h)) in enumerate(pdf_pages) if w > h]
    assert landscape and min(landscape) == annex_first + 1
    found = [n for n in range(1, 6) if any(f"Biểu số {n}" in p for p, _ in pdf_pages)]
    assert found == [1, 2, 3, 4, 5]
    assert any("Nơi nhận:" in p and "KT. GIÁM ĐỐC" in p for p, _ in pdf_pages)


def test_the_one_page_summary_for_leaders(processed, tmp_path):
    out = tmp_path / "brief.html"
    assert main(["brief", "--processed", str(processed), "--out", str(out)]) == 0
    pdf = out.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M) and "(A4)" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    ds = dataset(processed)
    prog = plain(ds.progress)
    mine = prog[(prog.unit == ds.ref.province) & (prog.status != "not_collected")]
    for m in ds.ref.review.milestones:     # "11/23 chỉ tiêu đạt năm 2015": counted by hand from the table
        g = mine[mine.milestone == m]
        assert f"{int((g.status == 'achieved').sum())}/{len(g)}" in text
    assert "DỮ LIỆU MẪU" in text and "Huyện Hương Sơn" in text
    page = out.read_text(encoding="utf-8")
    assert page.count("<tr><td class='l'>") == len(ds.ref.units.areas)    # the areas' heat map


def test_no_chromium_is_said_clearly(processed, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["brief", "--processed", str(processed), "--out", str(tmp_path / "b.html")]) == 1
    err = capsys.readouterr().err
    assert "Chromium" in err and "--no-pdf" in err
    assert (tmp_path / "b.html").exists() and not (tmp_path / "b.pdf").exists()   # the page is still written
    assert main(["brief", "--processed", str(processed), "--no-pdf", "--out", str(tmp_path / "c.html")]) == 0


def test_index_links_the_documents(processed, tmp_path):
    from gender_metrics.outputs.html import write_index

    for name in ("packet.xlsx", "summary-report.docx", "brief.html", "brief.pdf"):
        (tmp_path / name).write_bytes(b"")
    page = write_index(tmp_path, [], dataset(processed).ref, lang="vi").read_text(encoding="utf-8")
    for name in ("packet.xlsx", "summary-report.docx", "brief.html", "brief.pdf"):
        assert f"href='{name}'" in page
    assert "Dự thảo báo cáo tổng kết" in page and "Tóm tắt một trang cho lãnh đạo" in page
    other = write_index(tmp_path / "o", [], dataset(processed).ref, lang="vi").read_text(encoding="utf-8")
    assert "summary-report.docx" not in other


@pytest.mark.parametrize("change,key,words", [
    (("document", "vi", "area", "issuer"), "document.vi.area.issuer", "unknown placeholder(s) ['UNITT']"),
    (("document", "vi", "area", "signature"), "document.vi.area.signature", "expected a list of lines"),
    (("document", "vi", "town"), "document.vi", "expected the kinds"),
    (("document", "month"), "document.month", "expected a month (1-12)"),
])
def test_the_document_key_of_a_review_is_validated(tmp_path, change, key, words):
    """An error names the file and the key; a review without the key still gives a draft's head."""
    from gender_metrics import yamlio
    from gender_metrics.reference import ReviewError, load_reference
    from gender_metrics.reference.review import bundled_dir, load_review

    shutil.copytree(bundled_dir(), tmp_path / "reviews")
    path = tmp_path / "reviews" / "tong-ket-2011-2020.yaml"
    doc = yamlio.load(path.read_text(encoding="utf-8"))
    bad = {"issuer": "{UNITT}", "signature": "TM. ỦY BAN NHÂN DÂN", "town": {}, "month": 13}[change[-1]]
    node = doc
    for k in change[:-1]:
        node = node[k]
    node[change[-1]] = bad
    import yaml

    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ReviewError) as err:
        load_review(path)
    assert str(err.value).startswith(f"tong-ket-2011-2020.yaml, key {key!r}: ") and words in str(err.value)
    del doc["document"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    head = annex.document_head(load_reference(path), "so-y-te", "vi")
    assert head["issuer"] == "SỞ Y TẾ" and head["number"] == "BC-..." and head["place"] == "Hà Tĩnh"
    assert head["to"] == ["Sở Lao động - Thương binh và Xã hội"] and head["signature"] == ["THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"]

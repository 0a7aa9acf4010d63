"""The Word draft of a unit's summary report (python-docx), in the format of Decree 30/2020/NĐ-CP,
Annex I: A4, margins 20/20/30/15 mm, Times New Roman 14 pt (13 in the header block), the header block
(parent and issuing body with its rule on the left, quốc hiệu and tiêu ngữ with its rule on the right,
"Số: .../BC-..." and the place and date left for the clerk), "BÁO CÁO" and its summary line, page
numbers centred in the top margin from page 2, "Nơi nhận" and the signature block (the signer's name
left blank), then the annexes numbered separately (the one-page summary first for the province, then
the annex tables as Word tables, landscape where they need the width).

Headings use Word's own Heading 1-3 styles (Times New Roman, black), so the navigation pane and a table
of contents work. Everything the draft says comes from :func:`gender_metrics.present.annex.draft_document`
(the same display tables as the HTML reports and the annex workbook). Text typed into forms is added as
plain runs: python-docx escapes it, so no field, hyperlink or formula can come from it; characters XML
forbids (control characters) are dropped and the rest kept.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..i18n import t
from ..present.annex import AnnexTable, DraftDocument, LeaderSummary
from .base import Output

FONT = "Times New Roman"
BODY_PT = 14
A4 = (Cm(21.0), Cm(29.7))
MARGINS = {"top": Cm(2.0), "bottom": Cm(2.0), "left": Cm(3.0), "right": Cm(1.5)}   # Decree 30: 20-25/20-25/30-35/15-20
FIRST_LINE = Cm(1.27)
BLACK = RGBColor(0, 0, 0)
SAMPLE_RED = RGBColor(0xB0, 0x00, 0x00)
# verdict shading of table cells (pale, so that the text stays legible on paper in black and white too)
SHADE = {"achieved": "D9EAD3", "achieved_unsure": "EEF5EA", "not_achieved": "F4CCCC", "not_achieved_unsure": "FBE9E7",
         "warn": "FCE8B2", "incomplete": "DDEBF7", "group": "EDEDED", "head": "D9D9D9"}
HEAT = {"achieved": "1A9850", "achieved_unsure": "A6D96A", "not_achieved_unsure": "FDAE61", "not_achieved": "D73027",
        "incomplete": "80B1D3", "no_data": "9E9E9E", "not_collected": "CFCFCF"}
# XML 1.0 forbids these characters; a form may hold them (pasted text): they are dropped, the rest is kept
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text) -> str:
    """Text as Word can hold it: line ends normalised to "\\n", characters XML forbids dropped."""
    s = "" if text is None else str(text)
    return _FORBIDDEN.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))


def text_width_cm(text: str, size_pt: float, bold: bool = False) -> float:
    """An estimate of the printed width of ``text`` in Times New Roman (em widths of capitals, small
    letters, spaces), for rules "as long as the text"."""
    em = 0.0
    for ch in text:
        em += 0.25 if ch == " " else 0.72 if ch.isupper() else 0.33 if not ch.isalnum() else 0.5
    return em * size_pt * (1.06 if bold else 1.0) * 2.54 / 72


# --------------------------------------------------------------------------- low-level helpers
def _fonts(rpr_owner, size=None, bold=None, italic=None, color=BLACK) -> None:
    """Times New Roman for every script (ascii, hAnsi, cs, eastAsia) on a run or a style's font."""
    f = rpr_owner.font
    f.name = FONT
    rpr = rpr_owner.element.get_or_add_rPr() if hasattr(rpr_owner.element, "get_or_add_rPr") else None
    if rpr is not None:
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(a), FONT)
    if size is not None:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    if italic is not None:
        f.italic = italic
    if color is not None:
        f.color.rgb = color


def run(p, text, size=None, bold=None, italic=None, color=BLACK):
    r = p.add_run(clean(text))
    _fonts(r, size, bold, italic, color)
    return r


def para(container, text="", *, size=BODY_PT, bold=None, italic=None, align=None, indent=None, before=0, after=6,
         color=BLACK, style=None, keep_next=False):
    p = container.add_paragraph(style=style)
    if text:
        run(p, text, size, bold, italic, color)
    pf = p.paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if align is not None:
        pf.alignment = align
    if indent is not None:
        pf.first_line_indent = indent
    if keep_next:
        pf.keep_with_next = True
    return p


def rule(container, width_cm: float, avail_cm: float, *, before=0, after=2) -> None:
    """A solid rule ``width_cm`` long, centred: an empty paragraph with a top border, indented so that
    the border is as long as wanted (Decree 30: under the tiêu ngữ, the issuing body, the summary line)."""
    p = container.add_paragraph()
    pf = p.paragraph_format
    side = max((avail_cm - width_cm) / 2, 0)
    pf.left_indent = pf.right_indent = Cm(side)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.line_spacing = Pt(2)
    bdr = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(k), v)
    bdr.append(top)
    p._p.get_or_add_pPr().append(bdr)


def field(p, instr: str, size=BODY_PT) -> None:
    """A Word field (PAGE) as begin / instrText / separate / result / end."""
    def fld(kind):
        r = run(p, "", size)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        r._r.append(el)

    fld("begin")
    r = run(p, "", size)
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    r._r.append(it)
    fld("separate")
    run(p, "2", size)
    fld("end")


def shade(cell, color: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    sh = OxmlElement("w:shd")
    sh.set(qn("w:val"), "clear")
    sh.set(qn("w:color"), "auto")
    sh.set(qn("w:fill"), color)
    tcpr.append(sh)


def no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    b = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{side}")
        e.set(qn("w:val"), "nil")
        b.append(e)
    tblpr.append(b)


def fixed_widths(table, widths_cm: list[float]) -> None:
    """Column widths that Word and LibreOffice both keep: a fixed layout, the grid and every cell."""
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    table.autofit = False
    grid = table._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths_cm, strict=False):
        gc.set(qn("w:w"), str(int(Cm(w).twips)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm, strict=False):
            cell.width = Cm(w)


def repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def cell_text(cell, text, *, size=9, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.LEFT, color=BLACK,
              exact=None) -> None:
    """The text of a table cell, compact: no space around it, single lines (``exact``: a fixed line
    height in points, for cells that hold no text, such as the heat map's)."""
    p = cell.paragraphs[0]
    pf = p.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.first_line_indent = Cm(0)
    pf.line_spacing = Pt(exact) if exact else 1.0
    pf.alignment = align
    mark = p._p.get_or_add_pPr()
    rpr = OxmlElement("w:rPr")           # the paragraph mark's size, which sets an empty cell's height
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(size * 2)))
    rpr.append(sz)
    mark.append(rpr)
    if text:
        run(p, text, size, bold, italic, color)


def cell_margins(table, cm: float) -> None:
    """Narrow left and right cell margins (dense annex tables)."""
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        e = OxmlElement(f"w:{side}")
        e.set(qn("w:w"), str(int(Cm(cm).twips)))
        e.set(qn("w:type"), "dxa")
        mar.append(e)
    table._tbl.tblPr.append(mar)


def setup_section(section, landscape: bool = False) -> None:
    w, h = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (h, w) if landscape else (w, h)
    for k, v in MARGINS.items():
        setattr(section, f"{k}_margin", v)
    section.header_distance = Cm(1.0)
    section.footer_distance = Cm(1.0)


def usable_cm(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / 360000


def restart_numbering(section, restart: bool = True) -> None:
    """Page numbers from 1 in this section (the annexes), or continued (a new section of python-docx
    copies the one before it, with its restart)."""
    for el in section._sectPr.findall(qn("w:pgNumType")):
        section._sectPr.remove(el)
    if restart:
        pg = OxmlElement("w:pgNumType")
        pg.set(qn("w:start"), "1")
        section._sectPr.append(pg)


# --------------------------------------------------------------------------- the document
class WordDraft(Output):
    """The editable Word draft of one unit's summary report."""

    suffix = ".docx"

    def __init__(self, draft: DraftDocument):
        self.d = draft

    def T(self, key: str, **kw) -> str:
        return t(key, self.d.lang, **kw)

    def render(self, tmp: Path) -> None:
        d = self.d
        doc = Document()
        self._styles(doc)
        sec = doc.sections[0]
        setup_section(sec)
        sec.different_first_page_header_footer = True
        self._headers(sec)
        self._header_block(doc, usable_cm(sec))
        self._body(doc)
        self._signature(doc, usable_cm(sec))
        self._annexes(doc)
        cp = doc.core_properties
        cp.title = clean(d.head["summary"])
        cp.author = "gender_metrics"
        cp.comments = self.T("doc_sample") if d.sample else ""
        cp.language = d.lang
        doc.save(str(tmp))

    # ------------------------------------------------------------------ styles, headers
    def _styles(self, doc) -> None:
        normal = doc.styles["Normal"]
        _fonts(normal, BODY_PT)
        normal.paragraph_format.space_after = Pt(6)
        normal.paragraph_format.line_spacing = 1.15
        for level, size in ((1, 14), (2, 14), (3, 14)):
            st = doc.styles[f"Heading {level}"]
            _fonts(st, size, bold=True, italic=False, color=BLACK)
            pf = st.paragraph_format
            pf.space_before, pf.space_after = Pt(12 if level == 1 else 6), Pt(6)
            pf.keep_with_next = True
            pf.alignment = WD_ALIGN_PARAGRAPH.CENTER if level == 1 else WD_ALIGN_PARAGRAPH.LEFT
            if level == 3:
                pf.first_line_indent = FIRST_LINE
        for name in ("Title", "Subtitle"):
            _fonts(doc.styles[name], BODY_PT, color=BLACK)

    def _headers(self, sec) -> None:
        """Page numbers centred in the top margin from page 2; the sample label on every page."""
        hdr = sec.header
        p = hdr.paragraphs[0]
        p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        field(p, "PAGE", 13)
        first = sec.first_page_header
        if self.d.sample:
            for h in (hdr, first):
                para(h, self.T("doc_sample_short"), size=10, bold=True, color=SAMPLE_RED,
                     align=WD_ALIGN_PARAGRAPH.RIGHT, after=0)
        else:
            first.paragraphs[0].text = ""

    def _header_block(self, doc, avail: float) -> None:
        d, h = self.d, self.d.head
        left_w, right_w = 7.0, avail - 7.0
        tb = doc.add_table(rows=2, cols=2)
        no_borders(tb)
        cell_margins(tb, 0)
        fixed_widths(tb, [left_w, right_w])
        tb.alignment = WD_TABLE_ALIGNMENT.CENTER
        L, R = tb.cell(0, 0), tb.cell(0, 1)
        C = WD_ALIGN_PARAGRAPH.CENTER
        L.paragraphs[0].paragraph_format.alignment = C
        lines = []
        if h["parent"]:
            lines.append((h["parent"], False))
        lines += [(x, True) for x in h["issuer"].split("\n")]
        first = True
        for text, bold in lines:
            p = L.paragraphs[0] if first else L.add_paragraph()
            first = False
            p.paragraph_format.alignment = C
            p.paragraph_format.space_after = Pt(0)
            run(p, text.upper(), 12, bold=bold)
        issuer_w = max(text_width_cm(x, 12, True) for x, b in lines if b)
        rule(L, min(issuer_w, left_w) * 0.4, left_w)
        p = R.paragraphs[0]
        p.paragraph_format.alignment = C
        p.paragraph_format.space_after = Pt(0)
        run(p, self.T("doc_nation"), 12, bold=True)
        para(R, self.T("doc_motto"), size=13, bold=True, align=C, after=0)
        rule(R, text_width_cm(self.T("doc_motto"), 13, True), right_w)
        cell_text(tb.cell(1, 0), h["number_line"], size=13, align=C)
        cell_text(tb.cell(1, 1), h["date"], size=13, italic=True, align=C)
        if d.sample:
            p = para(doc, self.T("doc_sample"), size=12, bold=True, color=SAMPLE_RED, align=C, before=6)
            self._box(p)
        para(doc, self.T("doc_draft"), size=12, bold=True, align=C, before=6, after=0)
        para(doc, self.T("doc_type"), size=14, bold=True, align=C, before=6, after=0)
        para(doc, h["summary"], size=14, bold=True, align=C, after=0)
        rule(doc, 3.5, avail, before=4, after=6)
        for to in h["to"]:
            para(doc, f"{self.T('doc_to')} {to}", size=14, align=C, after=6)

    @staticmethod
    def _box(p) -> None:
        bdr = OxmlElement("w:pBdr")
        for side in ("top", "left", "bottom", "right"):
            e = OxmlElement(f"w:{side}")
            for k, v in (("w:val", "single"), ("w:sz", "8"), ("w:space", "4"), ("w:color", "B00000")):
                e.set(qn(k), v)
            bdr.append(e)
        p._p.get_or_add_pPr().append(bdr)

    # ------------------------------------------------------------------ the body
    def _body(self, doc) -> None:
        J = WD_ALIGN_PARAGRAPH.JUSTIFY
        for b in self.d.body:
            if b.kind == "heading":
                p = doc.add_paragraph(style=f"Heading {b.level}")
                run(p, b.text, 14, bold=True, color=BLACK)
            elif b.kind == "para":
                para(doc, b.text, align=J, indent=FIRST_LINE)
            elif b.kind == "quote":
                para(doc, b.text, italic=True, align=J, indent=FIRST_LINE, after=0)
                para(doc, b.source, size=11, align=J, after=6)
            elif b.kind == "said":      # "Huyện Hương Sơn: <its words>", the words in italics
                p = para(doc, "", align=J, indent=FIRST_LINE, after=4)
                run(p, f"{b.source}: ", BODY_PT, bold=True)
                run(p, b.text, BODY_PT, italic=True)
            elif b.kind == "bullet":
                p = para(doc, f"- {b.text}", align=J, indent=FIRST_LINE)
                p.paragraph_format.space_after = Pt(3)
            elif b.kind == "note":
                para(doc, b.text, size=11, italic=True, align=J)

    def _signature(self, doc, avail: float) -> None:
        """"Nơi nhận" on the left (12 pt bold italic, entries 11 pt), the signature on the right, the
        signer's name left blank for the draft."""
        h = self.d.head
        tb = doc.add_table(rows=1, cols=2)
        no_borders(tb)
        fixed_widths(tb, [avail * 0.45, avail * 0.55])
        L, R = tb.cell(0, 0), tb.cell(0, 1)
        p = L.paragraphs[0]
        run(p, self.T("doc_recipients"), 12, bold=True, italic=True)
        for x in h["recipients"]:
            q = L.add_paragraph()
            q.paragraph_format.space_after = Pt(0)
            run(q, f"- {x}", 11)
        C = WD_ALIGN_PARAGRAPH.CENTER
        p = R.paragraphs[0]
        p.paragraph_format.alignment = C
        for i, line in enumerate(h["signature"]):
            q = p if i == 0 else R.add_paragraph()
            q.paragraph_format.alignment = C
            q.paragraph_format.space_after = Pt(0)
            run(q, line, 14, bold=True)
        for _ in range(4):
            R.add_paragraph()

    # ------------------------------------------------------------------ the annexes
    def _annexes(self, doc) -> None:
        d = self.d
        first = True
        for i, table in enumerate([None, *d.annexes] if d.summary else d.annexes):
            landscape = table.landscape if table is not None else False
            sec = doc.add_section(WD_SECTION.NEW_PAGE)
            setup_section(sec, landscape)
            # the annexes are numbered separately, from 1, their first page without its number
            restart_numbering(sec, first)
            sec.different_first_page_header_footer = first
            first = False
            if i == 0:
                p = doc.add_paragraph(style="Heading 1")
                run(p, self.T("doc_annex"), 14, bold=True)
                para(doc, d.annex_basis, size=13, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            if table is None:
                self._summary(doc, d.summary, usable_cm(sec))
            else:
                self._table(doc, table, usable_cm(sec))

    def _table(self, doc, a: AnnexTable, avail: float) -> None:
        C = WD_ALIGN_PARAGRAPH.CENTER
        p = doc.add_paragraph(style="Heading 2")
        p.paragraph_format.alignment = C
        run(p, f"{self.T('doc_annex_table', number=a.number)}\n{a.title.upper()}", 13, bold=True)
        cols = a.visible(packet=False)
        widths = [a.columns[i].width for i in cols]
        scale = min(1.0, avail / sum(widths))
        widths = [w * scale for w in widths]
        size = 8 if len(cols) > 12 else 9
        tb = doc.add_table(rows=1, cols=len(cols))
        tb.style = doc.styles["Table Grid"]
        tb.alignment = WD_TABLE_ALIGNMENT.CENTER
        cell_margins(tb, 0.08)
        head = tb.rows[0]
        repeat_header(head)
        for j, i in enumerate(cols):
            c = head.cells[j]
            shade(c, SHADE["head"])
            cell_text(c, a.columns[i].head, size=size, bold=True, align=C)
        align = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT, "center": C}
        merges = []
        for r in a.rows:
            row = tb.add_row()
            cant_split(row)
            if r.group:
                merged = row.cells[0].merge(row.cells[-1])
                shade(merged, SHADE["group"])
                cell_text(merged, r.group, size=size, bold=True)
                continue
            for j, i in enumerate(cols):
                cell = r.cells[i]
                c = row.cells[j]
                if cell.cont:         # merged with the cell above once the table is built
                    merges.append((len(tb.rows) - 1, j))
                    continue
                st = cell.style
                if st in SHADE:
                    shade(c, SHADE[st])
                cell_text(c, cell.text, size=size, bold=st in ("not_achieved", "bold"), italic=st.endswith("_unsure"),
                          align=align[a.columns[i].align],
                          color=RGBColor(0x66, 0x66, 0x66) if st in ("no_data", "not_collected") else BLACK)
        fixed_widths(tb, widths)
        # one merge per run of continued cells, from the cell it continues to its last row (the grid of
        # cells is read once: python-docx rebuilds it on every tb.cell())
        continued, runs = set(merges), {}
        for ri, j in merges:
            top = ri - 1
            while (top, j) in continued:
                top -= 1
            runs[(top, j)] = max(ri, runs.get((top, j), ri))
        grid, n = tb._cells, len(cols)
        for (top, j), last in runs.items():
            grid[top * n + j].merge(grid[last * n + j])
        for note in a.notes:
            para(doc, note, size=10, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=3, after=0)

    def _small_table(self, doc, head: list[str], rows: list[list[str]], widths: list[float], size=8.5) -> None:
        tb = doc.add_table(rows=1, cols=len(head))
        tb.style = doc.styles["Table Grid"]
        tb.alignment = WD_TABLE_ALIGNMENT.CENTER
        cell_margins(tb, 0.08)
        for j, h in enumerate(head):
            shade(tb.rows[0].cells[j], SHADE["head"])
            cell_text(tb.rows[0].cells[j], h, size=size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        for r in rows:
            cells = tb.add_row().cells
            for j, x in enumerate(r):
                cell_text(cells[j], x, size=size, align=WD_ALIGN_PARAGRAPH.LEFT if j == 1 else WD_ALIGN_PARAGRAPH.CENTER)
        fixed_widths(tb, widths)

    def _summary(self, doc, s: LeaderSummary, avail: float) -> None:
        """The one-page summary for leaders (the first page of the annexes)."""
        C = WD_ALIGN_PARAGRAPH.CENTER
        p = doc.add_paragraph(style="Heading 2")
        p.paragraph_format.alignment = C
        run(p, s.title.upper(), 13, bold=True)
        p = para(doc, "", align=C, after=2)
        for i, (_, achieved, assessed, label) in enumerate(s.counts):
            if i:
                run(p, "     ", 12)
            run(p, f"{achieved}/{assessed} ", 16, bold=True)
            run(p, label, 11)
        for line in s.lines:
            para(doc, line, size=9, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=1)
        para(doc, s.titles["gains"], size=10, bold=True, before=4, after=1, keep_next=True)
        self._small_table(doc, s.gains_head, s.gains, _spread([1.0, 8.0, 2.8, 1.8, 1.6], avail))
        para(doc, s.titles["shortfalls"], size=10, bold=True, before=4, after=1, keep_next=True)
        self._small_table(doc, s.shortfalls_head, s.shortfalls, _spread([1.0, 7.8, 1.8, 1.8, 2.8], avail))
        para(doc, s.titles["heat"], size=10, bold=True, before=4, after=1, keep_next=True)
        self._heatmap(doc, s, avail)
        para(doc, s.titles["accel"], size=10, bold=True, before=4, after=1, keep_next=True)
        if s.accel:
            self._small_table(doc, s.accel_head, s.accel, _spread([1.0, 5.6, 1.2, 1.8, 2.6, 1.4, 1.4], avail))
        else:
            para(doc, s.titles["none"], size=9, after=1)
        for n in s.notes:
            para(doc, n, size=8, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=3, after=0)

    def _heatmap(self, doc, s: LeaderSummary, avail: float) -> None:
        n = len(s.heat_cols)
        first = 3.4
        w = min(0.75, (avail - first) / max(n, 1))
        tb = doc.add_table(rows=1, cols=n + 1)
        tb.style = doc.styles["Table Grid"]
        tb.alignment = WD_TABLE_ALIGNMENT.CENTER
        cell_margins(tb, 0.03)
        cell_text(tb.rows[0].cells[0], "", size=6.5, exact=9)
        for j, c in enumerate(s.heat_cols, start=1):
            cell_text(tb.rows[0].cells[j], c, size=6.5, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, exact=9)
        for label, row in zip(s.heat_rows, s.heat, strict=True):
            cells = tb.add_row().cells
            cell_text(cells[0], label, size=7, exact=9)
            for j, (cls, tip) in enumerate(row, start=1):
                shade(cells[j], HEAT.get(cls, "FFFFFF"))
                cell_text(cells[j], tip if s.heat_counts else "", size=6.5, exact=9, align=WD_ALIGN_PARAGRAPH.CENTER)
        fixed_widths(tb, [first] + [w] * n)
        p = para(doc, "", size=7, after=0, before=2)
        for cls, words in s.heat_legend:
            r = run(p, "■ ", 9, color=RGBColor.from_string(HEAT.get(cls, "FFFFFF")))
            r.font.bold = True
            run(p, f"{words}   ", 7)


def _spread(widths: list[float], avail: float) -> list[float]:
    k = avail / sum(widths)
    return [w * k for w in widths]


def write_document(path: Path | str, draft: DraftDocument) -> Path:
    """Write the Word draft atomically to ``path`` (.docx)."""
    return WordDraft(draft).write(path)

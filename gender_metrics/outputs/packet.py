"""The annex workbook a Department files with its summary report (openpyxl).

Every sheet is an annex table of :func:`gender_metrics.present.annex.packet_tables` (the same display
tables as the Word draft and the HTML reports): the issuing body above it (parent body, issuing body),
"Phụ lục - Biểu số N" at the top right, the title, "(Kèm theo Báo cáo số ...)", the sample-data label,
then the table under its header row, rows grouped under the strategy's objectives (or a department), the
notes below. Numbers are stored as numbers with number formats (a share in percent as its fraction
with "0.0%", a target with its operator in the format: '"≥ "0%'), dates as dates; the texts of the
cells are what the Word draft shows. With a province's
:class:`~gender_metrics.core.narrative.Narrative`, its assessment in words follows the first sheet.

Print: A4 (landscape where the table is wide), the header row repeated on every page, fitted to the
width, page numbers in the header; every row's height is set from its text, so that LibreOffice's PDF of
the workbook does not overlap wrapped rows. Text that starts with = + - @ is written as text, never as
a formula (``safe_text``).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..core.progress import plain
from ..i18n import t
from ..present.annex import AnnexTable, document_head, packet_tables
from ..reference import LEADERSHIP, Reference
from ..store import safe_text
from .base import Output

FONT = "Times New Roman"
HEADER_ROW = 8                      # the table's header row (issuing body, title and labels above it)
CM_PER_CHAR = 0.19                  # Excel column width unit, about one digit of the default font
LINE_PT = 12.5                      # the height of one line of 10-pt text
# characters of 10-pt Times New Roman per unit of column width (measured on LibreOffice's PDF: about 1.45;
# less, so that a row is a little too tall rather than clipped when the words wrap)
CHARS_PER_WIDTH = 1.3
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
FILL = {"achieved": "D9EAD3", "achieved_unsure": "EEF5EA", "not_achieved": "F4CCCC", "not_achieved_unsure": "FBE9E7",
        "warn": "FCE8B2", "incomplete": "DDEBF7", "group": "EDEDED", "head": "D9D9D9"}
ALIGN = {"left": "left", "right": "right", "center": "center"}


def sheet_name(name: str, used: set[str]) -> str:
    """A unit's or a table's name as a sheet name: at most 31 characters, none of []:*?/\\, unique."""
    for ch in "[]:*?/\\":
        name = name.replace(ch, "-")
    base = name if len(name) <= 31 else name[:30] + "…"
    out, i = base, 2
    while out in used:
        suffix = f" ({i})"
        out = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(out)
    return out


def _lines(text: str, width_chars: float) -> int:
    """How many lines ``text`` takes in a column ``width_chars`` wide (wrapped at words)."""
    if not text:
        return 1
    per_line = max(width_chars * CHARS_PER_WIDTH - 2, 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def _print_setup(ws, landscape: bool, header_row: int | None, sample_label: str | None) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left, ws.page_margins.right = 0.6, 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.7, 0.6
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddHeader.center.text = "&P"
    if sample_label:
        ws.oddHeader.right.text = sample_label
        ws.oddHeader.right.color = "B00000"


class Packet(Output):
    """The annex workbook of a review's data: ``prog`` is the progress table; with ``dataset`` (a
    :class:`~gender_metrics.present.data.Dataset`) also the proposed targets, the submissions and the
    commendation shortlist; ``assessment`` the province's narrative (optional)."""

    suffix = ".xlsx"

    def __init__(self, prog: pd.DataFrame, ref: Reference, *, lang: str = "vi", sample: bool = False,
                 assessment=None, dataset=None):
        self.prog, self.ref, self.lang, self.sample = plain(prog), ref, lang, sample
        self.assessment, self.dataset = assessment, dataset

    def render(self, tmp: Path) -> None:
        ref, lang = self.ref, self.lang
        self.head = document_head(ref, ref.province, lang)
        wb = Workbook()
        wb.remove(wb.active)
        self._wb, self._styles = wb, set()
        used: set[str] = set()
        for i, (name, table) in enumerate(packet_tables(self.prog, ref, lang, self.dataset)):
            ws = wb.create_sheet(sheet_name(name, used))
            self._table_sheet(ws, table)
            if i == 0 and self.assessment is not None:
                self._assessment_sheet(wb, used)
        wb.save(tmp)

    # ------------------------------------------------------------------ one annex table
    def _style(self, align: str, style: str) -> str:
        """The named style of a table cell (made once per workbook): setting one named style costs
        openpyxl a fraction of setting its font, fill, border and alignment one by one."""
        name = f"gm-{align}-{style or 'plain'}"
        if name not in self._styles:
            st = NamedStyle(name=name)
            st.font = Font(name=FONT, size=10, bold=style in ("not_achieved", "bold"), italic=style.endswith("_unsure"),
                           color="666666" if style in ("no_data", "not_collected") else None)
            if style in FILL:
                st.fill = PatternFill("solid", fgColor=FILL[style])
            st.border = _BOX
            st.alignment = Alignment(horizontal=ALIGN[align], vertical="top", wrap_text=True)
            self._wb.add_named_style(st)
            self._styles.add(name)
        return name

    def _banner(self) -> tuple[str, Font]:
        text = t("sample_banner", self.lang) if self.sample else t("real_banner", self.lang)
        return text, Font(name=FONT, bold=self.sample, color="B00000" if self.sample else "1A7F3C")

    def _table_sheet(self, ws, a: AnnexTable) -> None:
        lang, h = self.lang, self.head
        cols = a.visible(packet=True)
        n = len(cols)
        widths = [a.columns[i].width / CM_PER_CHAR for i in cols]
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = round(w, 1)
        last = get_column_letter(n)
        half = max(2, n // 2)
        # the issuing body, the annex's number, its title and basis
        ws.cell(1, 1, safe_text(h["parent"])).font = Font(name=FONT, size=11)
        ws.cell(2, 1, safe_text(" ".join(h["issuer"].split()))).font = Font(name=FONT, size=11, bold=True)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=half)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
        c = ws.cell(1, n, f"{t('packet_annex', lang)} - {t('doc_annex_table', lang, number=a.number)}")
        c.font, c.alignment = Font(name=FONT, size=11, bold=True), Alignment(horizontal="right")
        c = ws.cell(4, 1, safe_text(a.title.upper()))
        c.font, c.alignment = Font(name=FONT, size=12, bold=True), Alignment(horizontal="center", wrap_text=True)
        ws.merge_cells(f"A4:{last}4")
        c = ws.cell(5, 1, safe_text(self._basis()))
        c.font, c.alignment = Font(name=FONT, size=11, italic=True), Alignment(horizontal="center")
        ws.merge_cells(f"A5:{last}5")
        text, font = self._banner()
        c = ws.cell(6, 1, text)
        c.font, c.alignment = font, Alignment(horizontal="center", wrap_text=True)
        ws.merge_cells(f"A6:{last}6")
        ws.row_dimensions[4].height = LINE_PT * 1.4 * _lines(a.title, sum(widths))
        ws.row_dimensions[6].height = LINE_PT * _lines(text, sum(widths))
        # the header row
        for j, i in enumerate(cols, start=1):
            c = ws.cell(HEADER_ROW, j, a.columns[i].head)
            c.font = Font(name=FONT, size=10, bold=True)
            c.border, c.fill = _BOX, PatternFill("solid", fgColor=FILL["head"])
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.row_dimensions[HEADER_ROW].height = LINE_PT * max(_lines(a.columns[i].head, w) for i, w in zip(cols, widths,
                                                                                                           strict=True)) + 4
        # the rows: a group heading across the table, then its rows one outline level below it
        row = HEADER_ROW
        grouped = any(r.group for r in a.rows)
        anchor: dict[int, int] = {}          # column -> the row of the last cell that others may continue
        spans: dict[tuple[int, int], int] = {}   # (first row, column) -> last row of a merged run
        for r in a.rows:
            row += 1
            if r.group:
                c = ws.cell(row, 1, safe_text(r.group))
                c.font, c.fill = Font(name=FONT, size=10, bold=True), PatternFill("solid", fgColor=FILL["group"])
                c.alignment = Alignment(vertical="center")
                for j in range(1, n + 1):
                    ws.cell(row, j).border = _BOX
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n)
                ws.row_dimensions[row].height = LINE_PT + 3
                anchor.clear()
                continue
            lines = 1
            for j, i in enumerate(cols, start=1):
                cell = r.cells[i]
                col = a.columns[i]
                c = ws.cell(row, j)
                if cell.cont and j in anchor:     # merged with the cell above
                    c.style = self._style(col.align, "")
                    spans[(anchor[j], j)] = row
                    continue
                anchor[j] = row
                c.style = self._style(col.align, cell.style)   # one named style: font, fill, border, alignment
                if cell.number is not None:
                    c.value, c.number_format = cell.number, cell.fmt or "General"
                else:
                    c.value = safe_text(cell.text)
                lines = max(lines, _lines(cell.text, widths[j - 1]))
            ws.row_dimensions[row].height = LINE_PT * lines + 3
            if grouped:
                ws.row_dimensions[row].outline_level = 1
        for (first, j), end in spans.items():
            ws.merge_cells(start_row=first, start_column=j, end_row=end, end_column=j)
        if grouped:
            ws.sheet_properties.outlinePr.summaryBelow = False
        for note in a.notes:
            row += 1
            c = ws.cell(row, 1, safe_text(note))
            c.font, c.alignment = Font(name=FONT, size=9, italic=True), Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n)
            ws.row_dimensions[row].height = LINE_PT * _lines(note, sum(widths)) + 2
        ws.freeze_panes = f"{get_column_letter(3 if n > 4 else 1)}{HEADER_ROW + 1}"
        _print_setup(ws, a.landscape, HEADER_ROW, t("doc_sample_short", lang) if self.sample else None)

    def _basis(self) -> str:
        h = self.head
        issuer = self.ref.label(self.ref.review.compiler, self.lang)
        return t("doc_annex_basis", self.lang, code=h["number"], month=h["month"], year=h["year"], issuer=issuer)

    # ------------------------------------------------------------------ the assessment in words
    def _assessment_sheet(self, wb: Workbook, used: set[str]) -> None:
        """The province's assessment in words, one paragraph per row, for the conference draft."""
        ref, lang, n = self.ref, self.lang, self.assessment
        ws = wb.create_sheet(sheet_name(t("packet_assessment_sheet", lang), used))
        ws.column_dimensions["A"].width = 110
        banner, banner_font = self._banner()
        rows: list[tuple[str, str]] = [("title", f"{t('section_evaluation', lang)} - {ref.label(n.unit, lang)}"),
                                       ("banner", banner)]
        T = lambda k: ref.text(k, lang)  # noqa: E731

        def section(key, items, level="h2"):
            rows.append((level, T(key)))
            rows.extend(items or [("small", t("none_line", lang))])

        def quoted(items):  # the text and who wrote it (a form cell, or the units gathered by the province)
            def who(q):
                if n.gathered:
                    return t("lessons_from", lang, n=len(q.units), units=", ".join(q.units))
                return t("from_form", lang, source=", ".join(q.sources))
            return [row for q in items for row in (("text", q.text), ("small", who(q)))]

        own = t("gathered_label" if n.gathered else "own_label", lang)
        for key in LEADERSHIP:
            section("section_" + key, quoted(n.said(key)), "h3")
        rows.insert(2, ("h2", T("section_lead")))
        for key, computed in (("results", n.results), ("shortcomings", n.shortcomings)):
            rows.append(("h2", T("section_" + key)))
            section_rows = quoted(n.said(key))
            rows.extend([("h3", own), *(section_rows or [("small", t("none_line", lang))])])
            section("computed_label", [("bullet", x) for x in computed], "h3")
            if key == "results" and n.improvements:
                section("section_improvements", [("bullet", x) for x in n.improvements], "h3")
        rows.append(("h2", T("section_causes")))
        for group in ("causes_objective", "causes_subjective"):
            section("section_" + group, quoted(n.said(group)), "h3")
        section("computed_label", [("bullet", x) for x in n.computed_causes], "h3")
        section("section_lessons", quoted(n.said("lessons")))
        section("section_recommendations", quoted(n.said("recommendations")))
        fonts = {"title": Font(name=FONT, bold=True, size=12), "banner": banner_font,
                 "h2": Font(name=FONT, bold=True, size=12), "h3": Font(name=FONT, bold=True, italic=True),
                 "small": Font(name=FONT, size=9, color="555555"), "text": Font(name=FONT), "bullet": Font(name=FONT)}
        for i, (kind, text) in enumerate(rows, start=1):
            shown = ("• " if kind == "bullet" else "") + text
            c = ws.cell(i, 1, safe_text(shown))
            c.font, c.alignment = fonts[kind], Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[i].height = (LINE_PT + 1) * _lines(shown, 110) + 2
        _print_setup(ws, False, None, t("doc_sample_short", lang) if self.sample else None)


def write_packet(path: Path | str, prog: pd.DataFrame, ref: Reference, *, lang: str = "vi", sample: bool = False,
                 assessment=None, dataset=None) -> Path:
    """Write the annex workbook (the province's sheet first, its assessment, the annex tables, then one
    sheet per area and department) atomically to ``path``."""
    return Packet(prog, ref, lang=lang, sample=sample, assessment=assessment, dataset=dataset).write(path)

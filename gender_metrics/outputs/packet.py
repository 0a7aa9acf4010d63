"""The conference packet: the summary table of every unit in the conventional layout, for printing.

One sheet for the province and one per area and department: STT, Mục tiêu / Chỉ tiêu, Đơn vị tính,
the baseline, each milestone's target and result, Đánh giá, Nguồn; A4 landscape, the header row
repeated on every printed page, fitted to the width. With a
:class:`~gender_metrics.core.narrative.Narrative`, the province's assessment in words (results,
shortcomings, causes, lessons, recommendations) follows the province sheet, A4 portrait. The tables
are the display tables of :mod:`gender_metrics.present.views`, as in the HTML reports. Text that
starts with = + - @ is written as text, never as a formula (``safe_text``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..core.progress import plain
from ..i18n import t
from ..present import views
from ..reference import LEADERSHIP, Reference
from ..store import safe_text
from .base import Output

HEADER_ROW = 4
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def headers(ref: Reference, lang: str) -> list[str]:
    head = [t("packet_no", lang), t("packet_indicator", lang), t("col_unit", lang), str(ref.review.baseline_year)]
    for y in ref.review.milestones:
        head += [t("col_target", lang, year=y), t("col_result", lang, year=y)]
    return head + [t("packet_assessment", lang), t("col_source", lang)]


def _sheet_name(ref: Reference, code: str, used: set[str]) -> str:
    u = ref.units.row(code)
    base = ref.label(code) if u.level != "sector" else u.slug
    name = base[:31]
    for ch in "[]:*?/\\":
        name = name.replace(ch, "-")
    i = 2
    while name in used:
        name = f"{base[:28]}-{i}"
        i += 1
    used.add(name)
    return name


def _a4(ws, orientation: str) -> None:
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


class Packet(Output):
    """The packet of one review's data set: ``prog`` is the progress table, ``assessment`` the
    province's narrative (optional)."""

    suffix = ".xlsx"

    def __init__(self, prog: pd.DataFrame, ref: Reference, *, lang: str = "vi", sample: bool = False, assessment=None):
        self.prog, self.ref, self.lang, self.sample, self.assessment = plain(prog), ref, lang, sample, assessment

    def render(self, tmp: Path) -> None:
        ref = self.ref
        order = [ref.province, *ref.units.areas, *ref.units.sectors]
        wb = Workbook()
        wb.remove(wb.active)
        used: set[str] = set()
        for code in order:
            self._unit_sheet(wb, code, used)
            if code == ref.province and self.assessment is not None:
                self._assessment_sheet(wb, used)
        wb.save(tmp)

    def _banner(self) -> tuple[str, Font]:
        text = t("sample_banner", self.lang) if self.sample else t("real_banner", self.lang)
        return text, Font(bold=self.sample, color="9C5700" if self.sample else "1A7F3C")

    def _unit_sheet(self, wb: Workbook, code: str, used: set[str]) -> None:
        ref, lang = self.ref, self.lang
        ws = wb.create_sheet(_sheet_name(ref, code, used))
        ws["A1"] = safe_text(f"{ref.text('report_title', lang)} - {ref.label(code, lang)}")
        ws["A1"].font = Font(bold=True, size=12)
        ws["A2"], ws["A2"].font = self._banner()
        head = headers(ref, lang)
        for j, h in enumerate(head, start=1):
            c = ws.cell(HEADER_ROW, j, h)
            c.font, c.border, c.alignment = Font(bold=True), _BOX, Alignment(wrap_text=True, vertical="center")
            c.fill = PatternFill("solid", fgColor="DDEBF7")
        v = views.results_view(self.prog[self.prog.unit == code], ref, lang)
        for n, r in enumerate(v.to_dict("records"), start=1):
            values = [n, f"{r['id']}. {r['name']}", r["unit"], r["baseline"]]
            for y in ref.review.milestones:
                values += [r[f"target_words_{y}"], r[f"value_{y}"]]
            values += [r["assessment"], r["source"]]
            for j, x in enumerate(values, start=1):
                c = ws.cell(HEADER_ROW + n, j, safe_text(x))
                c.border, c.alignment = _BOX, _WRAP
        widths = [5, 48, 12, 9, *[14, 11] * len(ref.review.milestones), 16, 30]
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        _a4(ws, "landscape")
        ws.print_options.gridLines = False
        ws.page_margins.left = ws.page_margins.right = 0.4

    def _assessment_sheet(self, wb: Workbook, used: set[str]) -> None:
        """The assessment in words, one paragraph per row, for the conference draft."""
        ref, lang, n = self.ref, self.lang, self.assessment
        name = t("packet_assessment_sheet", lang)
        used.add(name)
        ws = wb.create_sheet(name)
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
        fonts = {"title": Font(bold=True, size=12), "banner": banner_font,
                 "h2": Font(bold=True, size=12, color="1F4E79"), "h3": Font(bold=True, italic=True),
                 "small": Font(size=9, color="555555"), "text": Font(), "bullet": Font()}
        for i, (kind, text) in enumerate(rows, start=1):
            c = ws.cell(i, 1, safe_text(("• " if kind == "bullet" else "") + text))
            c.font, c.alignment = fonts[kind], _WRAP
        _a4(ws, "portrait")


def write_packet(path: Path | str, prog: pd.DataFrame, ref: Reference, *, lang: str = "vi", sample: bool = False,
                 assessment=None) -> Path:
    """Write the packet (province sheet first, then areas and departments) atomically to ``path``."""
    return Packet(prog, ref, lang=lang, sample=sample, assessment=assessment).write(path)

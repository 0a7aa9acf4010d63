"""The conference packet: the summary table of every unit in the conventional layout, for printing.

``write_packet(path)`` writes one sheet for the province and one per district and department:
STT, Mục tiêu / Chỉ tiêu, Đơn vị tính, 2010, Mục tiêu 2015, Kết quả 2015, Mục tiêu 2020, Kết quả 2020,
Đánh giá, Nguồn; A4 landscape, the header row repeated on every printed page, fitted to the width.
With a :class:`~gender_metrics.narrative.Narrative`, the province's assessment in words (results,
shortcomings, causes, lessons, recommendations) follows the province sheet, A4 portrait.
Text that starts with = + - @ is written as text, never as a formula (``safe_text``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from .catalogue import load_catalogue
from .forms import safe_text
from .i18n import fmt_target, fmt_value, t
from .progress import plain
from .report import source_text
from .units import load_units, unit_label

HEADER_ROW = 4
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text columns are neutralised with :func:`safe_text` (for every Excel or CSV export)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(safe_text)
    return out


def _headers(lang: str) -> list[str]:
    if lang == "vi":
        return ["STT", "Mục tiêu / Chỉ tiêu", "Đơn vị tính", "2010", "Mục tiêu 2015", "Kết quả 2015",
                "Mục tiêu 2020", "Kết quả 2020", "Đánh giá", "Nguồn"]
    return ["No.", "Objective / Indicator", "Unit", "2010", "Target 2015", "Result 2015", "Target 2020",
            "Result 2020", "Assessment", "Source"]


def _sheet_name(code: str, used: set[str]) -> str:
    u = load_units().set_index("code").loc[code]
    base = ("Tỉnh " + u.name_vi) if u.level == "province" else (u.slug if u.level == "sector" else unit_label(code))
    name = base[:31]
    for ch in "[]:*?/\\":
        name = name.replace(ch, "-")
    i = 2
    while name in used:
        name = f"{base[:28]}-{i}"
        i += 1
    used.add(name)
    return name


def _unit_sheet(wb: Workbook, code: str, prog: pd.DataFrame, lang: str, sample: bool, used: set[str]) -> None:
    ws = wb.create_sheet(_sheet_name(code, used))
    ind = load_catalogue().for_strategy("2011-2020").set_index("id")
    ws["A1"] = safe_text(f"{t('report_title', lang)} - {unit_label(code, lang)}")
    ws["A1"].font = Font(bold=True, size=12)
    ws["A2"] = safe_text(t("sample_banner", lang) if sample else t("real_banner", lang))
    ws["A2"].font = Font(bold=sample, color="9C5700" if sample else "1A7F3C")
    for j, h in enumerate(_headers(lang), start=1):
        c = ws.cell(HEADER_ROW, j, h)
        c.font, c.border, c.alignment = Font(bold=True), _BOX, Alignment(wrap_text=True, vertical="center")
        c.fill = PatternFill("solid", fgColor="DDEBF7")
    p = prog[prog.unit == code]
    row = HEADER_ROW + 1
    for n, ((i, bd), g) in enumerate(p.groupby(["indicator", "breakdown"], sort=False), start=1):
        info = ind.loc[i]
        unit = info.unit if lang == "en" else info.unit_vi
        name = info[f"name_{lang}"] + (f" ({t('breakdown_' + bd, lang)})" if bd else "")
        m = {int(r.milestone): r for r in g.itertuples()}
        first = g.iloc[0]
        values = [n, f"{i}. {name}", unit,
                  fmt_value(first.baseline, info.unit, lang) if first.baseline_year == 2010 else ""]
        for y in (2015, 2020):
            r = m.get(y)
            values += ([fmt_target(r.target_op, r.target, r.target_high, info.unit, lang), fmt_value(r.value, info.unit, lang)]
                       if r is not None else ["", ""])
        last = m.get(2020) or m.get(2015)
        values += [t("status_" + last.status, lang) if last is not None else "",
                   source_text(last.source, lang) if last is not None else ""]
        for j, v in enumerate(values, start=1):
            c = ws.cell(row, j, safe_text(v))
            c.border, c.alignment = _BOX, _WRAP
        row += 1
    for col, width in zip("ABCDEFGHIJ", (5, 48, 12, 9, 14, 11, 14, 11, 16, 30), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4


def _assessment_sheet(wb: Workbook, n, lang: str, sample: bool, used: set[str]) -> None:
    """The assessment in words, one paragraph per row, for the conference draft."""
    name = t("packet_assessment_sheet", lang)
    used.add(name)
    ws = wb.create_sheet(name)
    ws.column_dimensions["A"].width = 110
    rows: list[tuple[str, str]] = [("title", f"{t('section_evaluation', lang)} - {unit_label(n.unit, lang)}"),
                                   ("banner", t("sample_banner", lang) if sample else t("real_banner", lang))]

    def section(key, items, level="h2"):
        rows.append((level, t(key, lang)))
        rows.extend(items or [("small", t("none_line", lang))])

    def quoted(pairs):  # the text and who gave it (a form cell, or the units gathered by the province)
        return [row for txt, who in pairs for row in (("text", txt), ("small", who))]

    section("section_results", [("bullet", x) for x in n.results])
    section("section_improvements", [("bullet", x) for x in n.improvements], "h3")
    section("section_shortcomings", [("bullet", x) for x in n.shortcomings])
    rows.append(("h2", t("section_causes", lang)))
    for group in ("causes_objective", "causes_subjective"):
        section("section_" + group, quoted([(x, w) for g, x, w in n.causes if g == group]), "h3")
    section("computed_label", [("bullet", x) for x in n.computed_causes], "h3")
    section("section_lessons", [p for txt, us in n.lessons for p in
                                (("text", txt), ("small", t("lessons_from", lang, n=len(us), units=", ".join(us))))])
    section("section_recommendations", quoted(n.recommendations))
    fonts = {"title": Font(bold=True, size=12), "banner": Font(bold=sample, color="9C5700" if sample else "1A7F3C"),
             "h2": Font(bold=True, size=12, color="1F4E79"), "h3": Font(bold=True, italic=True),
             "small": Font(size=9, color="555555"), "text": Font(), "bullet": Font()}
    for i, (kind, text) in enumerate(rows, start=1):
        c = ws.cell(i, 1, safe_text(("• " if kind == "bullet" else "") + text))
        c.font, c.alignment = fonts[kind], _WRAP
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_packet(path: Path | str, prog: pd.DataFrame, *, lang: str = "vi", sample: bool = False,
                 assessment=None) -> Path:
    """Write the packet (province sheet first, then districts and departments) atomically to ``path``.

    ``assessment``: the province's :class:`~gender_metrics.narrative.Narrative`, written as a sheet of
    text after the province sheet."""
    prog = plain(prog)
    units = load_units()
    order = ["42", *units.code[units.level == "district"], *units.code[units.level == "sector"]]
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for code in order:
        _unit_sheet(wb, code, prog, lang, sample, used)
        if code == "42" and assessment is not None:
            _assessment_sheet(wb, assessment, lang, sample, used)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    os.replace(tmp, path)
    return path

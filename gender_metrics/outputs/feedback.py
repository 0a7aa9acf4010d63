"""What each unit should correct in its form, ready to send back before the conference: one short
workbook per unit (A4, Vietnamese by default), made from the processed data of an ingest.

Each row names the sheet and the cell, what was typed, the problem and what is expected:
- every cell of the unit's form that was rejected, and every accepted cell with a check (a value that
  disagrees with its numerator and denominator; a sheet identical to another unit's, as one row);
- the required cells left blank (the identification fields the officer fills in, indicator-years
  without data, a sheet missing);
- proposals for the next strategy that are weaker for a later year than for an earlier one.
Files whose unit could not be identified get one workbook of their own, for the secretariat.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..i18n import t
from ..reference import Reference
from ..store import safe_text
from .base import Output

ITEM_COLUMNS = ["sheet", "cell", "typed", "problem", "expected"]
SKIP_FLAGS = {"superseded", "merged"}


def _cell_order(cell: str) -> tuple[int, str]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell.split(":")[0] if ch.isdigit())
    return (int(digits) if digits else 0, f"{len(letters):02d}{letters}")


def feedback_items(unit: str, report: pd.DataFrame, blanks: pd.DataFrame, targets: pd.DataFrame,
                   submissions: pd.DataFrame, ref: Reference, lang: str = "vi") -> pd.DataFrame:
    """The points a unit should correct, one row each: sheet, cell, typed, problem, expected."""
    kept = set(submissions.file[submissions.unit == unit])
    rows = []
    rep = report[(report.unit == unit) & report.file.isin(kept)]
    problems = rep[((rep.status == "rejected") | ((rep.status == "accepted") & (rep.flag != "")))
                   & ~rep.flag.isin(SKIP_FLAGS)]
    identical = problems[problems.flag == "identical_sheet"]
    for r in problems[problems.flag != "identical_sheet"].itertuples():
        rows.append({"sheet": r.sheet, "cell": r.cell, "typed": r.value, "problem": r.reason, "expected": r.expected})
    if not identical.empty:
        rows.append({"sheet": identical.sheet.iloc[0], "cell": "", "typed": "",
                     "problem": f"{t('fb_identical', lang, n=len(identical))}: {identical.reason.iloc[0]}",
                     "expected": t("fb_identical_expected", lang)})
    mine = blanks[blanks.unit == unit]
    slots = mine[mine.field == "indicator"]
    for (sheet, ind), g in slots.groupby(["sheet", "indicator"], sort=False):   # one row per indicator
        cells = [c for c in g.cell if c]
        span = f"{cells[0].split(':')[0]}:{cells[-1].split(':')[-1]}" if len(cells) > 1 else (cells[0] if cells else "")
        rows.append({"sheet": sheet, "cell": span, "typed": "",
                     "problem": t("fb_blank_slot", lang, indicator=ind, year=_years(list(g.year))),
                     "expected": t("fb_blank_slot_expected", lang)})
    for b in mine[mine.field != "indicator"].itertuples():
        if b.field == "sheet":
            problem, expected = t("fb_blank_sheet", lang, sheet=b.label), t("fb_blank_sheet_expected", lang)
        else:
            problem = t("fb_blank_ident", lang, label=b.label)
            expected = t("fb_blank_ident_expected", lang, label=b.label)
        rows.append({"sheet": b.sheet, "cell": b.cell, "typed": "", "problem": problem, "expected": expected})
    rows += _weaker_proposals(unit, targets, ref, lang)
    out = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    if out.empty:
        return out
    sheets = list(dict.fromkeys(out.sheet))
    key = out.apply(lambda r: (sheets.index(r.sheet), *_cell_order(r.cell)), axis=1)
    return out.assign(_k=key).sort_values("_k", kind="stable").drop(columns="_k").reset_index(drop=True)


def _years(years: list[int]) -> str:
    """2010, 2011, 2012, 2015 → "2010-2012, 2015"."""
    years, out = sorted(int(y) for y in years), []
    for y in years:
        if out and y == out[-1][1] + 1:
            out[-1][1] = y
        else:
            out.append([y, y])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in out)


def _weaker_proposals(unit: str, targets: pd.DataFrame, ref: Reference, lang: str) -> list[dict]:
    """A later year's proposal less ambitious than an earlier year's (by the indicator's direction)."""
    nxt = ref.next
    rows = []
    for ind, g in targets[targets.unit == unit].groupby("indicator", sort=False):
        direction = nxt.direction.get(ind)
        if direction not in ("increase", "decrease", "ceiling"):
            continue
        g = g.sort_values("year")
        for (y1, v1), (y2, v2, src) in zip(zip(g.year, g.value, strict=True),
                                           list(zip(g.year, g.value, g.source, strict=True))[1:], strict=False):
            weaker = v2 < v1 if direction == "increase" else v2 > v1
            if weaker:
                parts = src.split("!")
                rows.append({"sheet": parts[-2] if len(parts) >= 3 else "", "cell": parts[-1], "typed": f"{v2:g}",
                             "problem": t("fb_weaker", lang, year=y2, value=f"{v2:g}", earlier=y1,
                                          earlier_value=f"{v1:g}", indicator=ind),
                             "expected": t("fb_weaker_expected", lang, year=y2, earlier=y1)})
    return rows


class FeedbackWorkbook(Output):
    """One unit's points to correct as a printable workbook (A4 landscape, one page wide)."""

    suffix = ".xlsx"

    def __init__(self, title: str, intro: str, items: pd.DataFrame, lang: str, footer: str,
                 sample: bool = False, columns: list[str] | None = None):
        self.title, self.intro, self.items, self.lang = title, intro, items, lang
        self.footer, self.sample = footer, sample
        self.columns = columns or [t(f"fb_col_{k}", lang) for k in ("no", "sheet", "cell", "typed", "problem",
                                                                      "expected")]

    def render(self, tmp: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        wb = Workbook()
        ws = wb.active
        ws.title = "Phản hồi" if self.lang == "vi" else "Feedback"
        wrap = Alignment(wrap_text=True, vertical="top")
        thin = Side(style="thin", color="999999")
        box = Border(left=thin, right=thin, top=thin, bottom=thin)
        r = 1
        if self.sample:
            ws.cell(r, 1, t("fb_sample", self.lang)).font = Font(bold=True, color="C00000")
            r += 1
        ws.cell(r, 1, self.title).font = Font(bold=True, size=13)
        r += 1
        ws.cell(r, 1, self.intro).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(self.columns))
        ws.row_dimensions[r].height = 32
        r += 2
        for j, name in enumerate(self.columns, start=1):
            c = ws.cell(r, j, name)
            c.font, c.fill, c.border, c.alignment = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), box, wrap
        head = r
        widths = (5, 18, 9, 14, 62, 34)
        for i, item in enumerate(self.items.itertuples(index=False), start=1):
            r += 1
            lines = 1
            for j, v in enumerate((i, *item), start=1):
                c = ws.cell(r, j, safe_text(v))
                c.alignment, c.border = wrap, box
                lines = max(lines, -(-len(str(v or "")) // max(widths[j - 1] - 2, 1)))
            ws.row_dimensions[r].height = 15 * lines    # wrapped text: a row as high as its longest cell
        r += 2
        ws.cell(r, 1, self.footer).font = Font(italic=True, size=9)
        for col, width in zip("ABCDEF", widths, strict=False):
            ws.column_dimensions[col].width = width
        ws.print_title_rows = f"{head}:{head}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.freeze_panes = ws.cell(head + 1, 1)
        wb.save(tmp)


def _files_text(subs: pd.DataFrame, lang: str) -> str:
    return "; ".join(f"{f} ({d:%d/%m/%Y})" if pd.notna(d) else f"{f} ({t('fb_undated', lang)})"
                     for f, d in zip(subs.file, subs.submitted, strict=True))


def write_feedback(out_dir: Path | str, tables: dict[str, pd.DataFrame], manifest: dict, ref: Reference,
                   lang: str = "vi", units: list[str] | None = None) -> list[tuple[Path, int]]:
    """One workbook per unit that sent a form (``units``: only these), and one for the files whose unit
    is unknown; returns (path, number of points) per workbook written."""
    out = Path(out_dir)
    report, blanks, targets, subs = (tables[k] for k in ("ingest_report", "blanks", "proposed_targets", "submissions"))
    footer = t("fb_footer", lang, hash=str(manifest.get("data_hash", ""))[:12], when=manifest.get("ingested_at", ""))
    sample_units = set(manifest.get("sample_units") or [])
    written = []
    for unit in [u for u in ref.units.reporting if u in set(subs.unit) and (not units or u in units)]:
        items = feedback_items(unit, report, blanks, targets, subs, ref, lang)
        files = _files_text(subs[subs.unit == unit], lang)
        intro = t("fb_intro" if len(items) else "fb_intro_none", lang, files=files)
        book = FeedbackWorkbook(t("fb_title", lang, unit=ref.label(unit, lang)), intro, items, lang, footer,
                                unit in sample_units)
        written.append((book.write(out / f"phan-hoi-{ref.units.row(unit).slug}.xlsx"), len(items)))
    unknown = report[(report.unit == "") & (report.status == "rejected")]
    if not units and not unknown.empty:
        first = unknown.groupby("file", sort=False).first().reset_index()
        items = pd.DataFrame({"sheet": first.file, "cell": first.sheet + "!" + first.cell,
                              "typed": first.value, "problem": first.reason, "expected": first.expected})
        items["cell"] = items.cell.where(items.cell != "!", "")
        cols = [t("fb_col_no", lang), t("rep_col_file", lang), t("fb_col_cell", lang), t("fb_col_typed", lang),
                t("fb_col_problem", lang), t("fb_col_expected", lang)]
        book = FeedbackWorkbook(t("fb_unknown_title", lang), t("fb_unknown_intro", lang), items, lang, footer,
                                bool(sample_units), cols)
        written.append((book.write(out / "phan-hoi-chua-xac-dinh.xlsx"), len(items)))
    return written

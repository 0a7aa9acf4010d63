"""The ingest report for people: a CSV that Excel on Windows opens with Vietnamese intact (UTF-8 with a
byte-order mark), headers, statuses and checks in the run's language, the rows that need action first;
and a workbook beside it with a summary sheet and one sheet per unit.

Order of the rows: rejected cells (what to correct), then accepted cells with a check (a value that
disagrees with its parts, a sheet identical to another unit's ...), then the cells of superseded forms,
then the accepted cells, then the ignored ones (labels). The workbook's unit sheets list every file of
the unit (kept or superseded, and why) and the cells of the kept form that are not labels; the cells
of superseded forms and the labels are in the CSV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..i18n import fmt_number, t
from ..reference import Reference
from ..store import FORMULA_START

COLUMNS = ("file", "unit", "sheet", "cell", "value", "status", "flag", "reason", "expected")
# a sheet per unit up to this many units (a province has fewer); beyond, the summary sheet says where
# every cell is (the CSV): a national run's thousands of sheets would help no one
UNIT_SHEETS = 250


def _order(report: pd.DataFrame) -> pd.Series:
    superseded = report.flag.eq("superseded")
    return pd.Series(3, index=report.index).mask(report.status.eq("rejected") & ~superseded, 0) \
        .mask(report.status.eq("accepted") & report.flag.ne("") & ~report.flag.eq("merged"), 1) \
        .mask(superseded, 2).mask(report.status.eq("ignored"), 4)


def people_frame(report: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """The report with its rows in the order of action and its words in ``lang`` (text that a
    spreadsheet would run as a formula is written as text)."""
    df = report.iloc[np.argsort(_order(report).to_numpy(), kind="stable")]
    codes, units = pd.factorize(df.unit)
    unit_labels = np.array([ref.label(u, lang) if u else "" for u in units] + [""], dtype=object)[codes]
    statuses = {s: t(f"rep_status_{s}", lang) for s in df.status.unique()}
    flags = {f: t(f"flag_{f}", lang) if f else "" for f in df.flag.unique()}
    out = pd.DataFrame({
        t("rep_col_file", lang): _safe(df.file), t("rep_col_unit", lang): unit_labels,
        t("rep_col_sheet", lang): _safe(df.sheet), t("rep_col_cell", lang): df.cell,
        t("rep_col_value", lang): _safe(df.value), t("rep_col_status", lang): df.status.map(statuses),
        t("rep_col_flag", lang): df.flag.map(flags), t("rep_col_reason", lang): _safe(df.reason),
        t("rep_col_expected", lang): _safe(df.expected),
    })
    return out


def _safe(s: pd.Series) -> pd.Series:
    """:func:`gender_metrics.store.safe_text` over a whole column (only the few cells that need it changed)."""
    s = s.astype(str)
    risky = s.str.startswith(FORMULA_START).to_numpy(bool)
    if not risky.any():
        return s
    return s.where(~risky, "'" + s)


def write_csv(path: Path, report: pd.DataFrame, ref: Reference, lang: str) -> None:
    """UTF-8 with a byte-order mark (Excel on Windows then reads Vietnamese right), written by Arrow's CSV
    writer (RFC 4180 quoting where needed; some 30 times faster than pandas' for 700 forms' reports)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    table = pa.Table.from_pandas(people_frame(report, ref, lang), preserve_index=False)
    with open(path, "wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        pcsv.write_csv(table, fh, pcsv.WriteOptions(quoting_style="needed"))


def _sheet_title(text: str, used: set[str]) -> str:
    base = "".join("-" if ch in '[]:*?/\\' else ch for ch in text)[:31].strip() or "-"
    name, i = base, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name.lower())
    return name


def _printable(ws, widths: tuple[int, ...]) -> None:
    """Column widths, and A4 landscape one page wide (a write-only sheet takes these before its rows)."""
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"           # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_xlsx(path: Path, report: pd.DataFrame, submissions: pd.DataFrame, files: pd.DataFrame,
               ref: Reference, lang: str) -> None:
    """A summary sheet (one row per file: its unit, whether it is used, its counts) and one sheet per unit
    (up to :data:`UNIT_SHEETS` units; beyond, the summary says that every cell is in the CSV).

    ``files``: one row per file read (file, unit, format, kept, why)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set[str] = set()
    counts = pd.crosstab(report.file, report.status).reindex(columns=["accepted", "rejected", "ignored"],
                                                             fill_value=0)
    counts["flagged"] = (~report.flag.isin(["", "superseded", "merged"])).groupby(report.file).sum()
    ws = wb.create_sheet(_sheet_title(t("rep_sheet_summary", lang), used))
    _printable(ws, (34, 24, 8, 9, 60, 9, 9, 9, 9))
    ws.append([t("rep_title", lang)])
    head = [t(k, lang) for k in ("rep_col_file", "rep_col_unit", "rep_col_format", "rep_col_kept", "rep_col_reason",
                                 "rep_col_accepted", "rep_col_rejected", "rep_col_flagged", "rep_col_ignored")]
    ws.append(head)
    per_file = counts.to_dict("index")
    for f in files.itertuples():
        c = per_file.get(f.file)
        ws.append([f.file, ref.label(f.unit, lang) if f.unit else "", f.format,
                   t("rep_kept_yes" if f.kept else "rep_kept_no", lang), f.why,
                   *([int(c["accepted"]), int(c["rejected"]), int(c["flagged"]), int(c["ignored"])] if c else [0] * 4)])
    kept = report[report.status.ne("ignored") & report.file.isin(set(files.file[files.kept]))]
    in_files = set(files.unit)
    order = [u for u in ref.units.reporting if u in in_files] + ([""] if "" in in_files else [])
    if len(order) > UNIT_SHEETS:   # a national run: the summary, and the cells in the CSV beside it
        ws.append([])
        ws.append([t("rep_cells_in_csv", lang, n=fmt_number(len(order), 0, lang), csv=Path(path).with_suffix(".csv").name)])
        wb.save(path)
        return
    people = people_frame(kept, ref, lang)
    unit_col = people.columns[1]
    rows_of = dict(tuple(people.groupby(kept.loc[people.index, "unit"].to_numpy(), sort=False)))
    files_of = dict(tuple(files.groupby("unit", sort=False)))
    for unit in order:
        rows, unit_files = rows_of.get(unit, people.iloc[:0]), files_of[unit]
        title = ref.label(unit, lang) if unit else t("rep_sheet_unknown", lang)
        ws = wb.create_sheet(_sheet_title(title, used))
        _printable(ws, (24, 20, 7, 16, 9, 22, 56, 26))
        ws.append([title])
        ws.append([t(k, lang) for k in ("rep_col_form", "rep_col_format", "rep_col_kept", "rep_col_reason")])
        for f in unit_files.itertuples():
            ws.append([f.file, f.format, t("rep_kept_yes" if f.kept else "rep_kept_no", lang), f.why])
        ws.append([])
        ws.append(list(people.columns.drop(unit_col)))
        for r in rows.drop(columns=unit_col).itertuples(index=False):
            ws.append(list(r))
    wb.save(path)

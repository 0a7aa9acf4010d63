"""Read one filled form: a workbook → its non-empty cells → records, with an account of every cell.

Every non-empty cell is accepted, rejected with a reason (in the run's language, naming the sheet and
cell) or ignored (labels, instructions); accepted + rejected + ignored = non-empty cells read. Where a
value sits is looked up in :mod:`.layout`, the description the writer used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import t
from ..reference import Reference, UnitError, fold
from . import layout as L
from .parse import clean_text, parse_date, parse_number

ACCEPTED, REJECTED, IGNORED = "accepted", "rejected", "ignored"
REPORT_COLUMNS = ["file", "sheet", "cell", "value", "status", "reason"]



@dataclass
class Cell:
    sheet: str
    ref: str
    row: int
    col: int
    value: object
    formula: bool = False
    percent: bool = False   # a number in a cell formatted as a percentage (Excel stores 35,2% as 0.352)


@dataclass
class FormRead:
    """What one workbook gave: identification, data records and the report rows of its cells."""

    file: str
    ref: Reference = field(repr=False, compare=False, default=None)
    unit: str | None = None
    ident: dict = field(default_factory=dict)
    report: list = field(default_factory=list)
    parts: list = field(default_factory=list)        # (indicator, part, year, number, cell ref)
    targets: list = field(default_factory=list)      # (indicator, year, value, cell ref)
    texts: list = field(default_factory=list)        # (section, indicator, text, cell ref)
    error: str | None = None
    lang: str = "vi"                                  # language of the reasons

    def t(self, key: str, /, **kw) -> str:
        return t(key, self.lang, **kw)

    def __getstate__(self):  # sent back from worker processes without the reference (the parent has it)
        return {**self.__dict__, "ref": None}

    def rt(self, key: str, /, **kw) -> str:
        """A reason that names the review's years (the first and last year, the next strategy)."""
        return self.ref.text(key, self.lang, **kw)

    @property
    def layout(self) -> L.Layout:
        return L.layout_of(self.ref)

    def who(self, code: str) -> str:
        """A unit as an officer knows it: "Huyện Hương Sơn (mã 439)"."""
        return t("unit_candidate", self.lang, label=self.ref.label(code, self.lang), code=code)

    def mark(self, cell: Cell | None, status: str, reason: str = "") -> None:
        if cell is None:
            self.report.append({"file": self.file, "sheet": "", "cell": "", "value": "",
                                "status": status, "reason": reason})
        else:
            self.report.append({"file": self.file, "sheet": cell.sheet, "cell": cell.ref,
                                "value": _show(cell.value), "status": status, "reason": reason})


def _show(v) -> str:
    if isinstance(v, dt.datetime):
        return v.strftime("%d/%m/%Y") if v.time() == dt.time() else v.isoformat()
    return "" if v is None else str(v)


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# --------------------------------------------------------------------------- reading workbooks
# A damaged package makes openpyxl and the zip, zlib and XML layers under it raise almost anything
# (BadZipFile, zlib.error, EOFError, ParseError, NotImplementedError, RuntimeError, IndexError, ...):
# every one of them means "this file cannot be read", never "stop the whole run".
_CORRUPT = Exception


def read_cells(path: Path, lang: str = "vi") -> tuple[list[Cell], list[str]]:
    """Every non-empty cell of every sheet, formulas replaced by their cached values where present.

    Raises ValueError with a plain reason when the file is not a readable workbook.
    """
    from openpyxl import load_workbook

    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValueError(t("in_encrypted", lang))
    if not head.startswith(b"PK"):
        raise ValueError(t("in_not_zip", lang))
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except _CORRUPT as exc:
        raise ValueError(t("in_corrupt_open", lang, error=f"{type(exc).__name__}: {exc}")) from exc
    cells, formula_sheets = [], set()
    try:
        sheetnames = list(wb.sheetnames)
        for ws in wb.worksheets:
            ws.reset_dimensions()   # a stale <dimension> written by other software would hide cells
            for row in ws.iter_rows():
                for c in row:
                    v = getattr(c, "value", None)
                    if _blank(v):
                        continue
                    # only a real formula: a text typed as '=... is text
                    is_f = getattr(c, "data_type", None) == "f"
                    if is_f:
                        formula_sheets.add(ws.title)
                    pct = "%" in str(getattr(c, "number_format", "") or "")
                    cells.append(Cell(ws.title, c.coordinate, c.row, c.column, v, is_f, pct))
    except _CORRUPT as exc:
        raise ValueError(t("in_corrupt_read", lang, error=f"{type(exc).__name__}: {exc}")) from exc
    finally:
        wb.close()
    if formula_sheets:  # second pass only for workbooks that have formulas: their cached values
        cached = {}
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
            try:
                for name in formula_sheets:
                    wb[name].reset_dimensions()
                    for row in wb[name].iter_rows():
                        for c in row:
                            if getattr(c, "value", None) is not None:
                                cached[(name, c.coordinate)] = c.value
            finally:
                wb.close()
        except _CORRUPT as exc:
            raise ValueError(t("in_corrupt_read", lang, error=f"{type(exc).__name__}: {exc}")) from exc
        for cell in cells:
            if cell.formula:
                cell.value = cached.get((cell.sheet, cell.ref), cell.value)
                if cell.value == "" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    cell.value = cell.value or None
    return cells, sheetnames


# --------------------------------------------------------------------------- one form
def _typed(cell: Cell):
    """The value as the officer typed it: a number shown as a percentage (0.352 as 35,2%) is "35.2%"."""
    v = cell.value
    if cell.percent and isinstance(v, int | float) and not isinstance(v, bool):
        return f"{v * 100:.10g}%"
    return v


def _formula_without_value(cell: Cell) -> bool:
    return cell.formula and (cell.value is None or (isinstance(cell.value, str) and cell.value.startswith("=")))


def read_form(path: Path, rel: str, lang: str = "vi", *, reference: Reference | None = None) -> FormRead:
    """Read one filled form of ``reference``'s review (default: the default review) into records and
    a per-cell report (nothing is dropped silently); the reasons are written in ``lang``."""
    from ..reference import load_reference

    ref = reference or load_reference()
    out = FormRead(file=rel, ref=ref, lang=lang)
    lay = out.layout
    try:
        cells, sheetnames = read_cells(path, lang)
    except ValueError as exc:
        out.error = str(exc)
        out.mark(None, REJECTED, str(exc))
        return out
    by_sheet: dict[str, list[Cell]] = {}
    for c in cells:
        by_sheet.setdefault(c.sheet, []).append(c)

    missing = [s for s in (lay.sheet_id, lay.sheet_ind) if s not in sheetnames]
    if missing:
        reason = out.t("in_not_a_form", missing=", ".join(map(repr, missing)), found=", ".join(map(repr, sheetnames)))
        out.error = reason
        for c in cells:
            out.mark(c, REJECTED, reason)
        if not cells:
            out.mark(None, REJECTED, reason)
        return out

    _read_ident(out, by_sheet.get(lay.sheet_id, []))
    if out.unit is None:
        for name, sheet_cells in by_sheet.items():
            if name == lay.sheet_id:
                continue
            for c in sheet_cells:
                out.mark(c, REJECTED, out.t("in_unit_not_identified", why=out.error))
        return out
    readers = {lay.sheet_help: _read_help, lay.sheet_ind: _read_indicators, lay.sheet_tgt: _read_targets,
               lay.sheet_txt: _read_texts}
    for name, sheet_cells in by_sheet.items():
        if name == lay.sheet_id:
            continue
        reader = readers.get(name)
        if reader is None:
            for c in sheet_cells:
                out.mark(c, IGNORED, out.t("in_sheet_not_in_form", name=repr(name)))
        else:
            reader(out, sheet_cells)
    return out


def _read_ident(out: FormRead, cells: list[Cell]) -> None:
    rows = out.layout.id_rows
    sheet = out.layout.sheet_id
    found = {}
    for c in cells:
        if c.col == 1 or c.row < min(rows):
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = rows.get(c.row) if c.col == L.ID_VALUE_COL else None
        if key is None:
            out.mark(c, REJECTED, out.t("in_outside_ident"))
            continue
        if _formula_without_value(c):
            out.mark(c, REJECTED, out.t("in_formula_no_value"))
            continue
        found[key] = c
    code_cell, name_cell = found.get("code"), found.get("name")
    unit, problem, code_problem = None, None, None
    for cell in (code_cell, name_cell):
        if cell is None:
            continue
        try:
            unit = out.ref.units.resolve(clean_text(cell.value))
            break
        except UnitError as exc:
            problem = f"{sheet}!{cell.ref}: {exc.text(out.lang)}"
            if cell is code_cell:
                code_problem = problem
    if unit is None:
        out.error = problem or out.t("in_ident_empty", sheet=sheet)
        for c in found.values():
            out.mark(c, REJECTED, out.error)
        return
    if not out.ref.units.is_reporting(unit):
        out.error = out.t("in_not_a_reporting_unit", sheet=sheet, unit=out.who(unit))
        for c in found.values():
            out.mark(c, REJECTED, out.error)
        return
    out.unit = unit
    out.ident = {"unit": unit}
    for key, c in found.items():
        if key == "submitted":
            d, why = parse_date(c.value, out.lang)
            if why:
                out.mark(c, REJECTED, out.t("in_timeliness_unknown", why=why))
                continue
            out.ident[key] = d
        elif key == "code" and code_problem:
            out.mark(c, REJECTED, out.t("in_code_problem", problem=code_problem))
            continue
        elif key == "code" and name_cell is not None:
            # both present: they must name the same unit
            try:
                other = out.ref.units.resolve(clean_text(name_cell.value))
            except UnitError:
                other = unit
            if other != unit:
                out.mark(c, ACCEPTED, out.t("in_name_mismatch", other=out.who(other), unit=out.who(unit)))
                out.ident[key] = unit
                continue
            out.ident[key] = unit
        else:
            out.ident[key] = clean_text(c.value)
        out.mark(c, ACCEPTED)
    out.ident["sample"] = fold(out.ident.get("data_kind", "")) == fold(L.SAMPLE_LABEL)


def _read_indicators(out: FormRead, cells: list[Cell]) -> None:
    lay = out.layout
    keys = {fr.key: fr for fr in lay.indicator_rows(out.unit)}
    cat = out.ref.info
    years = set(lay.years)
    # the key of each row (column A) and the year of each column (header row)
    row_key = {c.row: clean_text(c.value) for c in cells if c.col == L.KEY_COL and c.row > L.HEADER_ROW}
    col_year: dict[int, object] = {}
    for c in cells:
        if c.row == L.HEADER_ROW and L.FIRST_YEAR_COL <= c.col < lay.note_col:
            col_year[c.col] = c.value
    sheet = lay.sheet_ind
    pending: dict[tuple[str, int, str], dict] = {}
    repeated: dict[tuple[str, int, str], list[Cell]] = {}
    for c in cells:
        if c.row <= L.HEADER_ROW or c.col in L.LABEL_COLS:
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = row_key.get(c.row)
        if c.col == L.KEY_COL:
            if key in keys:
                out.mark(c, IGNORED, out.t("in_row_key"))
            else:
                out.mark(c, REJECTED, out.t("in_row_not_in_template", key=repr(key), unit=out.who(out.unit)))
            continue
        if key not in keys:
            ind = (key or "").split("|")[0]
            why = (out.t("in_indicator_not_of_unit", indicator=ind, unit=out.who(out.unit)) if ind in cat
                   else out.t("in_row_no_key"))
            out.mark(c, REJECTED, why)
            continue
        fr = keys[key]
        if c.col == lay.note_col:
            out.texts.append(("indicator_note", fr.indicator, clean_text(c.value), f"{sheet}!{c.ref}"))
            out.mark(c, ACCEPTED, out.t("in_note"))
            continue
        if c.col > lay.note_col:
            out.mark(c, REJECTED, out.t("in_after_note_col"))
            continue
        header = col_year.get(c.col)
        year, _ = parse_number(header, whole=True, lang=out.lang) if header is not None else (None, None)
        if year not in years:
            out.mark(c, REJECTED, out.rt("in_header_not_year", header=repr(header)))
            continue
        if _formula_without_value(c):
            out.mark(c, REJECTED, out.t("in_formula_no_value"))
            continue
        ind = cat[fr.indicator]
        x, why = parse_number(_typed(c), whole=fr.part in ("num", "den"), lang=out.lang)
        if why:
            out.mark(c, REJECTED, out.t("in_cell_context", why=why, part=out.t(f"part_{fr.part}"),
                                        indicator=fr.indicator, year=int(year)))
            continue
        if fr.part == "value" and ind["unit"] == "%" and ind["kind"] != "value" and x > 100:
            out.mark(c, REJECTED, out.t("in_percent_above_100", raw=_show(_typed(c)), indicator=fr.indicator,
                                        year=int(year)))
            continue
        k = (fr.indicator, int(year), fr.part)
        if k in pending or k in repeated:   # a repeated row key or year column: two cells, one slot
            repeated.setdefault(k, [pending.pop(k)["cell"]] if k in pending else []).append(c)
            continue
        pending[k] = {"cell": c, "x": x}
    for (ind_id, year, part), dup in repeated.items():
        why = out.t("in_repeated", n=len(dup), refs=", ".join(d.ref for d in dup), part=out.t(f"part_{part}"),
                    indicator=ind_id, year=year)
        for d in dup:
            out.mark(d, REJECTED, why)
    # cross-cell rules: a share's numerator cannot exceed its denominator
    for (ind_id, year, part), item in list(pending.items()):
        if part != "num" or cat[ind_id]["kind"] != "share":
            continue
        den = pending.get((ind_id, year, "den"))
        if den is not None and item["x"] > den["x"]:
            why = out.t("in_num_above_den", num=_fmt(item["x"]), num_ref=item["cell"].ref, den=_fmt(den["x"]),
                        den_ref=den["cell"].ref, indicator=ind_id, year=year)
            for k in ((ind_id, year, "num"), (ind_id, year, "den")):
                out.mark(pending.pop(k)["cell"], REJECTED, why)
    for (ind_id, year, part), item in pending.items():
        out.parts.append((ind_id, part, year, item["x"], f"{sheet}!{item['cell'].ref}"))
        out.mark(item["cell"], ACCEPTED)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _read_targets(out: FormRead, cells: list[Cell]) -> None:
    lay = out.layout
    ids = set(lay.indicators_for(out.unit, out.ref.review.feasibility_strategy).id)
    row_key = {c.row: clean_text(c.value) for c in cells if c.col == L.KEY_COL and c.row > L.HEADER_ROW}
    years = lay.proposed_cols
    sheet = lay.sheet_tgt
    for c in cells:
        if c.row <= L.HEADER_ROW or c.col in (L.CODE_COL, L.NAME_COL, 4, *lay.national_cols):
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = row_key.get(c.row)
        if c.col == L.KEY_COL:
            out.mark(c, IGNORED if key in ids else REJECTED,
                     out.t("in_row_key") if key in ids else out.rt("in_target_not_of_unit", key=repr(key),
                                                                   unit=out.who(out.unit)))
            continue
        if key not in ids:
            out.mark(c, REJECTED, out.rt("in_target_row_no_key"))
            continue
        if c.col == lay.target_note_col:
            out.texts.append(("target_note", key, clean_text(c.value), f"{sheet}!{c.ref}"))
            out.mark(c, ACCEPTED, out.t("in_note"))
            continue
        if c.col not in years:
            out.mark(c, REJECTED, out.t("in_outside_columns"))
            continue
        if _formula_without_value(c):
            out.mark(c, REJECTED, out.t("in_formula_no_value"))
            continue
        x, why = parse_number(_typed(c), whole=False, lang=out.lang)
        if why:
            out.mark(c, REJECTED, out.t("in_target_context", why=why, year=years[c.col], indicator=key))
            continue
        out.targets.append((key, years[c.col], x, f"{sheet}!{c.ref}"))
        out.mark(c, ACCEPTED)


def _read_texts(out: FormRead, cells: list[Cell]) -> None:
    sections = dict(L.SECTIONS)
    row_key = {c.row: clean_text(c.value) for c in cells if c.col == L.KEY_COL and c.row > L.HEADER_ROW}
    for c in cells:
        if c.row <= L.HEADER_ROW or c.col == 2:
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = row_key.get(c.row)
        if c.col == L.KEY_COL:
            out.mark(c, IGNORED if key in sections else REJECTED,
                     out.t("in_row_key") if key in sections else out.t("in_unknown_section", key=repr(key)))
            continue
        if key not in sections or c.col != L.TEXT_COL:
            out.mark(c, REJECTED, out.t("in_outside_sections"))
            continue
        if _formula_without_value(c):
            out.mark(c, REJECTED, out.t("in_formula_no_value"))
            continue
        out.texts.append((key, None, clean_text(c.value), f"{out.layout.sheet_txt}!{c.ref}"))
        out.mark(c, ACCEPTED)


def _read_help(out: FormRead, cells: list[Cell]) -> None:
    for c in cells:
        out.mark(c, IGNORED, out.t("in_instructions"))

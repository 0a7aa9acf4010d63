"""Filled report forms → validated tidy tables, with an account of every non-empty cell.

``ingest(raw_dir, processed_dir)`` reads every .xlsx under ``raw_dir`` (any names, nested folders),
identifies each unit from its identification sheet, and writes to ``processed_dir`` atomically:

- ``observations.parquet``  unit × strategy × indicator × year (× breakdown): numerator,
  denominator, value, source ("file!sheet!cell")
- ``narratives.parquet``    unit × section × text (the assessment sheet and indicator notes)
- ``proposed_targets.parquet``  unit × 2021-2030 indicator × year × proposed value
- ``submissions.parquet``   unit, file, submission date, on time, sample data, completeness
- ``quality.parquet``       data-quality flags (outliers, jumps) beside the data, never instead
- ``ingest_report.csv``     file, sheet, cell, value, status (accepted/rejected/ignored), reason
- ``manifest.json``         content hashes of the files above and the data hash of the run

Raw files are never modified. A cell is accepted, rejected with a reason, or ignored (labels,
instructions); accepted + rejected + ignored = non-empty cells read, for every file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from . import forms as F
from .catalogue import indicator_info, load_catalogue
from .i18n import LANGS, t
from .parse import clean_text, parse_date, parse_number
from .units import UnitError, fold, load_units, resolve_unit, unit_label

ACCEPTED, REJECTED, IGNORED = "accepted", "rejected", "ignored"
REPORT_COLUMNS = ["file", "sheet", "cell", "value", "status", "reason"]
OBS_COLUMNS = ["unit", "strategy", "indicator", "year", "numerator", "denominator", "value", "source",
               "breakdown", "parts_known", "value_reported"]
JUMP_FACTOR = 2.0       # a year-on-year change by more than this factor is flagged for review
OUTLIER_Z = 3.5         # modified z-score cut-off (Iglewicz and Hoaglin)


class IngestError(RuntimeError):
    """Raised by ``ingest(strict=True)`` when any cell or file was rejected."""


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

    def who(self, code: str) -> str:
        """A unit as an officer knows it: "Huyện Hương Sơn (mã 439)"."""
        return t("unit_candidate", self.lang, label=unit_label(code, self.lang), code=code)

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


def read_form(path: Path, rel: str, lang: str = "vi") -> FormRead:
    """Read one filled form into records and a per-cell report (nothing is dropped silently);
    the reasons are written in ``lang``."""
    out = FormRead(file=rel, lang=lang)
    try:
        cells, sheetnames = read_cells(path, lang)
    except ValueError as exc:
        out.error = str(exc)
        out.mark(None, REJECTED, str(exc))
        return out
    by_sheet: dict[str, list[Cell]] = {}
    for c in cells:
        by_sheet.setdefault(c.sheet, []).append(c)

    missing = [s for s in (F.SHEET_ID, F.SHEET_IND) if s not in sheetnames]
    if missing:
        reason = out.t("in_not_a_form", missing=", ".join(map(repr, missing)), found=", ".join(map(repr, sheetnames)))
        out.error = reason
        for c in cells:
            out.mark(c, REJECTED, reason)
        if not cells:
            out.mark(None, REJECTED, reason)
        return out

    _read_ident(out, by_sheet.get(F.SHEET_ID, []))
    if out.unit is None:
        for name, sheet_cells in by_sheet.items():
            if name == F.SHEET_ID:
                continue
            for c in sheet_cells:
                out.mark(c, REJECTED, out.t("in_unit_not_identified", why=out.error))
        return out
    for name, sheet_cells in by_sheet.items():
        if name == F.SHEET_ID:
            continue
        reader = _SHEET_READERS.get(name)
        if reader is None:
            for c in sheet_cells:
                out.mark(c, IGNORED, out.t("in_sheet_not_in_form", name=repr(name)))
        else:
            reader(out, sheet_cells)
    return out


def _read_ident(out: FormRead, cells: list[Cell]) -> None:
    rows = {row: key for row, key, _ in F.ID_FIELDS}
    found = {}
    for c in cells:
        if c.col == 1 or c.row < min(rows):
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = rows.get(c.row) if c.col == 2 else None
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
            unit = resolve_unit(clean_text(cell.value))
            break
        except UnitError as exc:
            problem = f"{F.SHEET_ID}!{cell.ref}: {exc.text(out.lang)}"
            if cell is code_cell:
                code_problem = problem
    if unit is None:
        out.error = problem or out.t("in_ident_empty", sheet=F.SHEET_ID)
        for c in found.values():
            out.mark(c, REJECTED, out.error)
        return
    u = _unit_row(unit)
    if u.level not in ("district", "sector"):
        out.error = out.t("in_not_a_reporting_unit", sheet=F.SHEET_ID, unit=out.who(unit))
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
                other = resolve_unit(clean_text(name_cell.value))
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
    out.ident["sample"] = fold(out.ident.get("data_kind", "")) == fold(F.SAMPLE_LABEL)


@lru_cache(maxsize=256)
def _unit_row(code: str):
    return load_units().set_index("code").loc[code]


@lru_cache(maxsize=256)
def _template_layout(unit: str) -> tuple[dict[str, F.FormRow], frozenset[str]]:
    rows = {fr.key: fr for fr in F.indicator_rows(unit)}
    return rows, frozenset(F.indicators_for_unit(unit, "2021-2030").id)


def _read_indicators(out: FormRead, cells: list[Cell]) -> None:
    keys, _ = _template_layout(out.unit)
    cat = indicator_info("2011-2020")
    # the key of each row (column A) and the year of each column (header row)
    row_key = {c.row: clean_text(c.value) for c in cells if c.col == 1 and c.row > F.HEADER_ROW}
    col_year: dict[int, object] = {}
    for c in cells:
        if c.row == F.HEADER_ROW and F.FIRST_YEAR_COL <= c.col < F.NOTE_COL:
            col_year[c.col] = c.value
    sheet = F.SHEET_IND
    pending: dict[tuple[str, int, str], dict] = {}
    repeated: dict[tuple[str, int, str], list[Cell]] = {}
    for c in cells:
        if c.row <= F.HEADER_ROW or c.col in (2, 3, 4, 5):
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = row_key.get(c.row)
        if c.col == 1:
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
        if c.col == F.NOTE_COL:
            out.texts.append(("indicator_note", fr.indicator, clean_text(c.value), f"{sheet}!{c.ref}"))
            out.mark(c, ACCEPTED, out.t("in_note"))
            continue
        if c.col > F.NOTE_COL:
            out.mark(c, REJECTED, out.t("in_after_note_col"))
            continue
        header = col_year.get(c.col)
        year, _ = parse_number(header, whole=True, lang=out.lang) if header is not None else (None, None)
        if year is None or not 2010 <= year <= 2020:
            out.mark(c, REJECTED, out.t("in_header_not_year", header=repr(header)))
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
    _, ids = _template_layout(out.unit)
    row_key = {c.row: clean_text(c.value) for c in cells if c.col == 1 and c.row > F.HEADER_ROW}
    years = {F.TARGET_COLS["proposed_2025"]: 2025, F.TARGET_COLS["proposed_2030"]: 2030}
    for c in cells:
        if c.row <= F.HEADER_ROW or c.col in (2, 3, 4, F.TARGET_COLS["national_2025"], F.TARGET_COLS["national_2030"]):
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = row_key.get(c.row)
        if c.col == 1:
            out.mark(c, IGNORED if key in ids else REJECTED,
                     out.t("in_row_key") if key in ids else out.t("in_target_not_of_unit", key=repr(key), unit=out.who(out.unit)))
            continue
        if key not in ids:
            out.mark(c, REJECTED, out.t("in_target_row_no_key"))
            continue
        if c.col == F.TARGET_COLS["note"]:
            out.texts.append(("target_note", key, clean_text(c.value), f"{F.SHEET_TGT}!{c.ref}"))
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
        out.targets.append((key, years[c.col], x, f"{F.SHEET_TGT}!{c.ref}"))
        out.mark(c, ACCEPTED)


def _read_texts(out: FormRead, cells: list[Cell]) -> None:
    sections = dict(F.SECTIONS)
    row_key = {c.row: clean_text(c.value) for c in cells if c.col == 1 and c.row > F.HEADER_ROW}
    for c in cells:
        if c.row <= F.HEADER_ROW or c.col == 2:
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = row_key.get(c.row)
        if c.col == 1:
            out.mark(c, IGNORED if key in sections else REJECTED,
                     out.t("in_row_key") if key in sections else out.t("in_unknown_section", key=repr(key)))
            continue
        if key not in sections or c.col != 3:
            out.mark(c, REJECTED, out.t("in_outside_sections"))
            continue
        if _formula_without_value(c):
            out.mark(c, REJECTED, out.t("in_formula_no_value"))
            continue
        out.texts.append((key, None, clean_text(c.value), f"{F.SHEET_TXT}!{c.ref}"))
        out.mark(c, ACCEPTED)


def _read_help(out: FormRead, cells: list[Cell]) -> None:
    for c in cells:
        out.mark(c, IGNORED, out.t("in_instructions"))


_SHEET_READERS = {F.SHEET_HELP: _read_help, F.SHEET_IND: _read_indicators, F.SHEET_TGT: _read_targets,
                  F.SHEET_TXT: _read_texts}


# --------------------------------------------------------------------------- tables
def _observations(forms: list[FormRead]) -> pd.DataFrame:
    cat = load_catalogue().for_strategy("2011-2020").set_index("id")
    recs = [(f.unit, f.file, *p) for f in forms for p in f.parts]
    if not recs:
        return pd.DataFrame(columns=OBS_COLUMNS)
    df = pd.DataFrame(recs, columns=["unit", "file", "indicator", "part", "year", "x", "ref"])
    wide = df.pivot_table(index=["unit", "file", "indicator", "year"], columns="part", values="x", aggfunc="first")
    refs = df.pivot_table(index=["unit", "file", "indicator", "year"], columns="part", values="ref", aggfunc="first")
    wide = wide.reindex(columns=["num", "den", "value"])
    refs = refs.reindex(columns=["num", "den", "value"])
    wide = wide.reset_index()
    refs = refs.reset_index(drop=True)
    factor = wide.indicator.map(cat.factor).astype(float)
    parts = wide.num.notna() & wide.den.notna()
    computed = np.where(parts & (wide.den > 0), factor * wide.num / wide.den.where(wide.den > 0), np.nan)
    value = np.where(parts, computed, wide.value)
    num_ref = refs.num.astype(object)
    den_ref = refs.den.astype(object)
    part_src = wide.file + "!" + num_ref.fillna("") + ":" + den_ref.fillna("").str.split("!").str[-1]
    val_src = wide.file + "!" + refs.value.astype(object).fillna("")
    source = np.where(parts, part_src, np.where(refs.value.notna(), val_src,
                                                wide.file + "!" + num_ref.fillna(den_ref).fillna("")))
    obs = pd.DataFrame({
        "unit": wide.unit, "strategy": "2011-2020", "indicator": wide.indicator, "year": wide.year.astype(int),
        "numerator": wide.num, "denominator": wide.den, "value": value.astype(float), "source": source,
        "breakdown": "", "parts_known": parts.to_numpy(), "value_reported": wide.value,
    })
    return obs


def national_observations() -> pd.DataFrame:
    """The real national series shipped with the package (unit "VN"): values only, with sources."""
    path = Path(str(resources.files("gender_metrics") / "data" / "national_actuals.csv"))
    raw = pd.read_csv(path, dtype={"indicator": str, "breakdown": str}, keep_default_na=False)
    return pd.DataFrame({
        "unit": "VN", "strategy": "2011-2020", "indicator": raw.indicator, "year": raw.year.astype(int),
        "numerator": np.nan, "denominator": np.nan, "value": raw.value.astype(float),
        "source": "national_actuals.csv!row " + (raw.index + 2).astype(str) + ": " + raw.source,
        "breakdown": raw.breakdown, "parts_known": False, "value_reported": raw.value.astype(float),
    })


def quality_flags(obs: pd.DataFrame) -> pd.DataFrame:
    """Outliers (modified z-score > 3.5 across a unit's years) and year-on-year jumps, for review."""
    from .stats import modified_zscore

    cols = ["unit", "indicator", "breakdown", "year", "value", "check", "detail", "source"]
    df = obs[obs.value.notna()].sort_values(["unit", "indicator", "breakdown", "year"]).reset_index(drop=True)
    if df.empty:
        return pd.DataFrame(columns=cols)
    key = df.unit + "|" + df.indicator + "|" + df.breakdown
    z = modified_zscore(df.value.to_numpy(), key.to_numpy())
    prev = df.groupby(key).value.shift()
    cur, prev = df.value.to_numpy(float), prev.to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where((prev > 0) & (cur > 0), np.fmax(cur / prev, prev / cur), np.nan)
        j = ratio > JUMP_FACTOR
        m = z > OUTLIER_Z
    out = []
    out.append(df[m].assign(check="outlier", detail=[f"modified z-score {v:.1f} > {OUTLIER_Z}" for v in z[m]]))
    out.append(df[j].assign(check="jump", detail=[f"changed by a factor {v:.1f} from the year before" for v in ratio[j]]))
    return pd.concat(out)[cols].reset_index(drop=True)


@dataclass
class IngestResult:
    """Counts and tables of one ingest run; ``report`` has one row per non-empty cell read."""

    processed_dir: Path
    files: int
    units: list[str]
    report: pd.DataFrame
    observations: pd.DataFrame
    submissions: pd.DataFrame
    data_hash: str
    lang: str = "vi"

    @property
    def counts(self) -> dict[str, int]:
        return self.report.status.value_counts().reindex([ACCEPTED, REJECTED, IGNORED], fill_value=0).to_dict()

    def summary(self) -> str:
        """What a secretariat officer needs after an ingest, in the language of the run (its reasons
        were written in that language)."""
        L = self.lang
        c = self.counts
        lines = [t("in_sum_counts", L, files=self.files, units=len(self.units), accepted=c[ACCEPTED],
                   rejected=c[REJECTED], ignored=c[IGNORED])]
        rej = self.report[self.report.status == REJECTED]
        if not rej.empty:
            reasons = rej.reason.str.replace(r"'[^']*'|\d+(\.\d+)?", "…", regex=True)
            lines.append(t("in_sum_reasons", L))
            lines += [f"  {n:5d} × {r}" for r, n in Counter(reasons).most_common(5)]
        sub = self.submissions
        expected = load_units()
        expected = expected[expected.level.isin(["district", "sector"])]
        missing = [c for c in expected.code if c not in set(sub.unit)]
        late = sub[sub.on_time.eq(False)]
        if missing:
            lines.append(t("in_sum_missing", L, units=", ".join(unit_label(u, L) for u in missing)))
        if not late.empty:
            lines.append(t("in_sum_late", L, units=", ".join(
                f"{unit_label(u, L)} ({d:%d/%m/%Y})" for u, d in zip(late.unit, late.submitted, strict=True))))
        lines.append(t("in_sum_written", L, path=self.processed_dir, hash=self.data_hash[:12]))
        lines.append(t("in_sum_report", L, path=Path(self.processed_dir) / "ingest_report.csv"))
        return "\n".join(lines)


def _completeness(f: FormRead) -> tuple[int, int]:
    """(indicator-years expected, indicator-years with a value): a value counts when both parts or a
    reported value were given; term-based indicators are expected in their election years only."""
    info = indicator_info("2011-2020")
    ids = F.indicators_for_unit(f.unit).id
    expected = sum(len(info[i]["election_years"]) or len(F.YEARS) for i in ids)
    parts: dict[tuple[str, int], set[str]] = {}
    for ind, part, year, _x, _ref in f.parts:
        parts.setdefault((ind, year), set()).add(part)
    filled = sum(1 for (ind, year), p in parts.items()
                 if ("value" in p or {"num", "den"} <= p)
                 and (not info[ind]["election_years"] or year in info[ind]["election_years"]))
    return expected, filled


def _resolve_duplicates(forms: list[FormRead]) -> None:
    """Two forms for one unit: keep the later submission date (then the later file name), reject the rest."""
    by_unit: dict[str, list[FormRead]] = {}
    for f in forms:
        if f.unit:
            by_unit.setdefault(f.unit, []).append(f)
    for unit, group in by_unit.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda f: (f.ident.get("submitted") or dt.date.min, f.file))
        keep = group[-1]
        when = keep.ident.get("submitted")
        for f in group[:-1]:
            why = (f.t("in_superseded_later", unit=f.who(unit), file=keep.file, date=f"{when:%d/%m/%Y}")
                   if when and when != f.ident.get("submitted")
                   else f.t("in_superseded_same", unit=f.who(unit), file=keep.file))
            for row in f.report:
                if row["status"] == ACCEPTED:
                    row["status"], row["reason"] = REJECTED, why
            f.parts, f.targets, f.texts, f.unit = [], [], [], None
            f.error = why


def _write_atomic(processed: Path, tables: dict[str, pd.DataFrame], manifest: dict) -> None:
    processed.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".ingest-", dir=processed))
    try:
        for name, df in tables.items():
            target = tmp / name
            if name.endswith(".csv"):
                df.to_csv(target, index=False, encoding="utf-8")
            else:
                df.to_parquet(target, index=False)
            manifest["files"][name] = hashlib.sha256(target.read_bytes()).hexdigest()
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str),
                                           encoding="utf-8")
        # tables first, the manifest (with their hashes) last: a reader that sees the new manifest
        # sees the new tables
        for p in sorted(tmp.iterdir(), key=lambda p: p.name == "manifest.json"):
            os.replace(p, processed / p.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


PARALLEL_FROM = 40  # forms; below this a process pool costs more than it saves


def _read_one(args: tuple[str, str, str]) -> FormRead:
    return read_form(Path(args[0]), args[1], args[2])


def _read_all(paths: list[Path], raw: Path, *, jobs: int | None, progress: bool, lang: str) -> list[FormRead]:
    """Read every form, in parallel processes when there are many (order kept)."""
    from tqdm import tqdm

    work = [(str(p), p.relative_to(raw).as_posix(), lang) for p in paths]
    n = jobs if jobs is not None else (os.cpu_count() or 1)
    bar = tqdm(total=len(work), desc=t("in_progress_forms", lang), unit="", disable=not progress)
    if n <= 1 or len(work) < PARALLEL_FROM:
        out = []
        for w in work:
            out.append(_read_one(w))
            bar.update()
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=n) as pool:
            out = []
            for f in pool.map(_read_one, work, chunksize=8):
                out.append(f)
                bar.update()
    bar.close()
    return out


def ingest(raw_dir: Path | str | None = None, processed_dir: Path | str | None = None, *,
           strict: bool = False, progress: bool = False, jobs: int | None = None, lang: str = "vi") -> IngestResult:
    """Read every form under ``raw_dir`` and write the processed tables to ``processed_dir``.

    Adds the real national series (unit "VN") shipped with the package. With ``strict`` an
    :class:`IngestError` is raised after writing when any cell or file was rejected.
    """
    from .paths import default_processed_dir, default_raw_dir

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    raw = Path(raw_dir) if raw_dir else default_raw_dir()
    processed = Path(processed_dir) if processed_dir else default_processed_dir()
    if not raw.is_dir():
        raise FileNotFoundError(t("in_no_raw_dir", lang, raw=raw))
    paths = sorted(p for p in raw.rglob("*") if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm")
                   and not p.name.startswith("~$"))
    forms = _read_all(paths, raw, jobs=jobs, progress=progress, lang=lang)
    _resolve_duplicates(forms)
    kept = [f for f in forms if f.unit]

    obs = pd.concat([_observations(kept), national_observations()], ignore_index=True)
    obs = obs.sort_values(["unit", "indicator", "breakdown", "year"], kind="stable").reset_index(drop=True)
    narr = pd.DataFrame([(f.unit, s, i, t, f"{f.file}!{r}") for f in kept for s, i, t, r in f.texts],
                        columns=["unit", "section", "indicator", "text", "source"])
    tg = pd.DataFrame([(f.unit, i, y, v, f"{f.file}!{r}") for f in kept for i, y, v, r in f.targets],
                      columns=["unit", "indicator", "year", "value", "source"])
    sub_rows = []
    for f in kept:
        date = f.ident.get("submitted")
        expected, filled = _completeness(f)
        sub_rows.append({"unit": f.unit, "file": f.file, "submitted": pd.Timestamp(date) if date else pd.NaT,
                         "on_time": (date <= F.DEADLINE) if date else None, "sample": bool(f.ident.get("sample")),
                         "person": f.ident.get("person", ""), "cells_filled": filled, "cells_expected": expected,
                         "completeness": filled / expected if expected else np.nan})
    subs = pd.DataFrame(sub_rows, columns=["unit", "file", "submitted", "on_time", "sample", "person",
                                           "cells_filled", "cells_expected", "completeness"])
    report = pd.DataFrame([r for f in forms for r in f.report], columns=REPORT_COLUMNS)
    quality = quality_flags(obs)
    tables = {"observations.parquet": obs, "narratives.parquet": narr, "proposed_targets.parquet": tg,
              "submissions.parquet": subs, "quality.parquet": quality, "ingest_report.csv": report}
    # what the reports show: the data, the narratives, the proposals and who sent what when
    data_hash = hashlib.sha256(b"".join(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes()
                                        for df in (obs, narr, tg, subs))).hexdigest()
    manifest = {"data_hash": data_hash, "ingested_at": dt.datetime.now().isoformat(timespec="seconds"),
                "raw_dir": str(raw), "forms": len(paths), "sample_units": sorted(subs.unit[subs["sample"]]),
                "files": {}}
    _write_atomic(processed, tables, manifest)
    result = IngestResult(processed, len(paths), sorted(f.unit for f in kept), report, obs, subs, data_hash, lang)
    if strict and (report.status == REJECTED).any():
        raise IngestError(result.summary())
    return result


def load_observations(processed_dir: Path | str | None = None, lang: str = "vi") -> pd.DataFrame:
    """The tidy observations: unit, strategy, indicator, year, numerator, denominator, value, source,
    breakdown (empty = the headline value)."""
    return load_table("observations", processed_dir, lang)


def load_proposed_targets(processed_dir: Path | str | None = None, lang: str = "vi") -> pd.DataFrame:
    """The 2021-2030 targets proposed in the forms: unit, indicator, year, value (and source)."""
    return load_table("proposed_targets", processed_dir, lang)


def load_table(name: str, processed_dir: Path | str | None = None, lang: str = "vi") -> pd.DataFrame:
    """One processed table by name (observations, narratives, proposed_targets, submissions, quality)."""
    from .paths import default_processed_dir

    d = Path(processed_dir) if processed_dir else default_processed_dir()
    path = d / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(t("in_table_missing", lang, path=path, dir=d))
    return pd.read_parquet(path)


def load_manifest(processed_dir: Path | str | None = None, lang: str = "vi") -> dict:
    """What the last ingest wrote: data hash, time, sample units, the hashes of the tables."""
    from .paths import default_processed_dir

    d = Path(processed_dir) if processed_dir else default_processed_dir()
    path = d / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(t("in_table_missing", lang, path=path, dir=d))
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = ["ingest", "load_observations", "load_proposed_targets", "load_table", "load_manifest",
           "read_form", "IngestResult", "IngestError"]

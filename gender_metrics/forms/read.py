"""Read one filled form: a workbook (any format :mod:`.workbook` reads) → records, with an account of
every non-empty cell.

Everything is located by what it says, not where the template put it: sheets by their names (any case,
with or without diacritics, NFC or NFD, a trailing space, a copy's " (2)"), or by their content when
renamed; the header rows by their year and column headers; rows by their key (the hidden column A) or,
when that column is gone, by the indicator code and part label people see; identification fields by
their labels; assessment sections by their keys or labels. A row or column inserted, deleted or moved
moves no value; what cannot be placed is rejected with its cell.

Every non-empty cell is accepted, rejected with a reason (in the run's language, naming the sheet and
cell) or ignored (what the template itself wrote there: labels, keys, headers, titles, instructions; and
sheets that are not part of the form); accepted + rejected + ignored = non-empty cells read. A ``flag``
says why a cell needs a look although its status is settled: a probable fraction (0,42 for 42%) or a
misplaced number (rejected: the value cannot be trusted), a reported value that disagrees with its own
numerator and denominator (accepted: the parts are used, the reported value is kept beside them).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import fmt_number, t
from ..reference import Reference, UnitError
from ..reference import fold as _fold
from . import layout as L
from .parse import clean_text, decimals, parse_date, parse_number, parse_year
from .workbook import NO_VALUE, Cell, read_book

ACCEPTED, REJECTED, IGNORED = "accepted", "rejected", "ignored"
REPORT_COLUMNS = ["file", "unit", "sheet", "cell", "value", "status", "flag", "reason", "expected"]
# why a cell needs a look although its status is settled (the report's ``flag`` column)
PROBABLE_FRACTION, MISPLACED, PARTS_DISAGREE = "probable_fraction", "misplaced", "parts_disagree"
IDENTICAL_SHEET, UNIT_CONFLICT, IMPOSSIBLE_DATE = "identical_sheet", "unit_conflict", "impossible_date"
SUPERSEDED, MERGED = "superseded", "merged"
FLAGS = (PROBABLE_FRACTION, MISPLACED, PARTS_DISAGREE, IDENTICAL_SHEET, UNIT_CONFLICT, IMPOSSIBLE_DATE,
         SUPERSEDED, MERGED)
ROLES = ("help", "ident", "ind", "tgt", "txt")


@functools.lru_cache(maxsize=8192)
def fold(text) -> str:
    """:func:`gender_metrics.reference.fold`, remembered: the same labels come back in every form."""
    return _fold(text)
_KEY_RX = re.compile(r"^[^|\s]+\|(num|den|value)$")   # a row key: "<indicator>|<part>"


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
    blanks: list = field(default_factory=list)       # required cells left blank: (sheet, cell, field, label)
    error: str | None = None
    lang: str = "vi"                                  # language of the reasons
    kind: str = ""                                    # the file's format (xlsx, xls, ods)
    modified: dt.datetime | None = None               # the workbook's own last-saved time
    identified: str | None = None                     # the unit the form names (kept when superseded)
    sheets: dict = field(default_factory=dict)        # role -> the sheet read for it
    mtime: dt.datetime | None = None                  # the file's modification time (UTC)
    merged: list = field(default_factory=list)        # (kind, file, record) taken from an earlier form of the unit
    why: str = ""                                     # why this form was kept over the unit's others

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

    def mark(self, cell: Cell | None, status: str, reason: str = "", flag: str = "", expected: str = "") -> None:
        row = {"file": self.file, "unit": "", "sheet": "", "cell": "", "value": "", "status": status,
               "flag": flag, "reason": reason, "expected": expected}
        if cell is not None:
            row.update(sheet=cell.sheet, cell=cell.ref, value=_show(cell))
        self.report.append(row)

    def scratch(self) -> FormRead:
        """An empty read of the same file and unit, for reading a candidate sheet before choosing it."""
        return FormRead(self.file, self.ref, unit=self.unit, lang=self.lang)

    def absorb(self, other: FormRead) -> None:
        self.report += other.report
        self.parts += other.parts
        self.targets += other.targets
        self.texts += other.texts
        self.blanks += other.blanks


def _show(cell: Cell) -> str:
    v = cell.value
    if v is NO_VALUE or (cell.formula and v is None):
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%d/%m/%Y") if v.time() == dt.time() else v.isoformat()
    if cell.percent and isinstance(v, int | float) and not isinstance(v, bool):
        return f"{v * 100:.10g}%"
    return "" if v is None else str(v)


def _typed(cell: Cell):
    """The value as the officer typed it: a number shown as a percentage (0.352 as 35,2%) is "35.2%"."""
    v = cell.value
    if cell.percent and isinstance(v, int | float) and not isinstance(v, bool):
        return f"{v * 100:.10g}%"
    return v


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _looks_numeric(cell: Cell) -> bool:
    """A number, or text that is only a number ("12", "1.234", "35,2%")."""
    v = cell.value
    if _is_number(v):
        return True
    if isinstance(v, str):
        x, why = parse_number(v, whole=False)
        return why is None and x is not None
    return False


def _text_of(v) -> str:
    """A cell value as text: 439.0 (a code read back as a number) is "439"."""
    if _is_number(v) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, float):
        return f"{v:.10g}"
    return clean_text(v)


def _formula_trouble(out: FormRead, c: Cell) -> bool:
    """Mark a formula that gives no value: without a cached result (rejected), or showing nothing
    (ignored: the cell shows an empty cell, as the officer sees it). True when marked."""
    if not c.formula:
        return False
    if c.value is NO_VALUE:
        out.mark(c, REJECTED, out.t("in_formula_no_value"))
        return True
    if c.value is None or (isinstance(c.value, str) and not c.value.strip()):
        out.mark(c, IGNORED, out.t("in_formula_blank"))
        return True
    return False


# --------------------------------------------------------------------------- the form
def read_form(path: Path, rel: str, lang: str = "vi", *, reference: Reference | None = None) -> FormRead:
    """Read one filled form of ``reference``'s review (default: the default review) into records and
    a per-cell report (nothing is dropped silently); the reasons are written in ``lang``."""
    from ..reference import load_reference

    ref = reference or load_reference()
    out = FormRead(file=rel, ref=ref, lang=lang)
    lay = out.layout
    try:
        book = read_book(Path(path), lang)
    except ValueError as exc:
        out.error = str(exc)
        out.mark(None, REJECTED, str(exc))
        return out
    out.kind, out.modified = book.kind, book.modified
    by_sheet: dict[str, list[Cell]] = {name: [] for name in book.sheets}
    for c in book.cells:
        by_sheet.setdefault(c.sheet, []).append(c)

    roles = assign_roles(lay, by_sheet)
    missing = [getattr(lay, f"sheet_{r}") for r in ("id", "ind") if not roles[r if r != "id" else "ident"]]
    if missing:
        reason = out.t("in_not_a_form", missing=", ".join(map(repr, missing)), found=", ".join(map(repr, book.sheets)))
        out.error = reason
        for c in book.cells:
            out.mark(c, REJECTED, reason)
        if not book.cells:
            out.mark(None, REJECTED, reason)
        return out

    ident_sheet, *other_idents = roles["ident"]
    out.sheets["ident"] = ident_sheet
    _read_ident(out, ident_sheet, by_sheet[ident_sheet])
    for name in other_idents:
        for c in by_sheet[name]:
            out.mark(c, REJECTED, out.t("in_second_ident", name=repr(name), used=repr(ident_sheet)))
    used = {ident_sheet, *other_idents}
    if out.unit is None:
        for name, cells in by_sheet.items():
            if name in used:
                continue
            for c in cells:
                out.mark(c, REJECTED, out.t("in_unit_not_identified", why=out.error),
                         UNIT_CONFLICT if out.ident.get("conflict") else "")
        _set_unit(out)
        return out
    readers = {"help": _read_help, "ind": _read_indicators, "tgt": _read_targets, "txt": _read_texts}
    for role, reader in readers.items():
        names = roles[role]
        used |= set(names)
        _read_role(out, role, names, by_sheet, reader)
    if not roles["tgt"]:
        out.blanks.append((lay.sheet_tgt, "", "sheet", lay.sheet_tgt))
    if not roles["txt"]:
        out.blanks.append((lay.sheet_txt, "", "sheet", lay.sheet_txt))
    for name, cells in by_sheet.items():
        if name not in used:
            for c in cells:
                out.mark(c, IGNORED, out.t("in_sheet_not_in_form", name=repr(name)))
    _set_unit(out)
    return out


def _set_unit(out: FormRead) -> None:
    out.identified = out.unit
    for row in out.report:
        row["unit"] = out.unit or ""


def _read_role(out: FormRead, role: str, names: list[str], by_sheet: dict, reader) -> None:
    """Read the sheet(s) found for a role. One: read it. Several (a copied sheet): the ones without
    any input are unused copies (ignored); one with input is read; two or more with input are all
    rejected, the officer must say which one is current."""
    if not names:
        return
    if len(names) == 1:
        out.sheets[role] = names[0]
        reader(out, names[0], by_sheet[names[0]])
        return
    reads = []
    for name in names:
        part = out.scratch()
        reader(part, name, by_sheet[name])
        reads.append((name, part, sum(r["status"] != IGNORED for r in part.report)))
    with_input = [(n, p) for n, p, k in reads if k]
    if len(with_input) <= 1:
        chosen = with_input[0][0] if with_input else names[0]
        for name, part, _ in reads:
            if name == chosen:
                out.sheets[role] = name
                out.absorb(part)
            else:
                for c in by_sheet[name]:
                    out.mark(c, IGNORED, out.t("in_unused_copy", name=repr(name), used=repr(chosen)))
        return
    listed = ", ".join(repr(n) for n, _ in with_input)
    for _name, part, _ in reads:
        for row in part.report:
            if row["status"] != IGNORED:
                row.update(status=REJECTED, flag="", reason=out.t("in_sheet_copies", sheets=listed))
        out.report += part.report


# --------------------------------------------------------------------------- sheets by name or content
_COPY = re.compile(r"\s*(\(\d+\)|_\d+)\s*$")


def sheet_key(name: str) -> str:
    """A sheet name as compared: folded (case, diacritics, NFC/NFD, spaces), a copy's " (2)" removed."""
    return fold(_COPY.sub("", clean_text(name)))


def assign_roles(lay: L.Layout, by_sheet: dict[str, list[Cell]]) -> dict[str, list[str]]:
    """The sheet(s) of each role: by name first; sheets whose name matches no role, by their content."""
    want = {sheet_key(lay.sheet_help): "help", sheet_key(lay.sheet_id): "ident", sheet_key(lay.sheet_ind): "ind",
            sheet_key(lay.sheet_tgt): "tgt", sheet_key(lay.sheet_txt): "txt"}
    roles: dict[str, list[str]] = {r: [] for r in ROLES}
    unnamed = []
    for name in by_sheet:
        role = want.get(sheet_key(name))
        (roles[role].append(name) if role else unnamed.append(name))
    for name in unnamed:
        role = _role_by_content(lay, by_sheet[name])
        if role:
            roles[role].append(name)
    return roles


def _role_by_content(lay: L.Layout, cells: list[Cell]) -> str | None:
    texts = [fold(c.value) for c in cells if isinstance(c.value, str)]
    if sum(_KEY_RX.match(clean_text(c.value)) is not None for c in cells if isinstance(c.value, str)) >= 3:
        return "ind"
    proposals = {fold(L.PROPOSAL_HEADER.format(year=y)) for y in lay.target_years}
    if any(x in proposals for x in texts):
        return "tgt"
    labels = {fold(lbl) for _, _, lbl in L.ID_FIELDS} | {fold(_short(lbl)) for _, _, lbl in L.ID_FIELDS}
    if sum(x in labels for x in texts) >= 3:
        return "ident"
    keys, section_labels = {k for k, _ in L.SECTIONS}, {fold(v) for _, v in L.SECTIONS}
    if sum(c.value.strip() in keys or fold(c.value) in section_labels
           for c in cells if isinstance(c.value, str)) >= 3:
        return "txt"
    return None


def _short(label: str) -> str:
    return re.sub(r"\s*\(.*\)\s*$", "", label)


# --------------------------------------------------------------------------- identification
def _read_ident(out: FormRead, sheet: str, cells: list[Cell]) -> None:
    aliases = {}
    for _, key, label in L.ID_FIELDS:
        aliases[fold(label)] = key
        aliases[fold(_short(label))] = key
    grid: dict[int, list[Cell]] = {}
    for c in cells:
        grid.setdefault(c.row, []).append(c)
    labels: dict[str, Cell] = {}
    found: dict[str, Cell] = {}
    placed: set[str] = set()
    for row in sorted(grid):
        line = sorted(grid[row], key=lambda c: c.col)
        label_i = next((i for i, c in enumerate(line) if isinstance(c.value, str) and fold(c.value) in aliases), None)
        if label_i is None:
            continue
        lab = line[label_i]
        key = aliases[fold(lab.value)]
        out.mark(lab, IGNORED, out.t("in_label"))
        placed.add(lab.ref)
        rest = line[label_i + 1:]
        if key in labels:   # the same field labelled twice: the first one is read
            for c in rest:
                out.mark(c, REJECTED, out.t("in_field_twice", label=repr(lab.value), first=labels[key].ref))
                placed.add(c.ref)
            continue
        labels[key] = lab
        if rest:
            found[key] = rest[0]
            placed.add(rest[0].ref)
            for c in rest[1:]:
                out.mark(c, REJECTED, out.t("in_outside_ident"))
                placed.add(c.ref)
    first_label_row = min((c.row for c in labels.values()), default=0)
    for c in cells:
        if c.ref in placed:
            continue
        if isinstance(c.value, str) and c.row < first_label_row and fold(c.value) == fold(L.ID_TITLE):
            out.mark(c, IGNORED, out.t("in_label"))
        else:
            out.mark(c, REJECTED, out.t("in_outside_ident"))
    for key, c in list(found.items()):
        if _formula_trouble(out, c):
            del found[key]

    code_cell, name_cell = found.get("code"), found.get("name")
    resolved: dict[str, str | UnitError] = {}
    for key, cell in (("code", code_cell), ("name", name_cell)):
        if cell is not None:
            try:
                resolved[key] = out.ref.units.resolve(_text_of(cell.value))
            except UnitError as exc:
                resolved[key] = exc
    code_u, name_u = resolved.get("code"), resolved.get("name")
    if isinstance(code_u, str) and isinstance(name_u, str) and code_u != name_u:
        # a form forwarded from another unit, its name retyped: whose data is this? neither is assumed
        out.error = out.t("in_unit_conflict", code=_text_of(code_cell.value), code_ref=code_cell.ref,
                          code_unit=out.who(code_u), name=repr(_text_of(name_cell.value)), name_ref=name_cell.ref,
                          name_unit=out.who(name_u))
        out.ident["conflict"] = True
        for c in found.values():
            out.mark(c, REJECTED, out.error, UNIT_CONFLICT, out.t("exp_same_unit"))
        return
    unit = code_u if isinstance(code_u, str) else name_u if isinstance(name_u, str) else None
    if unit is None:
        first = next((v for v in (code_u, name_u) if isinstance(v, UnitError)), None)
        cell = code_cell if isinstance(code_u, UnitError) else name_cell
        out.error = (f"{sheet}!{cell.ref}: {first.text(out.lang)}" if first is not None
                     else out.t("in_ident_empty", sheet=sheet, labels=", ".join(
                         repr(lbl) for _, k, lbl in L.ID_FIELDS if k in ("code", "name"))))
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
    review = out.ref.review
    for key, c in found.items():
        if key == "submitted":
            d, why = parse_date(c.value, out.lang)
            if why:
                out.mark(c, REJECTED, out.t("in_timeliness_unknown", why=why), "", _expect_date(out))
                continue
            first, last = review.form_dates[0], min(review.form_dates[1], dt.date.today())
            if not first <= d <= last:
                why = out.t("in_date_before" if d < first else "in_date_after", date=f"{d:%d/%m/%Y}",
                            limit=f"{(first if d < first else last):%d/%m/%Y}")
                out.mark(c, REJECTED, out.t("in_timeliness_unknown", why=why), IMPOSSIBLE_DATE, _expect_date(out))
                continue
            out.ident[key] = d
        elif key == "code" and isinstance(code_u, UnitError):
            problem = f"{sheet}!{c.ref}: {code_u.text(out.lang)}"
            out.mark(c, REJECTED, out.t("in_code_problem", problem=problem, name_ref=name_cell.ref))
            continue
        elif key == "name" and isinstance(name_u, UnitError):
            out.mark(c, REJECTED, out.t("in_name_problem", problem=name_u.text(out.lang), unit=out.who(unit),
                                        code_ref=code_cell.ref))
            continue
        elif key in ("code", "name"):
            out.ident[key] = unit if key == "code" else clean_text(c.value)
        else:
            out.ident[key] = _text_of(c.value)
        out.mark(c, ACCEPTED)
    label_of = {k: lbl for _, k, lbl in L.ID_FIELDS}
    for key in L.ID_INPUTS:
        if key not in out.ident:
            lab = labels.get(key)
            where = _right_of(lab) if lab is not None else ""
            if key not in found:   # blank (a typed value that was rejected is in the report already)
                out.blanks.append((sheet, where, key, label_of[key]))
    out.ident["sample"] = fold(out.ident.get("data_kind", "")) == fold(L.SAMPLE_LABEL)


def _right_of(c: Cell) -> str:
    from .workbook import ref_of

    return ref_of(c.row, c.col + 1)


def _expect_date(out: FormRead) -> str:
    first, last = out.ref.review.form_dates
    return out.t("exp_date", first=f"{first:%d/%m/%Y}", last=f"{min(last, dt.date.today()):%d/%m/%Y}")


# --------------------------------------------------------------------------- indicator sheet
def _header_row(cells: list[Cell], score) -> int | None:
    """The row whose cells score highest (year or column headers); the first of equals."""
    counts: dict[int, int] = {}
    for c in cells:
        if score(c):
            counts[c.row] = counts.get(c.row, 0) + 1
    if not counts:
        return None
    best = max(counts.values())
    return min(r for r, n in counts.items() if n == best)


def _column_by_content(cells: list[Cell], header_row: int, test, exclude=()) -> int | None:
    counts: dict[int, int] = {}
    for c in cells:
        if c.row > header_row and c.col not in exclude and test(c):
            counts[c.col] = counts.get(c.col, 0) + 1
    return max(counts, key=lambda k: (counts[k], -k)) if counts else None


def _part_of_label(text) -> str | None:
    if not isinstance(text, str):
        return None
    f = fold(text)
    for part, label in L.PART_LABELS.items():
        if f == fold(label) or f.startswith(fold(label) + " "):
            return part
    return None


def _same_label(value, template: str) -> bool:
    """A label cell still says what the template wrote (or its beginning: "Tử số" for "Tử số: ...")."""
    if _is_number(value):
        return _text_of(value) == template
    f, tf = fold(value), fold(template)
    return bool(f) and (f == tf or tf.startswith(f))


def _read_indicators(out: FormRead, sheet: str, cells: list[Cell]) -> None:
    lay = out.layout
    cat = out.ref.info
    rows_of_unit = lay.indicator_rows(out.unit)
    keys = {fr.key: fr for fr in rows_of_unit}
    labels = lay.row_labels(out.unit)
    years = set(lay.years)
    header_row = _header_row(cells, lambda c: parse_year(c.value, years) is not None)
    if header_row is None:
        _without_header(out, cells, "in_no_year_header")
        return
    # what each column is, from its header
    role: dict[int, tuple] = {}
    headers = {fold(v): k for k, v in L.IND_HEADERS.items()}
    for c in cells:
        if c.row != header_row:
            continue
        y = parse_year(c.value, years)
        if y is not None:
            role[c.col] = ("year", y)
        elif isinstance(c.value, str) and fold(c.value) in headers:
            role[c.col] = (headers[fold(c.value)],)
        elif isinstance(c.value, str) and (fold(c.value) == fold(L.NOTE_HEADER) or fold(c.value).startswith("nguon")
                                           or "ghi chu" in fold(c.value)):
            role[c.col] = ("note",)
    # the key, code and part columns also by their content (a header changed or deleted)
    key_col = _column_by_content(cells, header_row, lambda c: isinstance(c.value, str) and bool(_KEY_RX.match(c.value.strip())))
    for col, r in list(role.items()):
        if r == ("key",) and col != key_col and key_col is not None:
            del role[col]
    if key_col is not None:
        role[key_col] = ("key",)
    if not any(r == ("code",) for r in role.values()):
        col = _column_by_content(cells, header_row, lambda c: _text_of(c.value) in cat, exclude=(key_col,))
        if col is not None and col not in role:
            role[col] = ("code",)
    if not any(r == ("part",) for r in role.values()):
        col = _column_by_content(cells, header_row, lambda c: _part_of_label(c.value) is not None)
        if col is not None and col not in role:
            role[col] = ("part",)
    col_of = {r[0]: col for col, r in role.items() if r[0] != "year"}
    year_cols = sorted(col for col, r in role.items() if r[0] == "year")
    first_year_col = year_cols[0] if year_cols else None
    last_year_col = year_cols[-1] if year_cols else None
    note_col = col_of.get("note")
    header_of = {c.col: c.value for c in cells if c.row == header_row}

    # what each row is: its key, else its visible code and part
    by_row: dict[int, dict[int, Cell]] = {}
    for c in cells:
        by_row.setdefault(c.row, {})[c.col] = c
    row_key: dict[int, str | None] = {}
    for r, line in by_row.items():
        if r <= header_row:
            continue
        k = line.get(key_col)
        if k is not None and isinstance(k.value, str) and k.value.strip():
            row_key[r] = clean_text(k.value)
            continue
        code = line.get(col_of.get("code"))
        part = _part_of_label(line[col_of["part"]].value) if col_of.get("part") in line else None
        ind = _text_of(code.value) if code is not None else None
        if ind in cat and part is None and cat[ind]["kind"] == "value":
            part = "value"
        row_key[r] = f"{ind}|{part}" if ind in cat and part else None

    sheet_name = sheet
    pending: dict[tuple[str, int, str], dict] = {}
    repeated: dict[tuple[str, int, str], list[Cell]] = {}
    note_numbers: dict[int, Cell] = {}
    label_numbers: dict[int, Cell] = {}
    for c in cells:
        if c.row < header_row:
            _above_table(out, c, (L.IND_TITLE, L.IND_NOTE))
            continue
        if c.row == header_row:
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = row_key.get(c.row)
        r = role.get(c.col)
        if c.col == key_col:
            if key in keys:
                out.mark(c, IGNORED, out.t("in_row_key"))
            else:
                out.mark(c, REJECTED, out.t("in_row_not_in_template", key=repr(key), unit=out.who(out.unit)))
            continue
        if key not in keys:
            if r is not None and r[0] in ("code", "name", "part", "unit") and not _looks_numeric(c) \
                    and key is None and not any(rr and rr[0] in ("year", "note") and col in by_row[c.row]
                                                for col, rr in role.items()):
                # a line of text under the table with no value in it (a footnote, a signature)
                out.mark(c, IGNORED, out.t("in_title"))
                continue
            ind = (key or "").split("|")[0]
            why = (out.t("in_indicator_not_of_unit", indicator=ind, unit=out.who(out.unit)) if ind in cat
                   else out.t("in_row_no_key"))
            out.mark(c, REJECTED, why)
            continue
        fr = keys[key]
        if r is not None and r[0] in ("code", "name", "part", "unit"):
            template = labels[key][r[0]]
            if _looks_numeric(c) and not (r[0] == "code" and _text_of(c.value) == template):
                if r[0] == "unit" or c.col == (first_year_col or 0) - 1:
                    label_numbers[c.row] = c
                out.mark(c, REJECTED, out.t("in_number_in_label", raw=repr(_show(c)),
                                            header=repr(header_of.get(c.col))), MISPLACED, out.t("exp_in_year_col"))
            elif c.value is None or _same_label(c.value, template):
                out.mark(c, IGNORED, out.t("in_label"))
            else:   # a note written beside the label, or the label retyped: kept as a note
                out.texts.append(("indicator_note", fr.indicator, _text_of(c.value), f"{sheet_name}!{c.ref}"))
                out.mark(c, ACCEPTED, out.t("in_note_in_label"))
            continue
        if r == ("note",):
            if _formula_trouble(out, c):
                continue
            if _looks_numeric(c):
                note_numbers[c.row] = c
                out.mark(c, REJECTED, out.t("in_number_in_notes", raw=repr(_show(c))), MISPLACED,
                         out.t("exp_in_year_col"))
                continue
            out.texts.append(("indicator_note", fr.indicator, _text_of(c.value), f"{sheet_name}!{c.ref}"))
            out.mark(c, ACCEPTED, out.t("in_note"))
            continue
        if r is None or r[0] != "year":
            if note_col is not None and c.col > note_col and c.col not in header_of:
                out.mark(c, REJECTED, out.t("in_after_note_col"))
            else:
                out.mark(c, REJECTED, out.rt("in_header_not_year", header=repr(header_of.get(c.col))))
            continue
        year = r[1]
        if _formula_trouble(out, c):
            continue
        ind = cat[fr.indicator]
        whole = fr.part in ("num", "den")
        x, why = parse_number(_typed(c), whole=whole, lang=out.lang)
        if why:
            out.mark(c, REJECTED, out.t("in_cell_context", why=why, part=out.t(f"part_{fr.part}"),
                                        indicator=fr.indicator, year=year), "", _expect_part(out, fr.part))
            continue
        if fr.part == "value" and ind["unit"] == "%" and ind["kind"] != "value" and x > 100:
            out.mark(c, REJECTED, out.t("in_percent_above_100", raw=_show(c) if c.percent else _text_of(_typed(c)),
                                        indicator=fr.indicator, year=year), "", _expect_part(out, "value"))
            continue
        k = (fr.indicator, year, fr.part)
        if k in pending or k in repeated:   # a repeated row key or year column: two cells, one slot
            repeated.setdefault(k, [pending.pop(k)["cell"]] if k in pending else []).append(c)
            continue
        pending[k] = {"cell": c, "x": x, "row": c.row}
    for (ind_id, year, part), dup in repeated.items():
        why = out.t("in_repeated", n=len(dup), refs=", ".join(d.ref for d in dup), part=out.t(f"part_{part}"),
                    indicator=ind_id, year=year)
        for d in dup:
            out.mark(d, REJECTED, why)
    _shifted_rows(out, pending, by_row, note_numbers, label_numbers, first_year_col, last_year_col)
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
    _fractions(out, pending)
    flags = _disagreements(out, pending)
    for (ind_id, year, part), item in pending.items():
        out.parts.append((ind_id, part, year, item["x"], f"{sheet_name}!{item['cell'].ref}"))
        reason, flag, expected = flags.get((ind_id, year, part), ("", "", ""))
        out.mark(item["cell"], ACCEPTED, reason, flag, expected)
    col_of_year: dict[int, int] = {}
    for col in year_cols:
        col_of_year.setdefault(role[col][1], col)
    _blank_slots(out, sheet_name, pending, rows_of_unit, col_of_year, row_key)


def _above_table(out: FormRead, c: Cell, templates: tuple[str, ...]) -> None:
    """A cell above the header row: the template's title or note (a label), another text (a title an
    officer added: ignored, said so), a number or date (rejected: a value outside the table)."""
    if _is_number(c.value) or isinstance(c.value, dt.date):
        out.mark(c, REJECTED, out.t("in_above_table"), MISPLACED)
    elif any(fold(c.value).startswith(fold(tpl.split("{")[0])) for tpl in templates):
        out.mark(c, IGNORED, out.t("in_label"))
    else:
        out.mark(c, IGNORED, out.t("in_title"))


def _fmt(x: float) -> str:
    return f"{x:g}"


def _expect_part(out: FormRead, part: str) -> str:
    return out.t("exp_count" if part in ("num", "den") else "exp_decimal")


def _shifted_rows(out, pending, by_row, note_numbers, label_numbers, first_col, last_col) -> None:
    """Numbers pasted one column late (a number in the notes column, the last year filled, nothing
    under the first year) or one column early (a number in the column before the years, the first year
    filled, nothing under the last year): every value of the row is in the wrong year; none is used."""
    shifts = [(r, c, first_col, last_col, "in_row_shifted_right") for r, c in note_numbers.items()] + \
             [(r, c, last_col, first_col, "in_row_shifted_left") for r, c in label_numbers.items()]
    for row, cell, empty_col, full_col, key in shifts:
        line = by_row.get(row, {})
        if empty_col is None or empty_col in line or full_col not in line:
            continue
        for k, item in list(pending.items()):
            if item["row"] == row:
                out.mark(pending.pop(k)["cell"], REJECTED, out.t(key, ref=cell.ref), MISPLACED, out.t("exp_retype_row"))


def _fractions(out: FormRead, pending: dict) -> None:
    """A share typed as a fraction (0,42 for 42%) is 100 times too small: a value in (0, 1] of a
    percentage indicator, not typed with a % sign, is rejected when its own numerator and denominator,
    the other years of its row, or the indicator's targets say the scale is 0-100."""
    info, targets = out.ref.info, out.ref.judged_targets
    for (ind_id, year, part), item in list(pending.items()):
        ind = info[ind_id]
        c, x = item["cell"], item["x"]
        if part != "value" or ind["unit"] != "%" or not 0 < x <= 1 or "%" in str(_typed(c)):
            continue
        num, den = pending.get((ind_id, year, "num")), pending.get((ind_id, year, "den"))
        factor = ind.get("factor")
        if num is not None and den is not None and den["x"] > 0 and factor == factor and factor:
            derived = factor * num["x"] / den["x"]
            if abs(x - derived) <= _tolerance(c.value):
                continue
            fraction = abs(100 * x - derived) <= 100 * _tolerance(c.value) + 0.5
        else:
            # the other years of the row on the 0-100 scale: is 100x nearer their magnitude than x?
            big = sorted(it["x"] for (i, y, p), it in pending.items() if i == ind_id and p == "value" and y != year
                         and it["x"] > 1)
            if big:
                m = big[len(big) // 2]
                fraction = abs(math.log(100 * x / m)) < abs(math.log(x / m))
            else:
                tv = targets.value[targets.id == ind_id]
                fraction = len(tv) > 0 and bool((tv >= 5).all())
        if fraction:
            del pending[(ind_id, year, part)]
            pct = _pct(out, x)
            out.mark(c, REJECTED, out.t("in_probable_fraction", raw=_num(out, c.value), pct=pct, indicator=ind_id,
                                        year=year), PROBABLE_FRACTION, pct)


def _num(out: FormRead, v) -> str:
    """A typed value in a reason: a number the run's language's way (0,47 in Vietnamese), text as typed."""
    if _is_number(v):
        return fmt_number(v, decimals(v), out.lang)
    return _text_of(v)


def _pct(out: FormRead, x: float) -> str:
    """100 × a fraction, with the decimals it needs, the way the run's language writes numbers."""
    return fmt_number(100 * x, max(decimals(x) - 2, 0), out.lang)


def _tolerance(raw) -> float:
    """Half a unit of the last decimal the typed value shows: 35,2 stands for 35,15 to 35,25."""
    return 0.5 * 10 ** -decimals(raw) + 1e-9


def _disagreements(out: FormRead, pending: dict) -> dict:
    """A reported value that disagrees with its own numerator and denominator beyond rounding: kept
    (as the reported value), flagged; the value from the parts is the one used."""
    info = out.ref.info
    flags = {}
    for (ind_id, year, part), item in pending.items():
        if part != "value":
            continue
        num, den = pending.get((ind_id, year, "num")), pending.get((ind_id, year, "den"))
        factor = info[ind_id].get("factor")
        if num is None or den is None or den["x"] <= 0 or not factor or factor != factor:
            continue
        derived = factor * num["x"] / den["x"]
        if abs(item["x"] - derived) > _tolerance(item["cell"].value):
            flags[(ind_id, year, part)] = (
                out.t("in_parts_disagree", raw=_num(out, _typed(item["cell"])), num=_fmt(num["x"]),
                      num_ref=num["cell"].ref, den=_fmt(den["x"]), den_ref=den["cell"].ref,
                      derived=fmt_number(derived, 2, out.lang), indicator=ind_id, year=year),
                PARTS_DISAGREE, fmt_number(derived, 1, out.lang))
    return flags


def _blank_slots(out, sheet, pending, rows_of_unit, col_of_year, row_key) -> None:
    """The indicator-years the form expects and that have no value (neither both parts nor a reported
    value; a typed cell that was rejected is in the report already): listed for the feedback."""
    from .workbook import ref_of

    info, years = out.ref.info, out.layout.years
    rows: dict[str, int] = {}
    for r, k in sorted(row_key.items()):
        if k:
            rows.setdefault(k, r)
    rejected = {r["cell"] for r in out.report if r["sheet"] == sheet and r["status"] == REJECTED}
    have: dict[tuple[str, int], set] = {}
    for ind, year, part in pending:
        have.setdefault((ind, year), set()).add(part)
    for ind_id in dict.fromkeys(fr.indicator for fr in rows_of_unit):
        terms = [y for y in info[ind_id]["election_years"] if y in years]
        for year in terms or years:
            p = have.get((ind_id, year), set())
            if "value" in p or {"num", "den"} <= p:
                continue
            col = col_of_year.get(year)
            refs = [ref_of(r, col) for r in (rows.get(f"{ind_id}|{part}") for part in out.layout.parts(info[ind_id]["kind"]))
                    if r is not None and col is not None]
            if any(r in rejected for r in refs):
                continue
            out.blanks.append((sheet, ":".join(dict.fromkeys(refs[:1] + refs[-1:])), "indicator", f"{ind_id}|{year}"))


# --------------------------------------------------------------------------- targets sheet
_NEXT: dict[int, dict] = {}


def _next_info(ref: Reference) -> dict[str, dict]:
    """The next strategy's indicators as plain dicts (id -> fields), once per loaded reference."""
    got = _NEXT.get(id(ref))
    if got is None or got[0] is not ref:
        got = _NEXT[id(ref)] = (ref, {i: r for i, r in ref.next.to_dict("index").items()})
    return got[1]


def _read_targets(out: FormRead, sheet: str, cells: list[Cell]) -> None:
    lay = out.layout
    nxt = _next_info(out.ref)
    ids = set(lay.indicators_for(out.unit, out.ref.review.feasibility_strategy).id)
    tyears = set(lay.target_years)
    national_h = {fold(L.NATIONAL_HEADER.format(year=y)): y for y in tyears}
    proposal_h = {fold(L.PROPOSAL_HEADER.format(year=y)): y for y in tyears}

    def header_role(v):
        if not isinstance(v, str):
            return None
        f = re.sub(r"\bnam (\d{4})$", r"\1", fold(v))
        if f in proposal_h:
            return ("proposal", proposal_h[f])
        if f in national_h:
            return ("national", national_h[f])
        if f == fold(L.TGT_NOTE_HEADER) or "ghi chu" in f:
            return ("note",)
        for k, text in L.TGT_HEADERS.items():
            if f == fold(text):
                return (k,)
        return None

    header_row = _header_row(cells, lambda c: (header_role(c.value) or ("",))[0] in ("proposal", "national"))
    if header_row is None:
        _without_header(out, cells, "in_no_proposal_header")
        return
    role = {c.col: header_role(c.value) for c in cells if c.row == header_row and header_role(c.value)}
    key_col = _column_by_content(cells, header_row, lambda c: _text_of(c.value) in nxt
                                 and c.col not in [k for k, r in role.items() if r[0] == "code"])
    key_col = next((k for k, r in role.items() if r == ("key",)), key_col)
    code_col = next((k for k, r in role.items() if r == ("code",)), None)
    if key_col is not None:
        role[key_col] = ("key",)
    by_row: dict[int, dict[int, Cell]] = {}
    for c in cells:
        by_row.setdefault(c.row, {})[c.col] = c
    row_key = {}
    for r, line in by_row.items():
        if r <= header_row:
            continue
        for col in (key_col, code_col):
            if col in line and _text_of(line[col].value) in nxt:
                row_key[r] = _text_of(line[col].value)
                break
    header_of = {c.col: c.value for c in cells if c.row == header_row}
    nat = lay.national_texts
    pending: dict[tuple[str, int], dict] = {}
    for c in cells:
        if c.row < header_row:
            _above_table(out, c, (L.TGT_TITLE, L.TGT_NOTE))
            continue
        if c.row == header_row:
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        key = row_key.get(c.row)
        r = role.get(c.col)
        if r == ("key",):
            out.mark(c, IGNORED if key in ids else REJECTED,
                     out.t("in_row_key") if key in ids else out.rt("in_target_not_of_unit", key=repr(_text_of(c.value)),
                                                                   unit=out.who(out.unit)))
            continue
        if key not in ids:
            if key is None and not _looks_numeric(c) and r is not None and r[0] in ("code", "name", "unit"):
                out.mark(c, IGNORED, out.t("in_title"))
                continue
            out.mark(c, REJECTED, out.rt("in_target_row_no_key"))
            continue
        if r is not None and r[0] in ("code", "name", "unit", "national"):
            template = {"code": key, "name": nxt[key]["name_vi"], "unit": nxt[key]["unit_vi"]}.get(
                r[0], nat.get((key, r[1])) if r[0] == "national" else "")
            if template and _same_label(c.value, template):   # the form's own text ("100%" is a target, not a number)
                out.mark(c, IGNORED, out.t("in_label"))
            elif _looks_numeric(c) and not (r[0] == "code" and _text_of(c.value) == key):
                out.mark(c, REJECTED, out.t("in_number_in_label", raw=repr(_show(c)), header=repr(header_of.get(c.col))),
                         MISPLACED, out.t("exp_in_proposal_col"))
            else:
                out.texts.append(("target_note", key, _text_of(c.value), f"{sheet}!{c.ref}"))
                out.mark(c, ACCEPTED, out.t("in_note_in_label"))
            continue
        if r == ("note",):
            if _formula_trouble(out, c):
                continue
            if _looks_numeric(c):
                out.mark(c, REJECTED, out.t("in_number_in_notes", raw=repr(_show(c))), MISPLACED,
                         out.t("exp_in_proposal_col"))
                continue
            out.texts.append(("target_note", key, _text_of(c.value), f"{sheet}!{c.ref}"))
            out.mark(c, ACCEPTED, out.t("in_note"))
            continue
        if r is None or r[0] != "proposal":
            out.mark(c, REJECTED, out.t("in_outside_columns"))
            continue
        year = r[1]
        if _formula_trouble(out, c):
            continue
        x, why = parse_number(_typed(c), whole=False, lang=out.lang)
        if why:
            out.mark(c, REJECTED, out.t("in_target_context", why=why, year=year, indicator=key), "",
                     out.t("exp_decimal"))
            continue
        if nxt[key]["unit"] == "%" and x > 100:
            out.mark(c, REJECTED, out.t("in_target_above_100", raw=_text_of(_typed(c)), year=year, indicator=key),
                     "", out.t("exp_decimal"))
            continue
        if (key, year) in pending:
            first = pending.pop((key, year))["cell"]
            why = out.t("in_target_repeated", refs=f"{first.ref}, {c.ref}", year=year, indicator=key)
            out.mark(first, REJECTED, why)
            out.mark(c, REJECTED, why)
            continue
        pending[(key, year)] = {"cell": c, "x": x}
    targets = out.ref.next_targets
    for (key, year), item in list(pending.items()):
        c, x = item["cell"], item["x"]
        if nxt[key]["unit"] != "%" or not 0 < x <= 1 or "%" in str(_typed(c)):
            continue
        others = [it["x"] for (k, y), it in pending.items() if k == key and y != year]
        tv = targets.value[(targets.id == key) & (targets.year == year)]
        if (others and max(others) > 1) or (not others and len(tv) and bool((tv >= 5).all())):
            del pending[(key, year)]
            pct = _pct(out, x)
            out.mark(c, REJECTED, out.t("in_target_fraction", raw=_num(out, c.value), pct=pct, indicator=key, year=year),
                     PROBABLE_FRACTION, pct)
    for (key, year), item in pending.items():
        out.targets.append((key, year, item["x"], f"{sheet}!{item['cell'].ref}"))
        out.mark(item["cell"], ACCEPTED)


# --------------------------------------------------------------------------- assessment sheet
def _read_texts(out: FormRead, sheet: str, cells: list[Cell]) -> None:
    sections = dict(L.SECTIONS)
    by_label = {fold(v): k for k, v in L.SECTIONS}
    key_col = _column_by_content(cells, 0, lambda c: isinstance(c.value, str) and c.value.strip() in sections)
    label_col = _column_by_content(cells, 0, lambda c: isinstance(c.value, str) and fold(c.value) in by_label)
    headers = {fold(v) for v in L.TXT_HEADERS.values()}
    title = fold(L.TXT_TITLE.split("{")[0])
    row_sec: dict[int, str] = {}
    bad_key: dict[int, str] = {}
    for c in cells:
        if c.col == key_col and isinstance(c.value, str) and c.value.strip():
            k = c.value.strip()
            if k in sections:
                row_sec.setdefault(c.row, k)
            elif fold(k) not in headers:
                bad_key[c.row] = k
    for c in cells:
        if c.col == label_col and isinstance(c.value, str) and fold(c.value) in by_label:
            row_sec.setdefault(c.row, by_label[fold(c.value)])
    for c in cells:
        sec = row_sec.get(c.row)
        if c.col == key_col and isinstance(c.value, str) and c.row in bad_key:
            out.mark(c, REJECTED, out.t("in_unknown_section", key=repr(bad_key[c.row])))
            continue
        if sec is None:
            f = fold(c.value) if isinstance(c.value, str) else None
            if f is not None and (f in headers or f.startswith(title) or f == fold(L.TXT_NOTE)):
                out.mark(c, IGNORED, out.t("in_label"))
            elif _formula_trouble(out, c):
                pass
            else:
                out.mark(c, REJECTED, out.t("in_outside_sections"))
            continue
        if c.col == key_col and isinstance(c.value, str) and c.value.strip() == sec:
            out.mark(c, IGNORED, out.t("in_row_key"))
            continue
        if isinstance(c.value, str) and fold(c.value) == fold(sections[sec]):
            out.mark(c, IGNORED, out.t("in_label"))
            continue
        if _formula_trouble(out, c):
            continue
        out.texts.append((sec, None, _text_of(c.value) if not isinstance(c.value, dt.date) else _show(c),
                          f"{sheet}!{c.ref}"))
        out.mark(c, ACCEPTED, "" if c.col == L.TEXT_COL or label_col is None or c.col == label_col + 1
                 else out.t("in_text_elsewhere"))


def _without_header(out: FormRead, cells: list, reason: str) -> None:
    """A table sheet whose header row cannot be found: its words are labels, its numbers cannot be placed."""
    for c in cells:
        if isinstance(c.value, str) and not _looks_numeric(c):
            out.mark(c, IGNORED, out.t("in_label"))
        else:
            out.mark(c, REJECTED, out.rt(reason))


def _read_help(out: FormRead, sheet: str, cells: list[Cell]) -> None:
    for c in cells:
        if isinstance(c.value, str):
            out.mark(c, IGNORED, out.t("in_instructions"))
        else:
            out.mark(c, REJECTED, out.t("in_value_in_help"))

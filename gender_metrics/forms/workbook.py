"""A workbook → its sheets and non-empty cells, one reader per file format; the form logic above it
never depends on the format.

| format | reader | what each cell keeps |
|---|---|---|
| .xlsx, .xlsm (Excel 2007+, also as LibreOffice or WPS save it) | openpyxl, read-only | value, number format (a percentage?), formula and its cached value |
| .xls (Excel 97-2003) | xlrd | value (dates as dates), number format; a formula's cached result, not the formula |
| .ods (LibreOffice, OpenDocument) | odfpy | value, value type (a percentage?), formula and its cached value |

A cell shown as a percentage keeps that fact (Excel and LibreOffice store a typed 35,2% as 0.352), so no
format loses the scale. A formula whose cached result is empty (``=IFERROR(...;"")``) is kept as a
formula that shows nothing; one without any cached result (written by a script, never calculated) as a
formula without a value.

Reading is bounded by what the sheet holds, not by how far it is formatted: a sheet formatted down to
row 1,048,576 is first scanned as raw XML for its last cell that holds anything (a fast byte search),
and parsed only down to that row.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..i18n import t

XLSX, XLS, ODS = "xlsx", "xls", "ods"
FORMATS = (XLSX, XLS, ODS)
SUFFIXES = {".xlsx": XLSX, ".xlsm": XLSX, ".xls": XLS, ".ods": ODS}
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
NO_VALUE = object()     # the cached value of a formula that was never calculated


@dataclass
class Cell:
    """One non-empty cell: its place, its value (a formula's cached result), and how it is shown."""

    sheet: str
    ref: str
    row: int
    col: int
    value: object
    formula: bool = False   # a formula: ``value`` is its cached result (None: shows nothing; NO_VALUE: none)
    percent: bool = False   # a number shown as a percentage (stored 0.352, shown 35,2%)


@dataclass
class Book:
    """What a reader gives: the format, the sheet names in order, every non-empty cell."""

    kind: str
    sheets: list[str]
    cells: list[Cell]
    modified: dt.datetime | None = None                     # the workbook's own last-saved time, if recorded
    scanned: dict[str, int] = field(default_factory=dict)   # per sheet, the rows parsed (xlsx)


def ref_of(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter  # here: a report kernel imports this module, not openpyxl

    return f"{get_column_letter(col)}{row}"


# --------------------------------------------------------------------------- number formats
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


@lru_cache(maxsize=256)
def percent_format(fmt: str | None) -> bool:
    """Whether a number format scales by 100 and shows a percent sign: ``0.0%`` does; ``0.0"%"`` and
    ``0.0\\%`` only print a literal sign after the number as stored. The first section (positive
    numbers) decides."""
    if not fmt:
        return False
    body = _QUOTED.sub("", str(fmt)).split(";")[0]
    return "%" in body


# --------------------------------------------------------------------------- which format is this file
def sniff(path: Path, lang: str = "vi") -> str:
    """The format of a file from its bytes (the name may lie); ValueError with a plain reason otherwise."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                mime = z.read("mimetype").strip() if "mimetype" in names else b""
        except Exception as exc:  # noqa: BLE001 - a damaged package raises almost anything
            raise ValueError(t("in_corrupt_open", lang, error=f"{type(exc).__name__}: {exc}")) from exc
        if mime == ODS_MIME:
            return ODS
        if "xl/workbook.bin" in names:
            raise ValueError(t("in_xlsb", lang))
        if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
            return XLSX
        if any(n.startswith("word/") for n in names) or mime.startswith(b"application/vnd.oasis.opendocument.text"):
            raise ValueError(t("in_word_document", lang))
        suffix = Path(path).suffix.lower()
        if suffix not in SUFFIXES:
            raise ValueError(t("in_not_a_form_file", lang, suffix=suffix or repr(Path(path).name)))
        raise ValueError(t("in_not_zip", lang))
    if head.startswith(OLE_MAGIC):
        return XLS
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")) and b"<" in low:
        raise ValueError(t("in_html_as_workbook", lang))
    if head.startswith(b"%PDF"):
        raise ValueError(t("in_pdf", lang))
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(t("in_not_a_form_file", lang, suffix=suffix or repr(Path(path).name)))
    raise ValueError(t("in_not_zip", lang))


def read_book(path: Path, lang: str = "vi") -> Book:
    """Every non-empty cell of every sheet of ``path`` (.xlsx, .xlsm, .xls or .ods, told by its bytes).

    Raises ValueError with a plain reason when the file is not a readable workbook.
    """
    kind = sniff(path, lang)
    reader = {XLSX: _read_xlsx, XLS: _read_xls, ODS: _read_ods}[kind]
    try:
        return reader(path, lang)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - see sniff
        raise ValueError(t("in_corrupt_read", lang, error=f"{type(exc).__name__}: {exc}")) from exc


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# --------------------------------------------------------------------------- .xlsx
_CELL_START = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="[A-Z]{1,3}(\d+)"')
_CHUNK, _TAIL = 1 << 20, 1 << 16


def last_content_row(archive: zipfile.ZipFile, member: str) -> int | None:
    """The last row of a sheet's XML with a cell that holds anything (a value, a formula, an inline
    string), found by a byte search: empty cells are written ``<c r="A5" s="3"/>``, only a cell with
    content is closed by ``</c>``. None when it cannot be told (cells without references): read all."""
    last = 0
    tail = b""
    close = opener = None
    with archive.open(member) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            buf = tail + chunk
            if close is None:
                m = re.search(rb"<(\w+:)?worksheet\b", buf)
                if m is None:
                    tail = buf[-_TAIL:]
                    continue
                prefix = m.group(1) or b""
                close, opener = b"</" + prefix + b"c>", b"<" + prefix + b"c "
            pos = buf.rfind(close)
            if pos >= 0:
                start = buf.rfind(opener, 0, pos)
                m = _CELL_START.match(buf, start) if start >= 0 else None
                if m is None:
                    return None
                last = max(last, int(m.group(1)))
            tail = buf[-_TAIL:]
    return last


def _empty_cached_formulas(archive: zipfile.ZipFile, member: str, refs: set[str]) -> set[str]:
    """Of the formula cells ``refs`` (no cached value seen by openpyxl), those whose cached result is
    an empty text (``t="str"`` with an empty ``<v>``, as Excel and LibreOffice save ``=IFERROR(...;"")``):
    they show nothing. A formula with an empty ``<v/>`` and no text type was never calculated."""
    xml = archive.read(member)
    out = set()
    for ref in refs:
        m = re.search(rb'<(?:\w+:)?c\b([^>]*?\br="' + ref.encode() + rb'"[^>]*)>(.*?)</(?:\w+:)?c>', xml, re.S)
        if m and re.search(rb'\bt="str"', m.group(1)) and re.search(
                rb"<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>", m.group(2)):
            out.add(ref)
    return out


def _read_xlsx(path: Path, lang: str) -> Book:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(t("in_corrupt_open", lang, error=f"{type(exc).__name__}: {exc}")) from exc
    cells: list[Cell] = []
    formulas: dict[str, list[Cell]] = {}
    scanned: dict[str, int] = {}
    bounds: dict[str, int | None] = {}
    try:
        archive = getattr(wb, "_archive", None)
        modified = wb.properties.modified if wb.properties else None
        for ws in wb.worksheets:
            member = getattr(ws, "_worksheet_path", None)
            bound = last_content_row(archive, member) if archive is not None and member else None
            bounds[ws.title] = bound
            ws.reset_dimensions()   # a stale <dimension> written by other software would hide cells
            if bound == 0:
                scanned[ws.title] = 0
                continue
            n = 0
            for row in ws.iter_rows(max_row=bound):
                n += 1
                for c in row:
                    v = getattr(c, "value", None)
                    if _blank(v):
                        continue
                    is_f = getattr(c, "data_type", None) == "f"   # a real formula; text typed as '=... is text
                    pct = percent_format(getattr(c, "number_format", None)) if not isinstance(v, str) else False
                    cell = Cell(ws.title, c.coordinate, c.row, c.column, v, is_f, pct)
                    cells.append(cell)
                    if is_f:
                        formulas.setdefault(ws.title, []).append(cell)
            scanned[ws.title] = n
        sheetnames = list(wb.sheetnames)
        members = {ws.title: getattr(ws, "_worksheet_path", None) for ws in wb.worksheets}
    finally:
        wb.close()
    if formulas:  # a second pass only for workbooks with formulas: their cached values and formats
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            for name, fcells in formulas.items():
                want = {c.ref: c for c in fcells}
                ws = wb[name]
                ws.reset_dimensions()
                for row in ws.iter_rows(min_row=min(c.row for c in fcells), max_row=max(c.row for c in fcells)):
                    for c in row:
                        cell = want.get(getattr(c, "coordinate", None))
                        if cell is not None:
                            v = c.value
                            cell.value = NO_VALUE if v is None else v
                            cell.percent = percent_format(c.number_format) if isinstance(v, int | float) else False
            archive = getattr(wb, "_archive", None)
            for name, fcells in formulas.items():
                missing = {c.ref for c in fcells if c.value is NO_VALUE}
                if missing and archive is not None and members.get(name):
                    for ref in _empty_cached_formulas(archive, members[name], missing):
                        next(c for c in fcells if c.ref == ref).value = None
        finally:
            wb.close()
    return Book(XLSX, sheetnames, cells, _naive(modified), scanned)


def _naive(d) -> dt.datetime | None:
    if isinstance(d, dt.datetime):
        return d.replace(tzinfo=None)
    return None


# --------------------------------------------------------------------------- .xls
def _read_xls(path: Path, lang: str) -> Book:
    import xlrd

    data = Path(path).read_bytes()
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as exc:  # noqa: BLE001
        text = str(exc).lower()
        if "encrypt" in text or "EncryptedPackage".encode("utf-16-le") in data:
            raise ValueError(t("in_encrypted", lang)) from exc
        if "WordDocument".encode("utf-16-le") in data:
            raise ValueError(t("in_word_document", lang)) from exc
        raise ValueError(t("in_ole_unreadable", lang, error=f"{type(exc).__name__}: {exc}")) from exc
    cells: list[Cell] = []
    try:
        names = book.sheet_names()
        for i, name in enumerate(names):
            sh = book.sheet_by_index(i)
            for r in range(sh.nrows):
                types = sh.row_types(r)
                if not any(ty not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) for ty in types):
                    continue
                values = sh.row_values(r)
                for c, (ty, v) in enumerate(zip(types, values, strict=False)):
                    if ty in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or _blank(v):
                        continue
                    pct = False
                    if ty == xlrd.XL_CELL_NUMBER:
                        xf = book.xf_list[sh.cell_xf_index(r, c)]
                        fmt = book.format_map.get(xf.format_key)
                        pct = percent_format(fmt.format_str if fmt else None)
                        v = int(v) if float(v).is_integer() and abs(v) < 2 ** 53 and not pct else v
                    elif ty == xlrd.XL_CELL_DATE:
                        try:
                            v = xlrd.xldate.xldate_as_datetime(v, book.datemode)
                        except Exception:  # noqa: BLE001 - a date out of range stays the number it is
                            pass
                    elif ty == xlrd.XL_CELL_BOOLEAN:
                        v = bool(v)
                    elif ty == xlrd.XL_CELL_ERROR:
                        v = xlrd.error_text_from_code.get(v, "#ERR")
                    cells.append(Cell(name, ref_of(r + 1, c + 1), r + 1, c + 1, v, False, pct))
            book.unload_sheet(i)
    finally:
        book.release_resources()
    return Book(XLS, names, cells, None)


# --------------------------------------------------------------------------- .ods
_REPEAT_CAP = 10_000    # a repeated row or cell with content is expanded at most this often


def _ods_text(node) -> str:
    from odf.namespaces import TEXTNS

    out = []
    for ch in node.childNodes:
        if ch.nodeType == ch.TEXT_NODE:
            out.append(ch.data)
        elif ch.nodeType == ch.ELEMENT_NODE:
            if ch.qname == (TEXTNS, "s"):
                out.append(" " * int(ch.getAttrNS(TEXTNS, "c") or 1))
            elif ch.qname == (TEXTNS, "tab"):
                out.append("\t")
            elif ch.qname == (TEXTNS, "line-break"):
                out.append("\n")
            else:
                out.append(_ods_text(ch))
    return "".join(out)


def _ods_value(cell):
    """(value, formula, percent) of an OpenDocument table cell; value None when it shows nothing."""
    from odf.namespaces import OFFICENS, TABLENS, TEXTNS

    kind = cell.getAttrNS(OFFICENS, "value-type")
    formula = bool(cell.getAttrNS(TABLENS, "formula"))
    if kind in ("float", "currency", "percentage"):
        x = float(cell.getAttrNS(OFFICENS, "value"))
        if kind != "percentage" and x.is_integer() and abs(x) < 2 ** 53:
            x = int(x)
        return x, formula, kind == "percentage"
    if kind == "date":
        raw = cell.getAttrNS(OFFICENS, "date-value") or ""
        try:
            d = dt.datetime.fromisoformat(raw)
        except ValueError:
            return raw, formula, False
        return d, formula, False
    if kind == "boolean":
        return (cell.getAttrNS(OFFICENS, "boolean-value") or "").lower() == "true", formula, False
    paras = [ch for ch in cell.childNodes if ch.nodeType == ch.ELEMENT_NODE and ch.qname == (TEXTNS, "p")]
    text = "\n".join(_ods_text(p) for p in paras)
    if kind == "string" and cell.getAttrNS(OFFICENS, "string-value"):
        text = cell.getAttrNS(OFFICENS, "string-value")
    return (text if text.strip() else None), formula, False


def _read_ods(path: Path, lang: str) -> Book:
    from odf.namespaces import DCNS, TABLENS
    from odf.opendocument import load

    doc = load(str(path))
    cells: list[Cell] = []
    names = []
    for table in doc.spreadsheet.childNodes:
        if table.qname != (TABLENS, "table"):
            continue
        name = table.getAttrNS(TABLENS, "name")
        names.append(name)
        r = 0
        for row in _ods_rows(table):
            rrep = int(row.getAttrNS(TABLENS, "number-rows-repeated") or 1)
            found = []
            c = 0
            for cell in row.childNodes:
                if cell.nodeType != cell.ELEMENT_NODE:
                    continue
                crep = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
                if cell.qname == (TABLENS, "table-cell"):
                    value, formula, pct = _ods_value(cell)
                    if value is not None or formula:
                        found += [(c + k + 1, value, formula, pct) for k in range(min(crep, _REPEAT_CAP))]
                c += crep
            if found:
                for k in range(min(rrep, _REPEAT_CAP)):
                    for col, value, formula, pct in found:
                        cells.append(Cell(name, ref_of(r + k + 1, col), r + k + 1, col, value, formula, pct))
            r += rrep
    modified = None
    for el in doc.meta.childNodes:
        if el.nodeType == el.ELEMENT_NODE and el.qname == (DCNS, "date"):
            try:
                modified = _naive(dt.datetime.fromisoformat(_ods_text(el).strip().replace("Z", "+00:00")))
            except ValueError:
                pass
    return Book(ODS, names, cells, modified)


def _ods_rows(node):
    """The table rows of a table in order, inside header-row and row groups too."""
    from odf.namespaces import TABLENS

    for ch in node.childNodes:
        if ch.nodeType != ch.ELEMENT_NODE:
            continue
        if ch.qname == (TABLENS, "table-row"):
            yield ch
        elif ch.qname[0] == TABLENS and ch.qname[1] in ("table-header-rows", "table-rows", "table-row-group"):
            yield from _ods_rows(ch)

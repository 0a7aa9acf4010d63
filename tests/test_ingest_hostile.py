"""Hostile input for the ingestion of filled report forms (gender_metrics.ingest).

Every test builds a small workbook in tmp_path - a filled form of Hương Sơn (district 439) written
by ``forms.write_form`` and then spoilt with openpyxl, by editing the package XML, or a raw file
made by hand - and checks two things:

(a) the offending cell gets the right status and reason, on the right sheet and cell, and
(b) nothing else is lost: the valid values around it are still accepted, and every non-empty cell
    of the workbook (counted here independently with openpyxl in normal, not read-only, mode) has
    exactly one report row, so accepted + rejected + ignored == non-empty cells.

Expected values come from each test's own inputs and from the form layout (column F = 2010 ...
column P = 2020, column Q = notes; the rows of Hương Sơn's form are checked in
``test_layout_of_the_huong_son_form``), never from output of the code under test.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from gender_metrics import forms as F
from gender_metrics.ingest import ingest, read_form
from gender_metrics.reference import load_reference

LAY = F.layout_of(load_reference())
# the assessment text cell of each section ("results" -> "C11"), from the layout the writer used
TXT_CELL = {key: f"{get_column_letter(F.layout.TEXT_COL)}{row}" for row, key in LAY.section_rows.items()}

UNIT = "439"                      # Huyện Hương Sơn
RAW_SAMPLES = Path(__file__).resolve().parent.parent / "data" / "raw"
STATUSES = {"accepted", "rejected", "ignored"}

# The valid values every base form carries; each test checks they survive its hostile cell.
BASE_VALUES = {
    ("1.1a", "num", 2015): 12,    # K5
    ("1.1a", "den", 2015): 40,    # K6
    ("1.3", "num", 2016): 7,      # L14
    ("1.3", "den", 2016): 21,     # L15
    ("2.1", "value", 2018): 47.5,  # N19
    ("4.1", "value", 2019): 112,  # O34: sex ratio at birth, boys per 100 girls (not a percentage)
}
BASE_IDENT = {"person": "Nguyễn Thị Lan", "phone": "0912 345 678", "submitted": dt.date(2021, 4, 20),
              "data_kind": "Số liệu thực"}
BASE_TARGETS = {("1.1", 2025): 35}                  # G5 of the targets sheet
BASE_TEXTS = {"results": "Đạt 8/10 chỉ tiêu"}     # C5 of the assessment sheet
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def base_file(tmp_path_factory) -> Path:
    """One filled form of Hương Sơn, written once; tests work on copies of it."""
    path = tmp_path_factory.mktemp("base") / "huong-son.xlsx"
    return F.write_form(UNIT, path, values=BASE_VALUES, targets=BASE_TARGETS, texts=BASE_TEXTS,
                        ident=BASE_IDENT)


def make_form(base: Path, tmp_path: Path, edits: dict | None = None, name: str = "huong-son.xlsx",
              ) -> Path:
    """A copy of the base form with ``edits`` = {sheet: {cell: value}} applied with openpyxl."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(base, path)
    if edits:
        wb = load_workbook(path)
        for sheet, cells in edits.items():
            ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
            for ref, value in cells.items():
                ws[ref] = value
        wb.save(path)
        wb.close()
    return path


def patch_member(path: Path, member: str, change) -> None:
    """Rewrite one XML part of the package in place: ``change(text) -> text``."""
    with zipfile.ZipFile(path) as z:
        parts = [(info, z.read(info.filename)) for info in z.infolist()]
    assert member in [i.filename for i, _ in parts], member
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == member:
                data = change(data.decode("utf-8")).encode("utf-8")
            z.writestr(info, data)


def sheet_member(path: Path, sheet: str) -> str:
    """The package part holding ``sheet`` (openpyxl writes sheetN.xml in sheet order)."""
    wb = load_workbook(path, read_only=True)
    try:
        return f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
    finally:
        wb.close()


def nonempty_cells(path: Path) -> set[tuple[str, str]]:
    """(sheet, cell) of every non-empty cell, read with openpyxl in normal (not read-only) mode."""
    wb = load_workbook(path)
    try:
        return {(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.value is not None and not (isinstance(c.value, str) and not c.value.strip())}
    finally:
        wb.close()


def assert_accounted(report: list[dict], path: Path) -> None:
    """Every non-empty cell has exactly one report row; accepted + rejected + ignored = cells."""
    expected = nonempty_cells(path)
    keys = [(r["sheet"], r["cell"]) for r in report]
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
    assert set(keys) == expected
    counts = Counter(r["status"] for r in report)
    assert set(counts) <= STATUSES
    assert counts["accepted"] + counts["rejected"] + counts["ignored"] == len(expected)


def row_of(fr, sheet: str, cell: str) -> dict:
    rows = [r for r in fr.report if r["sheet"] == sheet and r["cell"] == cell]
    assert len(rows) == 1, (sheet, cell, rows)
    return rows[0]


def parts_of(fr) -> dict:
    return {(ind, part, year): x for ind, part, year, x, _ in fr.parts}


def assert_base_kept(fr, *, but: tuple = ()) -> None:
    """The base form's valid values (except those in ``but``) are still accepted and read."""
    parts = parts_of(fr)
    for key, x in BASE_VALUES.items():
        if key not in but:
            assert parts.get(key) == pytest.approx(x), key
    assert fr.unit == UNIT
    assert row_of(fr, LAY.sheet_id, "B3")["status"] == "accepted"


def read(path: Path):
    return read_form(path, path.name, lang="en")


def assert_unreadable(fr, fragment: str) -> None:
    assert len(fr.report) == 1
    row = fr.report[0]
    assert (row["sheet"], row["cell"], row["status"]) == ("", "", "rejected")
    assert fragment in row["reason"]
    assert fr.unit is None and fr.parts == [] and fr.error


# --------------------------------------------------------------------------- layout and the base form
def test_layout_of_the_huong_son_form():
    """The cell references used below: rows of Hương Sơn's indicator sheet, year columns F..P."""
    rows = {fr.key: fr.row for fr in LAY.indicator_rows(UNIT)}
    assert (rows["1.1a|num"], rows["1.1a|den"], rows["1.1a|value"]) == (5, 6, 7)
    assert (rows["1.3|num"], rows["1.3|den"], rows["1.3|value"]) == (14, 15, 16)
    assert (rows["2.1|value"], rows["4.1|value"]) == (19, 34)
    assert "3.2|num" not in rows                  # 3.2 is not a district indicator
    assert (F.FIRST_YEAR_COL, LAY.note_col, F.HEADER_ROW) == (6, 17, 4)   # F = 2010, Q = notes


def test_base_form_is_read_whole(base_file, tmp_path):
    path = make_form(base_file, tmp_path)
    fr = read(path)
    assert_base_kept(fr)
    assert len(fr.parts) == len(BASE_VALUES)
    assert not [r for r in fr.report if r["status"] == "rejected"]
    assert fr.targets == [("1.1", 2025, 35.0, f"{LAY.sheet_tgt}!G5")]
    assert ("results", None, BASE_TEXTS["results"], f"{LAY.sheet_txt}!{TXT_CELL['results']}") in fr.texts
    assert fr.ident["submitted"] == BASE_IDENT["submitted"]
    assert_accounted(fr.report, path)


# --------------------------------------------------------------------------- accepted forms of numbers
@pytest.mark.parametrize("typed", ["1.234", "1 234", "1\u00a0234", "1,234"])
def test_thousands_in_a_count_cell(base_file, tmp_path, typed):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"H6": typed}})     # 1.1a denominator 2012
    fr = read(path)
    assert row_of(fr, LAY.sheet_ind, "H6")["status"] == "accepted"
    assert parts_of(fr)[("1.1a", "den", 2012)] == 1234
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


@pytest.mark.parametrize("typed", ["35,2", "35.2", "35,2%", " 35,2 % "])
def test_decimal_and_percent_in_a_value_row(base_file, tmp_path, typed):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"G16": typed}})    # 1.3 value 2011
    fr = read(path)
    assert row_of(fr, LAY.sheet_ind, "G16")["status"] == "accepted"
    assert parts_of(fr)[("1.3", "value", 2011)] == pytest.approx(35.2)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_numbers_typed_as_text(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"I5": "250", "I6": "1000", "I7": "25"}})
    wb = load_workbook(path)
    assert wb[LAY.sheet_ind]["I5"].data_type == "s"     # really stored as text
    wb.close()
    fr = read(path)
    parts = parts_of(fr)
    assert (parts[("1.1a", "num", 2013)], parts[("1.1a", "den", 2013)], parts[("1.1a", "value", 2013)]) \
        == (250, 1000, 25)
    for ref in ("I5", "I6", "I7"):
        assert row_of(fr, LAY.sheet_ind, ref)["status"] == "accepted"
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_excel_percentage_cell_is_read_as_percent(base_file, tmp_path):
    """Excel stores a typed 35,2% as 0.352 in a cell formatted as a percentage."""
    path = make_form(base_file, tmp_path)
    wb = load_workbook(path)
    ws = wb[LAY.sheet_ind]
    ws["J16"], ws["J16"].number_format = 0.352, "0.0%"     # 1.3 value 2014
    ws["J14"], ws["J14"].number_format = 0.35, "0%"        # 1.3 numerator 2014: a count shown as 35%
    wb.save(path)
    wb.close()
    fr = read(path)
    assert row_of(fr, LAY.sheet_ind, "J16")["status"] == "accepted"
    assert parts_of(fr)[("1.3", "value", 2014)] == pytest.approx(35.2)
    bad = row_of(fr, LAY.sheet_ind, "J14")
    assert bad["status"] == "rejected"
    assert "is a percentage in a column of counts" in bad["reason"]
    assert ("1.3", "num", 2014) not in parts_of(fr)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_nfd_unit_name_identifies_the_unit(base_file, tmp_path):
    nfd = unicodedata.normalize("NFD", "Huyện Hương Sơn")
    assert nfd != "Huyện Hương Sơn"
    path = make_form(base_file, tmp_path, {LAY.sheet_id: {"B3": None, "B4": nfd}})
    fr = read(path)
    assert fr.unit == UNIT
    assert row_of(fr, LAY.sheet_id, "B4")["status"] == "accepted"
    assert fr.ident["name"] == "Huyện Hương Sơn"           # stored NFC
    assert parts_of(fr) == {k: pytest.approx(v) for k, v in BASE_VALUES.items()}
    assert_accounted(fr.report, path)


def test_unit_code_typed_as_a_number(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_id: {"B3": 439}})
    fr = read(path)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_formula_with_a_cached_value_is_accepted(base_file, tmp_path):
    path = make_form(base_file, tmp_path)
    member = sheet_member(path, LAY.sheet_ind)

    def to_formula(xml: str) -> str:   # K5 = 12 becomes =3*4 with the cached value 12, as Excel saves it
        new, n = re.subn(r'<c r="K5"([^>]*)><v>12</v></c>', r'<c r="K5"\1><f>3*4</f><v>12</v></c>', xml)
        assert n == 1
        return new

    patch_member(path, member, to_formula)
    assert load_workbook(path)[LAY.sheet_ind]["K5"].value == "=3*4"
    fr = read(path)
    assert row_of(fr, LAY.sheet_ind, "K5")["status"] == "accepted"
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_formula_without_a_cached_value_is_rejected(base_file, tmp_path):
    # openpyxl writes formulas without cached values, as a script or an unsaved export would
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"L5": "=1+1"}, LAY.sheet_id: {"B6": "=B5"}})
    fr = read(path)
    for sheet, ref in ((LAY.sheet_ind, "L5"), (LAY.sheet_id, "B6")):
        row = row_of(fr, sheet, ref)
        assert row["status"] == "rejected"
        assert "formula without a cached value" in row["reason"]
    assert ("1.1a", "num", 2016) not in parts_of(fr)
    assert "phone" not in fr.ident
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_text_starting_with_equals_is_text_not_a_formula(base_file, tmp_path):
    path = make_form(base_file, tmp_path)
    wb = load_workbook(path)
    ws = wb[LAY.sheet_txt]
    cell = TXT_CELL["shortcomings"]
    ws[cell] = "=> còn chậm"          # typed as '=> còn chậm: a text, not a formula
    ws[cell].data_type = "s"
    wb.save(path)
    wb.close()
    fr = read(path)
    assert row_of(fr, LAY.sheet_txt, cell)["status"] == "accepted"
    assert ("shortcomings", None, "=> còn chậm", f"{LAY.sheet_txt}!{cell}") in fr.texts
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_note_in_the_notes_column_is_kept(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"Q14": "Nguồn: Phòng Nội vụ"}})
    fr = read(path)
    assert row_of(fr, LAY.sheet_ind, "Q14")["status"] == "accepted"
    assert ("indicator_note", "1.3", "Nguồn: Phòng Nội vụ", f"{LAY.sheet_ind}!Q14") in fr.texts
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


# --------------------------------------------------------------------------- rejected cells
def test_text_in_a_number_cell(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"F14": "abc"}})     # 1.3 numerator 2010
    fr = read(path)
    row = row_of(fr, LAY.sheet_ind, "F14")
    assert row["status"] == "rejected"
    assert "'abc' is not a number; expected a whole number" in row["reason"]
    assert "indicator 1.3, 2010" in row["reason"]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


@pytest.mark.parametrize("typed", [-5, "-5"])
def test_negative_count(base_file, tmp_path, typed):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"M6": typed}})      # 1.1a denominator 2017
    fr = read(path)
    row = row_of(fr, LAY.sheet_ind, "M6")
    assert row["status"] == "rejected"
    assert "is negative; expected a number ≥ 0" in row["reason"]
    assert ("1.1a", "den", 2017) not in parts_of(fr)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


@pytest.mark.parametrize("typed", [12.5, "12,5"])
def test_decimal_in_a_count_cell(base_file, tmp_path, typed):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"M5": typed}})      # 1.1a numerator 2017
    fr = read(path)
    row = row_of(fr, LAY.sheet_ind, "M5")
    assert row["status"] == "rejected"
    assert "is not a whole number; a count must be whole" in row["reason"]
    assert ("1.1a", "num", 2017) not in parts_of(fr)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_percentage_in_a_count_column(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"G5": "35%"}})      # 1.1a numerator 2011
    fr = read(path)
    row = row_of(fr, LAY.sheet_ind, "G5")
    assert row["status"] == "rejected"
    assert "'35%' is a percentage in a column of counts" in row["reason"]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_numerator_above_denominator_rejects_both(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"L5": 50, "L6": 40}})   # 1.1a 2016
    fr = read(path)
    num, den = row_of(fr, LAY.sheet_ind, "L5"), row_of(fr, LAY.sheet_ind, "L6")
    assert num["status"] == den["status"] == "rejected"
    assert num["reason"] == den["reason"]
    for fragment in ("numerator 50 (L5)", "above its denominator 40 (L6)", "indicator 1.1a, 2016"):
        assert fragment in num["reason"]
    assert ("1.1a", "num", 2016) not in parts_of(fr) and ("1.1a", "den", 2016) not in parts_of(fr)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_numerator_equal_to_denominator_is_accepted(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"L5": 40, "L6": 40}})
    fr = read(path)
    assert row_of(fr, LAY.sheet_ind, "L5")["status"] == row_of(fr, LAY.sheet_ind, "L6")["status"] == "accepted"
    assert parts_of(fr)[("1.1a", "num", 2016)] == parts_of(fr)[("1.1a", "den", 2016)] == 40
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


@pytest.mark.parametrize("typed", [100.5, "120%"])
def test_percentage_above_100_in_a_value_row(base_file, tmp_path, typed):
    # 1.3 is a share in %: P16 (2020) is impossible, O16 = 100 (2019) is the largest possible value
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"P16": typed, "O16": 100}})
    fr = read(path)
    row = row_of(fr, LAY.sheet_ind, "P16")
    assert row["status"] == "rejected"
    assert "is a percentage above 100 (indicator 1.3, 2020)" in row["reason"]
    assert parts_of(fr)[("1.3", "value", 2019)] == 100
    assert ("1.3", "value", 2020) not in parts_of(fr)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


@pytest.mark.parametrize("header", ["2021", None])
def test_year_header_changed(base_file, tmp_path, header):
    # M is the 2017 column; its values are not used once the header is not a year 2010-2020
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"M4": header, "M5": 9, "M6": 30}})
    fr = read(path)
    for ref in ("M5", "M6"):
        row = row_of(fr, LAY.sheet_ind, ref)
        assert row["status"] == "rejected"
        assert f"column header {header!r} is not a year 2010-2020" in row["reason"]
    assert not [k for k in parts_of(fr) if k[2] in (2017, 2021)]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_year_header_written_in_words_is_that_year(base_file, tmp_path):
    """A header "Năm 2017" (or "nam 2017", NFD) says 2017: the column's values are that year's."""
    nfd = unicodedata.normalize("NFD", "Năm 2017")
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"M4": nfd, "M5": 9, "M6": 30}})
    fr = read(path)
    assert (parts_of(fr)[("1.1a", "num", 2017)], parts_of(fr)[("1.1a", "den", 2017)]) == (9, 30)
    assert row_of(fr, LAY.sheet_ind, "M4")["status"] == "ignored"
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_unit_code_that_does_not_exist(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_id: {"B3": "999", "B4": None}})
    fr = read(path)
    assert fr.unit is None and fr.parts == [] and fr.targets == [] and fr.texts == []
    assert "unknown unit '999'" in fr.error and f"{LAY.sheet_id}!B3" in fr.error
    code = row_of(fr, LAY.sheet_id, "B3")
    assert code["status"] == "rejected" and "unknown unit '999'" in code["reason"]
    assert row_of(fr, LAY.sheet_id, "B5")["status"] == "rejected"        # the person: not used either
    value = row_of(fr, LAY.sheet_ind, "K5")
    assert value["status"] == "rejected"
    assert "the unit of this form is not identified" in value["reason"]
    assert "unknown unit '999'" in value["reason"]
    assert not [r for r in fr.report if r["status"] == "accepted"]
    # only the labels of the identification sheet are not rejected
    assert all(r["status"] == "rejected" or (r["sheet"] == LAY.sheet_id and r["reason"] == "label")
               for r in fr.report)
    assert_accounted(fr.report, path)


def test_unknown_code_beside_a_valid_name(base_file, tmp_path):
    """The unit is found from its name; the wrong code is reported, not silently accepted."""
    path = make_form(base_file, tmp_path, {LAY.sheet_id: {"B3": "999"}})
    fr = read(path)
    assert fr.unit == UNIT
    code = row_of(fr, LAY.sheet_id, "B3")
    assert code["status"] == "rejected"
    assert "unknown unit '999'" in code["reason"] and "B4" in code["reason"]
    assert row_of(fr, LAY.sheet_id, "B4")["status"] == "accepted"
    assert parts_of(fr) == {k: pytest.approx(v) for k, v in BASE_VALUES.items()}
    assert_accounted(fr.report, path)


def test_unit_that_sends_no_form(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_id: {"B3": "42", "B4": "Tỉnh Hà Tĩnh"}})   # the province
    fr = read(path)
    assert fr.unit is None and fr.parts == []
    row = row_of(fr, LAY.sheet_id, "B3")
    assert row["status"] == "rejected" and "does not send a form" in row["reason"]
    assert "does not send a form" in row_of(fr, LAY.sheet_ind, "K5")["reason"]
    assert not [r for r in fr.report if r["status"] == "accepted"]
    assert_accounted(fr.report, path)


def test_row_of_an_indicator_the_district_does_not_report(base_file, tmp_path):
    # row 14 (1.3 numerator) relabelled with a department's indicator 3.2
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"A14": "3.2|num", "F14": 5}})
    fr = read(path)
    key = row_of(fr, LAY.sheet_ind, "A14")
    assert key["status"] == "rejected"
    assert "row key '3.2|num' is not in the template of Huong Son District (code 439)" in key["reason"]
    for ref in ("F14", "L14"):
        row = row_of(fr, LAY.sheet_ind, ref)
        assert row["status"] == "rejected"
        assert "indicator 3.2 is not reported by Huong Son District (code 439)" in row["reason"]
    assert not [k for k in parts_of(fr) if k[0] == "3.2"]
    assert_base_kept(fr, but=(("1.3", "num", 2016),))       # L14 was on the relabelled row
    assert_accounted(fr.report, path)


def test_garbage_row_key(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"A20": "??x|y", "K20": 3}})   # was 2.2|num
    fr = read(path)
    key = row_of(fr, LAY.sheet_ind, "A20")
    assert key["status"] == "rejected" and "row key '??x|y' is not in the template" in key["reason"]
    row = row_of(fr, LAY.sheet_ind, "K20")
    assert row["status"] == "rejected"
    assert "row is not part of the template (no valid key in column A)" in row["reason"]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_value_below_the_form_without_a_row_key(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"K80": 17}})
    fr = read(path)
    row = row_of(fr, LAY.sheet_ind, "K80")
    assert row["status"] == "rejected" and "row is not part of the template" in row["reason"]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_value_outside_the_form_columns(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"T5": 99}})
    fr = read(path)
    row = row_of(fr, LAY.sheet_ind, "T5")
    assert row["status"] == "rejected"
    assert "outside the form's columns (after the notes column)" in row["reason"]
    assert 99 not in parts_of(fr).values()
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_cell_outside_the_identification_fields(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_id: {"C5": "ghi chú", "B12": "thêm"}})
    fr = read(path)
    for ref in ("C5", "B12"):
        row = row_of(fr, LAY.sheet_id, ref)
        assert row["status"] == "rejected"
        assert "outside the identification fields (the cell right of each label)" in row["reason"]
    assert fr.ident["person"] == BASE_IDENT["person"]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_submission_date_that_is_not_a_date(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_id: {"B7": "hôm qua"}})
    fr = read(path)
    row = row_of(fr, LAY.sheet_id, "B7")
    assert row["status"] == "rejected"
    assert "'hôm qua' is not a date; expected dd/mm/yyyy" in row["reason"]
    assert "timeliness unknown" in row["reason"]
    assert "submitted" not in fr.ident
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


@pytest.mark.parametrize(("typed", "expected"), [
    ("20/04/2021", dt.date(2021, 4, 20)), ("2021-04-22", dt.date(2021, 4, 22)),
    ("31/02/2021", None), ("20/04/21", None),
])
def test_submission_date_typed_as_text(base_file, tmp_path, typed, expected):
    path = make_form(base_file, tmp_path, {LAY.sheet_id: {"B7": typed}})
    fr = read(path)
    row = row_of(fr, LAY.sheet_id, "B7")
    assert row["status"] == ("accepted" if expected else "rejected")
    assert fr.ident.get("submitted") == expected
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_date_in_a_number_cell(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"K7": dt.datetime(2015, 3, 1)}})  # 1.1a value
    fr = read(path)
    row = row_of(fr, LAY.sheet_ind, "K7")
    assert row["status"] == "rejected"
    assert "a date (2015-03-01" in row["reason"] and "in a number cell" in row["reason"]
    assert ("1.1a", "value", 2015) not in parts_of(fr)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_boolean_in_a_number_cell(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"L5": True}})
    fr = read(path)
    row = row_of(fr, LAY.sheet_ind, "L5")
    assert row["status"] == "rejected"
    assert "True is a yes/no value; expected a number" in row["reason"]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_repeated_row_key_rejects_both_copies(base_file, tmp_path):
    # a second "1.1a|num" row below the form: two numerators for 1.1a in 2015
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"A70": "1.1a|num", "K70": 13}})
    fr = read(path)
    for ref in ("K5", "K70"):
        row = row_of(fr, LAY.sheet_ind, ref)
        assert row["status"] == "rejected"
        assert "(K5, K70)" in row["reason"] and "repeated row key" in row["reason"]
    assert ("1.1a", "num", 2015) not in parts_of(fr)
    assert_base_kept(fr, but=(("1.1a", "num", 2015),))
    assert_accounted(fr.report, path)


def test_repeated_year_column_rejects_both_cells(base_file, tmp_path):
    # the 2012 header (H4) overwritten with 2015: H5 and K5 both claim 1.1a numerator 2015
    path = make_form(base_file, tmp_path, {LAY.sheet_ind: {"H4": "2015", "H5": 11}})
    fr = read(path)
    for ref in ("H5", "K5"):
        row = row_of(fr, LAY.sheet_ind, ref)
        assert row["status"] == "rejected" and "(H5, K5)" in row["reason"]
    assert ("1.1a", "num", 2015) not in parts_of(fr)
    assert_base_kept(fr, but=(("1.1a", "num", 2015),))
    assert_accounted(fr.report, path)


def test_stale_sheet_dimension_hides_no_cell(base_file, tmp_path):
    """Some software writes a wrong <dimension>; openpyxl's read-only mode trusts it."""
    path = make_form(base_file, tmp_path)
    for sheet in (LAY.sheet_id, LAY.sheet_ind):
        def shrink(xml: str) -> str:
            new, n = re.subn(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:A1"/>', xml)
            assert n == 1
            return new
        patch_member(path, sheet_member(path, sheet), shrink)
    fr = read(path)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_extra_sheet_is_ignored(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {"Nháp": {"A1": "tạm", "C3": 5}})
    fr = read(path)
    for ref in ("A1", "C3"):
        row = row_of(fr, "Nháp", ref)
        assert row["status"] == "ignored" and "is not part of the form" in row["reason"]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_text_in_a_proposed_target(base_file, tmp_path):
    path = make_form(base_file, tmp_path, {LAY.sheet_tgt: {"G6": "khoảng 50"}})     # 2.1, 2025
    fr = read(path)
    row = row_of(fr, LAY.sheet_tgt, "G6")
    assert row["status"] == "rejected"
    assert "'khoảng 50' is not a number" in row["reason"]
    assert "proposed 2025 target of indicator 2.1" in row["reason"]
    assert [(i, y, v) for i, y, v, _ in fr.targets] == [("1.1", 2025, 35.0)]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_text_outside_the_assessment_column(base_file, tmp_path):
    """Text typed beside a section's text cell is kept with that section (never ignored); text in no
    section's row is rejected with its cell."""
    beside = TXT_CELL["results"].replace("C", "D")     # one column right of the text
    path = make_form(base_file, tmp_path, {LAY.sheet_txt: {beside: "lạc cột", "C30": "dưới bảng"}})
    fr = read(path)
    row = row_of(fr, LAY.sheet_txt, beside)
    assert row["status"] == "accepted" and "kept with its section" in row["reason"]
    assert ("results", None, "lạc cột", f"{LAY.sheet_txt}!{beside}") in fr.texts
    below = row_of(fr, LAY.sheet_txt, "C30")
    assert below["status"] == "rejected" and "outside the assessment sections" in below["reason"]
    assert ("results", None, BASE_TEXTS["results"], f"{LAY.sheet_txt}!{TXT_CELL['results']}") in fr.texts
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


# --------------------------------------------------------------------------- unreadable files
def test_text_file_renamed_xlsx(tmp_path):
    path = tmp_path / "bao-cao.xlsx"
    path.write_text("Mã đơn vị;439\nTử số;12\n", encoding="utf-8")
    assert_unreadable(read(path), "not an Excel workbook (.xlsx), or a damaged one")


def test_zero_byte_xlsx(tmp_path):
    path = tmp_path / "rong.xlsx"
    path.write_bytes(b"")
    assert_unreadable(read(path), "not an Excel workbook (.xlsx)")


def test_encrypted_workbook(tmp_path):
    path = tmp_path / "mat-khau.xlsx"
    path.write_bytes(OLE_MAGIC + b"\x00" * 4096)
    assert_unreadable(read(path), "old-format (.xls) workbook that cannot be read")


def test_truncated_workbook(base_file, tmp_path):
    path = tmp_path / "cut.xlsx"
    data = base_file.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_unreadable(read(path), "the workbook is corrupt")


def test_damaged_bytes_never_stop_the_reader(base_file, tmp_path):
    """Bytes flipped inside a real form: each copy is unreadable (one row) or fully accounted for."""
    data = base_file.read_bytes()
    rng = random.Random(20210423)
    unreadable = 0
    for i in range(40):
        spoilt = bytearray(data)
        for _ in range(3):
            spoilt[rng.randrange(len(spoilt))] = rng.randrange(256)
        path = tmp_path / f"spoilt-{i}.xlsx"
        path.write_bytes(bytes(spoilt))
        fr = read(path)                       # must not raise
        if fr.error:
            assert_unreadable(fr, "")
            unreadable += 1
        else:
            assert_accounted(fr.report, path)
    assert unreadable > 0


def test_plain_workbook_without_the_form_sheets(tmp_path):
    path = tmp_path / "plain.xlsx"
    wb = Workbook()
    wb.active["A1"], wb.active["B2"] = "Hương Sơn", 12
    wb.save(path)
    fr = read(path)
    for ref in ("A1", "B2"):
        row = row_of(fr, "Sheet", ref)
        assert row["status"] == "rejected"
        assert "not a gender-equality review form" in row["reason"]
        assert repr(LAY.sheet_ind) in row["reason"] and repr(LAY.sheet_id) in row["reason"]
    assert fr.unit is None and fr.parts == []
    assert_accounted(fr.report, path)


def test_form_lacking_the_indicator_sheet(base_file, tmp_path):
    path = make_form(base_file, tmp_path)
    wb = load_workbook(path)
    del wb[LAY.sheet_ind]
    wb.save(path)
    wb.close()
    fr = read(path)
    row = row_of(fr, LAY.sheet_id, "B3")
    assert row["status"] == "rejected"
    assert f"sheet(s) {LAY.sheet_ind!r} missing" in row["reason"]
    assert not [r for r in fr.report if r["status"] != "rejected"]
    assert fr.unit is None and fr.parts == []
    assert_accounted(fr.report, path)


def test_empty_plain_workbook_gets_one_row(tmp_path):
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    assert_unreadable(read(path), "not a gender-equality review form")


# --------------------------------------------------------------------------- whole runs
def obs_of(result, unit: str) -> dict:
    o = result.observations[result.observations.unit == unit]
    return {(r.indicator, int(r.year)): r for r in o.itertuples()}


def assert_run_accounted(result, raw: Path, readable: list[str]) -> None:
    for rel in readable:
        rows = result.report[result.report.file == rel].to_dict("records")
        assert_accounted(rows, raw / rel)


def test_two_forms_for_one_unit_keep_the_later_date(base_file, tmp_path):
    raw = tmp_path / "raw"
    older = make_form(base_file, raw, name="huong-son.xlsx")
    make_form(base_file, raw, {LAY.sheet_id: {"B7": dt.datetime(2021, 4, 22)},
                                       LAY.sheet_ind: {"K5": 13}}, name="sua/huong-son (2).xlsx")
    # the older one has a value the newer lacks: it must not leak into the observations
    older_wb = load_workbook(older)
    older_wb[LAY.sheet_ind]["P5"] = 99
    older_wb.save(older)
    older_wb.close()
    result = ingest(raw, tmp_path / "processed", lang="en")
    kept = "sua/huong-son (2).xlsx"
    obs = obs_of(result, UNIT)
    assert obs[("1.1a", 2015)].numerator == 13 and kept in obs[("1.1a", 2015)].source
    assert ("1.1a", 2020) not in obs
    assert result.submissions.file.tolist() == [kept]
    old_rows = result.report[result.report.file == "huong-son.xlsx"]
    assert not (old_rows.status == "accepted").any()
    superseded = old_rows[old_rows.reason.str.contains("superseded", regex=False)]
    assert {"B3", "K5", "P5"} <= set(superseded.cell)
    assert superseded.reason.str.contains(kept, regex=False).all()
    assert superseded.reason.str.contains("22/04/2021", regex=False).all()
    new_rows = result.report[result.report.file == kept]
    assert (new_rows.cell == "K5").sum() == 1
    assert new_rows[new_rows.cell == "K5"].status.iloc[0] == "accepted"
    assert_run_accounted(result, raw, ["huong-son.xlsx", kept])


def test_two_forms_same_date_keep_the_later_file_name(base_file, tmp_path):
    raw = tmp_path / "raw"
    make_form(base_file, raw, {LAY.sheet_ind: {"K5": 13}}, name="a.xlsx")
    make_form(base_file, raw, {LAY.sheet_ind: {"K5": 14}}, name="b.xlsx")
    result = ingest(raw, tmp_path / "processed", lang="en")
    assert obs_of(result, UNIT)[("1.1a", 2015)].numerator == 14
    a = result.report[result.report.file == "a.xlsx"]
    assert not (a.status == "accepted").any()
    assert a[a.cell == "K5"].reason.iloc[0].startswith("superseded: Huong Son District (code 439) also sent b.xlsx")
    assert_run_accounted(result, raw, ["a.xlsx", "b.xlsx"])


def test_mixed_folder_of_good_and_bad_files(base_file, tmp_path):
    raw = tmp_path / "raw"
    good_439 = "Báo cáo/Hương Sơn (bản cuối).XLSX"
    good_440 = "nested/deeper/đức thọ 2021.xlsx"
    make_form(base_file, raw, name=good_439)
    values_440 = {("1.1a", "num", 2020): 9, ("1.1a", "den", 2020): 30, ("4.1", "value", 2020): 109.5}
    F.write_form("440", raw / good_440, values=values_440,
                 ident={"submitted": dt.date(2021, 4, 21)})
    bad = {
        "ghi chu.xlsx": "Mã đơn vị: 439".encode(),
        "rỗng.xlsx": b"",
        "khoa/mat khau.xlsx": OLE_MAGIC + b"\x00" * 2048,
        "hong.xlsx": base_file.read_bytes()[:3000],
    }
    for rel, data in bad.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(data)
    (raw / "~$Hương Sơn.xlsx").write_bytes(b"lock file of an open workbook")    # listed, ignored
    (raw / "readme.txt").write_text("not a form")                                 # listed, rejected
    result = ingest(raw, tmp_path / "processed", lang="en")

    assert result.files == 2 + len(bad) + 2
    assert result.units == ["439", "440"]
    assert set(result.report.file) == {good_439, good_440, *bad, "~$Hương Sơn.xlsx", "readme.txt"}
    lock = result.report[result.report.file == "~$Hương Sơn.xlsx"]
    assert lock.status.tolist() == ["ignored"] and "lock file" in lock.reason.iloc[0]
    txt = result.report[result.report.file == "readme.txt"]
    assert txt.status.tolist() == ["rejected"] and "a .txt file, not a form" in txt.reason.iloc[0]
    for rel in bad:
        rows = result.report[result.report.file == rel]
        assert len(rows) == 1
        assert (rows.sheet.iloc[0], rows.cell.iloc[0], rows.status.iloc[0]) == ("", "", "rejected")
    obs = obs_of(result, "439")
    for (ind, part, year), x in BASE_VALUES.items():
        col = {"num": "numerator", "den": "denominator", "value": "value_reported"}[part]
        assert getattr(obs[(ind, year)], col) == pytest.approx(x)
    assert obs[("1.1a", 2015)].value == pytest.approx(100 * 12 / 40)
    obs = obs_of(result, "440")
    assert (obs[("1.1a", 2020)].numerator, obs[("1.1a", 2020)].denominator) == (9, 30)
    assert obs[("1.1a", 2020)].value == pytest.approx(100 * 9 / 30)
    assert obs[("4.1", 2020)].value == pytest.approx(109.5)
    assert_run_accounted(result, raw, [good_439, good_440])
    assert sum(result.counts.values()) == len(result.report)
    assert sorted(result.submissions.unit) == ["439", "440"]


def test_sample_forms_ingest_without_rejections(tmp_path):
    files = sorted(p for p in RAW_SAMPLES.rglob("*.xlsx") if not p.name.startswith("~$"))
    assert files
    result = ingest(RAW_SAMPLES, tmp_path / "processed")
    assert result.files == len(files)
    assert result.counts["rejected"] == 0, result.report[result.report.status == "rejected"].head()
    assert result.counts["accepted"] > 0
    assert sum(result.counts.values()) == sum(len(nonempty_cells(p)) for p in files)


# --------------------------------------------------------------------------- Vietnamese by default
def test_reasons_and_summary_are_vietnamese_by_default(base_file, tmp_path):
    raw = tmp_path / "raw"
    make_form(base_file, raw, {LAY.sheet_ind: {"F14": "abc", "L5": 50, "L6": 40, "M6": -5},
                               LAY.sheet_id: {"B7": "hôm qua"}})
    (raw / "hong.xlsx").write_bytes(b"")
    result = ingest(raw, tmp_path / "processed")            # no lang: the secretariat's language
    rep = result.report.set_index(["file", "sheet", "cell"])
    reason = lambda cell, sheet=LAY.sheet_ind: rep.loc[("huong-son.xlsx", sheet, cell), "reason"]  # noqa: E731
    assert reason("F14") == "'abc' không phải là số; cần ghi số nguyên (tử số của chỉ tiêu 1.3, năm 2010)"
    assert reason("L5") == reason("L6") == ("tử số 50 (L5) lớn hơn mẫu số 40 (L6) của chỉ tiêu 1.1a, năm 2016; "
                                            "không sử dụng cả hai")
    assert reason("M6").startswith("-5 là số âm; cần số ≥ 0 (mẫu số của chỉ tiêu 1.1a, năm 2017)")
    assert reason("B7", LAY.sheet_id) == ("'hôm qua' không phải là ngày; cần ghi theo dạng dd/mm/yyyy; "
                                        "không xác định được gửi đúng hạn hay chậm")
    assert rep.loc[("hong.xlsx", "", ""), "reason"].startswith("không phải tệp Excel (.xlsx) hoặc tệp đã bị hỏng")
    assert (result.report[result.report.status == "ignored"].reason.isin(["nhãn", "mã dòng", "hướng dẫn"])).all()
    text = result.summary()
    assert "Đã đọc 2 tệp, xác định được 1 đơn vị" in text and "6 ô bị loại" in text  # F14, L5, L6, M6, B7 and the empty file
    assert "Lý do loại thường gặp nhất:" in text and "Chưa gửi biểu mẫu: Thành phố Hà Tĩnh" in text
    # the same run in English gives the same statuses, only the words differ
    again = ingest(raw, tmp_path / "processed-en", lang="en")
    en = again.summary()
    assert "2 file(s) read, 1 unit(s) identified" in en and "Missing forms: Ha Tinh City" in en
    assert "không" not in en  # no Vietnamese reason in the English summary
    assert again.report.status.tolist() == result.report.status.tolist()
    assert again.report.set_index(["file", "sheet", "cell"]).loc[("huong-son.xlsx", LAY.sheet_ind, "F14"), "reason"] \
        == "'abc' is not a number; expected a whole number (numerator of indicator 1.3, 2010)"

"""Forms as officers really send them back (issue 11): re-saved by another office suite (.xls, .ods,
LibreOffice's .xlsx), rows and columns inserted, deleted or moved, sheets renamed or copied, numbers in
the wrong scale or place, a neighbour's form forwarded, corrections re-sent, dates as people write them,
an empty folder, a sheet formatted down to the last row.

Every test builds its workbooks here (from the base form of Hương Sơn, district 439, written by
``forms.write_form``), asserts the value read or the reason and cell of a rejection, and that nothing
else was lost or moved: every non-empty cell has exactly one report row (counted independently with
openpyxl in normal mode, or, for a file LibreOffice converted, in the .xlsx it was converted from).
Expected values come from each test's own inputs, never from output of the code under test.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import subprocess
import unicodedata
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from test_ingest_hostile import (
    BASE_IDENT,
    BASE_TARGETS,
    BASE_TEXTS,
    BASE_VALUES,
    LAY,
    UNIT,
    assert_accounted,
    assert_base_kept,
    make_form,
    nonempty_cells,
    parts_of,
    patch_member,
    read,
    row_of,
    sheet_member,
)

import gender_metrics as gm
from gender_metrics import forms as F
from gender_metrics.forms.workbook import read_book
from gender_metrics.ingest import EmptyIngestError, ingest

IND, TGT, ID, TXT = LAY.sheet_ind, LAY.sheet_tgt, LAY.sheet_id, LAY.sheet_txt
NO_SOFFICE = ("LibreOffice is not installed (no `soffice` on PATH): run `make test`, which installs it "
              "(Debian packages libreoffice-calc-nogui, libreoffice-writer-nogui, poppler-utils).")


@pytest.fixture(scope="module")
def base_file(tmp_path_factory) -> Path:
    """The filled form of Hương Sơn that test_ingest_hostile uses, written once; tests work on copies."""
    path = tmp_path_factory.mktemp("base") / "huong-son.xlsx"
    return F.write_form(UNIT, path, values=BASE_VALUES, targets=BASE_TARGETS, texts=BASE_TEXTS, ident=BASE_IDENT)


def accounted_by_place(report: list[dict], expected: set[tuple[str, str]]) -> None:
    keys = [(r["sheet"], r["cell"]) for r in report]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected


# --------------------------------------------------------------------------- 1. other file formats
def soffice(files: list[Path], fmt: str, out: Path) -> None:
    """Convert with LibreOffice headless, a profile of its own (no lock clash with parallel runs)."""
    exe = shutil.which("soffice")
    if exe is None:
        pytest.fail(NO_SOFFICE)
    profile = Path("/tmp") / f"gm-lo-{uuid.uuid4().hex}"
    out.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(out), *map(str, files)], check=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    for f in files:
        assert (out / f"{f.stem}.{fmt.split(':')[0]}").exists(), (f, fmt)


# the officer's form: percentages typed with the % key (stored 0.352 in a 0.0% cell), a literal "%"
# in a number format (the number as stored), a date, a number typed as text, a note
OFFICE_EDITS = {("1.3", "value", 2014): (0.352, "0.0%"), ("1.3", "value", 2015): (36.4, '0.0"%"'),
                ("1.3", "value", 2016): (37.5, "0.0\\%"), ("1.2", "num", 2012): ("1.234", None),
                ("1.2", "den", 2012): (2000, "#,##0")}


def cell_of(ind: str, part: str, year: int) -> str:
    row = next(fr.row for fr in LAY.indicator_rows(UNIT) if fr.key == f"{ind}|{part}")
    return f"{get_column_letter(LAY.year_col(year))}{row}"


@pytest.fixture(scope="module")
def office_files(base_file, tmp_path_factory) -> dict[str, Path]:
    """One officer's form as .xlsx, and as LibreOffice saves it: .xls, .ods and .xlsx (one call each)."""
    root = tmp_path_factory.mktemp("office")
    src = make_form(base_file, root / "src", {IND: {"Q14": "Nguồn: Phòng Nội vụ"}}, name="huong-son.xlsx")
    wb = load_workbook(src)
    for (ind, part, year), (v, fmt) in OFFICE_EDITS.items():
        c = wb[IND][cell_of(ind, part, year)]
        c.value = v
        if fmt:
            c.number_format = fmt
    wb.save(src)
    out = {"xlsx": src}
    for fmt in ("xls", "ods", "xlsx"):
        soffice([src], fmt, root / fmt)
        out[f"lo-{fmt}"] = root / fmt / f"huong-son.{fmt}"
    return out


@pytest.mark.parametrize("kind", ["xlsx", "lo-xls", "lo-ods", "lo-xlsx"])
def test_every_format_reads_the_same_values(office_files, kind):
    path = office_files[kind]
    fr = read(path)
    assert fr.kind == kind.split("-")[-1]
    parts = parts_of(fr)
    assert parts[("1.3", "value", 2014)] == pytest.approx(35.2)       # typed 35,2% (Excel percent scaling)
    assert parts[("1.3", "value", 2015)] == pytest.approx(36.4)       # 0.0"%": the number as stored
    assert parts[("1.3", "value", 2016)] == pytest.approx(37.5)       # 0.0\%: the number as stored
    assert parts[("1.2", "num", 2012)] == 1234 and parts[("1.2", "den", 2012)] == 2000
    assert_base_kept(fr)
    assert fr.ident["submitted"] == BASE_IDENT["submitted"] and fr.ident["person"] == BASE_IDENT["person"]
    assert fr.targets == [("1.1", 2025, 35.0, f"{TGT}!G5")]
    assert ("indicator_note", "1.3", "Nguồn: Phòng Nội vụ", f"{IND}!Q14") in fr.texts
    assert not [r for r in fr.report if r["status"] == "rejected"]
    # every cell typed into the .xlsx the conversion started from has its row, and nothing else
    accounted_by_place(fr.report, nonempty_cells(office_files["xlsx"]))


def test_files_that_are_not_forms_are_listed(base_file, tmp_path):
    raw = tmp_path / "raw"
    make_form(base_file, raw, name="huong-son.xlsx")
    (raw / "bao-cao.pdf").write_bytes(b"%PDF-1.4\n%...")
    (raw / "so-lieu.csv").write_text("Mã;439\n", encoding="utf-8")
    with zipfile.ZipFile(raw / "bao-cao.docx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    (raw / "xuat-tu-phan-mem.xls").write_text("<html><table><tr><td>439</td></tr></table></html>", encoding="utf-8")
    (raw / ".~lock.huong-son.xlsx#").write_text("lock")
    with zipfile.ZipFile(raw / "nhi-phan.xlsb", "w") as z:
        z.writestr("xl/workbook.bin", b"\x83\x01")
    result = ingest(raw, tmp_path / "p", lang="en")
    rep = result.report.set_index("file")
    assert rep.loc["bao-cao.pdf", "reason"].startswith("a PDF file, not the Excel form")
    assert rep.loc["so-lieu.csv", "reason"].startswith("a .csv file, not a form")
    assert rep.loc["bao-cao.docx", "reason"].startswith("a Word document")
    assert "web page (HTML)" in rep.loc["xuat-tu-phan-mem.xls", "reason"]
    assert rep.loc[".~lock.huong-son.xlsx#", "status"] == "ignored"
    assert rep.loc["nhi-phan.xlsb", "reason"].startswith("a binary Excel workbook (.xlsb)")
    for f in ("bao-cao.pdf", "so-lieu.csv", "bao-cao.docx", "xuat-tu-phan-mem.xls", "nhi-phan.xlsb"):
        assert rep.loc[f, "status"] == "rejected" and rep.loc[f, "sheet"] == ""
    assert result.files == 7 and result.units == [UNIT]
    assert "Files that are not forms: " in result.summary() and "bao-cao.pdf" in result.summary()


# --------------------------------------------------------------------------- 2. the layout moved
def edit(base: Path, tmp_path: Path, fn, name: str = "huong-son.xlsx") -> Path:
    path = make_form(base, tmp_path, name=name)
    wb = load_workbook(path)
    fn(wb)
    wb.save(path)
    wb.close()
    return path


def test_row_inserted_in_the_identification_sheet(base_file, tmp_path):
    path = edit(base_file, tmp_path, lambda wb: wb[ID].insert_rows(5))      # the person moves to row 6
    fr = read(path)
    assert fr.ident["person"] == BASE_IDENT["person"] and fr.ident["phone"] == BASE_IDENT["phone"]
    assert fr.ident["submitted"] == BASE_IDENT["submitted"] and fr.ident["data_kind"] == BASE_IDENT["data_kind"]
    assert row_of(fr, ID, "B8")["status"] == "accepted"                     # the date, one row down
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_column_inserted_before_the_years_and_a_title_above_the_header(base_file, tmp_path):
    def change(wb):
        ws = wb[IND]
        ws["Q14"] = "ghi chú"
        ws["P5"] = 20                          # 1.1a numerator 2020
        ws.insert_cols(6)                      # an empty column before 2010: 2020 moves to Q, notes to R
        ws.insert_rows(1)                      # a title line above everything
        ws["B1"] = "UBND HUYỆN HƯƠNG SƠN"
    fr = read(edit(base_file, tmp_path, change))
    parts = parts_of(fr)
    assert parts[("1.1a", "num", 2020)] == 20
    assert parts[("1.3", "num", 2016)] == BASE_VALUES[("1.3", "num", 2016)]
    assert ("indicator_note", "1.3", "ghi chú", f"{IND}!R15") in fr.texts
    assert row_of(fr, IND, "B1")["status"] == "ignored"
    assert not [r for r in fr.report if r["status"] == "rejected"]
    assert_base_kept(fr)


def test_key_column_deleted_rows_found_by_code_and_part(base_file, tmp_path):
    path = edit(base_file, tmp_path, lambda wb: wb[IND].delete_cols(1))
    fr = read(path)
    assert parts_of(fr) == {k: pytest.approx(v) for k, v in BASE_VALUES.items()}
    assert not [r for r in fr.report if r["status"] == "rejected"]
    assert_accounted(fr.report, path)


def test_value_typed_into_a_merged_label_cell_of_the_assessment(base_file, tmp_path):
    def change(wb):
        ws = wb[TXT]
        ws.merge_cells("B12:C12")
        ws["B12"] = "Còn thiếu cán bộ chuyên trách"
    path = edit(base_file, tmp_path, change)
    fr = read(path)
    assert ("shortcomings", None, "Còn thiếu cán bộ chuyên trách", f"{TXT}!B12") in fr.texts
    assert row_of(fr, TXT, "B12")["status"] == "accepted"
    assert not [r for r in fr.report if r["sheet"] == TXT and r["status"] == "rejected"]
    assert_accounted(fr.report, path)


@pytest.mark.parametrize("rename", [
    lambda s: unicodedata.normalize("NFD", s), lambda s: s.upper() + " ", lambda s: gm.reference.fold(s),
    lambda s: s + " (2)", lambda s: "Sheet9"])
def test_sheets_renamed(base_file, tmp_path, rename):
    def change(wb):
        for name in (IND, TGT, TXT, ID):
            wb[name].title = rename(name)[:31] if rename(name) != "Sheet9" else f"Sheet{[IND, TGT, TXT, ID].index(name)}"
    path = edit(base_file, tmp_path, change)
    fr = read(path)
    assert parts_of(fr) == {k: pytest.approx(v) for k, v in BASE_VALUES.items()}
    assert [(i, y, v) for i, y, v, _ in fr.targets] == [("1.1", 2025, 35.0)]
    assert BASE_TEXTS["results"] in [x for _, _, x, _ in fr.texts]
    assert fr.unit == UNIT and not [r for r in fr.report if r["status"] == "rejected"]
    assert_accounted(fr.report, path)


def test_copied_sheet_the_copy_with_values_is_read(base_file, tmp_path):
    def change(wb):
        copy = wb.copy_worksheet(wb[IND])
        copy.title = f"{IND} (2)"
        for key, _ in BASE_VALUES.items():
            wb[IND][cell_of(*key)] = None      # the original left blank, the copy filled
        copy[cell_of("1.1a", "num", 2016)] = 15
    path = edit(base_file, tmp_path, change)
    fr = read(path)
    assert parts_of(fr)[("1.1a", "num", 2016)] == 15
    assert_base_kept(fr)
    assert {r["status"] for r in fr.report if r["sheet"] == IND} == {"ignored"}       # an unused copy
    assert_accounted(fr.report, path)


def test_two_filled_copies_of_a_sheet_are_both_rejected(base_file, tmp_path):
    def change(wb):
        copy = wb.copy_worksheet(wb[IND])
        copy.title = f"{IND} (2)"
        copy[cell_of("1.1a", "num", 2015)] = 13
    path = edit(base_file, tmp_path, change)
    fr = read(path)
    assert fr.parts == []
    for sheet in (IND, f"{IND} (2)"):
        row = row_of(fr, sheet, cell_of("1.1a", "num", 2015))
        assert row["status"] == "rejected" and "more than one copy of the sheet" in row["reason"]
    assert_accounted(fr.report, path)


@pytest.mark.parametrize("change", ["insert_before", "delete_national", "insert_between_years"])
def test_targets_sheet_columns_moved(base_file, tmp_path, change):
    """The 2025 proposal stays the 2025 one; a value in an inserted column without a header is rejected."""
    def fn(wb):
        ws = wb[TGT]
        ws["H6"] = 52                              # 2.1 proposal 2030
        if change == "insert_before":
            ws.insert_cols(4)
        elif change == "delete_national":
            ws.delete_cols(5)                      # national 2025
        else:
            ws.insert_cols(8)                      # between the 2025 and 2030 proposals
            ws["H7"] = 99
    fr = read(edit(base_file, tmp_path, fn))
    assert sorted((i, y, v) for i, y, v, _ in fr.targets) == [("1.1", 2025, 35.0), ("2.1", 2030, 52.0)]
    if change == "insert_between_years":
        row = row_of(fr, TGT, "H7")
        assert row["status"] == "rejected" and "outside the form's columns" in row["reason"]


# a property: random edits of the kinds officers make never move, change or drop a value silently
RENAMES = (lambda s: unicodedata.normalize("NFD", s), lambda s: s.upper(), lambda s: s + " ",
           lambda s: gm.reference.fold(s), lambda s: s + " (2)")


@pytest.fixture(scope="module")
def unique_form(tmp_path_factory) -> tuple[Path, dict, dict]:
    """A form of 439 in which every number is different: a value found anywhere says where it belongs."""
    values, truth = {}, {}
    for k, fr in enumerate(LAY.indicator_rows(UNIT)):
        for j, year in enumerate((2011, 2015, 2019)):
            x = {"num": 100 + 3 * k + j, "den": 1000 + 3 * k + j, "value": 20 + (3 * k + j) * 0.25}[fr.part]
            values[(fr.indicator, fr.part, year)] = x
            truth[float(x)] = ("part", fr.indicator, fr.part, year)
    targets = {}
    for i, ind in enumerate(LAY.indicators_for(UNIT, "2021-2030").id):
        for j, year in enumerate((2025, 2030)):
            targets[(ind, year)] = round(30.01 + 0.02 * i + 0.01 * j, 2)
            truth[targets[(ind, year)]] = ("target", ind, year)
    path = tmp_path_factory.mktemp("unique") / "unique.xlsx"
    F.write_form(UNIT, path, values=values, targets=targets, ident=BASE_IDENT, texts=BASE_TEXTS)
    return path, truth, values


def random_edits(wb, rng: random.Random) -> dict[tuple[str, str], float]:
    """Apply 1-5 random edits; numbers are retyped last. Returns {(sheet, cell): number} of retyped cells."""
    for _ in range(rng.randint(1, 5)):
        kind = rng.choice(["ins_row", "del_row", "ins_col", "del_col", "swap_rows", "swap_cols", "rename",
                           "ident_row", "ident_col", "tgt_col"])
        ind = next(ws for ws in wb.worksheets if gm.reference.fold(ws.title).startswith("chi tieu"))
        if kind == "ins_row":
            ind.insert_rows(rng.randint(1, 62), rng.randint(1, 2))
        elif kind == "del_row":
            ind.delete_rows(rng.randint(1, 62))
        elif kind == "ins_col":
            ind.insert_cols(rng.randint(1, 18))
        elif kind == "del_col":
            ind.delete_cols(rng.randint(1, 18))
        elif kind in ("swap_rows", "swap_cols"):
            a, b = rng.sample(range(5, 61) if kind == "swap_rows" else range(6, 17), 2)
            for k in range(1, 70 if kind == "swap_cols" else 19):
                ca, cb = (ind.cell(a, k), ind.cell(b, k)) if kind == "swap_rows" else (ind.cell(k, a), ind.cell(k, b))
                ca.value, cb.value = cb.value, ca.value
        elif kind == "rename":
            ws = rng.choice(wb.worksheets[1:])
            ws.title = rng.choice(RENAMES)(ws.title)[:31]
        elif kind == "ident_row":
            wb.worksheets[1].insert_rows(rng.randint(1, 9))
        elif kind == "ident_col":
            wb.worksheets[1].insert_cols(rng.randint(1, 2))
        else:
            tg = next(ws for ws in wb.worksheets if "muc tieu" in gm.reference.fold(ws.title))
            (tg.insert_cols if rng.random() < 0.5 else tg.delete_cols)(rng.randint(1, 9))
    retyped = {}
    cells = [c for ws in wb.worksheets[2:4] for row in ws.iter_rows() for c in row
             if isinstance(c.value, int | float) and not isinstance(c.value, bool)]
    for c in rng.sample(cells, min(6, len(cells))):
        x = float(c.value)
        style = rng.choice(["text", "comma", "spaced", "percent"])
        if style == "percent" and x < 100 and x != int(x):
            c.value, c.number_format = x / 100, "0.00%"
        elif x == int(x):
            c.value = f"{int(x):,}".replace(",", ".") if style != "spaced" else f" {int(x)} "
        else:
            c.value = f"{x:g}".replace(".", ",")
        retyped[(c.parent.title, c.coordinate)] = x
    return retyped


@pytest.mark.parametrize("seed", range(24))
def test_random_edits_never_move_or_lose_a_value_silently(unique_form, tmp_path, seed):
    src, truth, _ = unique_form
    path = tmp_path / "edited.xlsx"
    shutil.copyfile(src, path)
    rng = random.Random(seed)
    wb = load_workbook(path)
    retyped = random_edits(wb, rng)
    wb.save(path)
    # every value the edited workbook still holds, and where
    wb = load_workbook(path)
    present = {(ws.title, c.coordinate): float(c.value) for ws in wb.worksheets for row in ws.iter_rows()
               for c in row if isinstance(c.value, int | float) and not isinstance(c.value, bool)
               and float(c.value) in truth and wb.worksheets.index(ws) >= 2}
    present.update(retyped)
    fr = read(path)
    assert fr.unit == UNIT
    assert_accounted(fr.report, path)
    read_at = {}
    for ind, part, year, x, ref in fr.parts:          # nothing moved or changed: each value in its own slot
        assert truth[round(x, 6)] == ("part", ind, part, year), (ref, x)
        read_at[tuple(ref.split("!"))] = x
    for ind, year, x, ref in fr.targets:
        assert truth[round(x, 6)] == ("target", ind, year), (ref, x)
        read_at[tuple(ref.split("!"))] = x
    for (sheet, cell), x in present.items():          # nothing lost: read where it is, or rejected there
        row = row_of(fr, sheet, cell)
        assert row["status"] in ("accepted", "rejected"), (sheet, cell, row)
        if row["status"] == "accepted":
            assert read_at.get((sheet, cell)) == pytest.approx(x), (sheet, cell)


# --------------------------------------------------------------------------- 3. wrong scale or place
def test_a_share_typed_as_a_fraction_is_rejected(base_file, tmp_path):
    # 2.1 (a share in %) has 47,5 in 2018: 0,42 in 2017 is 42% typed as a fraction; 0,42% typed with
    # its sign is a small share, as typed
    path = make_form(base_file, tmp_path, {IND: {"M19": 0.42, "L19": "0,46%", "O19": "0,5"}})
    fr = read(path)
    for cell, pct in (("M19", "42"), ("O19", "50")):
        row = row_of(fr, IND, cell)
        assert (row["status"], row["flag"], row["expected"]) == ("rejected", "probable_fraction", pct)
        assert f"looks like a fraction (= {pct}%)" in row["reason"]
    assert parts_of(fr)[("2.1", "value", 2016)] == pytest.approx(0.46)
    assert ("2.1", "value", 2017) not in parts_of(fr)
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_a_fraction_matching_its_own_parts_is_rejected_and_a_small_share_kept(base_file, tmp_path):
    # 1.3 in 2012: 7 of 20 = 35%, reported 0,35; in 2013: 1 of 200 = 0,5%, reported 0,5 (a small share)
    path = make_form(base_file, tmp_path, {IND: {"H14": 7, "H15": 20, "H16": "0,35",
                                                 "I14": 1, "I15": 200, "I16": "0,5"}})
    fr = read(path)
    row = row_of(fr, IND, "H16")
    assert (row["status"], row["flag"], row["expected"]) == ("rejected", "probable_fraction", "35")
    assert row_of(fr, IND, "I16")["status"] == "accepted" and row_of(fr, IND, "I16")["flag"] == ""
    assert parts_of(fr)[("1.3", "value", 2013)] == pytest.approx(0.5)
    assert_accounted(fr.report, path)


def test_value_that_disagrees_with_its_parts_is_flagged_and_rounding_is_not(base_file, tmp_path):
    # 1.1a 2015: 12 of 40 = 30%; reported 40 (disagrees), 1.3 2016: 7 of 21 = 33.33%, reported 33,3 (rounding)
    path = make_form(base_file, tmp_path, {IND: {"K7": 40, "L16": "33,3"}})
    fr = read(path)
    row = row_of(fr, IND, "K7")
    assert (row["status"], row["flag"], row["expected"]) == ("accepted", "parts_disagree", "30.0")
    assert "disagrees with its numerator 12 (K5) and denominator 40 (K6), which give 30.00" in row["reason"]
    assert row_of(fr, IND, "L16")["flag"] == ""
    assert parts_of(fr)[("1.1a", "value", 2015)] == 40        # kept as reported; the parts give the value
    assert_accounted(fr.report, path)


def test_numbers_pasted_one_column_late(base_file, tmp_path):
    # row 1.2 numerator (row 11) typed from G to Q: nothing under 2010, the 2020 number in the notes column
    late = {get_column_letter(c): 100 + c for c in range(7, 18)}
    path = make_form(base_file, tmp_path, {IND: {**{f"{k}11": v for k, v in late.items()}, "Q14": 7}})
    fr = read(path)
    note = row_of(fr, IND, "Q11")
    assert (note["status"], note["flag"]) == ("rejected", "misplaced") and "in the notes column" in note["reason"]
    for col in "GHIJKLMNOP":
        row = row_of(fr, IND, f"{col}11")
        assert row["status"] == "rejected" and "pasted one column late" in row["reason"]
    assert not [k for k in parts_of(fr) if k[:2] == ("1.2", "num")]
    # a number in the notes of a row that does not reach the last year: only that cell is rejected
    assert row_of(fr, IND, "Q14")["flag"] == "misplaced"
    assert parts_of(fr)[("1.3", "num", 2016)] == 7
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


def test_iferror_blank_shows_nothing_and_is_not_rejected(base_file, tmp_path):
    """=IFERROR(…;"") as LibreOffice saves it: a text result that is empty; the cell shows nothing."""
    path = make_form(base_file, tmp_path)
    member = sheet_member(path, IND)

    def to_formula(xml: str) -> str:
        # an empty cell, as the XML writer spells it (self-closed or not)
        new, n = re.subn(r'<c r="L7"[^>]*?(?:/>|></c>)', '<c r="L7" t="str"><f>IFERROR(L5/L6*100,"")</f><v></v></c>', xml)
        assert n == 1
        return new

    patch_member(path, member, to_formula)
    fr = read(path)
    row = row_of(fr, IND, "L7")
    assert row["status"] == "ignored" and "formula that shows an empty cell" in row["reason"]
    assert_base_kept(fr)
    assert_accounted(fr.report, path)


# --------------------------------------------------------------------------- 4. the wrong unit
def test_form_forwarded_from_a_neighbour_is_rejected_with_both_names(base_file, tmp_path):
    """Đức Thọ (440) forwards Hương Sơn's form, retypes the name, leaves the code 439: neither unit's
    data is assumed; Hương Sơn's own form keeps its figures."""
    raw = tmp_path / "raw"
    make_form(base_file, raw, name="huong-son.xlsx")
    make_form(base_file, raw, {ID: {"B4": "UBND huyện Đức Thọ", "B7": dt.datetime(2021, 4, 22)},
                               IND: {"K5": 3, "K6": 50}}, name="duc-tho.xlsx")
    result = ingest(raw, tmp_path / "p", lang="en")
    fwd = result.report[result.report.file == "duc-tho.xlsx"]
    assert not (fwd.status == "accepted").any()
    code = fwd[fwd.cell == "B3"].iloc[0]
    assert code.flag == "unit_conflict"
    assert "Huong Son District (code 439)" in code.reason and "Duc Tho District (code 440)" in code.reason
    assert "the unit is not identified" not in code.reason
    value = fwd[(fwd.sheet == IND) & (fwd.cell == "K5")].iloc[0]
    assert value.status == "rejected" and "Duc Tho District (code 440)" in value.reason
    obs = result.observations.set_index(["unit", "indicator", "year"])
    assert obs.loc[(UNIT, "1.1a", 2015)].numerator == 12 and "huong-son.xlsx" in obs.loc[(UNIT, "1.1a", 2015)].source
    assert "440" not in set(result.observations.unit) and result.units == [UNIT]
    nonempty = sum(len(nonempty_cells(p)) for p in raw.iterdir())
    assert len(result.report) == nonempty


@pytest.mark.parametrize("name", ["UBND huyện Hương Sơn", "H.Hương Sơn", "Ủy ban nhân dân huyện Hương Sơn"])
def test_unit_names_as_officers_write_them(base_file, tmp_path, name):
    path = make_form(base_file, tmp_path, {ID: {"B3": None, "B4": name}})
    fr = read(path)
    assert fr.unit == UNIT and row_of(fr, ID, "B4")["status"] == "accepted"
    assert_accounted(fr.report, path)


def test_indicator_sheets_identical_across_units_are_flagged(base_file, tmp_path):
    raw = tmp_path / "raw"
    make_form(base_file, raw, name="huong-son.xlsx")
    make_form(base_file, raw, {ID: {"B3": "440", "B4": "Huyện Đức Thọ"}}, name="duc-tho.xlsx")
    result = ingest(raw, tmp_path / "p", lang="en")
    assert result.units == [UNIT, "440"]
    for f, other in (("huong-son.xlsx", "Duc Tho District"), ("duc-tho.xlsx", "Huong Son District")):
        rows = result.report[(result.report.file == f) & (result.report.sheet == IND) & (result.report.status == "accepted")]
        assert len(rows) == len(BASE_VALUES) and (rows.flag == "identical_sheet").all()
        assert rows.reason.str.contains(f"identical to that of {other}").all()
    assert "Identical indicator sheets: Duc Tho District (duc-tho.xlsx), Huong Son District (huong-son.xlsx)" \
        in result.summary()


# --------------------------------------------------------------------------- 5. re-sent corrections
def set_modified(path: Path, when: dt.datetime) -> None:
    """The workbook's own last-saved time, as Excel records it in docProps/core.xml."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    patch_member(path, "docProps/core.xml", lambda xml: re.sub(
        r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", xml))


def test_correction_with_the_same_date_saved_later_wins_over_the_file_name(base_file, tmp_path):
    raw = tmp_path / "raw"
    original = make_form(base_file, raw, name="huong-son.xlsx")
    fix = make_form(base_file, raw, {IND: {"K5": 13}}, name="huong-son (1).xlsx")   # sorts before the original
    set_modified(original, dt.datetime(2021, 4, 20, 9, 0))
    set_modified(fix, dt.datetime(2021, 4, 21, 10, 32))
    result = ingest(raw, tmp_path / "p", lang="en")
    assert result.submissions.file.tolist() == ["huong-son (1).xlsx"]
    assert result.observations.set_index(["unit", "indicator", "year"]).loc[(UNIT, "1.1a", 2015)].numerator == 13
    old = result.report[result.report.file == "huong-son.xlsx"]
    assert not (old.status == "accepted").any() and (old[old.status == "rejected"].flag == "superseded").all()
    why = old[old.cell == "K5"].reason.iloc[0]
    assert "also sent huong-son (1).xlsx, with the same submission date, saved later" in why
    assert "21/04/2021 10:32:00 against 20/04/2021 09:00:00" in why
    assert "Huong Son District: kept huong-son (1).xlsx (same submission date, saved later)" in result.summary()


def test_partial_correction_is_merged_cell_by_cell(base_file, tmp_path):
    raw = tmp_path / "raw"
    make_form(base_file, raw, name="huong-son.xlsx")
    blank = F.write_form(UNIT, raw / "huong-son-sua.xlsx", values={("1.1a", "num", 2015): 14},
                         ident={**BASE_IDENT, "submitted": dt.date(2021, 4, 22)})
    result = ingest(raw, tmp_path / "p", lang="en")
    obs = result.observations.set_index(["unit", "indicator", "year"])
    assert obs.loc[(UNIT, "1.1a", 2015)].numerator == 14                    # the correction
    assert "huong-son-sua.xlsx" in obs.loc[(UNIT, "1.1a", 2015)].source
    assert obs.loc[(UNIT, "1.1a", 2015)].denominator == 40                  # cell by cell: the earlier denominator
    assert obs.loc[(UNIT, "1.1a", 2015)].value == pytest.approx(35)
    assert obs.loc[(UNIT, "1.1a", 2015)].source.endswith(":huong-son.xlsx!" + IND + "!K6")
    assert obs.loc[(UNIT, "1.3", 2016)].numerator == 7                      # merged from the earlier form
    assert obs.loc[(UNIT, "1.3", 2016)].source.startswith("huong-son.xlsx!")
    old = result.report[(result.report.file == "huong-son.xlsx")].set_index("cell")
    assert old.loc["L14", "status"] == "accepted" and old.loc["L14", "flag"] == "merged"
    assert old.loc["K5", "status"] == "rejected" and old.loc["K5", "flag"] == "superseded"
    assert "Huong Son District: 7 value(s) of huong-son.xlsx taken where the kept form huong-son-sua.xlsx is empty" \
        in result.summary()
    assert blank.exists()


def test_complete_resend_is_kept_whole_and_the_summary_says_what_it_lacks(base_file, tmp_path):
    raw = tmp_path / "raw"
    make_form(base_file, raw, {IND: {"P5": 99}}, name="huong-son.xlsx")
    make_form(base_file, raw, {ID: {"B7": dt.datetime(2021, 4, 22)}}, name="huong-son-2.xlsx")
    result = ingest(raw, tmp_path / "p", lang="en")
    assert (UNIT, "1.1a", 2020) not in result.observations.set_index(["unit", "indicator", "year"]).index
    assert "the kept form huong-son-2.xlsx lacks 1 value(s) that huong-son.xlsx gave" in result.summary()


# --------------------------------------------------------------------------- 6. dates
@pytest.mark.parametrize(("typed", "expected", "fragment"), [
    ("ngày 23 tháng 4 năm 2021", dt.date(2021, 4, 23), None),
    ("Hương Sơn, ngày 20 tháng 04 năm 2021", dt.date(2021, 4, 20), None),
    (44306, dt.date(2021, 4, 20), None),                       # an Excel serial in a General cell
    (dt.datetime(2012, 4, 20), None, "the date 20/04/2012 is impossible (before 01/01/2021)"),
    ("20/04/2099", None, "the date 20/04/2099 is impossible (after"),
])
def test_dates_as_officers_write_them(base_file, tmp_path, typed, expected, fragment):
    path = make_form(base_file, tmp_path, {ID: {"B7": typed}})
    fr = read(path)
    row = row_of(fr, ID, "B7")
    assert fr.ident.get("submitted") == expected
    if fragment:
        assert (row["status"], row["flag"]) == ("rejected", "impossible_date") and fragment in row["reason"]
        assert row["expected"].startswith("a date dd/mm/yyyy from 01/01/2021")
    else:
        assert row["status"] == "accepted"
    assert_accounted(fr.report, path)


def test_units_without_a_date_are_listed(base_file, tmp_path):
    raw = tmp_path / "raw"
    make_form(base_file, raw, {ID: {"B7": None}}, name="huong-son.xlsx")
    result = ingest(raw, tmp_path / "p", lang="en")
    assert "No submission date (timeliness unknown): Huong Son District" in result.summary()
    blanks = gm.load_table("blanks", tmp_path / "p")
    assert ((blanks.field == "submitted") & (blanks.cell == "B7")).any()


# --------------------------------------------------------------------------- 7. an empty or wrong folder
def test_a_folder_without_forms_is_refused_and_nothing_replaced(base_file, tmp_path):
    from gender_metrics.run.cli import main

    raw, empty, processed = tmp_path / "raw", tmp_path / "empty", tmp_path / "p"
    make_form(base_file, raw, name="huong-son.xlsx")
    empty.mkdir()
    (empty / "ghi-chu.txt").write_text("nothing here")
    ingest(raw, processed)
    before = (processed / "CURRENT").read_text()
    with pytest.raises(EmptyIngestError, match="no form was read"):
        ingest(empty, processed, lang="en")
    assert (processed / "CURRENT").read_text() == before
    assert main(["ingest", "--raw", str(empty), "--processed", str(processed)]) == 1
    assert (processed / "CURRENT").read_text() == before
    assert main(["ingest", "--raw", str(empty), "--processed", str(processed), "--allow-empty"]) == 0
    assert (processed / "CURRENT").read_text() != before
    assert gm.load_table("submissions", processed).empty
    assert main(["run", "--processed", str(processed), "--out", str(tmp_path / "reports")]) == 1
    assert not (tmp_path / "reports").exists()


# --------------------------------------------------------------------------- 8. size
def pad_rows(path: Path, sheet: str, up_to: int, value_at: int | None = None) -> None:
    """Format a sheet down to row ``up_to`` (empty styled cells, as a copied format leaves them), with
    one value at row ``value_at``."""
    member = sheet_member(path, sheet)

    def grow(xml: str) -> str:
        start = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml)) + 1
        rows = []
        for r in range(start, up_to + 1):
            cells = "".join(f'<c r="{c}{r}" s="3"/>' for c in "ABCDEFGHIJKLMNOPQ")
            if r == value_at:
                cells += f'<c r="R{r}" t="n"><v>77</v></c>'
            rows.append(f'<row r="{r}">{cells}</row>')
        return xml.replace("</sheetData>", "".join(rows) + "</sheetData>")

    patch_member(path, member, grow)


def test_a_sheet_formatted_far_down_is_read_only_to_its_last_value(base_file, tmp_path):
    path = make_form(base_file, tmp_path)
    pad_rows(path, IND, 8_000)
    book = read_book(path)
    assert book.scanned[IND] <= 70                  # the form's rows, not 8,000
    far = make_form(base_file, tmp_path / "far")
    pad_rows(far, IND, 8_000, value_at=6_000)
    assert read_book(far).scanned[IND] == 6_000     # a value far below is still found ...
    fr = read(far)
    row = row_of(fr, IND, "R6000")
    assert row["status"] == "rejected" and "not part of the template" in row["reason"]   # ... and reported
    assert_base_kept(fr)


# --------------------------------------------------------------------------- what the officer and the clerk get back
@pytest.fixture(scope="module")
def returned(base_file, tmp_path_factory) -> Path:
    """Two districts' forms with problems to send back, ingested once (Vietnamese, the default)."""
    root = tmp_path_factory.mktemp("returned")
    raw = root / "raw"
    make_form(base_file, raw, {IND: {"F14": "abc", "K7": 40}, ID: {"B6": None},
                               TGT: {"G6": 50, "H6": 45}}, name="huong-son.xlsx")
    make_form(base_file, raw, {ID: {"B3": "440", "B4": "Huyện Đức Thọ"}, IND: {"K5": 11}}, name="duc-tho.xlsx")
    (raw / "khong-ro.xlsx").write_bytes(b"")
    ingest(raw, root / "p")
    return root / "p"


def test_ingest_report_csv_opens_in_excel_with_vietnamese_and_rejections_first(returned):
    path = gm.store.resolve(returned) / "ingest_report.csv"
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")                                  # UTF-8 with BOM: Excel on Windows
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(df.columns) == ["Tệp", "Đơn vị", "Sheet", "Ô", "Giá trị đã ghi", "Tình trạng", "Cần kiểm tra",
                                "Lý do", "Cần ghi"]
    status = df["Tình trạng"].tolist()
    assert set(status) == {"bị loại", "hợp lệ", "bỏ qua"}
    first_other = next(i for i, s in enumerate(status) if s != "bị loại")
    assert "bị loại" not in status[first_other:]                            # every rejection comes first
    abc = df[(df["Tệp"] == "huong-son.xlsx") & (df["Ô"] == "F14")].iloc[0]
    assert (abc["Đơn vị"], abc["Giá trị đã ghi"], abc["Cần ghi"]) == ("Huyện Hương Sơn", "abc", "số nguyên ≥ 0")
    flagged = df[(df["Tệp"] == "huong-son.xlsx") & (df["Ô"] == "K7")].iloc[0]
    assert (flagged["Tình trạng"], flagged["Cần kiểm tra"]) == ("hợp lệ", "giá trị không khớp tử số, mẫu số")
    assert len(df) == len(gm.load_table("ingest_report", returned))


def test_ingest_report_workbook_has_a_sheet_per_unit(returned):
    wb = load_workbook(gm.store.resolve(returned) / "ingest_report.xlsx", read_only=True)
    assert wb.sheetnames == ["Tổng hợp", "Huyện Hương Sơn", "Huyện Đức Thọ", "Chưa xác định đơn vị"]
    rows = [r for r in wb["Huyện Hương Sơn"].iter_rows(values_only=True)]
    assert rows[1][:3] == ("Biểu mẫu", "Định dạng", "Được sử dụng")
    assert rows[2][:3] == ("huong-son.xlsx", "xlsx", "có")
    cells = {r[2]: r for r in rows[4:] if r and len(r) > 2}
    assert cells["F14"][4] == "bị loại" and cells["K7"][5] == "giá trị không khớp tử số, mẫu số"
    summary = {r[0]: r for r in wb["Tổng hợp"].iter_rows(min_row=3, values_only=True)}
    assert summary["khong-ro.xlsx"][3] == "không" and summary["huong-son.xlsx"][6] == 1   # one rejected cell
    wb.close()


def test_ingest_report_workbook_of_more_units_than_sheets_points_to_the_csv(returned, tmp_path, monkeypatch):
    """A national run (thousands of units): the summary sheet, and a line saying where every cell is."""
    from gender_metrics.forms import export

    monkeypatch.setattr(export, "UNIT_SHEETS", 2)   # three units here (two districts and an unknown one)
    folder = gm.store.resolve(returned)
    report = gm.load_table("ingest_report", returned)
    files = pd.DataFrame(load_workbook(folder / "ingest_report.xlsx", read_only=True)["Tổng hợp"].iter_rows(
        min_row=3, values_only=True)).iloc[:, :5]
    files.columns = ["file", "unit", "format", "kept", "why"]
    files = files.assign(unit=files.file.map(report.drop_duplicates("file").set_index("file").unit).fillna(""),
                         kept=files.kept.eq("có"), why=files.why.fillna(""))
    path = tmp_path / "ingest_report.xlsx"
    export.write_xlsx(path, report, gm.load_table("submissions", returned), files, gm.load_reference(), "vi")
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["Tổng hợp"]
    rows = [r for r in wb["Tổng hợp"].iter_rows(values_only=True) if r and r[0]]
    assert rows[-1][0] == ("Có 3 đơn vị, quá nhiều để mỗi đơn vị một trang tính: từng ô của mọi biểu mẫu có "
                           "trong tệp ingest_report.csv")
    assert {r[0] for r in rows} >= {"huong-son.xlsx", "duc-tho.xlsx", "khong-ro.xlsx"}   # every file still listed
    wb.close()


def test_feedback_workbook_per_unit_lists_what_to_correct(returned, tmp_path):
    from gender_metrics.run.cli import main

    assert main(["feedback", "--processed", str(returned), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["phan-hoi-chua-xac-dinh.xlsx", "phan-hoi-duc-tho.xlsx",
                                                          "phan-hoi-huong-son.xlsx"]
    ws = load_workbook(tmp_path / "phan-hoi-huong-son.xlsx")["Phản hồi"]
    values = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == "Những điểm cần sửa trong biểu mẫu báo cáo của Huyện Hương Sơn"
    head = values.index(["STT", "Sheet", "Ô", "Đã ghi", "Vấn đề", "Cần ghi"])
    items = {(r[1], r[2]): r for r in values[head + 1:] if r[0]}
    assert items[(ID, "B6")][4] == "mục Điện thoại để trống"                      # a blank required field
    assert items[(IND, "F14")][3] == "abc" and items[(IND, "F14")][5] == "số nguyên ≥ 0"
    assert "không khớp với tử số 12 (K5) và mẫu số 40 (K6)" in items[(IND, "K7")][4]
    assert "mục tiêu đề xuất năm 2030 (45) thấp hơn đề xuất năm 2025 (50)" in items[(TGT, "H6")][4]
    slot = items[(IND, "F11:P13")]                       # 1.2: no data in any year, one row for the indicator
    assert slot[4] == "chưa có số liệu chỉ tiêu 1.2: năm 2010-2020"
    # 1.3: 2010 was typed (rejected, listed above), 2016 given: the other years are blank
    assert items[(IND, "G14:P16")][4] == "chưa có số liệu chỉ tiêu 1.3: năm 2011-2015, 2017-2020"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    unknown = load_workbook(tmp_path / "phan-hoi-chua-xac-dinh.xlsx").active
    assert any(r[1] == "khong-ro.xlsx" for r in unknown.iter_rows(values_only=True))


def test_the_store_knows_every_flag_the_reader_sets():
    from gender_metrics.forms import read as R

    assert set(gm.store.FLAGS) == {"", *R.FLAGS}

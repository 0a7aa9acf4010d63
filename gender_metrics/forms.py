"""Report forms (biểu mẫu): write a blank or pre-filled form for a unit, and its fixed layout.

A form is one .xlsx per reporting unit with five sheets: instructions, identification, the
2011-2020 indicators (numerator, denominator and a reported value per year 2010-2020), the
proposed 2021-2030 targets and the assessment (free text). Column A of the data sheets holds a
machine key (hidden, locked) so that reading never depends on the labels people see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from .catalogue import load_catalogue
from .i18n import fmt_target
from .units import load_units, unit_label

TEMPLATE_VERSION = "gender_metrics-form-1"
YEARS = list(range(2010, 2021))
DEADLINE = dt.date(2021, 4, 23)
SAMPLE_LABEL = "DỮ LIỆU MẪU"

SHEET_HELP = "Hướng dẫn"
SHEET_ID = "Thông tin"
SHEET_IND = "Chỉ tiêu 2011-2020"
SHEET_TGT = "Mục tiêu 2021-2030"
SHEET_TXT = "Đánh giá"
SHEETS = (SHEET_HELP, SHEET_ID, SHEET_IND, SHEET_TGT, SHEET_TXT)

HEADER_ROW = 4          # header row of the three data sheets; data starts below it
FIRST_YEAR_COL = 6      # column F holds 2010
NOTE_COL = FIRST_YEAR_COL + len(YEARS)   # column Q: source / note

# Identification sheet: (row, key, label). Values sit in column B.
ID_FIELDS = [
    (3, "code", "Mã đơn vị"),
    (4, "name", "Tên đơn vị"),
    (5, "person", "Người lập báo cáo"),
    (6, "phone", "Điện thoại"),
    (7, "submitted", "Ngày gửi báo cáo (dd/mm/yyyy)"),
    (8, "data_kind", "Loại dữ liệu"),
    (9, "template", "Phiên bản biểu mẫu"),
]
PART_LABELS = {"num": "Tử số", "den": "Mẫu số", "value": "Giá trị báo cáo"}
TARGET_COLS = {"national_2025": 5, "national_2030": 6, "proposed_2025": 7, "proposed_2030": 8, "note": 9}
SECTIONS = [
    ("results", "Kết quả đạt được"),
    ("shortcomings", "Hạn chế, tồn tại"),
    ("causes_objective", "Nguyên nhân khách quan"),
    ("causes_subjective", "Nguyên nhân chủ quan"),
    ("lessons", "Bài học kinh nghiệm"),
    ("recommendations", "Kiến nghị, đề xuất"),
]

_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E6")
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class FormRow:
    """One data row of the indicator sheet: its key, indicator and part (num, den, value)."""

    row: int
    indicator: str
    part: str

    @property
    def key(self) -> str:
        return f"{self.indicator}|{self.part}"


def indicators_for_unit(code: str, strategy: str = "2011-2020") -> pd.DataFrame:
    """The indicators a unit reports: district-level ones for districts, its own for a department."""
    return _indicators_for_unit(str(code), strategy).copy()


@lru_cache(maxsize=256)
def _indicators_for_unit(code: str, strategy: str) -> pd.DataFrame:
    cat = load_catalogue().for_strategy(strategy)
    u = load_units().set_index("code").loc[str(code)]
    if u.level == "district":
        return cat[cat.district_level].reset_index(drop=True)
    if u.level == "sector":
        if strategy == "2011-2020":
            return cat[cat.id.isin(u.indicators_2011_2020)].reset_index(drop=True)
        return cat[cat.sector == u.slug].reset_index(drop=True)
    return cat.reset_index(drop=True)


@lru_cache(maxsize=256)
def indicator_rows(code: str) -> tuple[FormRow, ...]:
    """The rows of the indicator sheet of a unit's form, in order (the layout ingest expects)."""
    rows, r = [], HEADER_ROW + 1
    for ind in _indicators_for_unit(str(code), "2011-2020").itertuples():
        parts = ["value"] if ind.kind == "value" else ["num", "den", "value"]
        for p in parts:
            rows.append(FormRow(r, ind.id, p))
            r += 1
    return tuple(rows)


def _header(ws, titles: list[str], widths: list[int]) -> None:
    for j, (t, w) in enumerate(zip(titles, widths, strict=True), start=1):
        c = ws.cell(HEADER_ROW, j, t)
        c.font, c.fill, c.alignment = _BOLD, _HEAD_FILL, Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[c.column_letter].width = w
    ws.column_dimensions["A"].hidden = True


def _protect(ws) -> None:
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False


def _unit_of_part(ind, part: str) -> str:
    return ind.unit_vi if part == "value" else "số lượng"


def write_form(code: str, path: Path | str, *, values: dict | None = None, targets: dict | None = None,
               texts: dict | None = None, ident: dict | None = None) -> Path:
    """Write the report form of unit ``code`` to ``path``.

    With no keyword arguments this is the blank template an officer fills in. ``values`` maps
    (indicator, part, year) to a cell value, ``targets`` maps (indicator, year) to a proposed
    target, ``texts`` maps a section key to its text and ``ident`` fills the identification
    sheet: the sample-data generator and the tests use them to write filled forms.
    """
    code = str(code)
    values, targets, texts, ident = values or {}, targets or {}, texts or {}, ident or {}
    units = load_units().set_index("code")
    if code not in units.index:
        raise KeyError(f"unknown unit code {code!r}")
    label = unit_label(code)
    wb = Workbook()
    wb.properties.creator = "gender_metrics"
    wb.properties.created = wb.properties.modified = dt.datetime(2021, 4, 16)

    # -- instructions
    ws = wb.active
    ws.title = SHEET_HELP
    lines = [
        "BIỂU MẪU BÁO CÁO TỔNG KẾT CHIẾN LƯỢC QUỐC GIA VỀ BÌNH ĐẲNG GIỚI GIAI ĐOẠN 2011-2020",
        f"Đơn vị báo cáo: {label}",
        "(Kèm theo Kế hoạch số 121/KH-UBND ngày 16/4/2021 của Ủy ban nhân dân tỉnh Hà Tĩnh)",
        "",
        "1. Sheet \"Thông tin\": ghi người lập báo cáo, số điện thoại và ngày gửi báo cáo.",
        "2. Sheet \"Chỉ tiêu 2011-2020\": với mỗi chỉ tiêu, ghi Tử số và Mẫu số cho từng năm 2010-2020 "
        "(số nguyên, không âm). Nếu không có Tử số, Mẫu số thì ghi Giá trị báo cáo (số thập phân, ví dụ 35,2).",
        "   Ô không có số liệu thì để trống, không ghi 0. Ghi nguồn số liệu ở cột cuối.",
        "3. Sheet \"Mục tiêu 2021-2030\": đề xuất chỉ tiêu của đơn vị cho năm 2025 và năm 2030 "
        "(tham khảo mục tiêu quốc gia theo Nghị quyết số 28/NQ-CP ngày 03/3/2021).",
        "4. Sheet \"Đánh giá\": kết quả đạt được, hạn chế, nguyên nhân (khách quan, chủ quan), "
        "bài học kinh nghiệm, kiến nghị.",
        "Cách ghi số: hàng nghìn 1.234 hoặc 1234; thập phân 35,2 hoặc 35.2; tỷ lệ phần trăm 35,2 hoặc 35,2%.",
        f"Hạn gửi báo cáo về Sở Lao động - Thương binh và Xã hội: trước ngày {DEADLINE:%d/%m/%Y}.",
        "Không thêm, xóa hoặc đổi tên các sheet, các hàng và cột của biểu mẫu.",
    ]
    for i, line in enumerate(lines, start=1):
        ws.cell(i, 1, line)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 120
    _protect(ws)

    # -- identification
    ws = wb.create_sheet(SHEET_ID)
    ws["A1"] = "THÔNG TIN ĐƠN VỊ BÁO CÁO"
    ws["A1"].font = Font(bold=True, size=13)
    defaults = {"code": code, "name": label, "template": TEMPLATE_VERSION}
    for row, key, text in ID_FIELDS:
        ws.cell(row, 1, text).font = _BOLD
        v = ident.get(key, defaults.get(key))
        c = ws.cell(row, 2, safe_text(v))
        if key in ("person", "phone", "submitted", "data_kind"):
            c.protection, c.fill = _UNLOCKED, _INPUT_FILL
        if key == "submitted":
            c.number_format = "dd/mm/yyyy"
    dv = DataValidation(type="date", operator="between", formula1="DATE(2021,1,1)", formula2="DATE(2021,12,31)",
                        showErrorMessage=True, error="Nhập ngày dạng dd/mm/yyyy trong năm 2021")
    ws.add_data_validation(dv)
    dv.add("B7")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 48
    _protect(ws)

    # -- 2011-2020 indicators
    ws = wb.create_sheet(SHEET_IND)
    ws["B1"] = f"KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU 2011-2020 - {label}"
    ws["B1"].font = Font(bold=True, size=13)
    ws["B2"] = ("Tử số, Mẫu số: số nguyên không âm. Giá trị báo cáo: chỉ ghi khi không có Tử số, Mẫu số. "
                "Ô trống = không có số liệu.")
    _header(ws, ["Khóa", "Mã", "Chỉ tiêu", "Thành phần", "Đơn vị tính", *map(str, YEARS), "Nguồn số liệu, ghi chú"],
            [6, 6, 46, 44, 12, *[9] * len(YEARS), 30])
    inds = indicators_for_unit(code).set_index("id")
    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, error="Nhập số nguyên không âm")
    decimals = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, error="Nhập số (ví dụ 35,2)")
    ws.add_data_validation(counts)
    ws.add_data_validation(decimals)
    for fr in indicator_rows(code):
        ind = inds.loc[fr.indicator]
        ws.cell(fr.row, 1, fr.key)
        ws.cell(fr.row, 2, fr.indicator)
        if fr.part == "num" or ind.kind == "value":
            ws.cell(fr.row, 3, ind.name_vi).alignment = _WRAP
        part = PART_LABELS[fr.part] + (f": {ind['numerator_vi']}" if fr.part == "num" else
                                       f": {ind['denominator_vi']}" if fr.part == "den" else "")
        ws.cell(fr.row, 4, part).alignment = _WRAP
        ws.cell(fr.row, 5, _unit_of_part(ind, fr.part))
        for j, year in enumerate(YEARS):
            c = ws.cell(fr.row, FIRST_YEAR_COL + j, values.get((fr.indicator, fr.part, year)))
            c.protection, c.fill = _UNLOCKED, _INPUT_FILL
        ws.cell(fr.row, NOTE_COL, values.get((fr.indicator, "note", None))).protection = _UNLOCKED
        first, last = ws.cell(fr.row, FIRST_YEAR_COL).coordinate, ws.cell(fr.row, NOTE_COL - 1).coordinate
        (counts if fr.part in ("num", "den") else decimals).add(f"{first}:{last}")
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, FIRST_YEAR_COL)
    _protect(ws)

    # -- proposed 2021-2030 targets
    ws = wb.create_sheet(SHEET_TGT)
    ws["B1"] = f"ĐỀ XUẤT CHỈ TIÊU GIAI ĐOẠN 2021-2030 - {label}"
    ws["B1"].font = Font(bold=True, size=13)
    ws["B2"] = "Mục tiêu quốc gia theo Nghị quyết số 28/NQ-CP ngày 03/3/2021. Ghi chỉ tiêu đề xuất của đơn vị."
    _header(ws, ["Khóa", "Mã", "Chỉ tiêu", "Đơn vị tính", "Mục tiêu quốc gia 2025", "Mục tiêu quốc gia 2030",
                 "Đề xuất 2025", "Đề xuất 2030", "Ghi chú"], [6, 6, 60, 14, 14, 14, 12, 12, 30])
    cat = load_catalogue()
    tg = cat.targets[cat.targets.strategy == "2021-2030"].set_index(["id", "year"])
    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, error="Nhập số (ví dụ 35,2)")
    ws.add_data_validation(dv)
    for i, ind in enumerate(indicators_for_unit(code, "2021-2030").itertuples(), start=HEADER_ROW + 1):
        ws.cell(i, 1, ind.id)
        ws.cell(i, 2, ind.id)
        ws.cell(i, 3, ind.name_vi).alignment = _WRAP
        ws.cell(i, 4, ind.unit_vi)
        for year, col in ((2025, TARGET_COLS["national_2025"]), (2030, TARGET_COLS["national_2030"])):
            if (ind.id, year) in tg.index:
                t = tg.loc[(ind.id, year)]
                ws.cell(i, col, fmt_target(t.op, t.value, t.value_high, ind.unit, "vi"))
        for year, col in ((2025, TARGET_COLS["proposed_2025"]), (2030, TARGET_COLS["proposed_2030"])):
            c = ws.cell(i, col, targets.get((ind.id, year)))
            c.protection, c.fill = _UNLOCKED, _INPUT_FILL
        ws.cell(i, TARGET_COLS["note"]).protection = _UNLOCKED
        dv.add(f"G{i}:H{i}")
    ws.freeze_panes = "C5"
    _protect(ws)

    # -- assessment
    ws = wb.create_sheet(SHEET_TXT)
    ws["B1"] = f"ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN CHIẾN LƯỢC 2011-2020 - {label}"
    ws["B1"].font = Font(bold=True, size=13)
    ws["B2"] = "Ghi nội dung vào cột C; có thể xuống dòng trong ô (Alt+Enter)."
    _header(ws, ["Khóa", "Nội dung", "Đánh giá của đơn vị"], [6, 28, 110])
    for i, (key, text) in enumerate(SECTIONS, start=HEADER_ROW + 1):
        ws.cell(i, 1, key)
        ws.cell(i, 2, text).font = _BOLD
        c = ws.cell(i, 3, safe_text(texts.get(key)))
        c.alignment, c.protection, c.fill = _WRAP, _UNLOCKED, _INPUT_FILL
        ws.row_dimensions[i].height = 90
    _protect(ws)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


FORMULA_START = ("=", "+", "-", "@")


def safe_text(value):
    """Text a spreadsheet would run as a formula (= + - @ first) gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def form_filename(code: str) -> str:
    u = load_units().set_index("code").loc[str(code)]
    return f"{u.slug}.xlsx"


def write_forms(out_dir: Path | str, codes: list[str] | None = None) -> list[Path]:
    """Blank forms for ``codes`` (default: every district and department) into ``out_dir``."""
    units = load_units()
    if not codes:
        codes = list(units.code[units.level.isin(["district", "sector"])])
    return [write_form(c, Path(out_dir) / form_filename(c)) for c in codes]

"""Write a review's report form for a unit: blank for an officer to fill in, or filled (sample data, tests).

The layout comes from :mod:`.layout`; texts that name the review (title, plan, deadline, the compiler,
the legal basis of the targets) come from the review's data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from ..i18n import t as _t
from ..reference import Reference
from ..store import atomic_path, safe_text
from . import layout as L

_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E6")
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


def _header(ws, titles: list[str], widths: list[int]) -> None:
    for j, (t, w) in enumerate(zip(titles, widths, strict=True), start=1):
        c = ws.cell(L.HEADER_ROW, j, t)
        c.font, c.fill, c.alignment = _BOLD, _HEAD_FILL, Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[c.column_letter].width = w
    ws.column_dimensions["A"].hidden = True


def _protect(ws) -> None:
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False


def _instructions(ref: Reference, lay: L.Layout, label: str) -> list[str]:
    r, texts = ref.review, ref.review.texts["vi"]
    first, last = r.first_year, r.last_year
    return [
        texts["form_title"],
        f"Đơn vị báo cáo: {label}",
        texts["form_basis"],
        "",
        f"1. Sheet \"{lay.sheet_id}\": ghi người lập báo cáo, số điện thoại và ngày gửi báo cáo.",
        f"2. Sheet \"{lay.sheet_ind}\": với mỗi chỉ tiêu, ghi Tử số và Mẫu số cho từng năm {first}-{last} "
        "(số nguyên, không âm). Nếu không có Tử số, Mẫu số thì ghi Giá trị báo cáo (số thập phân, ví dụ 35,2).",
        "   Ô không có số liệu thì để trống, không ghi 0. Ghi nguồn số liệu ở cột cuối.",
        f"3. Sheet \"{lay.sheet_tgt}\": đề xuất chỉ tiêu của đơn vị cho "
        + " và ".join(f"năm {y}" for y in lay.target_years)
        + f" (tham khảo mục tiêu quốc gia theo {texts['targets_basis']}).",
        f"4. Sheet \"{lay.sheet_txt}\": công tác lãnh đạo, chỉ đạo, tổ chức thực hiện (văn bản đã ban hành, "
        "Ban vì sự tiến bộ của phụ nữ, kinh phí, truyền thông, tập huấn, kiểm tra); kết quả đạt được, hạn chế, "
        "nguyên nhân (khách quan, chủ quan), bài học kinh nghiệm, kiến nghị.",
        "Cách ghi số: hàng nghìn 1.234 hoặc 1234; thập phân 35,2 hoặc 35.2; tỷ lệ phần trăm 35,2 hoặc 35,2%.",
        f"Hạn gửi báo cáo về {ref.label(r.compiler)}: trước ngày {_deadline(ref)}.",
        "Không thêm, xóa hoặc đổi tên các sheet, các hàng và cột của biểu mẫu.",
    ]


def _deadline(ref: Reference) -> str:
    """The deadline as the form states it; a provisional date says the compiler fills in the real one."""
    r = ref.review
    date = f"{r.deadline:%d/%m/%Y}"
    return _t("deadline_placeholder", "vi", date=date, compiler=ref.label(r.compiler)) if r.deadline_placeholder else date


def write_form(code: str, path: Path | str, *, reference: Reference | None = None, values: dict | None = None,
               targets: dict | None = None, texts: dict | None = None, ident: dict | None = None) -> Path:
    """Write the report form of unit ``code`` to ``path`` (atomically).

    With no keyword arguments this is the blank template an officer fills in. ``values`` maps
    (indicator, part, year) to a cell value ((indicator, "note", None) to the note), ``targets``
    maps (indicator, year) to a proposed target, ``texts`` maps a section key to its text and
    ``ident`` fills the identification sheet: the sample-data generator and the tests use them.
    ``reference``: the review whose form this is (default: the default review).
    """
    from ..reference import load_reference

    ref = reference or load_reference()
    lay = L.layout_of(ref)
    review = ref.review
    code = str(code)
    values, targets, texts, ident = values or {}, targets or {}, texts or {}, ident or {}
    if ref.units.level(code) is None:
        raise KeyError(f"unknown unit code {code!r}")
    label = ref.label(code)
    wb = Workbook()
    wb.properties.creator = "gender_metrics"
    wb.properties.created = wb.properties.modified = dt.datetime.combine(review.form_created, dt.time())

    # -- instructions
    ws = wb.active
    ws.title = lay.sheet_help
    for i, line in enumerate(_instructions(ref, lay, label), start=1):
        ws.cell(i, 1, line)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 120
    _protect(ws)

    # -- identification
    ws = wb.create_sheet(lay.sheet_id)
    ws["A1"] = L.ID_TITLE
    ws["A1"].font = Font(bold=True, size=13)
    defaults = {"code": code, "name": label, "template": review.form_version}
    first, last = review.form_dates
    for row, key, text in L.ID_FIELDS:
        ws.cell(row, 1, text).font = _BOLD
        c = ws.cell(row, L.ID_VALUE_COL, safe_text(ident.get(key, defaults.get(key))))
        if key in L.ID_INPUTS:
            c.protection, c.fill = _UNLOCKED, _INPUT_FILL
        if key == "submitted":
            c.number_format = "dd/mm/yyyy"
            dv = DataValidation(type="date", operator="between",
                                formula1=f"DATE({first.year},{first.month},{first.day})",
                                formula2=f"DATE({last.year},{last.month},{last.day})", showErrorMessage=True,
                                error=f"Nhập ngày dạng dd/mm/yyyy, từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}")
            ws.add_data_validation(dv)
            dv.add(c.coordinate)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 48
    _protect(ws)

    # -- the judged strategy's indicators
    ws = wb.create_sheet(lay.sheet_ind)
    ws.cell(1, L.CODE_COL, L.IND_TITLE.format(strategy=review.strategy, label=label)).font = Font(bold=True, size=13)
    ws.cell(2, L.CODE_COL, L.IND_NOTE)
    _header(ws, [*L.IND_HEADERS.values(), *map(str, lay.years), L.NOTE_HEADER],
            [6, 6, 46, 44, 12, *[9] * len(lay.years), 30])
    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, error="Nhập số nguyên không âm")
    decimals = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, error="Nhập số (ví dụ 35,2)")
    ws.add_data_validation(counts)
    ws.add_data_validation(decimals)
    labels = lay.row_labels(code)
    for fr in lay.indicator_rows(code):
        lab = labels[fr.key]
        ws.cell(fr.row, L.KEY_COL, fr.key)
        ws.cell(fr.row, L.CODE_COL, lab["code"])
        if lab["name"]:
            ws.cell(fr.row, L.NAME_COL, lab["name"]).alignment = _WRAP
        ws.cell(fr.row, L.PART_COL, lab["part"]).alignment = _WRAP
        ws.cell(fr.row, L.UNIT_COL, lab["unit"])
        for year in lay.years:
            c = ws.cell(fr.row, lay.year_col(year), values.get((fr.indicator, fr.part, year)))
            c.protection, c.fill = _UNLOCKED, _INPUT_FILL
        ws.cell(fr.row, lay.note_col, values.get((fr.indicator, "note", None))).protection = _UNLOCKED
        first_c, last_c = ws.cell(fr.row, L.FIRST_YEAR_COL).coordinate, ws.cell(fr.row, lay.note_col - 1).coordinate
        (counts if fr.part in ("num", "den") else decimals).add(f"{first_c}:{last_c}")
    ws.freeze_panes = ws.cell(L.HEADER_ROW + 1, L.FIRST_YEAR_COL)
    _protect(ws)

    # -- proposed targets of the next strategy
    ws = wb.create_sheet(lay.sheet_tgt)
    nxt = review.feasibility_strategy
    ws.cell(1, L.CODE_COL, L.TGT_TITLE.format(strategy=nxt, label=label)).font = Font(bold=True, size=13)
    ws.cell(2, L.CODE_COL, L.TGT_NOTE.format(basis=review.texts["vi"]["targets_basis"]))
    years = lay.target_years
    _header(ws, [*L.TGT_HEADERS.values(), *[L.NATIONAL_HEADER.format(year=y) for y in years],
                 *[L.PROPOSAL_HEADER.format(year=y) for y in years], L.TGT_NOTE_HEADER], [6, 6, 60, 14, *[14] * len(years), *[12] * len(years), 30])
    national = lay.national_texts
    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, error="Nhập số (ví dụ 35,2)")
    ws.add_data_validation(dv)
    for i, ind in enumerate(lay.indicators_for(code, nxt).itertuples(), start=L.HEADER_ROW + 1):
        ws.cell(i, L.KEY_COL, ind.id)
        ws.cell(i, L.CODE_COL, ind.id)
        ws.cell(i, L.NAME_COL, ind.name_vi).alignment = _WRAP
        ws.cell(i, 4, ind.unit_vi)
        for year in years:
            if (ind.id, year) in national:
                ws.cell(i, lay.national_col(year), national[(ind.id, year)])
            c = ws.cell(i, lay.proposed_col(year), targets.get((ind.id, year)))
            c.protection, c.fill = _UNLOCKED, _INPUT_FILL
        ws.cell(i, lay.target_note_col).protection = _UNLOCKED
        dv.add(f"{ws.cell(i, lay.proposed_col(years[0])).coordinate}:{ws.cell(i, lay.proposed_col(years[-1])).coordinate}")
    ws.freeze_panes = ws.cell(L.HEADER_ROW + 1, L.NAME_COL)
    _protect(ws)

    # -- assessment
    ws = wb.create_sheet(lay.sheet_txt)
    ws.cell(1, L.CODE_COL, L.TXT_TITLE.format(strategy=review.strategy, label=label)).font = Font(bold=True, size=13)
    ws.cell(2, L.CODE_COL, L.TXT_NOTE)
    _header(ws, list(L.TXT_HEADERS.values()), [6, 28, 110])
    for i, (key, text) in zip(lay.section_rows, L.SECTIONS, strict=True):
        ws.cell(i, L.KEY_COL, key)
        ws.cell(i, 2, text).font = _BOLD
        c = ws.cell(i, L.TEXT_COL, safe_text(texts.get(key)))
        c.alignment, c.protection, c.fill = _WRAP, _UNLOCKED, _INPUT_FILL
        ws.row_dimensions[i].height = 90
    _protect(ws)

    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def form_filename(ref: Reference, code: str) -> str:
    return f"{ref.units.row(code).slug}.xlsx"


def write_forms(out_dir: Path | str, codes: list[str] | None = None, *, reference: Reference | None = None) -> list[Path]:
    """Blank forms for ``codes`` (default: every reporting unit of the review) into ``out_dir``."""
    from ..reference import load_reference

    ref = reference or load_reference()
    codes = codes or ref.units.reporting
    return [write_form(c, Path(out_dir) / form_filename(ref, c), reference=ref) for c in codes]

"""The one description of a review's report form (biểu mẫu), shared by the writer and the reader.

A form is one .xlsx per reporting unit with five sheets: instructions, identification, the judged
strategy's indicators (numerator, denominator and a reported value per year), the proposed targets
of the next strategy, and the assessment (free text). Column A of the data sheets holds a machine key
(hidden, locked) so that reading never depends on the labels people see. Every sheet name, row and
column that the writer puts and the reader looks for is defined here; no other module counts columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from ..reference import SECTIONS as SECTION_KEYS
from ..reference import Reference

SAMPLE_LABEL = "DỮ LIỆU MẪU"
SHEET_HELP, SHEET_ID, SHEET_TXT = "Hướng dẫn", "Thông tin", "Đánh giá"   # the other two name the strategies

HEADER_ROW = 4          # header row of the three data sheets; data starts below it
KEY_COL = 1             # column A: the machine key of the row
CODE_COL = 2            # the indicator code people see
NAME_COL = 3
PART_COL = 4            # numerator / denominator / reported value
UNIT_COL = 5
FIRST_YEAR_COL = 6      # column F holds the first year
LABEL_COLS = (CODE_COL, NAME_COL, PART_COL, UNIT_COL)

# Identification sheet: (row, key, label). Values sit in column B.
ID_VALUE_COL = 2
ID_FIELDS = (
    (3, "code", "Mã đơn vị"),
    (4, "name", "Tên đơn vị"),
    (5, "person", "Người lập báo cáo"),
    (6, "phone", "Điện thoại"),
    (7, "submitted", "Ngày gửi báo cáo (dd/mm/yyyy)"),
    (8, "data_kind", "Loại dữ liệu"),
    (9, "template", "Phiên bản biểu mẫu"),
)
ID_INPUTS = ("person", "phone", "submitted", "data_kind")   # the cells the officer fills in
PART_LABELS = {"num": "Tử số", "den": "Mẫu số", "value": "Giá trị báo cáo"}
PARTS_OF_KIND = {"value": ("value",)}                        # other kinds: numerator, denominator, value
PARTS = ("num", "den", "value")

# Assessment sheet: (key, label) per row from HEADER_ROW + 1; text in column C.
SECTION_LABELS = {
    "lead_documents": "Văn bản lãnh đạo, chỉ đạo, hướng dẫn đã ban hành",
    "lead_committee": "Kiện toàn, hoạt động của Ban vì sự tiến bộ của phụ nữ",
    "lead_budget": "Kinh phí thực hiện",
    "lead_communication": "Thông tin, truyền thông về bình đẳng giới",
    "lead_training": "Đào tạo, tập huấn, bồi dưỡng cán bộ",
    "lead_inspection": "Kiểm tra, giám sát",
    "results": "Kết quả đạt được",
    "shortcomings": "Hạn chế, tồn tại",
    "causes_objective": "Nguyên nhân khách quan",
    "causes_subjective": "Nguyên nhân chủ quan",
    "lessons": "Bài học kinh nghiệm",
    "recommendations": "Kiến nghị, đề xuất",
}
SECTIONS = tuple((k, SECTION_LABELS[k]) for k in SECTION_KEYS)
TEXT_COL = 3
TARGET_FIRST_COL = 5    # targets sheet: national targets per year, then proposals per year, then a note

# What the header rows and titles say. The writer puts these texts; the reader finds columns, fields and
# rows by them (folded: any case, with or without diacritics, NFC or NFD), so a row or column inserted,
# deleted or moved by an officer does not move a value.
KEY_HEADER = "Khóa"
IND_HEADERS = {"key": KEY_HEADER, "code": "Mã", "name": "Chỉ tiêu", "part": "Thành phần", "unit": "Đơn vị tính"}
NOTE_HEADER = "Nguồn số liệu, ghi chú"
TGT_HEADERS = {"key": KEY_HEADER, "code": "Mã", "name": "Chỉ tiêu", "unit": "Đơn vị tính"}
NATIONAL_HEADER = "Mục tiêu quốc gia {year}"
PROPOSAL_HEADER = "Đề xuất {year}"
TGT_NOTE_HEADER = "Ghi chú"
TXT_HEADERS = {"key": KEY_HEADER, "label": "Nội dung", "text": "Đánh giá của đơn vị"}
ID_TITLE = "THÔNG TIN ĐƠN VỊ BÁO CÁO"
IND_TITLE = "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU {strategy} - {label}"
TGT_TITLE = "ĐỀ XUẤT CHỈ TIÊU GIAI ĐOẠN {strategy} - {label}"
TXT_TITLE = "ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN CHIẾN LƯỢC {strategy} - {label}"
TXT_NOTE = "Ghi nội dung vào cột C; có thể xuống dòng trong ô (Alt+Enter)."
IND_NOTE = ("Tử số, Mẫu số: số nguyên không âm. Giá trị báo cáo: chỉ ghi khi không có Tử số, Mẫu số. "
            "Ô trống = không có số liệu.")
TGT_NOTE = "Mục tiêu quốc gia theo {basis}. Ghi chỉ tiêu đề xuất của đơn vị."
COUNT_UNIT = "số lượng"     # the unit column of numerator and denominator rows


@dataclass(frozen=True)
class FormRow:
    """One data row of the indicator sheet: its key, indicator and part (num, den, value)."""

    row: int
    indicator: str
    part: str

    @property
    def key(self) -> str:
        return f"{self.indicator}|{self.part}"


@dataclass(frozen=True)
class Layout:
    """Where everything sits in the form of one review (sheet names, year and target columns)."""

    ref: Reference
    _rows: dict = field(default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------------ sheets
    sheet_help, sheet_id, sheet_txt = SHEET_HELP, SHEET_ID, SHEET_TXT

    @property
    def sheet_ind(self) -> str:
        """The judged strategy's sheet: the review's name for it (``form.sheets.indicators``), else
        "Chỉ tiêu <strategy>"."""
        return self.ref.review.form_sheets.get("indicators") or f"Chỉ tiêu {self.ref.review.strategy}"

    @property
    def sheet_tgt(self) -> str:
        """The proposed targets' sheet: ``form.sheets.targets``, else "Mục tiêu <next strategy>"."""
        return self.ref.review.form_sheets.get("targets") or f"Mục tiêu {self.ref.review.feasibility_strategy}"

    @property
    def sheets(self) -> tuple[str, ...]:
        return (self.sheet_help, self.sheet_id, self.sheet_ind, self.sheet_tgt, self.sheet_txt)

    # ------------------------------------------------------------------ indicator sheet
    @property
    def years(self) -> list[int]:
        return self.ref.review.years

    @property
    def note_col(self) -> int:
        """The source / note column, after the last year."""
        return FIRST_YEAR_COL + len(self.years)

    def year_col(self, year: int) -> int:
        return FIRST_YEAR_COL + self.years.index(year)

    def indicators_for(self, code: str, strategy: str | None = None) -> pd.DataFrame:
        """The indicators a unit reports: the area-level ones for an area, its own for a department,
        all for the province. ``strategy``: the judged one (default) or the next strategy, whose
        proposals a department makes for the indicators the catalogue assigns to it."""
        ref, code = self.ref, str(code)
        strategy = strategy or ref.review.strategy
        key = ("indicators", self._row_set(code), strategy)
        if key not in self._rows:
            self._rows[key] = self._indicators_for(code, strategy)
        return self._rows[key].copy()

    def indicator_ids(self, code: str, strategy: str | None = None) -> tuple[str, ...]:
        """The ids of :meth:`indicators_for`, without copying the table."""
        key = ("ids", self._row_set(str(code)), strategy or self.ref.review.strategy)
        if key not in self._rows:
            self._rows[key] = tuple(self.indicators_for(code, strategy).id)
        return self._rows[key]

    def _row_set(self, code: str) -> str:
        """Units whose forms list the same indicators share one cached row table: every area (a national
        tree has thousands), the province; a department has its own."""
        level = self.ref.units.level(code)
        return f"level:{level}" if level in (self.ref.units.area_level, "province") else code

    def _indicators_for(self, code: str, strategy: str) -> pd.DataFrame:
        ref = self.ref
        cat = ref.indicators_of(strategy)
        level = ref.units.level(code)
        if level == ref.units.area_level:
            return cat[cat.district_level.astype(bool)].reset_index(drop=True)
        if level == "sector":
            return cat[cat.id.isin(ref.answers_for(code, strategy))].reset_index(drop=True)
        return cat.reset_index(drop=True)

    def row_labels(self, code: str) -> dict[str, dict[str, str]]:
        """The labels the writer puts on each row of a unit's indicator sheet, by row key: the code,
        the name (on the first row of an indicator), the part and the unit of measure."""
        key = ("labels", self._row_set(str(code)))   # the same for every area (a national tree has thousands)
        if key not in self._rows:
            inds = self.indicators_for(code).set_index("id")
            out = {}
            for fr in self.indicator_rows(code):
                ind = inds.loc[fr.indicator]
                part = PART_LABELS[fr.part] + (f": {ind['numerator_vi']}" if fr.part == "num" else
                                               f": {ind['denominator_vi']}" if fr.part == "den" else "")
                out[fr.key] = {"code": fr.indicator,
                               "name": ind.name_vi if fr.part == "num" or ind.kind == "value" else "",
                               "part": part, "unit": ind.unit_vi if fr.part == "value" else COUNT_UNIT}
            self._rows[key] = out
        return self._rows[key]

    def parts(self, kind: str) -> tuple[str, ...]:
        return PARTS_OF_KIND.get(kind, PARTS)

    def indicator_rows(self, code: str) -> tuple[FormRow, ...]:
        """The rows of the indicator sheet of a unit's form, in order."""
        key = ("rows", self._row_set(str(code)))
        if key not in self._rows:
            rows, r = [], HEADER_ROW + 1
            for ind in self.indicators_for(code).itertuples():
                for p in self.parts(ind.kind):
                    rows.append(FormRow(r, ind.id, p))
                    r += 1
            self._rows[key] = tuple(rows)
        return self._rows[key]

    # ------------------------------------------------------------------ targets sheet
    @property
    def target_years(self) -> tuple[int, ...]:
        return self.ref.review.feasibility_years

    def national_col(self, year: int) -> int:
        return TARGET_FIRST_COL + self.target_years.index(year)

    def proposed_col(self, year: int) -> int:
        return TARGET_FIRST_COL + len(self.target_years) + self.target_years.index(year)

    @property
    def target_note_col(self) -> int:
        return TARGET_FIRST_COL + 2 * len(self.target_years)

    @cached_property
    def proposed_cols(self) -> dict[int, int]:
        """Column -> proposed year."""
        return {self.proposed_col(y): y for y in self.target_years}

    @cached_property
    def national_texts(self) -> dict[tuple[str, int], str]:
        """(indicator, year) -> the national target as the targets sheet shows it ("≥ 60%")."""
        from ..i18n import fmt_target

        nxt = self.ref.next
        return {(t.id, int(t.year)): fmt_target(t.op, t.value, t.value_high, nxt.loc[t.id, "unit"], "vi")
                for t in self.ref.next_targets.itertuples() if t.id in nxt.index}

    @cached_property
    def national_cols(self) -> tuple[int, ...]:
        return tuple(self.national_col(y) for y in self.target_years)

    # ------------------------------------------------------------------ identification and assessment
    @property
    def id_rows(self) -> dict[int, str]:
        return {row: key for row, key, _ in ID_FIELDS}

    def id_row(self, key: str) -> int:
        return next(row for row, k, _ in ID_FIELDS if k == key)

    @property
    def section_rows(self) -> dict[int, str]:
        return {HEADER_ROW + 1 + i: key for i, (key, _) in enumerate(SECTIONS)}


_LAYOUTS: dict[int, Layout] = {}


def layout_of(ref: Reference) -> Layout:
    """The layout of a review's form (one object per loaded reference, its row tables cached)."""
    lay = _LAYOUTS.get(id(ref))
    if lay is None or lay.ref is not ref:
        lay = _LAYOUTS[id(ref)] = Layout(ref)
    return lay

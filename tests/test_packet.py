"""The annex workbook a Department files (`gender-metrics packet`): numbers stored as numbers with their
formats, the areas side by side, the headings above every sheet, the proposed targets, the submissions
and the commendation shortlist; row heights that keep wrapped rows apart when LibreOffice prints it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openpyxl import load_workbook

from gender_metrics.outputs.packet import HEADER_ROW
from gender_metrics.present.data import dataset
from gender_metrics.run.cli import main


@pytest.fixture(scope="module")
def packet(processed, tmp_path_factory):
    out = tmp_path_factory.mktemp("packet") / "packet.xlsx"
    assert main(["packet", "--processed", str(processed), "--out", str(out)]) == 0
    return load_workbook(out), dataset(processed)


def body(ws):
    """The table's rows under its header row, as lists of cells (not the group headings and notes, which
    hold only their first cell)."""
    return [list(r) for r in ws.iter_rows(min_row=HEADER_ROW + 1) if any(c.value is not None for c in r[1:])]


NUMBER_AS_TEXT = re.compile(r"^[<>≤≥]?\s*-?\d+([.,]\d+)?\s*%?$")


def test_sheets_are_named_by_units_and_every_sheet_has_its_headings(packet):
    wb, ds = packet
    ref = ds.ref
    names = wb.sheetnames
    assert names[:9] == ["Tỉnh Hà Tĩnh", "Đánh giá chung", "So sánh các huyện", "Theo sở, ngành",
                         "Đề xuất chỉ tiêu của tỉnh", "Đề xuất của các đơn vị", "Đề xuất chưa thống nhất",
                         "Gửi báo cáo", "Khen thưởng"]
    units = names[9:]
    assert len(units) == len(ref.units.areas) + len(ref.units.sectors)
    for code, name in zip([*ref.units.areas, *ref.units.sectors], units, strict=True):
        label = ref.label(code)
        assert name == (label if len(label) <= 31 else label[:30] + "…") and code not in name
    for name in [n for n in names if n != "Đánh giá chung"]:
        ws = wb[name]
        assert ws["A1"].value == "UBND TỈNH HÀ TĨNH" and ws["A2"].value == "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
        right = [c.value for c in ws[1] if c.value and str(c.value).startswith("Phụ lục - Biểu số ")]
        assert len(right) == 1, name
        assert ws["A5"].value.startswith("(Kèm theo Báo cáo số") and "DỮ LIỆU MẪU" in ws["A6"].value
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}" and int(ws.page_setup.paperSize) == 9
    assert [wb[n]["A4"].value for n in names[2:4]] == ["KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU THEO HUYỆN, THỊ XÃ, THÀNH PHỐ",
                                                        "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU GIAI ĐOẠN 2011-2020 THEO SỞ, NGÀNH"]


def test_the_areas_side_by_side_hold_the_forms_numbers(packet):
    """Each area's value of 2.3 in 2020 is numerator / denominator of its form, stored as a fraction with a
    percent format; the rows of an indicator are its baseline and its milestones."""
    wb, ds = packet
    ref = ds.ref
    ws = wb["So sánh các huyện"]
    head = [c.value for c in ws[HEADER_ROW]]
    areas = [ref.label(u) for u in ref.units.areas]
    assert head[:4] == ["Mã", "Chỉ tiêu", "Năm", "Mục tiêu"] and head[4:-1] == areas and head[-1] == "Tỉnh Hà Tĩnh"
    rows = body(ws)
    first = next(i for i, r in enumerate(rows) if r[0].value == "2.3")
    years = [r[2].value for r in rows[first:first + 3]]
    assert years == [2010, 2015, 2020]
    obs = ds.observations
    o = obs[(obs.indicator == "2.3") & (obs.year == 2020) & (obs.breakdown == "")].set_index("unit")
    row = rows[first + 2]
    for j, u in enumerate(ref.units.areas, start=4):
        cell = row[j]
        assert cell.number_format == "0.0%"
        assert cell.value == pytest.approx(o.loc[u, "numerator"] / o.loc[u, "denominator"], abs=1e-12)
    # the province is the ratio of the sums of the areas (not an average of their rates)
    prov = o.loc[ref.units.areas]
    assert row[-1].value == pytest.approx(prov.numerator.sum() / prov.denominator.sum(), abs=1e-12)
    assert (row[3].value, row[3].number_format) == (0.5, '"≥ "0%')
    # the indicator's id and name span its three rows
    top = rows[first][0].row
    assert f"A{top}:A{top + 2}" in {str(m) for m in ws.merged_cells.ranges}
    # grouped under the objectives, as an outline (the objective's row above its indicators)
    groups = [r[0].value for r in ws.iter_rows(min_row=HEADER_ROW + 1) if str(r[0].value).startswith("Mục tiêu ")]
    assert groups[0] == "Mục tiêu 1: Lĩnh vực chính trị" and len(groups) == 7
    assert ws.row_dimensions[HEADER_ROW + 2].outline_level == 1 and not ws.sheet_properties.outlinePr.summaryBelow


def test_numbers_are_numbers_in_every_sheet_and_rows_have_heights(packet):
    wb, _ = packet
    checked = 0
    for name in wb.sheetnames:
        if name == "Đánh giá chung":
            continue
        ws = wb[name]
        codes = [c.column for c in ws[HEADER_ROW] if c.value in ("Mã", "STT")]   # ids such as "1.2" are codes
        for r in ws.iter_rows(min_row=HEADER_ROW + 1):
            for c in r:
                assert c.data_type != "f"
                if isinstance(c.value, str) and c.column not in codes:
                    # no number kept as text ("16,3%", "≥ 25%", "2020"): a text cell is words, a dash or a band
                    assert not NUMBER_AS_TEXT.match(c.value.strip()), (name, c.coordinate, c.value)
                checked += isinstance(c.value, int | float)
            if any(c.value is not None for c in r):
                assert ws.row_dimensions[r[0].row].height, (name, r[0].row)   # LibreOffice prints it as set
    assert checked > 4000


def test_targets_submissions_and_the_shortlist(packet):
    wb, ds = packet
    ref = ds.ref
    ws = wb["Đề xuất chỉ tiêu của tỉnh"]
    head = [c.value for c in ws[HEADER_ROW]]
    assert head[4:8] == ["Mục tiêu quốc gia 2025", "Các đơn vị đề xuất 2025", "Tỉnh đề xuất 2025", "Khả năng đạt 2025"]
    rows = {r[0].value: r for r in body(ws)}
    assert [k for k in rows if k in set(ref.next.index)] == list(ref.next.index)
    r41 = rows["4.1"]
    assert (r41[4].value, r41[4].number_format) == (111, '"≤ "0')
    assert r41[6].number_format == '"≤ "0' and r41[6].value >= 0   # the recommendation is a number too
    assert "Năm 2025" in r41[-1].value                                # its reasoning in words
    ws = wb["Gửi báo cáo"]
    rows = body(ws)
    assert len(rows) == len(ref.units.reporting)
    subs = ds.submissions.set_index("unit")
    for r, code in zip(rows, ref.units.reporting, strict=True):
        assert r[1].value == ref.label(code)
        got = r[2].value
        want = subs.submitted.get(code)
        if want is not None and want == want:
            assert isinstance(got, dt.datetime) and got.date() == want.date() and r[2].number_format == "dd/mm/yyyy"
            assert r[4].value == pytest.approx(subs.completeness[code]) and r[4].number_format == "0.0%"
    ws = wb["Khen thưởng"]
    notes = [r[0].value for r in ws.iter_rows(min_row=HEADER_ROW + 1) if isinstance(r[0].value, str)]
    assert any(x.startswith("Tiêu chí tham khảo:") for x in notes)
    assert any(x.startswith("Danh sách tham khảo đề xuất khen thưởng") for x in notes)
    ws = wb["Đề xuất của các đơn vị"]
    assert len(body(ws)) == len(ds.proposed[ds.proposed.unit.isin(ref.units.reporting)])

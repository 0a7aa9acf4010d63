"""What a reader and a user of the command see, in their language: method names only in the methods
section, the legal basis of the targets, the commands' help and errors, exports piped to other programs,
and the analyst's errors that name the valid choices."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import gender_metrics as gm

EXE = [sys.executable, "-m", "gender_metrics"]
METHOD_NAMES = ("Wilson", "Poisson", "Garwood", "logit", "Eurostat", "Open SDG", "z-score", "điểm z", "Bayes",
                "Marshall", "Iglewicz", "Student", "hồi quy", "least squares")


@pytest.fixture(scope="module")
def pages(processed):
    """The blocks of a district's and the province's report, in both languages, in the notebooks' order."""
    out = {}
    for unit in ("439", "42"):
        for lang in ("vi", "en"):
            r = gm.UnitReport(unit, lang, processed)
            blocks = [r.header(), r.summary(), r.leadership(), r.results_table(), r.evaluation(),
                      r.feasibility_table(), r.quality_table()]
            if unit == "42":
                blocks += [r.league_table(), r.shortlist(), r.submissions_table()]
            out[(unit, lang)] = "".join(b.data for b in blocks) + r.method().data
    return out


@pytest.mark.parametrize("unit", ["439", "42"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_method_name_before_the_methods_section(pages, unit, lang):
    page = pages[(unit, lang)]
    heading = "Phương pháp" if lang == "vi" else "Method"
    start = page.index(f">{heading}</h2>")
    early = [w for w in METHOD_NAMES if w in page[:start]]
    assert early == [], f"method names before the methods section: {early}"
    assert any(w in page[start:] for w in ("Wilson", "Eurostat")), "the methods section names its methods"


@pytest.mark.parametrize("lang,basis,check", [
    ("vi", "Mục tiêu các chỉ tiêu 2011-2020 theo Quyết định số 2351/QĐ-TTg ngày 24/12/2010 của Thủ tướng Chính phủ, "
           "được sửa đổi bởi Quyết định số 800/QĐ-TTg năm 2018.", "cần đối chiếu với Quyết định số 2351/QĐ-TTg"),
    ("en", "The 2011-2020 targets are those of Decision 2351/QĐ-TTg of the Prime Minister (24/12/2010), as amended by "
           "Decision 800/QĐ-TTg (2018).", "check them against Decision 2351/QĐ-TTg"),
])
def test_the_legal_basis_of_the_targets_is_named_once_and_unverified_targets_say_where_to_check(pages, lang, basis,
                                                                                                check):
    page = pages[("439", lang)]
    assert page.count(basis) == 1
    footnote = next(p for p in re.findall(r"<p class='small'>([^<]*)</p>", page) if check in p)
    ref = gm.load_reference()
    shown = {i for i in re.findall(r"<tr><td>([0-9a-z.]+)</td>", page.split("table class='gmt results'")[1].split(
        "</table>")[0])}
    unverified = sorted(i for i in shown if ref.info[i]["verified"] != "yes")
    assert unverified and all(i in footnote for i in unverified)
    # 7.2's 100% is the report's reading of a qualitative target: said beside the table
    assert ("7.2: " + ref.info["7.2"][f"target_note_{lang}"]).replace("'", "&#39;") in page


def test_commands_speak_the_chosen_language():
    vi = subprocess.run([*EXE, "run", "--help"], capture_output=True, text=True)
    assert vi.returncode == 0 and vi.stdout.startswith("cách dùng: gender-metrics run")
    assert "in thêm mỗi báo cáo ra PDF khổ A4" in vi.stdout and "tùy chọn:" in vi.stdout
    en = subprocess.run([*EXE, "run", "--help", "--lang", "en"], capture_output=True, text=True)
    assert en.stdout.startswith("usage: gender-metrics run") and "also print every report to an A4 PDF" in en.stdout
    bad = subprocess.run([*EXE, "run", "--jobs", "hai"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "gender-metrics run: lỗi: tham số --jobs: giá trị 'hai' không hợp lệ (cần kiểu int)" in bad.stderr
    missing = subprocess.run([*EXE, "packet"], capture_output=True, text=True)
    assert "lỗi: thiếu các tham số bắt buộc: --out" in missing.stderr and "Traceback" not in missing.stderr
    missing_en = subprocess.run([*EXE, "packet", "--lang=en"], capture_output=True, text=True)
    assert "error: the following arguments are required: --out" in missing_en.stderr


def test_an_export_piped_to_head_ends_quietly(processed):
    cmd = " ".join([sys.executable, "-m", "gender_metrics", "progress", "--processed", str(processed)])
    r = subprocess.run(f"{cmd} | head -n 3", shell=True, capture_output=True, text=True)
    assert r.stdout.splitlines()[0].split()[:2] == ["Loại", "dữ"]   # the Vietnamese headers
    assert len(r.stdout.splitlines()) == 3 and "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr


def test_analyst_errors_name_the_valid_choices_and_charts_draw_any_year_with_data(processed):
    r = gm.UnitReport("42", "vi", processed)
    with pytest.raises(gm.IndicatorError, match=r"không có chỉ tiêu '4.10' .* các chỉ tiêu: 1.1a, 1.1b, .*4.1, 4.2"):
        r.districts_chart("4.10")
    with pytest.raises(gm.IndicatorError, match="its indicators: 1.1a"):
        gm.UnitReport("439", "en", processed).series_chart("9.9")
    at_milestone = r.districts_chart("4.1", "2020")        # a year as text is a year
    assert len(at_milestone.data[0]["x"]) == 13 and at_milestone.layout["shapes"]   # the target line
    between = r.districts_chart("4.1", 2017)               # any year with data: the values, no verdict
    assert len(between.data[0]["x"]) == 13 and "không phải năm đánh giá" in between.layout["title"]["text"]
    with pytest.raises(ValueError, match="các năm có số liệu: 2010, 2011"):
        r.districts_chart("4.1", 2030)
    n = gm.narrative("Hương Sơn", "vi", processed)
    assert all(isinstance(x, str) for x in n.causes + n.lessons + n.recommendations + n.results)

"""The offline HTML reports in a real browser: headless Chromium, nothing but file:// allowed.

Renders the reports of district 439 (Hương Sơn) and province 42 with the batch runner, opens
``index.html`` and the district report through file:// URLs with every other request blocked,
and checks that nothing is fetched from the network, nothing errors, every chart draws, no code
shows, and the index links to the reports.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gender_metrics.present.charts import PLOTLY_MIME
from gender_metrics.run.batch import plan, run

UNITS = ["439", "42"]
DISTRICT = "district-huong-son"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
CODE_MARKERS = ("import gender_metrics", "UnitReport(", "processed_dir", "Traceback")
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def reports(processed, tmp_path_factory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("browser-reports")
    english = run(plan(["439"], lang="en", processed_dir=processed, out_dir=out), n_jobs=1, force=True,
                  progress=False)
    assert [r.status for r in english] == ["ok"] and (out / "index.en.html").exists()
    jobs = plan(UNITS, lang="vi", processed_dir=processed, out_dir=out)
    results = run(jobs, n_jobs=2, force=True, progress=False)
    failed = [(r.unit, r.error) for r in results if r.status != "ok"]
    assert not failed, f"reports failed: {failed}"
    assert (out / "index.html").exists() and (out / f"{DISTRICT}.html").exists()
    assert (out / "assets" / "plotly.min.js").exists()
    return out, results


NO_CHROMIUM = ("Chromium is not installed (no `chromium` on PATH): run `make test`, which installs it "
               "(Debian package `chromium`); these tests never download a browser.")


def chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail(NO_CHROMIUM)
    return exe


@pytest.fixture(scope="module")
def browser():
    exe = chromium()  # fails (never skips) before the reports are rendered
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Watched:
    """A page whose non-file:// requests are aborted and recorded, with its console and page errors."""

    def __init__(self, browser):
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def _route(self, route):
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def goto(self, path: Path):
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        return self.page

    def assert_clean(self):
        assert self.blocked == [], f"requests outside file:// (blocked): {self.blocked}"
        assert self.errors == [], f"console or page errors: {self.errors}"

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.close()


def plotly_figures(notebook: Path) -> int:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return sum(PLOTLY_MIME in out.get("data", {})
               for cell in nb["cells"] if cell["cell_type"] == "code" for out in cell.get("outputs", []))


def drawn_plots(page) -> int:
    """``.gm-plot`` divs that plotly drew (each holds a root ``svg.main-svg``)."""
    return page.evaluate("() => [...document.querySelectorAll('.gm-plot')]"
                         ".filter(d => d.querySelector('svg.main-svg')).length")


def test_chromium_is_installed():
    chromium()


def test_district_report_draws_offline(browser, reports, watched):
    out, _ = reports
    expected = plotly_figures(out / "notebooks" / f"{DISTRICT}.ipynb")
    assert expected >= 1, "the executed district notebook has no plotly figure"

    page = watched.goto(out / f"{DISTRICT}.html")
    assert page.evaluate("() => typeof window.Plotly") == "object", "plotly.js did not load from assets/"
    page.wait_for_function(
        "n => { const d = [...document.querySelectorAll('.gm-plot')];"
        " return d.length >= n && d.every(x => x.querySelector('svg.main-svg')); }",
        arg=expected)
    assert page.locator(".gm-plot").count() == expected
    assert drawn_plots(page) == expected
    # a drawn chart has a real size and at least one trace
    sizes = page.evaluate("() => [...document.querySelectorAll('.gm-plot svg.main-svg:first-of-type')]"
                          ".map(s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height])")
    assert all(w > 200 and h > 150 for w, h in sizes), sizes
    assert page.locator(".gm-plot .trace").count() >= expected

    text = page.inner_text("body")
    for code in CODE_MARKERS:
        assert code not in text, f"code on the page: {code!r}"
    assert "DỮ LIỆU MẪU" in text
    assert "Huyện Hương Sơn" in text
    assert page.title() == "Huyện Hương Sơn"

    shot = out / f"{DISTRICT}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000, f"screenshot is {shot.stat().st_size} bytes: a blank page?"
    watched.assert_clean()


def test_index_lists_and_links_the_reports(browser, reports, watched):
    out, results = reports
    page = watched.goto(out / "index.html")
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    files = sorted(r.html for r in results)
    assert len(files) == len(UNITS) and f"{DISTRICT}.html" in files
    # the English report beside the district, and the English list of reports
    assert sorted(hrefs) == sorted([*files, f"{DISTRICT}.en.html", "index.en.html"])
    # the link texts are the units' names; the submission state beside each
    links = dict(page.eval_on_selector_all("td > a[href]", "as => as.map(a => [a.textContent, a.getAttribute('href')])"))
    assert links["Huyện Hương Sơn"] == f"{DISTRICT}.html" and links["Tỉnh Hà Tĩnh"] == "province-ha-tinh.html"
    assert links["English"] == f"{DISTRICT}.en.html"
    row = page.locator("tr", has_text="Huyện Hương Sơn").inner_text()
    assert "đã gửi, đúng hạn" in row and "thành công" not in page.inner_text("body")
    assert page.evaluate("() => document.documentElement.lang") == "vi"
    for f in files:
        assert (out / f).exists(), f
    text = page.inner_text("body")
    assert "Huyện Hương Sơn" in text and "Tỉnh Hà Tĩnh" in text
    assert "DỮ LIỆU MẪU" in text

    with page.expect_navigation(wait_until="load"):
        page.click(f"a[href='{DISTRICT}.html']")
    assert page.url.endswith(f"/{DISTRICT}.html")
    assert page.title() == "Huyện Hương Sơn"
    page.wait_for_selector(".gm-plot svg.main-svg")
    assert "Huyện Hương Sơn" in page.inner_text("body")
    watched.assert_clean()


def test_verdicts_show_both_layers_on_screen(browser, reports, watched, processed):
    """Every verdict the statistics qualify shows the qualification under it, visibly."""
    import gender_metrics as gm
    from gender_metrics.core.progress import plain

    out, _ = reports
    p = plain(gm.progress(gm.load_observations(processed)))
    for unit, name in (("439", DISTRICT), ("42", "province-ha-tinh")):
        q = p[(p.unit == unit) & (p.breakdown == "") & p.status.isin(["achieved", "not_achieved"])
              & p.certainty.isin(["uncertain", "small_numbers"])]
        page = watched.goto(out / f"{name}.html")
        table = page.locator("table.gmt").first
        marks = table.locator("td.st-achieved .certainty, td.st-not_achieved .certainty")
        assert marks.count() == len(q), (unit, marks.count(), len(q))
        texts = [marks.nth(i).inner_text() for i in range(marks.count())]
        assert all(marks.nth(i).is_visible() for i in range(marks.count()))
        assert sum("dao động ngẫu nhiên" in x for x in texts) == int((q.certainty == "uncertain").sum())
        assert sum(x.startswith("số liệu nhỏ:") for x in texts) == int((q.certainty == "small_numbers").sum())
        body = page.inner_text("body")
        assert "chưa đủ cơ sở kết luận" not in body.lower()
    watched.assert_clean()


def test_reports_speak_their_language_and_link_back(browser, reports, watched):
    out, _ = reports
    page = watched.goto(out / f"{DISTRICT}.en.html")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert "Huong Son District" in page.inner_text("body")
    page = watched.goto(out / f"{DISTRICT}.html")
    assert page.evaluate("() => document.documentElement.lang") == "vi"
    nav = page.eval_on_selector_all(".nav a", "as => as.map(a => [a.textContent, a.getAttribute('href')])")
    assert nav == [["← Danh sách báo cáo", "index.html"], ["Báo cáo của Tỉnh Hà Tĩnh", "province-ha-tinh.html"]]
    # a contents list of the report's sections, each a working anchor
    toc = page.eval_on_selector_all("nav.toc a", "as => as.map(a => a.getAttribute('href'))")
    assert len(toc) >= 8 and all(page.locator(href).count() == 1 for href in toc)
    watched.assert_clean()


def _pdf_pages(pdf: Path) -> list[tuple[str, tuple[float, float]]]:
    """(text, (width, height) in points) of every page of a PDF (poppler's pdftotext and pdfinfo)."""
    import re
    import subprocess

    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    texts = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    return list(zip(texts, sizes, strict=False))


@pytest.mark.parametrize("name", [DISTRICT, "province-ha-tinh"])
def test_printed_report_fits_a4_with_the_whole_results_table(browser, reports, watched, name):
    """Printed as a reader prints it: A4 pages, the results table on a landscape page of its own with every
    column header on that page, no chart toolbar."""
    import re

    import gender_metrics as gm
    from gender_metrics.present import views

    out, _ = reports
    page = watched.goto(out / f"{name}.html")
    page.wait_for_selector(".gm-plot svg.main-svg")
    pdf = out / f"{name}.print.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    pages = _pdf_pages(pdf)
    assert all(sorted(size) == pytest.approx([595.3, 841.9], abs=1.5) for _, size in pages)   # A4 only
    head = views.results_head(gm.load_reference(), "vi")
    title = "Kết quả thực hiện các chỉ tiêu 2011-2020"
    first = next(i for i, (text, _) in enumerate(pages) if title in text and head[-1] in text)   # not the contents
    text, (width, height) = pages[first]
    assert width > height, "the results table prints on a landscape page"
    flat = re.sub(r"\s+", " ", text)
    missing = [h for h in head if h not in flat]
    assert missing == [], f"column headers not on the printed page: {missing}"
    page.emulate_media(media="print")
    assert page.evaluate("() => [...document.querySelectorAll('.modebar-container')]"
                         ".every(m => getComputedStyle(m).display === 'none')")
    watched.assert_clean()


def test_run_pdf_prints_with_the_local_chromium_and_says_what_to_install_without_one(reports, processed, monkeypatch):
    import subprocess
    import sys

    from gender_metrics.outputs.pdf import NoBrowser, print_all

    out, _ = reports
    [(page, pdf, error)] = print_all([out / f"{DISTRICT}.html"], jobs=1)
    assert error == "" and pdf == out / f"{DISTRICT}.pdf"
    sizes = [s for _, s in _pdf_pages(pdf)]
    assert sizes and all(sorted(s) == pytest.approx([595.3, 841.9], abs=1.5) for s in sizes)   # A4
    monkeypatch.setenv("GENDER_METRICS_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(NoBrowser, match="không tìm thấy trình duyệt Chromium"):
        print_all([out / f"{DISTRICT}.html"])
    r = subprocess.run([sys.executable, "-m", "gender_metrics", "run", "--unit", "439", "--pdf", "--processed",
                        str(processed), "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 1 and "apt-get install chromium" in r.stderr and "Traceback" not in r.stderr

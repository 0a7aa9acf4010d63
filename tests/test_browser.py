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
    assert sorted(hrefs) == files
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

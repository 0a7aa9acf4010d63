"""Executed notebooks → offline HTML reports, and the index page that lists every report.

Reports carry no code, no prompts and no parameters cell, and load nothing from the internet: each
chart's output holds the HTML that plotly's ``to_html`` wrote, drawn by one local plotly.js shared in
``reports/assets/`` (or embedded in the page with ``self_contained=True``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..i18n import t
from ..present.charts import PLOTLY_MIME
from ..store import atomic_path
from .base import Output

ASSET_NAME = "plotly.min.js"
# the Department's documents that `make reports` writes beside the reports, and their index entries
DOCUMENTS = (("summary-report.docx", "index_document"), ("brief.html", "index_brief"), ("brief.pdf", "index_brief"))
REMOVE_TAGS = {"parameters", "injected-parameters", "remove"}


def plotly_js_path() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / ASSET_NAME


def ensure_assets(reports_dir: Path) -> Path:
    """Copy plotly.js once into ``reports_dir/assets`` (skipped when already there, same size)."""
    src = plotly_js_path()
    dst = Path(reports_dir) / "assets" / ASSET_NAME
    if not dst.exists() or dst.stat().st_size != src.stat().st_size:
        with atomic_path(dst) as tmp:
            shutil.copyfile(src, tmp)
    return dst


def _clean(nb) -> None:
    """Drop parameter and helper cells and stderr; keep a chart's HTML, not its JSON twin."""
    nb.cells = [c for c in nb.cells if not REMOVE_TAGS & set(c.get("metadata", {}).get("tags", []))]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            data = out.get("data", {})
            if PLOTLY_MIME in data and "text/html" in data:
                data.pop(PLOTLY_MIME)
            outputs.append(out)
        cell.outputs = outputs


_building = threading.Lock()


def exporter():
    """One exporter per process: nbconvert's template loading is paid once per worker, not per report
    (a worker may build it in a thread of its own while its first report runs: the lock makes the
    report wait for that one)."""
    with _building:
        return _new_exporter()


@lru_cache(maxsize=1)
def _new_exporter():
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter without its last pass, which re-parses the whole page with
        BeautifulSoup to give images alt text and inputs a tabindex: reports have neither (it costs
        a quarter of a second per report)."""

        def from_notebook_node(self, nb, resources=None, **kw):
            self.register_filter("highlight_code", Highlight2HTML(parent=self))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=nb.metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    base = Path(str(resources.files("gender_metrics") / "outputs" / "templates"))
    ex = ReportExporter(extra_template_basedirs=[str(base)], template_name="gm_report")
    ex.exclude_input = True
    ex.exclude_input_prompt = True
    ex.exclude_output_prompt = True
    ex.optimistic_validation = True   # the notebook validated once after the preprocessors, not after each
    return ex


_H2 = re.compile(r"<h2(?: id='([^']*)')?>(.*?)</h2>", re.S)
_TOC = re.compile(r"<nav class='toc' data-gm-toc='([^']*)'></nav>")


def contents(page: str) -> str:
    """The page with its contents list filled in: a link to every section heading (h2) of the report,
    in order; headings without an anchor get one."""
    m = _TOC.search(page)
    if not m:
        return page
    items, n = [], 0

    def anchor(h: re.Match) -> str:
        nonlocal n
        n += 1
        ident = h.group(1) or f"s-{n}"
        items.append((ident, re.sub(r"<[^>]+>", "", h.group(2)).strip()))
        return f"<h2 id='{ident}'>{h.group(2)}</h2>"

    page = page[:m.end()] + _H2.sub(anchor, page[m.end():])
    if len(items) < 2:
        return page
    links = "".join(f"<li><a href='#{i}'>{text}</a></li>" for i, text in items)   # already escaped text
    return page[:m.start()] + f"<nav class='toc'><b>{m.group(1)}</b><ol>{links}</ol></nav>" + page[m.end():]


class HtmlReport(Output):
    """One unit's report page from its executed notebook."""

    suffix = ".html"

    def __init__(self, notebook, *, lang: str = "vi", title: str | None = None, self_contained: bool = False):
        import nbformat

        self.nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(str(notebook), as_version=4)
        self.lang, self.title, self.self_contained = lang, title, self_contained

    def write(self, path: Path | str) -> Path:
        self.path = Path(path)
        return super().write(path)

    def render(self, tmp: Path) -> None:
        _clean(self.nb)
        res = {"language_code": self.lang, "metadata": {"name": self.title or self.path.stem}}
        if self.self_contained:
            res["gm_plotly_inline"] = plotly_js_path().read_text(encoding="utf-8")
        else:
            asset = ensure_assets(self.path.parent)
            res["gm_plotly_src"] = os.path.relpath(asset, self.path.parent).replace(os.sep, "/")
        self.nb.metadata["title"] = self.title or self.path.stem
        ex = exporter()
        ex.language_code = self.lang          # <html lang="vi">
        body, _ = ex.from_notebook_node(self.nb, resources=res)
        tmp.write_text(contents(body), encoding="utf-8")


def export_html(notebook, out_html: Path | str, *, lang: str = "vi", title: str | None = None,
                self_contained: bool = False) -> Path:
    """Write the offline HTML of an executed notebook; plotly.js from ``assets/`` or embedded."""
    return HtmlReport(notebook, lang=lang, title=title, self_contained=self_contained).write(out_html)


class Index(Output):
    """``reports/index.html``: every report by unit name (a link in the page's language, and to the other
    language's report where it was made), its kind, the unit's submission state, and any failure."""

    suffix = ".html"

    def __init__(self, entries: list[dict], ref, *, lang: str = "vi", sample: bool = False, packet: bool = False,
                 submissions=None, documents: list[tuple[str, str]] = ()):
        self.entries, self.ref, self.lang, self.sample, self.packet = entries, ref, lang, sample, packet
        self.submissions = submissions
        self.documents = list(documents)   # (file name, what it is): the Department's documents beside the reports

    def _state(self, unit: str, kind: str) -> tuple[str, str]:
        """(css class, words) of the unit's submission, for the units that send a form."""
        if self.submissions is None or kind == "feasibility" or unit not in self.ref.units.reporting:
            return "", ""
        from ..present.views import SUBMISSION_CLASS, submission_state

        st = submission_state(unit, self.submissions)
        return SUBMISSION_CLASS[st], t("index_state_" + st, self.lang)

    def write(self, path: Path | str) -> Path:
        self.path = Path(path)
        return super().write(path)

    def render(self, tmp: Path) -> None:
        from ..present.report import render

        L, T = self.lang, (lambda k, **kw: self.ref.text(k, self.lang, **kw))
        kinds = {"feasibility": T("section_feasibility")}
        by: dict[tuple[str, str], dict[str, dict]] = {}
        for e in self.entries:
            by.setdefault((e["unit"], e["kind"]), {})[e.get("lang", "vi")] = e
        rows = []
        for (unit, kind), langs in by.items():
            mine = langs.get(L) or next(iter(langs.values()))
            other = [(lg, e["html"]) for lg, e in langs.items() if lg != L and e.get("html") and e["status"] != "failed"]
            cls, state = self._state(unit, kind)
            label = self.ref.label(unit, L) if unit in set(self.ref.units.table.code) else mine["label"]
            rows.append({"label": label, "status": mine["status"],
                         "kind": kinds.get(kind) or t(f"unit_kind_{kind}", L),
                         "html": mine.get("html") if mine["status"] != "failed" and L in langs else None,
                         "error": mine.get("error", "") if mine["status"] == "failed" else "",
                         "state": state, "state_class": cls,
                         "pdf": _pdf_beside(self.path.parent, mine.get("html")) if mine["status"] != "failed" else None,
                         "other": [(t(f"lang_name_{lg}", L), html) for lg, html in other]})
        from ..i18n import LANGS
        from ..present.pages import index_name

        others = [(t(f"index_in_{lg}", L), index_name(lg)) for lg in LANGS
                  if lg != L and (self.path.parent / index_name(lg)).exists()]
        page = render("index.html.j2", T=T, lang=L, rows=rows, sample=self.sample, packet=self.packet, other_indexes=others,
                      documents=self.documents,
                      made=dt.datetime.now().strftime("%d/%m/%Y %H:%M"))
        tmp.write_text(page, encoding="utf-8")


def _pdf_beside(folder: Path, html: str | None) -> str | None:
    """The PDF printed from a report page (``run --pdf``), when it is there and not older than the page."""
    if not html:
        return None
    page, pdf = folder / html, (folder / html).with_suffix(".pdf")
    return pdf.name if pdf.exists() and page.exists() and pdf.stat().st_mtime >= page.stat().st_mtime else None


def write_index(reports_dir: Path | str, entries: list[dict], ref, *, lang: str = "vi", sample: bool = False,
                submissions=None) -> Path:
    reports_dir = Path(reports_dir)
    packet = (reports_dir / "packet.xlsx").exists()  # written by `make reports` beside the reports
    documents = [(name, t(key, lang)) for name, key in DOCUMENTS if (reports_dir / name).exists()]
    from ..present.pages import index_name

    return Index(entries, ref, lang=lang, sample=sample, packet=packet, submissions=submissions,
                 documents=documents).write(reports_dir / index_name(lang))

"""Executed notebooks → offline HTML reports, and the index page that lists every report.

Reports carry no code, no prompts and no parameters cell, and load nothing from the internet: each
chart's output holds the HTML that plotly's ``to_html`` wrote, drawn by one local plotly.js shared in
``reports/assets/`` (or embedded in the page with ``self_contained=True``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
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


@lru_cache(maxsize=1)
def exporter():
    """One exporter per process: nbconvert's template loading is paid once per worker, not per report."""
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
    return ex


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
        body, _ = exporter().from_notebook_node(self.nb, resources=res)
        tmp.write_text(body, encoding="utf-8")


def export_html(notebook, out_html: Path | str, *, lang: str = "vi", title: str | None = None,
                self_contained: bool = False) -> Path:
    """Write the offline HTML of an executed notebook; plotly.js from ``assets/`` or embedded."""
    return HtmlReport(notebook, lang=lang, title=title, self_contained=self_contained).write(out_html)


class Index(Output):
    """``reports/index.html``: every report with its kind, status and link (failures included)."""

    suffix = ".html"

    def __init__(self, entries: list[dict], ref, *, lang: str = "vi", sample: bool = False, packet: bool = False,
                 documents: list[tuple[str, str]] = ()):
        self.entries, self.ref, self.lang, self.sample, self.packet = entries, ref, lang, sample, packet
        self.documents = list(documents)   # (file name, what it is): the Department's documents beside the reports

    def render(self, tmp: Path) -> None:
        from ..present.report import render

        L, T = self.lang, (lambda k, **kw: self.ref.text(k, self.lang, **kw))
        kinds = {"feasibility": T("section_feasibility")}
        rows = [{"status": e["status"], "label": e["label"],
                 "kind": kinds.get(e["kind"]) or t(f"unit_kind_{e['kind']}", L),
                 "status_text": t(f"index_status_{e['status']}", L), "html": e.get("html"), "error": e.get("error", "")}
                for e in self.entries]
        page = render("index.html.j2", T=T, lang=L, rows=rows, sample=self.sample, packet=self.packet,
                      documents=self.documents, made=dt.datetime.now().strftime("%d/%m/%Y %H:%M"))
        tmp.write_text(page, encoding="utf-8")


def write_index(reports_dir: Path | str, entries: list[dict], ref, *, lang: str = "vi", sample: bool = False) -> Path:
    reports_dir = Path(reports_dir)
    packet = (reports_dir / "packet.xlsx").exists()  # written by `make reports` beside the reports
    documents = [(name, t(key, lang)) for name, key in DOCUMENTS if (reports_dir / name).exists()]
    return Index(entries, ref, lang=lang, sample=sample, packet=packet, documents=documents).write(
        reports_dir / "index.html")

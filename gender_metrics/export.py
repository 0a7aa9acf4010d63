"""Executed notebooks → offline HTML reports, and the index page that lists every report.

Reports carry no code, no prompts and no parameters cell, and load nothing from the internet:
plotly figures (plotly's JSON mimetype) become a ``<div>`` drawn by a local plotly.js, shared once
in ``reports/assets/`` (or embedded in the page with ``self_contained=True``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import shutil
from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from .i18n import t

PLOTLY_MIME = "application/vnd.plotly.v1+json"
ASSET_NAME = "plotly.min.js"
REMOVE_TAGS = {"parameters", "injected-parameters", "remove"}


def plotly_js_path() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / ASSET_NAME


def ensure_assets(reports_dir: Path) -> Path:
    """Copy plotly.js once into ``reports_dir/assets`` (skipped when already there, same size)."""
    src = plotly_js_path()
    dst = Path(reports_dir) / "assets" / ASSET_NAME
    if not dst.exists() or dst.stat().st_size != src.stat().st_size:
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_suffix(".tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    return dst


class ReportPreprocessor(Preprocessor):
    """Drop parameter and helper cells and stderr; turn plotly JSON outputs into offline HTML divs."""

    def preprocess(self, nb, resources):
        nb.cells = [c for c in nb.cells if not REMOVE_TAGS & set(c.get("metadata", {}).get("tags", []))]
        n = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            outputs = []
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    continue
                data = out.get("data", {})
                if PLOTLY_MIME in data:
                    n += 1
                    fig = data[PLOTLY_MIME]
                    fig = json.loads(fig) if isinstance(fig, str) else fig
                    out = nbformat.v4.new_output("display_data", data={"text/html": _plot_div(fig, f"gm-plot-{n}")})
                outputs.append(out)
            cell.outputs = outputs
        resources["gm_plot_count"] = n
        return nb, resources


def _plot_div(fig: dict, div_id: str) -> str:
    payload = json.dumps({"data": fig.get("data", []), "layout": fig.get("layout", {})}, ensure_ascii=False)
    payload = payload.replace("</", "<\\/")  # never close the script tag from inside the data
    config = json.dumps({"responsive": True, "displaylogo": False})
    return (f'<div id="{div_id}" class="gm-plot"></div>\n<script type="text/javascript">'
            f'(function(){{var f={payload};Plotly.newPlot("{div_id}",f.data,f.layout,{config});}})();</script>')


def _exporter() -> HTMLExporter:
    base = Path(str(resources.files("gender_metrics") / "templates"))
    ex = HTMLExporter(extra_template_basedirs=[str(base)], template_name="gm_report")
    ex.exclude_input = True
    ex.exclude_input_prompt = True
    ex.exclude_output_prompt = True
    ex.register_preprocessor(ReportPreprocessor(), enabled=True)
    return ex


def export_html(notebook: Path | str | nbformat.NotebookNode, out_html: Path | str, *, lang: str = "vi",
                title: str | None = None, self_contained: bool = False) -> Path:
    """Write the offline HTML of an executed notebook; plotly.js from ``assets/`` or embedded."""
    nb = nbformat.read(str(notebook), as_version=4) if not isinstance(notebook, nbformat.NotebookNode) else notebook
    out_html = Path(out_html)
    res = {"language_code": lang, "metadata": {"name": title or out_html.stem}}
    if self_contained:
        res["gm_plotly_inline"] = plotly_js_path().read_text(encoding="utf-8")
    else:
        asset = ensure_assets(out_html.parent)
        res["gm_plotly_src"] = os.path.relpath(asset, out_html.parent).replace(os.sep, "/")
    nb.metadata["title"] = title or out_html.stem
    body, _ = _exporter().from_notebook_node(nb, resources=res)
    tmp = out_html.with_name(out_html.name + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, out_html)
    return out_html


def write_index(reports_dir: Path | str, entries: list[dict], *, lang: str = "vi", sample: bool = False) -> Path:
    """``reports/index.html``: every report with its kind, status and link (failures included)."""
    reports_dir = Path(reports_dir)
    L = lang
    labels = {"vi": ("Danh sách báo cáo", "Đơn vị", "Loại", "Trạng thái", "Báo cáo", "Lập lúc", "thành công", "lỗi",
                     "bỏ qua (không thay đổi)"),
              "en": ("Reports", "Unit", "Kind", "Status", "Report", "Made", "ok", "failed", "skipped (unchanged)")}[L]
    status_text = {"ok": labels[6], "failed": labels[7], "skipped": labels[8]}
    kinds = {"district": t("unit_kind_district", L), "sector": t("unit_kind_sector", L),
             "province": t("unit_kind_province", L), "national": t("unit_kind_national", L),
             "feasibility": t("section_feasibility", L)}
    rows = []
    for e in entries:
        link = (f"<a href='{html.escape(e['html'])}'>{html.escape(Path(e['html']).name)}</a>" if e.get("html")
                else html.escape(e.get("error", "")))
        rows.append(f"<tr class='{e['status']}'><td>{html.escape(e['label'])}</td><td>{html.escape(kinds.get(e['kind'], e['kind']))}</td>"
                    f"<td>{html.escape(status_text.get(e['status'], e['status']))}</td><td>{link}</td></tr>")
    banner = f"<p class='sample'>{html.escape(t('sample_banner', L))}</p>" if sample else ""
    if (reports_dir / "packet.xlsx").exists():  # written by `make reports` beside the reports
        banner += f"<p><a href='packet.xlsx'>{html.escape(t('index_packet', L))}</a></p>"
    made = dt.datetime.now().strftime("%d/%m/%Y %H:%M")
    page = f"""<!DOCTYPE html>
<html lang="{L}"><head><meta charset="utf-8"><title>{html.escape(labels[0])}</title>
<style>body{{font-family:'Segoe UI',Roboto,Arial,sans-serif;max-width:1000px;margin:24px auto;padding:0 16px;color:#222}}
table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #ddd;padding:4px 8px;text-align:left}}
th{{background:#deebf7}}tr.failed td{{background:#fdecea}}.sample{{background:#fff3cd;border:2px solid #d39e00;padding:8px;font-weight:700}}</style>
</head><body><h1>{html.escape(t('report_title', L))}</h1><h2>{html.escape(labels[0])} ({len(entries)})</h2>{banner}
<p>{html.escape(labels[5])}: {made}</p>
<table><thead><tr><th>{labels[1]}</th><th>{labels[2]}</th><th>{labels[3]}</th><th>{labels[4]}</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table></body></html>
"""
    out = reports_dir / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name("index.html.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out

"""The one-page summary for leaders: an A4 HTML page (Jinja, print CSS) and its PDF, printed by the
locally installed headless Chromium (never downloaded). The same summary is the first page of the Word
draft's annexes (:func:`gender_metrics.present.annex.leader_summary`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..i18n import t
from ..present.annex import LeaderSummary
from ..present.charts import HEAT_COLORS
from ..store import atomic_path
from .base import Output

CHROMIUMS = ("chromium", "chromium-browser", "google-chrome")
PDF_TIMEOUT = 120


class ChromiumMissing(RuntimeError):
    """No Chromium to print the PDF with."""


class BriefPage(Output):
    """The HTML page of a :class:`LeaderSummary`."""

    suffix = ".html"

    def __init__(self, summary: LeaderSummary, *, lang: str = "vi", provenance: str = ""):
        self.s, self.lang, self.provenance = summary, lang, provenance

    def render(self, tmp: Path) -> None:
        from ..present.report import render

        page = render("brief.html.j2", s=self.s, lang=self.lang, zip=zip, colors=HEAT_COLORS,
                      sample_text=t("doc_sample", self.lang), provenance=self.provenance)
        tmp.write_text(page, encoding="utf-8")


def chromium() -> str:
    """The local Chromium's path; :class:`ChromiumMissing` when there is none."""
    for name in CHROMIUMS:
        exe = shutil.which(name)
        if exe:
            return exe
    raise ChromiumMissing(", ".join(CHROMIUMS))


def print_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` to ``pdf`` (A4, as its @page says) with headless Chromium, atomically."""
    exe = chromium()
    with atomic_path(pdf) as tmp:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--no-first-run", "--no-pdf-header-footer", "--print-to-pdf-no-header",
               f"--print-to-pdf={tmp}", Path(html).resolve().as_uri()]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT)
        if r.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            raise RuntimeError((r.stderr or r.stdout or f"exit {r.returncode}").strip().splitlines()[-1])
    return pdf


def write_brief(path: Path | str, summary: LeaderSummary, *, lang: str = "vi", pdf: bool = True,
                provenance: str = "") -> list[Path]:
    """Write the summary's HTML page to ``path`` and, with ``pdf``, its PDF beside it (same name, .pdf)."""
    html = BriefPage(summary, lang=lang, provenance=provenance).write(path)
    return [html, print_pdf(html, Path(path).with_suffix(".pdf"))] if pdf else [html]

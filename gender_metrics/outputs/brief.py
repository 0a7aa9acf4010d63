"""The one-page summary for leaders: an A4 HTML page (Jinja, print CSS) and its PDF, printed by the
locally installed headless Chromium (never downloaded). The same summary is the first page of the Word
draft's annexes (:func:`gender_metrics.present.annex.leader_summary`)."""

from __future__ import annotations

from pathlib import Path

from ..i18n import t
from ..present.annex import LeaderSummary
from ..present.charts import HEAT_COLORS
from .base import Output
from .pdf import NoBrowser, print_pdf

ChromiumMissing = NoBrowser    # the name the brief's callers know


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


def write_brief(path: Path | str, summary: LeaderSummary, *, lang: str = "vi", pdf: bool = True,
                provenance: str = "") -> list[Path]:
    """Write the summary's HTML page to ``path`` and, with ``pdf``, its PDF beside it (same name, .pdf)."""
    html = BriefPage(summary, lang=lang, provenance=provenance).write(path)
    return [html, print_pdf(html, Path(path).with_suffix(".pdf"), lang=lang)] if pdf else [html]

"""Reports printed to PDF (A4, as their print CSS lays them out) by the Chromium installed on the machine.

Nothing is downloaded: the browser is looked up on the PATH (``chromium``, ``chromium-browser``,
``google-chrome``, ``microsoft-edge``) or given by ``GENDER_METRICS_CHROMIUM``; without one,
:class:`NoBrowser` says what to install. Each page is printed in its own headless browser with the
network off and its charts drawn, into a temporary file renamed into place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..i18n import t
from ..store import atomic_path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge")
TIMEOUT = 120          # seconds for one page
# headless, offline, no profile of the user's: the flags the page needs and nothing else
FLAGS = ["--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--proxy-server=127.0.0.1:9",
         "--run-all-compositor-stages-before-draw", "--virtual-time-budget=15000", "--no-pdf-header-footer"]


class NoBrowser(RuntimeError):
    """No Chromium-based browser on this machine."""


def find_browser() -> str | None:
    env = os.environ.get("GENDER_METRICS_CHROMIUM")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def print_pdf(html: Path | str, pdf: Path | str | None = None, *, browser: str | None = None,
              lang: str = "vi") -> Path:
    """Print one HTML page to PDF (beside it by default); returns the PDF's path."""
    html = Path(html).resolve()
    pdf = Path(pdf) if pdf else html.with_suffix(".pdf")
    browser = browser or find_browser()
    if browser is None:
        raise NoBrowser(t("pdf_no_browser", lang))
    sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory(prefix="gm-chromium-") as profile, atomic_path(pdf) as tmp:
        cmd = [browser, *FLAGS, *sandbox, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html.as_uri()]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        if r.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            raise RuntimeError(t("pdf_failed", lang, page=html.name, error=(r.stderr or "").strip()[-300:]))
    return pdf


def print_all(pages: list[Path], *, jobs: int = 2, lang: str = "vi") -> list[tuple[Path, Path | None, str]]:
    """Print many pages, ``jobs`` browsers at a time: (page, pdf or None, error) for each."""
    browser = find_browser()
    if browser is None:
        raise NoBrowser(t("pdf_no_browser", lang))

    def one(page: Path):
        try:
            return page, print_pdf(page, browser=browser, lang=lang), ""
        except Exception as exc:  # one page that fails does not stop the others
            return page, None, str(exc)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, pages))

"""What each page is called and what it says it was made from: the reports' file names, the index's
name, the provenance line. Light on purpose: the batch runner names every report before any kernel
starts, without importing what the reports are made with."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from ..i18n import t


@lru_cache(maxsize=1)
def package_version() -> str:
    """The installed package's version (read once per process)."""
    try:
        return version("gender_metrics")
    except PackageNotFoundError:
        return "0+unknown"


def provenance_text(data_hash: str, manifest: dict, lang: str) -> str:
    """"Mã dữ liệu … (nhập lúc …) · gender_metrics … · lập lúc …": what a page was made from, and when."""
    return t("provenance", lang, data_hash=data_hash[:12],
             ingested=manifest.get("ingested_at", "?").replace("T", " ")[:16], version=package_version(),
             made=dt.datetime.now().strftime("%d/%m/%Y %H:%M"))


def report_stem(kind: str, slug: str, lang: str) -> str:
    """The file name (without .html) of a unit's report: "district-huong-son", "province-ha-tinh.en"."""
    return f"{kind}-{slug}" + ("" if lang == "vi" else f".{lang}")


def index_name(lang: str) -> str:
    """The list of reports in one language: "index.html" (Vietnamese), "index.en.html"."""
    return "index.html" if lang == "vi" else f"index.{lang}.html"

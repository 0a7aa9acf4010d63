"""Where the project's data live by default: ``data/raw`` and ``data/processed`` of the project.

The project root is found from ``GENDER_METRICS_HOME``, else by walking up from the current folder
to one that has ``data/raw`` beside a ``pyproject.toml``, else the folder above the package (an
editable install). Every command also takes explicit folders, so another data set never touches
this one.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("GENDER_METRICS_HOME")
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / "pyproject.toml").exists() and (d / "gender_metrics").is_dir():
            return d
    return Path(__file__).resolve().parent.parent


def default_raw_dir() -> Path:
    return project_root() / "data" / "raw"


def default_processed_dir() -> Path:
    env = os.environ.get("GENDER_METRICS_PROCESSED")
    return Path(env) if env else project_root() / "data" / "processed"


def default_reports_dir() -> Path:
    return project_root() / "reports"

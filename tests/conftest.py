"""Shared fixtures: the bundled sample forms ingested once per test session into a temp folder."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def processed(tmp_path_factory, raw_dir) -> Path:
    from gender_metrics.ingest import ingest

    out = tmp_path_factory.mktemp("processed")
    ingest(raw_dir, out)
    return out

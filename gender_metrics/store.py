"""The processed tables: their contract, one versioned atomic save, typed loads, and the file helpers
(atomic writes, folder locks) that every writer of the package shares.

A processed folder holds versions: ``v0001/``, ``v0002/`` ... each written whole (every table, then
``manifest.json`` with their hashes) under a temporary name, renamed into place, then made current by
replacing the one-line file ``CURRENT`` (a single rename). The previous version is kept; older ones
are removed. Readers resolve ``CURRENT`` once, so a reader never sees half of one ingest and half of
another. The tables' schemas (pandera) are checked before anything is written.

Tables (see ``SCHEMAS`` for the columns):
- ``observations``      unit × strategy × indicator × year (× breakdown): numerator, denominator,
  value, source ("file!sheet!cell")
- ``narratives``        unit × section × text (the assessment sheet, indicator and target notes)
- ``proposed_targets``  unit × indicator × year × proposed value
- ``submissions``       unit, file, submission date, on time, sample data, completeness, the file's format
- ``ingest_report``     every non-empty form cell: accepted, rejected with reason, or ignored; a flag for
  what needs a look (a probable fraction, a value that disagrees with its parts ...), what is expected
- ``blanks``            the cells a form requires that were left blank (identification fields, indicator-years)

Beside the tables, a version may hold files written for people (``exports``): the ingest report as a CSV
that Excel opens (UTF-8 with BOM, in the run's language) and as a workbook with one sheet per unit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from .locking import Busy, locked  # noqa: F401 - every command's folder lock, re-exported

FORMAT = 3            # version of the processed folder's layout (3: ingest_report as parquet, blanks)
KEEP_VERSIONS = 2     # the current version and the one before it
CURRENT = "CURRENT"
MANIFEST = "manifest.json"

# name -> {column: (dtype, nullable)}; the one description of every processed table
SCHEMAS: dict[str, dict[str, tuple[str, bool]]] = {
    "observations": {
        "unit": ("str", False), "strategy": ("str", False), "indicator": ("str", False), "year": ("int64", False),
        "numerator": ("float64", True), "denominator": ("float64", True), "value": ("float64", True),
        "source": ("str", False), "breakdown": ("str", False), "parts_known": ("bool", False),
        "value_reported": ("float64", True),
    },
    "narratives": {
        "unit": ("str", False), "section": ("str", False), "indicator": ("str", True), "text": ("str", False),
        "source": ("str", False),
    },
    "proposed_targets": {
        "unit": ("str", False), "indicator": ("str", False), "year": ("int64", False), "value": ("float64", False),
        "source": ("str", False),
    },
    "submissions": {
        "unit": ("str", False), "file": ("str", False), "submitted": ("datetime64[ns]", True),
        "on_time": ("boolean", True), "sample": ("bool", False), "person": ("str", False),
        "cells_filled": ("int64", False), "cells_expected": ("int64", False), "completeness": ("float64", True),
        "format": ("str", False),
    },
    "ingest_report": {
        "file": ("str", False), "unit": ("str", False), "sheet": ("str", False), "cell": ("str", False),
        "value": ("str", False), "status": ("str", False), "flag": ("str", False), "reason": ("str", False),
        "expected": ("str", False),
    },
    "blanks": {
        "unit": ("str", False), "file": ("str", False), "sheet": ("str", False), "cell": ("str", False),
        "field": ("str", False), "label": ("str", False), "indicator": ("str", False), "year": ("Int64", True),
    },
}
KEYS = {"observations": ["unit", "strategy", "indicator", "breakdown", "year"],
        "proposed_targets": ["unit", "indicator", "year"], "submissions": ["unit"]}
CSV_TABLES: set[str] = set()   # tables stored as CSV (none since the ingest report became a parquet table)
# what the reports show: a change in any of these is a change in some report
REPORTED = ("observations", "narratives", "proposed_targets", "submissions")
STATUSES = ("accepted", "rejected", "ignored")
FLAGS = ("", "probable_fraction", "misplaced", "parts_disagree", "identical_sheet", "unit_conflict",
         "impossible_date", "superseded", "merged")


class StoreError(ValueError):
    """A table that breaks its contract, or a processed folder that cannot be used."""


# --------------------------------------------------------------------------- file helpers
def temporary_name(path: Path) -> Path:
    """A hidden name beside ``path`` for writing it, with the same suffix (some writers insist)."""
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed onto ``path`` when the block ends without error.

    Readers see the old file or the new one, never half of one; an interrupted write leaves nothing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: Path | str) -> Iterator[Path]:
    """A temporary folder beside ``path``, renamed to ``path`` (which must not exist) when the block
    ends without error; removed otherwise. A folder is only ever seen whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_text(path: Path | str, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


FORMULA_START = ("=", "+", "-", "@")


def safe_text(value):
    """Text a spreadsheet would run as a formula (= + - @ first) gets a leading quote: every workbook
    and CSV the package writes holds text typed into forms as text, never as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text columns are neutralised with :func:`safe_text` (for every Excel or CSV export)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(safe_text)
    return out


def file_hash(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def row_hashes(df: pd.DataFrame) -> np.ndarray:
    """One hash per row of ``df`` (its values as text)."""
    return pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy()


def frame_hash(*frames: pd.DataFrame, rows: list[np.ndarray] | None = None) -> str:
    """A content hash of data frames (values as text, row order included); ``rows``: their
    :func:`row_hashes`, when the caller has them already."""
    h = hashlib.sha256()
    for i, df in enumerate(frames):
        h.update(",".join(map(str, df.columns)).encode())
        h.update((row_hashes(df) if rows is None else rows[i]).tobytes())
    return h.hexdigest()


# --------------------------------------------------------------------------- the contract
def empty(name: str) -> pd.DataFrame:
    """An empty table with the columns and dtypes of ``name``."""
    return cast(pd.DataFrame(columns=list(SCHEMAS[name])), name)


def cast(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """``df`` with exactly the columns of table ``name``, in order, with their dtypes."""
    spec = SCHEMAS[name]
    missing = [c for c in spec if c not in df]
    if missing:
        raise StoreError(f"table {name}: missing column(s) {missing}")
    out = df[list(spec)].copy()
    for col, (dtype, _) in spec.items():
        if dtype == "datetime64[ns]":
            out[col] = pd.to_datetime(out[col]).astype(dtype)
        elif out[col].dtype != dtype:
            out[col] = out[col].astype(dtype)   # text: pandas' str dtype (missing stays missing)
    return out.reset_index(drop=True)


def _schema(name: str):
    import pandera.pandas as pa

    checks = {
        ("observations", "numerator"): [pa.Check.ge(0)], ("observations", "denominator"): [pa.Check.ge(0)],
        ("observations", "value"): [pa.Check(lambda s: np.isfinite(s) | s.isna(), element_wise=False,
                                             error="finite")],
        ("submissions", "completeness"): [pa.Check.in_range(0, 1)],
        ("ingest_report", "status"): [pa.Check.isin(STATUSES)],
        ("ingest_report", "flag"): [pa.Check.isin(FLAGS)],
    }
    cols = {col: pa.Column(dtype, nullable=nullable, checks=checks.get((name, col), []))
            for col, (dtype, nullable) in SCHEMAS[name].items()}
    return pa.DataFrameSchema(cols, strict=True, ordered=True, unique=KEYS.get(name))


def validate(name: str, df: pd.DataFrame) -> None:
    """Check ``df`` against the contract of table ``name``; :class:`StoreError` names the rows."""
    import pandera.errors as pe

    try:
        _schema(name).validate(df, lazy=True)
    except pe.SchemaErrors as exc:
        fc = exc.failure_cases
        rows = ", ".join(f"row {i}: {c} = {v!r} ({chk})" for i, c, v, chk in
                         fc[["index", "column", "failure_case", "check"]].head(5).itertuples(index=False))
        raise StoreError(f"table {name} breaks its contract ({len(fc)} failure(s)): {rows}") from None


# --------------------------------------------------------------------------- versions
def _versions(processed: Path) -> list[Path]:
    return sorted(p for p in processed.glob("v[0-9][0-9][0-9][0-9]") if (p / MANIFEST).is_file())


def resolve(processed_dir: Path | str | None = None) -> Path:
    """The version folder to read: ``processed_dir`` itself when it is one, else its current version."""
    from .paths import default_processed_dir

    d = Path(processed_dir) if processed_dir else default_processed_dir()
    if (d / MANIFEST).is_file():
        return d
    pointer = d / CURRENT
    if pointer.is_file():
        v = d / pointer.read_text(encoding="utf-8").strip()
        if (v / MANIFEST).is_file():
            return v
    raise FileNotFoundError(d)


def software_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for dist in ("gender_metrics", "pandas", "numpy", "pyarrow", "plotly", "papermill", "nbconvert", "openpyxl"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def unit_hashes(tables: dict[str, pd.DataFrame], rows: dict[str, np.ndarray] | None = None) -> dict[str, str]:
    """Per unit, a hash of its rows in every reported table: a report of one unit depends on these.
    ``rows``: the tables' :func:`row_hashes` by name, when the caller has them already."""
    per: dict[str, hashlib._Hash] = {}
    for name in REPORTED:
        df = tables[name]
        if df.empty:
            continue
        rows_of = row_hashes(df) if rows is None else rows[name]
        for unit, idx in df.groupby("unit", sort=True).indices.items():
            h = per.setdefault(str(unit), hashlib.sha256())
            h.update(name.encode() + rows_of[idx].tobytes())
    return {u: h.hexdigest() for u, h in sorted(per.items())}


def save(processed_dir: Path | str, tables: dict[str, pd.DataFrame], manifest: dict,
         exports: dict | None = None) -> Path:
    """Check every table, write them and the manifest as a new version, make it current; return it.

    ``manifest`` gets the data hash, per-unit hashes, file hashes, the software versions and the time.
    ``exports`` maps a file name to a function that writes that file (for people) from the checked
    tables: ``fn(path, tables)``; it is written inside the version, hashed with the tables.
    """
    processed = Path(processed_dir)
    tables = {name: cast(df, name) for name, df in tables.items()}
    for name, df in tables.items():
        validate(name, df)
    processed.mkdir(parents=True, exist_ok=True)
    existing = _versions(processed)
    number = int(existing[-1].name[1:]) + 1 if existing else 1
    version = f"v{number:04d}"
    with atomic_dir(processed / version) as tmp:
        files = {}
        for name, df in tables.items():
            target = tmp / (f"{name}.csv" if name in CSV_TABLES else f"{name}.parquet")
            if name in CSV_TABLES:
                df.to_csv(target, index=False, encoding="utf-8")
            else:
                df.to_parquet(target, index=False)
            files[target.name] = file_hash(target)
        for name, write in (exports or {}).items():
            write(tmp / name, tables)
            files[name] = file_hash(tmp / name)
        rows = {n: row_hashes(tables[n]) for n in REPORTED}   # hashed once, for both hashes below
        manifest = {"format": FORMAT, **manifest, "version": version,
                    "data_hash": frame_hash(*(tables[n] for n in REPORTED), rows=[rows[n] for n in REPORTED]),
                    "unit_hashes": unit_hashes(tables, rows), "files": files,
                    "software": software_versions(),
                    "ingested_at": dt.datetime.now().isoformat(timespec="seconds")}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False, default=str),
                                    encoding="utf-8")
    write_text(processed / CURRENT, version + "\n")
    for old in _versions(processed)[:-KEEP_VERSIONS]:
        shutil.rmtree(old, ignore_errors=True)
    return processed / version


def _missing(d, lang: str) -> FileNotFoundError:
    from .i18n import t

    return FileNotFoundError(t("in_table_missing", lang, path=d, dir=d))


def load_manifest(processed_dir: Path | str | None = None, lang: str = "vi", *, any_format: bool = False) -> dict:
    """What the ingest of the current version wrote: review, hashes, time, sample units, versions.
    A version written by an earlier layout of the tables is refused, saying to ingest again (``any_format``:
    read it anyway, as a new ingest does to check which review the folder holds)."""
    try:
        v = resolve(processed_dir)
    except FileNotFoundError as exc:
        raise _missing(exc.args[0], lang) from None
    manifest = json.loads((v / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT and not any_format:   # written by an earlier version of the package: its tables differ
        from .i18n import t

        raise StoreError(t("store_old_format", lang, dir=v.parent if v.name.startswith("v") else v,
                           found=manifest.get("format"), expected=FORMAT))
    return manifest


def load_table(name: str, processed_dir: Path | str | None = None, lang: str = "vi") -> pd.DataFrame:
    """One processed table by name, typed as its schema says (observations, narratives,
    proposed_targets, submissions, ingest_report)."""
    if name not in SCHEMAS:
        raise KeyError(f"unknown table {name!r}; expected one of {sorted(SCHEMAS)}")
    try:
        v = resolve(processed_dir)
    except FileNotFoundError as exc:
        raise _missing(exc.args[0], lang) from None
    load_manifest(v, lang)   # a version of an earlier layout is refused, saying what to do
    path = v / (f"{name}.csv" if name in CSV_TABLES else f"{name}.parquet")
    if not path.exists():
        raise _missing(path, lang)
    if name in CSV_TABLES:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        df = pd.read_parquet(path)
    return cast(df, name)


def check_review(manifest: dict, review_name: str, where: Path | str, lang: str = "vi") -> None:
    """Refuse to mix reviews: a processed folder holds the data of one review only."""
    from .i18n import t

    held = (manifest.get("review") or {}).get("name")
    if held != review_name:
        raise StoreError(t("store_other_review", lang, dir=where, held=held, asked=review_name))


def version_of(path: Path) -> str | None:
    m = re.fullmatch(r"v\d{4}", Path(path).name)
    return m.group(0) if m else None

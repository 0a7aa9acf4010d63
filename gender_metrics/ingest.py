"""Filled report forms → validated tidy tables, with an account of every non-empty cell.

``ingest(raw_dir, processed_dir)`` runs in three visible blocks:

1. **read**: every .xlsx under ``raw_dir`` (any names, nested folders) is read by
   :func:`gender_metrics.forms.read_form`, in parallel processes when there are many;
2. **validate**: a unit that sent two forms keeps the later one (the other is rejected, said why),
   the forms' records become the tidy tables, the shipped national series is added;
3. **save**: :func:`gender_metrics.store.save` checks every table against its contract and writes
   them as a new version of ``processed_dir``, made current in one rename.

Raw files are never modified. The processed folder records the review it holds; ingesting another
review into it is refused.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import store
from .forms.read import ACCEPTED, IGNORED, REJECTED, REPORT_COLUMNS, FormRead, read_form
from .i18n import LANGS, t
from .reference import Reference
from .reference.catalogue import derive_values

PARALLEL_FROM = 40  # forms; below this a process pool costs more than it saves


class IngestError(RuntimeError):
    """Raised by ``ingest(strict=True)`` when any cell or file was rejected (the tables are written)."""


@dataclass
class IngestResult:
    """Counts and tables of one ingest run; ``report`` has one row per non-empty cell read."""

    processed_dir: Path
    version_dir: Path
    files: int
    units: list[str]
    report: pd.DataFrame
    observations: pd.DataFrame
    submissions: pd.DataFrame
    data_hash: str
    ref: Reference
    lang: str = "vi"

    @property
    def counts(self) -> dict[str, int]:
        return self.report.status.value_counts().reindex([ACCEPTED, REJECTED, IGNORED], fill_value=0).to_dict()

    def summary(self) -> str:
        """What a secretariat officer needs after an ingest, in the language of the run (its reasons
        were written in that language)."""
        L, label = self.lang, self.ref.label
        c = self.counts
        lines = [t("in_sum_counts", L, files=self.files, units=len(self.units), accepted=c[ACCEPTED],
                   rejected=c[REJECTED], ignored=c[IGNORED])]
        rej = self.report[self.report.status == REJECTED]
        if not rej.empty:
            reasons = rej.reason.str.replace(r"'[^']*'|\d+(\.\d+)?", "…", regex=True)
            lines.append(t("in_sum_reasons", L))
            lines += [f"  {n:5d} × {r}" for r, n in Counter(reasons).most_common(5)]
        sub = self.submissions
        missing = [u for u in self.ref.units.reporting if u not in set(sub.unit)]
        late = sub[sub.on_time.eq(False)]
        if missing:
            lines.append(t("in_sum_missing", L, units=", ".join(label(u, L) for u in missing)))
        if not late.empty:
            lines.append(t("in_sum_late", L, units=", ".join(
                f"{label(u, L)} ({d:%d/%m/%Y})" for u, d in zip(late.unit, late.submitted, strict=True))))
        lines.append(t("in_sum_written", L, path=self.version_dir, hash=self.data_hash[:12]))
        lines.append(t("in_sum_report", L, path=self.version_dir / "ingest_report.csv"))
        return "\n".join(lines)


# --------------------------------------------------------------------------- 1. read
def _read_one(args: tuple[str, str, str, str]) -> FormRead:
    from .reference import load_reference

    path, rel, lang, review = args
    return read_form(Path(path), rel, lang, reference=load_reference(review))


def read_forms(paths: list[Path], raw: Path, ref: Reference, *, jobs: int | None, progress: bool,
               lang: str) -> list[FormRead]:
    """Read every form, in parallel processes when there are many (order kept)."""
    from tqdm import tqdm

    work = [(str(p), p.relative_to(raw).as_posix(), lang, str(ref.review.path)) for p in paths]
    n = jobs if jobs is not None else (os.cpu_count() or 1)
    bar = tqdm(total=len(work), desc=t("in_progress_forms", lang), unit="", disable=not progress)
    out = []
    if n <= 1 or len(work) < PARALLEL_FROM:
        for path, rel, _, _ in work:
            out.append(read_form(Path(path), rel, lang, reference=ref))
            bar.update()
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=n) as pool:
            for f in pool.map(_read_one, work, chunksize=8):
                f.ref = ref
                out.append(f)
                bar.update()
    bar.close()
    return out


# --------------------------------------------------------------------------- 2. validate
def resolve_duplicates(forms: list[FormRead]) -> None:
    """Two forms for one unit: keep the later submission date (then the later file name), reject the rest."""
    by_unit: dict[str, list[FormRead]] = {}
    for f in forms:
        if f.unit:
            by_unit.setdefault(f.unit, []).append(f)
    for unit, group in by_unit.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda f: (f.ident.get("submitted") or dt.date.min, f.file))
        keep = group[-1]
        when = keep.ident.get("submitted")
        for f in group[:-1]:
            why = (f.t("in_superseded_later", unit=f.who(unit), file=keep.file, date=f"{when:%d/%m/%Y}")
                   if when and when != f.ident.get("submitted")
                   else f.t("in_superseded_same", unit=f.who(unit), file=keep.file))
            for row in f.report:
                if row["status"] == ACCEPTED:
                    row["status"], row["reason"] = REJECTED, why
            f.parts, f.targets, f.texts, f.unit = [], [], [], None
            f.error = why


def observations_of(forms: list[FormRead], ref: Reference) -> pd.DataFrame:
    """The forms' numerators, denominators and reported values as tidy observations (one row per
    unit × indicator × year), the value derived from its parts by the store's rule, with the cells."""
    recs = [(f.unit, f.file, *p) for f in forms for p in f.parts]
    if not recs:
        return store.empty("observations")
    df = pd.DataFrame(recs, columns=["unit", "file", "indicator", "part", "year", "x", "ref"])
    idx = ["unit", "file", "indicator", "year"]
    wide = df.pivot_table(index=idx, columns="part", values="x", aggfunc="first").reindex(columns=["num", "den", "value"])
    refs = df.pivot_table(index=idx, columns="part", values="ref", aggfunc="first").reindex(columns=["num", "den", "value"])
    wide, refs = wide.reset_index(), refs.reset_index(drop=True)
    parts = wide.num.notna() & wide.den.notna()
    num_ref, den_ref = refs.num.astype(object), refs.den.astype(object)
    part_src = wide.file + "!" + num_ref.fillna("") + ":" + den_ref.fillna("").str.split("!").str[-1]
    val_src = wide.file + "!" + refs.value.astype(object).fillna("")
    source = np.where(parts, part_src, np.where(refs.value.notna(), val_src,
                                                wide.file + "!" + num_ref.fillna(den_ref).fillna("")))
    obs = pd.DataFrame({
        "unit": wide.unit, "strategy": ref.review.strategy, "indicator": wide.indicator,
        "year": wide.year.astype(int), "numerator": wide.num, "denominator": wide.den, "value": wide.value,
        "source": source, "breakdown": "", "parts_known": parts.to_numpy(), "value_reported": wide.value,
    })
    obs["value"] = derive_values(obs, obs.indicator.map(ref.judged.factor))
    return obs


def national_observations(ref: Reference) -> pd.DataFrame:
    """The real national series the review ships (its ``national`` file): values only, with sources."""
    path = ref.review.national_file
    if path is None:
        return store.empty("observations")
    raw = pd.read_csv(path, dtype={"indicator": str, "breakdown": str}, keep_default_na=False)
    return pd.DataFrame({
        "unit": ref.units.national, "strategy": ref.review.strategy, "indicator": raw.indicator,
        "year": raw.year.astype(int), "numerator": np.nan, "denominator": np.nan, "value": raw.value.astype(float),
        "source": f"{path.name}!row " + (raw.index + 2).astype(str) + ": " + raw.source,
        "breakdown": raw.breakdown, "parts_known": False, "value_reported": raw.value.astype(float),
    })


def completeness(f: FormRead, ref: Reference) -> tuple[int, int]:
    """(indicator-years expected, indicator-years with a value): a value counts when both parts or a
    reported value were given; term-based indicators are expected in their election years only."""
    from .forms.layout import layout_of

    info, years = ref.info, ref.review.years
    ids = layout_of(ref).indicators_for(f.unit).id
    terms = {i: [y for y in info[i]["election_years"] if y in years] for i in ids}
    expected = sum(len(terms[i]) or len(years) for i in ids)
    parts: dict[tuple[str, int], set[str]] = {}
    for ind, part, year, _x, _ref in f.parts:
        parts.setdefault((ind, year), set()).add(part)
    filled = sum(1 for (ind, year), p in parts.items()
                 if ("value" in p or {"num", "den"} <= p) and (not terms.get(ind) or year in terms[ind]))
    return expected, filled


def tables_of(forms: list[FormRead], ref: Reference) -> dict[str, pd.DataFrame]:
    """The processed tables of the forms kept (every form's cells in the report)."""
    kept = [f for f in forms if f.unit]
    obs = pd.concat([observations_of(kept, ref), national_observations(ref)], ignore_index=True)
    obs = obs.sort_values(["unit", "indicator", "breakdown", "year"], kind="stable").reset_index(drop=True)
    narr = pd.DataFrame([(f.unit, s, i, x, f"{f.file}!{r}") for f in kept for s, i, x, r in f.texts],
                        columns=["unit", "section", "indicator", "text", "source"])
    tg = pd.DataFrame([(f.unit, i, y, v, f"{f.file}!{r}") for f in kept for i, y, v, r in f.targets],
                      columns=["unit", "indicator", "year", "value", "source"])
    rows = []
    for f in kept:
        date = f.ident.get("submitted")
        expected, filled = completeness(f, ref)
        rows.append({"unit": f.unit, "file": f.file, "submitted": pd.Timestamp(date) if date else pd.NaT,
                     "on_time": ref.review.on_time(date) if date else None, "sample": bool(f.ident.get("sample")),
                     "person": f.ident.get("person", ""), "cells_filled": filled, "cells_expected": expected,
                     "completeness": filled / expected if expected else np.nan})
    subs = pd.DataFrame(rows, columns=list(store.SCHEMAS["submissions"]))
    report = pd.DataFrame([r for f in forms for r in f.report], columns=REPORT_COLUMNS)
    return {"observations": obs, "narratives": narr, "proposed_targets": tg, "submissions": subs,
            "ingest_report": report}


# --------------------------------------------------------------------------- the step
def ingest(raw_dir: Path | str | None = None, processed_dir: Path | str | None = None, *,
           review: str | Path | None = None, reference: Reference | None = None, strict: bool = False,
           progress: bool = False, jobs: int | None = None, lang: str = "vi") -> IngestResult:
    """Read every form under ``raw_dir`` and write the processed tables to ``processed_dir``.

    ``review``: the review the forms belong to, by bundled name or path (default: the default review;
    ``reference``: its loaded reference data, instead). Adds the review's
    national series. With ``strict`` an :class:`IngestError` is raised after writing when any cell or
    file was rejected. A processed folder that holds another review is refused (``StoreError``).
    """
    from .paths import default_processed_dir, default_raw_dir
    from .reference import load_reference

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    ref = reference or load_reference(review)
    raw = Path(raw_dir) if raw_dir else default_raw_dir()
    processed = Path(processed_dir) if processed_dir else default_processed_dir()
    if not raw.is_dir():
        raise FileNotFoundError(t("in_no_raw_dir", lang, raw=raw))
    with store.locked(processed, t("busy", lang, out=processed)):
        try:
            store.check_review(store.load_manifest(processed, lang), ref.review.name, processed, lang)
        except FileNotFoundError:
            pass  # a new folder

        # 1. read
        paths = sorted(p for p in raw.rglob("*") if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm")
                       and not p.name.startswith("~$"))
        forms = read_forms(paths, raw, ref, jobs=jobs, progress=progress, lang=lang)

        # 2. validate
        resolve_duplicates(forms)
        tables = tables_of(forms, ref)

        # 3. save
        subs = tables["submissions"]
        manifest = {"review": {"name": ref.review.name, "digest": ref.digest, "file": str(ref.review.path)},
                    "raw_dir": str(raw), "forms": len(paths), "sample_units": sorted(subs.unit[subs["sample"]])}
        version = store.save(processed, tables, manifest)
    result = IngestResult(processed, version, len(paths), sorted(subs.unit), tables["ingest_report"],
                          tables["observations"], subs, store.load_manifest(version)["data_hash"], ref, lang)
    if strict and (result.report.status == REJECTED).any():
        raise IngestError(result.summary())
    return result

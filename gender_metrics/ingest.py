"""Filled report forms → validated tidy tables, with an account of every non-empty cell.

``ingest(raw_dir, processed_dir)`` runs in three visible blocks:

1. **read**: every file under ``raw_dir`` (any names, nested folders) is read by
   :func:`gender_metrics.forms.read_form` (.xlsx, .xlsm, .xls, .ods; a file that is not a form is
   listed with the reason), in parallel processes when there are many;
2. **validate**: a unit that sent two forms keeps the later one (by submission date, then by the time
   the workbook was saved; the other is rejected, said why) and a later partial correction is merged
   with the earlier form slot by slot; indicator sheets identical across units are flagged; the forms'
   records become the tidy tables, the shipped national series is added;
3. **save**: :func:`gender_metrics.store.save` checks every table against its contract and writes
   them, with the report for people (CSV and workbook), as a new version of ``processed_dir``, made
   current in one rename. A folder in which no form was read is refused (nothing is replaced) unless
   ``allow_empty``.

Raw files are never modified. The processed folder records the review it holds; ingesting another
review into it is refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import store
from .forms.read import (
    ACCEPTED,
    IDENTICAL_SHEET,
    IGNORED,
    MERGED,
    REJECTED,
    REPORT_COLUMNS,
    SUPERSEDED,
    FormRead,
    read_form,
)
from .i18n import LANGS, t
from .reference import Reference
from .reference.catalogue import derive_values

PARALLEL_FROM = 40  # forms; below this a process pool costs more than it saves
PARTIAL = 0.5       # a later form with fewer than this share of an earlier one's values is a partial correction


SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}


class IngestError(RuntimeError):
    """Raised by ``ingest(strict=True)`` when any cell or file was rejected (the tables are written)."""


class EmptyIngestError(IngestError):
    """No form was read in the raw folder: nothing is written (``allow_empty`` writes an empty data set)."""


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
    notes: list = field(default_factory=list)     # lines for the summary: duplicates kept, merges, copies

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
        rep = self.report
        rej = rep[(rep.status == REJECTED) & (rep.flag != SUPERSEDED)]
        if not rej.empty:
            reasons = rej.reason.str.replace(r"'[^']*'|\d+(\.\d+)?", "…", regex=True)
            lines.append(t("in_sum_reasons", L))
            lines += [f"  {n:5d} × {r}" for r, n in Counter(reasons).most_common(5)]
        flags = rep.flag[~rep.flag.isin(["", SUPERSEDED, MERGED])]
        if not flags.empty:
            kinds = ", ".join(f"{t('flag_' + k, L)}: {n}" for k, n in flags.value_counts().items())
            lines.append(t("in_sum_flags", L, n=len(flags), kinds=kinds))
        not_forms = sorted(set(rep.file[(rep.sheet == "") & (rep.cell == "")]))
        if not_forms:
            lines.append(t("in_sum_not_forms", L, files=", ".join(not_forms)))
        lines += self.notes
        sub = self.submissions
        missing = [u for u in self.ref.units.reporting if u not in set(sub.unit)]
        late = sub[sub.on_time.eq(False)]
        undated = sub[sub.submitted.isna()]
        if missing:
            lines.append(t("in_sum_missing", L, units=", ".join(label(u, L) for u in missing)))
        if not late.empty:
            lines.append(t("in_sum_late", L, units=", ".join(
                f"{label(u, L)} ({d:%d/%m/%Y})" for u, d in zip(late.unit, late.submitted, strict=True))))
        if not undated.empty:
            lines.append(t("in_sum_undated", L, units=", ".join(label(u, L) for u in undated.unit)))
        lines.append(t("in_sum_written", L, path=self.version_dir, hash=self.data_hash[:12]))
        lines.append(t("in_sum_report", L, path=self.version_dir / "ingest_report.csv"))
        lines.append(t("in_sum_exports", L, csv="ingest_report.csv", xlsx=self.version_dir / "ingest_report.xlsx"))
        return "\n".join(lines)


# --------------------------------------------------------------------------- 1. read
def _read_one(args: tuple[str, str, str, str]) -> FormRead:
    from .reference import load_reference

    path, rel, lang, review = args
    return read_form(Path(path), rel, lang, reference=load_reference(review))


def _not_a_form(path: Path, rel: str, ref: Reference, lang: str) -> FormRead | None:
    """A lock file of an open workbook or a system file: listed as ignored, not read."""
    name = path.name
    key = ("in_lock_file" if name.startswith(("~$", ".~lock.")) else
           "in_system_file" if name.lower() in SYSTEM_FILES or name.startswith("._") else None)
    if key is None:
        return None
    f = FormRead(file=rel, ref=ref, lang=lang)
    f.mark(None, IGNORED, t(key, lang))
    return f


def read_forms(paths: list[Path], raw: Path, ref: Reference, *, jobs: int | None, progress: bool,
               lang: str) -> list[FormRead]:
    """Read every file, in parallel processes when there are many (order kept)."""
    from tqdm import tqdm

    out: list[FormRead | None] = [_not_a_form(p, p.relative_to(raw).as_posix(), ref, lang) for p in paths]
    todo = [i for i, f in enumerate(out) if f is None]
    work = [(str(paths[i]), paths[i].relative_to(raw).as_posix(), lang, str(ref.review.path)) for i in todo]
    n = jobs if jobs is not None else (os.cpu_count() or 1)
    bar = tqdm(total=len(work), desc=t("in_progress_forms", lang), unit="", disable=not progress)
    if n <= 1 or len(work) < PARALLEL_FROM:
        results = []
        for path, rel, _, _ in work:
            results.append(read_form(Path(path), rel, lang, reference=ref))
            bar.update()
    else:
        from concurrent.futures import ProcessPoolExecutor

        results = []
        with ProcessPoolExecutor(max_workers=n) as pool:
            for f in pool.map(_read_one, work, chunksize=8):
                f.ref = ref
                results.append(f)
                bar.update()
    bar.close()
    for i, f in zip(todo, results, strict=True):
        out[i] = f
    for p, f in zip(paths, out, strict=True):
        f.mtime = dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    return out


# --------------------------------------------------------------------------- 2. validate
def _saved(f: FormRead) -> dt.datetime:
    """When the form was last saved: the workbook's own record, else the file's modification time."""
    return f.modified or f.mtime or dt.datetime.min


def _compare(a: FormRead, b: FormRead) -> int:
    """Which of two forms of one unit is the later: by submission date, then by when it was saved,
    then by file name."""
    da, db = a.ident.get("submitted"), b.ident.get("submitted")
    if da and db and da != db:
        return -1 if da < db else 1
    sa, sb = _saved(a), _saved(b)
    if sa != sb:
        return -1 if sa < sb else 1
    return (a.file > b.file) - (a.file < b.file)


def _why_kept(keep: FormRead, f: FormRead) -> tuple[str, str]:
    """(the reason written beside each superseded cell, a short reason for the summary)."""
    unit, L = f.who(keep.unit), f.lang
    dk, df = keep.ident.get("submitted"), f.ident.get("submitted")
    if dk and df and dk != df:
        return (t("in_kept_later_date", L, unit=unit, file=keep.file, date=f"{dk:%d/%m/%Y}", own=f"{df:%d/%m/%Y}"),
                t("in_why_date", L))
    same = t("in_same_date" if dk and df else "in_no_date", L)
    if _saved(keep) != _saved(f):
        return (t("in_kept_later_saved", L, unit=unit, file=keep.file, why=same,
                  saved=f"{_saved(keep):%d/%m/%Y %H:%M:%S}", own=f"{_saved(f):%d/%m/%Y %H:%M:%S}"),
                t("in_why_saved", L))
    return t("in_kept_later_name", L, unit=unit, file=keep.file, why=same), t("in_why_name", L)


def resolve_duplicates(forms: list[FormRead]) -> list[str]:
    """Two or more forms for one unit: keep the later one (submission date, then the time the workbook
    was saved, then the file name) and reject the others' cells, saying which was kept and why.

    A kept form with fewer than half the values of an earlier one is a partial correction (the officer
    sent only what changed): where it leaves an indicator-year, a proposal or a section empty that an
    earlier form fills, the earlier value is used, its cell accepted and marked as merged. A complete
    re-send is kept whole (a value left out may have been removed on purpose) and the summary says how
    many values of the earlier form it lacks. Returns lines for the summary."""
    notes = []
    by_unit: dict[str, list[FormRead]] = {}
    for f in forms:
        if f.unit:
            by_unit.setdefault(f.unit, []).append(f)
    for unit, group in by_unit.items():
        if len(group) < 2:
            continue
        order = sorted(group, key=functools.cmp_to_key(_compare))
        keep, older = order[-1], order[:-1][::-1]      # latest first among the older
        whys = {}
        for f in older:
            why, short = _why_kept(keep, f)
            whys[f.file] = short
            for row in f.report:
                if row["status"] == ACCEPTED:
                    row.update(status=REJECTED, flag=SUPERSEDED, reason=why)
            f.error = why
        keep.why = whys[older[0].file]
        cells = {(i, p, y) for i, p, y, _x, _r in keep.parts}
        slots = {(i, y) for i, _p, y, _x, _r in keep.parts}
        tslots = {(i, y) for i, y, _v, _r in keep.targets}
        sections = {(s, i) for s, i, _x, _r in keep.texts}
        merged = 0
        size = len(slots) + len(tslots) + len(sections)
        partial = any(size < PARTIAL * (len({(i, y) for i, _p, y, _x, _r in f.parts}) + len(f.targets) + len(f.texts))
                      for f in older)
        if not partial:
            lacking = set()
            for f in older:
                lacking |= {("p", i, y) for i, _p, y, _x, _r in f.parts if (i, y) not in slots}
                lacking |= {("t", i, y) for i, y, _v, _r in f.targets if (i, y) not in tslots}
                lacking |= {("s", s_, i) for s_, i, _x, _r in f.texts if (s_, i) not in sections}
            older_forms = []
        else:
            older_forms = older
        for f in older_forms:
            # cell by cell: a numerator or denominator the kept form lacks; a reported value only where
            # the kept form has nothing for that indicator-year (else it is derived from the parts)
            take = {(i, p, y) for i, p, y, _x, _r in f.parts
                    if (i, p, y) not in cells and (p != "value" or (i, y) not in slots)}
            ttake = {(i, y) for i, y, _v, _r in f.targets} - tslots
            stake = {(s, i) for s, i, _x, _r in f.texts} - sections
            refs = set()
            for rec in f.parts:
                if (rec[0], rec[1], rec[2]) in take:
                    keep.merged.append(("parts", f.file, rec))
                    refs.add(rec[4])
            for rec in f.targets:
                if (rec[0], rec[1]) in ttake:
                    keep.merged.append(("targets", f.file, rec))
                    refs.add(rec[3])
            for rec in f.texts:
                if (rec[0], rec[1]) in stake:
                    keep.merged.append(("texts", f.file, rec))
                    refs.add(rec[3])
            for row in f.report:
                if row["flag"] == SUPERSEDED and f"{row['sheet']}!{row['cell']}" in refs:
                    row.update(status=ACCEPTED, flag=MERGED,
                               reason=t("in_merged", f.lang, file=f.file, kept=keep.file))
            merged += len(refs)
            cells |= take
            slots |= {(i, y) for i, _p, y in take}
            tslots |= ttake
            sections |= stake
        for f in older:
            f.parts, f.targets, f.texts, f.blanks, f.unit = [], [], [], [], None
        L = keep.lang
        others = ", ".join(f.file for f in older)
        notes.append(t("in_sum_kept", L, unit=keep.ref.label(unit, L), file=keep.file, why=keep.why, others=others))
        if merged:
            notes.append(t("in_sum_merged", L, unit=keep.ref.label(unit, L), n=merged, others=others, file=keep.file))
        elif not partial and lacking:
            notes.append(t("in_sum_lacking", L, unit=keep.ref.label(unit, L), n=len(lacking), others=others,
                           file=keep.file))
    return notes


def flag_identical(forms: list[FormRead]) -> list[str]:
    """Indicator sheets of two units with the very same values (at least 5): a form copied from another
    unit's. The values stay accepted; every one of them is flagged, in both forms."""
    groups: dict[frozenset, list[FormRead]] = {}
    for f in forms:
        if f.unit:
            values = frozenset((i, p, y, x) for i, p, y, x, _r in f.parts)
            if len(values) >= 5:
                groups.setdefault(values, []).append(f)
    notes = []
    for group in groups.values():
        if len({f.unit for f in group}) < 2:
            continue
        for f in group:
            other = next(g for g in group if g.unit != f.unit)
            refs = {r for *_rest, r in f.parts}
            why = t("in_identical_sheet", f.lang, other=f.who(other.unit), file=other.file, n=len(refs))
            for row in f.report:
                if row["status"] == ACCEPTED and not row["flag"] and f"{row['sheet']}!{row['cell']}" in refs:
                    row.update(flag=IDENTICAL_SHEET, reason=why)
        L = group[0].lang
        notes.append(t("in_sum_identical", L, units=", ".join(f"{f.ref.label(f.unit, L)} ({f.file})" for f in group)))
    return notes


def _records(f: FormRead, kind: str) -> list[tuple[str, tuple]]:
    """(file, record) of a kept form: its own, then those merged from its earlier forms."""
    return [(f.file, r) for r in getattr(f, kind)] + [(file, r) for k, file, r in f.merged if k == kind]


def observations_of(forms: list[FormRead], ref: Reference) -> pd.DataFrame:
    """The forms' numerators, denominators and reported values as tidy observations (one row per
    unit × indicator × year), the value derived from its parts by the store's rule, with the cells."""
    recs = [(f.unit, file, *p) for f in forms for file, p in _records(f, "parts")]
    if not recs:
        return store.empty("observations")
    df = pd.DataFrame(recs, columns=["unit", "file", "indicator", "part", "year", "x", "ref"])
    idx = ["unit", "indicator", "year"]
    df = df.drop_duplicates([*idx, "part"])   # the first of each part, as before
    wide = df.pivot(index=idx, columns="part", values=["x", "file", "ref"]).reindex(
        columns=pd.MultiIndex.from_product([["x", "file", "ref"], ["num", "den", "value"]]))
    keys = wide.index.to_frame(index=False)
    col = lambda what, part: wide[(what, part)].to_numpy(dtype=object)   # noqa: E731
    num, den, value = (wide[("x", p)].to_numpy(dtype=float) for p in ("num", "den", "value"))
    parts = ~np.isnan(num) & ~np.isnan(den)
    # where a value comes from, as "file!sheet!cell" (both parts: "file!sheet!N5:P5", or "…!N5:other!sheet!P5")
    source = [
        (f"{nf}!{nc}:" + (dc.rsplit("!", 1)[-1] if df_ == nf else f"{df_}!{dc}")) if both else
        (f"{vf}!{vc}" if isinstance(vc, str) else f"{nf}!{nc}" if isinstance(nc, str) else
         f"{df_}!{dc}" if isinstance(dc, str) else "")
        for both, nf, nc, df_, dc, vf, vc in zip(parts, col("file", "num"), col("ref", "num"), col("file", "den"),
                                                 col("ref", "den"), col("file", "value"), col("ref", "value"),
                                                 strict=True)]
    wide = pd.DataFrame({"unit": keys.unit, "indicator": keys.indicator, "year": keys.year,
                         "num": num, "den": den, "value": value})
    obs = pd.DataFrame({
        "unit": wide.unit, "strategy": ref.review.strategy, "indicator": wide.indicator,
        "year": wide.year.astype(int), "numerator": wide.num, "denominator": wide.den, "value": wide.value,
        "source": source, "breakdown": "", "parts_known": parts, "value_reported": wide.value,
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
    reported value were given (in the form or merged from an earlier one); term-based indicators are
    expected in their election years only."""
    from .forms.layout import layout_of

    info, years = ref.info, ref.review.years
    ids = layout_of(ref).indicator_ids(f.unit)
    terms = {i: [y for y in info[i]["election_years"] if y in years] for i in ids}
    expected = sum(len(terms[i]) or len(years) for i in ids)
    parts: dict[tuple[str, int], set[str]] = {}
    for _file, (ind, part, year, _x, _ref) in _records(f, "parts"):
        parts.setdefault((ind, year), set()).add(part)
    filled = sum(1 for (ind, year), p in parts.items()
                 if ("value" in p or {"num", "den"} <= p) and (not terms.get(ind) or year in terms[ind]))
    return expected, filled


def _blank_rows(f: FormRead) -> list[dict]:
    filled = {(i, y) for _file, (i, _p, y, _x, _r) in _records(f, "parts")}
    rows = []
    for sheet, cell, fld, label in f.blanks:
        ind, year = (label.split("|") + [""])[:2] if fld == "indicator" else ("", "")
        if fld == "indicator" and (ind, int(year)) in filled:
            continue   # filled from an earlier form of the unit
        rows.append({"unit": f.unit, "file": f.file, "sheet": sheet, "cell": cell, "field": fld,
                     "label": label if fld != "indicator" else "", "indicator": ind,
                     "year": int(year) if year else pd.NA})
    return rows


def tables_of(forms: list[FormRead], ref: Reference) -> dict[str, pd.DataFrame]:
    """The processed tables of the forms kept (every form's cells in the report)."""
    kept = [f for f in forms if f.unit]
    obs = pd.concat([observations_of(kept, ref), national_observations(ref)], ignore_index=True)
    obs = obs.sort_values(["unit", "indicator", "breakdown", "year"], kind="stable").reset_index(drop=True)
    narr = pd.DataFrame([(f.unit, s, i, x, f"{file}!{r}") for f in kept for file, (s, i, x, r) in _records(f, "texts")],
                        columns=["unit", "section", "indicator", "text", "source"])
    tg = pd.DataFrame([(f.unit, i, y, v, f"{file}!{r}") for f in kept for file, (i, y, v, r) in _records(f, "targets")],
                      columns=["unit", "indicator", "year", "value", "source"])
    rows = []
    for f in kept:
        date = f.ident.get("submitted")
        expected, filled = completeness(f, ref)
        rows.append({"unit": f.unit, "file": f.file, "submitted": pd.Timestamp(date) if date else pd.NaT,
                     "on_time": ref.review.on_time(date) if date else None, "sample": bool(f.ident.get("sample")),
                     "person": f.ident.get("person", ""), "cells_filled": filled, "cells_expected": expected,
                     "completeness": filled / expected if expected else np.nan, "format": f.kind})
    subs = pd.DataFrame(rows, columns=list(store.SCHEMAS["submissions"]))
    report = _report_frame([r for f in forms for r in f.report])
    blanks = pd.DataFrame([r for f in kept for r in _blank_rows(f)], columns=list(store.SCHEMAS["blanks"]))
    return {"observations": obs, "narratives": narr, "proposed_targets": tg, "submissions": subs,
            "ingest_report": report, "blanks": blanks}


def _report_frame(cells: list[dict]) -> pd.DataFrame:
    """The report rows as a table, built column by column through Arrow (a national run has a million
    cells and more: three times faster than from the rows)."""
    import pyarrow as pa

    try:
        table = pa.table({c: pa.array([r[c] for r in cells], type=pa.large_string()) for c in REPORT_COLUMNS})
    except (pa.ArrowInvalid, pa.ArrowTypeError):   # a value that is not text: let pandas type it
        return pd.DataFrame(cells, columns=REPORT_COLUMNS)
    return table.to_pandas()


def files_of(forms: list[FormRead]) -> pd.DataFrame:
    """One row per file read: the unit it names, its format, whether it is used and why not."""
    return pd.DataFrame([{"file": f.file, "unit": f.identified or "", "format": f.kind, "kept": bool(f.unit),
                          "why": f.error or f.why} for f in forms],
                        columns=["file", "unit", "format", "kept", "why"])


# --------------------------------------------------------------------------- the step
def ingest(raw_dir: Path | str | None = None, processed_dir: Path | str | None = None, *,
           review: str | Path | None = None, reference: Reference | None = None, strict: bool = False,
           progress: bool = False, jobs: int | None = None, lang: str = "vi", allow_empty: bool = False,
           ) -> IngestResult:
    """Read every form under ``raw_dir`` and write the processed tables to ``processed_dir``.

    ``review``: the review the forms belong to, by bundled name or path (default: the default review;
    ``reference``: its loaded reference data, instead). Adds the review's
    national series. With ``strict`` an :class:`IngestError` is raised after writing when any cell or
    file was rejected. A processed folder that holds another review is refused (``StoreError``); a raw
    folder in which no form is read is refused (:class:`EmptyIngestError`, nothing replaced) unless
    ``allow_empty``.
    """
    from .forms.export import write_csv, write_xlsx
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
            store.check_review(store.load_manifest(processed, lang, any_format=True), ref.review.name, processed, lang)
        except FileNotFoundError:
            pass  # a new folder

        # 1. read
        paths = sorted(p for p in raw.rglob("*") if p.is_file())
        forms = read_forms(paths, raw, ref, jobs=jobs, progress=progress, lang=lang)

        # 2. validate
        if not any(f.unit for f in forms) and not allow_empty:
            raise EmptyIngestError(t("in_empty_refused", lang, raw=raw, files=len(paths), processed=processed))
        notes = resolve_duplicates(forms)
        notes += flag_identical(forms)
        tables = tables_of(forms, ref)
        files = files_of(forms)

        # 3. save
        subs = tables["submissions"]
        manifest = {"review": {"name": ref.review.name, "digest": ref.digest, "file": str(ref.review.path)},
                    "raw_dir": str(raw), "forms": len(paths), "sample_units": sorted(subs.unit[subs["sample"]]),
                    "lang": lang}
        exports = {
            "ingest_report.csv": lambda path, tb: write_csv(path, tb["ingest_report"], ref, lang),
            "ingest_report.xlsx": lambda path, tb: write_xlsx(path, tb["ingest_report"], tb["submissions"], files,
                                                              ref, lang),
        }
        version = store.save(processed, tables, manifest, exports)
    result = IngestResult(processed, version, len(paths), sorted(subs.unit), tables["ingest_report"],
                          tables["observations"], subs, store.load_manifest(version)["data_hash"], ref, lang, notes)
    if strict and (result.report.status == REJECTED).any():
        raise IngestError(result.summary())
    return result

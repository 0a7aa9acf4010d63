"""Render many reports: one papermill job per unit on an engine (local processes or Dask), then export.

``plan`` validates every parameter before any kernel starts and gives each report a key that covers
only what its content depends on (its unit's data, the catalogue rows and review texts it shows, its
notebook, the package's code and templates); ``run`` skips a report whose key did not change, keeps
one failing report from stopping the others (its executed notebook keeps the traceback), and writes
``index.html``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from ..i18n import LANGS, t
from ..locking import Busy as BatchLocked
from ..locking import locked
from ..paths import default_reports_dir
from ..present.pages import package_version, report_stem
from .engines import ENGINES

REPORT_KINDS = ("sector", "province", "national", "feasibility")   # plus the review's area level
PARAMETERS = {"unit", "lang", "processed_dir", "review"}
STATE_FILE = ".state.json"

__all__ = ["Job", "JobResult", "plan", "run", "Batch", "BatchLocked", "notebooks_dir", "kinds_of"]


@dataclass
class Job:
    unit: str
    kind: str
    notebook: str
    lang: str
    processed_dir: str      # the data version the report shows
    out_dir: str
    review: str = ""        # the review's YAML file
    stem: str = ""
    label: str = ""
    key: str = ""
    extra: dict = field(default_factory=dict)   # parameters only some notebooks declare (context_processed)

    @property
    def parameters(self) -> dict:
        return {"unit": self.unit, "lang": self.lang, "processed_dir": self.processed_dir, "review": self.review,
                **self.extra}


@dataclass
class JobResult:
    unit: str
    kind: str
    label: str
    status: str             # ok, failed, skipped
    seconds: float
    html: str | None = None
    notebook: str | None = None
    error: str = ""
    files: dict | None = None   # a remote worker's outputs (path under the reports folder -> bytes), written by the client


def notebooks_dir() -> Path:
    """The report notebooks: the project's ``notebooks/`` when run from a checkout, else the copies
    installed with the package."""
    from importlib import resources

    from ..paths import project_root

    local = project_root() / "notebooks"
    if (local / "district.ipynb").is_file():
        return local
    return Path(str(resources.files("gender_metrics") / "notebooks"))


def kinds_of(ref) -> tuple[str, ...]:
    return (ref.units.area_level, *REPORT_KINDS)


class ReferenceRows:
    """Hashes of the reference data each report shows: the review's own file, the unit's row, and the
    catalogue rows (indicators and targets) and breaks of the indicators it reports. Each row is
    hashed once; a report's hash combines its rows."""

    def __init__(self, ref):
        from .. import store
        from ..forms.layout import layout_of

        self.ref, self.layout = ref, layout_of(ref)
        self.review = store.file_hash(ref.review.path)
        cat = ref.catalogue
        self.ind = self._rows(cat.indicators, ["strategy", "id"])
        self.tg = self._rows(cat.targets, ["strategy", "id"])
        self.units = self._rows(ref.units.table, ["code"])
        self.breaks = self._rows(ref.breaks, ["unit"])
        self._next: dict[tuple[str, ...], tuple[str, ...]] = {}

    @staticmethod
    def _rows(df, keys) -> dict:
        h = pd_hash(df)
        out: dict = {}
        for key, v in zip(df[keys].astype(str).itertuples(index=False, name=None), h, strict=True):
            out.setdefault(key if len(keys) > 1 else key[0], []).append(str(v))
        return out

    def _continued(self, judged: tuple[str, ...]) -> tuple[str, ...]:
        """The next strategy's indicators that continue one of ``judged``, or have no history (once per set)."""
        if judged not in self._next:
            nxt = self.ref.next
            self._next[judged] = tuple(nxt.index[nxt.history.isin(judged) | nxt.history.isna()])
        return self._next[judged]

    def of(self, unit: str, kind: str) -> str:
        ref, r = self.ref, self.ref.review
        everything = unit in (ref.province, ref.units.national) or kind == "feasibility"
        if everything:
            judged, nxt = list(ref.judged.index), list(ref.next.index)
        else:
            judged = self.layout.indicator_ids(unit)
            nxt = (self.layout.indicator_ids(unit, r.feasibility_strategy) if ref.units.level(unit) == "sector"
                   else self._continued(judged))
        keys = [(r.strategy, i) for i in judged] + [(r.feasibility_strategy, i) for i in nxt]
        parts = [self.review, *(v for k in keys for v in self.ind.get(k, []) + self.tg.get(k, []))]
        units = list(self.units) if everything else [unit]
        parts += [v for u in units for v in self.units.get(u, []) + self.breaks.get(u, [])]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


def pd_hash(df):
    import pandas as pd

    return pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy()


def plan(units: list[str] | None = None, kinds: list[str] | None = None, *, lang: str = "vi",
         processed_dir: Path | str | None = None, out_dir: Path | str | None = None,
         review: str | Path | None = None, context_processed: Path | str | None = None) -> list[Job]:
    """The jobs to run, validated: unknown units, kinds or languages raise ValueError before any kernel.

    ``context_processed``: the processed folder of the review a reorganised tree's area reports show as
    context (the review's ``context``; default: the project's ``data/processed`` when it holds it)."""
    from .. import store
    from ..present.data import code_fingerprint, dataset

    if lang not in LANGS:
        raise ValueError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    ds = dataset(processed_dir, review, lang)
    ref = ds.ref
    allowed = kinds_of(ref)
    bad = [k for k in (kinds or []) if k not in allowed]
    if bad:
        raise ValueError(t("run_bad_kind", lang, kinds=", ".join(bad), choices=", ".join(allowed)))
    out = (Path(out_dir) if out_dir else default_reports_dir()).resolve()
    table = ref.units
    if units:
        codes = [table.resolve(u) for u in units]
    else:
        codes = [c for c in table.table.code if table.level(c) in (table.area_level, "sector", "province", "national")]
    pairs = [(code, table.level(code)) for code in codes if not kinds or table.level(code) in kinds]
    if (kinds and "feasibility" in kinds) or (not kinds and not units):  # the province's, or the units asked for
        pairs += [(code, "feasibility") for code in (codes if units else [ref.province])]
    nb_dir = notebooks_dir()
    common = [package_version(), code_fingerprint(), str(ds.sample)]
    rows = ReferenceRows(ref)
    context_dir, context_hash = _context(ref, context_processed)
    jobs = []
    for code, kind in pairs:
        nb = nb_dir / f"{kind}.ipynb"
        if not nb.exists():
            raise FileNotFoundError(f"notebook {nb} not found")
        slug = table.row(code).slug
        job = Job(code, kind, str(nb), lang, str(ds.version_dir), str(out), str(ref.review.path),
                  stem=report_stem(kind, slug, lang), label=ref.label(code, lang))
        data = ds.manifest["data_hash"] if kind == "feasibility" else ds.input_hash(code)
        if CONTEXT_PARAMETER in _declared(str(nb)):   # an area report with its former districts' series
            job.extra = {CONTEXT_PARAMETER: context_dir}
            data = [data, context_hash]
        job.key = hashlib.sha256(json.dumps([data, rows.of(code, kind), store.file_hash(nb), code, kind, lang,
                                             *common]).encode()).hexdigest()
        jobs.append(job)
    check_parameters({j.notebook for j in jobs})
    return jobs


CONTEXT_PARAMETER = "context_processed"


def _declared(notebook: str) -> set[str]:
    """The parameters a notebook declares (read once per notebook version: a national plan has thousands of jobs)."""
    return _declared_cached(notebook, Path(notebook).stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _declared_cached(notebook: str, _mtime: int) -> frozenset[str]:
    """The names the notebook's cell tagged "parameters" assigns (what papermill's ``inspect_notebook``
    reports for a Python notebook), read with json and ast: importing papermill costs the parent half a
    second before any worker starts."""
    import ast
    import json

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    names: set[str] = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell.get("source", []))
            for node in ast.parse(source).body:
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, ast.AnnAssign) else []
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(names)


def _context(ref, context_processed) -> tuple[str | None, str]:
    """The context review's data version for the area reports, and its data hash (part of their key)."""
    if not ref.review.context_review:
        return None, ""
    from ..present.data import context_dataset

    cds, _why = context_dataset(ref.review.context_review, context_processed)
    if cds is None:   # the report says why; a folder given is named there
        return (str(Path(context_processed).resolve()) if context_processed else None), ""
    return str(cds.version_dir), cds.manifest["data_hash"]


def check_parameters(notebooks: set[str]) -> None:
    """papermill only warns on an unknown parameter: refuse to start instead."""
    for nb in notebooks:
        missing = PARAMETERS - set(_declared(nb))
        if missing:
            raise ValueError(f"{nb}: its parameters cell lacks {sorted(missing)}")


# ---------------------------------------------------------------------------- one report (in a worker)
def run_job(job: Job, wall_limit: float = 600.0, self_contained: bool = False, deliver: bool = False) -> JobResult:
    """Execute one notebook in the worker's kernel and export it to HTML.

    ``deliver``: the worker may not share the client's disk (a Dask cluster): it renders into a folder of
    its own and returns the executed notebook and the HTML as bytes in ``files``; the client writes them."""
    from ..outputs.html import HtmlReport
    from .kernel import execute

    t0 = time.perf_counter()
    client_out = Path(job.out_dir)
    work = Path(tempfile.mkdtemp(prefix="gm-report-")) if deliver else client_out
    rel_nb, rel_html = Path("notebooks") / f"{job.stem}.ipynb", Path(f"{job.stem}.html")
    try:
        try:
            nb = execute(job.notebook, work / rel_nb, job.parameters, wall_limit, job.lang)
            HtmlReport(nb, lang=job.lang, title=job.label, self_contained=self_contained).write(work / rel_html)
        except Exception as exc:  # report failures as data, never stop the batch
            return JobResult(job.unit, job.kind, job.label, "failed", time.perf_counter() - t0, None,
                             str(client_out / rel_nb), _short_error(exc), _files(work, [rel_nb]) if deliver else None)
        return JobResult(job.unit, job.kind, job.label, "ok", time.perf_counter() - t0, rel_html.name,
                         str(client_out / rel_nb), files=_files(work, [rel_nb, rel_html]) if deliver else None)
    finally:
        if deliver:
            shutil.rmtree(work, ignore_errors=True)


def _files(folder: Path, rels: list[Path]) -> dict[str, bytes]:
    """The outputs a remote worker made (those that exist), to be written by the client."""
    return {r.as_posix(): (folder / r).read_bytes() for r in rels if (folder / r).is_file()}


def write_delivered(out: Path, r: JobResult) -> None:
    """Write a remote worker's outputs into the reports folder (atomically), then let the bytes go."""
    from .. import store

    for rel, data in (r.files or {}).items():
        with store.atomic_path(out / rel) as tmp:
            tmp.write_bytes(data)
    r.files = None


def _short_error(exc: Exception) -> str:
    if hasattr(exc, "ename") and hasattr(exc, "evalue"):  # papermill / nbclient: name the failing cell
        return f"{exc.ename}: {str(exc.evalue).strip()}"
    if isinstance(exc, TimeoutError):
        return f"TimeoutError: {exc}"
    name = type(exc).__name__
    text = str(exc).strip().splitlines()
    tail = [ln for ln in text if ln.strip()][-3:] if text else []
    return f"{name}: {' | '.join(tail)}" if tail else name + ": " + "".join(traceback.format_exception_only(exc)).strip()


def _lost(j: Job, exc: Exception) -> JobResult:
    """The result of a job whose worker died before it could report."""
    return JobResult(j.unit, j.kind, j.label, "failed", 0.0, error=_short_error(exc))


# ---------------------------------------------------------------------------- the batch
def _load_state(out: Path) -> dict:
    try:
        return json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run(jobs: list[Job], *, n_jobs: int | None = None, force: bool = False, progress: bool = True,
        wall_limit: float = 600.0, scheduler: str | None = None, self_contained: bool = False,
        pdf: bool = False) -> list[JobResult]:
    """Run the jobs (skipping unchanged ones unless ``force``) and write ``index.html``.

    ``n_jobs`` worker processes (default: one per core), each reusing one kernel; ``wall_limit``
    seconds per report; ``scheduler``: the address of a Dask scheduler to run the jobs on instead
    (``pip install gender_metrics[distributed]``). Ctrl-C stops the workers and their kernels.
    """
    if not jobs:
        return []
    with Batch(jobs[0].out_dir, n_jobs=n_jobs, scheduler=scheduler, lang=jobs[0].lang) as b:
        return b.run(jobs, force=force, progress=progress, wall_limit=wall_limit, self_contained=self_contained,
                     pdf=pdf)


class Batch:
    """One run of reports into a folder: holds the folder's lock while it lasts, and the engine.

    ``start(review)`` boots the workers and their kernels before the jobs are known (the command does so
    when every report will be made, so that they warm up while the jobs are planned); ``run(jobs)``
    makes the reports, starting the workers itself when they are not running yet. Leaving the ``with``
    block early (an error, Ctrl-C) stops the workers."""

    def __init__(self, out_dir: Path | str | None = None, *, n_jobs: int | None = None, scheduler: str | None = None,
                 lang: str = "vi"):
        self.out = (Path(out_dir) if out_dir else default_reports_dir()).resolve()
        self.n_jobs = max(1, n_jobs or os.cpu_count() or 1)
        self.scheduler, self.lang = scheduler, lang
        self.engine = None
        self._held = contextlib.ExitStack()   # the folder's lock while the run lasts
        self._ran = False   # the engine's jobs all ran (an engine started for nothing is stopped at exit)

    def __enter__(self) -> Batch:
        self._held.enter_context(locked(self.out, t("run_locked", self.lang, out=self.out)))
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.engine is not None and (exc[0] is not None or not self._ran):
                self.engine.stop()   # workers and their kernels, whatever they were doing
        finally:
            shutil.rmtree(self.out / ".runtime", ignore_errors=True)
            self._held.close()

    def has_state(self) -> bool:
        """Whether an earlier run left its record here (without one, every report will be made)."""
        return (self.out / STATE_FILE).is_file()

    def start(self, review: str = "", n_tasks: int | None = None, notebook_dir: str | None = None) -> None:
        """Start the engine's workers; their kernels (in ``notebook_dir``, default: the package's notebooks)
        load the package and ``review`` as they boot."""
        if self.engine is None:
            log_dir = self.out / "logs"
            log_dir.mkdir(parents=True, exist_ok=True)
            self.engine = ENGINES["dask" if self.scheduler else "local"](
                n_jobs=self.n_jobs, scheduler=self.scheduler, log_dir=str(log_dir),
                runtime_dir=str(self.out / ".runtime"), notebook_dir=notebook_dir or str(notebooks_dir()), review=review)
            self.engine.start(n_tasks or self.n_jobs)

    def run(self, jobs: list[Job], *, force: bool = False, progress: bool = True, wall_limit: float = 600.0,
            self_contained: bool = False, pdf: bool = False) -> list[JobResult]:
        import functools

        from tqdm import tqdm

        from .. import store
        from ..outputs.html import ensure_assets, write_index
        from ..present.data import dataset

        out, lang = self.out, jobs[0].lang
        if not self_contained:
            ensure_assets(out)
        state = _load_state(out)
        results: list[JobResult] = []
        todo = []
        for j in jobs:
            prev = state.get(j.stem)
            if not force and prev and prev.get("key") == j.key and (out / f"{j.stem}.html").exists():
                results.append(JobResult(j.unit, j.kind, j.label, "skipped", 0.0, f"{j.stem}.html"))
            else:
                todo.append(j)
        bar = tqdm(total=len(todo), desc=t("run_col_report", lang), unit="", disable=not progress or not todo)

        def collect(j: Job, r: JobResult) -> None:
            write_delivered(out, r)   # outputs of a remote worker: written here, by the client only
            results.append(r)
            _record(state, j, r)
            bar.set_postfix_str(f"{j.stem}: {t('run_status_' + r.status, j.lang)}")
            bar.update()

        def show_running(running: list[Job]) -> None:  # what the workers are on now
            if running:
                bar.set_postfix_str(t("run_running", lang, stems=", ".join(j.stem for j in running)))

        ds = dataset(jobs[0].processed_dir, jobs[0].review or None, lang)
        try:
            if todo:
                self.start(jobs[0].review, len(todo), str(Path(jobs[0].notebook).parent))   # kernels start ...
                ds.prepare()                                # ... while the whole-table computations run here
                task = functools.partial(run_job, wall_limit=wall_limit, self_contained=self_contained,
                                         deliver=self.engine.remote)
                self.engine.run(task, todo, collect, _lost, show_running)
                self._ran = True
        finally:
            bar.close()
            store.write_text(out / STATE_FILE, json.dumps(state, indent=1))
        order = {k: i for i, k in enumerate(("province", "national", "feasibility", ds.ref.units.area_level, "sector"))}
        results.sort(key=lambda r: (order.get(r.kind, 9), r.unit))
        # the index lists every report of the folder, also those made by earlier runs (other units or languages)
        entries = {stem: e for stem, e in state.items() if isinstance(e, dict) and "kind" in e
                   and (e.get("status") != "ok" or (out / f"{stem}.html").exists())}
        by = {(r.unit, r.kind): r for r in results}
        for j in jobs:
            entries[j.stem] = {**entries.get(j.stem, {}), **asdict(by[(j.unit, j.kind)])}
        rows = sorted(entries.values(), key=lambda e: (order.get(e["kind"], 9), e["unit"], e.get("lang", "vi")))
        if pdf:   # every report that exists now, printed where its PDF is missing or older than its page
            _print(results, out, self.n_jobs, lang)
        write_index(out, rows, ds.ref, lang=lang, sample=ds.sample, submissions=ds.submissions)
        return results


def _print(results: list[JobResult], out: Path, n_jobs: int, lang: str) -> None:
    """The reports as A4 PDFs beside their pages (local Chromium; ``NoBrowser`` when there is none)."""
    from ..outputs.pdf import print_all

    pages = [out / r.html for r in results if r.status != "failed" and r.html]
    stale = [p for p in pages if not p.with_suffix(".pdf").exists()
             or p.with_suffix(".pdf").stat().st_mtime < p.stat().st_mtime]
    failed = {page.name: error for page, done, error in print_all(stale, jobs=n_jobs, lang=lang) if done is None}
    for r in results:
        if r.html in failed:
            r.status, r.error = "failed", failed[r.html]


def _record(state: dict, job: Job, r: JobResult) -> None:
    """Remember every report of the folder: its inputs' key (ok only) and how it ended, for the index."""
    entry = asdict(r)
    entry.update(key=job.key if r.status == "ok" else None, seconds=round(r.seconds, 2), lang=job.lang)
    state[job.stem] = entry

"""Run many report notebooks: one papermill job per unit, in parallel processes, then HTML export.

Parameters are validated before any kernel starts; one failing report never stops the others (its
executed notebook is kept with the traceback); a report whose inputs did not change is skipped.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path

from .i18n import t
from .ingest import load_manifest
from .paths import default_processed_dir, default_reports_dir, project_root
from .report import package_version
from .units import load_units, resolve_unit, unit_label

KINDS = ("district", "sector", "province", "national", "feasibility")
NOTEBOOK_OF_LEVEL = {"district": "district", "sector": "sector", "province": "province", "national": "national",
                     "feasibility": "feasibility"}
CELL_TIMEOUT = 600
STATE_FILE = ".state.json"


@dataclass
class Job:
    unit: str
    kind: str
    notebook: str
    lang: str
    processed_dir: str
    out_dir: str
    key: str = ""

    @property
    def stem(self) -> str:
        slug = load_units().set_index("code").loc[self.unit, "slug"]
        return f"{self.kind}-{slug}" + ("" if self.lang == "vi" else f".{self.lang}")


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


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint(package_dir: Path | None = None) -> str:
    """A hash of the package's own files (code, catalogue, texts, shipped data): a report depends on
    its targets and wording as much as on the data, so editing the catalogue reruns the reports."""
    root = package_dir or Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.is_file() and f.suffix in (".py", ".yaml", ".csv", ".tpl", ".j2", ".css", ".json") \
                and "__pycache__" not in f.parts:
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def plan(units: list[str] | None = None, kinds: list[str] | None = None, *, lang: str = "vi",
         processed_dir: Path | str | None = None, out_dir: Path | str | None = None) -> list[Job]:
    """The jobs to run, validated: unknown units, kinds or languages raise ValueError before any kernel."""
    if lang not in ("vi", "en"):
        raise ValueError(f"--lang must be vi or en, not {lang!r}")
    bad = [k for k in (kinds or []) if k not in KINDS]
    if bad:
        raise ValueError(f"unknown kind(s) {bad}; expected some of {list(KINDS)}")
    processed = (Path(processed_dir) if processed_dir else default_processed_dir()).resolve()
    if not (processed / "observations.parquet").exists():
        raise FileNotFoundError(t("in_table_missing", lang, path=processed / "observations.parquet", dir=processed))
    out = (Path(out_dir) if out_dir else default_reports_dir()).resolve()
    table = load_units()
    if units:
        codes = [resolve_unit(u) for u in units]
    else:
        codes = list(table.code[table.level.isin(["district", "sector", "province", "national"])])
    levels = table.set_index("code").level
    jobs = []
    manifest = load_manifest(processed)
    pairs = [(code, levels[code]) for code in codes if not kinds or levels[code] in kinds]
    if (kinds and "feasibility" in kinds) or (not kinds and not units):  # the province's, or the units asked for
        pairs += [(code, "feasibility") for code in (codes if units else ["42"])]
    for code, kind in pairs:
        nb = notebooks_dir() / f"{NOTEBOOK_OF_LEVEL[kind]}.ipynb"
        if not nb.exists():
            raise FileNotFoundError(f"notebook {nb} not found")
        job = Job(code, kind, str(nb), lang, str(processed), str(out))
        job.key = hashlib.sha256(json.dumps([manifest["data_hash"], _file_hash(nb), code, kind, lang,
                                             package_version(), code_fingerprint()]).encode()).hexdigest()
        jobs.append(job)
    _check_parameters({j.notebook for j in jobs})
    return jobs


def _check_parameters(notebooks: set[str]) -> None:
    """papermill only warns on an unknown parameter: refuse to start instead."""
    import papermill as pm

    for nb in notebooks:
        params = set(pm.inspect_notebook(nb))
        missing = {"unit", "lang", "processed_dir"} - params
        if missing:
            raise ValueError(f"{nb}: its parameters cell lacks {sorted(missing)}")


# ---------------------------------------------------------------------------- one worker's kernel
# Each worker process keeps one kernel and runs its notebooks in it one after another, with the
# namespace reset before each notebook: start-up and imports are paid once per worker, not per report.
_KM = None
KERNEL_START_TRIES = 3


class KernelStartError(RuntimeError):
    """The kernel did not start after KERNEL_START_TRIES attempts."""


def _start_kernel(cwd: str):
    from jupyter_client.manager import KernelManager

    last = None
    for attempt in range(1, KERNEL_START_TRIES + 1):
        km = KernelManager(kernel_name="python3")
        try:
            km.start_kernel(cwd=cwd)
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
            finally:
                kc.stop_channels()
            return km
        except Exception as exc:  # a start-up race or a slow machine: retry with a fresh kernel
            last = exc
            with contextlib.suppress(Exception):
                km.shutdown_kernel(now=True)
            time.sleep(0.5 * attempt)
    raise KernelStartError(f"the kernel did not start after {KERNEL_START_TRIES} attempts: {last}")


def _kernel(cwd: str):
    global _KM
    if _KM is None or not _KM.is_alive():
        _KM = _start_kernel(cwd)
    return _KM


def _drop_kernel() -> None:
    global _KM
    if _KM is not None:
        with contextlib.suppress(Exception):
            _KM.shutdown_kernel(now=True)
    _KM = None


def _execute(job: Job, nb_out: Path, wall_limit: float) -> None:
    """Run the parameterised notebook in this worker's kernel; write it (with any traceback) to nb_out."""
    import nbformat
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.read(job.notebook, as_version=4)
    for cell in nb.cells:  # papermill expects every cell to carry a tags list, the notebook its metadata
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})
    nb.metadata.papermill.update(input_path=job.notebook, output_path=str(nb_out))
    nb = parameterize_notebook(nb, {"unit": job.unit, "lang": job.lang, "processed_dir": job.processed_dir},
                               kernel_name="python3", language="python")
    reset = nbformat.v4.new_code_cell("get_ipython().run_line_magic('reset', '-sf')")
    reset.metadata["tags"] = ["remove"]
    nb.cells.insert(0, reset)
    cwd = str(Path(job.notebook).parent)
    km = _kernel(cwd)
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": cwd}})
    timed_out = threading.Event()

    def on_limit():  # interrupt first; a kernel that ignores it is killed
        timed_out.set()
        with contextlib.suppress(Exception):
            km.interrupt_kernel()
        killer = threading.Timer(10, lambda: km.is_alive() and km.shutdown_kernel(now=True))
        killer.daemon = True
        killer.start()

    watchdog = threading.Timer(wall_limit, on_limit)
    watchdog.daemon = True
    watchdog.start()
    try:
        client.execute()
    except Exception as exc:
        if timed_out.is_set():
            raise TimeoutError(t("run_wall_limit", job.lang, seconds=f"{wall_limit:.0f}")
                               + _failing_cell(nb, job.lang)) from exc
        raise
    finally:
        watchdog.cancel()
        if client.kc is not None:
            with contextlib.suppress(Exception):
                client.kc.stop_channels()
        _write_nb(nb, nb_out)
        if timed_out.is_set():
            _drop_kernel()


def _failing_cell(nb, lang: str = "vi") -> str:
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return t("run_in_cell", lang, i=i) + f": {out.get('ename')}: {out.get('evalue')}"
    return ""


def _write_nb(nb, path: Path) -> None:
    import nbformat

    tmp = path.with_name(path.name + ".tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, path)


def run_job(job: Job, wall_limit: float = 600.0, self_contained: bool = False) -> JobResult:
    """Execute one notebook and export it to HTML (in a worker process, reusing its kernel)."""
    from .export import export_html

    t0 = time.perf_counter()
    out = Path(job.out_dir)
    nb_out = out / "notebooks" / f"{job.stem}.ipynb"
    html_out = out / f"{job.stem}.html"
    nb_out.parent.mkdir(parents=True, exist_ok=True)
    label = unit_label(job.unit, job.lang)
    try:
        _execute(job, nb_out, wall_limit)
        export_html(nb_out, html_out, lang=job.lang, title=f"{label}", self_contained=self_contained)
    except Exception as exc:  # report failures as data, never stop the batch
        return JobResult(job.unit, job.kind, label, "failed", time.perf_counter() - t0, None, str(nb_out),
                         _short_error(exc))
    return JobResult(job.unit, job.kind, label, "ok", time.perf_counter() - t0, html_out.name, str(nb_out))


def _short_error(exc: Exception) -> str:
    if hasattr(exc, "ename") and hasattr(exc, "evalue"):  # nbclient: name the failing cell
        return f"{exc.ename}: {str(exc.evalue).strip()}"
    if isinstance(exc, TimeoutError):
        return f"TimeoutError: {exc}"
    name = type(exc).__name__
    text = str(exc).strip().splitlines()
    tail = [ln for ln in text if ln.strip()][-3:] if text else []
    return f"{name}: {' | '.join(tail)}" if tail else name + ": " + "".join(traceback.format_exception_only(exc)).strip()


def _load_state(out: Path) -> dict:
    try:
        return json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_state(out: Path, state: dict) -> None:
    tmp = out / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    os.replace(tmp, out / STATE_FILE)


class BatchLocked(RuntimeError):
    """Another run is writing to the same reports folder."""


@contextlib.contextmanager
def _lock(out: Path, lang: str = "vi"):
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    fh = open(out / ".lock", "w")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise BatchLocked(t("run_locked", lang, out=out)) from None
    try:
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def run(jobs: list[Job], *, n_jobs: int | None = None, force: bool = False, progress: bool = True,
        wall_limit: float = 600.0, scheduler: str | None = None, self_contained: bool = False) -> list[JobResult]:
    """Run the jobs (skipping unchanged ones unless ``force``) and write ``index.html``.

    ``n_jobs`` worker processes (default: one per core), each reusing one kernel; ``wall_limit``
    seconds per report; ``scheduler``: the address of a Dask scheduler to run the jobs on instead
    (``pip install gender_metrics[distributed]``). Ctrl-C stops the workers and their kernels.
    """
    if not jobs:
        return []
    out = Path(jobs[0].out_dir)
    with _lock(out, jobs[0].lang):
        return _run_locked(jobs, out, n_jobs=n_jobs, force=force, progress=progress, wall_limit=wall_limit,
                           scheduler=scheduler, self_contained=self_contained)


def _run_locked(jobs, out, *, n_jobs, force, progress, wall_limit, scheduler, self_contained):
    from tqdm import tqdm

    from .export import ensure_assets, write_index

    if not self_contained:
        ensure_assets(out)
    state = _load_state(out)
    results: list[JobResult] = []
    todo = []
    for j in jobs:
        prev = state.get(j.stem)
        if not force and prev and prev.get("key") == j.key and (out / f"{j.stem}.html").exists():
            results.append(JobResult(j.unit, j.kind, unit_label(j.unit, j.lang), "skipped", 0.0, f"{j.stem}.html"))
        else:
            todo.append(j)
    n_jobs = max(1, n_jobs or os.cpu_count() or 1)
    bar = tqdm(total=len(todo), desc=t("run_col_report", jobs[0].lang), unit="", disable=not progress or not todo)
    task = functools.partial(run_job, wall_limit=wall_limit, self_contained=self_contained)

    def collect(j: Job, r: JobResult) -> None:
        results.append(r)
        _record(state, j, r)
        bar.set_postfix_str(f"{j.stem}: {t('run_status_' + r.status, j.lang)}")
        bar.update()

    def show_running(stems: list[str]) -> None:  # what the workers are on now
        if stems:
            bar.set_postfix_str(t("run_running", jobs[0].lang, stems=", ".join(stems)))

    try:
        if todo and scheduler:
            from distributed import Client
            from distributed import as_completed as dask_completed

            with Client(scheduler) as client:  # futures collected as they finish, like the local pool
                futures = client.map(task, todo, pure=False)
                job_of = {f.key: j for f, j in zip(futures, todo, strict=True)}
                for fut in dask_completed(futures):
                    j = job_of[fut.key]
                    try:
                        r = fut.result()
                    except Exception as exc:  # a worker that died
                        r = _lost(j, exc)
                    collect(j, r)
        elif todo:
            log_dir = out / "logs"
            log_dir.mkdir(exist_ok=True)
            pool = ProcessPoolExecutor(max_workers=min(n_jobs, len(todo)), initializer=_init_worker,
                                       initargs=(str(log_dir),))
            try:
                futures = {pool.submit(task, j): j for j in todo}
                pending = set(futures)
                while pending:  # wake every second to show what is running, collect what finished
                    done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                    for fut in done:
                        j = futures[fut]
                        try:
                            r = fut.result()
                        except Exception as exc:  # a worker that died
                            r = _lost(j, exc)
                        collect(j, r)
                    show_running([futures[f].stem for f in futures if f in pending and f.running()][:n_jobs])
            except KeyboardInterrupt:
                _stop_pool(pool)
                raise
            pool.shutdown(wait=True)
    finally:
        bar.close()
        _save_state(out, state)
    order = {k: i for i, k in enumerate(("province", "national", "feasibility", "district", "sector"))}
    results.sort(key=lambda r: (order[r.kind], r.unit))
    sample = bool(load_manifest(jobs[0].processed_dir).get("sample_units"))
    # the index lists every report of the folder, also those made by earlier runs (other units or languages)
    entries = {stem: e for stem, e in state.items() if isinstance(e, dict) and "kind" in e
               and (e.get("status") != "ok" or (out / f"{stem}.html").exists())}
    for j, r in zip(jobs, results_by_job(jobs, results), strict=True):
        entries[j.stem] = {**entries.get(j.stem, {}), **asdict(r)}
    rows = sorted(entries.values(), key=lambda e: (order.get(e["kind"], 9), e["unit"], e.get("lang", "vi")))
    write_index(out, rows, lang=jobs[0].lang, sample=sample)
    return results


def _lost(j: Job, exc: Exception) -> JobResult:
    """The result of a job whose worker died before it could report."""
    return JobResult(j.unit, j.kind, unit_label(j.unit, j.lang), "failed", 0.0, error=_short_error(exc))


def results_by_job(jobs: list[Job], results: list[JobResult]) -> list[JobResult]:
    """The result of each job, in the order of ``jobs``."""
    by = {(r.unit, r.kind): r for r in results}
    return [by[(j.unit, j.kind)] for j in jobs]


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Ctrl-C: cancel what has not started and stop every worker (each shuts its kernel down)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.join(timeout=15)


def _init_worker(log_dir: str) -> None:
    """Worker set-up: stderr to reports/logs/, Ctrl-C left to the parent, SIGTERM shuts the kernel down."""
    import atexit
    import signal

    _quiet_worker(log_dir)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(signum, frame):
        _drop_kernel()
        os._exit(1)

    signal.signal(signal.SIGTERM, on_term)
    atexit.register(_drop_kernel)


def _quiet_worker(log_dir: str) -> None:
    """Send a worker's (and its kernels') stderr to reports/logs/ so the terminal shows the progress bar."""
    fd = os.open(os.path.join(log_dir, f"worker-{os.getpid()}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(fd, 2)
    os.close(fd)


def _record(state: dict, job: Job, r: JobResult) -> None:
    """Remember every report of the folder: its inputs' key (ok only) and how it ended, for the index."""
    entry = asdict(r)
    entry.update(key=job.key if r.status == "ok" else None, seconds=round(r.seconds, 2), lang=job.lang)
    state[job.stem] = entry

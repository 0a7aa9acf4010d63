"""Run many report notebooks: one papermill job per unit, in parallel processes, then HTML export.

Parameters are validated before any kernel starts; one failing report never stops the others (its
executed notebook is kept with the traceback); a report whose inputs did not change is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

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
        raise FileNotFoundError(f"no processed data in {processed}: run `gender-metrics ingest` first")
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
        job.key = hashlib.sha256(json.dumps([manifest["data_hash"], _file_hash(nb), code, lang,
                                             package_version()]).encode()).hexdigest()
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


def run_job(job: Job) -> JobResult:
    """Execute one notebook with papermill and export it to HTML (runs in a worker process)."""
    import papermill as pm

    from .export import export_html

    t0 = time.perf_counter()
    out = Path(job.out_dir)
    nb_out = out / "notebooks" / f"{job.stem}.ipynb"
    html_out = out / f"{job.stem}.html"
    nb_out.parent.mkdir(parents=True, exist_ok=True)
    label = unit_label(job.unit, job.lang)
    try:
        pm.execute_notebook(job.notebook, str(nb_out), parameters={"unit": job.unit, "lang": job.lang,
                                                                 "processed_dir": job.processed_dir},
                            kernel_name="python3", progress_bar=False, log_output=False,
                            execution_timeout=CELL_TIMEOUT, cwd=str(Path(job.notebook).parent))
        export_html(nb_out, html_out, lang=job.lang, title=f"{label}")
    except Exception as exc:  # report failures as data, never stop the batch
        return JobResult(job.unit, job.kind, label, "failed", time.perf_counter() - t0, None, str(nb_out),
                         _short_error(exc))
    return JobResult(job.unit, job.kind, label, "ok", time.perf_counter() - t0, html_out.name, str(nb_out))


def _short_error(exc: Exception) -> str:
    if hasattr(exc, "ename") and hasattr(exc, "exec_count"):  # papermill: name the failing cell
        return f"cell [{exc.exec_count}]: {exc.ename}: {str(exc.evalue).strip()}"
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


def run(jobs: list[Job], *, n_jobs: int | None = None, force: bool = False, progress: bool = True) -> list[JobResult]:
    """Run the jobs (skipping unchanged ones unless ``force``) and write ``index.html``."""
    from tqdm import tqdm

    from .export import ensure_assets, write_index

    if not jobs:
        return []
    out = Path(jobs[0].out_dir)
    out.mkdir(parents=True, exist_ok=True)
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
    bar = tqdm(total=len(todo), desc="reports", unit="report", disable=not progress)
    by_stem = {j.stem: j for j in todo}
    if todo:
        log_dir = out / "logs"
        log_dir.mkdir(exist_ok=True)
        with ProcessPoolExecutor(max_workers=min(n_jobs, len(todo)), initializer=_quiet_worker,
                                 initargs=(str(log_dir),)) as pool:
            futures = {pool.submit(run_job, j): j.stem for j in todo}
            for fut in as_completed(futures):
                j = by_stem[futures[fut]]
                try:
                    r = fut.result()
                except Exception as exc:  # a worker that died
                    r = JobResult(j.unit, j.kind, unit_label(j.unit, j.lang), "failed", 0.0, error=_short_error(exc))
                results.append(r)
                _record(state, j, r)
                bar.set_postfix_str(j.stem)
                bar.update()
    bar.close()
    _save_state(out, state)
    order = {k: i for i, k in enumerate(("province", "national", "feasibility", "district", "sector"))}
    results.sort(key=lambda r: (order[r.kind], r.unit))
    sample = bool(load_manifest(jobs[0].processed_dir).get("sample_units"))
    write_index(out, [asdict(r) for r in results], lang=jobs[0].lang, sample=sample)
    return results


def _quiet_worker(log_dir: str) -> None:
    """Send a worker's (and its kernels') stderr to reports/logs/ so the terminal shows the progress bar."""
    fd = os.open(os.path.join(log_dir, f"worker-{os.getpid()}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(fd, 2)
    os.close(fd)


def _record(state: dict, job: Job, r: JobResult) -> None:
    if r.status == "ok":
        state[job.stem] = {"key": job.key, "seconds": round(r.seconds, 2)}
    else:
        state.pop(job.stem, None)

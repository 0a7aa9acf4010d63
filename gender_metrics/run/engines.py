"""Where the reports run: local worker processes (default) or an existing Dask cluster. Both take the
same task (render one report, return its result as data), call ``collect`` as each report finishes,
and turn a worker that died into a failed result for its report only. Engines are looked up by name
in ``ENGINES``; adding one is adding a class."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait


class LocalProcesses:
    """``n_jobs`` worker processes, each with one warm kernel started as the worker starts."""

    name = "local"
    remote = False   # the workers share the client's disk: each writes its report in place

    def __init__(self, n_jobs: int, log_dir: str, runtime_dir: str, notebook_dir: str, review: str = "", **_):
        self.n_jobs, self.log_dir, self.runtime_dir, self.notebook_dir = n_jobs, log_dir, runtime_dir, notebook_dir
        self.review = review
        self.pool: ProcessPoolExecutor | None = None
        self.pids = None

    def start(self, n_tasks: int) -> None:
        """Start the workers (and their kernels) now: they warm up while the caller prepares the data.
        Each worker makes its HTML exporter while its kernel boots (off the caller's path)."""
        import multiprocessing as mp

        ctx = mp.get_context()
        self.pids = ctx.SimpleQueue()
        workers = max(1, min(self.n_jobs, n_tasks))
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_worker,
                                        initargs=(self.log_dir, self.runtime_dir, self.notebook_dir, self.review,
                                                  self.pids))
        for _ in range(workers):  # the pool starts its processes on the first task
            self.pool.submit(_started)

    def run(self, task: Callable, jobs: list, collect: Callable, lost: Callable, show_running: Callable) -> None:
        if self.pool is None:
            self.start(len(jobs))
        futures = {self.pool.submit(task, j): j for j in jobs}
        pending = set(futures)
        while pending:  # wake every second to show what is running, collect what finished
            done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for fut in done:
                j = futures[fut]
                try:
                    r = fut.result()
                except Exception as exc:  # a worker that died
                    r = lost(j, exc)
                collect(j, r)
            show_running([futures[f] for f in futures if f in pending and f.running()][:self.n_jobs])
        self.pool.shutdown(wait=True)
        self.pool = None   # another run starts new workers

    def stop(self) -> None:
        """Ctrl-C: cancel what has not started and stop every worker (each shuts its kernel down)."""
        if self.pool is None:
            return
        self.pool.shutdown(wait=False, cancel_futures=True)
        pids = []
        while self.pids is not None and not self.pids.empty():
            pids.append(self.pids.get())
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        for pid in pids:  # wait for each to finish its shutdown
            for _ in range(150):
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.1)


class DaskCluster:
    """The jobs as futures on an existing Dask scheduler, collected as they finish (``as_completed``).

    A worker needs the package (the same version), the notebooks' path and the processed folder (a shared
    disk, or the same paths on every machine); it writes nothing into the reports folder: it returns the
    executed notebook and the HTML, and the client writes them. A worker that dies fails its report only."""

    name = "dask"
    remote = True    # workers anywhere: each returns its report's files, the client writes them

    def __init__(self, scheduler: str, **_):
        self.scheduler = scheduler

    def start(self, n_tasks: int) -> None:
        pass

    def stop(self) -> None:
        pass   # the cluster's workers are not ours to stop

    def run(self, task: Callable, jobs: list, collect: Callable, lost: Callable, show_running: Callable) -> None:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(self.scheduler) as client:
            futures = client.map(task, jobs, pure=False)
            job_of = {f.key: j for f, j in zip(futures, jobs, strict=True)}
            for fut in dask_completed(futures):
                j = job_of[fut.key]
                try:
                    r = fut.result()
                except Exception as exc:  # a worker that died
                    r = lost(j, exc)
                collect(j, r)


def _started() -> None:
    """A task that does nothing: submitting it makes the pool start its workers."""


ENGINES = {LocalProcesses.name: LocalProcesses, DaskCluster.name: DaskCluster}


# ---------------------------------------------------------------------------- worker set-up
def init_worker(log_dir: str, runtime_dir: str, notebook_dir: str, review: str, pids) -> None:
    """Worker set-up: stderr to reports/logs/, Ctrl-C left to the parent, SIGTERM and exit shut the
    kernel down; the kernel is forked first (this process has one thread yet) and loads the package
    and the review while this worker imports papermill and the parent prepares the data."""
    from multiprocessing.util import Finalize

    from .kernel import Worker

    fd = os.open(os.path.join(log_dir, f"worker-{os.getpid()}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(fd, 2)
    os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(signum, frame):
        Worker.drop()
        os._exit(1)

    signal.signal(signal.SIGTERM, on_term)
    # a pool's worker leaves through os._exit, which skips atexit; multiprocessing runs its finalizers
    Finalize(Worker, Worker.drop, exitpriority=10)
    pids.put(os.getpid())
    Worker.runtime_dir = runtime_dir
    Worker.warm(notebook_dir, review, meanwhile=_prepare_worker, fork=True)


def _prepare_worker() -> None:
    """papermill, loaded while the worker's kernel boots; nbconvert's exporter and its templates, in a
    thread while the first report runs (the export comes after it)."""
    import threading

    from ..outputs.html import exporter
    from . import papermill_engine  # noqa: F401 - registers the engine

    threading.Thread(target=exporter, name="gm-exporter", daemon=True).start()

"""One warm kernel per worker process: started once (with retries), its namespace reset before each
report, interrupted or killed at the report's wall-clock limit, shut down at the end with its
connection file removed. Reports run through papermill's public ``execute_notebook`` with ``km=``
(the engine is in :mod:`.papermill_engine`; this module needs only jupyter_client, so a worker starts
its kernel before it imports papermill and nbconvert).

A local worker forks its first kernel from itself (:class:`ForkedKernel`): the kernel then starts with
pandas and the rest of what the command had loaded before it started the workers, instead of loading
them again. A kernel started later (after a wall-clock limit killed one, or on a Dask worker, whose
threads make a fork unsafe) is a new Python process, as jupyter_client starts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

from jupyter_client.manager import KernelManager
from jupyter_core.utils import run_sync

from ..i18n import t

KERNEL = "python3"
START_TRIES = 3
READY_TIMEOUT = 60
CELL_TIMEOUT = 600
# imports, the review's reference data and the templates: run by the kernel as it starts (IPython's
# ``exec_lines``), while the worker imports papermill and the parent prepares the data
WARM_UP = "import gender_metrics.present.report as _gm_report; _gm_report.warm({review!r}); del _gm_report"
# a report kernel keeps no input history (IPython writes every cell to an SQLite file otherwise)
KERNEL_ARGS = ["--HistoryManager.enabled=False"]
# a fresh namespace for every report: the user's names and the output cache go (imports and the
# data-set cache stay); like %reset -sf, without its full garbage collection (~0.1 s a report)
RESET = ("(lambda ip: ([ip.user_ns.pop(k) for k in [k for k in ip.user_ns if k not in ip.user_ns_hidden "
         "and k not in ('__builtins__', '__builtin__', '__name__')]], ip.history_manager.output_hist.clear()))"
         "(get_ipython())")


def warm_up_args(review: str | None) -> list[str]:
    """The kernel's command-line arguments that make it load the package and ``review`` as it starts."""
    return [f"--IPKernelApp.exec_lines={WARM_UP.format(review=review or None)}"]


class KernelStartError(RuntimeError):
    """The kernel did not start after START_TRIES attempts."""


class WorkerKernel(KernelManager):
    """A kernel manager with one client of its own, kept for the kernel's life: papermill's engine
    below hands it to each report's notebook client (a new client would cost ~0.2 s to start), and
    it is stopped with the kernel. The client is asynchronous: the notebook client awaits the kernel's
    output, so when the wall-clock limit kills a kernel that ignored the interrupt, the report ends
    (a blocking read of its output would wait for ever)."""

    client_class = "jupyter_client.asynchronous.AsyncKernelClient"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.kc = None

    def own_client(self):
        if self.kc is None:
            self.kc = self.client()
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=READY_TIMEOUT)
        return self.kc

    def release_clients(self) -> None:
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        self.kc = None

    def shell(self, code: str, timeout: float = READY_TIMEOUT, wait: bool = True) -> None:
        """Run ``code`` in the kernel (silently); wait for its reply unless ``wait`` is False."""
        kc = self.own_client()
        msg_id = kc.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + timeout
        while wait:
            reply = run_sync(kc.get_shell_msg)(timeout=max(0.1, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                break


FORKED_NAME = "gm-kernel"
CAN_FORK = sys.platform == "linux"   # fork is unsafe on macOS once system libraries are loaded, absent on Windows


class ForkedKernel(WorkerKernel):
    """A kernel forked from this process instead of started as a new Python: it begins with the modules
    this process has loaded (pandas, numpy, pyarrow: half a second less per kernel). Only for a process
    with one thread and no ZeroMQ context yet (a local worker as it starts): a fork copies one thread
    only. Its process is this one's child: started, signalled (its process group, as jupyter_client
    does), stopped and reaped here. The manager's asynchronous methods, which its client calls while it
    waits for the kernel and while a report runs, answer the same."""

    pid: int | None = None

    def __init__(self, **kw):
        super().__init__(**kw)
        self._lock = threading.Lock()   # the wall-clock watchdog's thread and the worker's may both stop it

    def start_kernel(self, cwd: str | None = None, extra_arguments=(), **_) -> None:
        if self.pid is not None or not fork_is_safe():
            raise RuntimeError("a kernel is forked once, from a process with one thread and no IPython")
        self.write_connection_file()
        # parent_handle: the kernel exits by itself if this worker dies without stopping it
        argv = ["-f", self.connection_file, f"--IPKernelApp.parent_handle={os.getpid()}", *extra_arguments]
        pid = os.fork()
        if pid == 0:   # the child: becomes the kernel and never returns
            _run_forked_kernel(argv, cwd)
        self.pid = pid

    @property
    def has_kernel(self) -> bool:
        return self.pid is not None

    def is_alive(self) -> bool:
        with self._lock:
            pid = self.pid
            if pid is None:
                return False
            try:
                done = os.waitpid(pid, os.WNOHANG)[0] == pid
            except ChildProcessError:
                done = True
            if done:
                self.pid = None
            return not done

    def interrupt_kernel(self) -> None:
        self._signal(signal.SIGINT)

    def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        """Stop the kernel: killed (it holds nothing that needs a clean exit) and reaped."""
        with self._lock:
            pid, self.pid = self.pid, None
            if pid is None:
                return
            self._signal(signal.SIGKILL, pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    def _signal(self, sig: int, pid: int | None = None) -> None:
        """``sig`` to the kernel's process group (what it started goes too), or to the kernel alone while
        it has no session of its own yet."""
        pid = pid or self.pid
        if pid is None:
            return
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def cleanup_resources(self, restart: bool = False) -> None:
        self.cleanup_connection_file()

    # what the client awaits (``wait_for_ready``, nbclient's check that the kernel lives)
    async def _async_is_alive(self) -> bool:
        return self.is_alive()

    async def _async_interrupt_kernel(self) -> None:
        self.interrupt_kernel()

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        self.shutdown_kernel(now, restart)


def _run_forked_kernel(argv: list[str], cwd: str | None) -> None:
    """In the forked child: the inherited objects out of the garbage collector's way, a session of its
    own (the terminal's Ctrl-C goes to the command, which stops the kernels), none of the worker's
    descriptors but stdout and stderr (as a new process: not the folder's lock, not the pool's pipes),
    default signal handling, an event loop of its own, then IPython's kernel until it exits."""
    code = 1
    try:
        gc.freeze()   # what the worker had stays shared: the kernel's collections never walk (so copy) it
        os.setsid()
        if cwd:
            os.chdir(cwd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        for name, fd in (("stdout", 1), ("stderr", 2)):   # the worker's may have written to a closed descriptor
            setattr(sys, name, os.fdopen(fd, "w", buffering=1, encoding="utf-8", errors="backslashreplace",
                                         closefd=False))
        with contextlib.suppress(OSError), open("/proc/self/comm", "w") as comm:
            comm.write(FORKED_NAME)   # what ps and top show: a report kernel, not another "python"
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        asyncio.set_event_loop(asyncio.new_event_loop())   # not one the worker made (its files are closed)
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(argv)
        app.start()
        code = 0
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the worker
        with contextlib.suppress(OSError):   # to the worker's log; the worker then starts a new Python
            os.write(2, ("the forked kernel failed:\n" + traceback.format_exc()).encode())
    finally:
        os._exit(code)


def fork_is_safe() -> bool:
    """Whether this process may fork a kernel: Linux, one thread, no IPython running in it."""
    return CAN_FORK and threading.active_count() == 1 and not _in_ipython()


def _in_ipython() -> bool:
    """Whether this process is (a fork of) one that runs IPython or another Jupyter application: an analyst
    running the batch from JupyterLab or a terminal IPython. A fork would carry that session's shell and
    namespace, so its kernels start as new processes."""
    shell = sys.modules.get("IPython.core.interactiveshell")
    app = sys.modules.get("traitlets.config.application")
    return bool((shell and shell.InteractiveShell.initialized()) or (app and app.Application.initialized()))


def start_kernel(cwd: str, runtime_dir: str | None = None, meanwhile=None, extra_args=(), started=None,
                 fork: bool = False) -> WorkerKernel:
    """Start a kernel in ``cwd`` and wait until it answers; retry on a start-up race or a slow machine.
    ``meanwhile``: work to do in this process while the kernel boots (called once); ``extra_args``: more
    arguments for the kernel (:func:`warm_up_args`); ``started``: called with the kernel's manager as soon
    as its process runs, before the wait (a worker stopped during the wait then stops its kernel too);
    ``fork``: fork this process into the kernel (:class:`ForkedKernel`; the first try only, and only while
    this process has one thread and runs no IPython)."""
    last = None
    for attempt in range(1, START_TRIES + 1):
        kw = {"kernel_name": KERNEL}
        if runtime_dir:
            Path(runtime_dir).mkdir(parents=True, exist_ok=True)
            kw["connection_file"] = str(Path(runtime_dir) / f"kernel-{os.getpid()}-{attempt}.json")
        km = (ForkedKernel if fork and attempt == 1 and fork_is_safe() else WorkerKernel)(**kw)
        try:
            km.start_kernel(cwd=cwd, extra_arguments=[*KERNEL_ARGS, *extra_args])
            if started is not None:
                started(km)
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            km.own_client()
            return km
        except Exception as exc:
            last = exc
            stop_kernel(km)
            time.sleep(0.5 * attempt)
    raise KernelStartError(f"the kernel did not start after {START_TRIES} attempts: {last}")


def stop_kernel(km: KernelManager | None) -> None:
    """Shut the kernel down and remove its connection file (``cleanup_resources``)."""
    if km is None:
        return
    with contextlib.suppress(Exception):
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    with contextlib.suppress(Exception):
        km.cleanup_resources()
    if isinstance(km, WorkerKernel):
        km.release_clients()


class Worker:
    """The kernel of this worker process, kept between reports."""

    km: WorkerKernel | None = None
    cwd: str = ""
    runtime_dir: str | None = None

    @classmethod
    def kernel(cls, cwd: str) -> WorkerKernel:
        if cls.km is None or not cls.km.is_alive() or cls.cwd != cwd:
            cls.drop()
            cls.km, cls.cwd = start_kernel(cwd, cls.runtime_dir, started=cls._starting), cwd
            cls._stop_at_exit()
        return cls.km

    _at_exit = False

    @classmethod
    def _stop_at_exit(cls) -> None:
        """A worker this package did not start (a Dask worker) stops its kernel when its process exits."""
        if not cls._at_exit:
            import atexit

            atexit.register(cls.drop)
            cls._at_exit = True

    @classmethod
    def warm(cls, cwd: str, review: str = "", meanwhile=None, fork: bool = False) -> None:
        """Start the kernel, which loads the package and the review's data as it boots, while this
        process does ``meanwhile``; ``fork``: fork it from this process (see :class:`ForkedKernel`). A
        failure is left to the first report to retry."""
        with contextlib.suppress(Exception):
            cls.drop()
            cls.km, cls.cwd = start_kernel(cwd, cls.runtime_dir, meanwhile, warm_up_args(review), cls._starting,
                                           fork), cwd

    @classmethod
    def _starting(cls, km: WorkerKernel) -> None:
        cls.km = km   # known while it boots: drop() stops it

    @classmethod
    def drop(cls) -> None:
        stop_kernel(cls.km)
        cls.km = None


def execute(notebook: str, out: Path, parameters: dict, wall_limit: float, lang: str = "vi"):
    """Run ``notebook`` with ``parameters`` in this worker's kernel; the executed notebook (with any
    traceback) is written to ``out`` atomically and returned. Raises on a failed cell, a timeout."""
    import nbformat
    import papermill as pm

    from ..store import temporary_name
    from .papermill_engine import ENGINE

    cwd = str(Path(notebook).parent)
    km = Worker.kernel(cwd)
    km.shell(RESET, wait=False)   # runs before the notebook's first cell (the kernel keeps their order)
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
    tmp = temporary_name(out)   # papermill writes it; renamed into place when it is whole
    out.parent.mkdir(parents=True, exist_ok=True)
    watchdog.start()
    try:
        nb = pm.execute_notebook(notebook, str(tmp), parameters=parameters, engine_name=ENGINE, kernel_name=KERNEL,
                                 progress_bar=False, request_save_on_cell_execute=False, km=km, kc=km.own_client(),
                                 execution_timeout=CELL_TIMEOUT, cwd=cwd)
    except Exception as exc:
        if timed_out.is_set():
            raise TimeoutError(t("run_wall_limit", lang, seconds=f"{wall_limit:.0f}") + _failing_cell(tmp, lang)) from exc
        raise
    finally:
        watchdog.cancel()
        if tmp.exists():
            os.replace(tmp, out)
        if timed_out.is_set():
            Worker.drop()
    return nb if isinstance(nb, nbformat.NotebookNode) else nbformat.read(str(out), as_version=4)


def _failing_cell(path: Path, lang: str) -> str:
    import nbformat

    if not path.exists():
        return ""
    nb = nbformat.read(str(path), as_version=4)
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                return t("run_in_cell", lang, i=i) + f": {o.get('ename')}: {o.get('evalue')}"
    return ""

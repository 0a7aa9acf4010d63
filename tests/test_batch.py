"""The runner: failures isolated and reported, wall-clock limit, lock, incremental, Dask, Ctrl-C."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from gender_metrics.run import batch, kernel
from gender_metrics.run.batch import BatchLocked, Job, plan, run

ROOT = Path(__file__).resolve().parent.parent


def _notebook(path: Path, body: str) -> str:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('unit = "439"\nlang = "vi"\nprocessed_dir = None\nreview = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return str(path)


def _job(processed, out, notebook, unit="439", kind="district"):
    import gender_metrics as gm

    slug = gm.load_units().set_index("code").loc[unit, "slug"]
    return Job(unit, kind, notebook, "vi", str(processed), str(out), stem=f"{kind}-{slug}",
               label=gm.unit_label(unit), key=f"{notebook}-{unit}")


def test_a_failing_report_does_not_stop_the_others(processed, tmp_path):
    bad = _notebook(tmp_path / "bad.ipynb", "x = 1\nraise ValueError('hỏng: ' + unit)")
    good = _notebook(tmp_path / "good.ipynb", "print('ok', unit)")
    jobs = [_job(processed, tmp_path / "out", bad, "439"), _job(processed, tmp_path / "out", good, "440")]
    res = {r.unit: r for r in run(jobs, n_jobs=2, progress=False)}
    assert res["440"].status == "ok"
    assert res["439"].status == "failed"
    assert "ValueError: hỏng: 439" in res["439"].error
    kept = nbformat.read(res["439"].notebook, as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"  # the traceback is kept in the executed notebook
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "ValueError" in index and "district-huong-son.html" not in index


def test_progress_bar_shows_what_is_running(processed, tmp_path, capfd):
    slow = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(3)")
    jobs = [_job(processed, tmp_path / "out", slow, "439"), _job(processed, tmp_path / "out", slow, "440")]
    res = run(jobs, n_jobs=1, progress=True)
    assert [r.status for r in res] == ["ok", "ok"]
    err = capfd.readouterr().err
    assert "đang chạy: district-huong-son" in err and "đang chạy: district-duc-tho" in err
    assert "district-huong-son: xong" in err


@pytest.mark.parametrize("cell", ["import time\ntime.sleep(120)",
                                  "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(120)"],
                         ids=["interrupted", "ignores-the-interrupt"])
def test_wall_clock_limit_stops_a_hung_report_and_the_next_one_runs(processed, tmp_path, cell):
    """A report over its limit is interrupted; one that ignores the interrupt has its kernel killed 10 s
    later, and the notebook client, waiting for that kernel's output, gives up instead of waiting for ever."""
    hung = _notebook(tmp_path / "hung.ipynb", cell)
    good = _notebook(tmp_path / "good.ipynb", "print(unit)")
    jobs = [_job(processed, tmp_path / "out", hung, "439"), _job(processed, tmp_path / "out", good, "440")]
    t0 = time.perf_counter()
    res = {r.unit: r for r in run(jobs, n_jobs=1, progress=False, wall_limit=4)}
    assert time.perf_counter() - t0 < 60
    assert res["439"].status == "failed" and "quá thời gian cho phép 4 giây" in res["439"].error
    assert res["440"].status == "ok"


def test_second_run_on_the_same_folder_is_refused(processed, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BatchLocked, match="một lệnh `gender-metrics run` khác đang ghi vào"):
            run(plan(["439"], processed_dir=processed, out_dir=out), progress=False)
        with pytest.raises(BatchLocked, match="another `gender-metrics run` is writing"):
            run(plan(["439"], lang="en", processed_dir=processed, out_dir=out), progress=False)


def test_changed_inputs_rerun_and_force(processed, tmp_path):
    jobs = plan(["so-tu-phap"], processed_dir=processed, out_dir=tmp_path)
    assert [r.status for r in run(jobs, n_jobs=1, progress=False)] == ["ok"]
    assert [r.status for r in run(jobs, n_jobs=1, progress=False)] == ["skipped"]
    assert [r.status for r in run(jobs, n_jobs=1, progress=False, force=True)] == ["ok"]
    en = plan(["so-tu-phap"], lang="en", processed_dir=processed, out_dir=tmp_path)  # a parameter changed
    assert en[0].key != jobs[0].key
    assert [r.status for r in run(en, n_jobs=1, progress=False)] == ["ok"]
    html = (tmp_path / "sector-so-tu-phap.en.html").read_text(encoding="utf-8")
    assert "has not sent its report" in html and "SAMPLE DATA" in html
    # each language has its list of reports; it lists earlier runs' reports, and links the other language's
    index = (tmp_path / "index.en.html").read_text(encoding="utf-8")
    assert "href='sector-so-tu-phap.en.html'>Department of Justice</a>" in index
    assert "href='sector-so-tu-phap.html'>Tiếng Việt</a>" in index and 'lang="en"' in index


def test_catalogue_edit_changes_the_keys_of_the_reports_that_show_it():
    import gender_metrics as gm

    ref = gm.load_reference()
    before = batch.ReferenceRows(ref)
    assert before.of("439", "district") == batch.ReferenceRows(ref).of("439", "district")  # stable
    cat = gm.load_catalogue()
    t = cat.targets
    t.loc[(t.strategy == "2011-2020") & (t.id == "4.4") & (t.year == 2020), "value"] = 24.0  # an edited target
    after = batch.ReferenceRows(ref.with_catalogue(cat))
    for unit, kind in (("439", "district"), ("so-y-te", "sector"), ("42", "province"), ("42", "feasibility")):
        assert after.of(unit, kind) != before.of(unit, kind), unit   # they show 4.4
    assert after.of("so-noi-vu", "sector") == before.of("so-noi-vu", "sector")  # 1.2, 1.3, 7.2 only


def test_job_key_covers_code_and_submissions(processed, tmp_path, monkeypatch, raw_dir):
    import shutil

    from openpyxl import load_workbook

    from gender_metrics.forms import ID_FIELDS, SHEET_ID
    from gender_metrics.ingest import ingest

    key = plan(["440"], processed_dir=processed, out_dir=tmp_path)[0].key
    monkeypatch.setattr("gender_metrics.present.data.code_fingerprint", lambda: "edited catalogue")
    assert plan(["440"], processed_dir=processed, out_dir=tmp_path)[0].key != key
    monkeypatch.undo()
    # only a submission date changes: the reports show timeliness, so the data hash changes
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    a = ingest(raw, tmp_path / "a").data_hash
    wb = load_workbook(raw / "can-loc.xlsx")
    row = next(r for r, key, _ in ID_FIELDS if key == "submitted")
    wb[SHEET_ID].cell(row, 2).value = "30/04/2021"
    wb.save(raw / "can-loc.xlsx")
    b = ingest(raw, tmp_path / "b").data_hash
    assert a != b


def test_self_contained_report_embeds_plotly_once(processed, tmp_path):
    res = run(plan(["439"], processed_dir=processed, out_dir=tmp_path), n_jobs=1, progress=False, self_contained=True)
    html = (tmp_path / res[0].html).read_text(encoding="utf-8")
    assert 'src="assets/plotly.min.js"' not in html
    assert html.count("plotly.js v") >= 1 and len(html) > 3_000_000


def test_runs_on_a_dask_cluster(processed, tmp_path):
    from distributed import LocalCluster

    bad = _job(processed, tmp_path, _notebook(tmp_path / "bad.ipynb", "raise RuntimeError('hỏng trên cụm')"), "439")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        res = run([*plan(["440", "so-y-te"], processed_dir=processed, out_dir=tmp_path), bad], progress=False,
                  scheduler=cluster.scheduler_address)
    status = {r.unit: r.status for r in res}
    assert status == {"440": "ok", "so-y-te": "ok", "439": "failed"}  # one failure does not stop the others
    assert "RuntimeError: hỏng trên cụm" in next(r.error for r in res if r.unit == "439")
    assert (tmp_path / "district-duc-tho.html").exists() and (tmp_path / "sector-so-y-te.html").exists()


def test_a_remote_worker_writes_nothing_the_client_writes_its_files(processed, tmp_path):
    """On a cluster (--scheduler) a worker may not share the client's disk: it returns the executed notebook
    and the HTML, the client writes them; a failed report's notebook (its traceback) comes back too."""
    ok = _job(processed, tmp_path, _notebook(tmp_path / "ok.ipynb", "print('xong')"), "440")
    bad = _job(processed, tmp_path, _notebook(tmp_path / "bad.ipynb", "raise RuntimeError('hỏng')"), "439")
    try:
        res = [batch.run_job(j, deliver=True) for j in (ok, bad)]
    finally:
        kernel.Worker.drop()
    assert not list(tmp_path.glob("*.html")) and not (tmp_path / "notebooks").exists()   # nothing written by the worker
    assert set(res[0].files) == {"district-duc-tho.html", "notebooks/district-duc-tho.ipynb"}
    assert res[1].status == "failed" and set(res[1].files) == {"notebooks/district-huong-son.ipynb"}
    for r in res:
        batch.write_delivered(tmp_path, r)
        assert r.files is None
    assert "xong" in (tmp_path / "district-duc-tho.html").read_text(encoding="utf-8")
    assert "hỏng" in (tmp_path / "notebooks" / "district-huong-son.ipynb").read_text(encoding="utf-8")


def _kernels_with(mark: str) -> list[int]:
    """Report kernels (started as ipykernel, or forked by a worker and named so) of runs marked ``mark``:
    in their environment, or, for a kernel forked from a worker of this very process (a fork keeps the
    environment this process was started with), in this process's."""
    procs = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes()
            cmd = (d / "cmdline").read_bytes()
            comm = (d / "comm").read_text().strip()
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        procs[int(d.name)] = (ppid, f"GM_TEST_MARK={mark}".encode() in env,
                              b"ipykernel" in cmd or comm == kernel.FORKED_NAME)
    here = os.environ.get("GM_TEST_MARK") == mark

    def ours(pid: int) -> bool:
        for _ in range(3):   # the kernel, its worker, the worker's parent
            ppid, marked, _ = procs.get(pid, (0, False, False))
            if marked or (here and pid == os.getpid()):
                return True
            pid = ppid
        return False

    return sorted(pid for pid, (_, _, is_kernel) in procs.items() if is_kernel and ours(pid))


def test_ctrl_c_leaves_no_kernel_behind(processed, tmp_path):
    mark = f"ctrlc-{os.getpid()}"
    env = {**os.environ, "GM_TEST_MARK": mark}
    proc = subprocess.Popen([sys.executable, "-m", "gender_metrics", "run", "--processed", str(processed),
                             "--out", str(tmp_path), "--jobs", "2"], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not _kernels_with(mark):
        time.sleep(0.3)
    assert _kernels_with(mark), "no kernel started within 60 s"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "đã dừng" in err  # Vietnamese by default
    time.sleep(1)
    assert _kernels_with(mark) == []
    assert not list(tmp_path.glob(".*.tmp*")) and not list((tmp_path / "notebooks").glob(".*.tmp*"))


def test_unknown_notebook_parameters_are_refused(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('unti = "439"\nlang = "vi"\nprocessed_dir = None\nreview = None')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "typo.ipynb"
    nbformat.write(nb, str(path))
    with pytest.raises(ValueError, match=r"lacks \['unit'\]"):
        batch.check_parameters({str(path)})


def test_kernel_start_failure_is_retried(monkeypatch, tmp_path):
    from jupyter_client.manager import KernelManager

    real = KernelManager.start_kernel
    calls = []

    def flaky(self, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")  # a start-up race
        return real(self, **kw)

    monkeypatch.setattr(KernelManager, "start_kernel", flaky)
    km = kernel.start_kernel(str(tmp_path))
    try:
        assert km.is_alive() and len(calls) == 2
    finally:
        km.shutdown_kernel(now=True)


def test_kernel_that_never_starts_is_reported(monkeypatch, tmp_path):
    from jupyter_client.manager import KernelManager

    def broken(self, **kw):
        raise RuntimeError("no kernel for you")

    monkeypatch.setattr(KernelManager, "start_kernel", broken)
    with pytest.raises(kernel.KernelStartError, match="did not start after 3 attempts: no kernel for you"):
        kernel.start_kernel(str(tmp_path))


def test_a_corrected_district_form_changes_only_the_reports_that_show_it(raw_dir, tmp_path):
    import shutil

    from openpyxl import load_workbook

    from gender_metrics.ingest import ingest

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    ingest(raw, tmp_path / "p")
    before = {j.stem: j.key for j in plan(processed_dir=tmp_path / "p", out_dir=tmp_path / "out")}
    wb = load_workbook(raw / "huong-son.xlsx")
    ws = wb["Chỉ tiêu 2011-2020"]
    ws["P29"] = (ws["P29"].value or 0) + 1          # one corrected cell (a 2020 numerator of Hương Sơn)
    wb.save(raw / "huong-son.xlsx")
    ingest(raw, tmp_path / "p")
    after = {j.stem: j.key for j in plan(processed_dir=tmp_path / "p", out_dir=tmp_path / "out")}
    assert set(before) == set(after) and len(before) == 29
    changed = sorted(s for s in after if after[s] != before[s])
    assert changed == ["district-huong-son", "feasibility-ha-tinh", "province-ha-tinh"]


def test_kernels_are_shut_down_and_their_connection_files_removed(tmp_path):
    runtime = tmp_path / "runtime"
    km = kernel.start_kernel(str(tmp_path), str(runtime))
    assert km.is_alive() and len(list(runtime.glob("kernel-*.json"))) == 1
    kernel.stop_kernel(km)
    assert not km.is_alive() and list(runtime.glob("*.json")) == []


FORKED = """
import json, os, sys
from pathlib import Path

import pandas  # noqa: F401 - loaded here, before the fork
from gender_metrics.run import kernel

work = Path(sys.argv[1])
lock = open(work / ".lock", "w")   # a descriptor of this process that the kernel must not keep
if sys.argv[2] == "dies":   # the forked child fails before it is a kernel: the next try is a new Python
    kernel._run_forked_kernel = lambda argv, cwd: os._exit(3)
if sys.argv[2] == "ipython":   # a terminal IPython session: a fork would carry its shell
    from IPython.core.interactiveshell import InteractiveShell
    InteractiveShell.instance()
slow = ["--IPKernelApp.exec_lines=import time; time.sleep(2.5)"] if sys.argv[2] == "slow" else []
km = kernel.start_kernel(str(work), str(work / "runtime"), extra_args=slow, fork=True)
km.shell("import json, os, sys; json.dump({'comm': open('/proc/self/comm').read().strip(), 'ppid': os.getppid(), "
         "'pandas': 'pandas' in sys.modules, 'cwd': os.getcwd(), "
         "'fds': [os.path.realpath('/proc/self/fd/' + f) for f in os.listdir('/proc/self/fd')]}, open('info.json', 'w'))")
info = json.loads((work / "info.json").read_text())
pid = km.pid if isinstance(km, kernel.ForkedKernel) else km.provisioner.pid
kernel.stop_kernel(km)
print(json.dumps({"kind": type(km).__name__, "info": info, "me": os.getpid(), "alive": km.is_alive(),
                  "proc": Path(f"/proc/{pid}").exists(), "files": sorted(p.name for p in (work / "runtime").iterdir())}))
"""


def _forked(tmp_path, how: str) -> dict:
    import json

    r = subprocess.run([sys.executable, "-c", FORKED, str(tmp_path), how], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return {**json.loads(r.stdout.strip().splitlines()[-1]), "stderr": r.stderr}


def test_a_worker_forks_its_kernel_which_keeps_what_the_worker_loaded_and_none_of_its_files(tmp_path):
    """A worker's first kernel is forked from it (pandas already loaded), in a session of its own, holding
    none of the worker's descriptors (the folder's lock), and is stopped, reaped and its file removed."""
    out = _forked(tmp_path, "forks")
    assert out["kind"] == "ForkedKernel"
    info = out["info"]
    assert info["comm"] == kernel.FORKED_NAME and info["ppid"] == out["me"] and info["pandas"]
    assert info["cwd"] == str(tmp_path)
    assert not [f for f in info["fds"] if f.endswith(".lock")], info["fds"]
    assert not out["alive"] and not out["proc"] and out["files"] == []


def test_a_kernel_that_dies_as_it_forks_is_started_as_a_new_process(tmp_path):
    out = _forked(tmp_path, "dies")
    assert out["kind"] == "WorkerKernel" and out["info"]["comm"] != kernel.FORKED_NAME
    assert not out["alive"] and not out["proc"] and out["files"] == []


def test_a_forked_kernel_slow_to_start_is_waited_for(tmp_path):
    """Its client asks the manager whether it lives while it waits: a forked kernel still loading (a busy
    machine, a large review) is waited for, not replaced by a new process."""
    out = _forked(tmp_path, "slow")
    assert out["kind"] == "ForkedKernel" and out["info"]["comm"] == kernel.FORKED_NAME


def test_a_process_running_ipython_starts_its_kernels_as_new_processes(tmp_path):
    out = _forked(tmp_path, "ipython")
    assert out["kind"] == "WorkerKernel" and out["info"]["comm"] != kernel.FORKED_NAME
    assert "forked kernel failed" not in out["stderr"]   # not tried, rather than tried and failed
    assert not out["alive"] and not out["proc"] and out["files"] == []


def test_the_reports_of_a_run_use_forked_kernels_stopped_when_it_ends(processed, tmp_path):
    probe = _notebook(tmp_path / "probe.ipynb", "import os\nprint(open('/proc/self/comm').read().strip(), os.getpid())")
    res = run([_job(processed, tmp_path / "out", probe)], n_jobs=1, progress=False)
    assert [r.status for r in res] == ["ok"]
    printed = "".join(o.get("text", "") for c in nbformat.read(res[0].notebook, as_version=4).cells
                      for o in c.get("outputs", []))
    name, pid = printed.split()
    assert name == kernel.FORKED_NAME
    assert not Path(f"/proc/{pid}").exists()   # stopped by its worker as the run ended, not left to notice


def test_a_run_from_a_jupyter_kernel_starts_its_report_kernels_as_new_processes(processed, tmp_path):
    """An analyst may run the batch from JupyterLab: a fork of that kernel would carry its session and
    namespace, so the workers start their kernels as new processes, and every report is made."""
    from nbclient import NotebookClient

    probe = _notebook(tmp_path / "probe.ipynb", "print(open('/proc/self/comm').read().strip())")
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
            "from test_batch import _job\nfrom gender_metrics.run.batch import run\n"
            f"res = run([_job({str(processed)!r}, {str(tmp_path / 'out')!r}, {probe!r}, u) for u in ('439', '440')], "
            "n_jobs=2, progress=False)\nprint(*[r.status for r in res])")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    assert nb.cells[0].outputs[0]["text"].split() == ["ok", "ok"]
    for stem in ("district-huong-son", "district-duc-tho"):
        out = nbformat.read(str(tmp_path / "out" / "notebooks" / f"{stem}.ipynb"), as_version=4)
        assert out.cells[-1].outputs[0]["text"].strip() == "python"   # not forked from the analyst's kernel
    assert "forked kernel failed" not in "".join(p.read_text() for p in (tmp_path / "out" / "logs").iterdir())


def test_workers_started_before_planning_are_stopped_when_planning_fails(processed, tmp_path, monkeypatch):
    """`run` boots its workers while it plans when every report will be made; a plan that fails then
    (here a wrong unit) leaves no kernel behind and the folder unlocked."""
    mark = f"early-{os.getpid()}"
    monkeypatch.setenv("GM_TEST_MARK", mark)
    out = tmp_path / "out"
    before = set(_kernels_with(mark))   # kernels of earlier runs of this process still going away

    def new_kernels() -> list[int]:
        return [pid for pid in _kernels_with(mark) if pid not in before]

    with pytest.raises(ValueError), batch.Batch(out, n_jobs=2) as b:
        assert not b.has_state()
        b.start()
        deadline = time.time() + 60
        while time.time() < deadline and len(new_kernels()) < 2:
            time.sleep(0.2)
        seen = new_kernels()
        assert len(seen) == 2, f"the two workers' kernels did not start: {seen}"
        plan(["no-such-unit"], processed_dir=processed, out_dir=out)
    time.sleep(1)
    assert [pid for pid in seen if Path(f"/proc/{pid}").exists()] == [] and not (out / ".runtime").exists()
    with batch.Batch(out, n_jobs=1) as b:   # the lock was released
        res = b.run(plan(["so-tu-phap"], processed_dir=processed, out_dir=out), progress=False)
    assert [r.status for r in res] == ["ok"] and b.has_state()


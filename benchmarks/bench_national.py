"""National scale: the mid-term review run for every commune of the country, on this machine.

After July 2025 Viet Nam has 34 provinces and 3,321 commune-level units. The benchmark writes, in a temp
folder, a synthetic review of them AS DATA ONLY (a review YAML, a unit tree of 3,321 communes in 34
provinces with two departments each, the 2021-2030 catalogue with two benchmark indicators added to make
20, a sample model): the "a third review needs only data" proof. Names and numbers are synthetic.

Measured (medians of RUNS where the step is repeated; the naive way in the same run where one applies):
  * ingest of the ~3,400 forms (writing them is setup, not timed; they are kept in benchmarks/results/ for
    the next run) against openpyxl's full load of a sample of the forms;
  * gm.progress and gm.feasibility over 3,321 communes × 20 indicators × 6 years, against a per-group loop
    and a per-series statsmodels OLS loop timed on samples and scaled;
  * what a batch does once before its reports: plan() of every report and the derived tables;
  * the report batch on a sample of commune and department reports, with 2 local processes and with a
    Dask LocalCluster of 2 separate worker processes through the code path of ``run --scheduler``;
    the per-report cost, extrapolated to N workers;
  * peak memory: this process, the ingest's processes, the report kernels.
Results also go to benchmarks/results/national.json. Run: ``python -m benchmarks national``.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from benchmarks.bench_ingest import naive_read  # openpyxl's full load, reading only: the same naive way
from gender_metrics.run.kernel import FORKED_NAME

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
N_PROVINCES, N_COMMUNES = 34, 3321
RUNS = 3
REPORT_SAMPLE = (16, 2)          # commune reports, department reports timed per engine
EXTRAPOLATE = (2, 8, 16, 32, 64)
MARK = f"gm-national-{os.getpid()}"
_BENCH_INDICATOR = """\
- id: {id}
  objective: 6
  name_vi: Chỉ tiêu thử nghiệm {id} (chỉ dùng cho benchmark)
  name_en: Benchmark indicator {id} (benchmark only)
  unit_en: '%'
  unit_vi: '%'
  direction: {direction}
  kind: share
  interval: wilson
  factor: 100
  numerator_vi: Tử số
  numerator_en: Numerator
  denominator_vi: Mẫu số
  denominator_en: Denominator
  measure: numerator / denominator x 100
  aggregation: ratio_of_sums
  district_level: true
  sector: null
  predecessor: null
  verified: 'no'
  source: synthetic, for the national benchmark only
  targets: [{{year: 2025, op: '{op}', value: {v2025}}}, {{year: 2030, op: '{op}', value: {v2030}}}]
"""
# two synthetic indicators make the catalogue's 18 up to the strategy's 20
BENCH_INDICATORS = "".join(_BENCH_INDICATOR.format(**x) for x in (
    {"id": "B1", "direction": "increase", "op": ">=", "v2025": 50, "v2030": 60},
    {"id": "B2", "direction": "decrease", "op": "<", "v2025": 30, "v2030": 25}))


# --------------------------------------------------------------------------- the review, as data
def provinces() -> list[tuple[str, int]]:
    """34 provinces with 3,321 communes between them (98 in the first 23, 97 in the other 11)."""
    base, extra = divmod(N_COMMUNES, N_PROVINCES)
    return [(f"P{p:02d}", base + (1 if p <= extra else 0)) for p in range(1, N_PROVINCES + 1)]


def write_review(folder: Path) -> Path:
    """The synthetic national review (YAML, unit tree, catalogue, sample model) written into ``folder``."""
    from gender_metrics.reference.review import bundled_dir

    folder.mkdir(parents=True, exist_ok=True)
    bundled = bundled_dir()
    cat = (bundled / "catalogue" / "indicators_2021_2030.yaml").read_text(encoding="utf-8")
    (folder / "catalogue.yaml").write_text(cat.rstrip("\n") + "\n" + BENCH_INDICATORS, encoding="utf-8")
    areas, sectors, i = [], [{"code": "bo-noi-vu", "name_vi": "Bộ Nội vụ", "name_en": "Ministry of Home Affairs"}], 0
    for pcode, n in provinces():
        for j in range(1, n + 1):
            i += 1
            ward = j <= 20   # the first 20 units of a province are wards (phường), the rest communes (xã)
            areas.append({"code": f"{i:05d}", "type_vi": "Phường" if ward else "Xã",
                          "type_en": "Ward" if ward else "Commune", "name_vi": f"{j} {pcode}", "name_en": f"{j} {pcode}",
                          "slug": f"{'phuong' if ward else 'xa'}-{i:05d}", "province_code": pcode})
        sectors += [{"code": f"{pcode.lower()}-so-noi-vu", "name_vi": f"Sở Nội vụ {pcode}",
                     "name_en": f"Department of Home Affairs {pcode}", "province_code": pcode,
                     "answers_for": ["3.1", "6.1"]},
                    {"code": f"{pcode.lower()}-so-y-te", "name_vi": f"Sở Y tế {pcode}", "name_en": f"Department of Health {pcode}",
                     "province_code": pcode, "answers_for": ["3.4", "4.4", "5.3", "5.4"]}]
    tree = {"name": "viet-nam-2025",
            "province": {"code": "VN", "type_vi": "Quốc gia", "type_en": "Country", "name_vi": "Việt Nam (tổng hợp)",
                         "name_en": "Viet Nam (sum)", "slug": "viet-nam"},
            "areas": {"level": "commune", "label_vi": "xã, phường", "label_en": "communes and wards",
                      "short_vi": "xã, phường", "short_en": "commune", "units": areas},
            "sectors": {"type_vi": "Sở, ngành", "type_en": "Department", "units": sectors},
            "prefixes": {"xa": "Xã", "phuong": "Phường"}}
    (folder / "units.yaml").write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False), encoding="utf-8")
    so_ket = yaml.safe_load((bundled / "samples" / "so-ket-2021-2025.yaml").read_text(encoding="utf-8"))
    model = {**so_ket, "seed": 34, "population": [8000, 50000], "late": {}, "missing": [],
             "areas": so_ket["areas"] + [{"id": "B1", "model": "share", "of": {"per_100k": 900}, "ramp": [0.40, 0.52]},
                                          {"id": "B2", "model": "share", "of": {"per_100k": 900}, "ramp": [0.36, 0.28],
                                           "perf": -0.03}]}
    (folder / "sample.yaml").write_text(yaml.safe_dump(model, allow_unicode=True, sort_keys=False), encoding="utf-8")
    review = yaml.safe_load((bundled / "so-ket-2021-2025.yaml").read_text(encoding="utf-8"))
    review.update(name="quoc-gia", catalogue=["catalogue.yaml"], units="units.yaml", compiler="bo-noi-vu",
                  sample="sample.yaml", highlights=["4.1"])
    for key in ("context", "plan"):
        review.pop(key)
    review["deadline"].pop("placeholder")
    for lang in ("vi", "en"):
        review["texts"][lang]["report_subtitle"] = "Benchmark: synthetic data of 3,321 communes (DỮ LIỆU MẪU)"
    path = folder / "quoc-gia.yaml"
    path.write_text(yaml.safe_dump(review, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _write_part(args) -> int:
    review, out, only = args
    from gender_metrics.forms.sample import generate_sample
    from gender_metrics.reference import load_reference

    return len(generate_sample(out, reference=load_reference(review), only=set(only)))


def forms(review: Path, ref) -> tuple[Path, float, bool]:
    """The sample forms of the national review (written by 2 processes; kept for the next run, keyed by what
    they are made of: the review's files, the form writer and the sample generator, the texts)."""
    pkg = ROOT / "gender_metrics"
    h = hashlib.sha256()
    for p in [*sorted(review.parent.glob("*.yaml")), *sorted((pkg / "forms").glob("*.py")),
              *sorted((pkg / "i18n").glob("*.yaml"))]:
        h.update(p.name.encode() + p.read_bytes())
    raw = RESULTS / f"national-forms-{h.hexdigest()[:12]}"
    expected = len(ref.units.reporting)
    if raw.is_dir() and len(list(raw.glob("*.xlsx"))) == expected:
        return raw, 0.0, True
    for old in RESULTS.glob("national-forms-*"):
        shutil.rmtree(old, ignore_errors=True)
    tmp = raw.with_name(raw.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    units = ref.units.reporting
    t0 = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        n = sum(pool.map(_write_part, [(str(review), str(tmp), units[k::2]) for k in range(2)]))
    assert n == expected, (n, expected)
    tmp.rename(raw)
    return raw, time.perf_counter() - t0, False


# --------------------------------------------------------------------------- the naive ways
def national_table(ref, seed: int = 34) -> pd.DataFrame:
    """3,321 communes × 20 indicators × 6 years, seeded: counts where the indicator has parts, values else."""
    rng = np.random.default_rng(seed)
    ind = ref.judged
    units = np.array(ref.units.areas)
    years = ref.review.years
    u, i, y = (a.ravel() for a in np.meshgrid(units, ind.index.to_numpy(), years, indexing="ij"))
    den = rng.integers(20, 3000, u.size).astype(float)
    num = np.maximum(rng.binomial(den.astype(int), rng.uniform(0.05, 0.95, u.size)), 1).astype(float)
    valued = pd.Index(i).map(ind.kind).to_numpy() == "value"
    value = np.where(valued, rng.uniform(1, 99, u.size), np.nan)
    return pd.DataFrame({"unit": u, "strategy": ref.review.strategy, "indicator": i, "year": y,
                         "numerator": np.where(valued, np.nan, num), "denominator": np.where(valued, np.nan, den),
                         "value": value, "source": "bench", "breakdown": ""})


def naive_progress(obs: pd.DataFrame, ref) -> int:
    """A per-group loop: each unit × indicator × milestone judged with scalar code (value, Wilson interval,
    verdict, growth ratio against the baseline), as one writes it first."""
    from scipy import stats as sps

    ind, tg, base_year = ref.judged, ref.judged_targets, ref.review.baseline_year
    tg = tg[tg.year.isin(ref.review.milestones)]
    z = sps.norm.ppf(0.975)
    n = 0
    for (_unit, indicator), g in obs.groupby(["unit", "indicator"]):
        info = ind.loc[indicator]
        g = g.set_index("year")
        for t in tg[tg.id == indicator].itertuples():
            if t.year not in g.index:
                continue
            r = g.loc[t.year]
            x = info.factor * r.numerator / r.denominator if r.numerator == r.numerator else r.value
            k, m = r.numerator, r.denominator
            if k == k:   # Wilson interval, scalar
                c = (k + z * z / 2) / (m + z * z)
                h = z * np.sqrt(k * (m - k) / m + z * z / 4) / (m + z * z)
                _ci = (info.factor * (c - h), info.factor * (c + h))
            ok = {">=": x >= t.value, ">": x > t.value, "<=": x <= t.value, "<": x < t.value}.get(t.op, False)
            b = g.loc[base_year]
            base = info.factor * b.numerator / b.denominator if b.numerator == b.numerator else b.value
            _rr = ((x / base) ** (1 / (t.year - base_year)) - 1) / ((t.value / base) ** (1 / (t.year - base_year)) - 1)
            n += bool(ok)
    return n


def naive_feasibility(obs: pd.DataFrame, ref, horizon: int) -> int:
    """A statsmodels OLS per series (log or logit of the value on the year), its prediction at the horizon."""
    import statsmodels.api as sm

    share = ref.judged.kind.eq("share")
    n = 0
    for (_unit, indicator), g in obs.groupby(["unit", "indicator"]):
        x = (100 * g.numerator / g.denominator).where(g.numerator.notna(), g.value).to_numpy(float)
        y = np.log(np.clip(x, 0.5, 99.5) / (100 - np.clip(x, 0.5, 99.5))) if share[indicator] else np.log(x)
        res = sm.OLS(y, sm.add_constant(g.year.to_numpy(float))).fit()
        res.get_prediction(np.array([[1.0, horizon]])).summary_frame(alpha=0.05)
        n += 1
    return n


# --------------------------------------------------------------------------- memory of the report kernels
class KernelMemory:
    """Samples the memory of this benchmark's report kernels: those started as ipykernel (marked through
    the environment) and those a worker of this process forked from itself (named so). Proportional set
    size: a page a forked kernel still shares with its worker counts for its share only."""

    def __init__(self):
        self.peak_each, self.peak_sum, self._stop = 0, 0, threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _kernels(self) -> list[Path]:
        procs = {}
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                env, cmd = (d / "environ").read_bytes(), (d / "cmdline").read_bytes()
                comm = (d / "comm").read_text().strip()
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            procs[int(d.name)] = (ppid, f"GM_BENCH_MARK={MARK}".encode() in env and b"ipykernel" in cmd,
                                  comm == FORKED_NAME)
        me = os.getpid()
        return [Path(f"/proc/{pid}") for pid, (ppid, marked, forked) in procs.items()
                if marked or (forked and me in (ppid, procs.get(ppid, (0,))[0]))]

    def _watch(self):
        while not self._stop.wait(0.2):
            total = 0
            for d in self._kernels():
                try:
                    pss = next(int(x.split()[1]) for x in (d / "smaps_rollup").read_text().splitlines()
                               if x.startswith("Pss:"))
                except (OSError, StopIteration, ValueError):
                    continue
                self.peak_each = max(self.peak_each, pss)
                total += pss
            self.peak_sum = max(self.peak_sum, total)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()


def _median(fn, runs=RUNS):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _mb(kb: float) -> str:
    return f"{kb / 1024:,.0f} MB"


def _reset_peak() -> None:
    """Start this process's peak resident memory afresh (Linux: /proc/self/clear_refs, 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_kb() -> int:
    """This process's peak resident memory since the last reset (VmHWM), in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def _median_cpu(fn, runs=RUNS):
    """Medians of wall and CPU time: on a shared machine the CPU time is what the step costs."""
    walls, cpus = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), out


# --------------------------------------------------------------------------- the benchmark
def main() -> None:
    import gender_metrics as gm
    from gender_metrics.present.data import dataset
    from gender_metrics.reference import load_reference
    from gender_metrics.run.batch import plan, run

    os.environ["GM_BENCH_MARK"] = MARK   # inherited by worker processes and their kernels
    RESULTS.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        review = write_review(tmp / "review")
        ref = load_reference(review)
        n_forms = len(ref.units.reporting)
        print(f"review written as data: {len(ref.units.areas):,} communes in {N_PROVINCES} provinces, "
              f"{len(ref.units.sectors)} departments, {len(ref.judged)} indicators ({review.parent})")

        # ---- setup: the forms (not timed as ingest)
        raw, t_write, cached = forms(review, ref)
        print(f"forms: {n_forms:,} in {raw} " + ("(kept from an earlier run)" if cached else
                                                  f"(written by 2 processes in {t_write:.0f} s)"))

        # ---- ingest, once (a minute or two), and the naive full load of a sample, scaled
        load = os.getloadavg()[0]
        _reset_peak()
        c0, t0 = _cpu(), time.perf_counter()
        res = gm.ingest(raw, tmp / "processed", reference=ref, jobs=2)
        t_ingest, c_ingest = time.perf_counter() - t0, _cpu() - c0
        children, parent = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, _peak_kb()
        paths = sorted(raw.glob("*.xlsx"))
        sample = paths[:: max(1, len(paths) // 60)][:60]
        t_naive, _ = _median(lambda: naive_read(sample), 1)
        rate, naive_rate = n_forms / t_ingest, len(sample) / t_naive
        print(f"ingest: {n_forms:,} forms in {t_ingest:.1f} s → {rate:.1f} forms/s with 2 processes (goal ≥ 30; load "
              f"average {load:.1f} on {os.cpu_count()} cores); {c_ingest:.0f} CPU-s in all: {n_forms / c_ingest:.1f} forms "
              f"per CPU-second, so {2 * n_forms / c_ingest:.0f} forms/s on 2 free cores; {res.counts['accepted']:,} cells "
              f"accepted, {res.counts['rejected']} rejected; naive openpyxl full load (reading only, 1 process) of "
              f"{len(sample)} of them: {naive_rate:.1f} forms/s; peak memory: the ingest's parent {_mb(parent)}, its "
              f"largest reading process {_mb(children)}")
        out["ingest"] = {"forms": n_forms, "seconds": t_ingest, "forms_per_s": rate, "cpu_s": c_ingest,
                         "load_average": load, "naive_forms_per_s": naive_rate, "peak_parent_rss_kb": parent,
                         "peak_child_rss_kb": children, "accepted": int(res.counts["accepted"])}

        # ---- progress and feasibility over 3,321 communes × 20 indicators × 6 years
        obs = national_table(ref)
        gm.progress(obs.head(2000), reference=ref)   # warm-up
        load = os.getloadavg()[0]
        _reset_peak()
        t_prog, c_prog, prog = _median_cpu(lambda: gm.progress(obs, reference=ref))
        t_feas, c_feas, feas = _median_cpu(lambda: gm.feasibility(obs, reference=ref))
        core_peak = _peak_kb()   # this process's peak over the timed runs (the table, the results)
        tracemalloc.start()
        gm.progress(obs, reference=ref)
        mem_prog = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        gm.feasibility(obs, reference=ref)
        mem_feas = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        groups = obs.groupby(["unit", "indicator"]).ngroups
        rng = np.random.default_rng(1)
        few = obs[obs.unit.isin(rng.choice(ref.units.areas, 15, replace=False))]
        n_few = few.groupby(["unit", "indicator"]).ngroups
        t_loop, _ = _median(lambda: naive_progress(few, ref), 1)
        t_ols, _ = _median(lambda: naive_feasibility(few, ref, ref.review.horizon), 1)
        loop, ols = t_loop * groups / n_few, t_ols * groups / n_few
        print(f"gm.progress: {len(obs):,} observations ({len(ref.units.areas):,} × {len(ref.judged)} × "
              f"{len(ref.review.years)}), median {t_prog:.2f} s wall, {c_prog:.2f} s CPU of {RUNS} (goal < 1 s; load "
              f"average {load:.1f}), {len(prog):,} rows, peak {mem_prog / 2**20:,.0f} MB traced; per-group loop "
              f"{t_loop:.2f} s on {n_few} of {groups:,} groups → {loop:.0f} s scaled: {loop / t_prog:.0f}×")
        print(f"gm.feasibility: median {t_feas:.2f} s wall, {c_feas:.2f} s CPU of {RUNS} (goal < 1 s), {len(feas):,} "
              f"rows, peak {mem_feas / 2**20:,.0f} MB traced; statsmodels OLS per series {t_ols:.2f} s on {n_few} "
              f"series → {ols:.0f} s scaled: {ols / t_feas:.0f}×")
        out["progress"] = {"observations": len(obs), "median_s": t_prog, "median_cpu_s": c_prog, "loop_scaled_s": loop,
                           "peak_traced_mb": mem_prog / 2**20, "load_average": load}
        out["feasibility"] = {"median_s": t_feas, "median_cpu_s": c_feas, "ols_scaled_s": ols,
                              "peak_traced_mb": mem_feas / 2**20}
        out["core_peak_rss_kb"] = core_peak
        print(f"peak memory of this process while progress and feasibility ran: {_mb(core_peak)}")

        # ---- what a batch does once: plan every report, compute the derived tables
        reports = tmp / "reports"
        t_plan, jobs_all = _median(lambda: plan(processed_dir=tmp / "processed", out_dir=reports, review=review), 1)
        ds = dataset(tmp / "processed", review)
        obs = prog = feas = None   # let the national table go before the derived tables
        _reset_peak()
        c0, t0 = time.process_time(), time.perf_counter()
        ds.prepare()
        t_derived, c_derived, derived_peak = time.perf_counter() - t0, time.process_time() - c0, _peak_kb()
        print(f"plan of every report: {len(jobs_all):,} jobs in {t_plan:.1f} s; derived tables (progress, "
              f"feasibility national and proposed, projection bands, league, quality) of the ingested data: "
              f"{t_derived:.1f} s wall, {c_derived:.1f} s CPU, peak {_mb(derived_peak)}")
        out["batch_setup"] = {"jobs": len(jobs_all), "plan_s": t_plan, "derived_s": t_derived, "derived_cpu_s": c_derived,
                              "derived_peak_rss_kb": derived_peak}
        _reset_peak()

        # ---- the report batch on a sample: local processes, then a Dask LocalCluster (run --scheduler)
        from distributed import LocalCluster

        n_c, n_s = REPORT_SAMPLE
        units = list(rng.choice(ref.units.areas, n_c, replace=False)) + list(rng.choice(ref.units.sectors[1:], n_s,
                                                                                        replace=False))
        engines = {}
        for name in ("local", "dask"):
            jobs = plan(units, processed_dir=tmp / "processed", out_dir=reports / name, review=review)
            jobs = [j for j in jobs if j.kind != "feasibility"]
            with KernelMemory() as km:
                t0 = time.perf_counter()
                if name == "local":
                    results = run(jobs, n_jobs=2, force=True, progress=False)
                else:
                    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
                        t1 = time.perf_counter()
                        results = run(jobs, force=True, progress=False, scheduler=c.scheduler_address)
                        t_cluster = t1 - t0
                wall = time.perf_counter() - t0
            failed = [r.error for r in results if r.status != "ok"]
            assert not failed, failed
            per = statistics.median(r.seconds for r in results)
            fixed = max(0.0, wall - len(results) * per / 2)
            engines[name] = {"reports": len(results), "wall_s": wall, "per_report_s": per, "fixed_s": fixed,
                             "kernel_peak_pss_kb": km.peak_each, "kernels_peak_sum_pss_kb": km.peak_sum}
            extra = f" (cluster start {t_cluster:.1f} s included)" if name == "dask" else ""
            print(f"reports, {name}: {len(results)} ({n_c} communes, {n_s} departments) on 2 workers in {wall:.1f} s"
                  f"{extra}; per report (median worker time) {per:.2f} s; fixed cost {fixed:.1f} s; kernel peak "
                  f"(proportional set size) {_mb(km.peak_each)} each, {_mb(km.peak_sum)} together")
        n_all = len(ref.units.reporting)
        lines = []
        for n in EXTRAPOLATE:
            cells = [f"{(t_plan + t_derived + e['fixed_s'] + n_all * e['per_report_s'] / n) / 60:.0f} min"
                     for e in engines.values()]
            lines.append(f"  {n:>3} workers: local processes {cells[0]}, Dask {cells[1]}")
        print(f"every report ({n_all:,}: {len(ref.units.areas):,} communes and {len(ref.units.sectors)} departments), "
              "extrapolated as plan + derived tables + fixed cost + reports × per-report cost / workers:")
        print("\n".join(lines))
        out["reports"] = engines
    batch_peak = _peak_kb()
    rss = max(batch_peak, out["ingest"]["peak_parent_rss_kb"], out["core_peak_rss_kb"],
              out["batch_setup"]["derived_peak_rss_kb"])
    out["client_peak_rss_kb"], out["batch_client_peak_rss_kb"] = rss, batch_peak
    print(f"peak memory of the client while the reports ran (data set, collecting reports): {_mb(batch_peak)}; of this "
          f"process over the whole benchmark (the largest of its phases: ingest, core, derived tables, reports): "
          f"{_mb(rss)}")
    (RESULTS / "national.json").write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

"""Rendering reports: the full batch (`gender-metrics run`) vs the naive way, in the same run, and the
re-run after one corrected district form.

The naive way is what a user would script first: for each report, the `papermill` CLI, then the
`jupyter nbconvert --to html` CLI, one report at a time; it is timed on a sample of 4 reports (two
districts, a department, the province). The batch renders all 29 reports with `--force` on 2 worker
processes, timed as the whole command (start-up included). Then one cell of Hương Sơn's form is
corrected, the forms are ingested again and `run` (without `--force`) re-renders what changed.
Medians over the runs; wall time per report; the ratio; the largest report's size.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SAMPLE = [("district", "439"), ("district", "447"), ("sector", "so-y-te"), ("province", "42")]
RUNS = 3


def _cli(*args) -> float:
    t0 = time.perf_counter()
    r = subprocess.run([str(BIN / "gender-metrics"), *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(r.stdout + r.stderr)
    return time.perf_counter() - t0


def main() -> None:
    from openpyxl import load_workbook

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        raw, processed, out = tmp / "raw", tmp / "processed", tmp / "reports"
        shutil.copytree(ROOT / "data" / "raw", raw)
        _cli("ingest", "--raw", str(raw), "--processed", str(processed))
        batch = [_cli("run", "--processed", str(processed), "--out", str(out), "--jobs", "2", "--force")
                 for _ in range(RUNS)]
        n_reports = len(json.loads((out / ".state.json").read_text(encoding="utf-8")))
        sizes = {p.name: p.stat().st_size for p in out.glob("*.html") if p.name != "index.html"}

        # one corrected cell in one district form, then the incremental re-run
        wb = load_workbook(raw / "huong-son.xlsx")
        ws = wb["Chỉ tiêu 2011-2020"]
        ws["P29"] = (ws["P29"].value or 0) + 1
        wb.save(raw / "huong-son.xlsx")
        _cli("ingest", "--raw", str(raw), "--processed", str(processed))
        before = {k: v.get("key") for k, v in json.loads((out / ".state.json").read_text(encoding="utf-8")).items()}
        rerun = _cli("run", "--processed", str(processed), "--out", str(out), "--jobs", "2")
        state = json.loads((out / ".state.json").read_text(encoding="utf-8"))
        redone = sorted(k for k, v in state.items() if v.get("key") != before.get(k))

        naive = []
        for kind, unit in SAMPLE:
            t0 = time.perf_counter()
            nb = tmp / f"naive-{unit}.ipynb"
            subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / f"{kind}.ipynb"), str(nb), "-p", "unit",
                            unit, "-p", "processed_dir", str(processed), "--no-progress-bar", "--log-level", "ERROR"],
                           check=True, capture_output=True, cwd=ROOT / "notebooks")
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)], check=True,
                           capture_output=True)
            naive.append(time.perf_counter() - t0)
    per = statistics.median(batch) / n_reports
    naive_per = statistics.median(naive)
    print(f"batch: {n_reports} reports, median {statistics.median(batch):.1f} s over {RUNS} runs "
          f"({', '.join(f'{b:.1f}' for b in batch)}) → {per:.2f} s of wall time per report (goal ≤ 0.25 s)")
    print(f"naive (papermill CLI + nbconvert CLI, one at a time, {len(SAMPLE)} reports): median {naive_per:.2f} s "
          "per report")
    print(f"ratio: the batch is {naive_per / per:.1f}× faster per report (goal ≥ 15×)")
    print(f"one corrected district form: {len(redone)} reports re-rendered ({', '.join(redone)}) in {rerun:.1f} s "
          "(the whole command; goal ≤ 5 reports)")
    big = max(sizes, key=sizes.get)
    print(f"largest report: {big} {sizes[big] / 1e6:.2f} MB (plotly.js shared in assets/)")


if __name__ == "__main__":
    main()

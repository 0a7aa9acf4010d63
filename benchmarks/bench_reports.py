"""Rendering reports: the full batch (`gender-metrics run`) vs the naive way, in the same run.

The naive way is what a user would script first: for each report, the `papermill` CLI, then the
`jupyter nbconvert --to html` CLI, one report at a time; it is timed on a sample of 4 reports (two
districts, a department, the province). The batch renders all reports with `--force` on 2 worker
processes. Wall time per report for both, the ratio, and the largest report's size are printed.
"""

from __future__ import annotations

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


def main() -> None:
    from gender_metrics.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        processed = tmp / "processed"
        ingest(ROOT / "data" / "raw", processed)
        batch_times, n_reports = [], 0
        for _ in range(2):
            out = tmp / "reports"
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            r = subprocess.run([str(BIN / "gender-metrics"), "run", "--processed", str(processed), "--out", str(out),
                                "--jobs", "2", "--force"], capture_output=True, text=True)
            batch_times.append(time.perf_counter() - t0)
            if r.returncode != 0:
                raise SystemExit(r.stdout + r.stderr)
            n_reports = len(list(out.glob("*.html"))) - 1  # minus index.html
        sizes = {p.name: p.stat().st_size for p in out.glob("*.html") if p.name != "index.html"}
        naive = []
        for kind, unit in SAMPLE:
            t0 = time.perf_counter()
            nb = tmp / f"naive-{unit}.ipynb"
            subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / f"{kind}.ipynb"), str(nb), "-p", "unit", unit,
                            "-p", "processed_dir", str(processed), "--no-progress-bar", "--log-level", "ERROR"],
                           check=True, capture_output=True, cwd=ROOT / "notebooks")
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)], check=True,
                           capture_output=True)
            naive.append(time.perf_counter() - t0)
    batch = statistics.median(batch_times) / n_reports
    naive_per = statistics.median(naive)
    print(f"batch: {n_reports} reports, median {statistics.median(batch_times):.1f} s over {len(batch_times)} runs "
          f"→ {batch:.2f} s of wall time per report (goal ≤ 1.5 s)")
    print(f"naive (papermill CLI + nbconvert CLI, one at a time, {len(SAMPLE)} reports): median {naive_per:.2f} s per report")
    print(f"ratio: the batch is {naive_per / batch:.1f}× faster per report (goal ≥ 5×)")
    big = max(sizes, key=sizes.get)
    print(f"largest report: {big} {sizes[big] / 1e6:.2f} MB (goal ≤ 1 MB; plotly.js shared in assets/)")


if __name__ == "__main__":
    main()

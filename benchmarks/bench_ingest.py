"""Ingest speed: forms per second for the bundled sample forms and for 700 forms (national scale).

The 700-form set is the 25 sample forms copied 28 times into nested folders; every copy is read and
accounted for cell by cell (copies of one unit are then reported as superseded duplicates), so the
reading work is that of 700 real forms. Medians of 3 runs; the naive way measured in the same run is
openpyxl's default full load (`load_workbook(path)`, not read-only) of every form, cell by cell.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

from gender_metrics.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 3


def _time(fn) -> float:
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def naive_read(paths: list[Path]) -> int:
    n = 0
    for p in paths:
        wb = load_workbook(p)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                n += sum(c.value is not None for c in row)
    return n


def main() -> None:
    raw = ROOT / "data" / "raw"
    forms = sorted(raw.glob("*.xlsx"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big = tmp / "raw700"
        for i in range(28):
            d = big / f"province-{i:02d}" / "nested"
            d.mkdir(parents=True)
            for p in forms:
                shutil.copy(p, d / p.name)
        n_big = len(list(big.rglob("*.xlsx")))
        small_t = _time(lambda: ingest(raw, tmp / "p1"))
        big_t = _time(lambda: ingest(big, tmp / "p2"))
        naive_t = _time(lambda: naive_read(forms))
    print(f"sample forms: {len(forms)} forms, median {small_t:.2f} s → {len(forms) / small_t:.1f} forms/s")
    print(f"national scale: {n_big} forms, median {big_t:.2f} s → {n_big / big_t:.1f} forms/s (goal ≥ 20)")
    print(f"naive openpyxl full load of the {len(forms)} sample forms (reading only): median {naive_t:.2f} s → "
          f"{len(forms) / naive_t:.1f} forms/s; ingest (read + validate + write) is "
          f"{(len(forms) / small_t) / (len(forms) / naive_t):.1f}× its rate")


if __name__ == "__main__":
    main()

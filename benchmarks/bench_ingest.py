"""Ingest speed: forms per second for the bundled sample forms and for 700 forms (national scale), and
the time and memory to read one workbook formatted down to row 1,048,576 (about 20 MB).

The 700-form set is the 25 sample forms copied 28 times into nested folders; every copy is read and
accounted for cell by cell (copies of one unit are then reported as superseded duplicates), so the
reading work is that of 700 real forms. Medians of 3 runs; the naive way measured in the same run is
openpyxl's default full load (`load_workbook(path)`, not read-only) of every form, cell by cell.

The large workbook is Hương Sơn's sample form whose indicator sheet carries an empty formatted cell in
columns A-Q of every row down to 1,048,576 (as a format copied down whole columns leaves it). The
naive way is what ingest did before: openpyxl read-only with the dimension reset, every row parsed
(timed once: it takes a minute).
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from gender_metrics.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 3
LAST_ROW = 1_048_576


def _time(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
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


def formatted_to_the_last_row(src: Path, dst: Path, sheet_index: int = 3) -> Path:
    """A copy of ``src`` whose sheet number ``sheet_index`` has styled empty cells A:Q down to the last row."""
    member = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename != member:
                zout.writestr(info, data)
                continue
            xml = data.decode("utf-8")
            head, tail = xml.split("</sheetData>")
            start = int(head.rsplit('<row r="', 1)[1].split('"', 1)[0]) + 1
            with zout.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head.encode("utf-8"))
                row = ('<row r="{0}" s="3" customFormat="1">'
                       + "".join(f'<c r="{c}{{0}}" s="3"/>' for c in "ABCDEFGHIJKLMNOPQ") + "</row>")
                for lo in range(start, LAST_ROW + 1, 10_000):
                    fh.write("".join(map(row.format, range(lo, min(lo + 10_000, LAST_ROW + 1)))).encode("ascii"))
                fh.write(("</sheetData>" + tail).encode("utf-8"))
    return dst


def old_full_scan(path: Path) -> int:
    """The reading before the bound: read-only, dimension reset, every row parsed."""
    wb = load_workbook(path, read_only=True)
    n = 0
    for ws in wb.worksheets:
        ws.reset_dimensions()
        for row in ws.iter_rows():
            n += sum(getattr(c, "value", None) is not None for c in row)
    wb.close()
    return n


# the peak resident memory of this process image (VmHWM: ru_maxrss would carry the parent's over exec)
READ_ONE = """
import re, sys, time
from pathlib import Path
from gender_metrics.forms.read import read_form
from gender_metrics.reference import load_reference
ref = load_reference()
before = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
t0 = time.perf_counter()
fr = read_form(Path(sys.argv[1]), "big.xlsx", reference=ref)
dt = time.perf_counter() - t0
peak = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(dt, peak, before, len(fr.report), fr.unit)
"""


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
        print(f"national scale: {n_big} forms, median {big_t:.2f} s → {n_big / big_t:.1f} forms/s (goal ≥ 30)")
        print(f"naive openpyxl full load of the {len(forms)} sample forms (reading only): median {naive_t:.2f} s → "
              f"{len(forms) / naive_t:.1f} forms/s; ingest (read + validate + write) is "
              f"{(len(forms) / small_t) / (len(forms) / naive_t):.1f}× its rate", flush=True)

        t0 = time.perf_counter()
        wide = formatted_to_the_last_row(raw / "huong-son.xlsx", tmp / "big.xlsx")
        made = time.perf_counter() - t0
        size = wide.stat().st_size / 2**20
        runs = []
        for _ in range(REPEAT):   # each in a fresh process: its peak memory is the read's own
            out = subprocess.run([sys.executable, "-c", READ_ONE, str(wide)], capture_output=True, text=True,
                                 check=True).stdout.split()
            runs.append((float(out[0]), int(out[1]) / 1024, int(out[2]) / 1024, int(out[3]), out[4]))
        read_t = statistics.median(r[0] for r in runs)
        peak, base = max(r[1] for r in runs), max(r[2] for r in runs)
        print(f"workbook formatted to row {LAST_ROW:,}: {size:.1f} MB (made in {made:.0f} s); read_form median "
              f"{read_t:.2f} s, peak memory {peak:.0f} MB (the process with the package and the review loaded: "
              f"{base:.0f} MB), {runs[0][3]} cells reported, unit {runs[0][4]}", flush=True)
        t0 = time.perf_counter()
        old_full_scan(wide)
        old_t = time.perf_counter() - t0
        print(f"naive (every row parsed, as before): {old_t:.1f} s once → {old_t / read_t:.0f}× slower; "
              f"peak memory of this benchmark process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

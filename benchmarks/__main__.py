"""Run every benchmark module (bench_*.py) in this folder; `python -m benchmarks progress` runs one."""

import importlib
import pkgutil
import sys
from pathlib import Path

names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
wanted = sys.argv[1:]
for name in names:
    if wanted and not any(w in name for w in wanted):
        continue
    print(f"\n=== {name}", flush=True)
    importlib.import_module(f"benchmarks.{name}").main()

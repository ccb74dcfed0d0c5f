"""Run the independent disclosure checker over the rendered HTML of a run and print its figures.

`python bench/check_disclosure.py [RUN_DIR] [--k 11]` (default: reports/_build/run). It reads every report's HTML
(territories, national, fairness audits) with `tests/disclosure_checker.py` (tables parsed from the HTML, the
attacker's linear programmes over the whole run) and prints, per kind of report and in total, the cells read, the
cells in linked sets, the derived quantities bounded and every recoverable cell under k. Exit 1 if there is one.
"""
import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/"tests"))
from disclosure_checker import check_reports  # noqa: E402

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("run_dir", nargs="?", default=str(ROOT/"reports"/"_build"/"run"))
p.add_argument("--k", type=int, default=11)
a = p.parse_args()
run = Path(a.run_dir)
t0 = time.perf_counter()
res = check_reports([run], k=a.k)
print(f"checked {run}: {res}  [{time.perf_counter() - t0:.1f} s]")
by_report = Counter((r.get("where") or "?").split(" ")[0] for r in res.recoverable)
for name, n in sorted(by_report.items()): print(f"  {name}: {n} recoverable")
for r in res.recoverable[:40]: print(f"  - {r['cell']} = {r['value']} (bounds {r['bounds']}) in {r['where']}")
for r in res.inconsistent[:10]: print(f"  ! inconsistent {r}")
sys.exit(1 if res.recoverable else 0)

"""Benchmark of the synthetic generator: time, peak memory and the calibration table of the default dataset.

Target: the default dataset (scale 0.02, 36 months) in ≤ 60 s and ≤ 4 GB on 2 cores. The generation runs in a
fresh Python process so its peak resident memory (ru_maxrss, the whole process) is its own; `--tracemalloc`
adds the peak of traced Python allocations (it slows the run, so the time is measured without it by default).

    .venv/bin/python bench/bench_generate.py                 # the default dataset
    .venv/bin/python bench/bench_generate.py --scale 0.002   # a quick run
    .venv/bin/python bench/bench_generate.py --tracemalloc   # with traced Python allocations
"""
import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time, tracemalloc
scale, seed, months = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
import emploi_lab.synth as synth
t_import = time.perf_counter() - t0
trace = sys.argv[4] == "1"
if trace: tracemalloc.start()
t1 = time.perf_counter()
ds = synth.generate(scale=scale, seed=seed, months=months)
seconds = time.perf_counter() - t1
traced_peak = tracemalloc.get_traced_memory()[1] if trace else None
tracemalloc.stop()
t2 = time.perf_counter()
table = synth.calibration_table(ds)
print(json.dumps({"scale": scale, "seed": seed, "months": months, "import_s": round(t_import, 2),
                  "generate_s": round(seconds, 2), "calibration_table_s": round(time.perf_counter() - t2, 2),
                  "tracemalloc_peak_mb": None if traced_peak is None else round(traced_peak/2**20),
                  "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024),
                  "rows": {k: len(v) for k, v in ds.tables.items()}, "seekers": int(ds.tables["spells"].seeker_id.nunique()),
                  "calibration_ok": bool(table.ok.all()), "table": table.astype({"target": str, "generated": str}).to_dict(orient="records")}))
"""


def _short(text: str) -> str:
    "A number printed with 4 significant digits; anything else as it is."
    try: return f"{float(text):.4g}"
    except ValueError: return text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.02, help="dataset scale (default 0.02, the default dataset)")
    p.add_argument("--seed", type=int, default=None, help="generator seed (default: synth.DEFAULT_SEED, that of the default dataset)")
    p.add_argument("--months", type=int, default=36, help="months of spells")
    p.add_argument("--max-seconds", type=float, default=60.0, help="time target")
    p.add_argument("--max-gb", type=float, default=4.0, help="peak memory target")
    p.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slows the run)")
    a = p.parse_args(argv)
    if a.seed is None:
        from emploi_lab.synth import DEFAULT_SEED
        a.seed = DEFAULT_SEED
    out = subprocess.run([sys.executable, "-c", CHILD, str(a.scale), str(a.seed), str(a.months),
                          "1" if a.tracemalloc else "0"],
                         capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    ok = r["generate_s"] <= a.max_seconds and r["max_rss_mb"] <= a.max_gb*1024
    print(f"synthetic data, scale {r['scale']}, seed {r['seed']}, {r['months']} months")
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()) + f"; {r['seekers']:,} distinct seekers")
    print(f"  generate: {r['generate_s']:.1f} s (import {r['import_s']:.1f} s, calibration table {r['calibration_table_s']:.1f} s)")
    traced = "" if r["tracemalloc_peak_mb"] is None else f", {r['tracemalloc_peak_mb']:,} MB traced (tracemalloc)"
    print(f"  peak memory: {r['max_rss_mb']:,} MB resident (ru_maxrss){traced}")
    print("  calibration table (generated against target):")
    for row in r["table"]:
        shown = [_short(row["generated"]), _short(row["target"])]
        print(f"    {'ok ' if row['ok'] else 'NOT'} {row['quantity']}: {shown[0]} (target {shown[1]}, {row['tolerance']})")
    print(f"  calibration table all ok: {r['calibration_ok']}")
    print(f"  target ≤ {a.max_seconds:.0f} s and ≤ {a.max_gb:.0f} GB: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

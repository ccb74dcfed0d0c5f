"""Benchmark of the main job (issues 7 and 18): `make run` cold and warm, per-stage timings and peak memory,
the kernel floor (a trivial notebook through the same machinery) and each report's cost against it, the
run-to-run spread of the warm re-render, the Dask path on a local cluster against `--workers`, and the naive
path (papermill CLI per territory, sequential, figures recomputed inside each notebook).

Targets on 2 cores (issue 18): warm re-render of all 106 reports ≤ 120 s, a report ≤ 2 × the floor, cold
≤ 240 s with data generation and training; ≤ 2 GB per worker.

    .venv/bin/python bench/bench_run.py                          # everything on all territories (≈ 20 min)
    .venv/bin/python bench/bench_run.py --territories 75,13,2A   # a quick run
    .venv/bin/python bench/bench_run.py --keep-data --repeat 1 --dask 0 --naive ''

Each stage runs in a fresh Python process so that its peak memory is its own: `ru_maxrss` of the process
(the driver) and the largest resident size psutil sees of a report kernel (what one worker needs).
Results go to bench/results/run.json (ignored by git).
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

# Peak memory of the report kernels is sampled with psutil: Linux carries a process's maxrss across fork + exec,
# so RUSAGE_CHILDREN would report the driver's own peak for every kernel it starts.
WATCH = r"""
import threading, time, psutil
peak = {"kernel_mb": 0.0}
def _watch(stop):
    me = psutil.Process()
    while not stop.is_set():
        for c in me.children(recursive=True):
            try:
                # a kernel is `python -m ipykernel_launcher ...`; a child caught between fork and exec still shows its
                # parent's command line and memory, and must not count
                if c.cmdline()[1:3] == ["-m", "ipykernel_launcher"]: peak["kernel_mb"] = max(peak["kernel_mb"], c.memory_info().rss / 2**20)
            except psutil.Error: pass
        stop.wait(0.2)
stop = threading.Event(); threading.Thread(target=_watch, args=(stop,), daemon=True).start()
"""

RUN = WATCH + r"""
import json, resource, statistics, sys, time
t0 = time.perf_counter()
from emploi_lab.batch import run_reports
extras = sys.argv[4] == "1"  # national and fairness reports too
res = run_reports(None, territories=sys.argv[1], out=sys.argv[2], workers=int(sys.argv[3]), progress=False, national=extras, fairness=extras)
stop.set()
terr = [r["seconds"] for r in res.records if r.get("report") == "territory" and r.get("seconds") is not None]
print(json.dumps({"seconds": round(time.perf_counter() - t0, 1), "timings_s": res.timings, "failed": res.failed,
                  "reports": len(res.records), "territory_report_median_s": round(statistics.median(terr), 2) if terr else None,
                  "driver_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "largest_kernel_max_rss_mb": round(peak["kernel_mb"])}))
"""

NAIVE = WATCH + r"""
import json, resource, subprocess, sys, tempfile, time
from pathlib import Path
from emploi_lab.pipeline import ensure_data
from emploi_lab.batch import reports_dir
from emploi_lab.render import render_notebook
data, out, codes = str(ensure_data(None)), Path(sys.argv[1]), sys.argv[2].split(",")
src = json.loads((reports_dir()/"territory.ipynb").read_text())
# the naive notebook computes the national figures itself (no shared cache)
src["cells"].insert(2, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "id": "naive",
    "source": "import tempfile\nfrom emploi_lab.artifacts import build_artifacts\nartifacts_dir = str(build_artifacts(data_dir, tempfile.mkdtemp(), force=True))"})
nb = out/"naive_territory.ipynb"; out.mkdir(parents=True, exist_ok=True); nb.write_text(json.dumps(src))
t0, per = time.perf_counter(), {}
for c in codes:
    t = time.perf_counter(); d = out/c; d.mkdir(exist_ok=True)
    # the papermill CLI guesses types: -p territory 01 would become the integer 1, hence -y
    subprocess.run([str(Path(sys.executable).parent/"papermill"), str(nb), str(d/"territory.ipynb"), "-k", "python3", "--cwd", str(d),
                    "-y", json.dumps({"territory": c, "data_dir": data, "artifacts_dir": ""})], check=True, capture_output=True)
    render_notebook(d/"territory.ipynb", d, stem=c, formats=("pdf", "html"), renderer="builtin")
    per[c] = round(time.perf_counter() - t, 1)
stop.set()
print(json.dumps({"seconds": round(time.perf_counter() - t0, 1), "per_territory_s": per,
                  "largest_kernel_max_rss_mb": round(peak["kernel_mb"])}))
"""


# The floor: a notebook of two trivial cells run through the same machinery (`execute_report` + `render_notebook`),
# on a fresh kernel per run (as the Dask path does) and on one warm kernel (as a local worker does).
FLOOR = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
from emploi_lab.batch import WarmKernel, execute_report
from emploi_lab.render import render_notebook
d = Path(tempfile.mkdtemp()); src = d/"trivial.ipynb"
src.write_text(json.dumps({"cells": [
    {"cell_type": "code", "execution_count": None, "id": "p", "metadata": {"tags": ["parameters"]}, "outputs": [], "source": "x = 1"},
    {"cell_type": "code", "execution_count": None, "id": "q", "metadata": {}, "outputs": [], "source": "print(x + 1)"}],
    "metadata": {"kernelspec": {"display_name": "emploi-lab", "language": "python", "name": "emploi-lab"}}, "nbformat": 4, "nbformat_minor": 5}))
def once(kernel):
    t = time.perf_counter()
    execute_report(src, d/"out.ipynb", {"x": 2}, cwd=d, kernel=kernel)
    render_notebook(d/"out.ipynb", d, stem="out", formats=("pdf", "html"), renderer="builtin")
    return time.perf_counter() - t
once(None)  # the first run pays the interpreter's own imports
fresh = [once(None) for _ in range(5)]
k = WarmKernel(); once(k); warm = [once(k) for _ in range(5)]; k.replace()
print(json.dumps({"fresh_kernel_s": round(statistics.median(fresh), 3), "warm_kernel_s": round(statistics.median(warm), 3)}))
"""

# The Dask path on a local cluster of 2 worker processes × 1 thread against `--workers 2`, same territories, the
# figures cached by the cold run; a script file, not `-c`: the cluster's worker processes re-import it
DASK = r"""
import json, sys, time
def main():
    from distributed import LocalCluster
    from emploi_lab.batch import run_reports
    codes, out = sys.argv[1], sys.argv[2]
    t = time.perf_counter()
    local = run_reports(None, territories=codes, out=out + "/local", workers=2, progress=False, national=False, fairness=False)
    t_local = time.perf_counter() - t
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        t = time.perf_counter()
        dask = run_reports(None, territories=codes, out=out + "/dask", scheduler=cluster.scheduler_address, progress=False,
                           national=False, fairness=False)
        t_dask = time.perf_counter() - t
    print(json.dumps({"reports": len(local.records), "local_workers_2_s": round(t_local, 1), "dask_2x1_s": round(t_dask, 1),
                      "ratio_dask_to_local": round(t_dask / t_local, 2), "failed": local.failed + dask.failed}))
if __name__ == "__main__": main()
"""


def child(code: str, *args) -> dict:
    r = subprocess.run([PY, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    if r.returncode: sys.exit(f"benchmark stage failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--territories", default="all", help="'all' or comma-separated codes")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--naive", default="75,13,2A", help="territories for the naive path ('' to skip)")
    p.add_argument("--keep-data", action="store_true", help="keep data/default (cold = figures + reports)")
    p.add_argument("--repeat", type=int, default=3, help="warm re-renders into new folders (their spread is printed)")
    p.add_argument("--dask", type=int, default=12, help="territories for the Dask-vs-local comparison (0 to skip)")
    a = p.parse_args(argv)
    build = ROOT/"reports"/"_build"
    out = Path(tempfile.mkdtemp(prefix="bench-run-"))
    if not a.keep_data: shutil.rmtree(ROOT/"data"/"default", ignore_errors=True)
    shutil.rmtree(build/"cache", ignore_errors=True)
    print("cold run ...", flush=True)
    cold = child(RUN, a.territories, out/"cold", a.workers, 1)
    print(json.dumps(cold, indent=1), flush=True)
    print("kernel floor ...", flush=True)
    floor = child(FLOOR)
    print(json.dumps(floor), flush=True)
    warms = []
    for i in range(max(1, a.repeat)):
        print(f"warm run {i + 1}/{a.repeat} (every report re-rendered into a new folder) ...", flush=True)
        warms.append(child(RUN, a.territories, out/("warm" if i == 0 else f"warm{i}"), a.workers, 1))
        print(json.dumps(warms[-1], indent=1), flush=True)
    warm = warms[0]
    spread = [w["seconds"] for w in warms]
    # a report's cost: the reports stage × workers / reports (each worker busy the whole stage)
    per_report = round(warm["timings_s"]["reports"] * a.workers / warm["reports"], 2)
    ratio = {k: round(per_report / floor[k], 1) for k in ("fresh_kernel_s", "warm_kernel_s")}
    # one territory report on its own (the median of its worker's wall time): the run's average above also carries
    # the audits, the national report and each worker's kernel start-up
    per_territory = warm["territory_report_median_s"]
    ratio_territory = {k: round(per_territory / floor[k], 2) for k in ("fresh_kernel_s", "warm_kernel_s")}
    print("warm run in the same folder (unchanged reports kept) ...", flush=True)
    again = child(RUN, a.territories, out/"cold", a.workers, 1)
    print(json.dumps(again, indent=1), flush=True)
    same = _same_tables(out/"cold", out/"warm")
    res = {"territories": a.territories, "workers": a.workers, "cold": cold, "warm": warm, "warm_same_folder": again,
           "identical_tables": same, "floor": floor, "per_report_s": per_report, "per_report_over_floor": ratio,
           "territory_report_median_s": per_territory, "territory_report_over_floor": ratio_territory,
           "warm_runs_s": spread}
    if a.dask:
        import random
        from emploi_lab.referentials import territory_codes
        codes = ",".join(random.Random(0).sample(territory_codes(), a.dask))
        print(f"Dask local cluster (2 × 1 thread) vs --workers 2 on {a.dask} territories ...", flush=True)
        script = out/"bench_dask.py"; script.write_text(DASK)
        r = subprocess.run([PY, str(script), codes, str(out/"dask")], capture_output=True, text=True, cwd=ROOT)
        if r.returncode: sys.exit(f"benchmark stage failed:\n{r.stderr[-3000:]}")
        res["dask"] = json.loads(r.stdout.strip().splitlines()[-1])
        print(json.dumps(res["dask"]), flush=True)
    if a.naive:
        print(f"naive path on {a.naive} ...", flush=True)
        # side by side, same territories, same moment: the fast path with its figures computed once (cache cleared)
        shutil.rmtree(build/"cache", ignore_errors=True)
        fast = child(RUN, a.naive, out/"fast_same", a.workers, 0)
        naive = child(NAIVE, out/"naive", a.naive)
        n = len(naive["per_territory_s"])
        res["side_by_side"] = {"territories": a.naive, "naive_s": naive["seconds"], "fast_s": fast["seconds"],
                               "ratio": round(naive["seconds"]/fast["seconds"], 1), "naive": naive, "fast": fast}
        # at 101 territories the naive path pays its per-territory time 101 times; ours amortises data and figures
        per_naive = naive["seconds"]/n
        res["extrapolated_101"] = {"naive_s": round(101*per_naive), "fast_cold_s": cold["seconds"] if a.territories == "all" else None}
        print(f"side by side on {a.naive}: naive {naive['seconds']} s, fast {fast['seconds']} s, ratio {naive['seconds']/fast['seconds']:.1f}x; "
              f"naive at 101 territories ≈ {101*per_naive:.0f} s" + (f" vs fast cold {cold['seconds']} s, ratio "
              f"{101*per_naive/cold['seconds']:.1f}x" if a.territories == "all" else ""))
    (ROOT/"bench"/"results").mkdir(parents=True, exist_ok=True)
    (ROOT/"bench"/"results"/"run.json").write_text(json.dumps(res, indent=1))
    stages = " · ".join(f"{k} {v} s" for k, v in cold["timings_s"].items())
    print(f"cold {cold['seconds']} s (target 240: {stages}); warm {warm['seconds']} s re-rendering all {warm['reports']} reports "
          f"(target 120; {len(spread)} runs: {', '.join(map(str, spread))} s, spread {max(spread) - min(spread):.1f} s); "
          f"{again['seconds']} s in the same folder (unchanged reports kept)")
    print(f"a report {per_report} s of a worker; floor (trivial notebook, same machinery) {floor['fresh_kernel_s']} s on a fresh "
          f"kernel, {floor['warm_kernel_s']} s on a warm one: ratio {ratio['fresh_kernel_s']} and {ratio['warm_kernel_s']} (target 2); "
          f"a territory report alone (median) {per_territory} s: ratio {ratio_territory['fresh_kernel_s']} and {ratio_territory['warm_kernel_s']}")
    print(f"largest process {max(cold['largest_kernel_max_rss_mb'], warm['largest_kernel_max_rss_mb'])} MB (target 2048), "
          f"identical tables: {same}; outputs in {out}")


def _same_tables(a: Path, b: Path) -> bool:
    "Whether the tables (Markdown outputs) of every executed notebook are the same in two runs."
    import nbformat
    def tables(run):
        return {str(p.relative_to(run)): [o["data"]["text/markdown"] for c in nbformat.read(p, 4).cells if c.cell_type == "code"
                                          for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
                for p in sorted(run.rglob("*.ipynb"))}
    ta, tb = tables(a), tables(b)
    return bool(ta) and ta == tb


if __name__ == "__main__":
    main()

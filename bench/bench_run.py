"""Benchmark of the main job (issue 7, item 8): `make run` cold and warm, per-stage timings and peak memory,
against the naive path (papermill CLI per territory, sequential, figures recomputed inside each notebook).

Targets on 2 cores: 101 territory PDFs + HTML, national and fairness reports in ≤ 10 min cold (data
generation and training included), ≤ 5 min warm (cached), ≤ 2 GB per worker.

    .venv/bin/python bench/bench_run.py                          # cold + warm on all territories, naive on 3
    .venv/bin/python bench/bench_run.py --territories 75,13,2A   # a quick run
    .venv/bin/python bench/bench_run.py --keep-data              # cold = figures and reports only (data kept)

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
import json, resource, sys, time
t0 = time.perf_counter()
from emploi_lab.batch import run_reports
extras = sys.argv[4] == "1"  # national and fairness reports too
res = run_reports(None, territories=sys.argv[1], out=sys.argv[2], workers=int(sys.argv[3]), progress=False, national=extras, fairness=extras)
stop.set()
print(json.dumps({"seconds": round(time.perf_counter() - t0, 1), "timings_s": res.timings, "failed": res.failed,
                  "reports": len(res.records), "driver_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
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
    a = p.parse_args(argv)
    build = ROOT/"reports"/"_build"
    out = Path(tempfile.mkdtemp(prefix="bench-run-"))
    if not a.keep_data: shutil.rmtree(ROOT/"data"/"default", ignore_errors=True)
    shutil.rmtree(build/"cache", ignore_errors=True)
    print("cold run ...", flush=True)
    cold = child(RUN, a.territories, out/"cold", a.workers, 1)
    print(json.dumps(cold, indent=1), flush=True)
    print("warm run ...", flush=True)
    warm = child(RUN, a.territories, out/"warm", a.workers, 1)
    print(json.dumps(warm, indent=1), flush=True)
    print("warm run in the same folder (unchanged reports kept) ...", flush=True)
    again = child(RUN, a.territories, out/"cold", a.workers, 1)
    print(json.dumps(again, indent=1), flush=True)
    same = _same_tables(out/"cold", out/"warm")
    res = {"territories": a.territories, "workers": a.workers, "cold": cold, "warm": warm, "warm_same_folder": again,
           "identical_tables": same}
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
    print(f"cold {cold['seconds']} s (target 600), warm {warm['seconds']} s re-rendering everything, "
          f"{again['seconds']} s in the same folder (target 300), largest process "
          f"{max(cold['largest_kernel_max_rss_mb'], warm['largest_kernel_max_rss_mb'])} MB (target 2048), "
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

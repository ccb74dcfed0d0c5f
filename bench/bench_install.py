"""Fresh-install benchmark (issue 18, target 4): `make install` on a clean clone, then the first report.

Clones this repository (`git clone` of its folder: the committed HEAD, nothing uncommitted) into a temporary
folder, times `make install` there (a fresh .venv, wheels only: the Makefile's pip refuses source builds), then
times `.venv/bin/emploi-lab run --territories 75` from its start to the first report file (a territory's or the
national .html/.pdf), and lets the run finish (its time is printed too) unless `--stop-at-first-report`.
The clone has no data/default: the run generates the embedded synthetic data set first, as a new user's would.
Nothing reads ../shared (only the notebooks' prose cites ../shared/CALIBRATION.md), so no link is made.

pip's cache is whatever the machine has (usually warm: the figures are then install time without downloads);
`--no-cache` sets PIP_NO_CACHE_DIR=1 for a cold install. Whether any dependency was built from source is read from
pip's output ("Building wheel for X", "setup.py"): the Makefile installs quietly, so PIP_VERBOSE=1 is set to bring
pip back to its normal level (verbosity = verbose − quiet). The project's own editable build is not a dependency's.

    .venv/bin/python bench/bench_install.py                  # about 3 minutes on 2 cores, warm cache
    .venv/bin/python bench/bench_install.py --no-cache --stop-at-first-report
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = re.compile(r"(territories/(?P<code>[^/]+)/(?P=code)|national/national)\.(html|pdf)$")


def first_report(out: Path):
    "Path of the first report file under a run's output folder, or None."
    if not out.exists(): return None
    return next((p for p in out.rglob("*") if p.is_file() and REPORT.search(p.relative_to(out).as_posix())), None)


def source_builds(log: str) -> list:
    "Distributions pip built from source (other than the project's own editable wheel), from its output."
    names = set(re.findall(r"Building wheel for ([\w.\-]+)", log)) | set(re.findall(r"Running setup\.py (?:install|develop) for ([\w.\-]+)", log))
    return sorted(n for n in names if n.replace("_", "-").lower() != "emploi-lab")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", default=str(ROOT), help="repository folder to clone (default: this one)")
    ap.add_argument("--territories", default="75", help="territories of the timed run")
    ap.add_argument("--no-cache", action="store_true", help="PIP_NO_CACHE_DIR=1: download every wheel again")
    ap.add_argument("--stop-at-first-report", action="store_true", help="stop the run once its first report exists")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed to each of install and run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary clone (about 1.5 GB with its .venv)")
    ap.add_argument("--json", default=str(ROOT/"bench"/"results"/"install.json"), help="figures written here too")
    a = ap.parse_args()
    env = {**os.environ, "PIP_VERBOSE": "1"}
    cache_note = f"PIP_NO_CACHE_DIR={os.environ.get('PIP_NO_CACHE_DIR', '(unset)')} in the environment"
    if a.no_cache: env["PIP_NO_CACHE_DIR"] = "1"; cache_note += "; --no-cache: set to 1 (cold cache)"
    elif "PIP_NO_CACHE_DIR" not in os.environ: cache_note += "; pip's cache used (warm if this machine installed before)"
    tmp = Path(tempfile.mkdtemp(prefix="emploi-lab-install-"))
    clone, res = tmp/"emploi-lab", {}
    try:
        subprocess.run(["git", "clone", "-q", a.repo, str(clone)], check=True)
        res["commit"] = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        print(f"clone of {a.repo} at {res['commit']} in {clone}; {cache_note}", flush=True)
        t0 = time.perf_counter()
        inst = subprocess.run(["make", "install"], cwd=clone, env=env, capture_output=True, text=True, timeout=a.timeout)
        res["install_s"] = time.perf_counter() - t0
        log = inst.stdout + inst.stderr
        (tmp/"install.log").write_text(log)
        res["source_builds"] = source_builds(log)
        res["project_built_editable"] = bool(re.search(r"Building (?:wheel|editable) for emploi[-_]lab", log))
        if inst.returncode:
            print(log[-3000:]); print(f"make install failed (exit {inst.returncode}) after {res['install_s']:.1f} s"); return 1
        print(f"make install: {res['install_s']:.1f} s", flush=True)
        out = clone/"reports"/"_build"/"run"
        cmd = [str(clone/".venv"/"bin"/"emploi-lab"), "run", "--territories", a.territories, "--no-progress"]
        t0 = time.perf_counter()
        with open(tmp/"run.log", "w") as runlog:
            run = subprocess.Popen(cmd, cwd=clone, stdout=runlog, stderr=subprocess.STDOUT, start_new_session=True)
            while run.poll() is None and "first_report_s" not in res and time.perf_counter() - t0 < a.timeout:
                if (f := first_report(out)): res["first_report_s"], res["first_report"] = time.perf_counter() - t0, str(f.relative_to(out))
                else: time.sleep(0.2)
            if "first_report_s" in res: print(f"first report {res['first_report']}: {res['first_report_s']:.1f} s after the run's start", flush=True)
            if a.stop_at_first_report and run.poll() is None: os.killpg(run.pid, 15)
            try: rc = run.wait(timeout=max(1.0, a.timeout - (time.perf_counter() - t0)))
            except subprocess.TimeoutExpired: os.killpg(run.pid, 9); rc = run.wait()
        res["run_s"], res["run_exit"] = time.perf_counter() - t0, rc
        if "first_report_s" not in res and (f := first_report(out)):  # written in the last poll interval
            res["first_report_s"], res["first_report"] = res["run_s"], str(f.relative_to(out))
        if "first_report_s" not in res:
            print((tmp/"run.log").read_text()[-3000:]); print(f"no report after {res['run_s']:.1f} s (exit {rc})"); return 1
        res["total_to_first_report_s"] = res["install_s"] + res["first_report_s"]
        res.update(no_cache=a.no_cache, pip_no_cache_dir_env=os.environ.get("PIP_NO_CACHE_DIR"), territories=a.territories)
        print(f"| install s | first report s | install + first report s | whole run s (exit) | source builds |\n|---|---|---|---|---|\n"
              f"| {res['install_s']:.1f} | {res['first_report_s']:.1f} | {res['total_to_first_report_s']:.1f} | "
              f"{res['run_s']:.1f} ({rc}{', stopped at the first report' if a.stop_at_first_report else ''}) | "
              f"{', '.join(res['source_builds']) or 'none'} |")
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(res, indent=1))
        return 0
    finally:
        if a.keep: print(f"kept {tmp} (install.log, run.log)")
        else: shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

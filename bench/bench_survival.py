"""Benchmark of the survival models (issue 4, item 7).

Cox (Efron) fits at 100k and 1M spells x 30 features, emploi-lab's Newton solver side by side with lifelines'
`CoxPHFitter` on the same data (coefficients compared, relative); prediction for 1M rows; the non-linear models
(xgboost `survival:cox`, scikit-survival's random survival forest) at 10k and 50k rows.

Each case runs in a fresh Python process so its peak resident memory (ru_maxrss, data included) is its own.
Data: a simulated Cox world, times in whole days (so tied event times, where Efron's correction matters).

    .venv/bin/python bench/bench_survival.py                 # everything (several minutes on 2 cores)
    .venv/bin/python bench/bench_survival.py --sizes 100000  # a quick run
    .venv/bin/python bench/bench_survival.py --skip-lifelines --skip-nonlinear
"""
import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

P = 30  # features


def make_data(n, p=P, seed=0):
    "Features, times (days) and events of a simulated Cox world; the same arrays for every method."
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    beta = rng.normal(scale=0.15, size=p)
    t = np.ceil(rng.exponential(180 / np.exp(X @ beta)))
    c = np.ceil(rng.uniform(30, 730, size=n))
    return X, np.minimum(t, c), (t <= c)


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(case, n):
    "Run one case in this process and print a JSON line."
    X, T, E = make_data(n)
    base = peak_mb()
    out = {"case": case, "n": n}
    # delayed entry: each spell observed from a day drawn before its end (left truncation, as registrations
    # that began before the study window)
    L = np.floor(np.random.default_rng(1).uniform(0, 0.5, size=n) * T) if case.endswith("_entry") else None
    if case in ("ours_efron", "ours_breslow", "ours_predict", "ours_efron_entry"):
        import pandas as pd

        from emploi_lab.survival import CoxPHModel, survival_target
        cols = [f"x{i}" for i in range(P)]
        Xd = pd.DataFrame(X, columns=cols, copy=False)
        y = survival_target(E, T) if L is None else survival_target(E, T, entry=L)
        t0 = time.perf_counter()
        m = CoxPHModel(ties="breslow" if case == "ours_breslow" else "efron").fit(Xd, y)
        out.update(seconds=time.perf_counter() - t0, coef=m.coef_.tolist(), iterations=m.n_iter_)
        if case == "ours_predict":
            t0 = time.perf_counter()
            m.predict(Xd); m.predict_median_time(Xd); m.predict_employment_probability(Xd, (91, 183, 365))
            out.update(seconds=time.perf_counter() - t0, what="risk + median + P(91, 183, 365) for all rows")
    elif case in ("lifelines", "lifelines_entry"):
        import pandas as pd
        from lifelines import CoxPHFitter
        df = pd.DataFrame(X, columns=[f"x{i}" for i in range(P)]); df["T"], df["E"] = T, E
        if L is not None: df["L"] = L
        del X
        t0 = time.perf_counter()
        f = CoxPHFitter().fit(df, "T", "E", entry_col=None if L is None else "L")
        out.update(seconds=time.perf_counter() - t0, coef=f.params_.tolist())
    elif case in ("xgboost", "rsf"):
        import pandas as pd
        from lifelines.utils import concordance_index

        from emploi_lab.survival import make_estimator, survival_target
        cut = int(0.8 * n)
        Xd, y = pd.DataFrame(X, columns=[f"x{i}" for i in range(P)]), survival_target(E, T)
        t0 = time.perf_counter()
        m = make_estimator(case).fit(Xd.iloc[:cut], y[:cut])
        out.update(seconds=time.perf_counter() - t0)
        out["c_index"] = concordance_index(T[cut:], -m.predict(Xd.iloc[cut:]), E[cut:])
    out.update(peak_mb=peak_mb(), data_mb=base)
    print(json.dumps(out))


def run(case, n):
    r = subprocess.run([sys.executable, __file__, "--child", case, str(n)], capture_output=True, text=True)
    if r.returncode: raise RuntimeError(r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000", help="Cox sizes (rows)")
    ap.add_argument("--nonlinear-sizes", default="10000,50000", help="sizes for the non-linear models")
    ap.add_argument("--skip-lifelines", action="store_true")
    ap.add_argument("--skip-nonlinear", action="store_true")
    ap.add_argument("--skip-rsf-above", type=int, default=50000, help="skip the forest above this many rows")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return child(a.child[0], int(a.child[1]))
    print("| case | rows | fit/predict s | peak RSS MB (data MB) | notes |\n|---|---|---|---|---|")
    row = lambda label, n, r, notes="": print(f"| {label} | {n:,} | {r['seconds']:.2f} | {r['peak_mb']:.0f} ({r['data_mb']:.0f}) | {notes} |", flush=True)
    for n in map(int, a.sizes.split(",")):
        for suffix, label in (("", ""), ("_entry", ", delayed entry")):
            ours = run("ours_efron" + suffix, n)
            row(f"emploi-lab Cox Efron{label}", n, ours, f"{ours['iterations']} Newton steps")
            if not suffix: row("emploi-lab Cox Breslow", n, run("ours_breslow", n))
            if a.skip_lifelines: continue
            ll = run("lifelines" + suffix, n)
            diff = np.abs(np.array(ours["coef"]) - ll["coef"])
            row(f"lifelines CoxPHFitter Efron{label}", n, ll, f"coefficients vs emploi-lab: max absolute difference {diff.max():.1e}, "
                f"max relative {np.max(diff / np.abs(ll['coef'])):.1e}; speed-up x{ll['seconds'] / ours['seconds']:.1f}")
        pr = run("ours_predict", n)
        print(f"| emploi-lab Cox predict | {n:,} | {pr['seconds']:.2f} | {pr['peak_mb']:.0f} ({pr['data_mb']:.0f}) | {pr['what']} |", flush=True)
    if not a.skip_nonlinear:
        for n in map(int, a.nonlinear_sizes.split(",")):
            for case in ("xgboost", "rsf"):
                if case == "rsf" and n > a.skip_rsf_above: continue
                r = run(case, n)
                print(f"| {case} ({'xgboost survival:cox, depth and rounds by early stopping' if case == 'xgboost' else 'sksurv forest, 100 trees'}) | {n:,} (80 % train) | {r['seconds']:.2f} | {r['peak_mb']:.0f} ({r['data_mb']:.0f}) | held-out C {r['c_index']:.3f} |", flush=True)


if __name__ == "__main__":
    main()

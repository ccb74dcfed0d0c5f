"""Benchmark of the fairness audit: 5 metrics × 3 sensitive features (and their 18-group intersection) × 1M rows
× 1,000 bootstrap resamples (target ≤ 30 s on 2 cores), with fairlearn's plain MetricFrame (no bootstrap) on the
same data, side by side. Each measurement runs in a fresh process, so peak memory (max RSS) is its own.

    python bench/bench_fairness.py [--rows 1000000] [--n-boot 1000] [--skip-fairlearn] [--json out.json]
"""
import argparse
import json
import multiprocessing as mp
import platform
import resource
import sys
import time

import numpy as np
import pandas as pd

METRICS5 = ("selection_rate", "tpr", "fpr", "fnr", "accuracy")
FEATURES = ["sex", "age_band", "nationality_group"]


def make_data(rows: int, seed: int = 0) -> pd.DataFrame:
    "Rows with 3 sensitive features (2 × 3 × 3 = 18 intersectional groups), a label and a biased decision."
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"sex": rng.choice(np.array(["F", "M"], dtype=object), rows),
                       "age_band": rng.choice(np.array(["<25", "25-49", "50+"], dtype=object), rows, p=[0.15, 0.58, 0.27]),
                       "nationality_group": rng.choice(np.array(["french", "eu", "non_eu"], dtype=object), rows, p=[0.85, 0.04, 0.11])})
    score = 1 / (1 + np.exp(-rng.normal(size=rows)))
    df["label"] = (rng.random(rows) < score).astype(np.int64)
    df["decision"] = (score - 0.1 * (df.nationality_group == "non_eu") > 0.5).astype(np.int64)
    return df


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _run(kind, rows, n_boot, queue):
    from fairlearn.metrics import (
        MetricFrame,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    from emploi_lab.fairness import FairnessAudit
    df = make_data(rows)
    base = _rss_mb()  # after imports and data: the increase is the computation's own
    t0 = time.perf_counter()
    if kind == "emploi_lab":
        a = FairnessAudit(y_true=df.label, y_pred=df.decision, sensitive_features=df[FEATURES], metrics=METRICS5,
                          n_boot=n_boot, seed=0, intersections=[tuple(FEATURES)])  # the 18-group intersection, as fairlearn's
        info = dict(views=len(a.views), groups=int((a.table.feature != "overall").sum() // len(METRICS5)),
                    intersection_groups=int(a.table.feature.eq(" & ".join(FEATURES)).sum() // len(METRICS5)),
                    metrics=list(a.settings["metrics"]), disparities=len(a.disparities), flagged=int(a.flagged.shape[0]))
    else:
        mf = MetricFrame(metrics={"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
                                  "fnr": false_negative_rate, "accuracy": accuracy_score},
                         y_true=df.label, y_pred=df.decision, sensitive_features=df[FEATURES])
        info = dict(views=1, groups=len(mf.by_group), intersection_groups=len(mf.by_group), metrics=list(mf.by_group.columns),
                    bootstrap="none")
    seconds = time.perf_counter() - t0
    queue.put(dict(kind=kind, seconds=round(seconds, 2), peak_rss_mb=round(_rss_mb(), 1),
                   peak_over_data_mb=round(_rss_mb() - base, 1), **info))


def measure(kind, rows, n_boot) -> dict:
    "Run one measurement in a fresh process and return its figures."
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_run, args=(kind, rows, n_boot, q))
    p.start()
    out = q.get()
    p.join()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--target", type=float, default=30.0, help="seconds allowed for the bootstrapped audit")
    ap.add_argument("--skip-fairlearn", action="store_true")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args(argv)
    res = [measure("emploi_lab", a.rows, a.n_boot)]
    if not a.skip_fairlearn:
        res.append(measure("fairlearn", a.rows, a.n_boot))
    print(f"{a.rows:,} rows, 3 sensitive features, 5 metrics; python {platform.python_version()}, {mp.cpu_count()} cores")
    print("views: overall, each feature, their intersection (emploi_lab); the intersection only (fairlearn)")
    print(f"{'':44s} {'seconds':>8s} {'peak RSS MB':>12s} {'over data MB':>13s}")
    for r in res:
        label = (f"emploi_lab FairnessAudit, {a.n_boot} bootstrap, 5 views" if r["kind"] == "emploi_lab"
                 else "fairlearn MetricFrame, no bootstrap, 1 view")
        print(f"{label:44s} {r['seconds']:8.2f} {r['peak_rss_mb']:12.1f} {r['peak_over_data_mb']:13.1f}")
    print(json.dumps(res, indent=1))
    ok = res[0]["seconds"] <= a.target
    print(f"target ≤ {a.target:.0f} s for the bootstrapped audit: {'met' if ok else 'MISSED'}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": a.rows, "n_boot": a.n_boot, "results": res, "target_met": ok}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Acceptance figures of the survival models on the synthetic data (issue 4): temporal hold-out, oracle ratios,
calibration by decile, group metrics, and the gradient-boosted model's training time.

All results are on SYNTHETIC data. The event is a return to work; other exits are censored (cause-specific).

    .venv/bin/python bench/eval_survival.py              # default scale 0.02 (several minutes on 2 shared cores)
    .venv/bin/python bench/eval_survival.py --scale 0.005
"""
import argparse
import json
import time

import numpy as np
import pandas as pd

from emploi_lab import synth
from emploi_lab.survival import (
    PROTECTED_FEATURES,
    CoxPHModel,
    XGBSurvivalModel,
    evaluate_synthetic,
    fairness_groups,
    flag_metrics,
    group_metrics,
    ltu_labels,
)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--train-months", type=int, default=18)
    ap.add_argument("--json", help="write the figures to this file")
    a = ap.parse_args()
    pd.set_option("display.width", 160)
    t0 = time.perf_counter()
    ds = synth.generate(scale=a.scale, seed=a.seed)
    print(f"SYNTHETIC data, scale {a.scale}, seed {a.seed}: {len(ds.tables['spells']):,} spells, generated in {time.perf_counter() - t0:.0f} s")
    models = {"cox": CoxPHModel(), "gbsa": XGBSurvivalModel()}
    res = evaluate_synthetic(ds, models, a.train_months)
    d = res["split"]
    print(f"temporal hold-out: train {d['train'].sum():,} spells (entries in the first {a.train_months} months), test {d['test'].sum():,} (later entries)")
    print("event = return to work; training/other exits and open spells are censored (cause-specific)\n")
    print("fit seconds:", {k: round(v, 1) for k, v in res["fit_seconds"].items()}, f"(gbsa: {models['gbsa'].n_estimators_} rounds after early stopping)")
    print(res["table"].round(4).to_string(), "\n")
    for name, cal in res["calibration"].items():
        print(f"calibration of {name}: P(employed by 12 months), predicted vs Kaplan-Meier observed, by decile")
        print(cal.round(3).to_string(index=False), f"\nmax |difference| = {cal.difference_points.abs().max():.2f} points\n")
    yte, Xte = d["y"][d["test"]], d["X"][d["test"]]
    groups = fairness_groups(d["spells"][d["test"]])
    blind = XGBSurvivalModel().fit(d["X"][d["train"]].drop(columns=PROTECTED_FEATURES), d["y"][d["train"]])
    lab, known = ltu_labels(yte)
    for name, m, X in [("gbsa", models["gbsa"], Xte), ("gbsa without protected attributes", blind, Xte.drop(columns=PROTECTED_FEATURES))]:
        p12 = m.predict_employment_probability(X, (365,))["p_employed_365"].to_numpy()
        gm = group_metrics(yte, m.predict(X), p12, groups)
        print(f"group metrics, {name}: C-index and calibration at 12 months")
        print(gm.round(3).to_string(index=False), "\n")
        still = 1 - p12
        for policy, flag in [("P(still without work at 12 months) > 0.5", still > 0.5), ("top 20 % of that score", still >= np.quantile(still, 0.8))]:
            fm = flag_metrics(lab[known], flag[known].astype(int), groups[known])
            print(f"long-term-unemployment flag, {name}, policy {policy}:")
            print(fm.round(3).to_string(index=False), "\n")
    if a.json:
        out = {"scale": a.scale, "metrics": res["metrics"], "oracle": res["oracle"], "fit_seconds": res["fit_seconds"],
               "calibration_max_abs_points": {k: float(v.difference_points.abs().max()) for k, v in res["calibration"].items()}}
        with open(a.json, "w") as f: json.dump(out, f, indent=2)
    ok_c = all(res["table"].loc[k, "harrell_c_vs_oracle"] >= 0.97 for k in models)
    beats = res["metrics"]["gbsa"]["harrell_c"] > res["metrics"]["cox"]["harrell_c"]
    cal_ok = all(v.difference_points.abs().max() <= 5 for v in res["calibration"].values())
    print(f"ACCEPTANCE: C >= 0.97 x oracle: {ok_c}; gbsa beats cox: {beats}; calibration within 5 points: {cal_ok}; "
          f"gbsa fit {res['fit_seconds']['gbsa']:.1f} s (target <= 60 s)")


if __name__ == "__main__":
    main()

"""Acceptance figures of the survival models on the synthetic data (issue 13): temporal hold-out with features
known at the cut (and, for comparison, with the leak), model / oracle ratios, calibration by decile, xgboost against
Cox on the synthetic world and on the documented non-linear world of `survival_testing.simulate_nonlinear`.

All results are on SYNTHETIC data. The event is a return to work; training outcomes are censored at the cut.

    .venv/bin/python bench/eval_survival.py              # default scale 0.02 (several minutes on 2 shared cores)
    .venv/bin/python bench/eval_survival.py --scale 0.005
"""
import argparse
import json
import time

import numpy as np
import pandas as pd

from emploi_lab import synth
from emploi_lab.survival import CoxPHModel, XGBSurvivalModel, evaluation_times, survival_metrics
from emploi_lab.survival_eval import evaluate_synthetic, oracle_table
from emploi_lab.survival_testing import nonlinear_survival, simulate_nonlinear


def nonlinear_world(n, seed):
    "Cox vs xgboost (cox, aft) vs the truth on the documented non-linear simulation, held-out quarter."
    X, y, eta = simulate_nonlinear(n=n, seed=seed)
    cut = int(0.75 * n)
    tr, te = slice(0, cut), slice(cut, None)
    times = evaluation_times(y[tr], y[te], [30, 60, 120, 240, 365])
    res = {name: m.fit(X[tr], y[tr]) for name, m in [("cox", CoxPHModel()), ("xgboost", XGBSurvivalModel()), ("xgboost-aft", XGBSurvivalModel(objective="aft"))]}
    metrics = {k: survival_metrics(y[tr], y[te], m.predict(X[te]), m.predict_survival_function(X[te], times), times) for k, m in res.items()}
    oracle = survival_metrics(y[tr], y[te], eta[te], nonlinear_survival(X[te], times), times)
    return oracle_table(metrics, oracle)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--train-months", type=int, default=18)
    ap.add_argument("--nonlinear-n", type=int, default=20_000)
    ap.add_argument("--json", help="write the figures to this file")
    a = ap.parse_args()
    pd.set_option("display.width", 180)
    t0 = time.perf_counter()
    ds = synth.generate(scale=a.scale, seed=a.seed)
    print(f"SYNTHETIC data, scale {a.scale}, seed {a.seed}: {len(ds.tables['spells']):,} spells ({time.perf_counter() - t0:.0f} s)")
    models = {"cox": CoxPHModel(penalizer=1e-4), "xgboost": XGBSurvivalModel(), "xgboost-aft": XGBSurvivalModel(objective="aft")}
    t0 = time.perf_counter()
    res = evaluate_synthetic(ds, models, a.train_months)
    d = res["split"]
    print(f"cut {d['cut'].date()}: train {d['train'].sum():,} spells (outcomes censored at the cut), test {d['test'].sum():,} later entries "
          f"({time.perf_counter() - t0:.0f} s); xgboost depth {models['xgboost'].max_depth_}, {models['xgboost'].n_estimators_} rounds; "
          f"aft depth {models['xgboost-aft'].max_depth_}, {models['xgboost-aft'].n_estimators_} rounds\n")
    print("features known at the cut:")
    print(res["table"].round(4).to_string(), "\n")
    leak = evaluate_synthetic(ds, {"cox": CoxPHModel(penalizer=1e-4)}, a.train_months, known_at_cut=False)
    print("with the leak (tension from all offers, including those posted after the cut):")
    print(leak["table"].round(4).to_string(), "\n")
    for name, cal in [*res["calibration"].items(), ("cox with the leak", leak["calibration"]["cox"])]:
        print(f"calibration of {name}: P(employed by 12 months), predicted vs observed (1 - Kaplan-Meier), by decile")
        print(cal.round(3).to_string(index=False), f"\nmax |difference| = {cal.difference_points.abs().max():.2f} points\n")
    nl = nonlinear_world(a.nonlinear_n, 1)
    print(f"documented non-linear world (simulate_nonlinear, n = {a.nonlinear_n:,}, held-out quarter):")
    print(nl.round(4).to_string(), "\n")
    t = res["table"]
    ok_c = t.loc["cox", "harrell_c_vs_oracle"] >= 0.97
    beats = {k: (t.loc[k, "harrell_c"] > t.loc["cox", "harrell_c"], t.loc[k, "ibs"] < t.loc["cox", "ibs"]) for k in ("xgboost", "xgboost-aft")}
    beats_nl = {k: (nl.loc[k, "harrell_c"] > nl.loc["cox", "harrell_c"], nl.loc[k, "ibs"] < nl.loc["cox", "ibs"]) for k in ("xgboost", "xgboost-aft")}
    print(f"ACCEPTANCE: held-out C >= 0.97 x oracle without the leak (cox): {ok_c} ({t.loc['cox', 'harrell_c_vs_oracle']:.4f}); "
          f"xgboost beats cox on the synthetic world (C, IBS): {beats}; on the non-linear world: {beats_nl}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"table": t.to_dict(), "leak": leak["table"].to_dict(), "nonlinear": nl.to_dict()}, f, indent=1, default=float)


if __name__ == "__main__":
    main()

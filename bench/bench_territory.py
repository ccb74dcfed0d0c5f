"""Benchmark of the territory intelligence (issue 6).

Targets: forecasting every non-empty territory × ROME series of the default data (scale 0.02) ≤ 60 s; one
reconversion or mobility query ≤ 200 ms. Also prints the MASE ratio of the backtest and the reconversion flag's
precision and recall against the generator's truth. Usage: `python bench/bench_territory.py [--data DIR]`
(default: the embedded dataset). Results are also written to bench/results/territory.json.
"""
import argparse
import json
import os
import statistics
import tempfile
import time

from emploi_lab.config import project_root, write_text_atomic


def _ms(f, n):
    "Median wall time of `n` calls of `f`, in ms."
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="dataset folder (default: the embedded dataset)")
    ap.add_argument("--cache", help="cache folder (default: a fresh temporary folder, so nothing is reused)")
    a = ap.parse_args(argv)
    os.environ["EMPLOI_LAB_CACHE"] = a.cache or tempfile.mkdtemp(prefix="bench_territory_")
    from emploi_lab.mobility import load_context, suggest_mobility
    from emploi_lab.reconversion import evaluate_flag, load_advisor, make_profile, suggest_reconversion
    from emploi_lab.recruitment import (
        OfferForecaster,
        backtest,
        mase_summary,
        monthly_offers,
    )
    from emploi_lab.store import dataset_as_of, read_table, resolve_data_dir

    data = resolve_data_dir(a.data)
    res = {"data": str(data)}
    t0 = time.perf_counter()
    panel = monthly_offers(read_table("offers", data, ["territory", "rome_code", "posted_at"]), dataset_as_of(data))
    res["panel_s"], res["series"], res["months"] = round(time.perf_counter() - t0, 2), int(len(panel)), int(panel.shape[1])
    t_all = time.perf_counter() - t0
    for h in (3, 6):
        t0 = time.perf_counter()
        model = OfferForecaster(h).fit(panel)
        model.predict_mean(panel)
        res[f"forecast_h{h}_s"] = round(time.perf_counter() - t0, 2)
        t_all += time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = mase_summary(backtest(panel, h, n_origins=2))
        res[f"backtest_h{h}_s"] = round(time.perf_counter() - t0, 2)
        res[f"mase_h{h}"] = {k: round(float(summary.loc["overall", k]), 4) for k in ["learned", "seasonal_naive", "zero", "ratio"]}
    res["forecast_all_series_both_horizons_s"] = round(t_all, 2)

    t0 = time.perf_counter()
    ctx = load_context(data)
    res["mobility_context_s"] = round(time.perf_counter() - t0, 2)
    rome = ctx.seekers.loc["69"].idxmax()
    res["mobility_query_ms"] = round(_ms(lambda: suggest_mobility(ctx, "69", rome, children=1, radius_km=150), 50), 2)
    t0 = time.perf_counter()
    adv = load_advisor(data)
    res["reconversion_fit_s"] = round(time.perf_counter() - t0, 2)
    prof = make_profile("69", rome, adv.as_of_, age=52, education="cap_bep")
    res["reconversion_query_ms"] = round(_ms(lambda: suggest_reconversion(adv, prof), 20), 2)
    ev = evaluate_flag(data)
    res["reconversion_flag"] = {"operating_point": ev["operating_point"], **{k: round(v, 4) if isinstance(v, float) else v for k, v in ev["test"].items()},
                                "policy_thresholds": {k: round(v, 4) if isinstance(v, float) else v for k, v in ev["policy_thresholds"].items()}}
    res["targets_met"] = {"forecast_all_series_le_60s": res["forecast_all_series_both_horizons_s"] <= 60,
                          "query_le_200ms": max(res["mobility_query_ms"], res["reconversion_query_ms"]) <= 200,
                          "mase_ratio_lt_1": max(res["mase_h3"]["ratio"], res["mase_h6"]["ratio"]) < 1,
                          "flag_precision_ge_080_at_recall_ge_060": ev["test"]["precision"] >= 0.8 and ev["test"]["recall"] >= 0.6}
    print(json.dumps(res, indent=1))
    out = project_root()/"bench"/"results"/"territory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, json.dumps(res, indent=1))
    return 0 if all(res["targets_met"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

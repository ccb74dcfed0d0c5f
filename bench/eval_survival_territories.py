"""Acceptance figure of the published time-to-employment curves (issue 13): per-territory P(employed within 12 months)
published by `survival.territory_incidence` (Aalen–Johansen, competing exits, delayed entry) against the generator's
truth, on the default dataset.

The truth of a territory is the mean, over the spells registered in it during the observation window (an unbiased
sample of its entrants: the generator's hazards do not depend on the calendar), of the exact cumulative incidence of a
return to work by day 365 with the other exits competing (`synth.true_cumulative_incidence`). The naive estimate the
reports used before (Kaplan–Meier from registration, other exits censored, stock spells counted from registration) is
shown beside it.

    .venv/bin/python bench/eval_survival_territories.py            # default data (data/default), k = 11
    .venv/bin/python bench/eval_survival_territories.py --data DIR --k 11
"""
import argparse

import numpy as np
import pandas as pd

from emploi_lab.config import default_data_dir
from emploi_lab.pipeline import ensure_data
from emploi_lab.store import read_table, read_truth
from emploi_lab.survival import kaplan_meier, spells_target, step_at, territory_incidence
from emploi_lab.synth import true_cumulative_incidence


def naive_p12(sp, as_of):
    "1 − Kaplan–Meier at 365 days from registration, other exits censored, no delayed entry (the old published figure)."
    y = spells_target(sp, as_of)
    return 1 - float(step_at(kaplan_meier(y["time"], y["event"]), "survival", [365], 1.0)[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--k", type=int, default=11)
    a = ap.parse_args()
    data = a.data or (ensure_data() and default_data_dir())
    truth = read_truth(data)
    as_of, start = pd.Timestamp(truth["as_of"]), pd.Timestamp(truth["window_start"])
    curves, summary = territory_incidence(data, k=a.k)
    sp = read_table("spells", data)
    new = sp[sp.registered_at >= start]
    true12 = pd.Series(true_cumulative_incidence(new, truth, [365])[:, 0], index=new.index).groupby(new.territory).mean()
    true12["Total"] = float(true_cumulative_incidence(new, truth, [365])[:, 0].mean())
    s = summary.set_index("code")
    t = pd.DataFrame({"spells": s.spells, "published_p12": s.p365, "low": s.p365_low, "high": s.p365_high,
                      "truth_p12": true12.reindex(s.index)})
    t["error_points"] = 100 * (t.published_p12 - t.truth_p12)
    t["inside_interval"] = (t.low <= t.truth_p12) & (t.truth_p12 <= t.high)
    t.loc["Total", "naive_km_p12"] = naive_p12(sp, as_of)
    pd.set_option("display.width", 160); pd.set_option("display.max_rows", 200)
    print(f"SYNTHETIC data {data}: {len(sp):,} spells, {(sp.registered_at < start).mean():.1%} registered before the window ({start.date()})")
    print(t.round(4).to_string())
    terr = t.drop(index="Total")
    err = terr.error_points.abs()
    print(f"\nFrance: published {t.loc['Total', 'published_p12']:.4f} [{t.loc['Total', 'low']:.4f}, {t.loc['Total', 'high']:.4f}], "
          f"truth {t.loc['Total', 'truth_p12']:.4f}, old naive Kaplan-Meier {t.loc['Total', 'naive_km_p12']:.4f}")
    print(f"{len(terr)} territories: median |error| {err.median():.2f} points, worst {err.max():.2f} points ({err.idxmax()}), "
          f"truth inside the 95 % interval in {terr.inside_interval.mean():.0%}")
    print(f"ACCEPTANCE: median |error| <= 2 points: {err.median() <= 2}; worst <= 5 points: {err.max() <= 5}")


if __name__ == "__main__":
    main()

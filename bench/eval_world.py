"""Acceptance figures of the synthetic world and its three territory models, on the default dataset (issue 14).

Prints, from the functions the pipeline calls: the occupation targets (national top 20 by offers and by job seekers
beside the reference, domain shares, per-département rank correlation, the share of unpublished codes), the
top-10 offers of four départements, the recruitment intervals' coverage on held-out origins and the MASE per
domain and on small territories, the reconversion flag against the generator's truth with 20 suggestions for
five common occupations, and the mobility rankings for 0, 1 and 3 children over all territories.

    .venv/bin/python bench/eval_world.py                    # everything, default dataset
    .venv/bin/python bench/eval_world.py --part recruitment # one part: occupations, offers, recruitment, reconversion, suggestions, mobility
"""
import argparse

import numpy as np
import pandas as pd

from emploi_lab.referentials import load_occupations, load_rome_demand, load_territories
from emploi_lab.store import dataset_as_of, read_table, read_truth, resolve_data_dir

PARTS = ("occupations", "offers", "recruitment", "reconversion", "suggestions", "mobility")
pd.set_option("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60)


def _labels() -> pd.Series: return load_occupations().set_index("rome_code").label


def occupations(data_dir):
    "National top 20 beside the reference, domain shares, per-département rank correlation, unpublished codes."
    from emploi_lab.synth import SyntheticDataset, _occupation_rows, occupation_counts
    spells = read_table("spells", data_dir, ["territory", "rome_code", "exit_reason"])
    offers = read_table("offers", data_dir, ["territory", "rome_code"])
    tension = pd.read_parquet(data_dir/"truth"/"tension.parquet")
    ds = SyntheticDataset({"spells": spells, "offers": offers}, read_truth(data_dir), {"tension": tension})
    counts, lab = occupation_counts(ds), _labels()
    for col, name in (("offers", "offers over the 36 months"), ("job_seekers", "job seekers registered at the as-of date")):
        nat = counts[col].groupby(level="rome_code").sum()
        gen = nat.generated.sort_values(ascending=False, kind="stable").head(20)
        ref = nat.reference.sort_values(ascending=False, kind="stable").head(20)
        print(f"\n== top 20 by {name}: synthetic (share) | reference 2021 (share); shared: {len(set(gen.index) & set(ref.index))} of 20")
        for i, (g, r) in enumerate(zip(gen.index, ref.index), 1):
            print(f"{i:2d}. {g} {lab[g][:38]:38s} {gen[g]/nat.generated.sum():6.1%} | {r} {lab[r][:38]:38s} {ref[r]/nat.reference.sum():6.1%}")
        dom = nat.groupby(nat.index.str[0]).sum()
        shares = pd.DataFrame({"synthetic": dom.generated/dom.generated.sum(), "reference": dom.reference/dom.reference.sum()})
        shares["gap (points)"] = 100*(shares.synthetic - shares.reference)
        print(f"domain shares ({name}):\n" + (100*shares[["synthetic", "reference"]]).round(1).join(shares[["gap (points)"]].round(2)).T.to_string())
    print("\n" + pd.DataFrame(_occupation_rows(ds)).to_string(index=False))


def offers_top10(data_dir, codes=("13", "48", "59", "974")):
    "The top-10 offers table of four départements (offers over the last 12 months, CDI share)."
    from emploi_lab.recruitment import top_offers
    offers = read_table("offers", data_dir, ["territory", "rome_code", "posted_at", "contract_type"])
    tops, names = top_offers(offers, dataset_as_of(data_dir)), load_territories().set_index("territory").name
    for code in codes:
        t = tops[tops.territory == code]
        print(f"\n== top 10 offers, {names[code]} ({code}), last 12 months")
        print(t.assign(cdi_share=(100*t.cdi_share).round(0))[["rank", "rome_code", "label", "offers", "cdi_share"]].to_string(index=False))


def recruitment(data_dir):
    "Coverage of the 80 % interval on held-out origins, MASE per domain and on the ten smallest territories, per horizon."
    from emploi_lab.recruitment import backtest, interval_coverage, mase_by, mase_summary, monthly_offers
    panel = monthly_offers(read_table("offers", data_dir, ["territory", "rome_code", "posted_at"]), dataset_as_of(data_dir))
    for h in (3, 6):
        bt = backtest(panel, h)
        print(f"\n== recruitment, horizon {h} months: {len(panel):,} series, backtest origins {', '.join(map(str, sorted(bt.origin.unique())))}")
        print("coverage of the 80 % interval on held-out origins (fitted on the two origins before each):")
        print(interval_coverage(bt).round(4).to_string(index=False))
        s = mase_summary(bt)
        print(f"MASE overall: learned {s.loc['overall', 'learned']:.3f}, seasonal naive {s.loc['overall', 'seasonal_naive']:.3f}, "
              f"zero {s.loc['overall', 'zero']:.3f}, ratio learned/seasonal naive {s.loc['overall', 'ratio']:.3f}")
        dom = mase_by(bt)
        print("MASE per domain:\n" + dom[["learned", "seasonal_naive", "zero", "ratio_seasonal_naive", "series", "verdict"]].round(3).to_string())
        terr = mase_by(bt, "territory").nsmallest(10, "offers")
        print("the ten territories with the fewest offers:\n" + terr[["offers", "series", "learned", "zero", "ratio_zero", "verdict"]].round(3).to_string())


def reconversion(data_dir, codes=("K2204", "N1103", "K1304", "D1507", "G1602")):
    "The flag against the truth on held-out people, and 20 suggestions (four per occupation) with gain, interval and reason."
    from emploi_lab.reconversion import evaluate_flag, reason_fr, territory_reconversion
    ev = evaluate_flag(data_dir)
    t = ev["test"]
    print(f"\n== reconversion flag on held-out people ({ev['people_held_out']:,} spells of held-out people; test half {ev['n_test']:,} seekers)")
    print(f"thresholds chosen on the calibration half: own P < {ev['operating_point'][0]:.2f}, best gain >= {ev['operating_point'][1]:.2f}")
    print(f"test half: precision {t['precision']:.3f}, recall {t['recall']:.3f} ({t['true_positives']} of {t['flagged']} flagged, {t['truly_flagged']} truly)")
    pt = ev["policy_thresholds"]
    print(f"policy thresholds ({ev['advisor'].p_low:g}, {ev['advisor'].min_gain:g}): precision {pt['precision']:.3f}, recall {pt['recall']:.3f}")
    print(f"suggested moves of the flagged that are observed transitions: {ev['observed_share_of_suggestions']:.1%}")
    print(f"true gain inside the 80 % interval of the suggested move: {ev['true_gain_in_interval']:.1%}; "
          f"own P(employed) vs truth, correlation {ev['p_own_correlation']:.3f}")
    adv, spells = ev["advisor"], read_table("spells", data_dir, None)
    as_of = dataset_as_of(data_dir)
    on = spells[(spells.registered_at <= as_of) & (spells.ended_at.isna() | (spells.ended_at > as_of))].reset_index(drop=True)
    r = territory_reconversion(adv, on[on.rome_code.isin(codes)].reset_index(drop=True), k=1)  # every move, for the printout
    f = r["flags"][r["flags"].flag]
    print(f"registered at the as-of date in these five occupations: {int(r['totals'].registered.sum()):,}; flagged {len(f):,}; "
          f"their suggested move an observed transition: {(f.best_source == 'observed').mean():.1%}")
    lab, names = _labels(), load_territories().set_index("territory").name
    print("\n== 20 suggestions: for each occupation, its four most frequent moves among the flagged (territory with the most)")
    for code in codes:
        p = r["pairs"][r["pairs"].rome_code == code].sort_values(["flagged", "territory"], ascending=[False, True])
        p = p.drop_duplicates("best_rome_code").head(4)
        print(f"\n{code} {lab[code]}:")
        for row in p.itertuples():
            print(f"  {names[row.territory]} ({row.territory}), {row.flagged} personnes → {row.best_rome_code} {lab[row.best_rome_code]} "
                  f"[{'observé' if row.source == 'observed' else 'même domaine'}] gain {100*row.mean_gain:+.0f} pts "
                  f"({100*row.gain_low:+.0f} à {100*row.gain_high:+.0f})\n    {row.reason}")


def suggestions(data_dir, codes=("K2204", "N1103", "K1304", "D1507", "G1602"), n=4):
    "20 suggestions: for each occupation, the advisor's four best moves for a typical profile where it has most seekers."
    from emploi_lab.reconversion import load_advisor, make_profile, suggest_reconversion
    adv, lab, names = load_advisor(data_dir), _labels(), load_territories().set_index("territory").name
    spells = read_table("spells", data_dir, ["territory", "rome_code", "ended_at"])
    where = spells[spells.ended_at.isna()].groupby("rome_code").territory.agg(lambda t: t.value_counts().index[0])
    print(f"\n== {n*len(codes)} suggestions for a typical profile (35 years, CAP-BEP, employee, 5 years of experience)")
    shown = []
    for code in codes:
        ans = suggest_reconversion(adv, make_profile(where[code], code, adv.as_of_, education="cap_bep"), top=n)
        print(f"\n{code} {lab[code]} — {names[where[code]]} ({where[code]}): own P(employed within 12 months) {ans['p_own']:.0%}")
        for r in ans["candidates"].itertuples():
            print(f"  → {r.near_rome_code} {r.label} [{'observé' if r.source == 'observed' else 'même domaine'}] "
                  f"gain {100*r.gain:+.0f} pts ({100*r.gain_low:+.0f} à {100*r.gain_high:+.0f})")
        shown.append(ans["candidates"])
        print("    " + ans["candidates"].reason.iloc[0])
    allc = pd.concat(shown)
    print(f"\nof these {len(allc)} suggestions, observed transitions: {(allc.source == 'observed').mean():.0%}")


def mobility(data_dir):
    "Rankings for 0, 1 and 3 children over every territory × its 3 largest occupations; zero-offer destinations in the top 5."
    from emploi_lab.mobility import load_context, suggest_mobility, territory_mobility
    ctx = load_context(data_dir)
    full = territory_mobility(ctx, n_destinations=5)
    dest = full[full["rank"] > 0]
    queries = full.groupby(["home", "rome_code"]).ngroups
    print(f"\n== mobility: {queries} queries (territory × one of its 3 largest occupations, at least 11 seekers) × 0, 1, 3 children")
    print(f"destinations in the top 5 with no offer for the occupation over 12 months: {int((dest.offers_12m <= 0).sum())} of {len(dest):,}")
    order = dest.groupby(["home", "rome_code", "children"]).territory.apply(tuple).unstack("children")
    for a, b in ((0, 1), (1, 3), (0, 3)):
        print(f"top-5 ranking differs between {a} and {b} children: {(order[a] != order[b]).mean():.1%} of queries")
    best = dest[dest["rank"] == 1]
    print(f"best destination better than staying (score > 0): {(best.score > 0).mean():.1%}; territories with no destination within 150 km: "
          + ", ".join(sorted(set(full.home) - set(dest.home))))
    for home, rome in (("13", "K2204"), ("48", "G1602")):
        for n in (0, 1, 3):
            t = suggest_mobility(ctx, home, rome, children=n, top=5)
            print(f"\n{home} {rome}, {n} child(ren): " + " > ".join(f"{r.territory} ({r.score:+.2f})" for r in t.iloc[1:].itertuples())
                  + f"  [home {home} = 0]")
        print("  " + t.explanation.iloc[1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="dataset folder (default: the embedded dataset)")
    ap.add_argument("--part", choices=PARTS, action="append", help="parts to run (default: all)")
    a = ap.parse_args(argv)
    data_dir = resolve_data_dir(a.data)
    run = {"occupations": occupations, "offers": offers_top10, "recruitment": recruitment, "reconversion": reconversion, "suggestions": suggestions,
           "mobility": mobility}
    for part in a.part or PARTS:
        if part in run: run[part](data_dir)


if __name__ == "__main__":
    main()

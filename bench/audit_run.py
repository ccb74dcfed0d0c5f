"""The four audits of a run, as the main job will publish them, on a copy of a dataset (default: data/default), into a
run folder with its manifest; then the auditor's figures (section headings, groups and intersections audited, proxies
found, mitigation before/after) and `emploi-lab fairness verify` on the folder, intact and after one value of the data
is altered (expected: exit 2).

    python bench/audit_run.py [--data DIR] [--out /tmp/audit-run] [--formats pdf,html]

Prints figures; asserts nothing (the assertions are in tests/ and the notebooks).
"""
import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill as pm

from emploi_lab.audits import audit_reconversion, audit_recruitment, audit_survival, audit_triage
from emploi_lab.config import file_sha256, project_root
from emploi_lab.pipeline import ensure_data
from emploi_lab.reconversion import SPELL_COLUMNS, flag_seekers, load_advisor
from emploi_lab.recruitment import backtest, forecast_offers, monthly_offers
from emploi_lab.render import render_notebook
from emploi_lab.store import dataset_as_of, dataset_fingerprint, read_table, short_fingerprint
from emploi_lab.survival import PROTECTED_FEATURES, CoxPHModel, spell_features, spells_target

NAMES = {"survival": "délai de retour à l'emploi", "triage": "tri des courriels",
         "reconversion": "repère « reconversion à envisager »", "recruitment": "prévision des offres d'emploi"}


def survival(data, as_of, out, k):
    "A blind Cox model fitted on spells registered before the last year (features known then), audited on the later ones."
    sp = read_table("spells", data)
    cut = as_of - pd.Timedelta(days=365)
    offers = read_table("offers", data, ["territory", "rome_code", "posted_at"])
    offers = offers[offers.posted_at < cut]
    tr, te = sp[sp.registered_at < cut].reset_index(drop=True), sp[sp.registered_at >= cut].reset_index(drop=True)
    feat = lambda s: spell_features(s, offers).drop(columns=PROTECTED_FEATURES)
    Xtr, Xte = feat(tr), feat(te)
    fit = np.random.default_rng(0).permutation(len(Xtr))[:300_000]
    ytr = spells_target(tr.assign(ended_at=tr.ended_at.where(tr.ended_at < cut)), cut)
    model = CoxPHModel(penalizer=0.01).fit(Xtr.iloc[fit], ytr[fit])
    te = te.assign(ended_at=te.ended_at.where(te.ended_at <= as_of))
    return audit_survival(model, te, Xte, spells_target(te, as_of), out, data_dir=data, k=k, background=Xtr.iloc[fit],
                          n_train=len(fit))


def reconversion(data, as_of, out, k):
    adv = load_advisor(data)
    s = read_table("spells", data, SPELL_COLUMNS)
    s = s[(s.registered_at <= as_of) & (s.ended_at.isna() | (s.ended_at > as_of))].reset_index(drop=True)
    flags = pd.concat([flag_seekers(adv, s.iloc[i:i + 20_000].reset_index(drop=True)) for i in range(0, len(s), 20_000)],
                      ignore_index=True)
    return audit_reconversion(adv, s, flags, out, data_dir=data, k=k)


def recruitment(data, as_of, out, k):
    o = read_table("offers", data, ["territory", "rome_code", "posted_at"])
    panel = monthly_offers(o[o.posted_at <= as_of], as_of)
    bt = backtest(panel, 3, n_origins=2)
    _, _, model = forecast_offers(panel, 3, backtest_frame=bt)
    return audit_recruitment(bt, panel, out, k=k, model=model, data_dir=data)


def headings(nb_path) -> list:
    "(heading, has content) of an executed report: the '# ' lines it shows, and whether something follows each."
    nb = nbformat.read(nb_path, as_version=4)
    texts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            d = o.get("data", {})
            if "text/markdown" in d: texts.append(("md", d["text/markdown"]))
            elif "image/png" in d or "text/html" in d: texts.append(("fig", ""))
    out = []
    for i, (kind, t) in enumerate(texts):
        for j, line in enumerate(t.splitlines()):
            if line.startswith("# "):
                rest = "\n".join(t.splitlines()[j + 1:]).strip()
                nxt = texts[i + 1] if i + 1 < len(texts) else ("", "")
                out.append((line[2:], bool(rest) or (nxt[0] == "fig") or (nxt[0] == "md" and not nxt[1].startswith("# "))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default="/tmp/audit-run")
    ap.add_argument("--formats", default="html")
    a = ap.parse_args()
    out = Path(a.out)
    shutil.rmtree(out, ignore_errors=True)
    data = out/"data"
    shutil.copytree(ensure_data(a.data), data)  # a copy: the alteration below must not touch the real dataset
    as_of, k, art = dataset_as_of(data), 11, out/"artifacts"
    h = dataset_fingerprint(data)
    (art).mkdir(parents=True)
    (art/"artifacts.json").write_text(json.dumps({"data_fingerprint": short_fingerprint(h), "data_sha256": h, "k": k}))
    results = {}
    for name, f in [("survival", survival), ("triage", lambda d, t, o, k: audit_triage(d, t, o, k=k)),
                    ("reconversion", reconversion), ("recruitment", recruitment)]:
        t0 = time.perf_counter()
        results[name] = f(data, as_of, art/"models"/name, k)
        print(f"{name}: audited in {time.perf_counter() - t0:.0f} s", flush=True)
    run = out/"run"
    for name in results:
        folder = run/"fairness"/name
        folder.mkdir(parents=True)
        nb = folder/f"{name}.ipynb"
        pm.execute_notebook(str(project_root()/"reports"/"fairness_audit.ipynb"), str(nb), kernel_name="python3", progress_bar=False,
                            parameters=dict(artifacts_dir=str(art/"models"/name), model_name=NAMES[name], synthetic=True),
                            cwd=str(folder))
        render_notebook(nb, folder, stem=name, formats=tuple(a.formats.split(",")))
    outputs = {str(p.relative_to(run)): file_sha256(p) for p in sorted(run.rglob("*")) if p.is_file() and p.suffix in (".html", ".pdf")}
    manifest = {"data": {"dir": str(data), "fingerprint": short_fingerprint(h)},
                "artifacts": {"dir": str(art), "data_fingerprint": short_fingerprint(h), "data_sha256": h}, "outputs": outputs}
    (run/"manifest.json").write_text(json.dumps(manifest, indent=1))
    for name in results:
        d = json.loads((art/"models"/name/"audit.json").read_text())
        s = d["settings"]
        views = s["views"][1:]
        inter = [v for v in views if " & " in v]
        groups = {(r["feature"], r["group"]) for r in d["by_group"]}
        print(f"\n== {name} ({NAMES[name]}) — {results[name]}")
        print("section headings (has content):", [(t, c) for t, c in headings(run/"fairness"/name/f"{name}.ipynb")])
        print(f"attributes {len(views) - len(inter)}, intersections {len(inter)} ({', '.join(inter)}), groups {len(groups)}, "
              f"flagged {len(d['flagged'])}, survival rows {len(d.get('survival') or [])}")
        widths = [r[b] - r[a_] for t in ("overall", "by_group", "disparities", "calibration_by_decile", "survival") for r in d.get(t) or []
                  for a_, b in [("ci_low", "ci_high"), ("difference_ci_low", "difference_ci_high"), ("ratio_ci_low", "ratio_ci_high")]
                  if r.get(a_) is not None and r.get(b) is not None]
        print(f"intervals {len(widths)}, smallest width {min(widths):.4g}")
        print("proxies:", [(p["attribute"], round(p["auc"], 3), p["strongest_proxy"]) for p in d.get("proxies") or []])
        for m in d.get("mitigation") or []:
            print(f"  mitigation {m['method']:22s} {m['constraint']:18s} accuracy {m['accuracy']:.3f} DP diff "
                  f"{m['demographic_parity_difference']:.3f} EO diff {m['equalized_odds_difference']:.3f} (n_test {m['n_test']})")
        if not d.get("mitigation"): print("  mitigation:", s.get("mitigation_note"))
        card = (art/"models"/name/"model_card.md").read_text()
        print("card statuses:", pd.Series([r["status"] for r in json.loads((art/"models"/name/"model_card.json").read_text())["Annex IV"]]).value_counts().to_dict())
    cli = [sys.executable, "-m", "emploi_lab.cli", "fairness", "verify", str(run)]
    r = subprocess.run(cli, capture_output=True, text=True)
    print(f"\n$ emploi-lab fairness verify {run}\n{r.stdout[:400]}exit {r.returncode}")
    sp = pd.read_parquet(data/"spells.parquet")
    sp.loc[0, "age"] += 1
    sp.to_parquet(data/"spells.parquet", index=False)
    r = subprocess.run(cli, capture_output=True, text=True)
    print(f"\n(after changing one age in {data/'spells.parquet'})\n$ emploi-lab fairness verify {run}\n"
          + "\n".join(r.stderr.splitlines()[:6]) + f"\n... exit {r.returncode}")


if __name__ == "__main__":
    main()

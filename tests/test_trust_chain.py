"""The trust layer end to end on small data: an audit published with its fingerprint chain, `emploi-lab fairness verify`
on a run folder (intact, then altered data: exit 2), `emploi-lab monitor` between two vintages, and a model card that
documents no Annex IV item it cannot back."""
import json

import numpy as np
import pandas as pd
import pytest

from emploi_lab import synth
from emploi_lab.audits import fingerprint_chain, publish_audit
from emploi_lab.config import file_sha256
from emploi_lab.fairness import FairnessAudit
from emploi_lab.fairness_testing import simulate_decisions
from emploi_lab.modelcard import DOCUMENTED, TO_COMPLETE, model_card
from emploi_lab.store import write_dataset


def _dataset(path, seed=2, as_of="2026-09-30", shift=False):
    w = synth.generate(scale=0.002, seed=seed, months=24, as_of=as_of)
    sp = w.tables["spells"]
    if shift:
        pick = np.random.default_rng(seed).random(len(sp)) < 0.3
        sp = sp.assign(nationality_group=np.where(pick, "non_eu", sp.nationality_group))
    return write_dataset(path, {**w.tables, "spells": sp}, meta={"synthetic": True, "as_of": as_of}, truth=w.truth,
                         truth_tables=w.truth_tables)


@pytest.fixture
def run_dir(tmp_path):
    data = _dataset(tmp_path/"data")
    chain = fingerprint_chain(data, code_version="abc123")
    sim = simulate_decisions(n=1500, bias=0.15, seed=0)
    folder = publish_audit(tmp_path/"run"/"fairness"/"demo", FairnessAudit(sensitive_features=sim[["sex", "nationality_group"]],
                                                                           y_pred=sim.decision, n_boot=100),
                           model="démo", target="t", decision="d", chain=chain, card=dict(intended_use="Exemple."))
    (folder/"demo.html").write_text(f"<p>empreinte {chain['data_fingerprint']}</p>", encoding="utf-8")
    manifest = {"data": {"dir": str(data), "fingerprint": chain["data_fingerprint"]},
                "artifacts": {"data_fingerprint": chain["data_fingerprint"], "data_sha256": chain["data_sha256"]},
                "outputs": {"fairness/demo/demo.html": file_sha256(folder/"demo.html")}}
    (tmp_path/"run"/"manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path/"run", data, chain


def test_one_string_everywhere(run_dir):
    run, data, chain = run_dir
    audit = json.loads((run/"fairness"/"demo"/"audit.json").read_text())
    card = json.loads((run/"fairness"/"demo"/"model_card.json").read_text())["Model details"]
    short = chain["data_fingerprint"]
    assert audit["settings"]["model_version"].endswith(short) and card["version"] == audit["settings"]["model_version"]
    assert card["data_hash"] == audit["settings"]["data_sha256"] == chain["data_sha256"] and chain["data_sha256"].startswith(short)


def test_verify_intact_then_altered_data_exits_2(cli, run_dir):
    run, data, chain = run_dir
    r = cli("fairness", "verify", run)
    print(r.stdout)
    assert r.returncode == 0, r.stderr
    assert f"chaîne intacte : empreinte {chain['data_fingerprint']}" in r.stdout
    sp = pd.read_parquet(data/"spells.parquet")
    sp.loc[0, "age"] = sp.loc[0, "age"] + 1
    sp.to_parquet(data/"spells.parquet", index=False)
    r = cli("fairness", "verify", run)
    print(r.stderr)
    assert r.returncode == 2
    assert "fichier de données spells.parquet" in r.stderr and "audit demo : empreinte" in r.stderr


def test_verify_catches_an_altered_report(cli, run_dir):
    run, _, _ = run_dir
    (run/"fairness"/"demo"/"demo.html").write_text("<p>autre chose</p>", encoding="utf-8")
    r = cli("fairness", "verify", run)
    assert r.returncode == 2 and "sortie fairness/demo/demo.html" in r.stderr and "couverture" in r.stderr


def test_monitor_two_vintages(cli, tmp_path):
    old = _dataset(tmp_path/"old", seed=1, as_of="2026-03-31")
    new = _dataset(tmp_path/"new", seed=2, as_of="2026-09-30", shift=True)
    r = cli("monitor", old, new, "--out", tmp_path/"mon")
    print(r.stdout[-900:])
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path/"mon"/"monitor.json").read_text())
    reading = {x["input"]: x["reading"] for x in m["inputs"]}
    assert reading["nationality_group"] == "changement majeur" and reading["sex"] == "stable"
    assert [p["vintage"] for p in m["performance"]] == ["ancien (moitié non vue)", "nouveau"]
    assert "# Surveillance de la dérive" in (tmp_path/"mon"/"monitor.md").read_text()


def test_bare_card_documents_nothing_it_cannot_back():
    card = model_card(name="démo", intended_use="Prioriser les entretiens.", metrics={"exactitude": 0.7})
    status = {r["item"]: r["status"] for r in card.sections["Annex IV"]}
    assert set(status.values()) == {TO_COMPLETE}, status
    md = card.to_markdown()
    assert f"| {DOCUMENTED} |" not in md and all(r["missing"] for r in card.sections["Annex IV"])
    for english in ("Model card", "Model details", "Intended use", "Out of scope", "Flagged disparities", "documented"):
        assert english not in md

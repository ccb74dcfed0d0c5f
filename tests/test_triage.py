"""Email triage: the `emploi-lab triage` CLI end to end (train, score, bad input) and the hand-written set."""
import json
import os

import joblib
import pandas as pd
import pytest

from emploi_lab.triage import evaluate, extract_appointment, load_handwritten


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    "A small model trained by the real console script on its own synthetic corpus (no dataset anywhere)."
    from tests.conftest import run_cli
    home = tmp_path_factory.mktemp("home")
    out = home/"models"
    r = run_cli("triage", "train", "--out", out, "--n-emails", 2500, env={**os.environ, "EMPLOI_LAB_HOME": str(home)})
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture
def inbox():
    return pd.DataFrame({"id": ["e1", "e2", "e3", "e4"], "received_at": ["2026-03-10 09:00", "2026-03-10 10:30", "2026-03-10T11:00", "2026-03-11 08:00"],
                         "subject": ["Rendez-vous", "", "Merci", "Argent"],
                         "body": ["Je ne pourrai pas venir au rendez-vous de demain à 14h, mon fils est malade.", "",
                                  "Merci pour votre aide, ce n'est pas urgent.", "je n'en peux plus, je dors dans ma voiture"],
                         "agency": ["A", "B", "C", "D"]})


def test_train_writes_versioned_artifact(model_dir):
    meta = json.loads((model_dir/"model.json").read_text())
    assert (model_dir/"model.joblib").exists()
    assert meta["version"].startswith(meta["code_version"] + "+")
    assert meta["synthetic"] is True and len(meta["training_data"]["sha256"]) == 64
    assert {"recall_u1", "precision_u1", "appt_day_exact"} <= set(meta["metrics"]["holdout"])


def test_score_csv_with_explanations(cli, model_dir, inbox, tmp_path):
    inbox.to_csv(tmp_path/"in.csv", index=False)
    r = cli("triage", "score", tmp_path/"in.csv", "--out", tmp_path/"out.csv", "--model", model_dir, "--explain")
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(tmp_path/"out.csv", keep_default_na=False)
    assert list(out.columns[:5]) == ["id", "received_at", "subject", "body", "agency"]  # input columns kept
    assert {"p_urgent", "urgency", "category", "appointment_at", "rank", "explanation"} <= set(out.columns)
    assert out.loc[0, "appointment_at"] == "2026-03-11T14:00" and out.loc[0, "urgency"] == 1
    assert out.loc[1, "appointment_at"] == ""              # an empty subject and body still score
    assert out.loc[3, "rank"] == 1                         # distress always ranks first
    assert sorted(out["rank"]) == [1, 2, 3, 4]
    assert out["p_urgent"].between(0, 1).all()


def test_score_parquet(cli, model_dir, inbox, tmp_path):
    inbox.assign(received_at=pd.to_datetime(inbox["received_at"], format="mixed")).to_parquet(tmp_path/"in.parquet")
    r = cli("triage", "score", tmp_path/"in.parquet", "--out", tmp_path/"out.parquet", "--model", model_dir)
    assert r.returncode == 0, r.stderr
    assert len(pd.read_parquet(tmp_path/"out.parquet")) == 4


@pytest.mark.parametrize("change, message", [
    (lambda df: df.drop(columns="body"), "column 'body'"),
    (lambda df: df.assign(received_at=["2026-03-10 09:00", "demain", "2026-03-10", "2026-03-10"]), "column 'received_at', row 2"),
    (lambda df: df.assign(received_at=["2026-03-10 09:00", "2026-03-10", "", "2026-03-10"]), "row 3"),
])
def test_bad_input_exits_2_and_writes_nothing(cli, model_dir, inbox, tmp_path, change, message):
    change(inbox).to_csv(tmp_path/"bad.csv", index=False)
    r = cli("triage", "score", tmp_path/"bad.csv", "--out", tmp_path/"out.csv", "--model", model_dir)
    assert r.returncode == 2
    assert message in r.stderr
    assert not (tmp_path/"out.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.csv"]  # no temporary file left either


def test_missing_model_and_bad_extension(cli, inbox, tmp_path):
    inbox.to_csv(tmp_path/"in.csv", index=False)
    r = cli("triage", "score", tmp_path/"in.csv", "--out", tmp_path/"out.csv", "--model", tmp_path/"nowhere")
    assert r.returncode == 2 and "triage train" in r.stderr
    r = cli("triage", "score", tmp_path/"in.csv", "--out", tmp_path/"out.xlsx", "--model", tmp_path/"nowhere")
    assert r.returncode == 2 and ".csv or .parquet" in r.stderr


def test_day_first_received_at(cli, model_dir, inbox, tmp_path):
    "French files write the day first: 10/03/2026 is 10 March, so 'demain à 14h' is 11 March; ISO still works."
    inbox.assign(received_at=["10/03/2026 09:30", "2026-03-10 10:30", "2026-03-10T11:00", "11/03/2026"]).to_csv(tmp_path/"in.csv", index=False)
    r = cli("triage", "score", tmp_path/"in.csv", "--out", tmp_path/"out.csv", "--model", model_dir)
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(tmp_path/"out.csv", keep_default_na=False)
    assert out.loc[0, "appointment_at"] == "2026-03-11T14:00"
    assert list(pd.to_datetime(out["received_at"], format="ISO8601")) == [
        pd.Timestamp("2026-03-10 09:30"), pd.Timestamp("2026-03-10 10:30"), pd.Timestamp("2026-03-10 11:00"), pd.Timestamp("2026-03-11")]
    inbox.assign(received_at=["2026-03-10T09:30", "03/13/2026", "2026-03-10", "2026-03-10"]).to_csv(tmp_path/"us.csv", index=False)
    r = cli("triage", "score", tmp_path/"us.csv", "--out", tmp_path/"us_out.csv", "--model", model_dir)
    assert r.returncode == 2 and "column 'received_at', row 2" in r.stderr and "'03/13/2026'" in r.stderr


def test_score_with_a_file_that_is_not_a_model(cli, inbox, tmp_path):
    inbox.to_csv(tmp_path/"in.csv", index=False)
    (tmp_path/"fake.joblib").write_text("this is not a model")
    r = cli("triage", "score", tmp_path/"in.csv", "--out", tmp_path/"out.csv", "--model", tmp_path/"fake.joblib")
    assert r.returncode == 2, r.stderr
    assert "fake.joblib" in r.stderr and "Traceback" not in r.stderr
    joblib.dump({"not": "a model"}, tmp_path/"dict.joblib")  # loads fine, but is not a triage model
    r = cli("triage", "score", tmp_path/"in.csv", "--out", tmp_path/"out.csv", "--model", tmp_path/"dict.joblib")
    assert r.returncode == 2 and "dict.joblib" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path/"out.csv").exists()


def test_handwritten_appointment_extraction():
    "Extraction alone (no model) on the hand-written set: appointment day exact >= 80 %."
    hw = load_handwritten()
    assert len(hw) >= 80
    pred = pd.DataFrame({"urgency": 3, "category": "autre", "appointment_at": pd.to_datetime(pd.Series(
        [extract_appointment(s + "\n" + b, r) for s, b, r in zip(hw["subject"], hw["body"], hw["received_at"])], dtype="object"))})
    assert evaluate(hw, pred)["appt_day_exact"] >= .8

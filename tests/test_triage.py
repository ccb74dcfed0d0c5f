"""Email triage: the `emploi-lab triage` CLI end to end (train with progress, score from the one artefact location,
explanations in French, bad input) and the appointment rules on the hand-written development set."""
import json
import os

import joblib
import pandas as pd
import pytest
from conftest import run_cli  # the real console script (tests/ is on sys.path through conftest)

from emploi_lab.config import project_root
from emploi_lab.email_text import read_email
from emploi_lab.triage import evaluate, load_handwritten

ROOT = project_root()



@pytest.fixture(scope="module")
def home(tmp_path_factory):
    "An empty project home and cache: no dataset anywhere, so training generates its own corpus."
    h = tmp_path_factory.mktemp("home")
    return {**os.environ, "EMPLOI_LAB_HOME": str(h), "EMPLOI_LAB_CACHE": str(h/"cache")}, h


@pytest.fixture(scope="module")
def trained(home):
    "A small model trained by the real console script into the default location."
    env, h = home
    r = run_cli("triage", "train", "--n-emails", 2500, env=env)
    assert r.returncode == 0, r.stderr
    return r, h/"cache"/"models"/"triage", env


@pytest.fixture
def inbox():
    return pd.DataFrame({"id": ["e1", "e2", "e3", "e4"], "received_at": ["2026-03-10 09:00", "2026-03-10 10:30", "2026-03-10T11:00", "2026-03-11 08:00"],
                         "subject": ["Rendez-vous", "", "Merci", "Argent"],
                         "body": ["Je ne pourrai pas venir au rendez-vous de demain à 14h, mon fils est malade.", "",
                                  "Merci pour votre aide, ce n'est pas urgent.", "je n'en peux plus, je dors dans ma voiture"],
                         "agency": ["A", "B", "C", "D"]})


def test_train_shows_progress_and_writes_versioned_artifact(trained):
    r, model_dir, _ = trained
    assert "vectorisation des textes" in r.stderr and "100\u202f%" in r.stderr       # training says how far it is
    meta = json.loads((model_dir/"model.json").read_text())
    assert (model_dir/"model.joblib").exists()
    assert meta["version"].startswith(meta["code_version"] + "+")
    assert meta["synthetic"] is True and len(meta["training_data"]["sha256"]) == 64
    assert {"recall_u1", "precision_u1", "appt_day_exact", "appt_hour_exact"} <= set(meta["metrics"]["synthetic_holdout"])
    assert str(model_dir) in r.stdout


def test_score_finds_the_trained_model_without_being_told(trained, inbox, tmp_path):
    "One artefact location: `score` with no --model reads what `train` (and the run's `ensure_model`) wrote."
    _, _, env = trained
    inbox.to_csv(tmp_path/"in.csv", index=False)
    r = run_cli("triage", "score", tmp_path/"in.csv", "--out", tmp_path/"out.csv", "--explain", env=env)
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(tmp_path/"out.csv", keep_default_na=False)
    assert list(out.columns[:5]) == ["id", "received_at", "subject", "body", "agency"]  # input columns kept
    assert {"p_urgent", "urgency", "urgency_fr", "category", "category_fr", "appointment_at", "rank", "explanation"} <= set(out.columns)
    assert out.loc[0, "appointment_at"] == "2026-03-11T14:00" and out.loc[0, "urgency"] == 1
    assert out.loc[0, "urgency_fr"] == "à lire aujourd'hui"
    assert out.loc[1, "appointment_at"] == ""              # an empty subject and body still score
    assert out.loc[3, "rank"] == 1 and out.loc[3, "category_fr"] == "détresse"  # distress always first
    assert sorted(out["rank"]) == [1, 2, 3, 4]
    assert out["p_urgent"].between(0, 1).all()
    assert out["explanation"].str.startswith("vers l'urgence").all()
    assert not out["explanation"].str.contains(r"\d\.\d").any(), out["explanation"].tolist()  # « +0,5 », a decimal comma
    assert "rendez-vous demain" in out.loc[0, "explanation"]
    assert "e4 | à lire aujourd'hui | détresse" in r.stdout   # the printed list, in French


def test_score_parquet(trained, inbox, tmp_path):
    _, model_dir, env = trained
    inbox.assign(received_at=pd.to_datetime(inbox["received_at"], format="mixed")).to_parquet(tmp_path/"in.parquet")
    r = run_cli("triage", "score", tmp_path/"in.parquet", "--out", tmp_path/"out.parquet", "--model", model_dir, env=env)
    assert r.returncode == 0, r.stderr
    assert len(pd.read_parquet(tmp_path/"out.parquet")) == 4


def test_retrain_is_skipped_when_nothing_changed(trained):
    _, model_dir, env = trained
    before = (model_dir/"model.json").read_text()
    r = run_cli("triage", "train", "--n-emails", 2500, env=env)
    assert r.returncode == 0, r.stderr
    assert "vectorisation" not in r.stderr and (model_dir/"model.json").read_text() == before


@pytest.mark.parametrize("change, message", [
    (lambda df: df.drop(columns="body"), "column 'body'"),
    (lambda df: df.assign(received_at=["2026-03-10 09:00", "demain", "2026-03-10", "2026-03-10"]), "column 'received_at', row 2"),
    (lambda df: df.assign(received_at=["2026-03-10 09:00", "2026-03-10", "", "2026-03-10"]), "row 3"),
])
def test_bad_input_exits_2_and_writes_nothing(trained, inbox, tmp_path, change, message):
    _, model_dir, env = trained
    change(inbox).to_csv(tmp_path/"bad.csv", index=False)
    r = run_cli("triage", "score", tmp_path/"bad.csv", "--out", tmp_path/"out.csv", "--model", model_dir, env=env)
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


def test_day_first_received_at(trained, inbox, tmp_path):
    "French files write the day first: 10/03/2026 is 10 March, so 'demain à 14h' is 11 March; ISO still works."
    _, model_dir, env = trained
    inbox.assign(received_at=["10/03/2026 09:30", "2026-03-10 10:30", "2026-03-10T11:00", "11/03/2026"]).to_csv(tmp_path/"in.csv", index=False)
    r = run_cli("triage", "score", tmp_path/"in.csv", "--out", tmp_path/"out.csv", "--model", model_dir, env=env)
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(tmp_path/"out.csv", keep_default_na=False)
    assert out.loc[0, "appointment_at"] == "2026-03-11T14:00"
    assert list(pd.to_datetime(out["received_at"], format="ISO8601")) == [
        pd.Timestamp("2026-03-10 09:30"), pd.Timestamp("2026-03-10 10:30"), pd.Timestamp("2026-03-10 11:00"), pd.Timestamp("2026-03-11")]
    inbox.assign(received_at=["2026-03-10T09:30", "03/13/2026", "2026-03-10", "2026-03-10"]).to_csv(tmp_path/"us.csv", index=False)
    r = run_cli("triage", "score", tmp_path/"us.csv", "--out", tmp_path/"us_out.csv", "--model", model_dir, env=env)
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


@pytest.mark.parametrize("name, day, hour, spurious", [("handwritten_dev.jsonl", .95, .9, .02), ("handwritten_emails.jsonl", .9, .85, .05)])
def test_handwritten_appointment_extraction(name, day, hour, spurious):
    "The appointment rules alone (no model) on emails nobody generated: day, hour where stated, nothing invented."
    hw = load_handwritten(ROOT/"tests"/"data"/name)
    got = [read_email(s, b, r.to_pydatetime()) for s, b, r in zip(hw["subject"], hw["body"], hw["received_at"])]
    pred = pd.DataFrame({"urgency": 3, "category": "autre", "appointment_at": pd.to_datetime(pd.Series([g["appointment_at"] for g in got], dtype=object))})
    m = evaluate(hw, pred)
    assert m["appt_day_exact"] >= day and m["appt_hour_exact"] >= hour and m["appt_spurious"] <= spurious, m


def test_masking_keeps_names_out_of_what_the_model_reads():
    r = read_email("Rendez-vous", "Bonjour Madame Lefèvre,\nJe suis Fatou Diallo, tél 06 12 34 56 78.\nMerci\nFatou", "2026-03-10 09:00")
    assert not any(w in r["text"] for w in ("lefevre", "fatou", "diallo", "06 12"))

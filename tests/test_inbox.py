"""The prioritised inbox: `emploi-lab triage inbox` on the hand-written mailbox corpus (tests/data/mailbox: 40 .eml
files, 6 malformed, and the same messages as an mbox) end to end — both formats give the same order, urgent
before routine, damaged messages listed, every text escaped, bad input refused with nothing written — and the page
driven in a real headless Chromium (the "pas urgent" correction and its download)."""
import html
import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli  # the real console script (tests/ is on sys.path through conftest)

from emploi_lab.triage import save_model, synthetic_corpus, train_model

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT/"tests"/"data"/"mailbox"
EXPECTED = {e["file"]: e for e in json.loads((CORPUS/"expected.json").read_text(encoding="utf-8"))}



@pytest.fixture(scope="module")
def env(tmp_path_factory):
    "A small model (6 000 generated emails, threshold chosen on the hand-written set) in a cache of its own, trained once."
    cache = tmp_path_factory.mktemp("inbox_cache")
    model, metrics = train_model(synthetic_corpus(6000, seed=11), seed=0)
    save_model(model, cache/"models"/"triage", meta={"version": "test", "synthetic": True, "metrics": metrics})
    return {**os.environ, "EMPLOI_LAB_CACHE": str(cache)}


@pytest.fixture(scope="module")
def folder(env, tmp_path_factory):
    "The .eml folder ranked by the console script (the model found where `train` writes it)."
    out = tmp_path_factory.mktemp("inbox_runs")/"eml"
    r = run_cli("triage", "inbox", CORPUS, "--out", out, env=env)
    assert r.returncode == 0, r.stderr
    return r, out


def ranking(out: Path) -> pd.DataFrame:
    return pd.read_csv(out/"inbox.csv", keep_default_na=False)


def test_eml_folder_and_mbox_give_the_same_ranking(env, folder, tmp_path):
    r = run_cli("triage", "inbox", CORPUS/"inbox.mbox", "--out", tmp_path/"mbox", env=env)
    assert r.returncode == 0, r.stderr
    eml, box = ranking(folder[1]), ranking(tmp_path/"mbox")
    assert len(box) == 34 and set(box["id"]) <= set(eml["id"])
    assert eml[eml["id"].isin(box["id"])]["id"].tolist() == box["id"].tolist()
    both = eml.set_index("id").loc[box["id"]]
    assert both["urgency"].tolist() == box["urgency"].tolist() and both["appointment_at"].tolist() == box["appointment_at"].tolist()


def test_urgent_emails_are_read_first(folder):
    r, out = folder
    table = ranking(out)
    truth = table["source"].map(lambda s: EXPECTED[s]["urgency"])
    assert table["rank"].tolist() == list(range(1, 40))
    assert truth[table["rank"] <= 10].eq(1).all(), table.head(10)              # the first ten are all to read today
    assert truth.eq(1)[:13].sum() >= 10                                        # most of the 13 urgent ones in the first 13
    assert table.loc[truth == 1, "rank"].median() < table.loc[truth == 3, "rank"].median() - 10
    first = table.set_index("source").loc["01_rdv_demain_enfant_malade.eml"]
    assert first["urgency"] == 1 and first["appointment_at"] == "2026-09-15T10:00"
    assert "mardi 15 septembre à 10 h" in (out/"inbox.html").read_text(encoding="utf-8")
    assert "à lire aujourd'hui" in r.stdout and "  1. " in r.stdout


def test_malformed_messages_are_listed_with_their_reason(folder):
    r, out = folder
    page = (out/"inbox.html").read_text(encoding="utf-8")
    problems = page[page.index('<section id="problems">'):]
    for name, e in EXPECTED.items():
        assert (name in problems) == e["malformed"], name                      # every malformed file, only those
    assert "38_fichier_vide.eml</b> : fichier vide" in problems and "illisible, non classé" in problems
    assert "date illisible" in problems and "partie base64 tronquée" in problems
    assert "38_fichier_vide.eml" not in set(ranking(out)["source"]) and "38_fichier_vide.eml" in r.stderr


def test_non_utf8_messages_are_decoded(folder):
    page = (folder[1]/"inbox.html").read_text(encoding="utf-8")
    full = " ".join(html.unescape(" ".join(re.findall(r"(?s)<pre>(.*?)</pre>", page))).split())  # each message in full, uncoloured
    subjects = ranking(folder[1]).set_index("source")["subject"]
    for name in ("03_rdv_manque_hier_latin1.eml", "04_plus_de_paiement_cp1252.eml", "31_demenagement_iso8859_15.eml",
                 "16_aif_date_limite_cp1252_qp.eml", "25_reprise_emploi_latin1_qp.eml", "20_charset_utf8_mais_latin1.eml"):
        if not EXPECTED[name]["malformed"]: assert subjects[name] == EXPECTED[name]["subject"], name
        for phrase in EXPECTED[name]["body_contains"]: assert phrase in full, (name, phrase)


def test_every_text_of_a_message_is_escaped(env, tmp_path):
    box = tmp_path/"box"; box.mkdir()
    (box/"evil<b>.eml").write_text('From: "<img src=x onerror=alert(1)>" <a@b.example>\nSubject: <script>alert("x")</script>\n'
                                   "Date: Mon, 14 Sep 2026 08:12:00 +0200\nMessage-ID: <e1@b.example>\nMIME-Version: 1.0\n"
                                   'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain; charset=utf-8\n\n'
                                   "Demain je ne peux pas venir </script><script>alert(2)</script>\n--B\n"
                                   'Content-Type: application/pdf\nContent-Disposition: attachment; filename="<svg onload=alert(3)>.pdf"\n\n'
                                   "%PDF\n--B--\n", encoding="utf-8")
    r = run_cli("triage", "inbox", box, "--out", tmp_path/"out", env=env)
    assert r.returncode == 0, r.stderr
    page = (tmp_path/"out"/"inbox.html").read_text(encoding="utf-8")
    assert page.count("<script") == 2                                          # the data block and the page's own script
    assert not any(x in page for x in ("<img", "<svg", "<b>.eml", "alert(2)</script>"))
    assert "&lt;svg onload=alert(3)&gt;.pdf" in page and "evil&lt;b&gt;.eml" in page


@pytest.mark.parametrize("case", ["out_is_input", "out_inside_input", "foreign_files", "missing_input", "not_a_mailbox", "empty_folder"])
def test_bad_input_exits_2_and_writes_nothing(env, tmp_path, case):
    box = tmp_path/"box"; shutil.copytree(CORPUS, box)
    out, target = tmp_path/"out", box
    if case == "out_is_input": out = box
    if case == "out_inside_input": out = box/"inbox"
    if case == "foreign_files": out.mkdir(); (out/"notes.txt").write_text("mine")
    if case == "missing_input": target = tmp_path/"absent"
    if case == "not_a_mailbox": target = box/"README.md"
    if case == "empty_folder": target = tmp_path/"empty"; target.mkdir()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    r = run_cli("triage", "inbox", target, "--out", out, env=env)
    assert r.returncode == 2, (case, r.stdout, r.stderr)
    assert r.stderr.startswith("error: ") and len(r.stderr.splitlines()) == 1, r.stderr
    said = {"foreign_files": "holds other files: notes.txt", "missing_input": "absent", "not_a_mailbox": "README.md: expected an mbox file",
            "empty_folder": "empty: expected a folder holding .eml files"}.get(case, "--out: expected an output apart from the inputs")
    assert said in r.stderr, r.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written, nothing removed


def test_rerun_replaces_its_own_output(env, folder):
    r = run_cli("triage", "inbox", CORPUS, "--out", folder[1], "--top", 1, env=env)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in folder[1].iterdir()) == [".emploi-lab-output.json", "inbox.csv", "inbox.html"]


def test_csv_input_like_triage_score(env, tmp_path):
    pd.DataFrame({"id": ["a", "b"], "received_at": ["2026-03-10 09:00", "10/03/2026 10:30"], "subject": ["Rdv", "Merci"],
                  "body": ["Je ne pourrai pas venir au rendez-vous de demain à 14h.", "Merci, rien ne presse."]}).to_csv(tmp_path/"in.csv", index=False)
    r = run_cli("triage", "inbox", tmp_path/"in.csv", "--out", tmp_path/"out", env=env)
    assert r.returncode == 0, r.stderr
    t = ranking(tmp_path/"out")
    assert t["id"].tolist() == ["a", "b"] and t.loc[0, "appointment_at"] == "2026-03-11T14:00"



def test_inbox_page_in_a_browser(folder, browser, tmp_path):
    out = folder[1]
    table = ranking(out)
    page = browser.new_page(viewport={"width": 1100, "height": 1400}, accept_downloads=True)
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto((out/"inbox.html").as_uri())
    # the ranked list, in the order of the table
    ranks = page.eval_on_selector_all("li.email .rank", "els => els.map(e => Number(e.textContent))")
    assert ranks == table["rank"].tolist()
    subjects = page.eval_on_selector_all("li.email h3.subject", "els => els.map(e => e.innerText)")
    assert subjects[:5] == [s or "(sans objet)" for s in table["subject"][:5]]
    assert page.locator("li.email mark.up").count() > 0 and page.locator("li.email mark.down").count() > 0
    # one click on "pas urgent" records a correction and offers it for download
    assert page.is_hidden("#download")
    page.click("#m1 button.fix")
    assert page.inner_text("#count") == "1 correction" and page.is_visible("#download")
    assert page.locator("#m1.fixed").count() == 1 and page.locator("#feedback li").count() == 1
    with page.expect_download() as dl:
        page.click("#download")
    assert dl.value.suggested_filename == "corrections-triage.csv"
    dl.value.save_as(tmp_path/"corrections-triage.csv")
    fb = pd.read_csv(tmp_path/"corrections-triage.csv", dtype=str, keep_default_na=False)
    assert fb.columns.tolist() == ["id", "urgency", "corrected_at", "received_at", "subject", "body", "category"]
    assert fb.loc[0, "id"] == table.loc[0, "id"] and fb.loc[0, "urgency"] == "3" and fb.loc[0, "corrected_at"].endswith("Z")
    assert fb.loc[0, "subject"] == table.loc[0, "subject"]
    page.screenshot(path="/tmp/inbox.png")
    # a second click takes the correction back
    page.click("#m1 button.fix")
    assert page.inner_text("#count") == "aucune correction" and page.is_hidden("#download")
    assert all(u.startswith(("file:", "blob:", "data:")) for u in requests), requests  # nothing fetched from elsewhere


def test_train_reads_the_corrections_downloaded_from_the_page(tmp_path):
    "`triage train --feedback` adds the corrected emails to the training and records them; a bad file trains nothing."
    env = {**os.environ, "EMPLOI_LAB_CACHE": str(tmp_path/"cache")}
    fb = tmp_path/"corrections-triage.csv"
    pd.DataFrame({"id": ["e27@x"], "urgency": [3], "corrected_at": ["2026-09-14T10:02:00.000Z"], "received_at": ["2026-09-14T08:12:00"],
                  "subject": ["URGENT !!! merci"], "body": ["Merci pour l'attestation, tout est en ordre."], "category": ["autre"]}).to_csv(fb, index=False)
    r = run_cli("triage", "train", "--n-emails", 1500, "--out", tmp_path/"model", "--feedback", fb, env=env)
    assert r.returncode == 0, r.stderr
    meta = json.loads((tmp_path/"model"/"model.json").read_text())
    assert meta["training_data"]["corrections"]["n"] == 20 and "corrections : 20 lignes d'entraînement" in r.stdout
    fb.write_text("id,urgency\ne27@x,4\n", encoding="utf-8")
    r = run_cli("triage", "train", "--n-emails", 1500, "--out", tmp_path/"model2", "--feedback", fb, env=env)
    assert r.returncode == 2 and "corrections-triage.csv, column 'corrected_at'" in r.stderr, r.stderr
    assert not (tmp_path/"model2").exists()

"""Personal diagnostics: a one- or two-page PDF and an HTML page written only where the adviser asks, figures equal to
what `survival predict`, `reconversion suggest` and `mobility suggest` print, no protected attribute as a factor, bad
input refused with exit code 2 and nothing written, one access-log line without content."""
import json
import re
import shutil
import subprocess

import pandas as pd
import pytest
from conftest import run_cli

from emploi_lab.diagnostic import (
    ACCESS_LOG,
    HORIZONS,
    PROTECTED_CONCEPTS,
    check_profile,
    diagnostic_figures,
    model_rows,
    seeker_profile,
)
from emploi_lab.store import read_table
from emploi_lab.survival_target import PROTECTED_FEATURES

PROFILE = dict(territory="59", rome="K2204", age=52, sex="F", education="cap_bep", children=1)
PROFILE_ARGS = ["--territory", "59", "--rome", "K2204", "--age", "52", "--sex", "F", "--education", "cap_bep", "--children", "1"]
CONTRASTS = [PROFILE, dict(territory="75", rome="M1607", age=28, sex="M", education="bac_3_plus"),
             dict(territory="48", rome="A1414", age=35, sex="M", education="below_cap", radius_km=80.0),
             dict(territory="974", rome="G1602", age=45, sex="F", education="bac", children=3),
             dict(territory="13", rome="N1103", age=61, sex="M", education="cap_bep")]


def pdf_pages(path) -> int:
    "Number of pages of a PDF, by poppler's pdfinfo."
    if not shutil.which("pdfinfo"): pytest.skip("pdfinfo (poppler-utils) is not installed")
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M)[1])


@pytest.fixture(scope="module")
def profile_run(territory_data, tmp_path_factory):
    "One diagnostic of the typed profile through the real CLI."
    out = tmp_path_factory.mktemp("adviser")/"diagnostics"
    r = run_cli("diagnostic", *PROFILE_ARGS, "--data", territory_data, "--out", out)
    return r, out


@pytest.fixture(scope="module")
def figures(territory_data):
    return diagnostic_figures(check_profile(**PROFILE), territory_data)


def test_a_profile_diagnostic_is_one_or_two_pages_of_pdf_and_an_html_page(profile_run):
    r, out = profile_run
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [ACCESS_LOG, "diagnostic-59-K2204-profil.html", "diagnostic-59-K2204-profil.pdf"], names  # nothing else left
    assert 1 <= pdf_pages(out/"diagnostic-59-K2204-profil.pdf") <= 2
    html = (out/"diagnostic-59-K2204-profil.html").read_text(encoding="utf-8")
    assert "DONNÉES SYNTHÉTIQUES" in html and "Pistes de mobilité" in html and "Ce que le modèle ne sait pas" in html


def test_the_access_log_says_who_when_and_which_id_and_nothing_else(profile_run, figures):
    _, out = profile_run
    lines = (out/ACCESS_LOG).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    when, user, territory, who = lines[0].split("\t")
    pd.Timestamp(when)  # an ISO time
    assert user.startswith("user=") and territory == "territory=59" and who == "id=profil saisi"
    assert "K2204" not in lines[0] and "%" not in lines[0] and "52" not in lines[0]  # no content: no occupation, figure or age


def test_the_document_shows_the_figures_it_computed(profile_run, figures):
    html = (profile_run[1]/"diagnostic-59-K2204-profil.html").read_text(encoding="utf-8")
    p12 = f"{100 * figures['survival']['p365']['p']:.0f}\u202f%"
    assert p12 in html
    assert figures["reconversion"]["candidates"][0]["near_rome_code"] in html
    if figures["mobility"]["destinations"]: assert figures["mobility"]["destinations"][0]["name"] in html


def test_survival_figures_equal_survival_predict(figures, territory_data, tmp_path, cli):
    rows = tmp_path/"person.csv"
    model_rows(check_profile(**PROFILE), territory_data).to_csv(rows, index=False)
    r = cli("survival", "predict", figures["model"]["folder"], rows, "--out", tmp_path/"pred.csv", "--horizons", ",".join(map(str, HORIZONS)))
    assert r.returncode == 0, r.stderr
    pred = pd.read_csv(tmp_path/"pred.csv").iloc[0]
    for h in HORIZONS:
        got = figures["survival"][f"p{h}"]
        for key, suffix in (("p", ""), ("low", "_low"), ("high", "_high")):
            assert got[key] == pytest.approx(pred[f"p_employed_{h}{suffix}"], abs=1e-9)
        assert got["low"] <= got["p"] <= got["high"]


def test_reconversion_figures_equal_reconversion_suggest(figures, territory_data, cli):
    r = cli("reconversion", "suggest", *PROFILE_ARGS, "--data", territory_data, "--top", "3", "--json")
    assert r.returncode == 0, r.stderr
    ans = json.loads(r.stdout)
    assert ans["p_employed_12m"] == pytest.approx(figures["reconversion"]["p_employed_12m"], abs=1e-12)
    assert ans["p_employed_12m"] == pytest.approx(figures["survival"]["p365"]["p"], abs=1e-9)  # one model behind both
    mine = figures["reconversion"]["candidates"]
    assert [c["near_rome_code"] for c in ans["candidates"]] == [c["near_rome_code"] for c in mine]
    assert [c["gain"] for c in ans["candidates"]] == pytest.approx([c["gain"] for c in mine], abs=1e-12)
    assert [c["gain_low"] for c in ans["candidates"]] == pytest.approx([c["gain_low"] for c in mine], abs=1e-12)


def test_mobility_figures_equal_mobility_suggest(figures, territory_data, cli):
    r = cli("mobility", "suggest", "--territory", "59", "--rome", "K2204", "--children", "1", "--radius-km", "150",
            "--top", "3", "--data", territory_data, "--json")
    assert r.returncode == 0, r.stderr
    ans = json.loads(r.stdout)
    mine = figures["mobility"]["destinations"]
    assert [d["territory"] for d in ans["destinations"]] == [d["territory"] for d in mine]
    for term in ("demand", "tension", "housing", "childcare", "distance", "score"):
        assert [d[term] for d in ans["destinations"]] == pytest.approx([d[term] for d in mine], abs=1e-12)


@pytest.mark.parametrize("profile", CONTRASTS, ids=lambda p: f"{p['territory']}-{p['rome']}")
def test_no_protected_attribute_is_ever_a_factor(profile, territory_data):
    f = diagnostic_figures(check_profile(**profile), territory_data)
    assert f["drivers"], "some factor is named"
    assert not {d["factor"] for d in f["drivers"]} & PROTECTED_CONCEPTS
    assert not set(model_rows(check_profile(**profile), territory_data).columns) & set(PROTECTED_FEATURES)


def _open_seeker(data_dir) -> str:
    "A seeker registered at the dataset's as-of date, for a short while."
    sp = read_table("spells", data_dir, ["seeker_id", "registered_at", "ended_at"])
    now = sp[sp.ended_at.isna()].sort_values("registered_at")
    return now.seeker_id.iloc[-len(now) // 10]


def test_a_seeker_id_gives_a_diagnostic_and_logs_the_id_only(territory_data, tmp_path, cli):
    sid = _open_seeker(territory_data)
    p = seeker_profile(sid, territory_data)
    assert p["seeker_id"] == sid and p["registered_at"] is not None
    r = cli("diagnostic", "--seeker-id", sid, "--data", territory_data, "--out", tmp_path/"d", "--formats", "html")
    assert r.returncode == 0, r.stderr
    assert (tmp_path/"d"/f"diagnostic-{p['territory']}-{p['rome']}-{sid}.html").exists()
    line = (tmp_path/"d"/ACCESS_LOG).read_text(encoding="utf-8").strip()
    assert line.endswith(f"territory={p['territory']}\tid={sid}")


def _run_folder(tmp_path):
    run = tmp_path/"run"
    (run/"territories").mkdir(parents=True)
    (run/"manifest.json").write_text(json.dumps({"emploi_lab_version": "0", "reports": [], "outputs": {}}))
    return run


BAD = {"unknown territory": (PROFILE_ARGS[:1] + ["99"] + PROFILE_ARGS[2:], "--territory"),
       "unknown ROME code": (PROFILE_ARGS[:3] + ["G9999"] + PROFILE_ARGS[4:], "--rome"),
       "impossible age": (PROFILE_ARGS[:5] + ["140"] + PROFILE_ARGS[6:], "--age"),
       "unknown education": (PROFILE_ARGS[:9] + ["cap"] + PROFILE_ARGS[10:], "--education"),
       "negative radius": (PROFILE_ARGS + ["--radius-km", "-5"], "--radius-km"),
       "unknown seeker id": (["--seeker-id", "nobody-here"], "--seeker-id"),
       "both a profile and an id": (PROFILE_ARGS + ["--seeker-id", "x"], "--seeker-id")}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_and_writes_nothing(case, territory_data, tmp_path, cli):
    args, option = BAD[case]
    out = tmp_path/"diagnostics"
    r = cli("diagnostic", *args, "--data", territory_data, "--out", out)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert option in r.stderr
    assert not out.exists()


def test_a_diagnostic_is_never_written_into_a_published_run_or_the_data(territory_data, tmp_path, cli):
    run = _run_folder(tmp_path)
    before = sorted(p.relative_to(run) for p in run.rglob("*"))
    for out in (run/"territories"/"59", run, territory_data, territory_data/"diag"):
        r = cli("diagnostic", *PROFILE_ARGS, "--data", territory_data, "--out", out)
        assert r.returncode == 2 and "--out" in r.stderr, (out, r.stderr)
    assert sorted(p.relative_to(run) for p in run.rglob("*")) == before
    assert not (territory_data/"diag").exists() and not (territory_data/ACCESS_LOG).exists()


def test_a_person_registered_longer_than_the_data_follow_gets_no_estimate_rather_than_zero(territory_data):
    sp = read_table("spells", territory_data, ["seeker_id", "registered_at", "ended_at"])
    oldest = sp[sp.ended_at.isna()].sort_values("registered_at").seeker_id.iloc[0]
    f = diagnostic_figures(seeker_profile(oldest, territory_data), territory_data)
    s = f["survival"]
    for h in HORIZONS:
        known = f["days_registered"] + h <= s["longest_observed_days"]
        assert (s[f"p{h}"]["p"] is not None) == known
        if known: assert s[f"p{h}"]["p"] > 0

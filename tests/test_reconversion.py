"""Reconversion: observed moves as candidates, a blind model, gains with intervals and reasons, the flag against the
truth on held-out people, and the CLI end to end."""
import json

import numpy as np
import pandas as pd
import pytest

from emploi_lab.reconversion import (
    SPELL_COLUMNS,
    ReconversionAdvisor,
    candidate_gains,
    choose_operating_point,
    flag_scores,
    flag_seekers,
    load_advisor,
    make_profile,
    suggest_reconversion,
    territory_reconversion,
    true_flags,
    true_gains,
)
from emploi_lab.referentials import occupation_proximity
from emploi_lab.store import read_table, read_truth

AS_OF = "2026-09-30"  # the as-of date of the `territory_data` fixture (conftest.py)


@pytest.fixture(scope="module")
def advisor(territory_data):
    return load_advisor(territory_data)


@pytest.fixture(scope="module")
def held_out(territory_data):
    "An advisor fitted on 70 % of the people, and recent seekers among the other 30 %."
    spells = read_table("spells", territory_data, SPELL_COLUMNS)
    offers = read_table("offers", territory_data, ["territory", "rome_code", "posted_at"])
    childcare = read_table("childcare", territory_data, ["territory", "children_under_3", "places"])
    out = spells.seeker_id.isin(spells.seeker_id.drop_duplicates().sample(frac=0.3, random_state=0))
    adv = ReconversionAdvisor().fit(spells[~out], offers, childcare, as_of=AS_OF)
    recent = spells[out & (spells.registered_at > pd.Timestamp(AS_OF) - pd.Timedelta(days=182))].reset_index(drop=True)
    return adv, recent


def test_candidates_are_observed_moves_first(advisor):
    prof = make_profile("69", "K2204", AS_OF, age=45, education="cap_bep")
    g = candidate_gains(advisor, prof)
    moves = occupation_proximity().query("rome_code == 'K2204'")
    assert set(g.near_rome_code) == set(moves.near_rome_code) and (g.source == "observed").all()
    assert g.gain.is_monotonic_decreasing and ((g.gain_low <= g.gain) & (g.gain <= g.gain_high)).all()


def test_advice_is_blind_to_protected_attributes(advisor):
    a = suggest_reconversion(advisor, make_profile("13", "N1103", AS_OF, age=30), top=5)
    b = suggest_reconversion(advisor, make_profile("13", "N1103", AS_OF, age=30, sex="M", nationality_group="non_eu", rqth=True, qpv=True), top=5)
    assert a["p_own"] == b["p_own"]
    pd.testing.assert_frame_equal(a["candidates"], b["candidates"])
    assert all(r.startswith(("Des demandeurs", "« ")) and "points" in r for r in a["candidates"].reason)


def test_flag_agrees_with_the_truth_on_held_out_people(territory_data, held_out):
    adv, recent = held_out
    truth = read_truth(territory_data)
    pred, true = flag_seekers(adv, recent), true_flags(recent, truth, adv.proximity_)
    half = len(recent) // 2
    p_low, g = choose_operating_point(pred.iloc[:half], true.flag.iloc[:half], target_precision=0.75)
    test = pred.iloc[half:]
    s = flag_scores((test.p_own < p_low) & (test.best_gain >= g), true.flag.iloc[half:])
    assert s["flagged"] > 0 and s["precision"] > 0.6 and s["recall"] > 0.25, s  # tiny data; full scale in bench/eval_world.py
    rand = flag_scores(np.random.default_rng(0).permutation(((test.p_own < p_low) & (test.best_gain >= g)).to_numpy()), true.flag.iloc[half:])
    assert s["precision"] > rand["precision"] + 0.2  # far better than the same number of flags at random


def test_gains_follow_the_true_gains(territory_data, held_out):
    adv, recent = held_out
    gains = candidate_gains(adv, recent.head(400))
    tg = true_gains(recent.head(400), read_truth(territory_data), gains)
    assert np.corrcoef(gains.gain, tg)[0, 1] > 0.35
    assert 0.6 < ((tg >= gains.gain_low) & (tg <= gains.gain_high)).mean() < 0.98


def test_territory_aggregates_respect_k(advisor, territory_data):
    spells = read_table("spells", territory_data, SPELL_COLUMNS)
    on = spells[spells.ended_at.isna()].reset_index(drop=True)
    r = territory_reconversion(advisor, on, k=5)
    assert int(r["totals"].registered.sum()) == len(on)
    assert (r["pairs"].flagged >= 5).all() and r["pairs"].reason.str.contains("points").all()
    shown = r["totals"].dropna()
    assert ((shown.flagged >= 5) & (shown.registered - shown.flagged >= 5)).all()


def test_cli_table_and_json(territory_data, cli):
    r = cli("reconversion", "suggest", "--territory", "69", "--rome", "K2204", "--age", "52", "--education", "cap_bep",
            "--top", "3", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    assert "Probabilité de reprise d'emploi à 12 mois" in r.stdout and "Pourquoi" in r.stdout
    r = cli("reconversion", "suggest", "--territory", "69", "--rome", "K2204", "--children", "1", "--sex", "M", "--rqth",
            "--json", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["profile"]["rqth"] is True and out["profile"]["sex"] == "M" and out["profile"]["young_children"] == 1
    assert 0 <= out["p_employed_12m"] <= 1 and isinstance(out["reconversion_a_envisager"], bool)
    gains = [c["gain"] for c in out["candidates"]]
    assert gains == sorted(gains, reverse=True) and all(c["gain_low"] <= c["gain"] <= c["gain_high"] for c in out["candidates"])
    assert all(c["source"] in ("observed", "same_subdomain") and c["reason"] for c in out["candidates"])


@pytest.mark.parametrize("args,message", [(["--territory", "2C", "--rome", "K2204"], "did you mean"),
                                          (["--territory", "69", "--rome", "K2240"], "did you mean 'K2"),
                                          (["--territory", "69", "--rome", "K2204", "--education", "licence"], "one of below_cap"),
                                          (["--territory", "69", "--rome", "K2204", "--age", "9"], "between 15 and 75")])
def test_cli_bad_input_exit_2(territory_data, cli, args, message):
    r = cli("reconversion", "suggest", *args, "--data", territory_data)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error:") and message in r.stderr

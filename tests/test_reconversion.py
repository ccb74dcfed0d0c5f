"""Reconversion: counterfactual gains, the flag against the truth, and the CLI end to end."""
import json

import pandas as pd
import pytest

from emploi_lab.reconversion import (
    SPELL_COLUMNS,
    candidate_gains,
    flag_scores,
    flag_seekers,
    load_advisor,
    make_profile,
    true_flags,
)
from emploi_lab.store import read_table, read_truth

AS_OF = "2026-09-30"  # the as-of date of the `territory_data` fixture (conftest.py)


@pytest.fixture(scope="module")
def advisor(territory_data):
    return load_advisor(territory_data)


def test_counterfactual_swaps_only_the_occupation(advisor):
    prof = make_profile("69", "K2204", AS_OF, age=45, education="cap_bep")
    g = candidate_gains(advisor, prof)
    assert len(g) > 0 and (g.from_rome_code == "K2204").all() and (g.near_rome_code != "K2204").all()
    assert g.gain.is_monotonic_decreasing
    # a higher context gives a higher probability, all else equal (positive context coefficient)
    assert (g.sort_values("context").p_candidate.diff().dropna() >= -1e-12).all()


def test_flag_agrees_with_the_truth(territory_data, advisor):
    spells = read_table("spells", territory_data, SPELL_COLUMNS)
    recent = spells[spells.registered_at > spells.registered_at.max() - pd.Timedelta(days=182)]
    sample = recent.sample(min(1500, len(recent)), random_state=0).reset_index(drop=True)
    s = flag_scores(flag_seekers(advisor, sample).flag, true_flags(sample, read_truth(territory_data), advisor.proximity_).flag)
    assert s["flagged"] > 0 and s["precision"] > 0.6 and s["recall"] > 0.4  # tiny data; full-scale figures in the notebook


def test_cli_table_and_json(territory_data, cli):
    r = cli("reconversion", "suggest", "--territory", "69", "--rome", "K2204", "--age", "52", "--education", "cap_bep",
            "--top", "3", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    assert "Probabilité de reprise d'emploi à 12 mois" in r.stdout
    r = cli("reconversion", "suggest", "--territory", "69", "--rome", "K2204", "--children", "1", "--sex", "M", "--rqth",
            "--json", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["profile"]["rqth"] is True and out["profile"]["sex"] == "M" and out["profile"]["young_children"] == 1
    assert 0 <= out["p_employed_12m"] <= 1 and isinstance(out["reconversion_a_envisager"], bool)
    gains = [c["gain"] for c in out["candidates"]]
    assert gains == sorted(gains, reverse=True)


@pytest.mark.parametrize("args,message", [(["--territory", "2C", "--rome", "K2204"], "did you mean"),
                                          (["--territory", "69", "--rome", "K2240"], "did you mean 'K2"),
                                          (["--territory", "69", "--rome", "K2204", "--education", "licence"], "one of below_cap"),
                                          (["--territory", "69", "--rome", "K2204", "--age", "9"], "between 15 and 75")])
def test_cli_bad_input_exit_2(territory_data, cli, args, message):
    r = cli("reconversion", "suggest", *args, "--data", territory_data)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error:") and message in r.stderr

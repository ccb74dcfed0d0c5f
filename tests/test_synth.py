"""The synthetic generator: determinism (content hashes), seeds, the disparities switch, the oracle helpers."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from emploi_lab.synth import (
    DEFAULT_SEED,
    DISPARITIES,
    SPELL_COLUMNS,
    calibration_table,
    generate,
    sample_label,
    table_hashes,
    true_linear_predictor,
    true_survival,
)

SCALE = 0.001  # ≈ 5,500 registered: fast, and enough for the checks below


@pytest.fixture(scope="module")
def world():
    return generate(scale=SCALE)


def test_same_seed_and_scale_give_identical_tables(world):
    again = generate(scale=SCALE)
    assert table_hashes(again) == table_hashes(world)
    assert json.dumps(again.truth, sort_keys=True) == json.dumps(world.truth, sort_keys=True)
    for name, table in world.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], table)


def test_identical_in_a_fresh_process(world):
    code = f"import json; from emploi_lab.synth import generate, table_hashes; print(json.dumps(table_hashes(generate(scale={SCALE}))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert json.loads(out.stdout) == table_hashes(world)


def test_hashes_cover_every_table_and_use_pandas_row_hashes(world):
    hashes = table_hashes(world)
    assert sorted(hashes) == ["childcare", "housing", "offers", "spells"]
    assert all(len(h) == 64 for h in hashes.values())
    assert "emails" not in world.tables  # the emails engineer fills that slot


def test_another_seed_gives_another_world(world):
    other = generate(scale=SCALE, seed=7)
    a, b = table_hashes(world), table_hashes(other)
    assert a["spells"] != b["spells"] and a["offers"] != b["offers"]
    assert set(other.tables["spells"].spell_id).isdisjoint(world.tables["spells"].spell_id)


def test_layout_and_truth_are_serialisable(world):
    assert list(world.tables["spells"].columns) == SPELL_COLUMNS
    assert list(world.tables["offers"].columns) == ["offer_id", "territory", "rome_code", "posted_at", "contract_type", "status"]
    assert len(world.tables["housing"]) == len(world.tables["childcare"]) == 101
    truth = json.loads(json.dumps(world.truth))
    assert sorted(truth["disparities"]) == sorted(DISPARITIES)
    assert set(truth["baseline"]["hazard_per_day"]) == {"employment", "training", "other"}
    assert world.truth_tables["tension"].shape == (101*1584, 7)
    assert world.truth["seed"] == DEFAULT_SEED


def test_disparities_switch(world):
    fair = generate(scale=SCALE, disparities=False)
    assert fair.truth["disparities"] == {}
    s, f = world.tables["spells"], fair.tables["spells"]
    person = ["seeker_id", "territory", "rome_code", "sex", "education", "nationality_group"]
    both = s[person].drop_duplicates().merge(f[person].drop_duplicates(), on="seeker_id", suffixes=("", "_fair"))
    assert len(both) > 0.5*s.seeker_id.nunique()  # the same people register for the first time in both worlds
    for c in person[1:]:
        assert (both[c] == both[f"{c}_fair"]).all(), c
    assert not s[["registered_at", "ended_at"]].equals(f[["registered_at", "ended_at"]])  # their exits differ
    non_eu = (s.nationality_group == "non_eu").to_numpy()
    lp_unfair = true_linear_predictor(s, world.truth)
    lp_fair = true_linear_predictor(s, fair.truth)
    np.testing.assert_allclose((lp_unfair - lp_fair)[non_eu & ~s.qpv.to_numpy() & (s.sex == "M").to_numpy()], np.log(0.80))
    only = generate(scale=SCALE, disparities={"non_eu_penalty": 0.5})
    assert list(only.truth["disparities"]) == ["non_eu_penalty"]
    with pytest.raises(ValueError, match="unknown disparities"):
        generate(scale=SCALE, disparities={"gender": 0.9})


def test_oracle_works_from_the_saved_truth(world):
    saved = json.loads(json.dumps(world.truth))  # what truth/truth.json holds
    spells = world.tables["spells"].head(1000)
    for cause in ("employment", "training", "other"):
        np.testing.assert_allclose(true_linear_predictor(spells, saved, cause), true_linear_predictor(spells, world.truth, cause))
    np.testing.assert_allclose(true_survival(spells, saved, [365]), true_survival(spells, world.truth, [365]))


def test_oracle_survival_is_a_survival_function(world):
    spells = world.tables["spells"].head(300)
    s = true_survival(spells, world.truth, [0, 30, 182, 365, 730])
    assert s.shape == (300, 5)
    assert np.allclose(s[:, 0], 1) and (np.diff(s, axis=1) <= 1e-12).all() and ((s >= 0) & (s <= 1)).all()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="scale"):
        generate(scale=0)
    with pytest.raises(ValueError, match="months"):
        generate(scale=SCALE, months=0)


def test_repeat_registrations_follow_the_previous_spell(world):
    sp = world.tables["spells"].sort_values(["seeker_id", "registered_at"], kind="stable")
    again = sp[sp.seeker_id.duplicated(keep=False)]
    assert again.seeker_id.nunique() > 0.1*sp.seeker_id.nunique()
    g = again.groupby("seeker_id")
    prev_end = g.ended_at.shift()
    later = again[prev_end.notna()]
    assert (later.registered_at > prev_end[prev_end.notna()]).all()  # a new spell starts after the previous one ended
    assert (g.sex.nunique() == 1).all() and (g.nationality_group.nunique() == 1).all() and (g.rome_code.nunique() == 1).all()
    assert (g.age.diff().dropna() >= 0).all()


def test_occupation_mix_and_inflow_meet_their_targets(world):
    t = calibration_table(world).set_index("quantity")
    for q in ["offers: top-20 ROME codes shared with the reference (of 20)", "offers: share in ROME codes the reference lacks",
              "job seekers: largest gap between domain shares and the reference", "registrations a month, first and repeat (window)",
              "true tension vs DARES tension (Spearman, published cells)"]:
        assert t.loc[q, "ok"], (q, t.loc[q])
    kappa = world.truth["calibration"]["kappa_share_of_returns_to_work_leaving_the_lists"]
    assert 0.6 < kappa < 0.9


def test_sample_label():
    assert sample_label(0.02) == "échantillon au 1/50" and sample_label(1) == "France entière"
    with pytest.raises(ValueError, match="scale"):
        sample_label(0)

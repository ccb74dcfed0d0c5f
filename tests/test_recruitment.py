"""Recruitment potential: forecasts of every series, calibrated intervals, the tension index, and the CLI end to end."""
import json

import numpy as np
import pandas as pd
import pytest

from emploi_lab.recruitment import (
    TENSION_CUTS,
    backtest,
    class_interval,
    fit_intervals,
    interval_coverage,
    load_forecast,
    load_tension,
    mase_by,
    monthly_offers,
    potential_for,
    tension_class,
    territory_tension,
)
from emploi_lab.store import dataset_as_of, read_table


@pytest.mark.parametrize("horizon", [3, 6])
def test_forecast_every_series_beats_seasonal_naive(territory_data, horizon):
    fc, mase = load_forecast(territory_data, horizon)
    assert fc.duplicated(["territory", "rome_code"]).sum() == 0
    assert np.isfinite(fc.expected_offers).all() and (fc.expected_offers >= 0).all()
    assert (fc.low <= fc.high).all() and (fc.low >= 0).all()
    big = fc[fc.expected_offers >= 5]  # where the interval has room, it holds the expected count
    assert len(big) and ((big.low <= big.expected_offers) & (big.expected_offers <= big.high)).all()
    assert mase.loc["overall", "ratio"] < 1  # the fast accuracy gate: better than copying last year


def test_intervals_recover_a_known_dispersion():
    rng = np.random.default_rng(1)
    mu = rng.uniform(6, 60, 30_000)
    y = rng.negative_binomial(1/0.15, 1/(1 + 0.15*mu))
    bt = pd.DataFrame({"learned_mean": mu, "actual": y})
    iv = fit_intervals(bt)
    filled = iv[iv.rows > 1000]
    assert np.allclose(filled.alpha, 0.15, atol=0.03), filled
    fresh = rng.negative_binomial(1/0.15, 1/(1 + 0.15*mu))  # new draws: the fitted intervals cover 80 % of them
    lo, hi = class_interval(mu, iv)
    assert abs(((fresh >= lo) & (fresh <= hi)).mean() - 0.8) < 0.015


def test_interval_coverage_is_measured_on_held_out_origins(territory_data):
    panel = monthly_offers(read_table("offers", territory_data, ["territory", "rome_code", "posted_at"]), dataset_as_of(territory_data))
    bt = backtest(panel, 3, n_origins=3, max_iter=40, max_rows=30_000)
    cov = interval_coverage(bt, k=3, held_out=2)
    held = sorted(bt.origin.astype(str).unique())[-2:]
    assert list(cov.origin[:2]) == held and cov.fitted_on.iloc[1] == ", ".join(sorted(bt.origin.astype(str).unique())[:2])
    assert 0.6 < cov.coverage_all.iloc[-1] < 0.98  # tiny data: the full-scale figure is in bench/eval_world.py
    dom = mase_by(bt)
    assert set(dom.index) <= set("ABCDEFGHIJKLMN") and (dom.series > 0).all()


def test_tension_index_ranks_cells_like_the_truth(territory_data):
    t = load_tension(territory_data)
    truth = pd.read_parquet(territory_data/"truth"/"tension.parquet").set_index(["territory", "rome_code"]).tension
    busy = t[t.years_at_risk >= 3]
    true = truth.reindex(pd.MultiIndex.from_frame(busy[["territory", "rome_code"]])).to_numpy()
    assert len(busy) > 200 and pd.Series(busy.tension.to_numpy()).corr(pd.Series(true), method="spearman") > 0.5
    assert (t.tension_class == tension_class(t.tension)).all() and set(t.tension_class) == {1, 2, 3, 4, 5}


def test_one_tension_scale_for_cells_and_territories(territory_data):
    t = load_tension(territory_data)
    tt = territory_tension(t).set_index("territory")
    assert list(tension_class([-1.0, -0.5, 0.0, 0.5, 1.0])) == [1, 2, 3, 4, 5] and len(TENSION_CUTS) == 4
    one = t[t.territory == "69"]
    assert tt.tension["69"] == pytest.approx(np.average(one.tension, weights=one.years_at_risk + 1e-3))
    assert tt.tension_label["Total"] == "moyenne"
    assert set(tt.drop(index="Total").tension_class) > {3}  # territories do differ on the shared scale


def test_potential_table(territory_data):
    top = potential_for("69", 3, 5, territory_data)
    assert len(top) == 5 and top.expected_offers.is_monotonic_decreasing and (top.territory == "69").all()


def test_cli_table_and_json(territory_data, cli):
    r = cli("recruitment", "forecast", "--territory", "69", "--top", "3", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    assert "Potentiel de recrutement" in r.stdout and "offres attendues" in r.stdout and "données synthétiques" in r.stdout
    r = cli("recruitment", "forecast", "--territory", "2a", "--horizon", "6", "--top", "4", "--json", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["territory"] == "2A" and out["horizon_months"] == 6 and len(out["rows"]) <= 4
    assert [row["expected_offers"] for row in out["rows"]] == sorted((row["expected_offers"] for row in out["rows"]), reverse=True)
    tt = territory_tension(load_tension(territory_data)).set_index("territory")
    assert out["territory_tension"]["label"] == tt.tension_label["2A"]


@pytest.mark.parametrize("args,message", [(["--territory", "2C"], "did you mean"), (["--territory", "20"], "Corsica"),
                                          (["--territory", "69", "--top", "0"], "positive number")])
def test_cli_bad_input_exit_2(territory_data, cli, args, message):
    r = cli("recruitment", "forecast", *args, "--data", territory_data)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error:") and message in r.stderr

"""Recruitment potential: forecasts of every series, the tension index, and the CLI end to end."""
import json

import numpy as np
import pytest

from emploi_lab.recruitment import load_forecast, load_tension, potential_for


@pytest.mark.parametrize("horizon", [3, 6])
def test_forecast_every_series_beats_seasonal_naive(territory_data, horizon):
    fc, mase = load_forecast(territory_data, horizon)
    assert fc.duplicated(["territory", "rome_code"]).sum() == 0
    assert (fc.low <= fc.expected_offers + 1e-9).all() or (fc.low <= fc.high).all()
    assert np.isfinite(fc.expected_offers).all() and (fc.expected_offers >= 0).all()
    assert mase.loc["overall", "ratio"] < 1


def test_tension_index(territory_data):
    t = load_tension(territory_data)
    assert set(t.tension_class) == {1, 2, 3, 4, 5}
    assert abs(t.tension.mean()) < 1e-9
    assert t[["z_offers_per_seeker", "z_difficulty", "z_exit_rate"]].corrwith(t.tension).min() > 0


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


@pytest.mark.parametrize("args,message", [(["--territory", "2C"], "did you mean"), (["--territory", "20"], "Corsica"),
                                          (["--territory", "69", "--top", "0"], "positive number")])
def test_cli_bad_input_exit_2(territory_data, cli, args, message):
    r = cli("recruitment", "forecast", *args, "--data", territory_data)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error:") and message in r.stderr

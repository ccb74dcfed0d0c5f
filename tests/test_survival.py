"""`emploi-lab survival` through the real console script: a public data set, bad input, and the estimator contract."""
import json

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi

from emploi_lab.survival import ESTIMATORS, CoxPHModel, make_estimator, simulate_cox, survival_target


@pytest.fixture(scope="module")
def rossi_csv(tmp_path_factory):
    "lifelines' Rossi recidivism data (weeks to re-arrest), with yes/no events, as a user would bring it."
    d = tmp_path_factory.mktemp("rossi")
    rossi = load_rossi()
    rossi.assign(arrest=rossi["arrest"].map({1: "yes", 0: "no"})).to_csv(d / "rossi.csv", index=False)
    return d / "rossi.csv"


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_fit_matches_lifelines(cli, rossi_csv, tmp_path, ties):
    r = cli("survival", "fit", rossi_csv, "--duration", "week", "--event", "arrest", "--ties", ties, "--out", tmp_path / "m")
    assert r.returncode == 0, r.stderr
    ref = CoxPHFitter(baseline_estimation_method="breslow").fit(load_rossi(), "week", "arrest")
    if ties == "breslow":  # lifelines only does Efron; scikit-survival's Breslow is the reference then
        from sksurv.linear_model import CoxPHSurvivalAnalysis
        rossi = load_rossi()
        ref_coef = CoxPHSurvivalAnalysis(ties="breslow").fit(rossi.drop(columns=["week", "arrest"]), survival_target(rossi.arrest, rossi.week)).coef_
    else:
        ref_coef = ref.params_.to_numpy()
    coefs = pd.read_csv(tmp_path / "m" / "coefficients.csv", index_col=0)
    assert list(coefs.columns[:5]) == ["coef", "exp(coef)", "se(coef)", "z", "p"]
    np.testing.assert_allclose(coefs["coef"].to_numpy(), ref_coef, rtol=1e-4)
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    if ties == "efron": assert metrics["c_index_fit"] == pytest.approx(ref.concordance_index_, abs=1e-9)
    assert 0.5 < metrics["heldout"]["c_index"] < 0.8 and metrics["heldout"]["ibs"] > 0
    assert "C-index" in r.stdout


def test_predict_adds_columns(cli, rossi_csv, tmp_path):
    assert cli("survival", "fit", rossi_csv, "--duration", "week", "--event", "arrest", "--model", "gbsa", "--cv", "3", "--out", tmp_path / "m").returncode == 0
    assert json.loads((tmp_path / "m" / "metrics.json").read_text())["cv"]["k"] == 3
    r = cli("survival", "predict", tmp_path / "m", rossi_csv, "--horizons", "26,52", "--out", tmp_path / "p.parquet")
    assert r.returncode == 0, r.stderr
    p = pd.read_parquet(tmp_path / "p.parquet")
    assert {"risk_score", "median_time", "p_employed_26", "p_employed_52"} <= set(p.columns)
    assert ((p.p_employed_52 >= p.p_employed_26) & (p.p_employed_52 <= 1)).all()


@pytest.mark.parametrize("change, args, message", [
    (lambda d: d.assign(week=d.week.where(d.index != 3, -1)), [], "column 'week', row 4: expected a non-negative duration"),
    (lambda d: d.assign(arrest="no"), [], "at least one event"),
    (lambda d: d.assign(arrest=d.arrest.where(d.index != 0, "maybe")), [], "column 'arrest', row 1: expected an event indicator"),
    (lambda d: d.assign(age=d.age.astype(str).where(d.index != 9, "n/a")), [], "column 'age', row 10: expected a number"),
    (lambda d: d, ["--features", "fin,agee"], "column 'agee': expected an existing column (did you mean age"),
])
def test_bad_input_exits_2(cli, rossi_csv, tmp_path, change, args, message):
    change(pd.read_csv(rossi_csv)).to_csv(tmp_path / "bad.csv", index=False)
    r = cli("survival", "fit", tmp_path / "bad.csv", "--duration", "week", "--event", "arrest", *args, "--out", tmp_path / "m")
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert not (tmp_path / "m").exists()  # nothing half-written


def test_missing_file_and_model(cli, tmp_path):
    r = cli("survival", "predict", tmp_path / "nope", tmp_path / "nope.csv", "--out", tmp_path / "p.csv")
    assert r.returncode == 2 and "error:" in r.stderr


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_contract(name):
    "Every registry model: shapes, curves in [0, 1] and non-increasing, medians positive, a sensible ranking."
    X, y, _ = simulate_cox(n=1200, seed=1)
    m = make_estimator(name, **({"n_estimators": 20} if name != "cox" else {})).fit(X[:900], y[:900])
    S = m.predict_survival_function(X[900:], [0, 50, 200, 1000])
    assert S.shape == (300, 4) and np.isfinite(S).all() and (S >= 0).all() and (S <= 1).all()
    assert (np.diff(S, axis=1) <= 1e-12).all()
    assert (m.predict_median_time(X[900:]) > 0).all()
    p = m.predict_employment_probability(X[900:], horizons=(91, 365))
    assert list(p.columns) == ["p_employed_91", "p_employed_365"] and (p.p_employed_365 >= p.p_employed_91).all()
    from lifelines.utils import concordance_index
    assert concordance_index(y["time"][900:], -m.predict(X[900:]), y["event"][900:]) > 0.7


def test_cox_refuses_bad_ties():
    X, y, _ = simulate_cox(n=100)
    with pytest.raises(ValueError, match="ties must be"): CoxPHModel(ties="exact").fit(X, y)

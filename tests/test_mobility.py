"""Mobility: scores against home that respond to what they claim (children, radius, housing, childcare, offers), and the CLI."""
import json

import numpy as np
import pytest

from emploi_lab.mobility import TERMS, load_context, rank_of, score_destinations, suggest_mobility, territory_mobility, with_change


@pytest.fixture(scope="module")
def ctx(territory_data):
    return load_context(territory_data)


def _query(ctx, home="69"):
    "A home territory and its largest occupation."
    rome = ctx.seekers.loc[home].idxmax()
    return home, rome, score_destinations(ctx, home, rome)


def test_home_is_the_baseline_and_terms_match_a_hand_computation(ctx):
    home, rome, sc = _query(ctx)
    assert sc.territory.iloc[0] == home and (sc.iloc[0][TERMS] == 0).all() and len(sc) >= 4
    d = sc.iloc[1:]
    ratio = lambda t: (ctx.offers.at[t, rome] + 1) / (ctx.seekers.at[t, rome] + 1)
    assert np.allclose(d.demand, [np.log(ratio(t) / ratio(home)) for t in d.territory])
    vac = ctx.territories.vacancy_rate
    assert np.allclose(d.housing, 0.5 * (vac[d.territory].to_numpy() - vac[home]) / 2)
    assert np.allclose(d.distance, -ctx.distance_km.loc[home, d.territory].to_numpy() / 150)
    assert d.score.is_monotonic_decreasing


def test_zero_offer_territories_never_rank(ctx):
    for home in ["69", "13", "33", "59", "75"]:
        for rome in ctx.seekers.loc[home].sort_values(ascending=False).index[:3]:
            assert (score_destinations(ctx, home, rome).offers_12m.iloc[1:] > 0).all()
    home, rome, sc = _query(ctx)
    gone = sc.territory.iloc[1]
    ctx.offers.loc[gone, rome], kept = 0.0, ctx.offers.at[gone, rome]
    try: assert gone not in set(score_destinations(ctx, home, rome).territory)
    finally: ctx.offers.loc[gone, rome] = kept


@pytest.mark.parametrize("column,bump", [("vacancy_rate", 8.0), ("childcare_per_100", 50.0)])
def test_raising_vacancy_or_childcare_never_lowers_rank(ctx, column, bump):
    home, rome, sc = _query(ctx)
    moved = []
    for dest in sc.territory.iloc[2:]:  # every destination not already first
        changed = with_change(ctx, dest, **{column: ctx.territories.at[dest, column] + bump})
        moved.append(rank_of(score_destinations(changed, home, rome, children=1), dest)
                     - rank_of(score_destinations(ctx, home, rome, children=1), dest))
    assert max(moved) <= 0 and min(moved) < 0


def test_number_of_children_and_radius_change_the_result(ctx):
    changed, widened = 0, 0
    for home in ["69", "13", "33", "59", "31", "67", "44"]:
        rome = ctx.seekers.loc[home].idxmax()
        orders = {n: tuple(score_destinations(ctx, home, rome, children=n).territory) for n in (0, 1, 3)}
        changed += (orders[0] != orders[1]) + (orders[1] != orders[3])
        a = score_destinations(ctx, home, rome, radius_km=100).set_index("territory")
        b = score_destinations(ctx, home, rome, radius_km=200).set_index("territory")
        assert set(a.index) <= set(b.index)
        both = a.index.intersection(b.index)
        assert (b.distance[both] >= a.distance[both] - 1e-12).all()  # a wider radius makes a km cheaper
        widened += len(b) > len(a)
    assert changed >= 2 and widened >= 3


def test_territory_mobility_for_the_reports(ctx):
    tm = territory_mobility(ctx, k=5, n_destinations=3)
    assert set(tm.children) == {0, 1, 3}
    homes = tm[tm["rank"] == 0]
    assert (homes.territory == homes.home).all() and (homes.score == 0).all()
    dest = tm[tm["rank"] > 0]
    assert (dest.offers_12m > 0).all() and dest.explanation.str.contains("contre").all()


def test_cli_table_and_json(territory_data, cli, ctx):
    rome = ctx.seekers.loc["69"].idxmax()
    r = cli("mobility", "suggest", "--territory", "69", "--rome", rome, "--children", "1", "--top", "4", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    assert "score" in r.stdout and "données synthétiques" in r.stdout and "rester" in r.stdout and "logements vacants" in r.stdout
    r = cli("mobility", "suggest", "--territory", "69", "--rome", rome.lower(), "--radius-km", "80", "--json", "--data", territory_data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["rome_code"] == rome and out["synthetic"] is True and out["home"]["territory"] == "69"
    assert all(d["distance_km"] <= 80 or d["territory"] in ctx.territories.at["69", "neighbours"] for d in out["destinations"])
    assert all(d["offers_12m"] > 0 for d in out["destinations"])


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

"""Disclosure control: no published count under k, no hidden cell recoverable from totals, no personal data in text."""
import numpy as np
import pandas as pd
import pytest

from emploi_lab.disclosure import (
    audit_suppression,
    body_fingerprints,
    html_text,
    min_cell_size,
    protect_counts,
    safe_share,
    scan_text,
)

K = 11


def _tiny_territory(n=60, seed=3):
    "A small territory: a few dozen job seekers crossed by age band, sex and education."
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"age": rng.choice(["<25", "25-49", "50+"], n, p=[.15, .55, .3]),
                         "sex": rng.choice(["F", "M"], n),
                         "education": rng.choice(["below_cap", "cap_bep", "bac", "bac_2", "bac_3_plus"], n)})


@pytest.mark.parametrize("dims", [["age"], ["age", "education"], ["age", "sex", "education"]])
def test_tiny_territory_publishes_no_cell_below_k(dims):
    cells = protect_counts(_tiny_territory(), dims, k=K)
    published = cells["published"].dropna()
    assert len(cells) > 0
    assert (published >= K).all(), cells[cells.published < K]
    assert (cells.loc[cells["count"] < K, "status"] != "safe").all()


@pytest.mark.parametrize("dims", [["age", "education"], ["age", "sex", "education"]])
def test_suppressed_cells_cannot_be_recovered_from_totals(dims):
    cells = protect_counts(_tiny_territory(n=150), dims, k=K)
    audit = audit_suppression(cells, dims)
    assert len(audit) > 0, "the example must hide something"
    assert not audit.recoverable.any(), audit[audit.recoverable]
    # and the audit does catch primary suppression alone
    naive = cells.assign(published=cells["count"].where(cells["count"] >= K).astype("Int64"))
    assert audit_suppression(naive, dims).recoverable.any()


def test_hierarchy_territories_regions_nation():
    region_of = {"48": "76", "30": "76", "34": "76", "2A": "94", "2B": "94", "11": "76", "75": "11"}
    sizes = {"48": 4, "30": 40, "34": 70, "2A": 6, "2B": 25, "11": 30, "75": 300}
    micro = pd.DataFrame({"territory": [t for t, n in sizes.items() for _ in range(n)]})
    cells = protect_counts(micro, ["territory"], k=K, hierarchy={"territory": region_of})
    assert (cells.published.dropna() >= K).all()
    assert not audit_suppression(cells, ["territory"], hierarchy={"territory": region_of}).recoverable.any()
    # territory 11 (Aude) and region 11 (Ile-de-France) share a code: levels keep them apart
    assert sorted(cells[cells.territory == "11"].territory_level) == ["leaf", "parent"]


def test_shares_need_k_everywhere():
    assert safe_share(40, 100, k=K) == 0.4
    assert np.isnan(safe_share(10, 100, k=K)) and np.isnan(safe_share(95, 100, k=K)) and np.isnan(safe_share(5, 8, k=K))


def test_threshold_from_defaults():
    assert min_cell_size() == 11


def test_scanner_finds_personal_data():
    body = "Bonjour madame, je ne pourrai pas venir au rendez-vous de jeudi car mon fils est malade."
    text = html_text(f"<p>Contact : marie.durand@free.fr, 06 12 34 56 78, Madame Durand, dossier S0001234.</p><p>{body}</p>")
    kinds = {f["kind"] for f in scan_text(text, ids={"S0001234"}, fingerprints=body_fingerprints([body]))}
    assert kinds == {"email address", "phone number", "name", "identifier", "email body"}


def test_scanner_quiet_on_statistics():
    text = ("Demandeurs inscrits : 10 995 ; part de longue durée : 42,1 % ; tension 1,98 ; code ROME K2204 ; "
            "30 septembre 2026 ; empreinte ecfc0689880563d1.")  # a hex hash is not a phone number
    assert scan_text(text, ids={"S0001234"}, fingerprints=body_fingerprints(["un message quelconque de huit mots ou plus ici"])) == []

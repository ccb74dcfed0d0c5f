"""Reading an adviser's mailbox: the hand-written corpus of tests/data/mailbox (40 .eml files, 6 of them malformed,
and the same messages as an mbox) against what each file holds (expected.json, written with the corpus)."""
import json
from pathlib import Path

import pandas as pd
import pytest

from emploi_lab.mailbox import read_mailbox

CORPUS = Path(__file__).parent/"data"/"mailbox"
EXPECTED = {e["file"]: e for e in json.loads((CORPUS/"expected.json").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def folder(): return read_mailbox(CORPUS)


def test_every_file_is_read_or_listed(folder):
    emails, unreadable = folder
    assert sorted([*emails.source, *unreadable.source]) == sorted(EXPECTED)  # nothing dropped silently
    assert unreadable.source.tolist() == ["38_fichier_vide.eml"]  # only the empty file has nothing to show


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if not e["malformed"]))
def test_well_formed_messages_are_decoded(folder, name):
    e, row = EXPECTED[name], folder[0].set_index("source").loc[name]
    assert row.subject == e["subject"]
    assert e["sender"] in row.sender
    assert [a["name"] for a in row.attachments] == e["attachments"]
    for phrase in e["body_contains"]: assert phrase in " ".join(row.body.split()), (phrase, row.body[:300])
    assert row.received_at == pd.Timestamp(e["date"]).tz_convert("Europe/Paris").tz_localize(None)
    assert row.notes == [], row.notes


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["malformed"] and n != "38_fichier_vide.eml"))
def test_malformed_messages_say_what_is_wrong(folder, name):
    row = folder[0].set_index("source").loc[name]
    assert row.notes, name  # shown to the adviser with the problem, not silently cleaned
    for phrase in EXPECTED[name]["body_contains"]: assert phrase in " ".join(row.body.split()), (phrase, row.body[:300])


def test_the_mbox_holds_the_same_messages(folder):
    emails, _ = folder
    box, unreadable = read_mailbox(CORPUS/"inbox.mbox")
    assert unreadable.empty and len(box) >= 30
    by_id = emails.set_index("id")
    for r in box.itertuples():
        assert r.subject == by_id.loc[r.id, "subject"] and " ".join(r.body.split()) == " ".join(by_id.loc[r.id, "body"].split())

"""`emploi-lab data validate` on a corpus of malformed inputs: each gets its message, exit 2, nothing written."""
import hashlib
import shutil
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent/"data"/"bad_inputs"

# case -> fragments the error must contain (file, column, row and what was expected)
EXPECTED = {
    "missing_column": ["spells.csv, column 'sex': expected this column to be present"],
    "wrong_type": ["spells.csv, column 'age', row 2: expected a whole number between 15 and 75 (found 'cinquante-deux')"],
    "unknown_territory": ["column 'territory', row 3: expected a département code", "(found '99')"],
    "old_corsica_code": ["column 'territory', row 2:", "Corsica is 2A or 2B, not 20", "(found '20')"],
    "unknown_rome": ["column 'rome_code', row 1: expected a ROME code", "(found 'K9999')"],
    "exit_before_registration": ["row 3: expected ended_at on or after registered_at"],
    "negative_age": ["column 'age', row 1: expected a whole number between 15 and 75 (found -4)"],
    "absurd_age": ["column 'age', row 3: expected a whole number between 15 and 75 (found 142)"],
    "duplicate_ids": ["column 'spell_id', row 3: expected unique values (this one is duplicated) (found 'sp001')"],
    "empty_file": ["spells.csv: expected a header row and at least one data row (the file is empty)"],
    "non_utf8": ["spells.csv, row 3: expected UTF-8 text (re-save the file as UTF-8) (found 'byte 0xe9 on line 4')"],
    "truncated_parquet": ["spells.parquet: expected a readable Parquet file"],
    "future_dates": ["column 'registered_at', row 1: expected a date not after the data end date"],
    "header_only": ["spells.csv: expected at least one data row for table 'spells'"],
    "impossible_date": ["column 'registered_at', row 2: expected a date (YYYY-MM-DD) (found '31/02/2024')"],
    "bad_boolean": ["column 'rqth', row 1: expected true/false (or 1/0, yes/no, oui/non) (found 'peut-être')"],
    "unknown_exit_reason": ["column 'exit_reason', row 2: expected one of employment, training, other, censored (found 'embauche')"],
    "unknown_contract_type": ["offers.csv, column 'contract_type', row 2: expected one of CDI, CDD, interim, seasonal (found 'stage')"],
    "exit_without_end_date": ["spells.csv, row 2: expected an empty ended_at exactly when exit_reason is 'censored'"],
    "ambiguous_date": ["column 'registered_at', row 1: expected a date (YYYY-MM-DD) (found '15/01/2024')"],
    "no_spells_table": ["expected a spells table (spells.parquet or spells.csv)"],
}


def _snapshot(d: Path) -> dict:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()}


def test_corpus_is_complete():
    cases = {p.name for p in CORPUS.iterdir() if p.is_dir()} - {"valid"}
    assert cases == set(EXPECTED) and len(cases) >= 12


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_is_reported(case, cli, tmp_path):
    d = tmp_path/case
    shutil.copytree(CORPUS/case, d)
    before = _snapshot(d)
    r = cli("data", "validate", d)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("error: ")
    for fragment in EXPECTED[case]:
        assert fragment in r.stderr, f"{case}: {fragment!r} not in {r.stderr!r}"
    assert "Traceback" not in r.stderr
    assert _snapshot(d) == before  # nothing written, nothing changed


def test_valid_input_passes(cli, tmp_path):
    shutil.copytree(CORPUS/"valid", tmp_path/"valid")
    r = cli("data", "validate", tmp_path/"valid")
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout


def test_missing_folder(cli, tmp_path):
    r = cli("data", "validate", tmp_path/"nope")
    assert r.returncode == 2 and "expected a folder holding table files" in r.stderr


def test_wrong_arguments(cli):
    r = cli("data", "validate")
    assert r.returncode == 2 and "utilisation : emploi-lab data" in r.stderr
    r = cli("nonsense")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_csv_dataset_is_summarised(cli, tmp_path):
    "A folder of CSV tables that validates can also be summarised (through DuckDB over the parsed tables)."
    shutil.copytree(CORPUS/"valid", tmp_path/"valid")
    r = cli("data", "summary", tmp_path/"valid")
    assert r.returncode == 0, r.stderr
    assert "périodes d'inscription" in r.stdout and "inscrits à la date d'arrêté" in r.stdout

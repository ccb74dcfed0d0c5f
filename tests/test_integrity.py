"""Issue 12, lower layers: every reproduction of a hostile or careless input, grouped by category.

Categories (pytest -k): datasets (validation tells the truth), outputs (outputs never replace inputs, a command
deletes only what it wrote), artefacts (no foreign file deserialised), groups (cardinality), scanner (personal
data, fail closed), disclosure (linked tables, rates, the independent checker over rendered HTML).
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from emploi_lab.config import (
    OUTPUT_MARKER,
    EmploiLabError,
    InputError,
    atomic_dir,
    check_output_path,
    installation_secret,
    output_dir,
    own_output_dir,
)
from emploi_lab.disclosure import (
    _markers,
    audit_parts,
    hidden_cells,
    personal_markers,
    protect_counts,
    protect_parts,
    publishable_rates,
    published,
    safe_count,
    safe_rate,
    safe_share,
    scan_outputs,
    scan_text,
    unsearchable_ids,
)
from emploi_lab.referentials import load_territories
from emploi_lab.schemas import example_spells, example_tables
from emploi_lab.store import (
    MANIFEST,
    check_dataset_out,
    check_groups,
    dataset_as_of,
    load_model_artifact,
    manifest_note,
    read_user_file,
    resolve_data_dir,
    save_model_artifact,
    validate_dataset,
    write_dataset,
    write_table,
)

sys.path.insert(0, str(Path(__file__).parent))
from disclosure_checker import check_reports, parse_value  # noqa: E402

K = 11


def _snapshot(d: Path) -> dict:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture
def dataset(tmp_path):
    "A small valid dataset written by the store, with its manifest."
    return write_dataset(tmp_path/"ds", example_tables(), meta={"as_of": "2026-09-30", "synthetic": False})


@pytest.fixture(autouse=True)
def _own_secret(tmp_path, monkeypatch):
    "Each test signs with a secret of its own, in a configuration folder of its own."
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path/"config"))
    monkeypatch.delenv("EMPLOI_LAB_SECRET", raising=False)


def _expected(problems) -> list:
    return [p.expected for p in problems]


# ---------------------------------------------------------------------------------------------------- datasets
def test_datasets_valid_dataset_passes(dataset):
    assert validate_dataset(dataset) == []
    assert manifest_note(dataset).startswith("manifest.json verified: 5 files")


def test_datasets_copy_cut_to_one_spell_row_is_caught(dataset):
    "The stale-cache reproduction: a copy of a dataset whose spells are cut to one row."
    write_table(example_spells().head(1), "spells", dataset)
    probs = validate_dataset(dataset)
    assert any(p.file.endswith("spells.parquet") and "SHA-256 differs" in p.expected for p in probs)
    assert any("3 rows, as manifest.json says" == p.expected and p.found == "1 rows" for p in probs)


def test_datasets_file_listed_but_missing(dataset):
    (dataset/"housing.parquet").unlink()
    probs = validate_dataset(dataset)
    assert any(p.file.endswith("housing.parquet") and "it is missing" in p.expected for p in probs)
    assert any(p.expected == "a housing table (housing.parquet or housing.csv)" for p in probs)


def test_datasets_table_not_listed_in_manifest(dataset):
    example_tables()["offers"].to_csv(dataset/"offers.csv", index=False)
    (dataset/"offers.parquet").unlink()
    assert any(p.file.endswith("offers.csv") and "not: the manifest does not describe it" in p.expected for p in validate_dataset(dataset))


def test_datasets_manifest_path_outside_folder(dataset):
    m = json.loads((dataset/MANIFEST).read_text()); m["files"]["../../etc/passwd"] = "0"*64
    (dataset/MANIFEST).write_text(json.dumps(m))
    assert any(p.expected == "file paths inside the dataset folder" for p in validate_dataset(dataset))


@pytest.mark.parametrize("table", ["offers", "emails", "housing", "childcare", "spells"])
def test_datasets_missing_table_is_a_problem(tmp_path, table):
    d = tmp_path/"user"; d.mkdir()
    for name, df in example_tables().items():
        if name != table: df.to_csv(d/f"{name}.csv", index=False)
    probs = validate_dataset(d)
    assert [str(p) for p in probs] == [f"{d.resolve()/table}.parquet: expected a {table} table ({table}.parquet or {table}.csv)"]


def test_datasets_user_data_without_manifest_is_allowed_and_said(tmp_path):
    d = tmp_path/"user"; d.mkdir()
    for name, df in example_tables().items(): df.to_csv(d/f"{name}.csv", index=False)
    assert validate_dataset(d) == []
    assert manifest_note(d).startswith("no manifest.json: user data, checked table by table")


def test_datasets_dataset_that_lost_its_manifest(dataset):
    (dataset/"truth").mkdir(); (dataset/MANIFEST).unlink()
    assert any("the manifest was lost" in p.expected for p in validate_dataset(dataset))


def test_datasets_truncated_manifest(dataset):
    text = (dataset/MANIFEST).read_text(); (dataset/MANIFEST).write_text(text[:len(text)//2])
    probs = validate_dataset(dataset)
    assert len(probs) == 1 and "a readable JSON manifest (it is truncated or not JSON" in probs[0].expected


def test_datasets_manifest_not_an_object(dataset):
    (dataset/MANIFEST).write_text("[1, 2]")
    assert _expected(validate_dataset(dataset)) == ["a JSON object (a mapping of names to values)"]


def test_datasets_as_of_not_a_date(dataset):
    m = json.loads((dataset/MANIFEST).read_text()); m["as_of"] = "not-a-date"; (dataset/MANIFEST).write_text(json.dumps(m))
    with pytest.raises(InputError, match=r"expected an as_of date YYYY-MM-DD \(found 'not-a-date'\)"): dataset_as_of(dataset)
    assert [p.found for p in validate_dataset(dataset) if "as_of" in p.expected] == ["not-a-date"]


def test_datasets_as_of_not_a_date_exits_2_in_the_cli(dataset, cli):
    m = json.loads((dataset/MANIFEST).read_text()); m["as_of"] = "not-a-date"; (dataset/MANIFEST).write_text(json.dumps(m))
    r = cli("data", "validate", dataset)
    assert r.returncode == 2 and "expected an as_of date YYYY-MM-DD (found 'not-a-date')" in r.stderr and "unexpected" not in r.stderr


def test_datasets_truncated_manifest_exits_2_in_the_cli(dataset, cli):
    (dataset/MANIFEST).write_text('{"as_of": "2026-')
    r = cli("data", "validate", dataset)
    assert r.returncode == 2 and "truncated or not JSON" in r.stderr and "unexpected" not in r.stderr


def test_datasets_hash_mismatch_exits_2_in_the_cli(dataset, cli):
    write_table(example_spells().head(1), "spells", dataset)
    r = cli("data", "validate", dataset)
    assert r.returncode == 2 and "SHA-256 differs" in r.stderr


def test_datasets_float_age_is_not_truncated(tmp_path):
    d = tmp_path/"u"; d.mkdir()
    example_spells().assign(age=[34.0, 34.5, 40.0]).to_parquet(d/"spells.parquet")
    probs = validate_dataset(d, tables=("spells",))
    assert [(p.column, p.row, p.found) for p in probs] == [("age", 2, 34.5)]


def test_datasets_float_age_in_csv(tmp_path):
    d = tmp_path/"u"; d.mkdir()
    example_spells().assign(age=["34", "34.5", "40"]).to_csv(d/"spells.csv", index=False)
    assert [(p.column, p.row, p.found) for p in validate_dataset(d, tables=("spells",))] == [("age", 2, "34.5")]


def test_datasets_row_count_mismatch_alone(dataset):
    m = json.loads((dataset/MANIFEST).read_text()); m["tables"]["offers"]["rows"] = 5; (dataset/MANIFEST).write_text(json.dumps(m))
    assert [(p.expected, p.found) for p in validate_dataset(dataset)] == [("5 rows, as manifest.json says", "2 rows")]


def test_datasets_empty_folder(tmp_path):
    (tmp_path/"empty").mkdir()
    assert _expected(validate_dataset(tmp_path/"empty")) == ["a folder holding table files (it is empty)"]
    with pytest.raises(InputError, match=r"\(it is empty\)"): resolve_data_dir(tmp_path/"empty")


def test_datasets_directory_given_as_input_file(tmp_path):
    (tmp_path/"emails.csv").mkdir()
    with pytest.raises(InputError, match="expected a file, not a folder"): read_user_file(tmp_path/"emails.csv")


def test_datasets_relative_data_dir_is_resolved_once(dataset, monkeypatch):
    monkeypatch.chdir(dataset.parent)
    d = resolve_data_dir("ds")
    assert d.is_absolute() and d == dataset.resolve()
    monkeypatch.chdir("/")  # what a report kernel in another folder sees
    assert validate_dataset(d) == []


def test_datasets_relative_data_dir_from_threads_that_change_folder(dataset, tmp_path, monkeypatch):
    "papermill changes the working directory from several threads: an absolute path survives it."
    from concurrent.futures import ThreadPoolExecutor
    monkeypatch.chdir(dataset.parent)
    d = resolve_data_dir("ds")
    (tmp_path/"elsewhere").mkdir()
    def work(i):
        os.chdir(tmp_path/"elsewhere" if i % 2 else dataset.parent)
        return validate_dataset(d) == []
    with ThreadPoolExecutor(4) as ex: assert all(ex.map(work, range(12)))


def test_datasets_relative_cache_folder_is_made_absolute(tmp_path, monkeypatch):
    from emploi_lab.store import cache_dir
    monkeypatch.chdir(tmp_path); monkeypatch.setenv("EMPLOI_LAB_CACHE", "cache")
    assert cache_dir("artifacts") == tmp_path.resolve()/"cache"/"artifacts"


def test_datasets_generate_into_non_empty_folder_refused_before_work(tmp_path):
    (tmp_path/"mine").mkdir(); (tmp_path/"mine"/"notes.txt").write_text("x")
    with pytest.raises(InputError, match="it holds files"): check_dataset_out(tmp_path/"mine")
    with pytest.raises(InputError, match="it holds files"):
        write_dataset(tmp_path/"mine", example_tables(), meta={"as_of": "2026-09-30"})
    assert _snapshot(tmp_path/"mine") == {"notes.txt": hashlib.sha256(b"x").hexdigest()}


def test_datasets_overwrite_never_deletes_foreign_files(dataset):
    (dataset/"notes.txt").write_text("mine")
    before = _snapshot(dataset)
    with pytest.raises(InputError, match="also holds notes.txt"):
        write_dataset(dataset, example_tables(), meta={"as_of": "2026-09-30"}, overwrite=True)
    assert _snapshot(dataset) == before


def test_datasets_generate_into_empty_folder_and_replace_own(tmp_path):
    (tmp_path/"new").mkdir()
    write_dataset(tmp_path/"new", example_tables(), meta={"as_of": "2026-09-30"})
    write_dataset(tmp_path/"new", example_tables(), meta={"as_of": "2026-09-30"}, overwrite=True)
    assert validate_dataset(tmp_path/"new") == []


def test_datasets_generate_cli_into_non_empty_folder_exits_2(tmp_path, cli):
    (tmp_path/"mine").mkdir(); (tmp_path/"mine"/"notes.txt").write_text("x")
    r = cli("data", "generate", "--out", tmp_path/"mine", "--scale", "0.0005", "--months", "2")
    assert r.returncode == 2 and "it holds files" in r.stderr
    assert sorted(p.name for p in (tmp_path/"mine").iterdir()) == ["notes.txt"]


# ---------------------------------------------------------------------------------------------------- outputs
def test_outputs_output_equal_to_input_refused(tmp_path):
    (tmp_path/"f.csv").write_text("id\n1\n")
    with pytest.raises(InputError, match="apart from the inputs"): check_output_path(tmp_path/"f.csv", inputs=[tmp_path/"f.csv"])
    assert (tmp_path/"f.csv").read_text() == "id\n1\n"


def test_outputs_same_file_through_another_name(tmp_path):
    (tmp_path/"f.csv").write_text("id\n1\n"); (tmp_path/"sub").mkdir()
    with pytest.raises(InputError, match="apart from the inputs"):
        check_output_path(tmp_path/"sub"/".."/"f.csv", inputs=[tmp_path/"f.csv"])


def test_outputs_run_into_its_data_folder_refused(dataset):
    before = _snapshot(dataset)
    with pytest.raises(InputError, match="sit inside"): check_output_path(dataset, inputs=[dataset], kind="dir")
    with pytest.raises(InputError, match="sit inside"): check_output_path(dataset/"run", inputs=[dataset], kind="dir")
    assert _snapshot(dataset) == before


def test_outputs_output_folder_holding_the_input_refused(tmp_path):
    (tmp_path/"f.csv").write_text("x")
    with pytest.raises(InputError, match="sit inside"): check_output_path(tmp_path, inputs=[tmp_path/"f.csv"], kind="dir")


@pytest.mark.parametrize("name", ["scored.xlsx", "scored.json", "scored"])
def test_outputs_unknown_suffix_refused(tmp_path, name):
    with pytest.raises(InputError, match=r"a file name ending in \.csv or \.parquet"): check_output_path(tmp_path/name)


def test_outputs_unwritable_location(tmp_path):
    with pytest.raises(InputError, match="nothing can be written in /proc"): check_output_path("/proc/scored.csv")
    (tmp_path/"file").write_text("x")
    with pytest.raises(InputError, match="is a file, not a folder"): check_output_path(tmp_path/"file"/"sub"/"out.csv")
    with pytest.raises(InputError, match="is a file, not a folder"): check_output_path(tmp_path/"file"/"model", kind="dir")


def test_outputs_check_writes_nothing(tmp_path):
    out = check_output_path(tmp_path/"a"/"b"/"scored.parquet")
    assert out.is_absolute() and not (tmp_path/"a").exists() and list(tmp_path.iterdir()) == []


def test_outputs_folder_given_as_file_output(tmp_path):
    (tmp_path/"x.csv").mkdir()
    with pytest.raises(InputError, match="a file name, not a folder"): check_output_path(tmp_path/"x.csv")


def test_outputs_survival_fit_into_folder_with_other_files_refused(tmp_path):
    "`survival fit --out DIR` deleted the folder's other files: a folder with foreign files is refused."
    d = tmp_path/"out"; d.mkdir(); (d/"thesis.docx").write_text("years of work")
    with pytest.raises(InputError, match="it holds other files: thesis.docx"):
        with output_dir(d, command="survival fit") as t: (t/"model.joblib").write_text("m")
    assert sorted(p.name for p in d.iterdir()) == ["thesis.docx"]


def test_outputs_own_earlier_output_is_replaced_removing_only_listed_files(tmp_path):
    d = tmp_path/"out"
    with output_dir(d, command="survival fit") as t:
        for n in ("model.joblib", "metrics.json", "coefficients.csv"): (t/n).write_text("v1")
    with output_dir(d, command="survival fit") as t:
        for n in ("model.joblib", "metrics.json"): (t/n).write_text("v2")  # a forest: no coefficients
    assert sorted(p.name for p in d.iterdir()) == [OUTPUT_MARKER, "metrics.json", "model.joblib"]
    assert json.loads((d/OUTPUT_MARKER).read_text()) == {"command": "survival fit", "files": ["metrics.json", "model.joblib"]}


def test_outputs_other_commands_output_refused(tmp_path):
    d = tmp_path/"out"
    with output_dir(d, command="triage train") as t: (t/"model.joblib").write_text("m")
    with pytest.raises(InputError, match="written by `emploi-lab survival fit`"): own_output_dir(d, command="survival fit")


def test_outputs_failure_changes_nothing(tmp_path):
    d = tmp_path/"out"
    with output_dir(d, command="survival fit") as t: (t/"model.joblib").write_text("v1")
    before = _snapshot(d)
    with pytest.raises(RuntimeError):
        with output_dir(d, command="survival fit") as t: (t/"model.joblib").write_text("half"); raise RuntimeError("crash")
    assert _snapshot(d) == before and sorted(p.name for p in d.iterdir()) == [OUTPUT_MARKER, "model.joblib"]


def test_outputs_tampered_marker_gives_no_licence(tmp_path):
    d = tmp_path/"out"; d.mkdir(); (d/"mine.txt").write_text("x"); (d/OUTPUT_MARKER).write_text("{not json")
    with pytest.raises(InputError, match="mine.txt"): own_output_dir(d, command="survival fit")


def test_outputs_output_path_is_a_file_for_a_folder(tmp_path):
    (tmp_path/"f").write_text("x")
    with pytest.raises(InputError, match="not a file"): own_output_dir(tmp_path/"f", command="run")


def test_outputs_atomic_dir_exists_is_an_input_error(tmp_path):
    (tmp_path/"d").mkdir()
    with pytest.raises(InputError, match="it already exists"):
        with atomic_dir(tmp_path/"d"): pass


# ---------------------------------------------------------------------------------------------------- artefacts
class _Crafted:
    "A pickle that creates a file when it is loaded."
    def __init__(self, target): self.target = target
    def __reduce__(self): return (Path.touch, (Path(self.target),))


def test_artefacts_crafted_pickle_would_run_code(tmp_path):
    "The threat is real: loading this file with joblib creates a file."
    joblib.dump(_Crafted(tmp_path/"pwned"), tmp_path/"evil.joblib")
    subprocess.run([sys.executable, "-c", f"import joblib; joblib.load({str(tmp_path/'evil.joblib')!r})"], check=True)
    assert (tmp_path/"pwned").exists()


def test_artefacts_crafted_pickle_is_never_loaded(tmp_path):
    from sklearn.linear_model import LogisticRegression
    joblib.dump(_Crafted(tmp_path/"pwned"), tmp_path/"model.joblib")
    with pytest.raises(InputError, match="is missing or unreadable: the file is not loaded"):
        load_model_artifact(tmp_path/"model.joblib", LogisticRegression)
    assert not (tmp_path/"pwned").exists()


def test_artefacts_forged_signature_is_refused(tmp_path):
    from sklearn.linear_model import LogisticRegression
    m = LogisticRegression().fit([[0], [1]], [0, 1])
    sig = save_model_artifact(m, tmp_path/"good.joblib", {"v": 1})
    joblib.dump(_Crafted(tmp_path/"pwned"), tmp_path/"model.joblib")
    data = (tmp_path/"model.joblib").read_bytes()
    (tmp_path/"model.joblib.sig.json").write_text(json.dumps({**sig, "sha256": hashlib.sha256(data).hexdigest()}))
    with pytest.raises(InputError, match="its signature does not match"): load_model_artifact(tmp_path/"model.joblib", LogisticRegression)
    assert not (tmp_path/"pwned").exists()


def test_artefacts_signature_claiming_the_expected_type_with_a_crafted_body(tmp_path):
    from sklearn.linear_model import LogisticRegression
    sig = save_model_artifact(LogisticRegression(), tmp_path/"model.joblib")
    joblib.dump(_Crafted(tmp_path/"pwned"), tmp_path/"model.joblib")  # body swapped after signing
    with pytest.raises(InputError, match="signature does not match"): load_model_artifact(tmp_path/"model.joblib", LogisticRegression)
    assert not (tmp_path/"pwned").exists() and sig["type"].endswith("LogisticRegression")


def test_artefacts_tampered_metadata_is_refused(tmp_path):
    from sklearn.linear_model import LogisticRegression
    save_model_artifact(LogisticRegression(), tmp_path/"m.joblib", {"recall": 0.5})
    s = json.loads((tmp_path/"m.joblib.sig.json").read_text()); s["meta"]["recall"] = 0.99
    (tmp_path/"m.joblib.sig.json").write_text(json.dumps(s))
    with pytest.raises(InputError, match="signature does not match"): load_model_artifact(tmp_path/"m.joblib", LogisticRegression)


def test_artefacts_another_installation_cannot_be_loaded(tmp_path, monkeypatch):
    from sklearn.linear_model import LogisticRegression
    save_model_artifact(LogisticRegression(), tmp_path/"m.joblib")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path/"other-user"))
    with pytest.raises(InputError, match="written by another installation"): load_model_artifact(tmp_path/"m.joblib", LogisticRegression)
    monkeypatch.setenv("EMPLOI_LAB_SECRET", "x"*40)  # a shared secret: machines that share it read each other's models
    save_model_artifact(LogisticRegression(), tmp_path/"shared.joblib")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path/"third"))
    assert isinstance(load_model_artifact(tmp_path/"shared.joblib", LogisticRegression)[0], LogisticRegression)


def test_artefacts_wrong_type_refused_before_loading(tmp_path):
    from sklearn.linear_model import LinearRegression, LogisticRegression
    save_model_artifact(LinearRegression(), tmp_path/"m.joblib")
    with pytest.raises(InputError, match="found 'sklearn.linear_model._base.LinearRegression'"):
        load_model_artifact(tmp_path/"m.joblib", LogisticRegression)


def test_artefacts_round_trip_and_missing_file(tmp_path):
    from sklearn.linear_model import LogisticRegression
    m = LogisticRegression().fit([[0], [1], [2], [3]], [0, 0, 1, 1])
    save_model_artifact(m, tmp_path/"m.joblib", {"n": 4})
    back, meta = load_model_artifact(tmp_path/"m.joblib", (LogisticRegression,))
    assert back.predict([[3]]).tolist() == [1] and meta == {"n": 4}
    with pytest.raises(InputError, match="no such file"): load_model_artifact(tmp_path/"nope.joblib", LogisticRegression)


def test_artefacts_secret_is_private_and_stable(tmp_path):
    k1 = installation_secret()
    assert installation_secret() == k1 and len(k1) == 64
    assert ((tmp_path/"config"/"emploi-lab"/"secret").stat().st_mode & 0o777) == 0o600


# ---------------------------------------------------------------------------------------------------- groups
def test_groups_100000_distinct_values_refused_at_once():
    df = pd.DataFrame({"seeker_id": [f"s{i}" for i in range(100_000)], "sex": ["F", "M"]*50_000})
    with pytest.raises(InputError, match=r"column 'seeker_id': expected a group column with at most 100 distinct values"):
        check_groups(df, ["sex", "seeker_id"], file="audit.csv")


def test_groups_crossing_too_large():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({c: rng.integers(0, 60, 20_000) for c in ("a", "b")})
    with pytest.raises(InputError, match="crossing has at most 1000 groups"): check_groups(df, ["a", "b"])
    assert check_groups(df, ["a"]) == {"a": 60}


def test_groups_missing_column():
    with pytest.raises(InputError, match="column 'age': expected this column to be present"):
        check_groups(pd.DataFrame({"sex": ["F"]}), ["sex", "age"])


# ---------------------------------------------------------------------------------------------------- scanner
def test_scanner_year_does_not_match_a_numeric_seeker_id():
    text = "Situation au 30 septembre 2026 : 2026 demandeurs inscrits, 48 territoires."
    assert scan_text(text, ids=["2026", "48", "13"]) == []


def test_scanner_real_identifier_is_found_as_a_whole_token():
    assert [f["match"] for f in scan_text("dossier faa704c7531433ea.", ids=["faa704c7531433ea"])] == ["faa704c7531433ea"]
    assert scan_text("ref-faa704c7531433ea-x", ids=["faa704c7531433ea"]) == []


def test_scanner_long_numeric_ids_still_found():
    assert scan_text("identifiant 1234567890", ids=["1234567890"])[0]["kind"] == "identifier"
    assert scan_text("109 111 inscrits, 12345678 offres", ids=["12345678"]) == []  # 8 digits: a count, not searched


def test_scanner_fails_closed_on_unreadable_emails(dataset):
    (dataset/"emails.parquet").write_bytes(b"PAR1 garbage")
    (dataset/"r.html").write_text("<p>rien</p>", encoding="utf-8")
    _markers.cache_clear()
    with pytest.raises(EmploiLabError, match="cannot read the identifiers"): scan_outputs({"html": dataset/"r.html"}, dataset)


def test_scanner_fails_closed_on_unreadable_spells(dataset):
    (dataset/"spells.parquet").write_bytes(b"nothing")
    _markers.cache_clear()
    with pytest.raises(EmploiLabError, match="cannot read the identifiers"): personal_markers(str(dataset))


def test_scanner_dataset_without_emails_is_fine(tmp_path):
    d = tmp_path/"d"; d.mkdir(); example_spells().assign(seeker_id="abcdef0123456789").to_parquet(d/"spells.parquet")
    _markers.cache_clear()
    ids, fps = personal_markers(str(d))
    assert ids == {"abcdef0123456789"} and fps == frozenset() and unsearchable_ids(str(d)) == 3


def test_scanner_pdf_without_typst_source_is_not_published(dataset):
    (dataset/"r.pdf").write_bytes(b"%PDF-1.7")
    _markers.cache_clear()
    with pytest.raises(EmploiLabError, match="no Typst source beside it"): scan_outputs({"pdf": dataset/"r.pdf"}, dataset)


def test_scanner_finds_leaked_email_body(dataset):
    body = example_tables()["emails"].body[0] + " et je vous remercie de votre compréhension madame"
    e = example_tables()["emails"].assign(body=[body], email_id=["M0420021224"])
    d = write_dataset(dataset.parent/"ds2", {**example_tables(), "emails": e}, meta={"as_of": "2026-09-30"})
    (d/"r.html").write_text(f"<p>Citation : {body}</p><p>M0420021224</p>", encoding="utf-8")
    _markers.cache_clear()
    assert {f["kind"] for f in scan_outputs({"html": d/"r.html"}, d)} == {"email body", "identifier"}


# ---------------------------------------------------------------------------------------------------- disclosure
def test_disclosure_safe_rate_reproductions():
    assert np.isnan(safe_rate(61, 62, k=K))      # triage audit: n 62, accuracy 0.984 → 1 error
    assert np.isnan(safe_rate(11, 12, k=K))      # fairness CLI: "12 | 0.917" → 11 of 12
    assert np.isnan(safe_rate(0, 3, k=K))        # "Part en CDI 0 %" on 3 offers
    assert safe_rate(0, 40, k=K) == 0.0 and safe_rate(20, 40, k=K) == 0.5


def test_disclosure_offer_counts_under_k_hidden():
    assert np.isnan(safe_count([1, 5, 10], k=K)).all() and safe_count(11, k=K) == 11
    assert np.isnan(safe_share(0, 3, k=K))


def test_disclosure_publishable_rates_hide_what_pins_a_small_cell():
    cm = pd.DataFrame({"tp": [61, 40], "fp": [0, 1], "fn": [0, 20], "tn": [1, 50]})
    r = publishable_rates(cm, k=K)
    assert r.loc[0].isna().all()  # 62 emails, 1 true negative: every rate would give a cell of 1 away
    assert r.loc[1, ["tpr", "fpr", "precision", "accuracy", "fnr"]].isna().all()  # 1 false positive
    assert r.loc[1, ["selection_rate", "base_rate"]].round(3).tolist() == [0.369, 0.541]


def test_disclosure_dont_row_complement_protected():
    "Lozère: 15 exits, 14 to employment (the other is 1 person): linked protection hides one of the two."
    terr = load_territories(); region_of = dict(zip(terr.territory, terr.region_code))
    c = _counts(terr)
    cells = protect_parts(c, "exits", ["exits_employment"], region_of=region_of, k=K)
    lz = cells[(cells.level == "territory") & (cells.code == "48")].iloc[0]
    assert (lz.exits_status, lz.exits_employment_status) != ("safe", "safe")
    a = audit_parts(cells, "exits", ["exits_employment"], region_of=region_of)
    assert not (a.pinned & a["count"].between(1, K - 1)).any()


def test_disclosure_hidden_cells_lists_every_hidden_cell():
    terr = load_territories(); region_of = dict(zip(terr.territory, terr.region_code))
    cells = protect_parts(_counts(terr), "exits", ["exits_employment"], region_of=region_of, k=K)
    pub = published(cells, ["exits", "exits_employment"])
    listed = hidden_cells(pub, table="exits", keys=["level", "code"], values=["exits", "exits_employment"])
    assert len(listed) == int((cells[["exits_status", "exits_employment_status"]] != "safe").sum().sum()) > 0
    assert {x["reason"] for x in listed} <= {"under k", "hidden to protect another cell"}


@pytest.mark.parametrize("text,expected", [("12\u202f259", (12259, 12259, "count")), ("25,6\u202f%", (0.2555, 0.2565, "share")),
                                           ("0.984 [0.95 ; 1.00]", (0.9835, 0.9845, "decimal")), ("40 %", (0.395, 0.405, "share")),
                                           ("3,59", (3.585, 3.595, "decimal"))])
def test_disclosure_checker_reads_french_figures(text, expected):
    v = parse_value(text)
    assert (round(v["lo"], 6), round(v["hi"], 6), v["kind"]) == expected
    assert parse_value("s") == {"secret": True} and parse_value("Lozère") is None


def _counts(terr, seed=0):
    "Per-territory counts of a made-up year, large everywhere but Lozère (15 exits, 14 to employment)."
    rng = np.random.default_rng(seed)
    exits = rng.integers(200, 3000, len(terr))
    c = pd.DataFrame({"territory": terr.territory, "exits": exits, "exits_employment": (exits*rng.uniform(.5, .8, len(terr))).astype(int)})
    c.loc[c.territory == "48", ["exits", "exits_employment"]] = [15, 14]
    return c


def _report_pages(tmp_path, values: pd.DataFrame, terr) -> list:
    "Territory pages of Occitanie and a national regions page, tables as the report renders them (`sections.Table`)."
    from emploi_lab.sections import Table, fmt_number
    val = {(r.level, r.code): r for r in values.itertuples()}
    rows = {"Sorties sur 12 mois": "exits", "dont sorties vers l'emploi": "exits_employment"}
    pages = []
    occ = terr[terr.region_code == "76"]
    for t in occ.itertuples():
        cols = {t.name: ("territory", t.territory), "Occitanie": ("region", "76"), "France": ("nation", "Total")}
        df = pd.DataFrame({"Indicateur": list(rows), **{n: [fmt_number(getattr(val[g], m)) for m in rows.values()] for n, g in cols.items()}})
        p = tmp_path/f"{t.territory}.html"; p.write_text(Table(df)._repr_html_(), encoding="utf-8"); pages.append(p)
    regions = terr[["region_code", "region_name"]].drop_duplicates()
    df = pd.DataFrame({"Région": [*regions.region_name, "France"],
                       "Sorties sur 12 mois": [fmt_number(val[("region", r)].exits) for r in regions.region_code] + [fmt_number(val[("nation", "Total")].exits)]})
    (tmp_path/"national.html").write_text(Table(df)._repr_html_(), encoding="utf-8")
    return pages + [tmp_path/"national.html"]


def test_disclosure_checker_finds_the_lozere_complement_in_tables_protected_one_by_one(tmp_path):
    terr = load_territories(); region_of = dict(zip(terr.territory, terr.region_code))
    c = _counts(terr)
    one_by_one = None
    for col in ("exits", "exits_employment"):  # today's pipeline: each measure protected on its own
        micro = pd.DataFrame({"territory": np.repeat(c.territory.to_numpy(), c[col].to_numpy())})
        cells = protect_counts(micro, ["territory"], k=K, hierarchy={"territory": region_of})
        cells = cells.assign(level=cells.territory_level.map({"leaf": "territory", "parent": "region", "total": "nation"}), code=cells.territory)
        f = cells[["level", "code", "published"]].rename(columns={"published": col})
        one_by_one = f if one_by_one is None else one_by_one.merge(f, on=["level", "code"])
    res = check_reports(_report_pages(tmp_path, one_by_one, terr), k=K)
    hits = [r for r in res.recoverable if "48" in r["cell"]]
    assert hits and hits[0]["value"] == 1 and "Sorties sur 12 mois − dont sorties vers l'emploi" in hits[0]["cell"]


def test_disclosure_checker_proves_linked_protection_through_html(tmp_path):
    terr = load_territories(); region_of = dict(zip(terr.territory, terr.region_code))
    cells = protect_parts(_counts(terr), "exits", ["exits_employment"], region_of=region_of, k=K)
    res = check_reports(_report_pages(tmp_path, published(cells, ["exits", "exits_employment"]), terr), k=K)
    assert res.recoverable == [] and res.inconsistent == []
    assert res.files == 14 and res.linked > 80 and res.derived > 13


def test_disclosure_checker_subtraction_across_reports(tmp_path):
    "A hidden territory is recovered from its region minus the territories shown in the other reports."
    from emploi_lab.sections import Table
    terr = load_territories()
    corse = terr[terr.region_code == "94"]  # two territories
    values = {"2A": "s", "2B": "250", "Corse": "254", "France": "1 000"}
    for t in corse.itertuples():
        df = pd.DataFrame({"Indicateur": ["Demandeurs d'emploi inscrits"], t.name: [values[t.territory]], "Corse": [values["Corse"]], "France": [values["France"]]})
        (tmp_path/f"{t.territory}.html").write_text(Table(df)._repr_html_(), encoding="utf-8")
    res = check_reports([tmp_path], k=K)
    assert [(r["value"], r["cell"].split(" @ ")[0]) for r in res.recoverable] == [(4, "Demandeurs d'emploi inscrits")]


def test_disclosure_checker_share_times_base(tmp_path):
    "A share published with its base gives its numerator: 25,0 % of 12 is 3."
    from emploi_lab.sections import Table
    df = pd.DataFrame({"Indicateur": ["Demandeurs d'emploi inscrits", "Part de longue durée (≥ 1 an)"], "Lozère": ["12", "25,0\u202f%"], "France": ["1 000", "40,0\u202f%"]})
    (tmp_path/"48.html").write_text(Table(df)._repr_html_(), encoding="utf-8")
    cells = {(r["cell"], r["value"]) for r in check_reports([tmp_path], k=K).recoverable}
    assert ("[numérateur] Part de longue durée @ ('territory', '48')", 3) in cells


def test_disclosure_checker_rates_with_n_in_an_audit(tmp_path):
    "Triage audit: n 62, accuracy 0.984 → 1 error; a second group at n 12, selection 0.917 → 1 not selected."
    html = pd.DataFrame({"groupement": ["sexe", "sexe"], "groupe": ["femme", "homme"], "n": ["62", "12"],
                         "exactitude": ["0.984 [0.95 ; 1.00]", "0.500 [0.2 ; 0.8]"], "taux de sélection": ["0.500", "0.917"]}).to_html(index=False)
    (tmp_path/"triage.html").write_text(html, encoding="utf-8")
    got = {(r["cell"].split(" @ ")[0], r["value"]) for r in check_reports([tmp_path], k=K).recoverable}
    assert ("erreurs", 1) in got and ("non retenus", 1) in got


def test_disclosure_checker_offer_counts_and_cdi_share(tmp_path):
    from emploi_lab.sections import Table
    df = pd.DataFrame({"Métier (ROME)": ["Kinésithérapeute (J1404)", "Serveur (G1803)"], "Offres": ["4", "40"], "Part en CDI": ["50\u202f%", "5\u202f%"]})
    (tmp_path/"48.html").write_text(Table(df)._repr_html_(), encoding="utf-8")
    got = sorted(r["value"] for r in check_reports([tmp_path], k=K).recoverable)
    assert got == [2, 2, 2, 4]  # 4 offers shown, 2 and 2 CDI/other on 4, 2 CDI of 40 (5 % of 40 is 1.8 to 2.2)


def test_disclosure_checker_hidden_here_shown_elsewhere(tmp_path):
    from emploi_lab.sections import Table
    a = pd.DataFrame({"Indicateur": ["Demandeurs d'emploi inscrits"], "Lozère": ["s"], "France": ["1 000"]})
    b = pd.DataFrame({"Rang": [1], "Territoire": ["Lozère (48)"], "Demandeurs d'emploi inscrits": ["7"]})
    (tmp_path/"48.html").write_text(Table(a)._repr_html_(), encoding="utf-8")
    (tmp_path/"national.html").write_text(Table(b)._repr_html_(), encoding="utf-8")
    assert any(r["value"] == 7 for r in check_reports([tmp_path], k=K).recoverable)


def test_disclosure_checker_inconsistent_figures(tmp_path):
    from emploi_lab.sections import Table
    for name, v in (("a.html", "120"), ("b.html", "130")):
        (tmp_path/name).write_text(Table(pd.DataFrame({"Indicateur": ["Sorties sur 12 mois"], "Lozère": [v]}))._repr_html_(), encoding="utf-8")
    assert len(check_reports([tmp_path], k=K).inconsistent) == 1


def test_outputs_a_run_killed_midway_can_be_resumed_but_claims_nothing_else(tmp_path):
    "Issue 12: SIGKILL after the claim: report files and no manifest; --resume accepts them, a stranger's file is still refused."
    from emploi_lab.batch import RUN_COMMAND, _claim, _run_files
    out = tmp_path/"run"; (out/"territories"/"48").mkdir(parents=True)
    _claim(out, ["territories/48", "national"], set())
    (out/"territories"/"48"/"48.pdf").write_bytes(b"%PDF")  # written before the kill
    assert _run_files(out) == {"territories/48/48.pdf"}
    (out/"notes.txt").write_text("mine")
    with pytest.raises(InputError, match="notes.txt"): _run_files(out)
    assert json.loads((out/OUTPUT_MARKER).read_text())["command"] == RUN_COMMAND

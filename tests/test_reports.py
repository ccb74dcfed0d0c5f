"""The main job end to end on tiny data: 3 territories, failure isolation, resume, Dask, disclosure scan, renderers."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emploi_lab.batch import reports_dir, run_reports
from emploi_lab.config import file_sha256
from emploi_lab.disclosure import html_text, personal_markers, scan_text
from emploi_lab.artifacts import build_artifacts
from emploi_lab.render import render_notebook
from emploi_lab.store import load_artifact

ROOT = Path(__file__).resolve().parents[1]
THREE = ["2A", "48", "75"]  # a small island territory, the least populated one, and Paris


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    "A tiny synthetic dataset (scale 0.002) and its shared figures."
    from emploi_lab.pipeline import build_dataset
    base = tmp_path_factory.mktemp("tiny")
    data = build_dataset(base/"data", scale=0.002, seed=7, months=24, as_of="2026-09-30")
    return {"data": data, "cache": base/"cache", "art": build_artifacts(data, base/"cache")}


def _pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        return int(re.search(r"Pages:\s+(\d+)", out)[1])
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def _home_with_failing_territory(tmp: Path, failing: str) -> Path:
    "A project home whose territory report fails for one territory (everything else links to the real project)."
    home = tmp/"home"
    (home/"reports").mkdir(parents=True)
    (home/"data").mkdir()
    os.symlink(ROOT/"data"/"reference", home/"data"/"reference")
    os.symlink(ROOT/"params", home/"params")
    os.symlink(ROOT/"reports"/"templates", home/"reports"/"templates")
    for name in ("national.ipynb", "fairness_audit.ipynb"):
        if (ROOT/"reports"/name).exists(): shutil.copy(ROOT/"reports"/name, home/"reports"/name)
    nb = json.loads((ROOT/"reports"/"territory.ipynb").read_text())
    nb["cells"].insert(3, {"cell_type": "code", "id": "boom", "metadata": {}, "execution_count": None, "outputs": [],
                           "source": f'if territory == "{failing}": raise RuntimeError("injected failure for {failing}")'})
    (home/"reports"/"territory.ipynb").write_text(json.dumps(nb))
    return home


def test_end_to_end_failure_isolation_and_resume(tiny, tmp_path, monkeypatch):
    out = tmp_path/"run"
    home = _home_with_failing_territory(tmp_path, "48")
    monkeypatch.setenv("EMPLOI_LAB_HOME", str(home))
    res = run_reports(tiny["data"], territories=",".join(THREE), out=out, workers=2, cache_dir=tiny["cache"],
                      progress=False, validate=False)
    by = {r["name"]: r for r in res.records}
    # the failing territory is recorded, keeps its executed notebook with the error, and the batch went on
    assert res.failed == ["territories/48"] and res.exit_code == 1
    assert "injected failure for 48" in by["territories/48"]["error"]
    assert "injected failure for 48" in (out/"territories"/"48"/"territory.ipynb").read_text()
    # a fairness audit for every model, rendered like the territory reports, or the reason why the data could not support one
    models = sorted(p.name for p in (tiny["art"]/"models").iterdir())
    assert models == ["reconversion", "recruitment", "survival", "triage"]
    audited = [m for m in models if (tiny["art"]/"models"/m/"audit.json").exists()]
    assert {"reconversion", "survival", "triage"} <= set(audited)  # the forecaster may lack series of k offers at this scale
    for m in set(models) - set(audited): assert json.loads((tiny["art"]/"models"/m/"not_audited.json").read_text())["reason"]
    for name in ("territories/2A", "territories/75", "national", *(f"fairness/{m}" for m in audited)):
        assert by[name]["status"] == "ok", by[name]["error"]
        for fmt in ("pdf", "html"): assert (out/by[name]["outputs"][fmt]).stat().st_size > 10_000
    for code in ("2A", "75"):
        assert _pages(out/"territories"/code/f"{code}.pdf") >= 6
        log = json.loads((out/"territories"/code/"disclosure_log.json").read_text())
        assert log["k"] == 11 and all(t["recoverable"] == 0 for t in log["tables"])
    index = (out/"index.html").read_text()
    assert "échec" in index and "injected failure for 48" in index and "territories/75/75.pdf" in index
    manifest = json.loads((out/"manifest.json").read_text())
    assert manifest["data"]["fingerprint"] and manifest["emploi_lab_version"] and "git_commit" in manifest
    for rel, sha in manifest["outputs"].items(): assert file_sha256(out/rel) == sha, rel
    assert "territories/75/75.pdf" in manifest["outputs"]

    # --resume redoes only what failed: fix the report, run again, the good ones are kept as they were
    monkeypatch.setenv("EMPLOI_LAB_HOME", str(ROOT))
    kept = {c: (out/"territories"/c/"status.json").stat().st_mtime_ns for c in ("2A", "75")}
    res2 = run_reports(tiny["data"], territories=",".join(THREE), out=out, workers=2, cache_dir=tiny["cache"],
                       progress=False, validate=False, resume=True)
    assert res2.failed == [] and res2.exit_code == 0
    assert {c: (out/"territories"/c/"status.json").stat().st_mtime_ns for c in ("2A", "75")} == kept
    assert sorted(r["name"] for r in res2.records) == sorted(by)  # kept records are listed too
    assert _pages(out/"territories"/"48"/"48.pdf") >= 6

    # a plain second run with the same inputs keeps what it already has (same inputs, same outputs)
    before = (out/"territories"/"48"/"status.json").stat().st_mtime_ns
    res3 = run_reports(tiny["data"], territories="48", out=out, workers=2, cache_dir=tiny["cache"], progress=False,
                       national=False, fairness=False, validate=False)
    assert res3.exit_code == 0 and (out/"territories"/"48"/"status.json").stat().st_mtime_ns == before

    # no personal data anywhere in the rendered text
    ids, fps = personal_markers(str(tiny["data"]))
    texts = [html_text(p.read_text()) for p in out.rglob("*.html")] + [p.read_text() for p in out.rglob("*.typ")]
    assert len(texts) >= 8
    for t in texts: assert scan_text(t, ids=ids, fingerprints=fps) == []


def test_tiny_territory_publishes_no_count_below_k(tiny):
    kf = load_artifact(tiny["art"], "key_figures")
    for col in ("registered", "entries", "exits", "exits_employment", "long_term"):
        v = kf[col].astype("Float64").dropna()
        assert (v >= 11).all(), col
    lozere = kf[(kf.level == "territory") & (kf.code == "48")].iloc[0]
    assert lozere.long_term_status != "safe" or lozere.long_term >= 11


def test_dask_scheduler_and_two_workers(tiny, tmp_path):
    sched_file = tmp_path/"scheduler.json"
    env = {**os.environ, "EMPLOI_LAB_HOME": str(ROOT)}
    bindir = Path(sys.executable).parent
    procs = [subprocess.Popen([str(bindir/"dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(sched_file)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(120):
            if sched_file.exists() and sched_file.stat().st_size: break
            time.sleep(0.25)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs += [subprocess.Popen([str(bindir/"dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
                                    "--host", "127.0.0.1", "--name", f"w{i}"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL) for i in range(2)]
        from distributed import Client
        with Client(address, timeout="30s") as c: c.wait_for_workers(2, timeout=60)
        res = run_reports(tiny["data"], territories=",".join(THREE), out=tmp_path/"run", scheduler=address, cache_dir=tiny["cache"],
                          formats="html", progress=False, national=False, fairness=False, validate=False)
        assert res.exit_code == 0, res.failed
        assert sorted(r["name"] for r in res.records) == [f"territories/{c}" for c in THREE]
        for c in THREE: assert (tmp_path/"run"/"territories"/c/f"{c}.html").exists()
    finally:
        for p in reversed(procs): p.terminate()
        for p in procs: p.wait(timeout=30)


def test_builtin_renderer_honours_cell_options(tmp_path):
    import nbformat
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_raw_cell("---\ntitle: Essai\nexecute:\n  echo: false\n---"),
                                v4.new_markdown_cell("# Partie"),
                                v4.new_code_cell("#| include: false\nhidden = 'INVISIBLE'", outputs=[
                                    v4.new_output("stream", name="stdout", text="INVISIBLE")]),
                                v4.new_code_cell("#| echo: true\nprint('VISIBLE')", outputs=[
                                    v4.new_output("stream", name="stdout", text="VISIBLE-OUT")])])
    nbformat.write(nb, tmp_path/"essai.ipynb")
    files = render_notebook(tmp_path/"essai.ipynb", renderer="builtin")
    html = files["html"].read_text()
    assert "INVISIBLE" not in html and "VISIBLE-OUT" in html
    assert "print" in html  # the echoed code (syntax-highlighted)
    assert files["pdf"].read_bytes()[:4] == b"%PDF"


@pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto CLI not on PATH: the Quarto render path is not tested here")
def test_quarto_renderer(tiny, tmp_path):
    import papermill as pm
    nb = tmp_path/"territory.ipynb"
    pm.execute_notebook(str(reports_dir()/"territory.ipynb"), str(nb), kernel_name="python3", progress_bar=False,
                        parameters={"territory": "75", "artifacts_dir": str(tiny["art"]), "data_dir": str(tiny["data"])})
    files = render_notebook(nb, tmp_path, stem="75", renderer="quarto")
    assert files["pdf"].read_bytes()[:4] == b"%PDF" and files["html"].exists()


def test_cli_run_rejects_unknown_territory(cli):
    assert "--territories" in cli("run", "--help").stdout
    r = cli("run", "--territories", "75,99", "--out", "/tmp/never")
    assert r.returncode == 2 and "99" in r.stderr
    assert not Path("/tmp/never").exists()  # nothing written


def test_unreachable_scheduler_is_refused_before_any_work(cli, tmp_path):
    "Issue 12: a --scheduler nobody answers on exits 2 with a clear message, before data or models are touched."
    r = cli("run", "--scheduler", "tcp://127.0.0.1:9", "--territories", "48", "--out", tmp_path/"run")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "--scheduler" in r.stderr and "tcp://127.0.0.1:9" in r.stderr
    assert not (tmp_path/"run").exists()


def test_runs_html_only_into_an_earlier_pdf_run_lists_only_what_it_made(tiny, tmp_path):
    "Issue 12: --formats html into a folder holding PDFs of an earlier run: the old PDF goes, the manifest lists no PDF."
    kw = dict(territories="48", out=tmp_path/"run", cache_dir=tiny["cache"], progress=False, national=False, fairness=False,
              validate=False)
    assert run_reports(tiny["data"], formats="pdf,html", **kw).exit_code == 0
    assert (tmp_path/"run"/"territories"/"48"/"48.pdf").exists()
    assert run_reports(tiny["data"], formats="html", **kw).exit_code == 0
    manifest = json.loads((tmp_path/"run"/"manifest.json").read_text())
    assert not [p for p in manifest["outputs"] if p.endswith(".pdf")]
    assert not list((tmp_path/"run").rglob("*.pdf"))
    for p, h in manifest["outputs"].items(): assert file_sha256(tmp_path/"run"/p) == h, p


def _notebook(path: Path, *sources) -> Path:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {"tags": ["parameters"]} if i == 0 else {},
              "outputs": [], "source": s} for i, s in enumerate(["x = 0", *sources])]
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "python3", "language": "python"}},
                                "nbformat": 4, "nbformat_minor": 5}))
    return path


def _printed(nb: Path) -> str:
    text = lambda t: "".join(t) if isinstance(t, list) else t  # nbformat stores a stream as a string or a list of lines
    return "".join(text(o.get("text", "")) for c in json.loads(nb.read_text())["cells"] for o in c.get("outputs", []))


def test_warm_kernel_is_reset_between_reports_and_replaced_after_a_failure(tmp_path):
    "Issue 18: a local worker reuses its kernel, yet no report sees another's variables or folder, and a failure leaves nothing."
    from papermill.exceptions import PapermillExecutionError
    from emploi_lab.batch import WarmKernel, execute_report
    a = _notebook(tmp_path/"a.ipynb", "leak = 41\nimport os\nprint(os.getpid())")
    b = _notebook(tmp_path/"b.ipynb", "import os\nprint('leak' in dir(), os.getpid(), os.getcwd())")
    bad = _notebook(tmp_path/"bad.ipynb", "raise RuntimeError('boom')")
    (tmp_path/"wa").mkdir(); (tmp_path/"wb").mkdir()
    k = WarmKernel()
    try:
        execute_report(a, tmp_path/"wa"/"out.ipynb", {"x": 1}, cwd=tmp_path/"wa", kernel=k)
        execute_report(b, tmp_path/"wb"/"out.ipynb", {"x": 2}, cwd=tmp_path/"wb", kernel=k)
        pid_a = _printed(tmp_path/"wa"/"out.ipynb").split()[0]
        leaked, pid_b, cwd = _printed(tmp_path/"wb"/"out.ipynb").split()
        assert (leaked, pid_b, cwd) == ("False", pid_a, str((tmp_path/"wb").resolve()))  # same kernel, clean namespace, own folder
        with pytest.raises(PapermillExecutionError):
            execute_report(bad, tmp_path/"wa"/"bad.ipynb", {"x": 3}, cwd=tmp_path/"wa", kernel=k)
        execute_report(b, tmp_path/"wb"/"again.ipynb", {"x": 4}, cwd=tmp_path/"wb", kernel=k)
        assert _printed(tmp_path/"wb"/"again.ipynb").split()[1] != pid_a  # the failed report's kernel is gone
    finally:
        k.replace()


def test_warm_kernel_started_early_runs_its_preload_and_loses_no_output(tmp_path):
    "Issue 18: a worker starts its kernel before importing papermill; the kernel imports meanwhile, and the first report still gets all its output."
    from emploi_lab.batch import WarmKernel, execute_report
    nb = _notebook(tmp_path/"a.ipynb", "import os\nprint(os.environ.get('PRELOADED'))", "print('last cell')")
    k = WarmKernel()
    try:
        k.start(preload="import os; os.environ['PRELOADED'] = 'yes'")
        execute_report(nb, tmp_path/"out.ipynb", {"x": 1}, cwd=tmp_path, kernel=k)
        assert _printed(tmp_path/"out.ipynb").split("\n")[:2] == ["yes", "last cell"]  # the preload ran first, in the same kernel
        k.replace(); k.start(preload="raise RuntimeError('preload')")  # a preload that fails does not stop the reports
        execute_report(nb, tmp_path/"again.ipynb", {"x": 2}, cwd=tmp_path, kernel=k)
        assert _printed(tmp_path/"again.ipynb").split("\n")[:2] == ["None", "last cell"]
    finally:
        k.replace()

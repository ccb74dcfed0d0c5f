"""The house rules a reader relies on: layers import only downward, model modules neither parse arguments nor
print, no test asserts on elapsed time, and no module grows past what one can read."""
import ast
import json
import re
from pathlib import Path

import pytest

import emploi_lab

ROOT = Path(__file__).resolve().parents[1]
PKG = Path(emploi_lab.__file__).parent
NBS = ROOT/"nbs"
MODULES = sorted(p for p in PKG.rglob("*.py") if p.name not in ("__init__.py", "_modidx.py"))


def notebook_of(module: Path) -> str:
    "The notebook a module is exported from (nbdev writes it in the header), e.g. '21_survival'."
    m = re.search(r"File to edit: \.\./(?:\.\./)*nbs/([\w.-]+)\.ipynb", module.read_text(encoding="utf-8")[:600])
    assert m, f"{module} has no nbdev header"
    return m[1]


NOTEBOOK = {".".join(p.relative_to(PKG).with_suffix("").parts): notebook_of(p) for p in MODULES}


def imported_modules(tree: ast.AST, package: str = "") -> set:
    "The emploi_lab modules a piece of code imports, at any depth (function-level imports count)."
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from .store import x`, `from . import synth`
                parent = package.split(".")[:len(package.split(".")) - node.level + 1] if package else []
                base = ".".join([*parent, base] if base else parent)
            elif base.startswith("emploi_lab"): base = base[len("emploi_lab"):].lstrip(".")
            else: continue
            if base: found.add(base)
            else: found |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name[len("emploi_lab."):] for a in node.names if a.name.startswith("emploi_lab.")}
    return {m for m in found if m in NOTEBOOK}


def test_every_module_comes_from_a_notebook():
    assert all(nb and (NBS/f"{nb}.ipynb").exists() for nb in NOTEBOOK.values()), NOTEBOOK


@pytest.mark.parametrize("module", sorted(NOTEBOOK))
def test_modules_import_only_downward(module):
    path = PKG.joinpath(*module.split(".")).with_suffix(".py")
    package = ".".join(module.split(".")[:-1])
    here = NOTEBOOK[module]
    up = {m: NOTEBOOK[m] for m in imported_modules(ast.parse(path.read_text(encoding="utf-8")), package) if NOTEBOOK[m] > here}
    assert not up, f"{module} ({here}) imports from higher notebooks: {up}"


def notebook_code(nb: Path) -> str:
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    # IPython magics and shell lines are not Python
    return "\n".join(re.sub(r"(?m)^\s*[%!].*$", "", "".join(c["source"])) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("nb", sorted(p.stem for p in NBS.glob("[0-9]*.ipynb")))
def test_notebooks_import_only_downward(nb):
    "Demo and test cells too: a notebook never imports from a higher number."
    up = {m: NOTEBOOK[m] for m in imported_modules(ast.parse(notebook_code(NBS/f"{nb}.ipynb"))) if NOTEBOOK[m] > nb}
    assert not up, f"{nb} imports from higher notebooks: {up}"


def test_the_rules_catch_a_violation():
    assert TIMING.search("assert ms < 200, ms") and TIMING.search("test_eq(time.perf_counter() - t0 < 1.0, True)")
    assert imported_modules(ast.parse("def f():\n    from emploi_lab.batch import run_reports")) == {"batch"}
    assert imported_modules(ast.parse("from .store import x\nfrom . import synth"), "") == {"store", "synth"}


LAYER = lambda nb: int(nb[:2]) // 10  # 0 core, 1 data, 2 models, 3 trust, 4 delivery


@pytest.mark.parametrize("module", sorted(m for m, nb in NOTEBOOK.items() if LAYER(nb) in (2, 3)))
def test_models_neither_parse_arguments_nor_print(module):
    tree = ast.parse(PKG.joinpath(*module.split(".")).with_suffix(".py").read_text(encoding="utf-8"))
    calls = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"]
    assert "argparse" not in imported_names(tree) and not calls, f"{module}: argparse or print on lines {calls}"


def imported_names(tree) -> set:
    return {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | \
           {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


TIMING = re.compile(r"(assert|test_eq|test_close)[^\n]*(perf_counter|time\.time\(\)|elapsed|\bms\b|seconds?\b\s*[<>]|_s\s*[<>])")


@pytest.mark.parametrize("path", sorted([*NBS.glob("*.ipynb"), *(p for p in (ROOT/"tests").glob("*.py") if p.name != Path(__file__).name)]),
                         ids=lambda p: p.name)
def test_no_assertion_on_elapsed_time(path):
    "Speed is measured in bench/, never asserted: a loaded machine must not fail the tests."
    text = notebook_code(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
    hits = [line.strip() for line in text.splitlines() if TIMING.search(line)]
    assert not hits, hits


def test_report_kernels_import_no_model_library():
    """What a report notebook imports (`sections`) reads precomputed figures: no model, storage or validation library
    is loaded in its kernel (each costs start-up time in every one of the 106 kernels of a run)."""
    import subprocess
    import sys
    heavy = ["duckdb", "pandera", "joblib", "sklearn", "sksurv", "shap", "fairlearn", "lifelines", "xgboost", "scipy",
             "highspy", "pytauargus", "papermill", "nbformat", "typst", "pypandoc", "dask", "distributed"]
    code = f"import sys, emploi_lab.sections; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "", f"emploi_lab.sections loads {r.stdout.strip()}"

"""Run notebooks in place so that they keep their outputs: `python tools/execute_nbs.py nbs/00_config.ipynb ...`
(no argument: every notebook of nbs/).

nbdev keeps cleaned, deterministic outputs in the notebooks so that a reader sees what each function returns
(STYLE.md). This runs each notebook top to bottom with execnb (the kernel nbdev_test uses), skips the cells
flagged `#| slow` (their outputs stay empty: they are run by `nbdev_test --flags slow`), writes the outputs, then
`nbdev_clean` strips execution counts and metadata. A notebook that fails is left untouched and the script
exits with 1. Outputs must not depend on the machine: no timings, paths of temporary folders or memory addresses.
"""
import re
import subprocess
import sys
from pathlib import Path

from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

ROOT = Path(__file__).resolve().parents[1]
SLOW = re.compile(r"^\s*#\s*\|\s*slow\b", re.M)


def execute(path: Path) -> bool:
    nb = read_nb(path)
    skipped = []
    for c in nb.cells:  # slow cells are not run: blank them out for the run, put them back afterwards
        if c.cell_type == "code" and SLOW.search(c.source):
            skipped.append((c, c.source)); c.source = ""
        if c.cell_type == "code": c.outputs = []
    shell = CaptureShell(path.parent)
    try:
        shell.run_all(nb, exc_stop=True)
    except Exception as e:
        print(f"FAILED {path}: {type(e).__name__}: {e}", file=sys.stderr)
        return False
    for c, src in skipped: c.source, c.outputs = src, []
    write_nb(nb, path)
    return True


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT/"nbs").glob("*.ipynb"))
    ok = [execute(p.resolve()) for p in paths]
    subprocess.run([Path(sys.executable).parent/"nbdev_clean"], cwd=ROOT, check=True)
    sys.exit(0 if all(ok) else 1)

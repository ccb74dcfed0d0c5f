"""Compare the published tables of two run folders: `python bench/compare_tables.py RUN_A RUN_B`.

A refactoring must not change what is published. This reads every executed report notebook of both runs
(`territories/*/territory.ipynb`, `national/national.ipynb`, `fairness/*/fairness_audit.ipynb`), keeps the
Markdown tables of their outputs (the lines that start with `|`, which is what the PDF and the HTML show as
tables) and prints, per notebook, whether they are identical, with the first differing line otherwise.
`--text` compares every Markdown output (sentences too), which includes the fingerprints and code versions
printed in the methodology. Exit code 1 when a table differs.
"""
import argparse
import json
import sys
from pathlib import Path


def tables(run: Path, text: bool = False) -> dict:
    "notebook (relative path) → list of Markdown outputs (tables only unless `text`)."
    out = {}
    for p in sorted(run.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in p.parts: continue
        md = [o["data"]["text/markdown"] for c in json.loads(p.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"
              for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
        md = ["".join(m) if isinstance(m, list) else m for m in md]
        out[str(p.relative_to(run))] = md if text else [m for m in md if m.lstrip().startswith("|")]
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("a", type=Path); p.add_argument("b", type=Path)
    p.add_argument("--text", action="store_true", help="compare every Markdown output, not only tables")
    a = p.parse_args(argv)
    ta, tb = tables(a.a, a.text), tables(a.b, a.text)
    common, same = sorted(ta.keys() & tb.keys()), 0
    for k in common:
        if ta[k] == tb[k]: same += 1; continue
        lines_a = "\n".join(ta[k]).splitlines(); lines_b = "\n".join(tb[k]).splitlines()
        first = next((i for i, (x, y) in enumerate(zip(lines_a, lines_b)) if x != y), min(len(lines_a), len(lines_b)))
        print(f"DIFFERENT {k}: line {first + 1}\n  a: {lines_a[first] if first < len(lines_a) else '<end>'}\n"
              f"  b: {lines_b[first] if first < len(lines_b) else '<end>'}")
    for k in sorted(ta.keys() ^ tb.keys()): print(f"ONLY IN {'a' if k in ta else 'b'}: {k}")
    n_tables = sum(len(v) for k, v in ta.items() if k in tb)
    print(f"{same}/{len(common)} notebooks with identical {'outputs' if a.text else 'tables'} ({n_tables} tables in a)")
    return 0 if same == len(common) and ta.keys() == tb.keys() else 1


if __name__ == "__main__":
    sys.exit(main())

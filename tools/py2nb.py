"""Author a notebook as a percent script: `python tools/py2nb.py SCRIPT.py nbs/NN_name.ipynb`.

The notebook stays the source of truth (nbs/); this only converts a script written in jupytext's
percent format into a clean notebook with the standard kernelspec. Round trip with
`jupytext --to py:percent nbs/NN_name.ipynb -o SCRIPT.py`.
"""
import sys

import jupytext
import nbformat

src, dst = sys.argv[1], sys.argv[2]
nb = jupytext.read(src)
nb.metadata = {"kernelspec": {"display_name": "emploi-lab", "language": "python", "name": "emploi-lab"}}
for i, cell in enumerate(nb.cells):
    cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
    cell.id = f"c{i:03d}"
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
nbformat.write(nb, dst)

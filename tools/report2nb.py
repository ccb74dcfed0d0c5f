"""Author a report notebook (reports/*.ipynb) as a percent script: `python tools/report2nb.py SCRIPT.py reports/NAME.ipynb`.

Like tools/py2nb.py for nbs/, but keeps the `parameters` tag papermill needs and the raw front matter Quarto reads.
Round trip with `jupytext --to py:percent reports/NAME.ipynb -o SCRIPT.py`.
"""
import sys

import jupytext
import nbformat

src, dst = sys.argv[1], sys.argv[2]
nb = jupytext.read(src)
nb.metadata = {"kernelspec": {"display_name": "emploi-lab", "language": "python", "name": "emploi-lab"}}
for i, c in enumerate(nb.cells):
    c.metadata = {k: v for k, v in c.metadata.items() if k == "tags"}
    c.id = f"c{i:03d}"
    if c.cell_type == "code": c.outputs, c.execution_count = [], None
nbformat.write(nb, dst)

"""Build README.md from nbs/index.ipynb.

nbdev_readme renders through the Quarto CLI, which cannot be installed here (DESIGN.md, rendering
policy), so this script does the small part we need by hand: markdown cells verbatim, code cells as
fenced Python with their text output, cells flagged `#| hide` left out, nbdev directives stripped.
"""
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
_DIRECTIVE = re.compile(r"^\s*#\s*\|")


def _is_hidden(src: str) -> bool:
    return any(re.match(r"^\s*#\s*\|\s*(hide|default_exp|export)\b", line) for line in src.splitlines())


def _outputs(cell) -> str:
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append(out.get("text", ""))
        elif "data" in out and "text/markdown" in out["data"]:
            texts.append("\0md" + out["data"]["text/markdown"])
        elif "data" in out and "text/plain" in out["data"]:
            texts.append(out["data"]["text/plain"])
    return texts


def render(nb_path: Path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    parts = []
    for cell in nb.cells:
        src = cell.source.strip("\n")
        if cell.cell_type == "markdown":
            parts.append(src)
        elif cell.cell_type == "code" and not _is_hidden(src):
            code = "\n".join(line for line in src.splitlines() if not _DIRECTIVE.match(line)).strip("\n")
            if code and not re.search(r"^\s*#\s*\|\s*echo:\s*false", src, re.M):  # `#| echo: false`: the output only
                parts.append(f"```python\n{code}\n```")
            for text in _outputs(cell):
                parts.append(text[3:].strip("\n") if text.startswith("\0md") else f"```\n{text.rstrip()}\n```")
    parts.append("<!-- generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file -->")
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    target = ROOT / "README.md"
    text = render(ROOT / "nbs" / "index.ipynb")
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    sys.exit(0)
